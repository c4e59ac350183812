// Package api is Flowdesk's HTTP JSON API (the same calls the desktop window and a browser on
// `flowdesk serve` make) plus, when given one, the static frontend.
package api

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Body limits per kind of request.
const (
	MaxWorkflowBody = 2 << 20   // a 300-step workflow is ~150 KiB
	MaxEventBody    = 256 << 10 // one event
	MaxSmallBody    = 64 << 10  // patches and commands
)

// Options are the API handler's dependencies and settings. The API builds none of its
// dependencies: DB, Engine, Hooks and Settings are required (server.Start assembles them).
type Options struct {
	DB      store.Store // reads; every write goes through Engine, Hooks or Settings
	Engine  *engine.Engine
	Log     *slog.Logger
	Version string
	// Static, when set, serves the built frontend at / (with index.html for unknown paths).
	Static fs.FS
	// AllowedHosts are the Host values /api/* answers to (see AllowedHosts); empty accepts any,
	// for handlers no browser can reach by name (the desktop window's asset server).
	AllowedHosts []string
	// Hooks is the incoming-webhook listener served at /hooks/, and its endpoints.
	Hooks *hook.Listener
	// Settings is the settings and secrets store behind /api/settings; share it with the actions.
	Settings *settings.Store
	// Actions are the outbound actions the engine runs; the email template's test send uses
	// send_email's (nil: the test send answers 501).
	Actions map[string]engine.Action
	// TokenHashes, when set, make /api/* require "Authorization: Bearer <token>" with a token
	// whose store.HashToken is listed (a server bound beyond loopback).
	TokenHashes []string
	// Simulator answers POST /api/simulate (nil: the route answers 501).
	Simulator *simulate.Simulator
	// Exposed tells the UI (through /api/health) to warn that the server is reachable beyond
	// this machine.
	Exposed bool
}

// Server is the API's http.Handler.
type Server struct {
	db      store.Store
	eng     *engine.Engine
	log     *slog.Logger
	version string
	mux     *http.ServeMux
	started time.Time

	allowedHosts []string
	hooks        *hook.Listener
	endpoints    *hook.Endpoints
	workflows    *engine.Workflows
	settings     *settings.Store
	actions      map[string]engine.Action
	tokenHashes  []string
	exposed      bool
	simulator    *simulate.Simulator
	dryRuns      *simulate.DryRuns
}

// New builds the API handler over the dependencies in opts; a missing one is an error that
// names it.
func New(opts Options) (*Server, error) {
	var missing []string
	for name, gone := range map[string]bool{"DB": opts.DB == nil, "Engine": opts.Engine == nil, "Hooks": opts.Hooks == nil, "Settings": opts.Settings == nil} {
		if gone {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("api.New: Options.%s must be set", strings.Join(missing, ", Options."))
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Server{db: opts.DB, eng: opts.Engine, log: opts.Log, version: opts.Version, mux: http.NewServeMux(), started: time.Now(),
		allowedHosts: opts.AllowedHosts, hooks: opts.Hooks, settings: opts.Settings, actions: opts.Actions, tokenHashes: opts.TokenHashes, exposed: opts.Exposed,
		simulator: opts.Simulator, endpoints: opts.Hooks.Endpoints(), workflows: opts.Engine.Workflows()}
	if opts.Simulator != nil {
		s.dryRuns = simulate.NewDryRuns(opts.Simulator)
	}
	s.routes()
	if opts.Static != nil {
		s.mux.Handle("/", spa(opts.Static))
	}
	return s, nil
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /api/health", s.health)
	m.HandleFunc("GET /api/workflows", s.listWorkflows)
	m.HandleFunc("POST /api/workflows", s.createWorkflow)
	m.HandleFunc("POST /api/workflows/validate", s.validateWorkflow)
	m.HandleFunc("GET /api/workflows/{id}", s.getWorkflow)
	m.HandleFunc("PUT /api/workflows/{id}", s.updateWorkflow)
	m.HandleFunc("DELETE /api/workflows/{id}", s.deleteWorkflow)
	m.HandleFunc("POST /api/workflows/{id}/enable", s.enableWorkflow)
	m.HandleFunc("POST /api/workflows/{id}/disable", s.disableWorkflow)
	m.HandleFunc("GET /api/workflows/{id}/stats", s.workflowStats)
	m.HandleFunc("GET /api/workflows/{id}/versions/{version}", s.getVersion)
	m.HandleFunc("POST /api/events", s.postEvent)
	m.HandleFunc("GET /api/events/catalogue", s.eventCatalogue)
	m.HandleFunc("GET /api/events/scopes", s.eventScopes)
	m.HandleFunc("GET /api/notifications", s.listNotifications)
	m.HandleFunc("POST /api/notifications/{id}/read", s.readNotification)
	m.HandleFunc("GET /api/records", s.listRecords)
	m.HandleFunc("GET /api/records/{id}", s.getRecord)
	m.HandleFunc("PATCH /api/records/{id}", s.patchRecord)
	m.HandleFunc("DELETE /api/records/{id}", s.eraseRecord)
	m.HandleFunc("GET /api/enrollments", s.listEnrollments)
	m.HandleFunc("GET /api/enrollments/{id}", s.getEnrollment)
	m.HandleFunc("GET /api/schema", s.schema)
	m.HandleFunc("POST /api/simulate", s.simulateRun)
	m.HandleFunc("GET /api/workflows/{id}/why-not", s.whyNot)
	s.enrollRoutes(m)
	s.dryRunRoutes(m)
	s.scenarioRoutes(m)
	s.versionRoutes(m)
	s.publishRoutes(m)
	s.performanceRoutes(m)
	s.enrollmentRoutes(m)
	s.hookRoutes(m)
	s.propertyRoutes(m)
	s.deliveryRoutes(m)
	s.taskRoutes(m)
	s.emailRoutes(m)
	s.settingsRoutes(m)
	s.trashRoutes(m)
	s.associationRoutes(m)
	s.listRoutes(m)
	s.importRoutes(m)
	m.HandleFunc("/api/", s.noRoute)
}

// noRoute answers requests no API route takes: 405 with Allow when the path exists for other
// methods, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "/api/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		e := apiError(http.StatusMethodNotAllowed, "method_not_allowed", "%s does not take %s; use %s", r.URL.Path, r.Method, strings.Join(allow, " or "))
		e.Details = map[string]any{"allow": allow}
		writeError(w, e)
		return
	}
	writeError(w, apiError(http.StatusNotFound, "no_route", "no API route %s %s", r.Method, r.URL.Path))
}

// ServeHTTP serves the API: it gives each request an id (X-Request-Id), refuses foreign hosts,
// cross-site callers, missing tokens and non-JSON commands, logs the outcome, and turns panics
// into 500 answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newRequestID()
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	w.Header().Set("X-Request-Id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(rec, apiError(http.StatusInternalServerError, "internal", "internal error (request %s)", id))
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.logRequest(r, rec.status, time.Since(start))
		}
	}()
	for _, check := range []func(*http.Request) *Error{s.checkOrigin, s.checkToken, requireJSON} {
		if err := check(r); err != nil {
			writeError(rec, err)
			return
		}
	}
	s.mux.ServeHTTP(rec, r)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	v, err := s.db.SchemaVersion(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.version, "schema_version": v,
		"uptime_seconds": int(time.Since(s.started).Seconds()), "exposed": s.exposed})
}

// spa serves static files and falls back to index.html so client-side routes load the app.
func spa(static fs.FS) http.Handler {
	files := http.FileServer(http.FS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p != "/" {
			if f, err := static.Open(p[1:]); err == nil {
				f.Close()
				files.ServeHTTP(w, r)
				return
			}
		}
		r2 := r.Clone(context.WithoutCancel(r.Context()))
		r2.URL.Path = "/"
		files.ServeHTTP(w, r2)
	})
}
