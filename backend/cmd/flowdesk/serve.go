package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file (created if missing)")
	addr := fs.String("addr", "127.0.0.1:8787", "address for the API, UI and webhook listener")
	withDemo := fs.Bool("demo", false, "load demo workflows and contacts into an empty database")
	ui := fs.String("ui", "", "directory with a built frontend to serve at / (default: none)")
	sync := fs.String("synchronous", "FULL", "SQLite synchronous mode: FULL survives power loss, NORMAL survives crashes")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	db, err := store.Open(ctx, *dbPath, store.Options{Synchronous: *sync})
	if err != nil {
		return err
	}
	defer db.Close()
	eng, err := engine.New(ctx, db, engine.Options{Log: log})
	if err != nil {
		return err
	}
	if *withDemo {
		n, err := demo.Load(ctx, eng)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if n > 0 {
			log.Info("loaded demo data", "workflows", n)
		}
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer eng.Stop()

	opts := api.Options{Engine: eng, Log: log, Version: version}
	if *ui != "" {
		if _, err := os.Stat(*ui); err != nil {
			return fmt.Errorf("--ui: %w", err)
		}
		opts.Static = os.DirFS(*ui)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: api.New(opts), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	// The readiness line is parsed by tests and scripts: keep its shape.
	fmt.Fprintf(stdout, "flowdesk %s listening on http://%s (database %s)\n", version, ln.Addr(), db.Path())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	return nil
}
