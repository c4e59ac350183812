package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// harness is an engine over a real SQLite file in a temp dir, driven by a fake clock. Tests
// above the engine use the one test rig (backend/internal/testrig); the engine's internal tests
// cannot import it (it imports the engine), so this harness builds the same stack on the same
// opener (storetest.Open: SQLite, or PostgreSQL with FLOWDESK_TEST_STORE=postgres).
type harness struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	eng   *Engine
	clock *clock.Fake
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.Open(t, ""))
}

// newHarnessOn is newHarness on an opened database.
func newHarnessOn(t *testing.T, db *store.DB) *harness {
	t.Helper()
	ctx := context.Background()
	fc := clock.NewFake(t0)
	eng, err := New(ctx, db, Options{Clock: fc, Lease: time.Minute}) // lease tests count on 1 minute
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ctx: ctx, db: db, eng: eng, clock: fc}
}

// deploy creates and enables a workflow from a JSON definition.
func (h *harness) deploy(def string) {
	h.t.Helper()
	w, err := h.eng.Workflows().Create(h.ctx, []byte(def))
	if err != nil {
		h.t.Fatalf("create workflow: %v", err)
	}
	if _, err := h.eng.Workflows().Enable(h.ctx, w.ID); err != nil {
		h.t.Fatalf("enable workflow: %v", err)
	}
}

func (h *harness) event(typ, email string, scope map[string]string, data map[string]any, props map[string]any) *IngestResult {
	h.t.Helper()
	res, err := h.eng.Ingest(h.ctx, EventInput{Type: typ, Record: RecordRef{Type: "contact", Email: email, Properties: props}, Scope: scope, Data: data})
	if err != nil {
		h.t.Fatalf("ingest %s: %v", typ, err)
	}
	return res
}

// run executes everything due now.
func (h *harness) run() int {
	h.t.Helper()
	n, err := h.eng.RunDue(h.ctx)
	if err != nil {
		h.t.Fatalf("run due jobs: %v", err)
	}
	return n
}

// advance moves the clock and runs what came due.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	h.run()
}

func (h *harness) record(email string) *store.Record {
	h.t.Helper()
	return storetest.LoadContact(h.t, h.db, email)
}

func (h *harness) enrollments(workflowID string) []*store.Enrollment {
	h.t.Helper()
	ens, err := h.db.Enrollments(h.ctx, store.EnrollmentQuery{WorkflowID: workflowID, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return ens
}

func (h *harness) enrollment(id int64) *store.Enrollment {
	h.t.Helper()
	return storetest.LoadEnrollment(h.t, h.db, id)
}

// trail is an enrollment's history as "step:outcome" strings.
func (h *harness) trail(id int64) []string {
	h.t.Helper()
	return storetest.Trail(h.t, h.db, id)
}

// M is a JSON object, for building workflow definitions in tests.
type M = map[string]any

// flow builds a contact workflow that the event "start.<id>" enrolls into, starting at the first
// step given.
func flow(id string, steps ...M) M {
	return M{
		"id": id, "name": id, "object": "contact",
		"triggers": []M{{"id": "go", "type": "event", "event": "start." + id}},
		"reenroll": M{"enabled": false, "triggers": []string{}},
		"start":    steps[0]["id"],
		"steps":    steps,
	}
}

// deployM creates and enables a workflow given as a map.
func (h *harness) deployM(def M) {
	h.t.Helper()
	raw, err := json.Marshal(def)
	if err != nil {
		h.t.Fatal(err)
	}
	h.deploy(string(raw))
}

// start sends "start.<workflow>" for the contact email (creating or updating it with props) and
// returns the one enrollment it must cause.
func (h *harness) start(workflowID, email string, props M) int64 {
	h.t.Helper()
	return h.startWith(workflowID, email, nil, props)
}

// startWith is start with event data.
func (h *harness) startWith(workflowID, email string, data, props M) int64 {
	h.t.Helper()
	res := h.event("start."+workflowID, email, nil, data, props)
	if len(res.Enrollments) != 1 {
		h.t.Fatalf("start %s for %s: enrollments %v, want exactly one", workflowID, email, res.Enrollments)
	}
	return res.Enrollments[0]
}

// props returns a contact's current properties.
func (h *harness) props(email string) map[string]any {
	h.t.Helper()
	return h.record(email).Properties
}

// entry returns the first history entry of an enrollment with the given step and outcome.
func (h *harness) entry(id int64, step, outcome string) map[string]any {
	h.t.Helper()
	hist, err := h.db.History(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range hist {
		if e.StepID == step && e.Outcome == outcome {
			var m map[string]any
			if err := json.Unmarshal(e.Detail, &m); err != nil {
				h.t.Fatal(err)
			}
			return m
		}
	}
	h.t.Fatalf("no %q history for step %q in enrollment %d: %v", outcome, step, id, h.trail(id))
	return nil
}

// reason decodes an enrollment's stored reason.
func (h *harness) reason(id int64) Reason {
	h.t.Helper()
	var r Reason
	if err := json.Unmarshal(h.enrollment(id).Reason, &r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// status returns an enrollment's status.
func (h *harness) status(id int64) string {
	h.t.Helper()
	return h.enrollment(id).Status
}

// wantTrail fails the test when the enrollment's history differs from want.
func (h *harness) wantTrail(id int64, want ...string) {
	h.t.Helper()
	if got := h.trail(id); !reflect.DeepEqual(got, want) {
		h.t.Fatalf("enrollment %d history\n got %q\nwant %q", id, got, want)
	}
}

// wantStatus fails the test when the enrollment's status differs from want.
func (h *harness) wantStatus(id int64, want string) {
	h.t.Helper()
	if got := h.status(id); got != want {
		h.t.Fatalf("enrollment %d status %q, want %q (history %q)", id, got, want, h.trail(id))
	}
}

// nextJobAt returns when the earliest pending job is due (fails when none is pending).
func (h *harness) nextJobAt() time.Time {
	h.t.Helper()
	at, ok, err := h.db.NextJobAt(h.ctx)
	if err != nil || !ok {
		h.t.Fatalf("next job: ok=%v err=%v", ok, err)
	}
	return at
}

// counts is a snapshot of how many rows the main tables hold.
type counts struct {
	events, records, enrollments, jobs, properties int64
}

func (h *harness) counts() counts {
	h.t.Helper()
	var c counts
	var err error
	if c.events, err = h.db.CountEvents(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	if c.jobs, err = h.db.PendingJobs(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	recs, err := h.db.SearchRecords(h.ctx, store.RecordQuery{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	c.records = int64(len(recs))
	ens, err := h.db.Enrollments(h.ctx, store.EnrollmentQuery{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	c.enrollments = int64(len(ens))
	ps, err := h.db.Properties(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	c.properties = int64(len(ps))
	return c
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// restart closes the database (as a stopped or crashed process would leave it), reopens the
// same file and builds a new engine on it with the same clock.
func (h *harness) restart() {
	h.t.Helper()
	h.eng.Stop()
	db := storetest.Reopen(h.t, h.db)
	eng, err := New(h.ctx, db, Options{Clock: h.clock, Lease: time.Minute})
	if err != nil {
		h.t.Fatal(err)
	}
	h.db, h.eng = db, eng
}
