package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// wantCancelled checks the enrollments after a batch cancel: each is cancelled at now, its last line a cancellation at its step with the reason.
func wantCancelled(t *testing.T, s store.Store, ens []*store.Enrollment, reason string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, en := range ens {
		got, err := s.Enrollment(ctx, en.ID)
		if err != nil || got.Status != store.StatusCancelled || got.FinishedAt == nil || !got.FinishedAt.Equal(now) {
			t.Fatalf("enrollment %d after the cancel: %+v %v, want cancelled at %v", en.ID, got, err, now)
		}
		hist, err := s.History(ctx, en.ID)
		if err != nil || len(hist) == 0 {
			t.Fatalf("history of %d: %v %v", en.ID, hist, err)
		}
		last := hist[len(hist)-1]
		var d struct{ Reason string }
		_ = json.Unmarshal(last.Detail, &d)
		if last.Outcome != store.HistCancelled || last.StepID != en.CurrentStep || d.Reason != reason || !last.At.Equal(now) {
			t.Fatalf("last history line of %d: %+v, want a cancellation at %q saying %q", en.ID, last, en.CurrentStep, reason)
		}
	}
}

// rollupCount is the rollup's count of one outcome of a workflow's enrollment-level lines
// (step "") on T0's day.
func rollupCount(t *testing.T, s store.Store, wf, outcome string) int64 {
	t.Helper()
	rows, err := s.Rollup(context.Background(), wf, T0, T0)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, r := range rows {
		if r.StepID == "" && r.Outcome == outcome {
			if !r.Day.Equal(T0.Truncate(24 * time.Hour)) {
				t.Fatalf("rollup row %+v, want the day of %v", r, T0)
			}
			n += r.N
		}
	}
	return n
}

func switchedOffCancelled(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob, cy := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil), contact(t, s, "cy@example.com", nil)
	open := []*store.Enrollment{enrollment(t, s, "w", ann), enrollment(t, s, "w", bob)}
	done := enrollment(t, s, "w", cy)
	other := enrollment(t, s, "other", ann)
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutJob(&store.Job{EnrollmentID: open[0].ID, RecordID: ann.ID, StepID: "a", Kind: store.JobRun, RunAt: T0}); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(done.ID, store.StatusCompleted, "", 1, "", T0); err != nil {
			return err
		}
		return tx.SetWorkflowEnabled("w", true, 1, T0)
	})
	now := T0.Add(time.Hour)
	if b, err := s.CancelSwitchedOffEnrollments(ctx, "w", 10, now); err != nil || b.Rows != 0 || b.More {
		t.Fatalf("cancel while the workflow is on: %+v %v, want nothing done", b, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetWorkflowEnabled("w", false, 0, now) })
	var total int64
	for range 3 { // one at a time: 1 (more), 1 (more: a full batch), 0 (done)
		b, err := s.CancelSwitchedOffEnrollments(ctx, "w", 1, now)
		if err != nil {
			t.Fatal(err)
		}
		total += b.Rows
		if b.More != (b.Rows == 1) {
			t.Fatalf("batch %+v: More should say a full batch was cancelled", b)
		}
	}
	if total != 2 {
		t.Fatalf("cancelled %d enrollments, want the 2 open ones", total)
	}
	wantCancelled(t, s, open, "the workflow was switched off", now)
	if got, _ := s.Enrollment(ctx, done.ID); got.Status != store.StatusCompleted {
		t.Fatalf("a finished enrollment became %q", got.Status)
	}
	if got, _ := s.Enrollment(ctx, other.ID); got.Status != store.StatusActive {
		t.Fatalf("another workflow's enrollment became %q", got.Status)
	}
	if n, err := s.PendingJobs(ctx); err != nil || n != 0 {
		t.Fatalf("pending jobs %d %v, want the cancelled enrollment's job dropped", n, err)
	}
	if n := rollupCount(t, s, "w", store.HistCancelled); n != 2 {
		t.Fatalf("the rollup counts %d cancellations, want 2", n)
	}
	stats, err := s.Stats(ctx, "w")
	if err != nil || stats.Enrollments[store.StatusCancelled] != 2 || stats.Enrollments[store.StatusCompleted] != 1 || stats.Enrollments[store.StatusActive] != 0 {
		t.Fatalf("stats %+v %v, want 2 cancelled and 1 completed", stats, err)
	}
}

func refusalsCounted(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "w1", ann)
	enrollment(t, s, "w2", ann)
	write(t, s, func(tx store.Tx) error {
		for _, r := range []store.Refusal{
			{RecordID: ann.ID, WorkflowID: "w1", TriggerID: "t1", Code: "suppressed", Reason: "in suppression list a", At: T0},
			{RecordID: ann.ID, WorkflowID: "w2", TriggerID: "manual", Code: "suppressed", Reason: "in suppression list b", At: T0.Add(time.Minute)},
			{RecordID: ann.ID, WorkflowID: "w1", TriggerID: "t2", Code: "suppressed", Reason: "in suppression list c", At: T0.Add(time.Hour)},
		} {
			if err := tx.PutRefusal(r); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.Refusals(ctx, ann.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("refusals %+v %v, want one per workflow", got, err)
	}
	if w1 := got[0]; w1.WorkflowID != "w1" || w1.Count != 2 || w1.TriggerID != "t2" || w1.Reason != "in suppression list c" ||
		!w1.FirstAt.Equal(T0) || !w1.At.Equal(T0.Add(time.Hour)) {
		t.Fatalf("w1's refusal %+v, want the latest first, counted twice, first at %v", w1, T0)
	}
	if none, err := s.Refusals(ctx, 404); err != nil || len(none) != 0 {
		t.Fatalf("refusals of another record: %+v %v", none, err)
	}
}
