package action_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/store"
)

// testSecret is a Standard Webhooks secret ("whsec_" + base64 of the key).
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// rig is what every action test drives: the one test rig (the real engine over a SQLite file,
// on a fake clock), with its parts under the names the tests use.
type rig struct {
	r     *testrig.Rig
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	eng   *engine.Engine
	clock *clock.Fake
}

func newRig(t *testing.T, o testrig.Options) rig {
	t.Helper()
	r := testrig.New(t, o)
	return rig{r: r, t: t, ctx: r.Ctx, db: r.DB, eng: r.Eng, clock: r.Clock}
}

// ingestOne ingests an event for a contact and returns the single enrollment it caused.
func (r *rig) ingestOne(typ, email string, data, props map[string]any) int64 {
	r.t.Helper()
	return r.r.Ingest(typ, email, data, props)
}

// run executes every job that is due.
func (r *rig) run() {
	r.t.Helper()
	r.r.RunDue()
}

// advance moves the clock and runs what came due.
func (r *rig) advance(d time.Duration) {
	r.t.Helper()
	r.r.Advance(d)
}

// trail is an enrollment's history as "step:outcome" strings.
func (r *rig) trail(id int64) []string {
	r.t.Helper()
	return r.r.Trail(id)
}

// stack is a rig with the action package's actions registered; reopen simulates a restart on
// the same file.
type stack struct {
	rig
	acts  map[string]engine.Action
	retry engine.RetryPolicy
}

func newStack(t *testing.T, cfg action.Config, retry engine.RetryPolicy) *stack {
	t.Helper()
	s := &stack{acts: action.New(cfg), retry: retry}
	s.rig = newRig(t, testrig.Options{Recover: true, Engine: func(*testrig.Rig) engine.Options {
		return engine.Options{Actions: s.acts, Retry: s.retry}
	}})
	return s
}

// reopen closes the engine and the database and opens them again on the same file (a restart);
// the actions are rebuilt too, so no in-memory state survives.
func (s *stack) reopen(cfg action.Config) {
	s.t.Helper()
	s.acts = action.New(cfg)
	s.r.Restart()
	s.db, s.eng = s.r.DB, s.r.Eng
}

func (s *stack) deploy(def string) {
	s.t.Helper()
	w, err := s.eng.Workflows().Create(s.ctx, []byte(def))
	if err != nil {
		s.t.Fatalf("create workflow: %v", err)
	}
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		s.t.Fatalf("enable workflow: %v", err)
	}
}

// event ingests an event for a contact and returns the single enrollment it caused.
func (s *stack) event(typ, email string, data, props map[string]any) int64 {
	s.t.Helper()
	return s.ingestOne(typ, email, data, props)
}

func (s *stack) attempts(enrollment int64) []*store.ActionAttempt {
	s.t.Helper()
	atts, err := s.db.ActionAttempts(s.ctx, store.AttemptQuery{EnrollmentID: enrollment})
	if err != nil {
		s.t.Fatal(err)
	}
	return atts
}

func (s *stack) record(email string) *store.Record {
	s.t.Helper()
	r, err := s.db.RecordByEmail(s.ctx, "contact", email)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// delivery is one request the receiver got.
type delivery struct {
	ID, Timestamp, Signature string
	SignatureOK              bool
	Header                   http.Header
	Method                   string
	Body                     []byte
	At                       time.Time // the fake clock when it arrived
}

// answer is how the receiver replies to one request.
type answer struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
}

// receiver is a webhook endpoint on 127.0.0.1 that verifies Standard Webhooks signatures with
// its own implementation (verifySignature, below) and answers from a script.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	clock  *clock.Fake
	secret string
	mu     sync.Mutex
	got    []delivery
	script func(n int) answer // n counts from 1
}

func newReceiver(t *testing.T, fc *clock.Fake, secret string, script func(n int) answer) *receiver {
	t.Helper()
	rc := &receiver{t: t, clock: fc, secret: secret, script: script}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	if !strings.HasPrefix(rc.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("receiver on %s, want 127.0.0.1", rc.srv.URL)
	}
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d := delivery{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"), Signature: r.Header.Get("webhook-signature"),
		Header: r.Header.Clone(), Method: r.Method, Body: body}
	if rc.clock != nil {
		d.At = rc.clock.Now()
	}
	if rc.secret != "" {
		d.SignatureOK = verifySignature(rc.secret, d.ID, d.Timestamp, d.Signature, body, d.At) == nil
	}
	rc.mu.Lock()
	rc.got = append(rc.got, d)
	n := len(rc.got)
	rc.mu.Unlock()
	a := rc.script(n)
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// verifySignature is an independent Standard Webhooks verifier (it does not call the package's
// signer): the secret's base64 key after "whsec_", HMAC-SHA256 over "id.timestamp.body", any of
// the space-separated "v1,<base64>" signatures matching, and a timestamp within 5 minutes of now.
func verifySignature(secret, id, ts, header string, body []byte, now time.Time) error {
	if id == "" || ts == "" || header == "" {
		return fmt.Errorf("missing webhook headers")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); !now.IsZero() && (d > 5*time.Minute || d < -5*time.Minute) {
		return fmt.Errorf("timestamp %s too far from now %s", time.Unix(sec, 0).UTC(), now)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(header) {
		ver, sig, ok := strings.Cut(part, ",")
		if !ok || ver != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no matching v1 signature in %q", header)
}
