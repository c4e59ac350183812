package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxReadStmts bounds the read pool's statement cache; only fixed query strings use it.
const maxReadStmts = 64

// readStmts keeps hot single-row reads (the webhook listener's endpoint and replay look-ups,
// the dispatcher's next-job query) prepared on the read pool. database/sql prepares a Stmt on
// each pooled connection the first time it runs there, so after warm-up a read skips SQLite's
// parser and planner, which were most of its cost.
type readStmts struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

// get returns query's statement on r, preparing it the first time; nil when it cannot be
// cached (the cache is full or closed, or preparing failed): the caller then runs query as is.
func (c *readStmts) get(ctx context.Context, r *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[query]; st != nil || c.closed || len(c.stmts) >= maxReadStmts {
		return st
	}
	st, err := r.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st
}

// close finalizes the statements; later gets return nil.
func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
}

// readRow runs a single-row read on the read pool through the statement cache.
func (db *DB) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if db.pg { // pgx caches prepared statements per connection itself
		return db.r.QueryRowContext(ctx, query, args...)
	}
	if st := db.reads.get(ctx, db.r, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, query, args...)
}
