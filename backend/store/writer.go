package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrClosed is returned by Write once Close has been called.
var ErrClosed = errors.New("database is closed")

// Tx is the transaction a Write function runs in. Its methods are the store's write repositories.
type sqlTx struct {
	tx    *sql.Tx
	ctx   context.Context
	cache *stmtCache // the writer's prepared statements (nil: none)
	// counts are this write's counter increments; batch holds the released writes' before them
	counts, batch *counters
	// bound are the cached statements bound to this batch's transaction, by query
	bound map[string]*sql.Stmt
	pg    bool            // on PostgreSQL (see DB.pg)
	later context.Context // ctx for statements held for the next round trip (see execLater)
}

type writeReq struct {
	ctx  context.Context
	fn   func(Tx) error
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
func (db *DB) Write(ctx context.Context, fn func(Tx) error) error {
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
	queue := db.writes
	if isUrgent(ctx) {
		queue = db.urgent
	}
	select {
	case queue <- req:
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

type urgentKey struct{}

// Urgent marks writes made with the returned context as urgent: someone is waiting on them to
// acknowledge a request (an ingested event). The writer takes urgent writes before queued
// background work (step results), so acknowledgements stay fast while the engine is busy.
func Urgent(ctx context.Context) context.Context { return context.WithValue(ctx, urgentKey{}, true) }

func isUrgent(ctx context.Context) bool { v, _ := ctx.Value(urgentKey{}).(bool); return v }

// writeLoop gathers batches, urgent writes first, and commits them. A batch that runs out of
// its time budget commits early; the writes it did not reach lead the next batch.
func (db *DB) writeLoop() {
	defer close(db.done)
	urgent, writes := db.urgent, db.writes
	var carry []*writeReq
	for {
		batch := make([]*writeReq, 0, db.opts.MaxBatch)
		if len(carry) == 0 {
			// Block for the first write, preferring an urgent one.
			select {
			case r, ok := <-urgent:
				if !ok {
					urgent = nil
				} else {
					batch = append(batch, r)
				}
			default:
				if urgent == nil && writes == nil {
					return
				}
				select {
				case r, ok := <-urgent:
					if !ok {
						urgent = nil
					} else {
						batch = append(batch, r)
					}
				case r, ok := <-writes:
					if !ok {
						writes = nil
					} else {
						batch = append(batch, r)
					}
				}
			}
			if len(batch) == 0 {
				continue
			}
		}
		batch = drain(batch, &urgent, db.opts.MaxBatch)
		batch = append(batch, carry...)
		batch = drain(batch, &writes, db.opts.MaxBatch)
		n := db.commitBatch(batch)
		carry = append(carry[:0:0], batch[n:]...)
		if db.stmts.pending() {
			db.stmts.prepareWanted(db.w)
		}
	}
}

// drain appends queued writes from *ch without blocking until batch holds max; a closed
// channel is set to nil.
func drain(batch []*writeReq, ch *chan *writeReq, max int) []*writeReq {
	for *ch != nil && len(batch) < max {
		select {
		case r, ok := <-*ch:
			if !ok {
				*ch = nil
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// errBatchAborted is reported to writes of a batch whose shared transaction broke.
var errBatchAborted = errors.New("write batch aborted: the shared transaction failed")

// commitBatch runs writes of batch in one transaction until the batch or its time budget runs
// out, commits, answers them, and returns how many it took (the rest wait for the next batch).
func (db *DB) commitBatch(batch []*writeReq) int {
	ctx := context.Background()
	errs := make([]error, len(batch))
	start := time.Now()
	begin := ctx
	if db.pg {
		begin = withPipe(ctx, PipeLater) // BEGIN goes out with the first statement
	}
	tx, err := db.w.BeginTx(begin, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin transaction: %w", err)
		}
		return len(batch)
	}
	// A batch led by an urgent write commits sooner: someone is waiting on its acknowledgement,
	// and background writes behind it can wait for the next batch.
	budget := db.opts.BatchBudget
	if len(batch) > 0 && isUrgent(batch[0].ctx) {
		budget /= 4
	}
	// The first background write of a batch always runs, however long the urgent ones took:
	// under constant ingest the urgent lane would otherwise starve background work for good.
	n := len(batch)
	background := false
	counts := &counters{}
	bound := map[string]*sql.Stmt{}
	for i, r := range batch {
		if !isUrgent(r.ctx) {
			if i > 0 && background && time.Since(start) > budget {
				n = i
				break
			}
			background = true
		}
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		var broken bool
		t := db.newTx(r.ctx, tx, counts, bound)
		broken, errs[i] = runSavepoint(t, r)
		if !broken && errs[i] == nil {
			counts.merge(t.counts)
		}
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
			return len(batch)
		}
	}
	ct := &sqlTx{tx: tx, ctx: ctx, cache: db.stmts, bound: bound, pg: db.pg}
	if db.pg {
		ct.cache, ct.bound = nil, nil
	}
	if err := counts.flush(ct); err != nil {
		// The counters belong to writes already run: none of them can commit without them.
		_ = tx.Rollback()
		for _, r := range batch {
			r.done <- fmt.Errorf("%w: %v", errBatchAborted, err)
		}
		return len(batch)
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch[:n] {
			r.done <- fmt.Errorf("commit: %w", err)
		}
		return n
	}
	db.commits.Add(1)
	for i, r := range batch[:n] {
		r.done <- errs[i]
	}
	return n
}

// runSavepoint runs one write in its own savepoint. broken reports that the savepoint could not
// be rolled back or released, so the shared transaction is in an unknown state.
// t's ctx is r's without its cancellation (see Write); the values of ctx stay visible.
//
// On PostgreSQL the SAVEPOINT and RELEASE are held for the next round trip (see execLater):
// they cannot fail unless the transaction already did, which the next statement then reports
// (and the batch fails as broken). The write's own held statements are flushed before its
// outcome is decided, so their errors are its own.
func runSavepoint(t *sqlTx, r *writeReq) (broken bool, err error) {
	if err := t.execLater("SAVEPOINT w"); err != nil {
		return true, fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
		if ferr := t.flush(); ferr != nil && err == nil {
			err = ferr
		}
		if err != nil {
			if _, rbErr := t.exec("ROLLBACK TO w"); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
				broken = true
			}
		}
		if relErr := t.execLater("RELEASE w"); relErr != nil {
			if err == nil {
				err = fmt.Errorf("release savepoint: %w", relErr)
			}
			broken = true
		}
	}()
	return false, r.fn(t)
}

// newTx is the Tx of one write of a batch. PostgreSQL's driver caches its own prepared
// statements, so the store's cache is SQLite's only.
func (db *DB) newTx(ctx context.Context, tx *sql.Tx, batch *counters, bound map[string]*sql.Stmt) *sqlTx {
	t := &sqlTx{tx: tx, ctx: context.WithoutCancel(ctx), counts: &counters{}, batch: batch, pg: db.pg}
	if !db.pg {
		t.cache, t.bound = db.stmts, bound
	}
	return t
}

// Context is the context the write was queued with, for reads a write function makes elsewhere
// (a cached workflow version, say).
func (t *sqlTx) Context() context.Context { return t.ctx }

func (t *sqlTx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.txStmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *sqlTx) queryRow(query string, args ...any) *sql.Row {
	if st := t.txStmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

func (t *sqlTx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.txStmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}
