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
	if _, err := e.eng.Workflows().Create(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Workflows().Enable(e.ctx, "wf"); err != nil {
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
	if _, err := e.eng.Workflows().Create(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Workflows().Enable(e.ctx, "wf"); err != nil {
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
	if _, err := e.eng.Workflows().Create(e.ctx, []byte(def)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Workflows().Enable(e.ctx, "wf"); err != nil {
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

// "Retry all" of a step is one durable job: 202 with the job, 409 naming it while it runs; the
// runner sends each dead letter again once through the webhook action (same webhook-id, a
// valid fresh signature) against a receiver that fails the first two retries and then
// succeeds, and logs a line per retry; what failed again stays a visible dead letter, which
// the next job takes.
func TestRetryJobThroughAPI(t *testing.T) {
	e := newDeliveryEnv(t)
	var mu sync.Mutex
	var first, retries []signedHit // the dispatcher's tries, then the retry jobs'
	retrying := false
	deadLetterWorkflow(t, e, 5, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		hit := signedHit{id: r.Header.Get("webhook-id"), sigOK: verifyStdWebhook(deliverySecret, r, body)}
		if !retrying {
			first = append(first, hit)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if retries = append(retries, hit); len(retries) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	mu.Lock()
	retrying = true
	mu.Unlock()
	seen := func() []signedHit { mu.Lock(); defer mu.Unlock(); return append([]signedHit(nil), retries...) }

	r := e.request(http.MethodPost, "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, nil)
	job := r.json(t)
	if r.status != http.StatusAccepted || job["status"] != "running" || job["total"] != 5.0 || job["done"] != 0.0 || job["finished"] != false ||
		r.header.Get("Location") != fmt.Sprintf("/api/deliveries/retry-jobs/%v", job["id"]) {
		t.Fatalf("start: %d %v %v", r.status, job, r.header)
	}
	id := int64(job["id"].(float64))
	busy := e.request(http.MethodPost, "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, nil)
	if b := busy.json(t); busy.status != http.StatusConflict || !strings.Contains(b["error"].(map[string]any)["message"].(string), fmt.Sprintf("retry job %d", id)) ||
		b["error"].(map[string]any)["details"].(map[string]any)["job"].(map[string]any)["id"] != float64(id) {
		t.Fatalf("a second job of the step: %d %s", busy.status, busy.body)
	}
	if list := e.call(http.MethodGet, "/api/deliveries/retry-jobs?workflow=wf&status=running", nil, http.StatusOK); len(list["jobs"].([]any)) != 1 {
		t.Fatalf("running jobs %v", list)
	}
	e.runDue() // runs the job to its end
	got := e.call(http.MethodGet, fmt.Sprintf("/api/deliveries/retry-jobs/%d", id), nil, http.StatusOK)
	if got["status"] != "done" || got["finished"] != true || got["total"] != 5.0 || got["done"] != 5.0 || got["ok"] != 3.0 || got["failed"] != 2.0 {
		t.Fatalf("finished job %v", got)
	}
	firstIDs := map[string]bool{}
	for _, x := range first {
		firstIDs[x.id] = true
	}
	h := seen()
	retriedIDs := map[string]bool{}
	for _, x := range h {
		if !x.sigOK || !firstIDs[x.id] {
			t.Fatalf("a retry with a bad signature or a new webhook-id: %+v (the dispatcher sent %v)", x, firstIDs)
		}
		retriedIDs[x.id] = true
	}
	if len(h) != 5 || len(retriedIDs) != 5 {
		t.Fatalf("the receiver got %d retries of %d dead letters, want 5 of 5", len(h), len(retriedIDs))
	}
	// the two that failed again are still failed, and a new job takes just them
	var failed struct {
		Deliveries []struct {
			Outcome  string `json:"outcome"`
			Try      int    `json:"try"`
			Resolved bool   `json:"resolved"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal(e.request(http.MethodGet, "/api/deliveries?workflow=wf&failed=true", "", nil).body, &failed); err != nil {
		t.Fatal(err)
	}
	again := 0
	for _, d := range failed.Deliveries {
		if d.Outcome == "failed" && d.Try == 4 && !d.Resolved {
			again++
		}
	}
	if again != 2 {
		t.Fatalf("%d unresolved failed retries in the log, want 2: %+v", again, failed.Deliveries)
	}
	second := e.call(http.MethodPost, "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, http.StatusAccepted)
	if second["total"] != 2.0 {
		t.Fatalf("second job %v", second)
	}
	e.runDue()
	if got := e.call(http.MethodGet, fmt.Sprintf("/api/deliveries/retry-jobs/%v", second["id"]), nil, http.StatusOK); got["ok"] != 2.0 || got["status"] != "done" {
		t.Fatalf("second job finished %v", got)
	}
	if jobs := e.call(http.MethodGet, "/api/deliveries/retry-jobs?workflow=wf", nil, http.StatusOK)["jobs"].([]any); len(jobs) != 2 ||
		jobs[0].(map[string]any)["id"] != second["id"] {
		t.Fatalf("jobs newest first %v", jobs)
	}
	if c := e.request(http.MethodPost, fmt.Sprintf("/api/deliveries/retry-jobs/%d/cancel", id), "", nil); c.status != http.StatusConflict {
		t.Fatalf("stop a finished job: %d %s", c.status, c.body)
	}
	if none := e.request(http.MethodPost, "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, nil); none.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(none.body), `"field":"step"`) || !strings.Contains(string(none.body), "no dead letters") {
		t.Fatalf("nothing left: %d %s", none.status, none.body)
	}
}

// A running job stops by hand after its batch: what it sent stays logged, it ends cancelled.
func TestStopRetryJobThroughAPI(t *testing.T) {
	e := newDeliveryEnv(t)
	deadLetterWorkflow(t, e, 3, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	job := e.call(http.MethodPost, "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, http.StatusAccepted)
	stopped := e.call(http.MethodPost, fmt.Sprintf("/api/deliveries/retry-jobs/%v/cancel", job["id"]), "", http.StatusOK)
	if stopped["status"] != "cancelled" || stopped["finished"] != true {
		t.Fatalf("stopped %v", stopped)
	}
	e.runDue()
	if got := e.call(http.MethodGet, fmt.Sprintf("/api/deliveries/retry-jobs/%v", job["id"]), nil, http.StatusOK); got["status"] != "cancelled" || got["done"] != 0.0 {
		t.Fatalf("a stopped job ran on: %v", got)
	}
}

func TestRetryJobRefusesBadInput(t *testing.T) {
	e := newDeliveryEnv(t)
	deadLetterWorkflow(t, e, 0, func(w http.ResponseWriter, r *http.Request) {})
	for _, c := range []struct {
		method, url, body string
		status            int
		field, says       string
	}{
		{"POST", "/api/deliveries/retry-jobs", `{}`, http.StatusUnprocessableEntity, "workflow", "give the step id"},
		{"POST", "/api/deliveries/retry-jobs", `{"workflow": "wf"}`, http.StatusUnprocessableEntity, "step", "give the step id"},
		{"POST", "/api/deliveries/retry-jobs", `{"workflow": "nope", "step": "hook"}`, http.StatusNotFound, "workflow", `no workflow \"nope\"`},
		{"POST", "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "nope"}`, http.StatusUnprocessableEntity, "step", "its steps are hook"},
		{"POST", "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook"}`, http.StatusUnprocessableEntity, "step", "no dead letters"},
		{"POST", "/api/deliveries/retry-jobs", `{"workflow": "wf", "step": "hook", "limit": 5}`, http.StatusBadRequest, "", "limit"},
		{"POST", "/api/deliveries/retry-jobs", `[]`, http.StatusBadRequest, "", ""},
		{"GET", "/api/deliveries/retry-jobs/999", "", http.StatusNotFound, "", "retry job 999"},
		{"GET", "/api/deliveries/retry-jobs/x", "", http.StatusBadRequest, "", ""},
		{"GET", "/api/deliveries/retry-jobs?status=paused", "", http.StatusBadRequest, "", "paused"},
		{"POST", "/api/deliveries/retry-jobs/999/cancel", "", http.StatusNotFound, "", ""},
	} {
		r := e.request(c.method, c.url, c.body, nil)
		if r.status != c.status || (c.field != "" && !strings.Contains(string(r.body), `"field":"`+c.field+`"`)) || !strings.Contains(string(r.body), c.says) {
			t.Errorf("%s %s %s: %d %s, want %d naming %q saying %q", c.method, c.url, c.body, r.status, r.body, c.status, c.field, c.says)
		}
	}
	if jobs := e.call(http.MethodGet, "/api/deliveries/retry-jobs?workflow=wf", nil, http.StatusOK); len(jobs["jobs"].([]any)) != 0 {
		t.Fatalf("refused requests wrote jobs: %v", jobs)
	}
}
