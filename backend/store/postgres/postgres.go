// Package postgres runs the Flowdesk store on PostgreSQL (github.com/jackc/pgx/v5 and its
// pgxpool): several processes on one database, where SQLite is one process on a file. It owns
// the connection, the schema (its own migrations, embedded) and a driver that lets the store's
// queries, written once for both databases, run here; the repositories themselves are package
// store's (store.OpenServer), so both databases share one implementation of every read and
// write and pass the same conformance suite (package storetest).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/flowdesk/flowdesk/backend/store"
)

// DB is the store on PostgreSQL. It is a *store.DB (every store.Store method) with the pool
// beside it, for what only PostgreSQL has (LISTEN/NOTIFY, advisory locks).
type DB struct {
	*store.DB
	pool *pgxpool.Pool
}

// Pool is the connection pool the store runs on.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// IsDSN reports whether s names a PostgreSQL database (a postgres:// or postgresql:// URL)
// rather than a SQLite file path.
func IsDSN(s string) bool {
	ls := strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(ls, "postgres://") || strings.HasPrefix(ls, "postgresql://")
}

// Error kinds of Open, for errors.Is: the command line turns both into exit status 2.
var (
	// ErrConnect means the server could not be reached or refused the login.
	ErrConnect = errors.New("cannot connect to PostgreSQL")
	// ErrSchema means the database's schema is not one this flowdesk can use.
	ErrSchema = errors.New("unusable database schema")
)

// Open connects to the database at dsn, applies the pending migrations (refusing a database
// whose schema is newer than this flowdesk) and starts the store. Nothing is written when it
// fails. The pool holds the read connections, the writer and two spare (a listener, a lock)
// unless dsn sets pool_max_conns.
func Open(ctx context.Context, dsn string, opts store.Options) (*DB, error) {
	name := Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: the address %s does not parse (%v); write it as postgres://user:password@host:5432/database", ErrConnect, name, cleanParseError(err))
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 8
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(opts.ReadConns + 3)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrConnect, name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w at %s: %v; check that the server runs, the address, the user and its password, and that the database exists (createdb)", ErrConnect, name, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	sdb, err := store.OpenServer(ctx, store.Server{
		Connector:     placeholders{stdlib.GetPoolConnector(pool)},
		Name:          name,
		SchemaVersion: func(ctx context.Context) (int, error) { return schemaVersion(ctx, pool) },
		Close:         func() error { pool.Close(); return nil },
	}, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{DB: sdb, pool: pool}, nil
}

// Redact returns dsn without its password, for messages and Path.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if strings.Contains(dsn, "password") {
			return "(a PostgreSQL address with a password)"
		}
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// cleanParseError drops the address pgx repeats in its parse errors (it may hold a password).
func cleanParseError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
