package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// sameRecordFlows are two workflows enrolled by the same event that change different properties
// of the record after the same delay.
func sameRecordFlows(h *harness) {
	h.deployM(withTriggers(flow("wa",
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "set"},
		M{"id": "set", "type": "set_property", "property": "first_name", "value": "A", "next": "inc"},
		M{"id": "inc", "type": "increment_property", "property": "score", "by": 2, "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "tags", "value": "from-a", "mode": "append"}),
		M{"type": "event", "event": "signup"}))
	h.deployM(withTriggers(flow("wb",
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "set"},
		M{"id": "set", "type": "set_property", "property": "last_name", "value": "B", "next": "inc"},
		M{"id": "inc", "type": "increment_property", "property": "visits", "by": 3, "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "tags", "value": "from-b", "mode": "append"}),
		M{"type": "event", "event": "signup"}))
}

func checkBothLanded(t *testing.T, h *harness, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("u%d@example.com", i)
		p := h.props(email)
		if p["first_name"] != "A" || p["last_name"] != "B" || p["score"] != float64(2) || p["visits"] != float64(3) || p["city"] != "Paris" {
			t.Fatalf("%s lost an update: %v", email, p)
		}
		tags, _ := p["tags"].([]any)
		if len(tags) != 3 || tags[0] != "new" {
			t.Fatalf("%s tags %v", email, tags)
		}
	}
	for _, wf := range []string{"wa", "wb"} {
		st, err := h.db.Stats(h.ctx, wf)
		if err != nil {
			t.Fatal(err)
		}
		if st.Enrollments[store.StatusCompleted] != int64(n) || st.Steps["tag"].Completed != int64(n) {
			t.Fatalf("%s stats %+v", wf, st.Enrollments)
		}
	}
}

func TestConcurrentEnrollmentsOfOneRecordDoNotLoseUpdates(t *testing.T) {
	const n = 40
	h := newHarness(t)
	sameRecordFlows(h)
	for i := 0; i < n; i++ {
		res := h.event("signup", fmt.Sprintf("u%d@example.com", i), nil, nil, M{"tags": []string{"new"}})
		if len(res.Enrollments) != 2 {
			t.Fatalf("signup enrolled %v", res.Enrollments)
		}
	}
	h.run()
	// Meanwhile someone edits another property of every record.
	for i := 0; i < n; i++ {
		if _, _, err := h.eng.PatchRecord(h.ctx, h.record(fmt.Sprintf("u%d@example.com", i)).ID, M{"city": "Paris"}); err != nil {
			t.Fatal(err)
		}
	}
	// All 2n resumes are claimed in one batch and run concurrently.
	h.clock.Advance(time.Hour)
	if ran := h.run(); ran != 2*n {
		t.Fatalf("%d jobs ran, want %d", ran, 2*n)
	}
	checkBothLanded(t, h, n)
}

func TestDispatcherRunsConcurrentEnrollments(t *testing.T) {
	const n = 30
	h := newHarness(t)
	sameRecordFlows(h)
	if err := h.eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			h.eng.Stop()
			stopped = true
		}
	}
	t.Cleanup(stop)
	for i := 0; i < n; i++ {
		h.event("signup", fmt.Sprintf("u%d@example.com", i), nil, nil, M{"tags": []string{"new"}, "city": "Paris"})
	}
	waitFor(t, "all enrollments waiting", func() bool {
		ens, _ := h.db.Enrollments(h.ctx, store.EnrollmentQuery{Status: store.StatusWaiting, Limit: 1000})
		return len(ens) == 2*n
	})
	// The dispatcher may have read the clock just before this advance and be about to sleep
	// on a fake timer measured from the old time; a wake-up makes it look again.
	h.clock.Advance(time.Hour)
	h.eng.Wake()
	waitFor(t, "all enrollments completed", func() bool {
		ens, _ := h.db.Enrollments(h.ctx, store.EnrollmentQuery{Status: store.StatusCompleted, Limit: 1000})
		return len(ens) == 2*n
	})
	stop()
	checkBothLanded(t, h, n)
}

func TestConcurrentEventsNeverOpenTwoEnrollments(t *testing.T) {
	h := newHarness(t)
	h.deployM(reenroll(flow("w", M{"id": "wait", "type": "delay", "duration": "1h"})))
	h.deployM(reenroll(withTriggers(oneStep("f"), M{"type": "filter", "filter": M{"property": "score", "op": "gte", "value": 1}})))
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := h.eng.Ingest(h.ctx, EventInput{Type: "start.w", Record: RecordRef{Email: "ann@example.com", Properties: M{"score": i%2 + 1}}})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ens := h.enrollments("w"); len(ens) != 1 {
		t.Fatalf("%d enrollments in w, want 1", len(ens))
	}
	// The filter workflow completes quickly; whatever it re-enrolled, never two at once.
	open, err := h.db.Enrollments(h.ctx, store.EnrollmentQuery{WorkflowID: "f", Status: store.StatusActive})
	if err != nil || len(open) != 1 {
		t.Fatalf("open enrollments in f: %d %v", len(open), err)
	}
}

// waitFor polls cond until it holds; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// effectFlow has effects that must happen exactly once.
func effectFlow() M {
	return flow("fx",
		M{"id": "inc", "type": "increment_property", "property": "score", "by": 1, "next": "list"},
		M{"id": "list", "type": "add_to_list", "list": "once", "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "tags", "value": "x", "mode": "append"})
}

func (h *harness) checkEffectsOnce(id int64, email string) {
	h.t.Helper()
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "inc:ok", "list:ok", "tag:ok", "completed")
	if got := h.props(email)["score"]; got != float64(1) {
		h.t.Fatalf("score %v, want 1", got)
	}
	st, err := h.db.Stats(h.ctx, "fx")
	if err != nil {
		h.t.Fatal(err)
	}
	if st.Steps["inc"].Completed != 1 || st.Steps["list"].Completed != 1 || st.Steps["tag"].Completed != 1 {
		h.t.Fatalf("step counters %+v %+v %+v", st.Steps["inc"], st.Steps["list"], st.Steps["tag"])
	}
	if n, _ := h.db.PendingJobs(h.ctx); n != 0 {
		h.t.Fatalf("%d jobs pending", n)
	}
}

// crashClaim leases every due job as a worker that then dies would.
func (h *harness) crashClaim() []*store.Job {
	h.t.Helper()
	var jobs []*store.Job
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(h.clock.Now(), time.Minute, 100)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return jobs
}

func TestRecoverRunsJobsOfACrashedWorkerOnce(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	jobs := h.crashClaim()
	if len(jobs) != 1 || jobs[0].EnrollmentID != id || jobs[0].Attempt != 1 {
		t.Fatalf("claimed %+v", jobs)
	}
	if n := h.run(); n != 0 {
		t.Fatalf("%d jobs ran while leased", n)
	}
	h.wantStatus(id, store.StatusActive)
	if err := h.eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.run(); n != 1 {
		t.Fatalf("%d jobs ran after recovery, want 1", n)
	}
	if n := h.run(); n != 0 {
		t.Fatalf("%d jobs ran again", n)
	}
	h.checkEffectsOnce(id, "ann@example.com")
}

func TestExpiredLeaseIsClaimedAgain(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	h.crashClaim()
	h.clock.Advance(59 * time.Second)
	if n := h.run(); n != 0 {
		t.Fatalf("%d jobs ran before the lease expired", n)
	}
	h.advance(time.Second)
	h.checkEffectsOnce(id, "ann@example.com")
}

func TestStaleCommitIsDropped(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	// A worker claims the job and computes its plan, then stalls.
	stale, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(stale) != 1 {
		t.Fatalf("claim: %v %v", stale, err)
	}
	p, err := h.eng.makePlan(h.ctx, stale[0])
	if err != nil {
		t.Fatal(err)
	}
	// Its lease runs out; another worker takes the job and finishes it.
	h.advance(time.Minute)
	h.checkEffectsOnce(id, "ann@example.com")
	// The stalled worker wakes up: its commit must change nothing.
	if err := h.eng.commit(h.ctx, p); !errors.Is(err, errLeaseLost) {
		t.Fatalf("stale commit: %v, want errLeaseLost", err)
	}
	h.eng.process(h.ctx, stale[0])
	var finished bool
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		var err error
		finished, err = tx.FinishJob(stale[0].job.ID, stale[0].job.Attempt)
		return err
	}); err != nil || finished {
		t.Fatalf("FinishJob of a lost lease: %v %v", finished, err)
	}
	h.checkEffectsOnce(id, "ann@example.com")
	lists, _ := h.db.ListMembers(h.ctx, "once")
	if len(lists) != 1 {
		t.Fatalf("list members %v", lists)
	}
}

func TestStaleCommitAfterRecoverIsDropped(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	stale, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(stale) != 1 {
		t.Fatalf("claim: %v %v", stale, err)
	}
	if err := h.eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.run()
	h.eng.process(h.ctx, stale[0])
	h.checkEffectsOnce(id, "ann@example.com")
}

func TestStatsPerStepAfterAMixedRun(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("mix",
		M{"id": "route", "type": "branch", "branches": []M{
			{"name": "Broken", "filter": M{"property": "score", "op": "eq", "value": 13}, "next": "boom"},
			{"name": "Later", "filter": M{"property": "score", "op": "eq", "value": 2}, "next": "hold"}}, "else": "done"},
		M{"id": "boom", "type": "increment_property", "property": "level", "by": 1, "next": "done"},
		M{"id": "hold", "type": "delay", "duration": "1d", "next": "done"},
		M{"id": "done", "type": "add_to_list", "list": "seen"}))
	failed := h.start("mix", "fail@example.com", M{"score": 13, "level": "high"})
	waiting := h.start("mix", "wait@example.com", M{"score": 2})
	completed := h.start("mix", "done@example.com", M{"score": 1})
	h.run()
	active := h.start("mix", "new@example.com", M{"score": 2}) // enrolled, not yet run

	h.wantStatus(failed, store.StatusFailed)
	h.wantStatus(waiting, store.StatusWaiting)
	h.wantStatus(completed, store.StatusCompleted)
	h.wantStatus(active, store.StatusActive)
	st, err := h.db.Stats(h.ctx, "mix")
	if err != nil {
		t.Fatal(err)
	}
	wantEn := map[string]int64{"active": 1, "waiting": 1, "completed": 1, "completed_with_errors": 0, "failed": 1, "cancelled": 0, "goal_reached": 0, "unenrolled": 0}
	if !reflect.DeepEqual(st.Enrollments, wantEn) {
		t.Fatalf("enrollments %v, want %v", st.Enrollments, wantEn)
	}
	wantSteps := map[string]store.StepStats{
		"route": {Active: 1, Completed: 3, Paths: map[string]int64{"Broken": 1, "Later": 1, "else": 1}}, // branch paths from the rollup
		"boom":  {Failed: 1},
		"hold":  {Waiting: 1},
		"done":  {Completed: 1},
	}
	checkSteps := func(want map[string]store.StepStats) {
		t.Helper()
		got := map[string]store.StepStats{}
		for k, v := range st.Steps {
			got[k] = *v
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("steps %+v, want %+v", got, want)
		}
	}
	checkSteps(wantSteps)

	h.advance(24 * time.Hour)
	if st, err = h.db.Stats(h.ctx, "mix"); err != nil {
		t.Fatal(err)
	}
	// The new one went to hold and waits; the old wait finished.
	checkSteps(map[string]store.StepStats{
		"route": {Completed: 4, Paths: map[string]int64{"Broken": 1, "Later": 2, "else": 1}},
		"boom":  {Failed: 1},
		"hold":  {Waiting: 1, Completed: 1},
		"done":  {Completed: 2},
	})
	if st.Enrollments["completed"] != 2 || st.Enrollments["waiting"] != 1 || st.Enrollments["active"] != 0 {
		t.Fatalf("enrollments %v", st.Enrollments)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.deployM(oneStep("w"))
	ann := h.event("start.w", "ann@example.com", nil, nil, M{"city": "Dublin"})
	h.run()
	company, err := h.eng.Ingest(h.ctx, EventInput{Type: "company.created", Record: RecordRef{Type: "company", Email: "acme@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	many := M{}
	for i := 0; i <= MaxProperties; i++ {
		many[fmt.Sprintf("p%d", i)] = i
	}
	good := RecordRef{Type: "contact", Email: "new@example.com"}
	ingest := []struct {
		name  string
		in    EventInput
		field string
	}{
		{"no type", EventInput{Record: good}, "type"},
		{"bad type", EventInput{Type: "has space", Record: good}, "type"},
		{"unknown record type", EventInput{Type: "start.w", Record: RecordRef{Type: "planet", Email: "x@example.com"}}, "record.type"},
		{"bad email", EventInput{Type: "start.w", Record: RecordRef{Email: "not-an-email"}}, "record.email"},
		{"no record", EventInput{Type: "start.w", Record: RecordRef{Properties: M{"city": "Cork"}}}, "record"},
		{"negative id", EventInput{Type: "start.w", Record: RecordRef{ID: -4}}, "record.id"},
		{"bad property name", EventInput{Type: "start.w", Record: RecordRef{Email: "new@example.com", Properties: M{"first name": "x"}}}, "record.properties.first name"},
		{"nested property", EventInput{Type: "start.w", Record: RecordRef{Email: "new@example.com", Properties: M{"address": M{"city": "x"}}}}, "record.properties.address"},
		{"email not a string", EventInput{Type: "start.w", Record: RecordRef{Email: "new@example.com", Properties: M{"email": 5}}}, "record.properties.email"},
		{"too many properties", EventInput{Type: "start.w", Record: RecordRef{Email: "new@example.com", Properties: many}}, "record.properties"},
		{"empty scope key", EventInput{Type: "start.w", Record: good, Scope: map[string]string{"": "x"}}, "scope"},
	}
	patch := []struct {
		name  string
		props M
		field string
	}{
		{"nothing", M{}, "properties"},
		{"bad name", M{"9lives": 1}, "properties.9lives"},
		{"nested", M{"city": M{"name": "Dublin"}}, "properties.city"},
		{"email not a string", M{"email": true}, "properties.email"},
		{"email not an address", M{"email": "ann at example"}, "properties.email"},
		{"email with no domain", M{"email": "ann@"}, "properties.email"},
	}
	before := h.counts()
	annBefore := h.props("ann@example.com")
	for _, tc := range ingest {
		_, err := h.eng.Ingest(h.ctx, tc.in)
		var ie *problem.Error
		if !errors.As(err, &ie) || ie.FirstField() != tc.field || ie.Error() == "" {
			t.Errorf("Ingest %s: %v, want a *problem.Error on %q", tc.name, err, tc.field)
		}
	}
	for _, tc := range patch {
		_, _, err := h.eng.PatchRecord(h.ctx, ann.RecordID, tc.props)
		var ie *problem.Error
		if !errors.As(err, &ie) || ie.FirstField() != tc.field {
			t.Errorf("PatchRecord %s: %v, want a *problem.Error on %q", tc.name, err, tc.field)
		}
	}
	var ie *problem.Error
	if _, err := h.eng.EnrollManually(h.ctx, "w", company.RecordID); !errors.As(err, &ie) || ie.FirstField() != "record_id" || !strings.Contains(ie.Error(), "company") {
		t.Errorf("EnrollManually of a company: %v", err)
	}
	if _, err := h.eng.EnrollManually(h.ctx, "nope", ann.RecordID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EnrollManually into a missing workflow: %v", err)
	}
	if _, err := h.eng.EnrollManually(h.ctx, "w", 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EnrollManually of a missing record: %v", err)
	}
	if _, _, err := h.eng.PatchRecord(h.ctx, 999999, M{"city": "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PatchRecord of a missing record: %v", err)
	}
	if _, err := h.eng.Ingest(h.ctx, EventInput{Type: "start.w", Record: RecordRef{ID: 999999}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Ingest for a missing record id: %v", err)
	}
	if after := h.counts(); after != before {
		t.Fatalf("bad input changed the database: before %+v after %+v", before, after)
	}
	if got := h.props("ann@example.com"); !reflect.DeepEqual(got, annBefore) {
		t.Fatalf("ann changed: %v -> %v", annBefore, got)
	}
	if _, err := h.db.RecordByEmail(h.ctx, "contact", "new@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("new@example.com was created: %v", err)
	}
}

func TestIdempotentIngest(t *testing.T) {
	h := newHarness(t)
	h.deployM(reenroll(oneStep("w")))
	in := EventInput{Type: "start.w", Record: RecordRef{Email: "ann@example.com"}, IdempotencyKey: "k1"}
	first, err := h.eng.Ingest(h.ctx, in)
	if err != nil || len(first.Enrollments) != 1 {
		t.Fatalf("first: %+v %v", first, err)
	}
	h.run()
	before := h.counts()
	again, err := h.eng.Ingest(h.ctx, in)
	if err != nil || !again.Duplicate || again.EventID != first.EventID || len(again.Enrollments) != 0 {
		t.Fatalf("duplicate: %+v %v", again, err)
	}
	if after := h.counts(); after != before {
		t.Fatalf("duplicate changed the database: %+v -> %+v", before, after)
	}
}

func TestHeartbeatKeepsALiveClaimsLease(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	// A worker claims the job and is slow: its heartbeat renews the lease at 50s.
	slow, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(slow) != 1 {
		t.Fatalf("claim: %v %v", slow, err)
	}
	h.eng.held.add(slow[0].job)
	h.clock.Advance(50 * time.Second)
	if err := h.eng.renewLeases(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(40 * time.Second) // past the first lease, within the renewed one
	if n := h.run(); n != 0 {
		t.Fatalf("%d jobs ran while their worker's heartbeat held them", n)
	}
	h.eng.process(h.ctx, slow[0])
	h.eng.held.remove(slow[0].job)
	h.checkEffectsOnce(id, "ann@example.com")
	if len(h.eng.held.list()) != 0 {
		t.Fatalf("claims still held after the commit: %v", h.eng.held.list())
	}
}

func TestHeartbeatStopsWithTheWorker(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	dead, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("claim: %v %v", dead, err)
	}
	h.eng.held.add(dead[0].job)
	h.clock.Advance(50 * time.Second)
	if err := h.eng.renewLeases(h.ctx); err != nil {
		t.Fatal(err)
	}
	// The worker dies: no more heartbeats. The renewed lease runs out and another takes it.
	h.clock.Advance(61 * time.Second)
	h.run()
	h.checkEffectsOnce(id, "ann@example.com")
	// The dead claim's heartbeat, were it to come back, extends nothing and commits nothing.
	if err := h.eng.renewLeases(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.eng.process(h.ctx, dead[0])
	h.checkEffectsOnce(id, "ann@example.com")
}

func TestReloadSeesWorkflowsAnotherProcessEnabled(t *testing.T) {
	h := newHarness(t)
	// A second process on the same database (a worker beside serve) built its caches before
	// the workflow existed.
	other, err := New(h.ctx, h.db, Options{Clock: h.clock, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	h.deployM(effectFlow())
	in := EventInput{Type: "start.fx", Record: RecordRef{Type: "contact", Email: "ann@example.com"}}
	if res, err := other.Ingest(h.ctx, in); err != nil || len(res.Enrollments) != 0 {
		t.Fatalf("before reloading: %+v %v, want no enrollment from a stale index", res, err)
	}
	if err := other.Reload(h.ctx); err != nil {
		t.Fatal(err)
	}
	in.IdempotencyKey = "second"
	res, err := other.Ingest(h.ctx, in)
	if err != nil || len(res.Enrollments) != 1 {
		t.Fatalf("after reloading: %+v %v, want one enrollment", res, err)
	}
	h.run()
	h.checkEffectsOnce(res.Enrollments[0], "ann@example.com")
}

func TestRecoverOnASharedDatabaseLeavesOtherProcessesLeases(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	h.crashClaim() // another process holds the job (alive or not: nothing tells)
	shared, err := New(h.ctx, h.db, Options{Clock: h.clock, Lease: time.Minute, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := shared.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := shared.RunDue(h.ctx); err != nil || n != 0 {
		t.Fatalf("%d jobs ran (%v) while another process's lease held them", n, err)
	}
	h.clock.Advance(time.Minute) // its lease ran out with no heartbeat: it is gone
	if n, err := shared.RunDue(h.ctx); err != nil || n == 0 {
		t.Fatalf("%d jobs ran (%v) after the lease ran out, want the rescued one", n, err)
	}
	h.checkEffectsOnce(id, "ann@example.com")
}
