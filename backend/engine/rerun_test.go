package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

func TestRerunAFailedEnrollmentFromItsFailedStepAfterTheDataIsFixed(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("rerun",
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "new", "next": "copy"},
		M{"id": "copy", "type": "copy_property", "from": "score_text", "to": "score", "next": "done"},
		M{"id": "done", "type": "add_to_list", "list": "scored"}))
	id := h.start("rerun", "ann@example.com", M{"score_text": "lots"})
	h.run()
	h.wantStatus(id, store.StatusFailed)
	failed := h.enrollment(id)
	if failed.CurrentStep != "copy" || !strings.Contains(failed.Error, "score") {
		t.Fatalf("failed at %q with %q", failed.CurrentStep, failed.Error)
	}
	// Nothing to re-run while it is not failed; an unknown enrollment is not found.
	other := h.start("rerun", "bob@example.com", M{"score_text": "3"})
	h.run()
	h.wantStatus(other, store.StatusCompleted)
	if _, err := h.eng.RerunEnrollment(h.ctx, other); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("re-run a completed enrollment: %v, want a conflict", err)
	}
	if _, err := h.eng.RerunEnrollment(h.ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("re-run enrollment 999: %v, want not found", err)
	}

	if _, _, err := h.eng.PatchRecord(h.ctx, h.record("ann@example.com").ID, map[string]any{"score_text": "12"}); err != nil {
		t.Fatal(err)
	}
	en, err := h.eng.RerunEnrollment(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if en.ID != id || en.Status != store.StatusActive || en.Error != "" || en.FinishedAt != nil {
		t.Fatalf("after re-run: %+v", en)
	}
	if _, err := h.eng.RerunEnrollment(h.ctx, id); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second re-run while it runs: %v, want a conflict", err)
	}
	h.run()
	h.wantStatus(id, store.StatusCompleted)
	// The same enrollment, with its history: mark ran once, copy failed then ran.
	h.wantTrail(id, "enrolled", "mark:ok", "copy:failed", "failed", "copy:rerun", "copy:ok", "done:ok", "completed")
	if d := h.entry(id, "copy", store.HistRerun); d["previous_error"] != failed.Error || d["step"] != "copy" {
		t.Fatalf("re-run history %v", d)
	}
	if got := h.props("ann@example.com")["score"]; got != float64(12) {
		t.Fatalf("score %v", got)
	}
	st, err := h.db.Stats(h.ctx, "rerun")
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Steps["copy"]; c.Completed != 2 || c.Failed != 1 || st.Steps["mark"].Completed != 2 {
		t.Fatalf("counters copy=%+v mark=%+v: the failed visit stays counted, mark does not run again", c, st.Steps["mark"])
	}
	if n := len(h.enrollments("rerun")); n != 2 {
		t.Fatalf("%d enrollments, want 2 (a re-run is not a copy)", n)
	}
}
