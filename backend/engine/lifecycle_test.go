package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func TestDelayThatCameDueWhileClosedRunsOnStart(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("w",
		M{"id": "wait", "type": "delay", "duration": "2h", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "connected"}))
	id := h.start("w", "ann@example.com", nil)
	h.run()
	h.restart()
	h.clock.Advance(3 * time.Hour) // the app was closed when the delay came due
	h.restart()
	h.wantStatus(id, store.StatusWaiting)
	h.run()
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "mark:ok", "completed")
}

func TestCrashedWorkersJobsRunOnceAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.deployM(effectFlow())
	id := h.start("fx", "ann@example.com", nil)
	if jobs := h.crashClaim(); len(jobs) != 1 {
		t.Fatalf("claimed %v", jobs)
	}
	h.restart() // the process died holding the lease
	if err := h.eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.eng.Stop)
	waitFor(t, "the rescued job", func() bool {
		en, err := h.db.Enrollment(h.ctx, id)
		return err == nil && en.Status == store.StatusCompleted
	})
	h.eng.Stop()
	h.checkEffectsOnce(id, "ann@example.com")
}

func TestDeletedAndRecreatedWorkflowRunsItsNewDefinition(t *testing.T) {
	def := func(threshold int, mark string) M {
		return flow("w",
			M{"id": "route", "type": "branch", "branches": []M{
				{"name": "High", "filter": M{"property": "score", "op": "gte", "value": threshold}, "next": "mark"}}},
			M{"id": "mark", "type": "set_property", "property": "lead_status", "value": mark})
	}
	h := newHarness(t)
	h.deployM(def(50, "unqualified"))
	old := h.start("w", "ann@example.com", M{"score": 60})
	h.run()
	h.wantTrail(old, "enrolled", "route:ok", "mark:ok", "completed")
	if err := h.eng.Workflows().Delete(h.ctx, "w", true); err != nil {
		t.Fatal(err)
	}
	// The id stays taken while the workflow is in the Trash, and is free once it is purged.
	if _, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, def(10, "new"))); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "Trash") {
		t.Fatalf("create over a trashed id: %v, want a conflict naming the Trash", err)
	}
	if _, err := h.eng.Workflows().Purge(h.ctx, "w"); err != nil {
		t.Fatal(err)
	}
	h.eng.RunMaintenance(h.ctx)
	h.deployM(def(10, "new"))
	id := h.start("w", "bob@example.com", M{"score": 20})
	h.run()
	if en := h.enrollment(id); en.Version != 1 {
		t.Fatalf("version %d", en.Version)
	}
	// With the old (cached) version 1 the branch would compare with 50 and end the path.
	h.wantTrail(id, "enrolled", "route:ok", "mark:ok", "completed")
	if got := h.props("bob@example.com")["lead_status"]; got != "new" {
		t.Fatalf("lead_status %v: the old definition ran", got)
	}
}

func TestPropertiesFirstSetByAStepAreDeclared(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("w", M{"id": "s", "type": "set_property", "property": "rounds", "value": 1}))
	h.start("w", "ann@example.com", nil)
	h.run()
	typ, ok := h.eng.Schema("contact")("rounds")
	if !ok || typ != "number" {
		t.Fatalf("schema says %q %v for a property a step set to 1", typ, ok)
	}
	w, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, flow("w2", M{"id": "s", "type": "set_property", "property": "rounds", "value": "text"})))
	if err != nil {
		t.Fatal(err)
	}
	ve := InvalidWorkflow("", w.Problems) // stored as a draft with its problems
	if !strings.Contains(ve.Error(), "holds a number") {
		t.Fatalf("validation after the step declared the property: %v", ve)
	}
}

func TestEventWaitTimeoutWithoutPathEnds(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("w",
		M{"id": "wait", "type": "delay", "event": M{"type": "payment.completed", "timeout": "1d"}, "next": "thanks"},
		M{"id": "thanks", "type": "add_to_list", "list": "paid"}))
	id := h.start("w", "ann@example.com", nil)
	h.run()
	h.advance(24 * time.Hour)
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "completed")
}

func TestCommitThatKeepsFailingIsRetriedThenFails(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("w", M{"id": "steal", "type": "set_property", "property": "email", "value": "bob@example.com"}))
	h.event("hello", "bob@example.com", nil, nil, nil)
	id := h.start("w", "ann@example.com", nil)
	h.run()
	for _, backoff := range []time.Duration{2, 4, 8, 16} {
		h.wantStatus(id, store.StatusActive)
		h.advance(backoff*time.Second - time.Millisecond)
		if n := h.run(); n != 0 {
			t.Fatalf("retried %d jobs before the %v backoff ended", n, backoff*time.Second)
		}
		h.advance(time.Millisecond)
	}
	en := h.enrollment(id)
	if en.Status != store.StatusFailed || !strings.Contains(en.Error, "gave up after 5 attempts") || !strings.Contains(en.Error, "belongs to another contact") {
		t.Fatalf("enrollment %+v", en)
	}
	h.wantTrail(id, "enrolled", "steal:failed")
	if got := h.props("ann@example.com")["email"]; got != "ann@example.com" {
		t.Fatalf("email %v", got)
	}
	st, _ := h.db.Stats(h.ctx, "w")
	if st.Steps["steal"].Failed != 1 || st.Steps["steal"].Completed != 0 {
		t.Fatalf("counters %+v", st.Steps["steal"])
	}
}
