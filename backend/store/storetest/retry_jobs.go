package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// retryJobsProgress: a step's dead letters as they stood at up_to (the newest try of each
// visit, failed for good, of the given types), counted and paged; one running job per step;
// progress saved and finished.
func retryJobsProgress(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", ann)
	log := func(key, step, typ, outcome string) *store.ActionAttempt {
		a := &store.ActionAttempt{EnrollmentID: en.ID, WorkflowID: "w", StepID: step, StepType: typ, IdempotencyKey: key, Try: 1, Outcome: outcome, At: T0}
		write(t, s, func(tx store.Tx) error { return tx.InsertActionAttempt(a) })
		return a
	}
	if n, err := s.MaxAttemptID(ctx); err != nil || n != 0 {
		t.Fatalf("newest line of an empty log: %d %v", n, err)
	}
	d1 := log("k1", "hook", "webhook", store.AttemptDead)
	log("k2", "hook", "webhook", store.AttemptDead)
	log("k2", "hook", "webhook", store.AttemptOK) // resolved by a later try
	d3 := log("k3", "hook", "webhook", store.AttemptFailed)
	log("k4", "other", "webhook", store.AttemptDead)
	log("k5", "hook", "send_email", store.AttemptDead)
	upTo, err := s.MaxAttemptID(ctx)
	if err != nil || upTo <= d3.ID {
		t.Fatalf("newest line %d %v", upTo, err)
	}
	again := log("k3", "hook", "webhook", store.AttemptFailed) // after up_to: not in the selection
	q := store.DeadLetterQuery{WorkflowID: "w", StepID: "hook", StepTypes: []string{"webhook"}, UpTo: upTo, Limit: 10}
	if n, err := s.CountDeadLetters(ctx, q); err != nil || n != 2 {
		t.Fatalf("count %d %v, want 2 (k1, k3)", n, err)
	}
	page, err := s.DeadLetters(ctx, q)
	if err != nil || len(page) != 2 || page[0].ID != d1.ID || page[1].ID != d3.ID {
		t.Fatalf("dead letters %+v %v, want k1 then k3", page, err)
	}
	q.After, q.Limit = d1.ID, 1
	if page, _ := s.DeadLetters(ctx, q); len(page) != 1 || page[0].ID != d3.ID {
		t.Fatalf("page after k1: %+v", page)
	}
	q.After, q.UpTo, q.Limit = 0, again.ID, 10 // up to the later try, k3 is that try
	if page, _ := s.DeadLetters(ctx, q); len(page) != 2 || page[1].ID != again.ID {
		t.Fatalf("up to the newer try: %+v", page)
	}
	if n, _ := s.CountDeadLetters(ctx, store.DeadLetterQuery{WorkflowID: "w", StepID: "hook", UpTo: upTo}); n != 0 {
		t.Fatalf("no resendable types: %d", n)
	}

	job := &store.RetryJob{WorkflowID: "w", StepID: "hook", UpTo: upTo, Total: 2}
	write(t, s, func(tx store.Tx) error { return tx.InsertRetryJob(job, T0) })
	if job.ID == 0 || job.Status != store.EnrollJobRunning || !job.CreatedAt.Equal(T0) {
		t.Fatalf("stored job %+v", job)
	}
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertRetryJob(&store.RetryJob{WorkflowID: "w", StepID: "hook", UpTo: upTo}, T0)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second running job of the step: %v, want ErrConflict", err)
	}
	other := &store.RetryJob{WorkflowID: "w", StepID: "other", UpTo: upTo, Total: 1}
	write(t, s, func(tx store.Tx) error { return tx.InsertRetryJob(other, T0) })
	if ids, err := s.RunningRetryJobs(ctx); err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{job.ID, other.ID}) {
		t.Fatalf("running %v %v", ids, err)
	}
	later := T0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error {
		running, err := tx.RetryJobs(store.RetryJobQuery{WorkflowID: "w", StepID: "hook", Status: store.EnrollJobRunning, Limit: 1})
		if err != nil || len(running) != 1 || running[0].ID != job.ID {
			return fmt.Errorf("the step's running job: %v %v", running, err)
		}
		j, err := tx.RetryJob(job.ID)
		if err != nil {
			return err
		}
		j.Cursor, j.Done, j.OK, j.Failed = d1.ID, 1, 1, 0
		if err := tx.SaveRetryJob(j, later); err != nil {
			return err
		}
		j.Cursor, j.Done, j.Failed, j.Skipped, j.Status = d3.ID, 2, 0, 1, store.EnrollJobDone
		return tx.SaveRetryJob(j, later)
	})
	got, err := s.RetryJob(ctx, job.ID)
	if err != nil || got.Status != store.EnrollJobDone || got.Cursor != d3.ID || got.Done != 2 || got.OK != 1 || got.Skipped != 1 ||
		got.UpTo != upTo || got.Total != 2 || got.FinishedAt == nil || !got.FinishedAt.Equal(later) || !got.UpdatedAt.Equal(later) {
		t.Fatalf("finished job %+v %v", got, err)
	}
	// the step is free again
	write(t, s, func(tx store.Tx) error {
		return tx.InsertRetryJob(&store.RetryJob{WorkflowID: "w", StepID: "hook", UpTo: upTo}, later)
	})
	if all, err := s.RetryJobs(ctx, store.RetryJobQuery{WorkflowID: "w", Limit: 10}); err != nil || len(all) != 3 || all[2].ID != job.ID {
		t.Fatalf("jobs newest first %v %v", all, err)
	}
	if done, _ := s.RetryJobs(ctx, store.RetryJobQuery{Status: store.EnrollJobDone}); len(done) != 1 || done[0].ID != job.ID {
		t.Fatalf("done jobs %v", done)
	}
	if _, err := s.RetryJob(ctx, 404); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}
