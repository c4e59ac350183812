package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/store"
)

var t0 = time.Date(2026, 3, 12, 16, 30, 0, 0, time.UTC)

// env is the test rig (a real SQLite database in a temp dir, a real engine on a fake clock) and
// the real listener behind an httptest server on 127.0.0.1, reached with a real HTTP client.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	eng   *engine.Engine
	clock *clock.Fake
	l     *Listener
	srv   *httptest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	r := testrig.New(t, testrig.Options{Start: t0})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	l := New(db, eng, Options{Clock: fc})
	mux := http.NewServeMux()
	mux.Handle("/hooks/", l)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, db: db, eng: eng, clock: fc, l: l, srv: srv}
}

// create makes an endpoint and returns it with its secret / API key.
func (e *env) create(cfg Config) *Created {
	e.t.Helper()
	c, err := e.l.Endpoints().Create(e.ctx, cfg)
	if err != nil {
		e.t.Fatalf("create endpoint: %v", err)
	}
	return c
}

// deploy creates and enables a workflow from JSON.
func (e *env) deploy(def string) string {
	e.t.Helper()
	w, err := e.eng.Workflows().Create(e.ctx, []byte(def))
	if err != nil {
		e.t.Fatalf("create workflow: %v", err)
	}
	if _, err := e.eng.Workflows().Enable(e.ctx, w.ID); err != nil {
		e.t.Fatalf("enable workflow: %v", err)
	}
	return w.ID
}

type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (r reply) code() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (r reply) outcome() string { s, _ := r.body["outcome"].(string); return s }

// post sends body to the endpoint's key with headers (Content-Type defaults to application/json).
func (e *env) post(key string, body []byte, h http.Header) reply {
	e.t.Helper()
	return postTo(e.t, e.srv.URL+"/hooks/"+key, body, h)
}

func postTo(t testing.TB, url string, body []byte, h http.Header) reply {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if _, ok := h["Content-Type"]; !ok {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// signed returns Standard Webhooks headers for body, signed now by the fake clock.
func (e *env) signed(secret, id string, body []byte) http.Header {
	e.t.Helper()
	h, err := SignedHeaders(secret, id, e.clock.Now(), body)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// counts returns the row counts of the domain tables a rejected request must not touch.
type counts struct{ records, events, enrollments, jobs, requests, delayed int }

func (e *env) counts() counts {
	e.t.Helper()
	var c counts
	// The store's own row counts: on SQLite and on PostgreSQL (FLOWDESK_TEST_STORE=postgres).
	rows, err := e.db.TableRows(e.ctx)
	if err != nil {
		e.t.Fatalf("count rows: %v", err)
	}
	for _, q := range []struct {
		table string
		dst   *int
	}{{"records", &c.records}, {"events", &c.events}, {"enrollments", &c.enrollments}, {"jobs", &c.jobs},
		{"hook_requests", &c.requests}, {"hook_delayed", &c.delayed}} {
		n, ok := rows[q.table]
		if !ok {
			e.t.Fatalf("count %s: no such table", q.table)
		}
		*q.dst = int(n)
	}
	return c
}

func (e *env) endpoint(id string) *store.HookEndpoint {
	e.t.Helper()
	ep, err := e.db.HookEndpoint(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func (e *env) record(email string) *store.Record {
	e.t.Helper()
	r, err := e.db.RecordByEmail(e.ctx, "contact", email)
	if err != nil {
		e.t.Fatalf("record %s: %v", email, err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }
