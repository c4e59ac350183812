package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// t0 is the fake clock's start: a Monday morning.
var t0 = testrig.T0

// env is the real stack (testrig: a SQLite file in a temp dir, an engine on a fake clock;
// nothing runs until the test calls runDue) and the API on a loopback httptest server.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	eng   *engine.Engine
	clock *clock.Fake
	srv   *httptest.Server
	// settings is the API's settings, over the rig's secrets file (testrig.Rig.Secrets).
	settings *settings.Store
	secrets  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	r := testrig.New(t, testrig.Options{Engine: func(r *testrig.Rig) engine.Options {
		return engine.Options{EventTypes: func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, r.DB) }}
	}})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	sim := simulate.New(simulate.Options{DB: db, Engine: eng, Clock: fc, TempDir: t.TempDir(), EventTypes: func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, db) }})
	st := r.Settings()
	srv := httptest.NewServer(newAPI(t, api.Options{DB: db, Engine: eng, Version: "test", Simulator: sim, Settings: st}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server on %s, want 127.0.0.1", srv.URL)
	}
	return &env{t: t, ctx: ctx, db: db, eng: eng, clock: fc, srv: srv, settings: st, secrets: r.Secrets}
}

// newAPI builds the API handler as server.Start does, with a webhook listener when the test
// gives none. Settings are the test's (testrig.Rig.Settings), so their secrets file is a temp
// one on either database.
func newAPI(t testing.TB, opts api.Options) *api.Server {
	t.Helper()
	if opts.Hooks == nil {
		opts.Hooks = hook.New(opts.DB, opts.Engine, hook.Options{Log: opts.Log})
	}
	h, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value, failing the test when it is not JSON.
func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// errorCode returns error.code of an error answer ("" when there is none).
func (r *response) errorCode() string {
	var m struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &m)
	return m.Error.Code
}

// request sends a real HTTP request. A body, or a state-changing method, gets Content-Type
// application/json unless headers set Content-Type (an empty value sends none).
func (e *env) request(method, url, body string, headers map[string]string) *response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" || method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

// call sends a JSON request, demands the status and returns the decoded body (nil for 204).
func (e *env) call(method, url string, body any, want int) map[string]any {
	e.t.Helper()
	var s string
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	case []byte:
		s = string(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		s = string(raw)
	}
	res := e.request(method, url, s, nil)
	if res.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, url, res.status, want, res.body)
	}
	if len(res.body) == 0 {
		return nil
	}
	return res.json(e.t)
}

// counts are the rows of the tables bad input must not touch.
type counts struct {
	Workflows, Events, Records, Enrollments, Jobs, Lists, ListMembers, Associations int64
}

func (e *env) counts() counts {
	e.t.Helper()
	var c counts
	wfs, err := e.db.Workflows(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	c.Workflows = int64(len(wfs))
	if c.Events, err = e.db.CountEvents(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	for after := int64(0); ; {
		recs, err := e.db.SearchRecords(e.ctx, store.RecordQuery{After: after, Limit: 1000})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		c.Records += int64(len(recs))
		after = recs[len(recs)-1].ID
	}
	for before := int64(0); ; {
		ens, err := e.db.Enrollments(e.ctx, store.EnrollmentQuery{Before: before, Limit: 1000})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ens) == 0 {
			break
		}
		c.Enrollments += int64(len(ens))
		before = ens[len(ens)-1].ID
	}
	if c.Jobs, err = e.db.PendingJobs(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	if c.Lists, c.ListMembers, err = e.db.CountLists(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	if c.Associations, err = e.db.CountAssociations(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// runDue runs every due job, as the dispatcher would.
func (e *env) runDue() int {
	e.t.Helper()
	n, err := e.eng.RunDue(e.ctx)
	if err != nil {
		e.t.Fatalf("run due jobs: %v", err)
	}
	return n
}

// advance moves the fake clock and runs what came due.
func (e *env) advance(d time.Duration) int {
	e.t.Helper()
	e.clock.Advance(d)
	return e.runDue()
}

// readFile reads a file of the repository's testdata.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scenario is one HTTP exchange and what must come back (in the style of pocketbase's
// tests.ApiScenario). Every scenario answered with a 4xx or 5xx must also leave the row
// counts unchanged: bad input changes nothing.
type scenario struct {
	name         string
	method, url  string
	headers      map[string]string
	body         string
	wantStatus   int
	wantCode     string            // error.code of an error answer
	wantContains []string          // substrings of the raw body
	wantHeaders  map[string]string // exact header values
	before       func(t *testing.T, e *env)
	after        func(t *testing.T, e *env, res *response)
}

// run executes the scenarios in order against one env, each as a subtest.
func run(t *testing.T, e *env, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			if sc.before != nil {
				sc.before(t, e)
			}
			before := e.counts()
			res := e.request(sc.method, sc.url, sc.body, sc.headers)
			if res.status != sc.wantStatus {
				t.Fatalf("%s %s: status %d, want %d\n%s", sc.method, sc.url, res.status, sc.wantStatus, res.body)
			}
			if sc.wantCode != "" || res.status >= 400 {
				if got := res.errorCode(); got != sc.wantCode {
					t.Errorf("error code %q, want %q\n%s", got, sc.wantCode, res.body)
				}
				if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
			}
			for _, s := range sc.wantContains {
				if !bytes.Contains(res.body, []byte(s)) {
					t.Errorf("body does not contain %q:\n%s", s, res.body)
				}
			}
			for k, v := range sc.wantHeaders {
				if got := res.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if res.status >= 400 {
				if after := e.counts(); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused request changed rows: before %+v, after %+v", before, after)
				}
			}
			if sc.after != nil {
				sc.after(t, e, res)
			}
		})
	}
}
