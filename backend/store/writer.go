package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrClosed is returned by Write once Close has been called.
var ErrClosed = errors.New("database is closed")

// Tx is the transaction a Write function runs in. Its methods are the store's write repositories.
type Tx struct {
	tx    *sql.Tx
	ctx   context.Context
	cache *stmtCache // the writer's prepared statements (nil: none)
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// Write runs fn in a durable transaction and returns once it has committed (or failed).
// Concurrent writes are grouped: they share one SQLite transaction and one fsync, each isolated
// by a savepoint, so one failing fn rolls back only its own changes. fn must not block on other
// writes and must be quick: it holds the only writer.
//
// ctx only decides whether the write is queued and started: once fn runs, its statements are
// not interrupted by ctx (an interrupted statement would roll back the whole shared transaction,
// taking the other writes of the batch with it).
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	// The read lock keeps Close from closing the queue while a send is in flight.
	db.closeMu.RLock()
	if db.closed {
		db.closeMu.RUnlock()
		return fmt.Errorf("write: %w", ErrClosed)
	}
	select {
	case db.writes <- req:
		db.closeMu.RUnlock()
	case <-ctx.Done():
		db.closeMu.RUnlock()
		return ctx.Err()
	}
	// Once queued the write is not abandoned: its outcome must be reported so a caller never
	// acknowledges something that did not commit, nor retries something that did.
	return <-req.done
}

// Commits returns how many transactions the group-commit writer has committed so far; divided
// into the writes made, it tells how many writes shared each fsync (for benchmarks).
func (db *DB) Commits() int64 { return db.commits.Load() }

func (db *DB) writeLoop() {
	defer close(db.done)
	batch := make([]*writeReq, 0, db.opts.MaxBatch)
	for req := range db.writes {
		batch = append(batch[:0], req)
	fill:
		for len(batch) < db.opts.MaxBatch {
			select {
			case more, ok := <-db.writes:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		db.commitBatch(batch)
		clear(batch) // drop references to finished requests
		if db.stmts.pending() {
			db.stmts.prepareWanted(db.w)
		}
	}
}

// errBatchAborted is reported to writes of a batch whose shared transaction broke.
var errBatchAborted = errors.New("write batch aborted: the shared transaction failed")

func (db *DB) commitBatch(batch []*writeReq) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin transaction: %w", err)
		}
		return
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		var broken bool
		broken, errs[i] = runSavepoint(&Tx{tx: tx, ctx: context.WithoutCancel(r.ctx), cache: db.stmts}, r)
		if broken {
			// The savepoint could not be rolled back or released: SQLite may have rolled back
			// the whole transaction (disk full, I/O error), and a further SAVEPOINT would
			// silently start a new one. Nothing of this batch can be trusted: fail it all.
			_ = tx.Rollback()
			for j, r := range batch {
				switch {
				case j == i:
					r.done <- errs[i]
				default:
					r.done <- fmt.Errorf("%w: %v", errBatchAborted, errs[i])
				}
			}
			return
		}
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("commit: %w", err)
		}
		return
	}
	db.commits.Add(1)
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// runSavepoint runs one write in its own savepoint. broken reports that the savepoint could not
// be rolled back or released, so the shared transaction is in an unknown state.
// t's ctx is r's without its cancellation (see Write); the values of ctx stay visible.
func runSavepoint(t *Tx, r *writeReq) (broken bool, err error) {
	if _, err := t.exec("SAVEPOINT w"); err != nil {
		return true, fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
		if err != nil {
			if _, rbErr := t.exec("ROLLBACK TO w"); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
				broken = true
			}
		}
		if _, relErr := t.exec("RELEASE w"); relErr != nil {
			if err == nil {
				err = fmt.Errorf("release savepoint: %w", relErr)
			}
			broken = true
		}
	}()
	return false, r.fn(t)
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.txStmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.txStmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.txStmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}
