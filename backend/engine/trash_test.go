package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// waitThenMark is a workflow whose enrollments wait an hour and then set the lead status, to
// the option ranMark gives the workflow, so a test can tell which workflow's step ran.
func waitThenMark(id string) M {
	return flow(id,
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": ranMark[id]})
}

// ranMark is the lead status each waitThenMark workflow sets (one of the property's options).
var ranMark = map[string]string{"w": "open", "cancel": "connected", "keep": "in_progress"}

func TestDeleteCancelsOpenEnrollmentsAndRestoreBringsHistoryBack(t *testing.T) {
	h := newHarness(t)
	h.deployM(waitThenMark("w"))
	const n = 120
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = h.start("w", fmt.Sprintf("c%03d@example.com", i), nil)
	}
	done := h.start("w", "done@example.com", nil)
	h.run()
	h.advance(61 * time.Minute) // every enrollment so far completes
	h.wantStatus(done, store.StatusCompleted)
	emails := make([]string, n)
	for i := range ids {
		emails[i] = fmt.Sprintf("d%03d@example.com", i) // re-enrollment is off: new contacts
		ids[i] = h.start("w", emails[i], nil)
	}
	h.run()
	before, err := h.db.Stats(h.ctx, "w")
	if err != nil {
		t.Fatal(err)
	}

	if err := h.eng.Workflows().Delete(h.ctx, "w", true); err != nil {
		t.Fatal(err)
	}
	// New events no longer match it, and it is gone from the list and from lookups.
	if res := h.event("start.w", "new@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
		t.Fatalf("a deleted workflow enrolled %v", res.Enrollments)
	}
	if _, err := h.db.Workflow(h.ctx, "w"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("load a deleted workflow: %v", err)
	}
	// Steps that come due before the trash service reaches them are cancelled, not run.
	h.advance(61 * time.Minute)
	for i, id := range ids {
		h.wantStatus(id, store.StatusCancelled)
		if got := h.props(emails[i])["lead_status"]; got != nil {
			t.Fatalf("a step of a deleted workflow ran: lead_status %v", got)
		}
	}
	if got := h.trail(ids[0]); got[len(got)-1] != "cancelled" {
		t.Fatalf("history %q, want it to end cancelled", got)
	}
	tr, err := h.db.TrashedWorkflow(h.ctx, "w")
	if err != nil || tr.Enrollments != 2*n+1 || tr.Open != 0 {
		t.Fatalf("trash entry %+v %v", tr, err)
	}

	// Restore: switched off, with its definition, versions, history and counters.
	w, err := h.eng.Workflows().Restore(h.ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	if w.Enabled || w.ActiveVersion != 1 {
		t.Fatalf("restored %+v, want it off with its version", w)
	}
	after, err := h.db.Stats(h.ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	if after.Enrollments[store.StatusCompleted] != before.Enrollments[store.StatusCompleted] ||
		after.Enrollments[store.StatusCancelled] != n || after.Steps["wait"].Completed != before.Steps["wait"].Completed {
		t.Fatalf("stats after restore %+v, before delete %+v", after, before)
	}
	if h.trail(done)[0] != "enrolled" {
		t.Fatal("the history of a finished enrollment was lost")
	}
	// It can be switched on again and enrolls.
	if _, err := h.eng.Workflows().Enable(h.ctx, "w"); err != nil {
		t.Fatal(err)
	}
	h.start("w", "again@example.com", nil)
}

func TestDeleteInBackgroundBatchesAndKeep(t *testing.T) {
	h := newHarness(t)
	h.eng.opts.BatchHold = time.Millisecond
	h.deployM(waitThenMark("cancel"))
	h.deployM(waitThenMark("keep"))
	const n = 400
	for i := range n {
		h.start("cancel", fmt.Sprintf("c%03d@example.com", i), nil)
		h.start("keep", fmt.Sprintf("k%03d@example.com", i), nil)
	}
	h.run()
	if err := h.eng.Workflows().Delete(h.ctx, "cancel", true); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Workflows().Delete(h.ctx, "keep", false); err != nil {
		t.Fatal(err)
	}
	h.eng.RunMaintenance(h.ctx)
	st := h.eng.MaintenanceStats()["trash"]
	if c, _ := h.db.TrashedWorkflow(h.ctx, "cancel"); c.Open != 0 {
		t.Fatalf("%d enrollments of the deleted workflow still open", c.Open)
	}
	if st.Batches < 2 || st.Rows != n {
		t.Fatalf("trash stats %+v: want %d enrollments cancelled in several batches", st, n)
	}
	t.Logf("cancelled %d enrollments in %d batches; writer hold per batch: median %v, p99 %v, max %v", st.Rows, st.Batches, st.Median, st.P99, st.Longest)
	// Kept enrollments run to their end in the Trash.
	h.advance(61 * time.Minute)
	if k, _ := h.db.TrashedWorkflow(h.ctx, "keep"); k.Open != 0 {
		t.Fatalf("%d kept enrollments did not finish", k.Open)
	}
	if got := h.props("k000@example.com")["lead_status"]; got != ranMark["keep"] {
		t.Fatalf("a kept enrollment did not run: %v", got)
	}

	// Purge on request removes everything in batches; the id is free again.
	if _, err := h.eng.Workflows().Purge(h.ctx, "cancel"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Workflows().Restore(h.ctx, "cancel"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("restore during purge: %v, want a conflict", err)
	}
	h.eng.RunMaintenance(h.ctx)
	if _, err := h.db.TrashedWorkflow(h.ctx, "cancel"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purged workflow still in the trash: %v", err)
	}
	if ens := h.enrollments("cancel"); len(ens) != 0 {
		t.Fatalf("%d enrollments of a purged workflow left", len(ens))
	}
	h.deployM(waitThenMark("cancel"))

	// The maintenance service purges what has been in the Trash for 30 days.
	h.clock.Advance(DefaultTrashFor - 2*time.Hour) // it was deleted 61 minutes ago
	h.eng.RunMaintenance(h.ctx)
	if _, err := h.db.TrashedWorkflow(h.ctx, "keep"); err != nil {
		t.Fatalf("purged before 30 days: %v", err)
	}
	h.clock.Advance(2 * time.Hour)
	h.eng.RunMaintenance(h.ctx)
	if _, err := h.db.TrashedWorkflow(h.ctx, "keep"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("still in the trash after 30 days: %v", err)
	}
	st = h.eng.MaintenanceStats()["trash"]
	t.Logf("trash service: %d batches, %d rows; writer hold per batch: median %v, p99 %v, max %v", st.Batches, st.Rows, st.Median, st.P99, st.Longest)
}
