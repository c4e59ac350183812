package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/flowdesk/flowdesk/backend/store"
)

// The pipeline of the writer connection (see store.Pipe): statements the store runs with
// store.PipeLater are held, not sent, and go out in one pgx batch with the next statement
// that needs an answer (or at a flush, or with COMMIT), so a step's write costs a few round
// trips instead of one per statement. A transaction begun with PipeLater holds its BEGIN too.
//
// An error of a held statement is reported by the statement it was sent with, as text only
// (%v): it must not look like that statement's own failure (a unique violation the store would
// take for an answer). PostgreSQL aborts the transaction at the first error, so nothing after
// a failed statement takes effect; the store rolls the write back to its savepoint.

type held struct {
	batch pgx.Batch
	begin bool // the transaction's BEGIN is held (nothing of it was sent yet)
}

func (c *conn) pgx() *pgx.Conn { return c.Conn.(*stdlib.Conn).Conn() }

func (c *conn) hold(query string, args []driver.NamedValue) {
	if c.held == nil {
		c.held = &held{}
	}
	c.held.batch.Queue(query, values(args)...)
}

// take returns the held statements (nil if none) and clears them.
func (c *conn) take() *pgx.Batch {
	h := c.held
	c.held = nil
	if h == nil {
		return nil
	}
	return &h.batch
}

func values(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

// send runs b and reads the answers of its first skip statements (the held ones); the first
// error among them is returned and the results are closed. On success br is open for the rest.
func send(ctx context.Context, c *pgx.Conn, b *pgx.Batch, skip int) (pgx.BatchResults, error) {
	br := c.SendBatch(ctx, b)
	for range skip {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, fmt.Errorf("a statement sent ahead of this one failed: %v", err)
		}
	}
	return br, nil
}

// flush sends the held statements alone.
func (c *conn) flush(ctx context.Context) error {
	b := c.take()
	if b == nil {
		return nil
	}
	br, err := send(ctx, c.pgx(), b, b.Len())
	if err != nil {
		return err
	}
	return br.Close()
}

func (c *conn) execPiped(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	switch store.Pipe(ctx) {
	case store.PipeLater:
		c.hold(query, args)
		return heldResult{}, nil
	case store.PipeFlush:
		return driver.RowsAffected(0), c.flush(ctx)
	}
	b := c.take()
	if b == nil {
		return c.std().ExecContext(ctx, query, args)
	}
	b.Queue(query, values(args)...)
	br, err := send(ctx, c.pgx(), b, b.Len()-1)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *conn) queryPiped(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	b := c.take()
	if b == nil {
		return c.std().QueryContext(ctx, query, args)
	}
	b.Queue(query, values(args)...)
	pc := c.pgx()
	br, err := send(ctx, pc, b, b.Len()-1)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		_ = br.Close()
		return nil, err
	}
	return &batchRows{rows: rows, br: br, m: pc.TypeMap()}, nil
}

// heldResult is the result of a held statement: not known yet, and never read by the store.
type heldResult struct{}

var errHeld = errors.New("the statement was held for the next round trip: its result is not known")

func (heldResult) LastInsertId() (int64, error) { return 0, errHeld }
func (heldResult) RowsAffected() (int64, error) { return 0, errHeld }

// pipeTx is a transaction whose BEGIN was held: it goes out with the first statement, and
// COMMIT goes out with the last held ones.
type pipeTx struct {
	c   *conn
	ctx context.Context
}

func (c *conn) beginPiped(ctx context.Context) driver.Tx {
	c.held = &held{begin: true}
	c.held.batch.Queue("BEGIN")
	return &pipeTx{c: c, ctx: context.WithoutCancel(ctx)}
}

var errCommitRolledBack = errors.New("commit: the transaction had failed and was rolled back")

func (tx *pipeTx) Commit() error {
	b := tx.c.take()
	if b == nil {
		b = &pgx.Batch{}
	}
	b.Queue("COMMIT")
	pc := tx.c.pgx()
	br, err := send(tx.ctx, pc, b, b.Len()-1)
	if err == nil {
		var tag interface{ String() string }
		tag, err = br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = errCommitRolledBack
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		// COMMIT may not have run (a held statement failed first): end the transaction so the
		// connection is not left inside it.
		_, _ = pc.Exec(tx.ctx, "ROLLBACK")
	}
	return err
}

func (tx *pipeTx) Rollback() error {
	h := tx.c.held
	tx.c.held = nil
	if h != nil && h.begin {
		return nil // nothing of the transaction reached the server
	}
	_, err := tx.c.pgx().Exec(tx.ctx, "ROLLBACK")
	return err
}

// batchRows reads the rows of a query sent in a batch as database/sql wants them, with the
// conversions of pgx's stdlib adapter for the types the store's columns have.
type batchRows struct {
	rows  pgx.Rows
	br    pgx.BatchResults
	m     *pgtype.Map
	names []string
	conv  []func([]byte) (driver.Value, error)
}

func (r *batchRows) Columns() []string {
	if r.names == nil {
		for _, fd := range r.rows.FieldDescriptions() {
			r.names = append(r.names, fd.Name)
		}
	}
	return r.names
}

func (r *batchRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *batchRows) Next(dest []driver.Value) error {
	if r.conv == nil {
		for _, fd := range r.rows.FieldDescriptions() {
			r.conv = append(r.conv, converter(r.m, fd.DataTypeOID, fd.Format))
		}
	}
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.conv[i](raw)
		if err != nil {
			return fmt.Errorf("convert field %d: %w", i, err)
		}
		dest[i] = v
	}
	return nil
}

// converter decodes one column as stdlib's Rows does: integers as int64, floats as float64,
// bool, bytea and JSON as bytes, everything else as its text.
func converter(m *pgtype.Map, oid uint32, format int16) func([]byte) (driver.Value, error) {
	switch oid {
	case pgtype.BoolOID:
		return scanAs[bool](m, oid, format, func(v bool) driver.Value { return v })
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID:
		return scanAs[[]byte](m, oid, format, func(v []byte) driver.Value { return v })
	case pgtype.Float4OID:
		return scanAs[float32](m, oid, format, func(v float32) driver.Value { return float64(v) })
	case pgtype.Float8OID:
		return scanAs[float64](m, oid, format, func(v float64) driver.Value { return v })
	case pgtype.Int2OID:
		return scanAs[int16](m, oid, format, func(v int16) driver.Value { return int64(v) })
	case pgtype.Int4OID:
		return scanAs[int32](m, oid, format, func(v int32) driver.Value { return int64(v) })
	case pgtype.Int8OID:
		return scanAs[int64](m, oid, format, func(v int64) driver.Value { return v })
	default:
		return scanAs[string](m, oid, format, func(v string) driver.Value { return v })
	}
}

func scanAs[T any](m *pgtype.Map, oid uint32, format int16, out func(T) driver.Value) func([]byte) (driver.Value, error) {
	var d T
	plan := m.PlanScan(oid, format, &d)
	return func(src []byte) (driver.Value, error) {
		var zero T
		d = zero
		if err := plan.Scan(src, &d); err != nil {
			return nil, err
		}
		return out(d), nil
	}
}
