package hook

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// TestSamplePayloads sends every WebinarGeek sample in testdata/payloads through its preset,
// signed, and checks that it creates the right contact and starts the workflow triggered by its
// event. systeme.io's own bodies have a test of their own (systemeio_test.go).
func TestSamplePayloads(t *testing.T) {
	e := newEnv(t)
	files, err := filepath.Glob("../../testdata/payloads/webinargeek/*.json")
	if err != nil || len(files) != 19 {
		t.Fatalf("want 19 sample payloads, found %d (%v)", len(files), err)
	}
	eps := map[string]*Created{}
	for _, preset := range PresetNames() {
		eps[preset] = e.create(Config{Name: preset, Preset: preset})
	}
	for _, f := range files {
		typ := strings.TrimSuffix(filepath.Base(f), ".json")
		e.deploy(fmt.Sprintf(`{"id": %q, "name": %q, "object": "contact",
			"triggers": [{"type": "event", "event": %q}],
			"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`, "wf-"+strings.ReplaceAll(typ, ".", "-"), "On "+typ, typ))
	}
	for _, f := range files {
		typ := strings.TrimSuffix(filepath.Base(f), ".json")
		preset := filepath.Base(filepath.Dir(f))
		t.Run(preset+"/"+typ, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ep := eps[preset]
			r := e.post(ep.Key, body, e.signed(ep.Secret, "msg_"+typ, body))
			if r.status != http.StatusCreated || r.outcome() != OutcomeApplied {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			payload, _ := decodePayload(body)
			plan, _ := Compile(Config{Name: "x", Preset: preset}, nil)
			m, err := plan.Map(payload)
			if err != nil {
				t.Fatal(err)
			}
			email := m.MatchValue.(string)
			rec := e.record(email)
			if rec.Properties["first_name"] == nil || rec.Properties["first_name"] != m.Props["first_name"] {
				t.Errorf("first_name = %v, want %v", rec.Properties["first_name"], m.Props["first_name"])
			}
			ev, err := e.db.Event(e.ctx, int64(r.body["event_id"].(float64)))
			if err != nil || ev.Type != typ || ev.RecordID != rec.ID || ev.Scope["hook"] != ep.ID {
				t.Fatalf("event = %+v, %v; want type %s for record %d", ev, err, typ, rec.ID)
			}
			ens, err := e.db.Enrollments(e.ctx, store.EnrollmentQuery{WorkflowID: "wf-" + strings.ReplaceAll(typ, ".", "-"), RecordID: rec.ID})
			if err != nil || len(ens) != 1 {
				t.Fatalf("enrollments in the %s workflow = %d, %v; want 1", typ, len(ens), err)
			}
			if enr := r.body["enrollments"].([]any); len(enr) != 1 {
				t.Errorf("answer lists %d enrollments, want 1", len(enr))
			}
		})
	}
	// The webinar sample with a watch percentage sets the contact's watch_pct, so "minimum
	// watch time 50%" is an ordinary filter on it.
	if got := e.record("bram.bakker3@example.nl").Properties["watch_pct"]; got != 72.0 {
		t.Errorf("watch_pct = %v, want 72", got)
	}
}

func TestWatchPercentageFilter(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "webinar", Preset: "webinargeek", Auth: AuthNone})
	e.deploy(`{"id": "watched", "name": "Watched half", "object": "contact",
		"triggers": [{"type": "event", "event": "webinar.viewer", "scope": {"webinar": "54072"},
			"filter": {"all": [{"property": "event.subscriber.watch_pct", "op": "gte", "value": 50}]}}],
		"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	body, _ := os.ReadFile("../../testdata/payloads/webinargeek/webinar.viewer.json")
	if r := e.post(ep.Key, body, nil); r.status != 201 || len(r.body["enrollments"].([]any)) != 1 {
		t.Fatalf("72%% viewer: %d %s", r.status, r.raw)
	}
	low := strings.Replace(string(body), `"watch_pct": 72`, `"watch_pct": 30`, 1)
	low = strings.Replace(low, "bram.bakker3", "low.watcher", 1)
	if r := e.post(ep.Key, []byte(low), nil); r.status != 201 || r.body["enrollments"] != nil {
		t.Fatalf("30%% viewer enrolled: %d %s", r.status, r.raw)
	}
}

func TestSignatureVectors(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "signed", Event: EventSpec{Type: "form.submitted"}, MaxFailures: 100,
		Mapping: []Field{{Path: "email", Property: "email"}}})
	other := NewSecret()
	body := []byte(`{"email": "sig@example.com"}`)
	now := e.clock.Now()
	sign := func(secret, id string, ts time.Time, b []byte) string {
		s, err := Sign(secret, id, ts, b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hdr := func(id, ts, sig string) http.Header {
		h := http.Header{}
		if id != "" {
			h.Set(HeaderID, id)
		}
		if ts != "" {
			h.Set(HeaderTimestamp, ts)
		}
		if sig != "" {
			h.Set(HeaderSignature, sig)
		}
		return h
	}
	unix := func(t time.Time) string { return fmt.Sprint(t.Unix()) }
	cases := []struct {
		name   string
		h      http.Header
		body   []byte
		status int
		code   string
	}{
		{"wrong secret", hdr("m1", unix(now), sign(other, "m1", now, body)), body, 401, "bad_signature"},
		{"stale timestamp", hdr("m2", unix(now.Add(-6*time.Minute)), sign(ep.Secret, "m2", now.Add(-6*time.Minute), body)), body, 401, "stale_timestamp"},
		{"future timestamp", hdr("m3", unix(now.Add(6*time.Minute)), sign(ep.Secret, "m3", now.Add(6*time.Minute), body)), body, 401, "future_timestamp"},
		{"tampered body", hdr("m4", unix(now), sign(ep.Secret, "m4", now, body)), []byte(`{"email": "evil@example.com"}`), 401, "bad_signature"},
		{"signed id differs", hdr("m5", unix(now), sign(ep.Secret, "other-id", now, body)), body, 401, "bad_signature"},
		{"missing all headers", http.Header{}, body, 401, "missing_signature"},
		{"missing signature", hdr("m6", unix(now), ""), body, 401, "missing_signature"},
		{"missing timestamp", hdr("m7", "", sign(ep.Secret, "m7", now, body)), body, 401, "missing_signature"},
		{"malformed timestamp", hdr("m8", "yesterday", sign(ep.Secret, "m8", now, body)), body, 401, "malformed_signature"},
		{"no v1 signature", hdr("m9", unix(now), "v2,abc v1a,xyz"), body, 401, "malformed_signature"},
		{"signature not base64", hdr("m10", unix(now), "v1,***"), body, 401, "bad_signature"},
	}
	before := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(ep.Key, c.body, c.h)
			if r.status != c.status || r.code() != c.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, c.status, c.code)
			}
		})
	}
	after := e.counts()
	if after.records != before.records || after.events != before.events || after.requests != before.requests+len(cases) {
		t.Fatalf("rejected requests wrote data: before %+v after %+v", before, after)
	}
	t.Run("valid at the edge of the window", func(t *testing.T) {
		ts := now.Add(-5 * time.Minute)
		if r := e.post(ep.Key, body, hdr("ok1", unix(ts), sign(ep.Secret, "ok1", ts, body))); r.status != 201 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("several signatures, one valid", func(t *testing.T) {
		sig := "v1a,c29tZXRoaW5n " + sign(other, "ok2", now, body) + " " + sign(ep.Secret, "ok2", now, body)
		if r := e.post(ep.Key, body, hdr("ok2", unix(now), sig)); r.status != 201 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("rotated secret", func(t *testing.T) {
		rot, err := e.l.Endpoints().RotateSecret(e.ctx, ep.ID)
		if err != nil || rot.Secret == "" || rot.Secret == ep.Secret {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		if r := e.post(ep.Key, body, e.signed(ep.Secret, "old", body)); r.status != 401 {
			t.Fatalf("old secret accepted: %d", r.status)
		}
		if r := e.post(ep.Key, body, e.signed(rot.Secret, "new", body)); r.status != 201 {
			t.Fatalf("new secret refused: %d %s", r.status, r.raw)
		}
	})
}

func TestVerifyVector(t *testing.T) {
	// The Standard Webhooks reference test vector.
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h := http.Header{}
	h.Set(HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(HeaderTimestamp, "1614265330")
	h.Set(HeaderSignature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	if err := Verify(secret, h, body, time.Unix(1614265330, 0)); err != nil {
		t.Fatalf("reference vector: %v", err)
	}
	if err := Verify(secret, h, body, time.Unix(1614265330+301, 0)); err == nil {
		t.Fatal("stale reference vector accepted")
	}
}

func TestAPIKey(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "keyed", Auth: AuthAPIKey, Event: EventSpec{Type: "form.submitted"},
		Mapping: []Field{{Path: "email", Property: "email"}}})
	if ep.APIKey == "" || ep.Secret != "" {
		t.Fatalf("created: %+v", ep)
	}
	stored := e.endpoint(ep.ID)
	if stored.Secret != HashAPIKey(ep.APIKey) || strings.Contains(stored.Config, ep.APIKey) {
		t.Fatal("the API key is not stored as its SHA-256 only")
	}
	body := []byte(`{"email": "key@example.com"}`)
	if r := e.post(ep.Key, body, http.Header{"X-Api-Key": {ep.APIKey}}); r.status != 201 {
		t.Fatalf("valid key: %d %s", r.status, r.raw)
	}
	if r := e.post(ep.Key, body, http.Header{"X-Api-Key": {ep.APIKey + "x"}}); r.status != 401 || r.code() != "bad_api_key" {
		t.Fatalf("wrong key: %d %s", r.status, r.raw)
	}
	if r := e.post(ep.Key, body, nil); r.status != 401 || r.code() != "missing_api_key" {
		t.Fatalf("no key: %d %s", r.status, r.raw)
	}
	reqs, _ := e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 10)
	for _, rq := range reqs {
		if v := rq.Headers["x-api-key"]; v != "" && v != workflow.Hidden {
			t.Fatalf("the request log keeps the API key: %q", v)
		}
	}
	// A custom header name.
	ep2 := e.create(Config{Name: "custom", Auth: AuthAPIKey, APIKeyHeader: "X-Shop-Token", APIKey: "0123456789abcdef0123",
		Event: EventSpec{Type: "order.paid"}, Mapping: []Field{{Path: "email", Property: "email"}}})
	if r := e.post(ep2.Key, body, http.Header{"X-Shop-Token": {"0123456789abcdef0123"}}); r.status != 201 {
		t.Fatalf("custom header: %d %s", r.status, r.raw)
	}
}

func TestReplay(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "signed", Event: EventSpec{Type: "form.submitted"}, Mapping: []Field{{Path: "email", Property: "email"}}})
	e.deploy(`{"id": "w", "name": "W", "object": "contact", "triggers": [{"type": "event", "event": "form.submitted"}],
		"reenroll": {"enabled": true}, "start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	body := []byte(`{"email": "replay@example.com"}`)
	h := e.signed(ep.Secret, "msg_replay", body)
	first := e.post(ep.Key, body, h)
	if first.status != 201 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	before := e.counts()
	e.clock.Advance(2 * time.Minute)
	for i := 0; i < 3; i++ {
		r := e.post(ep.Key, body, h) // the sender retries with the same id and signature
		if r.status != 200 || r.outcome() != OutcomeDuplicate || r.body["event_id"] != first.body["event_id"] {
			t.Fatalf("replay %d: %d %s", i, r.status, r.raw)
		}
	}
	after := e.counts()
	if after.events != before.events || after.enrollments != before.enrollments || after.records != before.records {
		t.Fatalf("replays applied: %+v -> %+v", before, after)
	}
	// Idempotency-Key on an unsigned endpoint.
	open := e.create(Config{Name: "open", Auth: AuthNone, Event: EventSpec{Type: "form.submitted"}, Mapping: []Field{{Path: "email", Property: "email"}}})
	ik := http.Header{"Idempotency-Key": {"order-77"}}
	if r := e.post(open.Key, body, ik); r.status != 201 {
		t.Fatalf("idempotency first: %d %s", r.status, r.raw)
	}
	if r := e.post(open.Key, body, ik); r.status != 200 || r.outcome() != OutcomeDuplicate {
		t.Fatalf("idempotency replay: %d %s", r.status, r.raw)
	}
	// The same id on another endpoint is another delivery.
	if r := e.post(open.Key, body, http.Header{"Idempotency-Key": {"msg_replay"}}); r.status != 201 {
		t.Fatalf("id scoped per endpoint: %d %s", r.status, r.raw)
	}
	// Concurrent duplicates: exactly one applies.
	h2 := e.signed(ep.Secret, "msg_race", body)
	results := make(chan reply, 8)
	for i := 0; i < 8; i++ {
		go func() { results <- postTo(t, e.srv.URL+"/hooks/"+ep.Key, body, h2) }()
	}
	applied := 0
	for i := 0; i < 8; i++ {
		r := <-results
		switch r.outcome() {
		case OutcomeApplied:
			applied++
		case OutcomeDuplicate:
		default:
			t.Fatalf("concurrent replay: %d %s", r.status, r.raw)
		}
	}
	if applied != 1 {
		t.Fatalf("%d concurrent deliveries of one id applied, want 1", applied)
	}
}

func TestBadInputsChangeNothing(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "strict", Auth: AuthNone, Event: EventSpec{Type: "form.submitted"}, MaxBodyBytes: 2048, MaxFailures: 1000,
		Mapping: []Field{{Path: "email", Property: "email", Required: true}, {Path: "age", Property: "age", Type: TypeNumber}}})
	e.deploy(`{"id": "w", "name": "W", "object": "contact", "triggers": [{"type": "event", "event": "form.submitted"}],
		"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	big := []byte(`{"email": "a@example.com", "pad": "` + strings.Repeat("x", 4096) + `"}`)
	cases := []struct {
		name   string
		path   string
		method string
		body   []byte
		h      http.Header
		status int
		code   string
	}{
		{"unknown key", "/hooks/nope", "POST", []byte(`{}`), nil, 404, "unknown_endpoint"},
		{"GET", "/hooks/" + ep.Key, "GET", nil, nil, 405, "method_not_allowed"},
		{"text/plain", "", "POST", []byte(`{"email": "a@example.com"}`), http.Header{"Content-Type": {"text/plain"}}, 415, "unsupported_media_type"},
		{"form encoded", "", "POST", []byte(`email=a@example.com`), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 415, "unsupported_media_type"},
		{"no content type", "", "POST", []byte(`{"email": "a@example.com"}`), http.Header{"Content-Type": nil}, 415, "unsupported_media_type"},
		{"latin-1", "", "POST", []byte(`{"email": "a@example.com"}`), http.Header{"Content-Type": {"application/json; charset=iso-8859-1"}}, 415, "unsupported_media_type"},
		{"too large", "", "POST", big, nil, 413, "too_large"},
		{"malformed JSON", "", "POST", []byte(`{"email": "a@example.com",}`), nil, 400, "malformed_json"},
		{"truncated JSON", "", "POST", []byte(`{"email": "a@exa`), nil, 400, "malformed_json"},
		{"array body", "", "POST", []byte(`[{"email": "a@example.com"}]`), nil, 400, "malformed_json"},
		{"empty body", "", "POST", nil, nil, 400, "malformed_json"},
		{"trailing data", "", "POST", []byte(`{"email": "a@example.com"} {}`), nil, 400, "malformed_json"},
		{"too deep", "", "POST", []byte(`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`), nil, 400, "malformed_json"},
		{"missing email", "", "POST", []byte(`{"name": "x"}`), nil, 422, "mapping_failed"},
		{"not an email", "", "POST", []byte(`{"email": "nobody"}`), nil, 422, "mapping_failed"},
		{"age not a number", "", "POST", []byte(`{"email": "a@example.com", "age": "abc"}`), nil, 422, "mapping_failed"},
		{"bad idempotency key", "", "POST", []byte(`{"email": "a@example.com"}`), http.Header{"Idempotency-Key": {strings.Repeat("k", 300)}}, 400, "bad_header"},
	}
	before := e.counts()
	logged := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if path == "" {
				path = "/hooks/" + ep.Key
			}
			if c.method == "GET" {
				resp, err := http.Get(e.srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("GET: %d", resp.StatusCode)
				}
				return
			}
			h := c.h
			if h != nil && h["Content-Type"] == nil {
				if _, set := h["Content-Type"]; set {
					delete(h, "Content-Type")
					h2 := http.Header{}
					h2["Content-Type"] = []string{""}
					h = h2
				}
			}
			r := postTo(t, e.srv.URL+path, c.body, h)
			if r.status != c.status || r.code() != c.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, c.status, c.code)
			}
			if msg, _ := r.body["error"].(map[string]any)["message"].(string); msg == "" {
				t.Fatalf("no error message: %s", r.raw)
			}
			if c.path == "" {
				logged++
			}
		})
	}
	after := e.counts()
	if after.records != before.records || after.events != before.events || after.enrollments != before.enrollments || after.jobs != before.jobs {
		t.Fatalf("rejected requests changed data: %+v -> %+v", before, after)
	}
	if after.requests != before.requests+logged {
		t.Fatalf("request log grew by %d, want %d (one line per rejected request)", after.requests-before.requests, logged)
	}
	if got := e.endpoint(ep.ID).ConsecutiveFailures; got != logged {
		t.Fatalf("consecutive failures = %d, want %d", got, logged)
	}
	// The conversion error names the path.
	r := e.post(ep.Key, []byte(`{"email": "a@example.com", "age": "abc"}`), nil)
	if !strings.Contains(r.raw, `age: \"abc\" is not a number`) {
		t.Fatalf("error does not name the path: %s", r.raw)
	}
}

func TestAutoDisable(t *testing.T) {
	e := newEnv(t)
	var alerts []string
	e.l.opts.OnDisabled = func(_ context.Context, ep *store.HookEndpoint, reason string) {
		alerts = append(alerts, ep.Name+": "+reason)
	}
	ep := e.create(Config{Name: "Shop orders", Auth: AuthNone, Event: EventSpec{Type: "order.paid"}, MaxFailures: 3,
		Mapping: []Field{{Path: "email", Property: "email"}}})
	good := []byte(`{"email": "ok@example.com"}`)
	bad := []byte(`{"email": `)
	// Two failures, then a success resets the counter.
	for i := 0; i < 2; i++ {
		e.post(ep.Key, bad, nil)
	}
	if r := e.post(ep.Key, good, nil); r.status != 201 {
		t.Fatalf("good: %d %s", r.status, r.raw)
	}
	if got := e.endpoint(ep.ID).ConsecutiveFailures; got != 0 {
		t.Fatalf("failures after a success = %d, want 0", got)
	}
	for i := 0; i < 3; i++ {
		if r := e.post(ep.Key, bad, nil); r.status != 400 {
			t.Fatalf("bad %d: %d", i, r.status)
		}
	}
	st := e.endpoint(ep.ID)
	if st.Enabled || !strings.Contains(st.DisabledReason, "3 failed deliveries") {
		t.Fatalf("after 3 failures: enabled=%v reason=%q", st.Enabled, st.DisabledReason)
	}
	notes, err := e.db.Notifications(e.ctx, true, 10)
	if err != nil || len(notes) != 1 || notes[0].Kind != "hook_disabled" || !strings.Contains(notes[0].Title, "Shop orders") {
		t.Fatalf("notifications = %+v, %v", notes, err)
	}
	if len(alerts) != 1 || !strings.HasPrefix(alerts[0], "Shop orders: disabled after 3 failed deliveries") {
		t.Fatalf("owner alerts = %q, want one", alerts)
	}
	before := e.counts()
	r := e.post(ep.Key, good, nil)
	if r.status != http.StatusGone || r.code() != "endpoint_disabled" {
		t.Fatalf("disabled endpoint answered %d %s", r.status, r.raw)
	}
	if after := e.counts(); after.events != before.events {
		t.Fatal("a disabled endpoint applied an event")
	}
	if _, err := e.l.Endpoints().Enable(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if st := e.endpoint(ep.ID); !st.Enabled || st.ConsecutiveFailures != 0 || st.DisabledReason != "" {
		t.Fatalf("re-enabled: %+v", st)
	}
	if r := e.post(ep.Key, []byte(`{"email": "again@example.com"}`), nil); r.status != 201 {
		t.Fatalf("after re-enable: %d %s", r.status, r.raw)
	}
	if n, _ := e.db.UnreadCount(e.ctx); n != 1 {
		t.Fatalf("unread = %d", n)
	}
}

func TestCapture(t *testing.T) {
	e := newEnv(t)
	// A fresh endpoint has no mapping yet: capture a test event to map from.
	ep := e.create(Config{Name: "new form"})
	if _, err := e.l.Endpoints().Captured(e.ctx, ep.ID); err == nil {
		t.Fatal("captured before anything was sent")
	}
	if _, err := e.l.Endpoints().ArmCapture(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"form": {"id": 7}, "contact": {"email": "cap@example.com", "fields": {"age": "41"}}, "tags": ["a", "b"], "items": [{"sku": "X1"}]}`)
	before := e.counts()
	h := e.signed(ep.Secret, "cap1", body)
	h.Set("Authorization", "Bearer hunter2")
	r := e.post(ep.Key, body, h)
	if r.status != http.StatusAccepted || r.outcome() != OutcomeCaptured {
		t.Fatalf("capture: %d %s", r.status, r.raw)
	}
	after := e.counts()
	if after.records != before.records || after.events != before.events || after.requests != before.requests+1 {
		t.Fatalf("capture applied something: %+v -> %+v", before, after)
	}
	st := e.endpoint(ep.ID)
	if st.Capture {
		t.Fatal("capture mode still on after one request")
	}
	if strings.Contains(st.Captured, "hunter2") || strings.Contains(st.Captured, h.Get(HeaderSignature)) {
		t.Fatal("captured headers keep credentials")
	}
	c, err := e.l.Endpoints().Captured(e.ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]any{}
	for _, p := range c.Paths {
		paths[p.Path] = p.Sample
	}
	for _, want := range []string{"contact.email", "contact.fields.age", "form.id", "tags[]", "items[0].sku"} {
		if _, ok := paths[want]; !ok {
			t.Errorf("path %s missing from %v", want, paths)
		}
	}
	if paths["contact.email"] != "cap@example.com" {
		t.Errorf("sample = %v", paths["contact.email"])
	}
	// The next request is not captured; with no mapping it is refused (422) and says why.
	r = e.post(ep.Key, body, e.signed(ep.Secret, "cap2", body))
	if r.status != 422 || !strings.Contains(r.raw, "no event type yet") {
		t.Fatalf("unmapped endpoint: %d %s", r.status, r.raw)
	}
	// Map from the captured paths and send it again.
	cfg := Config{Name: "new form", Event: EventSpec{Type: "form.submitted"}, Mapping: []Field{
		{Path: "contact.email", Property: "email"}, {Path: "contact.fields.age", Property: "age", Type: TypeNumber}, {Path: "tags[]", Property: "tags"}}}
	if _, err := e.l.Endpoints().Update(e.ctx, ep.ID, cfg); err != nil {
		t.Fatal(err)
	}
	if r = e.post(ep.Key, body, e.signed(ep.Secret, "cap3", body)); r.status != 201 {
		t.Fatalf("mapped: %d %s", r.status, r.raw)
	}
	rec := e.record("cap@example.com")
	if rec.Properties["age"] != 41.0 || fmt.Sprint(rec.Properties["tags"]) != "[a b]" {
		t.Fatalf("record = %v", rec.Properties)
	}
}

func TestFilterAndCreateFalse(t *testing.T) {
	e := newEnv(t)
	filtered := e.create(Config{Name: "paid only", Auth: AuthNone, Event: EventSpec{Type: "order.paid"},
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "amount", Property: "last_order", Type: TypeNumber}},
		Filter:  ptrFilter(`{"all": [{"property": "last_order", "op": "gt", "value": 0}, {"property": "event.status", "op": "eq", "value": "paid"}]}`)})
	before := e.counts()
	r := e.post(filtered.Key, []byte(`{"email": "f@example.com", "amount": 10, "status": "pending"}`), http.Header{"Idempotency-Key": {"f1"}})
	if r.status != 202 || r.outcome() != OutcomeFiltered {
		t.Fatalf("filtered: %d %s", r.status, r.raw)
	}
	if r := e.post(filtered.Key, []byte(`{"email": "f@example.com", "amount": 10, "status": "pending"}`), http.Header{"Idempotency-Key": {"f1"}}); r.outcome() != OutcomeDuplicate {
		t.Fatalf("filtered replay: %d %s", r.status, r.raw)
	}
	if after := e.counts(); after.records != before.records || after.events != before.events {
		t.Fatal("a filtered delivery wrote a record or event")
	}
	if r := e.post(filtered.Key, []byte(`{"email": "f@example.com", "amount": 10, "status": "paid"}`), nil); r.status != 201 {
		t.Fatalf("passing: %d %s", r.status, r.raw)
	}

	update := e.create(Config{Name: "update only", Auth: AuthNone, Event: EventSpec{Type: "crm.updated"}, Create: ptr(false),
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "city", Property: "city"}}})
	before = e.counts()
	r = e.post(update.Key, []byte(`{"email": "stranger@example.com", "city": "Cork"}`), nil)
	if r.status != 202 || r.outcome() != OutcomeSkipped {
		t.Fatalf("unknown email with create off: %d %s", r.status, r.raw)
	}
	if after := e.counts(); after.records != before.records || after.events != before.events || after.enrollments != before.enrollments {
		t.Fatal("a skipped delivery wrote data")
	}
	r = e.post(update.Key, []byte(`{"email": "F@Example.com", "city": "Cork"}`), nil)
	if r.status != 201 || e.record("f@example.com").Properties["city"] != "Cork" {
		t.Fatalf("known email (other case) with create off: %d %s", r.status, r.raw)
	}

	// Match on another property.
	byID := e.create(Config{Name: "by shop id", Auth: AuthNone, Event: EventSpec{Type: "shop.visit"}, Match: "shop_id",
		Mapping: []Field{{Path: "customer.id", Property: "shop_id"}, {Path: "customer.email", Property: "email"}, {Path: "page", Property: "last_page"}}})
	if r := e.post(byID.Key, []byte(`{"customer": {"id": 991, "email": "shop@example.com"}, "page": "/a"}`), nil); r.status != 201 || r.body["record_created"] != true {
		t.Fatalf("create by shop id: %d %s", r.status, r.raw)
	}
	if r := e.post(byID.Key, []byte(`{"customer": {"id": 991, "email": "shop@example.com"}, "page": "/b"}`), nil); r.status != 201 || r.body["record_created"] == true {
		t.Fatalf("update by shop id: %d %s", r.status, r.raw)
	}
	if got := e.record("shop@example.com").Properties["last_page"]; got != "/b" {
		t.Fatalf("last_page = %v", got)
	}

	// Two records with the same shop id: the delivery cannot say which one it means, so it is
	// refused naming both, and nothing is applied.
	other, err := e.eng.Ingest(e.ctx, engine.EventInput{Type: "import", Record: engine.RecordRef{Email: "twin@example.com", Properties: map[string]any{"shop_id": "991"}}})
	if err != nil {
		t.Fatal(err)
	}
	before = e.counts()
	r = e.post(byID.Key, []byte(`{"customer": {"id": 991, "email": "shop@example.com"}, "page": "/c"}`), nil)
	if r.status != http.StatusConflict || r.code() != "ambiguous_match" || !strings.Contains(r.raw, fmt.Sprintf(`"records":[%d,%d]`, e.record("shop@example.com").ID, other.RecordID)) {
		t.Fatalf("ambiguous match: %d %s", r.status, r.raw)
	}
	if after := e.counts(); after.records != before.records || after.events != before.events {
		t.Fatalf("an ambiguous delivery wrote %+v -> %+v", before, after)
	}
	if got := e.record("shop@example.com").Properties["last_page"]; got != "/b" {
		t.Fatalf("an ambiguous delivery changed a record: last_page = %v", got)
	}
}

func TestDelayDays(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "delayed", Auth: AuthNone, Event: EventSpec{Type: "trial.started"}, DelayDays: 3,
		Mapping: []Field{{Path: "email", Property: "email"}}})
	e.deploy(`{"id": "w", "name": "W", "object": "contact", "triggers": [{"type": "event", "event": "trial.started"}],
		"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	before := e.counts()
	r := e.post(ep.Key, []byte(`{"email": "later@example.com"}`), http.Header{"Idempotency-Key": {"d1"}})
	if r.status != 202 || r.outcome() != OutcomeDelayed || r.body["due_at"] != t0.Add(72*time.Hour).Format(time.RFC3339) {
		t.Fatalf("delayed: %d %s", r.status, r.raw)
	}
	if r := e.post(ep.Key, []byte(`{"email": "later@example.com"}`), http.Header{"Idempotency-Key": {"d1"}}); r.outcome() != OutcomeDuplicate {
		t.Fatalf("delayed replay: %s", r.raw)
	}
	after := e.counts()
	if after.records != before.records || after.events != before.events || after.delayed != 1 {
		t.Fatalf("held delivery: %+v -> %+v", before, after)
	}
	e.clock.Advance(72*time.Hour - time.Minute)
	if n, err := e.l.ProcessDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("before due: %d %v", n, err)
	}
	e.clock.Advance(time.Minute)
	if n, err := e.l.ProcessDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("due: %d %v", n, err)
	}
	rec := e.record("later@example.com")
	ens, _ := e.db.Enrollments(e.ctx, store.EnrollmentQuery{WorkflowID: "w", RecordID: rec.ID})
	if len(ens) != 1 {
		t.Fatalf("enrollments = %d", len(ens))
	}
	evs, _ := e.db.RecordEvents(e.ctx, rec.ID, 10)
	if len(evs) != 1 || !evs[0].OccurredAt.Equal(t0) || !evs[0].ReceivedAt.Equal(t0.Add(72*time.Hour)) {
		t.Fatalf("events = %+v", evs)
	}
	reqs, _ := e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 10)
	if reqs[len(reqs)-1].Outcome != OutcomeApplied || reqs[len(reqs)-1].EventID != evs[0].ID {
		t.Fatalf("the held request's log line = %+v", reqs[len(reqs)-1].HookRequest)
	}
	if n, _ := e.l.ProcessDue(e.ctx); n != 0 || e.counts().delayed != 0 {
		t.Fatal("a held delivery ran twice")
	}

	// Switched off when its held deliveries come due: they are dropped with a line in the log,
	// and nothing is applied — not even after it is switched on again. One still held then
	// applies as usual.
	e.post(ep.Key, []byte(`{"email": "off@example.com"}`), nil)
	if _, err := e.l.Endpoints().Disable(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(72 * time.Hour)
	before = e.counts()
	if n, err := e.l.ProcessDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("due while off: %d %v", n, err)
	}
	if after := e.counts(); after.records != before.records || after.events != before.events || after.delayed != 0 {
		t.Fatalf("a delivery of a switched-off endpoint applied: %+v -> %+v", before, after)
	}
	reqs, _ = e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 1)
	if reqs[0].Outcome != OutcomeSkipped || !strings.Contains(reqs[0].Error, "switched off") {
		t.Fatalf("the dropped delivery's log line = %+v", reqs[0].HookRequest)
	}
	if _, err := e.l.Endpoints().Enable(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	e.post(ep.Key, []byte(`{"email": "on-again@example.com"}`), nil)
	e.clock.Advance(72 * time.Hour)
	if n, err := e.l.ProcessDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("due after switching on: %d %v", n, err)
	}
	e.record("on-again@example.com")
}

func TestRequestLogAndHousekeeping(t *testing.T) {
	e := newEnv(t)
	e.l.opts.KeepRequests = 3
	ep := e.create(Config{Name: "log", Auth: AuthNone, Event: EventSpec{Type: "x.y"}, Mapping: []Field{{Path: "email", Property: "email"}}})
	for i := 0; i < 5; i++ {
		e.post(ep.Key, []byte(fmt.Sprintf(`{"email": "l%d@example.com"}`, i)), http.Header{"Idempotency-Key": {fmt.Sprint("k", i)}})
	}
	e.post(ep.Key, []byte(`not json`), nil)
	reqs, err := e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 100)
	if err != nil || len(reqs) != 6 || reqs[0].Outcome != OutcomeRejected || reqs[0].BodyRaw != "not json" || string(reqs[1].Body) != `{"email": "l4@example.com"}` {
		t.Fatalf("requests: %d %v", len(reqs), err)
	}
	e.clock.Advance(25 * time.Hour)
	if err := e.l.Maintain(e.ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, _ := e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 100); len(reqs) != 3 {
		t.Fatalf("trimmed log has %d lines, want 3", len(reqs))
	}
	if _, err := e.db.HookDelivery(e.ctx, ep.ID, "k0"); err == nil {
		t.Fatal("a delivery id older than the replay window was kept")
	}
}

// The status callback's signature is Twilio's: this is the example of Twilio's webhook security
// documentation (auth token 12345).
func TestTwilioSignatureMatchesTwilioDocumentation(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	got := base64.StdEncoding.EncodeToString(TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form))
	if got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Fatalf("signature %s, want Twilio's 0/KCTR6DLpKmkAf8muzZqo1nDgQ=", got)
	}
}
