package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// postHook is a webhook action that POSTs to the step's URL over real HTTP with the visit's
// idempotency key as its webhook-id, and sends a logged attempt again the same way (the engine's
// tests cannot import the webhook action of package action: it imports the engine).
type postHook struct{ client *http.Client }

func (a postHook) post(ctx context.Context, url, key string) ActionResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"hello":"there"}`))
	if err != nil {
		return ActionResult{Outcome: store.AttemptFailed, Target: url, Error: err.Error()}
	}
	req.Header.Set("webhook-id", key)
	start := time.Now()
	res, err := a.client.Do(req)
	if err != nil {
		return ActionResult{Outcome: store.AttemptRetry, Target: url, Error: err.Error()}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	out := ActionResult{Outcome: store.AttemptOK, Target: url, StatusCode: res.StatusCode, Latency: time.Since(start), Response: string(body),
		Request: []byte(`{"method":"POST"}`)}
	if res.StatusCode >= 300 {
		out.Outcome, out.Error = store.AttemptRetry, res.Status
	}
	return out
}

func (a postHook) Run(ctx context.Context, in ActionInput) ActionResult {
	return a.post(ctx, in.Step.URL, in.IdempotencyKey)
}

func (a postHook) Resend(ctx context.Context, in ResendInput) ActionResult {
	return a.post(ctx, in.Workflow.Step(in.Attempt.StepID).URL, in.Attempt.IdempotencyKey)
}

// hookReceiver is a real 127.0.0.1 receiver that answers 503 to its first failFirst requests and
// 200 after that, counting requests per webhook-id; onHit, when set, runs on each request.
type hookReceiver struct {
	srv       *httptest.Server
	mu        sync.Mutex
	failFirst int
	hits      int
	perID     map[string]int
	failed    map[string]int
	onHit     func(n int)
}

func newHookReceiver(t *testing.T, failFirst int) *hookReceiver {
	rc := &hookReceiver{failFirst: failFirst, perID: map[string]int{}, failed: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.hits++
		n, id, hit := rc.hits, r.Header.Get("webhook-id"), rc.onHit
		rc.perID[id]++
		fail := n <= rc.failFirst
		if fail {
			rc.failed[id]++
		}
		rc.mu.Unlock()
		if hit != nil {
			hit(n)
		}
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *hookReceiver) count() (hits int, perID map[string]int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	perID = map[string]int{}
	for k, v := range rc.perID {
		perID[k] = v
	}
	return rc.hits, perID
}

// retryHarness is a harness whose webhook steps post to rc, with a workflow "shop" (step "hook",
// a webhook to rc, then "mail", an email step no action can send again).
func retryHarness(t *testing.T, rc *hookReceiver) *harness {
	h := newHarness(t)
	h.eng.opts.Actions = map[string]Action{"webhook": postHook{client: rc.srv.Client()}}
	h.eng.opts.Retry = RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second}
	h.deployM(flow("shop",
		M{"id": "hook", "type": "webhook", "url": rc.srv.URL + "/in", "next": "mail"},
		M{"id": "mail", "type": "send_email", "subject": "Hi", "body": "Hello"}))
	return h
}

// restartRetry restarts the harness's engine with the same actions and retry policy.
func (h *harness) restartRetry() {
	h.t.Helper()
	acts, retry := h.eng.opts.Actions, h.eng.opts.Retry
	h.restart()
	h.eng.opts.Actions, h.eng.opts.Retry = acts, retry
}

// seedDeadLetters stores n completed enrollments of "shop" whose "hook" delivery went dead after
// 3 tries, as the dispatcher logs them, and returns their idempotency keys in log order.
func (h *harness) seedDeadLetters(n int) []string {
	h.t.Helper()
	w, err := h.db.Workflow(h.ctx, "shop")
	if err != nil {
		h.t.Fatal(err)
	}
	ids := h.seedContacts(n, func(int) string { return "Dublin" })
	var keys []string
	for chunk := range sliceChunks(ids, 500) {
		err := h.db.Write(h.ctx, func(tx store.Tx) error {
			for _, id := range chunk {
				en := &store.Enrollment{WorkflowID: "shop", Version: w.ActiveVersion, RecordID: id, Status: store.StatusCompleted, CurrentStep: "mail", TriggerID: "go"}
				if err := tx.InsertEnrollment(en, h.clock.Now()); err != nil {
					return err
				}
				key := actionKey(en.ID, "hook", 1)
				for try, outcome := range []string{store.AttemptRetry, store.AttemptRetry, store.AttemptDead} {
					if err := tx.InsertActionAttempt(&store.ActionAttempt{EnrollmentID: en.ID, WorkflowID: "shop", StepID: "hook", StepType: "webhook",
						IdempotencyKey: key, Try: try + 1, Outcome: outcome, StatusCode: 503, Error: "503 Service Unavailable", At: h.clock.Now()}); err != nil {
						return err
					}
				}
				keys = append(keys, key)
			}
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return keys
}

func sliceChunks(ids []int64, n int) func(func([]int64) bool) {
	return func(yield func([]int64) bool) {
		for i := 0; i < len(ids); i += n {
			if !yield(ids[i:min(len(ids), i+n)]) {
				return
			}
		}
	}
}

func (h *harness) retryJob(id int64) *store.RetryJob {
	h.t.Helper()
	j, err := h.db.RetryJob(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

// retriesAfter returns, per idempotency key, the delivery-log lines logged after line upTo.
func (h *harness) retriesAfter(upTo int64, keys []string) map[string][]*store.ActionAttempt {
	h.t.Helper()
	out := map[string][]*store.ActionAttempt{}
	for _, k := range keys {
		atts, err := h.db.ActionAttempts(h.ctx, store.AttemptQuery{Key: k, Limit: 10})
		if err != nil {
			h.t.Fatal(err)
		}
		for _, a := range atts {
			if a.ID > upTo {
				out[k] = append(out[k], a)
			}
		}
	}
	return out
}

// linesAfter counts the delivery-log lines of "shop" after line upTo (at most 1,000).
func (h *harness) linesAfter(upTo int64) int {
	h.t.Helper()
	atts, err := h.db.ActionAttempts(h.ctx, store.AttemptQuery{WorkflowID: "shop", Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, a := range atts {
		if a.ID > upTo {
			n++
		}
	}
	return n
}

// TestRetryJobOver1000DeadLettersResumesAfterACrash retries 1,200 dead letters (more than the
// old 1,000 cap) against a receiver that fails the first 150 requests and then succeeds: it
// watches the committed progress batch by batch, crashes mid-batch (the context ends after some
// sends of the batch, before its commit, as a killed process leaves it), reopens the database
// and lets the new engine's runner finish. Each dead letter gets exactly one retry line, only
// the crashed batch's sends reach the receiver twice (same webhook-id), and the counts add up.
func TestRetryJobOver1000DeadLettersResumesAfterACrash(t *testing.T) {
	const n, failFirst = 1200, 150
	rc := newHookReceiver(t, failFirst)
	h := retryHarness(t, rc)
	keys := h.seedDeadLetters(n)
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != store.EnrollJobRunning || job.Total != n || job.Done != 0 || job.UpTo == 0 {
		t.Fatalf("new job %+v", job)
	}
	// a second "Retry all" of the step while it runs names the running job
	var busy *RetryJobRunningError
	if _, err := h.eng.StartRetryJob(h.ctx, "shop", "hook"); !errors.As(err, &busy) || busy.Job.ID != job.ID || !errors.Is(err, store.ErrConflict) ||
		!strings.Contains(err.Error(), fmt.Sprintf("retry job %d", job.ID)) {
		t.Fatalf("second job: %v", err)
	}
	batch := int64(h.eng.opts.RetryBatch)
	for i := int64(1); i <= 3; i++ {
		if ok, err := h.eng.RunRetryBatch(h.ctx); !ok || err != nil {
			t.Fatalf("batch %d: %v %v", i, ok, err)
		}
		j := h.retryJob(job.ID)
		if j.Status != store.EnrollJobRunning || j.Done != batch*i || j.OK+j.Failed != j.Done || j.Failed != min(batch*i, failFirst) {
			t.Fatalf("after batch %d: %+v", i, j)
		}
		if got := h.linesAfter(job.UpTo); int64(got) != j.Done {
			t.Fatalf("after batch %d: %d retry lines, the job says %d done", i, got, j.Done)
		}
	}
	mid := h.retryJob(job.ID)

	// the crash: the 10th send of the next batch ends the context; nothing of the batch commits
	crashCtx, crash := context.WithCancel(h.ctx)
	before, _ := rc.count()
	rc.mu.Lock()
	rc.onHit = func(k int) {
		if k == before+10 {
			crash()
		}
	}
	rc.mu.Unlock()
	if _, err := h.eng.RunRetryBatch(crashCtx); !errors.Is(err, context.Canceled) {
		t.Fatalf("the crashed batch: %v", err)
	}
	rc.mu.Lock()
	rc.onHit = nil
	rc.mu.Unlock()
	crashedHits, _ := rc.count()
	// at least this many of the crashed batch's sends reached the receiver; a send on its way
	// when the context ended may still land after this count (sends run a few at once)
	sentInCrash := crashedHits - before
	if sentInCrash < 1 || sentInCrash > int(batch) || crashedHits > failFirst {
		t.Fatalf("the crashed batch sent %d (requests %d..%d)", sentInCrash, before+1, crashedHits)
	}
	h.restartRetry()
	if j := h.retryJob(job.ID); j.Done != mid.Done || j.Cursor != mid.Cursor || j.Status != store.EnrollJobRunning {
		t.Fatalf("progress after the crash %+v, want %+v", j, mid)
	}
	start := time.Now()
	if err := h.eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	// A liveness bound, not a speed check: generous so a loaded machine does not fail it.
	deadline := time.Now().Add(5 * time.Minute)
	for h.retryJob(job.ID).Status == store.EnrollJobRunning {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed job did not finish: %+v", h.retryJob(job.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	h.eng.Stop()
	j := h.retryJob(job.ID)
	t.Logf("resumed job sent %d dead letters again in %v (%.0f retries/s)", n-mid.Done, took, float64(n-mid.Done)/took.Seconds())
	// only the crashed batch's sends reached the receiver twice (the same webhook-id)
	hits, perID := rc.count()
	twice := 0
	for _, k := range keys {
		switch perID[k] {
		case 1:
		case 2:
			twice++
		default:
			t.Fatalf("dead letter %s reached the receiver %d times", k, perID[k])
		}
	}
	if twice < sentInCrash || twice > int(batch) || hits != n+twice {
		t.Fatalf("%d sent twice (the crashed batch sent at least %d of %d), %d requests for %d dead letters", twice, sentInCrash, batch, hits, n)
	}
	// the receiver refused the crashed batch's sends, which were never logged: the job's
	// retries meet failFirst - twice refusals
	wantFailed := int64(failFirst - twice)
	if j.Status != store.EnrollJobDone || j.Total != n || j.Done != n || j.OK != n-wantFailed || j.Failed != wantFailed || j.Skipped != 0 || j.FinishedAt == nil {
		t.Fatalf("finished job %+v", j)
	}
	lines := h.retriesAfter(job.UpTo, keys)
	if len(lines) != n {
		t.Fatalf("%d dead letters have retry lines, want %d", len(lines), n)
	}
	ok, failed := 0, 0
	for _, k := range keys {
		l := lines[k]
		if len(l) != 1 || l[0].Try != 4 {
			t.Fatalf("dead letter %s: %d retry lines %+v, want one, try 4", k, len(l), l)
		}
		switch l[0].Outcome {
		case store.AttemptOK:
			ok++
		case store.AttemptFailed:
			failed++
		default:
			t.Fatalf("retry of %s logged %q", k, l[0].Outcome)
		}
	}
	if int64(ok) != j.OK || int64(failed) != j.Failed {
		t.Fatalf("the log has %d ok and %d failed retries, the job says %d and %d", ok, failed, j.OK, j.Failed)
	}

	// the ones that failed again are the step's dead letters now; the receiver takes them
	again, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil || again.Total != wantFailed {
		t.Fatalf("second job %+v %v, want %d dead letters", again, err, wantFailed)
	}
	if _, err := h.eng.RunDue(h.ctx); err != nil {
		t.Fatal(err)
	}
	if a := h.retryJob(again.ID); a.Status != store.EnrollJobDone || a.OK != wantFailed || a.Failed != 0 {
		t.Fatalf("second job %+v", a)
	}
	var pe *problem.Error
	if _, err := h.eng.StartRetryJob(h.ctx, "shop", "hook"); !errors.As(err, &pe) || pe.FirstField() != "step" || !strings.Contains(err.Error(), "no dead letters") {
		t.Fatalf("nothing left: %v", err)
	}
}

// A dead letter sent again by hand after the job started is skipped, not sent a second time,
// and the counts still add up.
func TestRetryJobSkipsWhatWasSettledSince(t *testing.T) {
	rc := newHookReceiver(t, 0)
	h := retryHarness(t, rc)
	keys := h.seedDeadLetters(4)
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil || job.Total != 4 {
		t.Fatalf("job %+v %v", job, err)
	}
	dead, _ := h.db.ActionAttempts(h.ctx, store.AttemptQuery{Key: keys[1], Limit: 1})
	if next, err := h.eng.Redeliver(h.ctx, dead[0].ID); err != nil || next.Outcome != store.AttemptOK {
		t.Fatalf("retry by hand: %+v %v", next, err)
	}
	if _, err := h.eng.RunDue(h.ctx); err != nil {
		t.Fatal(err)
	}
	j := h.retryJob(job.ID)
	if j.Status != store.EnrollJobDone || j.Done != 4 || j.OK != 3 || j.Skipped != 1 {
		t.Fatalf("job %+v", j)
	}
	if _, perID := rc.count(); perID[keys[1]] != 1 || perID[keys[2]] != 1 || perID[keys[0]] != 1 || perID[keys[3]] != 1 {
		t.Fatalf("requests per dead letter %v", perID)
	}
}

// A job stopped by hand sends nothing more; it cannot be stopped twice; the step is free again.
func TestCancelRetryJob(t *testing.T) {
	rc := newHookReceiver(t, 0)
	h := retryHarness(t, rc)
	h.eng.opts.RetryBatch = 2
	h.seedDeadLetters(5)
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.eng.RunRetryBatch(h.ctx); !ok || err != nil {
		t.Fatalf("batch: %v %v", ok, err)
	}
	stopped, err := h.eng.CancelRetryJob(h.ctx, job.ID)
	if err != nil || stopped.Status != store.EnrollJobCancelled || stopped.Done != 2 {
		t.Fatalf("stopped %+v %v", stopped, err)
	}
	if ok, err := h.eng.RunRetryBatch(h.ctx); ok || err != nil {
		t.Fatalf("a stopped job ran on: %v %v", ok, err)
	}
	if hits, _ := rc.count(); hits != 2 {
		t.Fatalf("%d requests after the stop, want 2", hits)
	}
	if _, err := h.eng.CancelRetryJob(h.ctx, job.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stop twice: %v", err)
	}
	if _, err := h.eng.CancelRetryJob(h.ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stop an unknown job: %v", err)
	}
	if again, err := h.eng.StartRetryJob(h.ctx, "shop", "hook"); err != nil || again.Total != 3 {
		t.Fatalf("a new job after the stop %+v %v, want the 3 left", again, err)
	}
}

// Bad input names the field and writes nothing; the webhook step of a real run (the dispatcher
// dead-letters it against a receiver that refuses) is what a job picks up.
func TestRetryJobBadInput(t *testing.T) {
	rc := newHookReceiver(t, 1<<30)
	h := retryHarness(t, rc)
	field := func(err error) string {
		var pe *problem.Error
		if !errors.As(err, &pe) {
			return fmt.Sprintf("not bad input: %v", err)
		}
		return pe.FirstField()
	}
	_, err := h.eng.StartRetryJob(h.ctx, " ", "")
	var pe *problem.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 2 || pe.Problems[0].Field != "workflow" || pe.Problems[1].Field != "step" {
		t.Fatalf("both missing: %v", err)
	}
	if _, err := h.eng.StartRetryJob(h.ctx, "nope", "hook"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown workflow: %v", err)
	}
	if _, err := h.eng.StartRetryJob(h.ctx, "shop", "hoook"); field(err) != "step" || !strings.Contains(err.Error(), "its steps are hook, mail") {
		t.Fatalf("unknown step: %v", err)
	}
	if _, err := h.eng.StartRetryJob(h.ctx, "shop", "hook"); field(err) != "step" || !strings.Contains(err.Error(), "no dead letters") {
		t.Fatalf("no dead letters yet: %v", err)
	}
	if _, err := h.eng.StartRetryJob(h.ctx, "shop", "mail"); field(err) != "step" || !strings.Contains(err.Error(), "only webhook deliveries") {
		t.Fatalf("an email step: %v", err)
	}
	if jobs, err := h.db.RetryJobs(h.ctx, store.RetryJobQuery{}); err != nil || len(jobs) != 0 {
		t.Fatalf("refused requests wrote jobs: %v %v", jobs, err)
	}
	// a real dead letter: three refused tries through the dispatcher
	h.start("shop", "ann@example.com", nil)
	for range 4 {
		h.advance(time.Minute)
	}
	if dead, _ := h.db.ActionAttempts(h.ctx, store.AttemptQuery{WorkflowID: "shop", DeadOnly: true}); len(dead) != 1 {
		t.Fatalf("dead letters %v", dead)
	}
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil || job.Total != 1 {
		t.Fatalf("job %+v %v", job, err)
	}
	if _, err := h.eng.RunDue(h.ctx); err != nil {
		t.Fatal(err)
	}
	if j := h.retryJob(job.ID); j.Status != store.EnrollJobDone || j.Failed != 1 {
		t.Fatalf("job %+v", j)
	}
}

// On a shared database only the leader runs retry jobs (as bulk enrollments): a follower's
// runner leaves a job alone until it leads.
func TestOnlyTheLeaderRunsRetryJobs(t *testing.T) {
	rc := newHookReceiver(t, 0)
	h := retryHarness(t, rc)
	var leads atomic.Bool
	h.eng.opts.Leading = leads.Load
	h.seedDeadLetters(30)
	if err := h.eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	defer h.eng.Stop()
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // time for a runner that wrongly ran it to send something
	if hits, _ := rc.count(); hits != 0 || h.retryJob(job.ID).Done != 0 {
		t.Fatalf("a follower sent %d requests: %+v", hits, h.retryJob(job.ID))
	}
	leads.Store(true)
	h.clock.Advance(followerPoll) // the follower looks again and now leads
	waitFor(t, "the leader to finish the job", func() bool { return h.retryJob(job.ID).Status == store.EnrollJobDone })
	if j := h.retryJob(job.ID); j.OK != 30 {
		t.Fatalf("job %+v", j)
	}
}

// A batch sends a few dead letters at once: against a real receiver where the first three are
// slow (they answer only once retrySends requests are in at the same time, or after a long
// wait a one-at-a-time batch would show), the sends overlap, never more than retrySends at
// once; the retry lines are still logged in the dead letters' order though the slow ones
// answer last, and the one the receiver refuses is logged as failed.
func TestRetryBatchSendsAFewAtOnceInOrder(t *testing.T) {
	const n, slow, refused = 10, 3, 1 // dead letters; the first slow answer late; the one refused (a slow one)
	var (
		mu        sync.Mutex
		inFlight  int
		maxIn     int
		order     = map[string]int{} // webhook-id -> place in the page
		answered  []int              // places, in the order the receiver answered
		full      = make(chan struct{})
		closeFull sync.Once
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i, known := order[r.Header.Get("webhook-id")]
		inFlight++
		maxIn = max(maxIn, inFlight)
		if inFlight >= retrySends {
			closeFull.Do(func() { close(full) })
		}
		mu.Unlock()
		if known && i < slow {
			select { // held until the batch has retrySends sends out at once
			case <-full:
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
			}
		}
		mu.Lock()
		inFlight--
		answered = append(answered, i)
		mu.Unlock()
		if known && i == refused {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	h := retryHarness(t, &hookReceiver{srv: srv})
	keys := h.seedDeadLetters(n)
	mu.Lock()
	for i, k := range keys {
		order[k] = i
	}
	mu.Unlock()
	job, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.eng.RunRetryBatch(h.ctx); !ok || err != nil {
		t.Fatalf("batch: %v %v", ok, err)
	}
	mu.Lock()
	gotMax, gotAnswered := maxIn, slices.Clone(answered)
	mu.Unlock()
	if gotMax < 2 || gotMax > retrySends {
		t.Fatalf("at most %d sends reached the receiver at once, want 2 to %d", gotMax, retrySends)
	}
	if len(gotAnswered) != n || slices.Index(gotAnswered, 0) < slices.Index(gotAnswered, slow) {
		t.Fatalf("the receiver answered the dead letters in the order %v: want %d answers, the slow first ones after the %dth", gotAnswered, n, slow+1)
	}
	j := h.retryJob(job.ID)
	if j.Status != store.EnrollJobDone || j.Done != n || j.OK != n-1 || j.Failed != 1 || j.Skipped != 0 {
		t.Fatalf("job %+v, want done with %d ok and 1 failed", j, n-1)
	}
	lines := h.retriesAfter(job.UpTo, keys)
	var last int64
	for i, k := range keys {
		l := lines[k]
		if len(l) != 1 || l[0].Try != 4 {
			t.Fatalf("dead letter %d: retry lines %+v, want one, try 4", i, l)
		}
		if l[0].ID <= last {
			t.Fatalf("dead letter %d's retry is line %d, after line %d of the one before it: not logged in page order", i, l[0].ID, last)
		}
		last = l[0].ID
		want := store.AttemptOK
		if i == refused {
			want = store.AttemptFailed
		}
		if l[0].Outcome != want || (i == refused) != (l[0].StatusCode == http.StatusServiceUnavailable) {
			t.Fatalf("dead letter %d's retry: %s %d, want %s", i, l[0].Outcome, l[0].StatusCode, want)
		}
	}
}
