// Package store is Flowdesk's only SQL speaker: a SQLite file (modernc.org/sqlite, WAL) with
// versioned migrations, repositories for records, events, workflows, enrollments, jobs and
// history, and a group-committing writer so many small durable writes share one fsync.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Errors callers can test with errors.Is.
var (
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write clashes with existing data (duplicate id, stale revision).
	ErrConflict = errors.New("conflict")
	// ErrLocked means another Flowdesk process holds the database.
	ErrLocked = errors.New("database is in use by another flowdesk process")
)

// Options tune Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (default; survives power loss) or "NORMAL".
	Synchronous string
	// MaxBatch caps how many queued writes share one transaction (default 256).
	// BatchBudget caps the time one transaction spends running writes before it commits
	// (default 4ms), so a burst of background writes cannot hold an urgent one for long.
	BatchBudget time.Duration
	MaxBatch    int
	// ReadConns is the read pool size (default GOMAXPROCS+2).
	ReadConns int
}

// DB is an open Flowdesk database: one writer connection fed by a group-commit loop and a pool
// of read-only connections on the same WAL file.
type DB struct {
	path   string
	w      *sql.DB
	r      *sql.DB
	ck     *sql.DB // one connection for WAL checkpoints, beside the writer
	lock   *os.File
	writes chan *writeReq
	urgent chan *writeReq // writes someone waits on to acknowledge a request (see Urgent)
	done   chan struct{}
	opts   Options
	server *Server // a database server (PostgreSQL) instead of the SQLite file; nil for a file
	pg     bool    // the server speaks PostgreSQL: the few statements spelled differently

	closeMu   sync.RWMutex // guards closed and the closing of writes against concurrent sends
	closed    bool
	closeOnce sync.Once
	closeErr  error

	commits atomic.Int64 // transactions the writer committed (for benchmarks: writes per commit)
	stmts   *stmtCache   // the writer connection's prepared statements
	reads   readStmts    // hot reads prepared on the read pool
}

// Open opens (creating if needed) the database at path, takes an exclusive process lock on it,
// applies pending migrations and starts the writer.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	mode, err := synchronousMode(opts.Synchronous)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	opts.Synchronous = mode
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.BatchBudget <= 0 {
		opts.BatchBudget = 4 * time.Millisecond
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = runtime.GOMAXPROCS(0) + 2
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	lock, err := lockFile(abs + ".lock")
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db := &DB{path: abs, lock: lock, writes: make(chan *writeReq, 4096), urgent: make(chan *writeReq, 4096), done: make(chan struct{}), opts: opts,
		stmts: newStmtCache()}
	pragmas := connPragmas(opts.Synchronous)
	if db.w, err = sql.Open("sqlite", dsn(abs, pragmas, "immediate")); err != nil {
		db.closeLock()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	if db.r, err = sql.Open("sqlite", dsn(abs, append(pragmas, "query_only(1)"), "deferred")); err != nil {
		db.w.Close()
		db.closeLock()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db.r.SetMaxOpenConns(opts.ReadConns)
	db.r.SetMaxIdleConns(opts.ReadConns)
	// A short busy timeout: a checkpoint that finds the database busy gives up and tries later.
	ckPragmas := append(connPragmas(opts.Synchronous), "busy_timeout(100)")
	if db.ck, err = sql.Open("sqlite", dsn(abs, ckPragmas, "deferred")); err != nil {
		db.w.Close()
		db.r.Close()
		db.closeLock()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db.ck.SetMaxOpenConns(1)
	db.ck.SetMaxIdleConns(1)
	if err := db.migrate(ctx); err != nil {
		db.w.Close()
		db.r.Close()
		db.ck.Close()
		db.closeLock()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	go db.writeLoop()
	return db, nil
}

// connPragmas are the pragmas every connection runs at open. auto_vacuum comes first: it only
// takes effect on a file that has no tables yet. journal_size_limit truncates the WAL back to
// 64 MiB after each checkpoint reset, so a burst does not leave a huge WAL file behind.
func connPragmas(synchronous string) []string {
	return []string{"auto_vacuum(INCREMENTAL)", "busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)",
		"synchronous(" + synchronous + ")", "journal_size_limit(67108864)", "cache_size(-32000)", "temp_store(MEMORY)"}
}

// synchronousMode validates SQLite's synchronous setting ("" means FULL). SQLite itself quietly
// treats an unknown value as a weaker level, and the value ends up in a DSN pragma, so only the
// four known names are accepted.
func synchronousMode(s string) (string, error) {
	switch v := strings.ToUpper(strings.TrimSpace(s)); v {
	case "":
		return "FULL", nil
	case "OFF", "NORMAL", "FULL", "EXTRA":
		return v, nil
	default:
		return "", fmt.Errorf("synchronous %q: want OFF, NORMAL, FULL or EXTRA", s)
	}
}

func dsn(path string, pragmas []string, txlock string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", txlock)
	q.Set("_time_format", "sqlite")
	// A "file:" name is a SQLite URI: '%', '?' and '#' in the path must be escaped or SQLite
	// decodes them (and opens another file).
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// lockFile takes an exclusive, non-blocking flock so two processes never run one database's
// queue at once (the engine relies on that to rescue leased jobs at start-up).
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return f, nil
}

func (db *DB) closeLock() {
	if db.lock != nil {
		syscall.Flock(int(db.lock.Fd()), syscall.LOCK_UN)
		db.lock.Close()
		db.lock = nil
	}
}

// Path returns the absolute path of the database file (a server's address without password).
func (db *DB) Path() string { return db.path }

// OnServer reports whether the database is on a server (PostgreSQL, shared by processes on any
// machine) rather than in a SQLite file; Path is then an address, no place on disk.
func (db *DB) OnServer() bool { return db.server != nil }

// Close stops the writer after the queued writes commit, checkpoints the WAL and closes the file.
// Writes after Close fail with ErrClosed; closing twice returns the first result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeMu.Lock()
		db.closed = true
		close(db.writes)
		close(db.urgent)
		db.closeMu.Unlock()
		<-db.done
		db.stmts.close()
		db.reads.close()
		if db.server != nil {
			db.closeErr = errors.Join(db.r.Close(), db.w.Close())
			if db.server.Close != nil {
				db.closeErr = errors.Join(db.closeErr, db.server.Close())
			}
			return
		}
		ckErr := db.ck.Close()
		_, _ = db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		db.closeErr = errors.Join(db.r.Close(), ckErr, db.w.Close())
		db.closeLock()
	})
	return db.closeErr
}

// ms converts a time to the unix milliseconds stored in INTEGER columns.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored unix milliseconds to UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
