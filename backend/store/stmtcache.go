package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the writer's statement cache, so queries built at run time (with a
// varying number of placeholders) cannot grow it without limit.
const maxCachedStmts = 256

// stmtCache keeps the writer connection's statements prepared across transactions. Parsing
// and planning SQL was a quarter of the engine's CPU time; a cached statement skips both.
//
// A statement cannot be prepared on the writer connection while a batch's transaction holds it
// (it is the pool's only connection), so a query first seen inside a transaction runs unprepared
// and is remembered; the writer prepares the remembered ones between batches.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]struct{}
}

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, wanted: map[string]struct{}{}}
}

// get returns the prepared statement for query, or nil (and remembers query for later).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[query]
	if st == nil && len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = struct{}{}
	}
	return st
}

// prepareWanted prepares the remembered queries on w. Only the writer loop calls it, between
// batches, when the connection is free. A query that fails to prepare is simply not cached.
func (c *stmtCache) prepareWanted(w *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		delete(c.wanted, q)
		if st, err := w.PrepareContext(context.Background(), q); err == nil {
			c.stmts[q] = st
		}
	}
}

func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wanted) > 0
}

// close finalizes the cached statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
	clear(c.wanted)
}

// txStmt returns query's cached statement bound to this transaction, or nil.
func (t *sqlTx) txStmt(query string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	if st := t.bound[query]; st != nil {
		return st
	}
	st := t.cache.get(query)
	if st == nil {
		return nil
	}
	// Bound once per batch: binding costs an allocation and database/sql's locks on every call,
	// and the transaction closes what it bound when it ends.
	st = t.tx.StmtContext(t.ctx, st)
	if t.bound != nil {
		t.bound[query] = st
	}
	return st
}

// txQuerier lets the read helpers shared with the read pool (getRecord, ...) run inside a write
// transaction through the statement cache.
type txQuerier struct{ t *sqlTx }

func (q txQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.t.query(query, args...)
}

func (q txQuerier) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return q.t.queryRow(query, args...)
}
