// Package server assembles a running Flowdesk: database, engine, webhook listener, API and the
// HTTP servers. `flowdesk serve` and the desktop app both start through it, so they behave alike.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/maintenance"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
)

// Config says what to run.
type Config struct {
	DBPath string
	// Secrets is the secrets file (the SMTP password, the SMS token, the Slack webhook); empty:
	// where settings.SecretsFile puts it, beside a SQLite file or in the user's config directory
	// for a PostgreSQL database. Every serve and worker of one database must be given the same.
	Secrets string
	// Addr serves the API, the UI and /hooks/, e.g. 127.0.0.1:8787. Beyond loopback it needs an
	// API token (see `flowdesk token create`), which /api/* then requires.
	Addr string
	// HooksAddr, when set, also serves only /hooks/ there, so the webhook listener can be
	// exposed while the API stays on loopback.
	HooksAddr   string
	Demo        bool   // load demo workflows and contacts into an empty database
	Synchronous string // SQLite synchronous mode (default FULL)
	Static      fs.FS  // built frontend served at / (nil: none)
	Version     string
	Log         *slog.Logger
	// Retry bounds the retries of outbound steps (zero: the engine's default, 8 tries from 10 s).
	Retry engine.RetryPolicy
	// EnrollBatch is how many records one batch of a bulk enrollment handles (zero: the
	// engine's default of 200).
	EnrollBatch int
}

// Server is a running Flowdesk.
type Server struct {
	DB     *store.DB
	Engine *engine.Engine
	Hooks  *hook.Listener
	// Maintenance runs every periodic job: retention, vacuum, checkpoints, webhook
	// housekeeping and delayed deliveries, trash purge.
	Maintenance *maintenance.Maintainer
	// API serves /api/* for any host and without a token: hand it only to an in-process shell
	// (the desktop window's asset server). The TCP listener uses a guarded copy.
	API      *api.Server
	servers  []*http.Server
	addr     string
	hooksURL string
	errc     chan error
	log      *slog.Logger
	// On a shared PostgreSQL database: this process's part in the leader election, and the
	// end of its listening for other processes' changes.
	leader     *postgres.Leader
	stopFollow context.CancelFunc
}

// ErrNeedsToken means the address reaches beyond this machine and no API token exists.
var ErrNeedsToken = errors.New("an address beyond loopback needs an API token")

// Start opens the database, starts the engine and the webhook listener, and begins serving.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{log: cfg.Log, errc: make(chan error, 2)}
	defer func() {
		if err != nil {
			s.Close(context.Background())
		}
	}()
	// A bad secrets file is refused before the database is opened (or created, or migrated).
	secrets, err := settings.OpenSecrets(cfg.DBPath, postgres.IsDSN(cfg.DBPath), cfg.Secrets)
	if err != nil {
		return nil, err
	}
	var shared *postgres.DB // the PostgreSQL database, shared with other processes
	if postgres.IsDSN(cfg.DBPath) {
		if shared, err = postgres.Open(ctx, cfg.DBPath, store.Options{}); err != nil {
			return nil, err
		}
		s.DB = shared.DB
	} else if s.DB, err = store.Open(ctx, cfg.DBPath, store.Options{Synchronous: cfg.Synchronous}); err != nil {
		return nil, err
	}
	// Several serve processes may share a PostgreSQL database: one of them leads (schedules,
	// bulk work, maintenance), each reloads what another changed. A file has one process.
	var leading func() bool
	if shared != nil {
		s.leader = postgres.Elect(ctx, shared.Pool(), cfg.Log)
		leading = s.leader.Leading
	}
	apiLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s.addr = apiLn.Addr().String()
	var tokens []string
	if !isLoopback(apiLn.Addr()) {
		if tokens, err = s.DB.APITokenHashes(ctx); err != nil {
			apiLn.Close()
			return nil, err
		}
		if len(tokens) == 0 {
			apiLn.Close()
			return nil, fmt.Errorf("refusing to serve the API on %s: %w; create one with `flowdesk token create --db %s` (it is shown once), or listen on 127.0.0.1", s.addr, ErrNeedsToken, s.DB.Path())
		}
		cfg.Log.Warn("the API is reachable beyond this machine; every /api call needs a bearer token", "addr", s.addr)
	}
	var hooksLn net.Listener
	s.hooksURL = "http://" + s.addr
	if cfg.HooksAddr != "" {
		if hooksLn, err = net.Listen("tcp", cfg.HooksAddr); err != nil {
			apiLn.Close()
			return nil, fmt.Errorf("listen on %s: %w", cfg.HooksAddr, err)
		}
		s.hooksURL = "http://" + hooksLn.Addr().String()
		if !isLoopback(hooksLn.Addr()) {
			cfg.Log.Warn("the webhook listener is reachable beyond this machine", "addr", hooksLn.Addr().String())
		}
	}

	st := settings.New(s.DB, secrets)
	// Flowdesk's own listeners are never a destination: a workflow (or a redirect) must not be able
	// to post into its own API.
	self := []netip.AddrPort{apiLn.Addr().(*net.TCPAddr).AddrPort()}
	if hooksLn != nil {
		self = append(self, hooksLn.Addr().(*net.TCPAddr).AddrPort())
	}
	// Workers on a shared database run steps too: they read these from the database.
	if err := st.RecordServe(ctx, self, s.hooksURL); err != nil {
		apiLn.Close()
		if hooksLn != nil {
			hooksLn.Close()
		}
		return nil, err
	}
	actionCfg := action.Config{Account: action.Account{ID: "flowdesk", Name: "Flowdesk"}, DB: s.DB, Settings: st, Self: self, HooksURL: s.hooksURL}
	acts := action.New(actionCfg)
	// Retention is read from the settings at each round, so a change in Settings applies
	// without a restart.
	retention := func(ctx context.Context) time.Duration {
		cur, err := st.Load(ctx)
		if err != nil {
			cfg.Log.Warn("read the retention setting; keeping the default", "err", err)
			return settings.Retention{}.Period()
		}
		return cur.Retention.Period()
	}
	if s.Engine, err = engine.New(ctx, s.DB, engine.Options{Log: cfg.Log, Actions: acts, EventTypes: s.eventTypes, Retention: retention, Retry: cfg.Retry, EnrollBatch: cfg.EnrollBatch,
		Shared: shared != nil, Leading: leading}); err != nil {
		return nil, err
	}
	s.Hooks = hook.New(s.DB, s.Engine, hook.Options{Log: cfg.Log, BaseURL: s.hooksURL,
		SMSAuth: func(ctx context.Context) (string, string, error) {
			cur, err := st.Load(ctx)
			if err != nil {
				return "", "", err
			}
			return cur.SMS.AuthToken.Reveal(), cur.SMS.StatusCallbackURL, nil
		},
		OnDisabled: action.DisabledEndpointAlert(s.Engine, actionCfg, hook.AlertRecipients, cfg.Log)})
	if cfg.Demo {
		n, drafts, err := demo.Load(ctx, s.DB, s.Engine, s.Hooks.Endpoints())
		if err != nil {
			return nil, fmt.Errorf("load demo data: %w", err)
		}
		if len(drafts) > 0 {
			cfg.Log.Warn("demo workflows left off because they have problems; open them to see which", "workflows", drafts)
		}
		if n > 0 {
			cfg.Log.Info("loaded demo data", "workflows", n)
		}
	}
	if err := s.Engine.Start(ctx); err != nil {
		return nil, err
	}
	if shared != nil {
		followCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.stopFollow = stop
		postgres.Follow(followCtx, shared.Pool(), cfg.Log, s.Engine.Wake, s.Engine.Reload)
	}
	s.Maintenance = maintenance.New(maintenance.Base{Log: cfg.Log, Leading: leading},
		append(s.Engine.MaintenanceServices(), s.Hooks.MaintenanceServices()...)...)
	if err := s.Maintenance.Start(ctx); err != nil {
		return nil, err
	}

	opts := api.Options{DB: s.DB, Engine: s.Engine, Log: cfg.Log, Version: cfg.Version, Static: cfg.Static, Hooks: s.Hooks,
		Settings: st, Actions: acts, Simulator: simulate.New(simulate.Options{DB: s.DB, Engine: s.Engine, Actions: actionCfg, EventTypes: s.eventTypes})}
	if s.API, err = api.New(opts); err != nil {
		return nil, err
	}
	opts.AllowedHosts, opts.TokenHashes, opts.Exposed = api.AllowedHosts(s.addr), tokens, len(tokens) > 0
	guarded, err := api.New(opts)
	if err != nil {
		return nil, err
	}
	s.serve(apiLn, guarded)
	if hooksLn != nil {
		mux := http.NewServeMux()
		mux.Handle("/hooks/", s.Hooks)
		s.serve(hooksLn, mux)
	}
	return s, nil
}

// eventTypes are the event types the presets, the catalogue and the endpoints send.
func (s *Server) eventTypes(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, s.DB) }

func (s *Server) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	s.servers = append(s.servers, srv)
	go func() { s.errc <- srv.Serve(ln) }()
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// Addr is the API listener's address (with the real port when Config.Addr asked for port 0).
func (s *Server) Addr() string { return s.addr }

// HooksURL is the base URL webhook senders post to (…/hooks/{key}).
func (s *Server) HooksURL() string { return s.hooksURL }

// Err reports a listener that stopped on its own.
func (s *Server) Err() <-chan error { return s.errc }

// Close stops accepting requests, lets steps in flight commit, and closes the database.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if s.Maintenance != nil {
		s.Maintenance.Stop()
	}
	if s.stopFollow != nil {
		s.stopFollow()
	}
	if s.Engine != nil {
		s.Engine.Stop()
	}
	if s.leader != nil {
		s.leader.Close()
	}
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	return errors.Join(errs...)
}
