package engine

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

const outboundWF = `{
  "id": "outbound", "name": "Outbound", "object": "contact",
  "triggers": [{"type": "event", "event": "sale.completed"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "mark",
  "steps": [
    {"id": "mark", "type": "set_property", "property": "stage", "value": "customer", "next": "hook"},
    {"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in", "next": "done"},
    {"id": "done", "type": "set_property", "property": "synced", "value": true}
  ]
}`

// scriptedAction answers each try from a script and records what it saw.
type scriptedAction struct {
	mu     sync.Mutex
	script []string
	keys   []string
	tries  []int
	stages []any // the record's stage in the database when the action ran
	db     *store.DB
}

func (a *scriptedAction) Run(ctx context.Context, in ActionInput) ActionResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, err := a.db.Record(ctx, in.RecordID)
	if err == nil {
		a.stages = append(a.stages, rec.Properties["stage"])
	}
	a.keys, a.tries = append(a.keys, in.IdempotencyKey), append(a.tries, in.Try)
	out := a.script[min(len(a.keys)-1, len(a.script)-1)]
	return ActionResult{Outcome: out, Target: "http://127.0.0.1:9/in", StatusCode: map[string]int{"ok": 200, "retry": 503, "failed": 400}[out],
		Set: map[string]any{"external_id": "x-1"}}
}

func TestOutboundStepRetriesDurablyWithOneKey(t *testing.T) {
	h := newHarness(t)
	act := &scriptedAction{script: []string{"retry", "retry", "ok"}, db: h.db}
	h.eng.opts.Actions = map[string]Action{"webhook": act}
	h.eng.opts.Retry = RetryPolicy{MaxTries: 5, Base: time.Minute, Max: time.Hour}
	h.deploy(outboundWF)
	res := h.event("sale.completed", "ann@example.com", nil, nil, nil)
	h.run()
	if len(act.keys) != 1 || act.stages[0] != "customer" {
		t.Fatalf("first try: keys %v, stage in db %v (want the step before committed first)", act.keys, act.stages)
	}
	en := h.enrollment(res.Enrollments[0])
	if en.Status != store.StatusActive || en.CurrentStep != "hook" {
		t.Fatalf("after a failed try: %s at %q", en.Status, en.CurrentStep)
	}
	for i := 0; i < 4 && len(act.keys) < 3; i++ {
		h.advance(2 * time.Minute << i)
	}
	if !reflect.DeepEqual(act.tries, []int{1, 2, 3}) {
		t.Fatalf("tries %v", act.tries)
	}
	if act.keys[0] != act.keys[1] || act.keys[1] != act.keys[2] {
		t.Fatalf("idempotency key changed between tries: %v", act.keys)
	}
	en = h.enrollment(res.Enrollments[0])
	if en.Status != store.StatusCompleted {
		t.Fatalf("status %s", en.Status)
	}
	want := []string{"enrolled", "mark:ok", "hook:retrying", "hook:retrying", "hook:ok", "done:ok", "completed"}
	if got := h.trail(en.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("trail %v, want %v", got, want)
	}
	if en.StepsRun != 3 {
		t.Fatalf("steps run %d, want 3 (retries are one visit)", en.StepsRun)
	}
	rec := h.record("ann@example.com")
	if rec.Properties["external_id"] != "x-1" || rec.Properties["synced"] != true {
		t.Fatalf("record %v", rec.Properties)
	}
	atts, err := h.db.ActionAttempts(h.ctx, store.AttemptQuery{EnrollmentID: en.ID})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, a := range atts {
		outcomes = append(outcomes, a.Outcome)
	}
	if !reflect.DeepEqual(outcomes, []string{"ok", "retry", "retry"}) {
		t.Fatalf("attempt log (newest first) %v", outcomes)
	}
}

func TestOutboundStepDeadLettersAfterMaxTriesAndGoesOn(t *testing.T) {
	h := newHarness(t)
	act := &scriptedAction{script: []string{"retry"}, db: h.db}
	h.eng.opts.Actions = map[string]Action{"webhook": act}
	h.eng.opts.Retry = RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second}
	h.deploy(outboundWF)
	res := h.event("sale.completed", "bob@example.com", nil, nil, nil)
	h.run()
	for i := 0; i < 5; i++ {
		h.advance(time.Minute)
	}
	if len(act.tries) != 3 {
		t.Fatalf("tries %v, want 3", act.tries)
	}
	en := h.enrollment(res.Enrollments[0])
	want := []string{"enrolled", "mark:ok", "hook:retrying", "hook:retrying", "hook:failed", "done:ok", "completed"}
	if got := h.trail(en.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("trail %v, want %v", got, want)
	}
	dead, err := h.db.ActionAttempts(h.ctx, store.AttemptQuery{WorkflowID: "outbound", DeadOnly: true})
	if err != nil || len(dead) != 1 || dead[0].Try != 3 {
		t.Fatalf("dead letters %v %v", dead, err)
	}
	st, _ := h.db.Stats(h.ctx, "outbound")
	if st.Steps["hook"].Failed != 1 || st.Steps["done"].Completed != 1 {
		t.Fatalf("stats hook %+v done %+v", st.Steps["hook"], st.Steps["done"])
	}
}

func TestActionKeyDiffersPerVisit(t *testing.T) {
	a, b := actionKey(1, "hook", 2), actionKey(1, "hook", 2)
	if a == actionKey(1, "hook", 3) || a != b || a == actionKey(2, "hook", 2) {
		t.Fatal("action keys must be stable per visit and differ between visits")
	}
	rp := RetryPolicy{Base: time.Second, Max: time.Minute}.withDefaults()
	for try := 1; try < 40; try++ {
		d := rp.backoff(try, 0)
		if d <= 0 || d > time.Minute {
			t.Fatalf("backoff(%d) = %v outside (0, 1m]", try, d)
		}
	}
	if d := rp.backoff(1, 30*time.Minute); d != 30*time.Minute {
		t.Fatalf("Retry-After not honoured: %v", d)
	}
}

// reservingAction holds a notification in the database before each visit's call (as the SMS
// cap does) and returns its try's own write; it checks what it sees when it runs.
type reservingAction struct {
	mu       sync.Mutex
	db       *store.DB
	reserves []string // keys Reserve was asked about
	runs     []string // keys Run was called with
	seen     []int    // notifications in the database when Run ran
}

func (a *reservingAction) Reserve(ctx context.Context, in ActionInput) ([]Write, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reserves = append(a.reserves, in.IdempotencyKey)
	ns, err := a.db.Notifications(ctx, false, 100)
	if err != nil || len(ns) > 0 {
		return nil, err // held already
	}
	return []Write{func(tx store.Tx, _ map[string]any) error {
		return tx.AddNotification(&store.Notification{Kind: "held", Title: "held for " + in.IdempotencyKey}, in.Now)
	}}, nil
}

func (a *reservingAction) Run(ctx context.Context, in ActionInput) ActionResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.runs = append(a.runs, in.IdempotencyKey)
	ns, _ := a.db.Notifications(ctx, false, 100)
	a.seen = append(a.seen, len(ns))
	return ActionResult{Outcome: store.AttemptOK, Target: "test", Writes: []Write{func(tx store.Tx, d map[string]any) error {
		if err := tx.AddNotification(&store.Notification{Kind: "sent", Title: "sent " + in.IdempotencyKey}, in.Now); err != nil {
			return err
		}
		d["stored"] = "yes"
		return nil
	}}}
}

// An action's writes commit with the pass that logs its try (never on their own), and a
// Reserver's writes commit in a pass before the call, which then sees them.
func TestActionWritesCommitWithThePass(t *testing.T) {
	h := newHarness(t)
	act := &reservingAction{db: h.db}
	h.eng.opts.Actions = map[string]Action{"webhook": act}
	h.deploy(outboundWF)
	res := h.event("sale.completed", "ann@example.com", nil, nil, nil)
	h.run()
	id := res.Enrollments[0]
	h.wantTrail(id, "enrolled", "mark:ok", "hook:ok", "done:ok", "completed")
	if len(act.runs) != 1 || !reflect.DeepEqual(act.seen, []int{1}) {
		t.Fatalf("runs %v saw %v notifications, want one run after the reservation committed", act.runs, act.seen)
	}
	if len(act.reserves) != 2 || act.reserves[0] != act.reserves[1] || act.reserves[0] != act.runs[0] {
		t.Fatalf("reserve keys %v, run keys %v: one visit, one key", act.reserves, act.runs)
	}
	if d := h.entry(id, "hook", store.HistOK); d["stored"] != "yes" {
		t.Fatalf("the try's history detail %v misses what its write reported", d)
	}
	ns, err := h.db.Notifications(h.ctx, false, 100)
	if err != nil || len(ns) != 2 || ns[0].Kind != "sent" || ns[1].Kind != "held" {
		t.Fatalf("notifications %+v %v", ns, err)
	}
	if en := h.enrollment(id); en.StepsRun != 3 {
		t.Fatalf("steps run %d: the reservation pass must not count a step", en.StepsRun)
	}
}
