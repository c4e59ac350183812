package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/store"
)

const deliverySecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// signedHit is one request a test receiver got, with its own check of the Standard Webhooks
// signature (independent of the action package's signer).
type signedHit struct {
	id, ts string
	sigOK  bool
	body   string
}

func verifyStdWebhook(secret string, r *http.Request, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(r.Header.Get("webhook-signature")) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

func newDeliveryEnv(t *testing.T) *env {
	t.Helper()
	acts := action.New(action.Config{})
	r := testrig.New(t, testrig.Options{Engine: func(*testrig.Rig) engine.Options {
		return engine.Options{Actions: acts, Retry: engine.RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second}}
	}})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	srv := httptest.NewServer(newAPI(t, api.Options{DB: db, Engine: eng, Version: "test", Settings: r.Settings()}))
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, db: db, eng: eng, clock: fc, srv: srv}
}

func TestDeadLetterManualRetryThroughAPI(t *testing.T) {
	e := newDeliveryEnv(t)
	var mu sync.Mutex
	var hits []signedHit
	status := http.StatusServiceUnavailable
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		hits = append(hits, signedHit{id: r.Header.Get("webhook-id"), ts: r.Header.Get("webhook-timestamp"), sigOK: verifyStdWebhook(deliverySecret, r, body), body: string(body)})
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status": %d}`, status)
	}))
	t.Cleanup(rc.Close)
	setStatus := func(s int) { mu.Lock(); status = s; mu.Unlock() }
	seen := func() []signedHit { mu.Lock(); defer mu.Unlock(); return append([]signedHit(nil), hits...) }

	def := fmt.Sprintf(`{"id": "wf", "name": "Hook", "object": "contact",
	  "triggers": [{"type": "event", "event": "sale.completed"}], "reenroll": {"enabled": false, "triggers": []},
	  "start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": %q, "secret": %q, "headers": {"Authorization": "Bearer tok-9"}}]}`,
		rc.URL+"/in", deliverySecret)
	if _, err := e.eng.CreateWorkflow(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.EnableWorkflow(e.ctx, "wf"); err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.Ingest(e.ctx, engine.EventInput{Type: "sale.completed", Record: engine.RecordRef{Type: "contact", Email: "ann@example.com"}})
	if err != nil || len(res.Enrollments) != 1 {
		t.Fatalf("ingest %v %v", res, err)
	}
	enr := res.Enrollments[0]
	e.runDue()
	for range 4 {
		e.clock.Advance(time.Minute)
		e.runDue()
	}
	if n := len(seen()); n != 3 {
		t.Fatalf("receiver got %d requests, want 3", n)
	}
	before, err := e.db.Enrollment(e.ctx, enr)
	if err != nil || before.Status != store.StatusCompletedWithErrors || before.FailedSteps != 1 {
		t.Fatalf("after a dead letter the enrollment reads %q with %d failed steps (%v), want completed_with_errors and 1", before.Status, before.FailedSteps, err)
	}
	st := e.call(http.MethodGet, "/api/workflows/wf/stats", nil, http.StatusOK)
	if ens := st["enrollments"].(map[string]any); ens["completed_with_errors"] != 1.0 || ens["completed"] != 0.0 {
		t.Fatalf("stats enrollments %v", ens)
	}
	if hook := st["steps"].(map[string]any)["hook"].(map[string]any); hook["failed"] != 1.0 || hook["completed"] != 0.0 {
		t.Fatalf("stats of the webhook step %v", hook)
	}
	hist, _ := e.db.History(e.ctx, enr)

	type listed struct {
		Deliveries []struct {
			ID           int64  `json:"id"`
			Outcome      string `json:"outcome"`
			Try          int    `json:"try"`
			StatusCode   int    `json:"status_code"`
			EnrollmentID int64  `json:"enrollment_id"`
			Resolved     bool   `json:"resolved"`
		} `json:"deliveries"`
	}
	list := func(q string) listed {
		t.Helper()
		r := e.request(http.MethodGet, "/api/deliveries"+q, "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", q, r.status, r.body)
		}
		for _, secret := range []string{deliverySecret, "tok-9"} {
			if strings.Contains(string(r.body), secret) {
				t.Fatalf("the delivery list shows a secret: %s", r.body)
			}
		}
		var l listed
		if err := json.Unmarshal(r.body, &l); err != nil {
			t.Fatalf("GET %s: %v", q, err)
		}
		return l
	}
	dead := list("?workflow=wf&dead=true")
	if len(dead.Deliveries) != 1 || dead.Deliveries[0].Outcome != "dead" || dead.Deliveries[0].Try != 3 || dead.Deliveries[0].Resolved ||
		dead.Deliveries[0].EnrollmentID != enr {
		t.Fatalf("dead letters %+v", dead)
	}
	if failed := list("?workflow=wf&failed=true"); len(failed.Deliveries) != 1 || failed.Deliveries[0].ID != dead.Deliveries[0].ID {
		t.Fatalf("failed deliveries %+v", failed)
	}
	if all := list(fmt.Sprintf("?enrollment=%d", enr)); len(all.Deliveries) != 3 {
		t.Fatalf("deliveries of the enrollment: %+v", all)
	}

	// A retry while the receiver still fails is logged as failed (not scheduled again).
	id := dead.Deliveries[0].ID
	out := e.call(http.MethodPost, fmt.Sprintf("/api/deliveries/%d/retry", id), nil, http.StatusOK)
	if d := out["delivery"].(map[string]any); d["outcome"] != "failed" || d["status_code"] != 503.0 || d["try"] != 4.0 {
		t.Fatalf("retry against a failing receiver: %v", d)
	}

	setStatus(http.StatusOK)
	e.clock.Advance(time.Hour)
	out = e.call(http.MethodPost, fmt.Sprintf("/api/deliveries/%d/retry", id), "{}", http.StatusOK)
	d := out["delivery"].(map[string]any)
	if d["outcome"] != "ok" || d["status_code"] != 200.0 || d["try"] != 5.0 || d["response"] != `{"status": 200}` {
		t.Fatalf("manual retry: %v", d)
	}
	got := seen()
	if len(got) != 5 {
		t.Fatalf("receiver got %d requests, want 5", len(got))
	}
	last := got[4]
	if last.id != got[0].id || !last.sigOK || last.body != got[2].body || last.ts != fmt.Sprint(e.clock.Now().Unix()) || last.ts == got[2].ts {
		t.Fatalf("manual retry request: %+v\nfirst %+v", last, got[0])
	}
	for i, h := range got {
		if !h.sigOK || h.id != got[0].id {
			t.Fatalf("request %d: %+v", i+1, h)
		}
	}
	after, _ := e.db.Enrollment(e.ctx, enr)
	histAfter, _ := e.db.History(e.ctx, enr)
	if after.Status != before.Status || after.StepsRun != before.StepsRun || len(histAfter) != len(hist) {
		t.Fatalf("the manual retry moved the enrollment: %+v -> %+v", before, after)
	}
	if dead := list("?dead=true"); len(dead.Deliveries) != 1 || !dead.Deliveries[0].Resolved {
		t.Fatalf("after a good retry: %+v", dead)
	}
	all := list(fmt.Sprintf("?enrollment=%d&limit=2", enr))
	var outs []string
	for _, d := range all.Deliveries {
		outs = append(outs, d.Outcome)
	}
	if !reflect.DeepEqual(outs, []string{"ok", "failed"}) {
		t.Fatalf("newest deliveries %v", outs)
	}
}

func TestDeliveriesAPIRefusesBadInput(t *testing.T) {
	e := newDeliveryEnv(t)
	if r := e.request(http.MethodGet, "/api/deliveries?dead=maybe", "", nil); r.status != http.StatusBadRequest {
		t.Fatalf("dead=maybe: %d", r.status)
	}
	if r := e.request(http.MethodGet, "/api/deliveries?failed=yes", "", nil); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `\"failed\"`) {
		t.Fatalf("failed=yes: %d %s", r.status, r.body)
	}
	if r := e.request(http.MethodGet, "/api/deliveries?enrollment=x", "", nil); r.status != http.StatusBadRequest {
		t.Fatalf("enrollment=x: %d", r.status)
	}
	if r := e.request(http.MethodPost, "/api/deliveries/999/retry", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown delivery: %d %s", r.status, r.body)
	}
	if r := e.request(http.MethodPost, "/api/deliveries/1/retry", "", map[string]string{"Content-Type": "text/plain"}); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain retry: %d", r.status)
	}
	if r := e.call(http.MethodGet, "/api/deliveries", nil, http.StatusOK); len(r["deliveries"].([]any)) != 0 {
		t.Fatalf("empty list: %v", r)
	}
}

// Concurrent manual retries of one dead letter each get their own try number: the number is
// taken inside the write that logs the try, not read before it.
func TestConcurrentManualRetriesTakeDistinctTries(t *testing.T) {
	e := newDeliveryEnv(t)
	const retries = 6
	var mu sync.Mutex
	arrived, failing := 0, true
	together := make(chan struct{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if failing {
			mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if arrived++; arrived == retries {
			close(together)
		}
		mu.Unlock()
		// Hold every retry until all of them are in flight, so their writes race.
		select {
		case <-together:
		case <-time.After(10 * time.Second):
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	def := fmt.Sprintf(`{"id": "wf", "name": "Hook", "object": "contact",
	  "triggers": [{"type": "event", "event": "sale.completed"}],
	  "start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": %q, "secret": %q}]}`, rc.URL+"/in", deliverySecret)
	if _, err := e.eng.CreateWorkflow(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.EnableWorkflow(e.ctx, "wf"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Ingest(e.ctx, engine.EventInput{Type: "sale.completed", Record: engine.RecordRef{Type: "contact", Email: "ann@example.com"}}); err != nil {
		t.Fatal(err)
	}
	e.runDue()
	for range 4 {
		e.clock.Advance(time.Minute)
		e.runDue()
	}
	dead, err := e.db.ActionAttempts(e.ctx, store.AttemptQuery{WorkflowID: "wf", DeadOnly: true})
	if err != nil || len(dead) != 1 || dead[0].Try != 3 {
		t.Fatalf("dead letters %+v %v", dead, err)
	}
	mu.Lock()
	failing = false
	mu.Unlock()

	tries := make(chan float64, retries)
	var wg sync.WaitGroup
	for range retries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/deliveries/%d/retry", e.srv.URL, dead[0].ID), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var out struct {
				Delivery map[string]any `json:"delivery"`
			}
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Delivery["outcome"] != "ok" {
				t.Errorf("retry: %d %v %v", res.StatusCode, out, err)
				return
			}
			tries <- out.Delivery["try"].(float64)
		}()
	}
	wg.Wait()
	close(tries)
	var got []int
	for n := range tries {
		got = append(got, int(n))
	}
	slices.Sort(got)
	want := []int{4, 5, 6, 7, 8, 9}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the concurrent retries answered tries %v, want %v", got, want)
	}
	logged, err := e.db.ActionAttempts(e.ctx, store.AttemptQuery{Key: dead[0].IdempotencyKey})
	if err != nil || len(logged) != 3+retries || logged[0].Try != 9 {
		t.Fatalf("the delivery log holds %d tries (newest %+v): %v", len(logged), logged[0], err)
	}
}

// deadLetterWorkflow makes a webhook workflow whose receiver fails while failing() is true, and
// n contacts whose delivery went dead (3 tries).
func deadLetterWorkflow(t *testing.T, e *env, n int, handler http.HandlerFunc) {
	t.Helper()
	rc := httptest.NewServer(handler)
	t.Cleanup(rc.Close)
	def := fmt.Sprintf(`{"id": "wf", "name": "Hook", "object": "contact",
	  "triggers": [{"type": "event", "event": "sale.completed"}],
	  "start": "hook", "steps": [{"id": "hook", "name": "Tell the shop", "type": "webhook", "url": %q, "secret": %q}]}`, rc.URL+"/in", deliverySecret)
	if _, err := e.eng.CreateWorkflow(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.EnableWorkflow(e.ctx, "wf"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := e.eng.Ingest(e.ctx, engine.EventInput{Type: "sale.completed", Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("c%d@example.com", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	e.runDue()
	for range 4 {
		e.clock.Advance(time.Minute)
		e.runDue()
	}
	dead, err := e.db.ActionAttempts(e.ctx, store.AttemptQuery{WorkflowID: "wf", DeadOnly: true})
	if err != nil || len(dead) != n {
		t.Fatalf("%d dead letters (%v), want %d", len(dead), err, n)
	}
}

// "Retry all" in batches: what fails again is not picked again in the same run, the counts add
// up to what the receiver got, and a good run resolves every dead letter.
func TestRetryAllDeadLettersInBatches(t *testing.T) {
	e := newDeliveryEnv(t)
	var mu sync.Mutex
	hits, failing := 0, true
	deadLetterWorkflow(t, e, 5, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits++
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	got := func() int { mu.Lock(); defer mu.Unlock(); return hits }
	before := got()

	// the receiver still fails: one run over all 5 in batches of 2 sends each once
	first := e.call(http.MethodPost, "/api/deliveries/retry-all", `{"workflow": "wf", "limit": 2}`, http.StatusOK)
	if first["retried"] != 2.0 || first["failed"] != 2.0 || first["delivered"] != 0.0 || first["remaining"] != 3.0 || first["up_to"].(float64) <= 0 {
		t.Fatalf("first batch: %v", first)
	}
	upTo := first["up_to"].(float64)
	var batches []map[string]any
	for left := first["remaining"].(float64); left > 0; {
		b := e.call(http.MethodPost, "/api/deliveries/retry-all", map[string]any{"workflow": "wf", "limit": 2, "up_to": upTo}, http.StatusOK)
		batches = append(batches, b)
		if b["remaining"].(float64) >= left {
			t.Fatalf("no progress: %v after %v left", b, left)
		}
		left = b["remaining"].(float64)
	}
	if len(batches) != 2 || batches[1]["retried"] != 1.0 || got()-before != 5 {
		t.Fatalf("batches %v; the receiver got %d requests, want 5", batches, got()-before)
	}
	// a new run (no up_to) picks the 5 failed-again tries
	mu.Lock()
	failing = false
	mu.Unlock()
	all := e.call(http.MethodPost, "/api/deliveries/retry-all", `{"workflow": "wf", "step": "hook", "limit": 50}`, http.StatusOK)
	if all["retried"] != 5.0 || all["delivered"] != 5.0 || all["remaining"] != 0.0 || len(all["deliveries"].([]any)) != 5 {
		t.Fatalf("good run: %v", all)
	}
	again := e.call(http.MethodPost, "/api/deliveries/retry-all", `{"workflow": "wf"}`, http.StatusOK)
	if again["retried"] != 0.0 || again["remaining"] != 0.0 || got()-before != 10 {
		t.Fatalf("nothing left to retry: %v, %d requests", again, got()-before)
	}
	// another step's dead letters: none
	if other := e.call(http.MethodPost, "/api/deliveries/retry-all", `{"workflow": "wf", "step": "nope"}`, http.StatusOK); other["retried"] != 0.0 {
		t.Fatalf("other step: %v", other)
	}
}

// Two "Retry all" runs at once share the work: each dead letter is sent once, and the two
// answers' counts add up to it.
func TestConcurrentRetryAllSendsEachDeadLetterOnce(t *testing.T) {
	e := newDeliveryEnv(t)
	const n = 8
	var mu sync.Mutex
	perID := map[string]int{}
	failing := true
	deadLetterWorkflow(t, e, n, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := failing
		if !f {
			perID[r.Header.Get("webhook-id")]++
		}
		mu.Unlock()
		if f {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(5 * time.Millisecond) // keep each send in flight a moment, so the runs overlap
	})
	mu.Lock()
	failing = false
	mu.Unlock()

	const runs = 3
	answers := make(chan map[string]any, runs)
	var wg sync.WaitGroup
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/deliveries/retry-all", strings.NewReader(`{"workflow": "wf", "limit": 50}`))
			req.Header.Set("Content-Type", "application/json")
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("retry-all: %d %v %v", res.StatusCode, out, err)
				return
			}
			answers <- out
		}()
	}
	wg.Wait()
	close(answers)
	retried, delivered, skipped := 0.0, 0.0, 0.0
	for a := range answers {
		retried += a["retried"].(float64)
		delivered += a["delivered"].(float64)
		skipped += a["skipped"].(float64)
		if a["remaining"] != 0.0 {
			t.Errorf("a run ended with %v remaining", a["remaining"])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(perID) != n {
		t.Fatalf("the receiver got %d step visits, want %d", len(perID), n)
	}
	for id, c := range perID {
		if c != 1 {
			t.Fatalf("step visit %s was sent %d times", id, c)
		}
	}
	if retried != n || delivered != n {
		t.Fatalf("the runs say %v retried and %v delivered, want %d", retried, delivered, n)
	}
	// every run saw all n at first; what one sent the others skipped or found settled
	if skipped > runs*n-n {
		t.Fatalf("%v skipped", skipped)
	}
	dead, _ := e.db.ActionAttempts(e.ctx, store.AttemptQuery{WorkflowID: "wf", DeadOnly: true})
	for _, d := range dead {
		latest, _ := e.db.ActionAttempts(e.ctx, store.AttemptQuery{Key: d.IdempotencyKey, Limit: 1})
		if latest[0].Outcome != store.AttemptOK {
			t.Fatalf("dead letter %d not resolved: %+v", d.ID, latest[0])
		}
	}
}

func TestRetryAllRefusesBadInput(t *testing.T) {
	e := newDeliveryEnv(t)
	for _, c := range []struct {
		body   string
		status int
		field  string
	}{
		{`{}`, http.StatusUnprocessableEntity, "workflow"},
		{`{"workflow": "wf", "limit": 51}`, http.StatusUnprocessableEntity, "limit"},
		{`{"workflow": "", "limit": -1}`, http.StatusUnprocessableEntity, "workflow"},
		{`{"workflow": "wf", "up_to": -3}`, http.StatusUnprocessableEntity, "up_to"},
		{`{"workflow": "nope"}`, http.StatusNotFound, "workflow"},
		{`{"workflow": "wf", "stepp": "x"}`, http.StatusBadRequest, ""},
		{`[]`, http.StatusBadRequest, ""},
	} {
		r := e.request(http.MethodPost, "/api/deliveries/retry-all", c.body, nil)
		if r.status != c.status || (c.field != "" && !strings.Contains(string(r.body), `"field":"`+c.field+`"`)) {
			t.Errorf("%s: %d %s, want %d naming %q", c.body, r.status, r.body, c.status, c.field)
		}
	}
	if r := e.request(http.MethodPost, "/api/deliveries/retry-all", `{"workflow": "", "limit": -1}`, nil); !strings.Contains(string(r.body), `"limit"`) {
		t.Errorf("every problem at once: %s", r.body)
	}
}
