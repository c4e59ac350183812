package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// MeasureCommitRate measures SQLite's raw durable commit rate on this machine's disk: it creates
// a scratch database in dir with the pragmas Open uses (WAL, the given synchronous mode, ""
// meaning FULL), commits n single-row INSERT transactions one after another, removes the file and
// returns commits per second. Benchmarks report their throughput against it.
func MeasureCommitRate(ctx context.Context, dir string, n int, synchronous string) (perSec float64, err error) {
	if n <= 0 {
		return 0, fmt.Errorf("measure commit rate: n must be positive, got %d", n)
	}
	mode, err := synchronousMode(synchronous)
	if err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	f, err := os.CreateTemp(dir, "flowdesk-commitrate-*.db")
	if err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	path := f.Name()
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	defer func() {
		for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
			if rmErr := os.Remove(p); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
				err = fmt.Errorf("measure commit rate: remove scratch file: %w", rmErr)
			}
		}
	}()

	db, err := sql.Open("sqlite", dsn(path, connPragmas(mode), "immediate"))
	if err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	defer func() {
		if cErr := db.Close(); cErr != nil && err == nil {
			err = fmt.Errorf("measure commit rate: %w", cErr)
		}
	}()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("measure commit rate: commit %d: %w", i, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "commit-rate-probe"); err != nil {
			_ = tx.Rollback()
			return 0, fmt.Errorf("measure commit rate: commit %d: %w", i, err)
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("measure commit rate: commit %d: %w", i, err)
		}
	}
	elapsed := time.Since(start)
	if elapsed <= 0 {
		elapsed = time.Nanosecond
	}
	return float64(n) / elapsed.Seconds(), nil
}
