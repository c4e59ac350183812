// Package server assembles a running Flowdesk: database, engine, API and the loopback HTTP
// listener. `flowdesk serve` and the desktop app both start through it, so they behave alike.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Config says what to run.
type Config struct {
	DBPath      string
	Addr        string // loopback address of the API/UI/webhook listener, e.g. 127.0.0.1:8787
	Demo        bool   // load demo workflows and contacts into an empty database
	Synchronous string // SQLite synchronous mode (default FULL)
	Static      fs.FS  // built frontend served at / (nil: none)
	Version     string
	Log         *slog.Logger
}

// Server is a running Flowdesk.
type Server struct {
	DB     *store.DB
	Engine *engine.Engine
	// API serves /api/* for any host: hand it to an in-process shell (the desktop window's
	// asset server). The TCP listener uses a host-checked copy.
	API  *api.Server
	http *http.Server
	ln   net.Listener
	errc chan error
	log  *slog.Logger
}

// Start opens the database, starts the engine and begins serving on cfg.Addr.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{log: cfg.Log, errc: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.Close(context.Background())
		}
	}()
	if s.DB, err = store.Open(ctx, cfg.DBPath, store.Options{Synchronous: cfg.Synchronous}); err != nil {
		return nil, err
	}
	if s.Engine, err = engine.New(ctx, s.DB, engine.Options{Log: cfg.Log}); err != nil {
		return nil, err
	}
	if cfg.Demo {
		n, err := demo.Load(ctx, s.Engine)
		if err != nil {
			return nil, fmt.Errorf("load demo data: %w", err)
		}
		if n > 0 {
			cfg.Log.Info("loaded demo data", "workflows", n)
		}
	}
	if err := s.Engine.Start(ctx); err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	opts := api.Options{Engine: s.Engine, Log: cfg.Log, Version: cfg.Version, Static: cfg.Static}
	s.API = api.New(opts)
	opts.AllowedHosts = api.AllowedHosts(s.ln.Addr().String())
	s.http = &http.Server{Handler: api.New(opts), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { s.errc <- s.http.Serve(s.ln) }()
	return s, nil
}

// Addr is the listener's address (with the real port when cfg.Addr asked for port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Err reports a listener that stopped on its own.
func (s *Server) Err() <-chan error { return s.errc }

// Close stops accepting requests, lets steps in flight commit, and closes the database.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := s.http.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if s.Engine != nil {
		s.Engine.Stop()
	}
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	return errors.Join(errs...)
}
