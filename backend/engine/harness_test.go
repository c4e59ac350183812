package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/store"
)

// harness is an engine over a real SQLite file in a temp dir, driven by a fake clock.
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
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "flowdesk.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fc := clock.NewFake(t0)
	eng, err := New(ctx, db, Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ctx: ctx, db: db, eng: eng, clock: fc}
}

// deploy creates and enables a workflow from a JSON definition.
func (h *harness) deploy(def string) {
	h.t.Helper()
	w, err := h.eng.CreateWorkflow(h.ctx, []byte(def))
	if err != nil {
		h.t.Fatalf("create workflow: %v", err)
	}
	if _, err := h.eng.EnableWorkflow(h.ctx, w.ID); err != nil {
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
	r, err := h.db.RecordByEmail(h.ctx, "contact", email)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
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
	en, err := h.db.Enrollment(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return en
}

// trail is an enrollment's history as "step:outcome" strings.
func (h *harness) trail(id int64) []string {
	h.t.Helper()
	hist, err := h.db.History(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range hist {
		s := e.Outcome
		if e.StepID != "" {
			s = e.StepID + ":" + e.Outcome
		}
		out = append(out, s)
	}
	return out
}

func (h *harness) historyDetail(id int64, step string) map[string]any {
	h.t.Helper()
	hist, err := h.db.History(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range hist {
		if e.StepID == step {
			var m map[string]any
			if err := json.Unmarshal(e.Detail, &m); err != nil {
				h.t.Fatal(err)
			}
			return m
		}
	}
	h.t.Fatalf("no history for step %q in enrollment %d", step, id)
	return nil
}
