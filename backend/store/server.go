package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Server is a database server the store runs on instead of a SQLite file: PostgreSQL, opened by
// package store/postgres, which owns the connection pool, the driver and the schema. The store
// runs the same repositories on it (one implementation of every read and write, one group
// commit), with the few statements SQLite and PostgreSQL spell differently chosen by db.pg.
type Server struct {
	// Connector opens connections whose queries use SQLite's "?" placeholders and take Go
	// bools as 0/1 (the columns are BIGINT on both databases): the driver translates.
	Connector driver.Connector
	// Name is what Path reports: the address without its password.
	Name string
	// SchemaVersion reads the applied migration version of the server's own migrations.
	SchemaVersion func(ctx context.Context) (int, error)
	// Close releases what the server holds (its pool), after the store closed its connections.
	Close func() error
}

// OpenServer starts the store on a server whose schema is already migrated (package
// store/postgres does that before calling it). There is no process lock: several processes
// may share a server, and jobs are claimed with row locks (FOR UPDATE SKIP LOCKED).
func OpenServer(ctx context.Context, s Server, opts Options) (*DB, error) {
	if s.Connector == nil || s.SchemaVersion == nil {
		return nil, errors.New("open database server: a connector and a schema version reader are required")
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.BatchBudget <= 0 {
		// Four times SQLite's: a write here is several round trips to the server (~0.5 ms, not
		// SQLite's ~50 µs), so SQLite's budget closed a batch after one or two writes and each
		// event paid a WAL flush of its own; an urgent batch still commits within 4 ms.
		opts.BatchBudget = 16 * time.Millisecond
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = runtime.GOMAXPROCS(0) + 2
	}
	db := &DB{path: s.Name, server: &s, pg: true, writes: make(chan *writeReq, 4096), urgent: make(chan *writeReq, 4096),
		done: make(chan struct{}), opts: opts, stmts: newStmtCache()}
	// One writer connection, as on SQLite: the group commit shares its transaction between the
	// writes of a batch, and the engine's write functions count on writes not interleaving
	// within one process.
	db.w = sql.OpenDB(s.Connector)
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.r = sql.OpenDB(s.Connector)
	db.r.SetMaxOpenConns(opts.ReadConns)
	db.r.SetMaxIdleConns(opts.ReadConns)
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		db.r.Close()
		return nil, fmt.Errorf("open database %s: %w", s.Name, err)
	}
	go db.writeLoop()
	return db, nil
}

// ErrFileOnly is returned by the file upkeep (checkpoint, vacuum, sizes) on a database server,
// which keeps its own files (autovacuum, its WAL).
var ErrFileOnly = errors.New("only a SQLite file has this upkeep; the database server does its own")

// isUnique reports whether err is a unique-constraint violation, on SQLite or PostgreSQL
// (SQLSTATE 23505, through pgconn.PgError's SQLState method, so store need not import pgx).
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE")
}

// guard runs fn, a statement that may fail on a constraint the caller turns into an answer
// (ErrConflict), in a savepoint on PostgreSQL: there a failed statement aborts the whole
// transaction, while SQLite only fails the statement, and the caller's write goes on.
func (t *sqlTx) guard(fn func() error) error {
	if !t.pg {
		return fn()
	}
	// SAVEPOINT and RELEASE are held for the next round trip (see execLater): they fail only
	// in a transaction that already failed, which the next statement reports.
	if err := t.execLater("SAVEPOINT g"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	err := fn()
	if err != nil {
		_ = t.flush() // the write failed already; what was held goes before the rollback
		if _, rbErr := t.exec("ROLLBACK TO g"); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
	}
	if relErr := t.execLater("RELEASE g"); relErr != nil && err == nil {
		return fmt.Errorf("release savepoint: %w", relErr)
	}
	return err
}

// insert runs an INSERT and returns the new row's id: LastInsertId on SQLite, RETURNING id on
// PostgreSQL (its driver has no last insert id).
func (t *sqlTx) insert(query string, args ...any) (int64, error) {
	if t.pg {
		var id int64
		err := t.queryRow(query+" RETURNING id", args...).Scan(&id)
		return id, err
	}
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// insertOnce is insert for a row a unique constraint may refuse: inserted is false (and err
// nil) when it did. PostgreSQL gets ON CONFLICT DO NOTHING rather than the error, which would
// abort the transaction.
func (t *sqlTx) insertOnce(query string, args ...any) (id int64, inserted bool, err error) {
	if t.pg {
		err := t.queryRow(query+" ON CONFLICT DO NOTHING RETURNING id", args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return id, err == nil, err
	}
	id, err = t.insert(query, args...)
	if isUnique(err) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// execOnce is insertOnce for a table without an id column.
func (t *sqlTx) execOnce(query string, args ...any) (inserted bool, err error) {
	if t.pg {
		res, err := t.exec(query+" ON CONFLICT DO NOTHING", args...)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n > 0, err
	}
	_, err = t.exec(query, args...)
	if isUnique(err) {
		return false, nil
	}
	return err == nil, err
}
