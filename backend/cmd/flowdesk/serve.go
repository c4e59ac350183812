package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/server"
	"github.com/flowdesk/flowdesk/frontend"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	dbPath := fs.String("db", envOr("FLOWDESK_DB", defaultDB()), "SQLite database file (created if missing), or a PostgreSQL database shared with other serve and worker processes: postgres://user:password@host:5432/database (default $FLOWDESK_DB, else the file)")
	secrets := secretsFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8787", "address for the API, UI and webhook listener; beyond loopback it needs an API token (flowdesk token create)")
	hooksAddr := fs.String("hooks-addr", "", "also serve only the webhook listener (POST /hooks/{key}) on this address, e.g. 0.0.0.0:8788")
	withDemo := fs.Bool("demo", false, "load demo workflows and contacts into an empty database")
	ui := fs.String("ui", "", "directory with a built frontend to serve at / (default: the UI built into this binary; a build without -tags ui has none)")
	sync := fs.String("synchronous", "FULL", "SQLite synchronous mode: FULL survives power loss, NORMAL survives crashes")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	retryTries := fs.Int("retry-tries", 0, "tries of an outbound step (webhook, email, SMS, Slack) before its dead letter (0: 8)")
	retryBase := fs.Duration("retry-base", 0, "the first wait before another try of an outbound step, doubling up to 1h (0: 10s)")
	enrollBatch := fs.Int("enroll-batch", 0, "records one batch of a bulk enrollment handles in one transaction (0: 200); smaller batches hold event ingest up less")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the server to this file until it stops (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg := server.Config{DBPath: *dbPath, Secrets: *secrets, Addr: *addr, HooksAddr: *hooksAddr, Demo: *withDemo, Synchronous: *sync,
		Static: frontend.Dist(), Version: version, Log: log, Retry: engine.RetryPolicy{MaxTries: *retryTries, Base: *retryBase},
		EnrollBatch: *enrollBatch}
	if *retryTries < 0 {
		return fmt.Errorf("--retry-tries %d: give the number of tries, 1 or more (0: the default of 8)", *retryTries)
	}
	if *enrollBatch < 0 {
		return fmt.Errorf("--enroll-batch %d: give the records per batch, 1 or more (0: the default of 200)", *enrollBatch)
	}
	if *retryBase < 0 {
		return fmt.Errorf("--retry-base %s: give the first wait, like 10s (0: the default of 10s)", *retryBase)
	}
	if *ui != "" {
		if _, err := os.Stat(*ui); err != nil {
			return fmt.Errorf("--ui: %w", err)
		}
		cfg.Static = os.DirFS(*ui)
	}
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		return secretsFlagErr(err)
	}
	// The readiness line is parsed by tests and scripts: keep its shape.
	fmt.Fprintf(stdout, "flowdesk %s listening on http://%s (database %s)\n", version, srv.Addr(), srv.DB.Path())
	if *hooksAddr != "" {
		fmt.Fprintf(stdout, "webhook listener on %s/hooks/\n", srv.HooksURL())
	}
	var serveErr error
	select {
	case serveErr = <-srv.Err():
		serveErr = fmt.Errorf("serve: %w", serveErr)
	case <-ctx.Done():
		log.Info("shutting down")
	}
	if err := srv.Close(context.Background()); err != nil && serveErr == nil {
		serveErr = err
	}
	return serveErr
}

// envOr is the environment variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
