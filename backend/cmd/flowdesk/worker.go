package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
)

// errFileWorker refuses a worker on a SQLite file: a file database has one process, and that
// process (serve) runs the steps itself.
var errFileWorker = errors.New("a worker needs a PostgreSQL database")

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", stderr)
	dsn := fs.String("db", os.Getenv("FLOWDESK_DB"), "the PostgreSQL database that flowdesk serve --db uses: postgres://user:password@host:5432/database (default $FLOWDESK_DB)")
	secrets := secretsFlag(fs)
	workers := fs.Int("workers", 64, "steps this process runs at once; its connection pool is sized from it")
	lease := fs.Duration("lease", engine.SharedLease, "how long a claimed step is reserved; renewed every third of it while the step runs, so a dead worker's steps run elsewhere after it")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("worker: unexpected argument %q", fs.Arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	switch {
	case *dsn == "":
		return fmt.Errorf("worker: --db is missing: give the PostgreSQL database that flowdesk serve uses (postgres://user:password@host:5432/database)")
	case !postgres.IsDSN(*dsn):
		return fmt.Errorf("worker --db %s: %w: a SQLite file has one process, and flowdesk serve runs its steps itself. To run workers beside serve, copy the file into PostgreSQL (flowdesk migrate --from %s --to postgres://...) and start serve and each worker with --db and that address", *dsn, errFileWorker, *dsn)
	case *workers < 1:
		return fmt.Errorf("worker: --workers %d: run at least 1 step at once", *workers)
	case *lease < 3*time.Second:
		return fmt.Errorf("worker: --lease %s: give at least 3s (a heartbeat renews it every third)", *lease)
	}
	// A bad secrets file is refused before the database is opened (or migrated).
	secretsFile, err := settings.OpenSecrets(*dsn, true, *secrets)
	if err != nil {
		return secretsFlagErr(err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	db, err := postgres.Open(ctx, *dsn, store.Options{ReadConns: readConns(*workers)})
	if err != nil {
		return err
	}
	defer db.Close()
	st := settings.New(db, secretsFile)
	// serve's addresses, as serve recorded them: its listeners are never a step's destination,
	// and SMS status callbacks go to its webhook listener.
	served, ok, err := st.Serve(ctx)
	if err != nil {
		return err
	}
	if !ok {
		log.Warn("no flowdesk serve has started on this database yet: steps cannot refuse requests into its API, nor give SMS providers its webhook address; start serve first, then restart this worker")
	}
	acts := action.New(action.Config{Account: action.Account{ID: "flowdesk", Name: "Flowdesk"}, DB: db, Settings: st,
		Self: served.Self, HooksURL: served.HooksURL})
	eng, err := engine.New(ctx, db, engine.Options{Log: log, Actions: acts, Workers: *workers, Lease: *lease, Shared: true})
	if err != nil {
		return err
	}
	if err := eng.StartDispatcher(ctx); err != nil {
		return err
	}
	followCtx, stopFollow := context.WithCancel(ctx)
	postgres.Follow(followCtx, db.Pool(), log, eng.Wake, eng.Reload)
	// The readiness line is parsed by tests and scripts: keep its shape.
	fmt.Fprintf(stdout, "flowdesk %s worker running up to %d steps at once (database %s)\n", version, *workers, db.Path())
	<-ctx.Done()
	log.Info("stopping: the steps in flight commit first")
	stopFollow()
	eng.Stop()
	return nil
}

// readConns sizes a process's read connections from how many steps it runs at once: steps
// mostly wait for the group commit (one writer connection), so one read connection serves
// several, and a handful of processes fit PostgreSQL's default 100 connections.
func readConns(workers int) int {
	return min(max(workers/8, 2), 16)
}
