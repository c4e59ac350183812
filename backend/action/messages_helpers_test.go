package action_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/store"
)

// msgT0 is when the SMS and Slack tests start (a Monday in March 2026, UTC).
var msgT0 = time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)

// msgStack is the real engine over a SQLite file on a fake clock with the action package's
// actions, built with the database in their Config (the sms action keeps usage and the outbox).
type msgStack struct {
	rig
}

func newMsgStack(t *testing.T, cfg action.Config) *msgStack {
	t.Helper()
	return newMsgStackWith(t, func(*testrig.Rig) action.Config { return cfg })
}

// newMsgStackWith is newMsgStack with a Config built over the opened database.
func newMsgStackWith(t *testing.T, config func(r *testrig.Rig) action.Config) *msgStack {
	t.Helper()
	return &msgStack{newRig(t, testrig.Options{Start: msgT0, Engine: func(r *testrig.Rig) engine.Options {
		cfg := config(r)
		cfg.DB = r.DB
		return engine.Options{Actions: action.New(cfg), Retry: engine.RetryPolicy{MaxTries: 5, Base: time.Second, Max: time.Second}}
	}})}
}

// deploy creates and enables a contact workflow started by the event "go.<id>".
func (s *msgStack) deploy(id string, steps ...map[string]any) {
	s.t.Helper()
	def := map[string]any{"id": id, "name": id, "object": "contact",
		"triggers": []map[string]any{{"id": "go", "type": "event", "event": "go." + id}},
		"reenroll": map[string]any{"enabled": true, "triggers": []string{}},
		"start":    steps[0]["id"], "steps": steps}
	raw, _ := json.Marshal(def)
	w, err := s.eng.Workflows().Create(s.ctx, raw)
	if err != nil {
		s.t.Fatalf("create workflow: %v", err)
	}
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		s.t.Fatalf("enable workflow: %v", err)
	}
}

func (s *msgStack) start(id, email string, props map[string]any) int64 {
	s.t.Helper()
	return s.ingestOne("go."+id, email, nil, props)
}

func (s *msgStack) wantTrail(id int64, want ...string) {
	s.t.Helper()
	if got := s.trail(id); strings.Join(got, " ") != strings.Join(want, " ") {
		s.t.Fatalf("enrollment %d history\n got %q\nwant %q", id, got, want)
	}
}

// detail returns the detail of the last history entry of a step with an outcome.
func (s *msgStack) detail(id int64, step, outcome string) map[string]any {
	s.t.Helper()
	hist, err := s.db.History(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	var out map[string]any
	for _, e := range hist {
		if e.StepID == step && e.Outcome == outcome {
			out = map[string]any{}
			if err := json.Unmarshal(e.Detail, &out); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	if out == nil {
		s.t.Fatalf("no %s:%s in the history of enrollment %d", step, outcome, id)
	}
	return out
}

// attempts lists an enrollment's delivery log, oldest first.
func (s *msgStack) attempts(id int64) []*store.ActionAttempt {
	s.t.Helper()
	atts, err := s.db.ActionAttempts(s.ctx, store.AttemptQuery{EnrollmentID: id})
	if err != nil {
		s.t.Fatal(err)
	}
	for i, j := 0, len(atts)-1; i < j; i, j = i+1, j-1 {
		atts[i], atts[j] = atts[j], atts[i]
	}
	return atts
}

// hit is one request a fake provider got.
type hit struct {
	Method, Path, ContentType string
	User, Pass                string
	AuthOK                    bool
	Form                      map[string]string
	Body                      []byte
	Header                    http.Header
}

// fakeServer is an HTTP server on 127.0.0.1 answering from a script.
type fakeServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   []hit
	script func(n int, h hit) (status int, header map[string]string, body string)
}

func newFakeServer(t *testing.T, script func(n int, h hit) (int, map[string]string, string)) *fakeServer {
	t.Helper()
	f := &fakeServer{script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := hit{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body, Header: r.Header.Clone(), Form: map[string]string{}}
		h.User, h.Pass, h.AuthOK = r.BasicAuth()
		if strings.HasPrefix(h.ContentType, "application/x-www-form-urlencoded") {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			if err := r.ParseForm(); err == nil {
				for k := range r.PostForm {
					h.Form[k] = r.PostForm.Get(k)
				}
			}
		}
		f.mu.Lock()
		f.hits = append(f.hits, h)
		n := len(f.hits)
		f.mu.Unlock()
		status, header, out := f.script(n, h)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(f.srv.Close)
	if !strings.HasPrefix(f.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("server on %s, want 127.0.0.1", f.srv.URL)
	}
	return f
}

func (f *fakeServer) got() []hit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]hit(nil), f.hits...)
}

// twilioOK is a Twilio-style "message created" answer.
func twilioOK(sid string) (int, map[string]string, string) {
	return http.StatusCreated, map[string]string{"Content-Type": "application/json"}, fmt.Sprintf(`{"sid": %q, "status": "queued"}`, sid)
}
