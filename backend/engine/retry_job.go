package engine

// "Retry all" of a workflow step as one durable job: the step's dead letters as they stood when
// the job started (up to the newest delivery-log line then, so what fails again is not picked
// again) are sent again in batches through the one redelivery path (resend + logRetry: the same
// webhook-id, a fresh signature, a delivery-log line per retry). Each batch commits its
// delivery-log lines together with the job's cursor and counts, so the API shows progress, a
// restart resumes after the last committed batch, and no dead letter gets two retry lines from
// one job. The bulk runner runs the jobs (runBulk: the leader only, on a shared database).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/flowdesk/flowdesk/backend/store"
)

// DefaultRetryBatch is how many dead letters one batch of a retry job sends again.
const DefaultRetryBatch = 25

// retryBatchFor bounds how long one batch sends before it commits what it sent, so a slow
// receiver still shows progress.
const retryBatchFor = 2 * time.Second

// retrySends is how many dead letters of a batch are sent at once: a few slow receivers then
// do not hold up the rest, and one step's receiver never gets more than this from a job.
const retrySends = 4

// RetryJobRunningError is a "Retry all" asked for a step that has one running.
type RetryJobRunningError struct{ Job *store.RetryJob }

func (e *RetryJobRunningError) Error() string {
	return fmt.Sprintf("retry job %d is already sending the dead letters of step %q again (%d of %d done); wait for it to end or stop it",
		e.Job.ID, e.Job.StepID, e.Job.Done, e.Job.Total)
}

// Unwrap makes it an ErrConflict.
func (e *RetryJobRunningError) Unwrap() error { return store.ErrConflict }

// deadLetterQuery selects a step's dead letters up to the delivery-log line upTo.
func (e *Engine) deadLetterQuery(workflowID, stepID string, upTo int64) store.DeadLetterQuery {
	return store.DeadLetterQuery{WorkflowID: workflowID, StepID: stepID, StepTypes: e.resendable(), UpTo: upTo}
}

// StartRetryJob stores a "Retry all" of a workflow step's dead letters as a durable job, which
// the bulk runner then sends again in batches (RunDue runs it too). Missing fields, an unknown
// step and a step without dead letters are bad input naming the field; an unknown workflow is
// store.ErrNotFound; a step with a running job is *RetryJobRunningError.
func (e *Engine) StartRetryJob(ctx context.Context, workflowID, stepID string) (*store.RetryJob, error) {
	workflowID, stepID = strings.TrimSpace(workflowID), strings.TrimSpace(stepID)
	var pr problems
	if workflowID == "" {
		pr.add("workflow", "say whose dead letters to send again: give the workflow id")
	}
	if stepID == "" {
		pr.add("step", "say which step's dead letters to send again: give the step id")
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	w, err := e.db.Workflow(ctx, workflowID)
	if err != nil {
		return nil, fmt.Errorf("workflow %q: %w", workflowID, err)
	}
	upTo, err := e.db.MaxAttemptID(ctx)
	if err != nil {
		return nil, err
	}
	total, err := e.db.CountDeadLetters(ctx, e.deadLetterQuery(workflowID, stepID, upTo))
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, e.noDeadLetters(w, stepID)
	}
	j := &store.RetryJob{WorkflowID: workflowID, StepID: stepID, UpTo: upTo, Total: total}
	err = e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		running, err := tx.RetryJobs(store.RetryJobQuery{WorkflowID: workflowID, StepID: stepID, Status: store.EnrollJobRunning, Limit: 1})
		if err != nil {
			return err
		}
		if len(running) > 0 {
			return &RetryJobRunningError{Job: running[0]}
		}
		return tx.InsertRetryJob(j, e.clock.Now())
	})
	var busy *RetryJobRunningError
	if errors.Is(err, store.ErrConflict) && !errors.As(err, &busy) {
		// another process started one between the check and the insert (a shared database)
		if running, rerr := e.db.RetryJobs(ctx, store.RetryJobQuery{WorkflowID: workflowID, StepID: stepID, Status: store.EnrollJobRunning, Limit: 1}); rerr == nil && len(running) > 0 {
			err = &RetryJobRunningError{Job: running[0]}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("retry the dead letters of %q step %q: %w", workflowID, stepID, err)
	}
	e.log.Info("retry job started", "job", j.ID, "workflow", workflowID, "step", stepID, "dead_letters", total)
	e.wakeBulk()
	return j, nil
}

// noDeadLetters says why a step has nothing to send again: no such step, a step type that
// cannot send again, or no dead letter left.
func (e *Engine) noDeadLetters(w *store.Workflow, stepID string) error {
	var def struct {
		Steps []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"steps"`
	}
	_ = json.Unmarshal(w.Definition, &def) // a stored definition parses; without steps, none is known
	var ids []string
	for _, s := range def.Steps {
		if s.ID != stepID {
			ids = append(ids, s.ID)
			continue
		}
		if !slices.Contains(e.resendable(), s.Type) {
			return badInput("step", "step %q is a %s step; only webhook deliveries can be sent again", stepID, s.Type)
		}
		return badInput("step", "step %q has no dead letters: every delivery of it was delivered or has been sent again since", stepID)
	}
	if len(ids) == 0 {
		return badInput("step", "workflow %q has no step %q", w.ID, stepID)
	}
	return badInput("step", "workflow %q has no step %q; its steps are %s", w.ID, stepID, strings.Join(ids, ", "))
}

// RunRetryBatch runs one batch of the oldest running retry job and reports whether there was
// one. The bulk runner calls it; tests call it to step through a job.
func (e *Engine) RunRetryBatch(ctx context.Context) (bool, error) {
	ids, err := e.db.RunningRetryJobs(ctx)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	return true, e.retryBatch(ctx, ids[0])
}

// retryBatch sends the job's next dead letters again, retrySends at a time, then commits their
// delivery-log lines with the job's cursor and counts in one write. A crash before that write
// leaves the job where it was: the batch is sent again after the restart (the same webhook-id,
// so a receiver that deduplicates takes it once) and logged once.
func (e *Engine) retryBatch(ctx context.Context, id int64) error {
	j, err := e.db.RetryJob(ctx, id)
	if err != nil {
		return err
	}
	if j.Status != store.EnrollJobRunning {
		return nil
	}
	if _, err := e.db.Workflow(ctx, j.WorkflowID); errors.Is(err, store.ErrNotFound) {
		return e.saveRetryBatch(ctx, id, nil, func(j *store.RetryJob) {
			j.Status = store.EnrollJobFailed
			j.Error = fmt.Sprintf("the workflow was deleted after %d of %d dead letters were handled", j.Done, j.Total)
		})
	} else if err != nil {
		return err
	}
	q := e.deadLetterQuery(j.WorkflowID, j.StepID, j.UpTo)
	q.After, q.Limit = j.Cursor, e.opts.RetryBatch
	page, err := e.db.DeadLetters(ctx, q)
	if err != nil {
		return err
	}
	if _, seen := e.retryRuns.LoadOrStore(id, true); !seen && len(page) > 0 {
		// once per job and process: which process sends (the leader, on a shared database)
		e.log.Info("retry job running", "job", id, "done", j.Done, "total", j.Total)
	}
	// Up to retrySends sends at once, each into its own slot of res, so the lines are logged in
	// page order whatever order the receivers answer in. No send starts once the batch has sent
	// for retryBatchFor: the cursor is then the last dead letter started, and every one before it
	// has ended.
	res := make([]*store.ActionAttempt, len(page))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(retrySends)
	started, n := e.clock.Now(), 0
	for i, a := range page {
		if n > 0 && e.clock.Now().Sub(started) > retryBatchFor {
			break
		}
		if gctx.Err() != nil {
			break // stopping, or a send failed: Wait says which
		}
		n = i + 1
		g.Go(func() error {
			r, err := e.retryOne(gctx, a)
			res[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // stopping: nothing of this batch is logged, the next start sends it
	}
	type sent struct{ dead, next *store.ActionAttempt }
	var out []sent
	var cursor, skipped int64
	for i, next := range res[:n] {
		cursor = page[i].ID
		if next == nil {
			skipped++
			continue
		}
		out = append(out, sent{page[i], next})
	}
	finished := len(page) < q.Limit && (len(page) == 0 || cursor == page[len(page)-1].ID)
	var ok, failed int64
	err = e.saveRetryBatch(ctx, id, func(tx store.Tx) error {
		ok, failed = 0, 0
		for _, s := range out {
			if err := logRetry(tx, s.dead, s.next); err != nil {
				return err
			}
			if s.next.Outcome == store.AttemptOK {
				ok++
			} else {
				failed++
			}
		}
		return nil
	}, func(j *store.RetryJob) {
		if cursor > j.Cursor {
			j.Cursor = cursor
		}
		j.OK += ok
		j.Failed += failed
		j.Skipped += skipped
		j.Done += ok + failed + skipped
		if finished && j.Status == store.EnrollJobRunning {
			// dead letters that went (retention) between the count and the job are skipped too
			j.Skipped += max(0, j.Total-j.Done)
			j.Done = max(j.Done, j.Total)
			j.Status = store.EnrollJobDone
		}
	})
	if err == nil && finished {
		e.retryRuns.Delete(id)
		e.log.Info("retry job done", "job", id, "workflow", j.WorkflowID, "step", j.StepID)
	}
	return err
}

// retryOne sends a dead letter again and returns the delivery-log line of the outcome, not yet
// logged; nil is a dead letter skipped: sent again by hand since the job started, or its
// enrollment gone (retention).
func (e *Engine) retryOne(ctx context.Context, a *store.ActionAttempt) (*store.ActionAttempt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	latest, err := e.db.ActionAttempts(ctx, store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(latest) == 1 && latest[0].ID != a.ID {
		return nil, nil // sent again by hand since the job started
	}
	next, err := e.resend(ctx, a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // the enrollment is gone (retention)
	}
	return next, err
}

// saveRetryBatch commits a batch: logs (the batch's delivery-log lines) and then the job's
// progress as update changes it, in one write. A job stopped by hand meanwhile keeps its
// status, and still counts what the batch sent.
func (e *Engine) saveRetryBatch(ctx context.Context, id int64, logs func(tx store.Tx) error, update func(j *store.RetryJob)) error {
	err := e.db.Write(ctx, func(tx store.Tx) error {
		j, err := tx.RetryJob(id)
		if err != nil {
			return err
		}
		if logs != nil {
			if err := logs(tx); err != nil {
				return err
			}
		}
		update(j)
		return tx.SaveRetryJob(j, e.clock.Now())
	})
	if err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	return nil
}

// CancelRetryJob stops a running retry job after its current batch: what it sent so far stays
// logged. A job that has ended is ErrConflict.
func (e *Engine) CancelRetryJob(ctx context.Context, id int64) (*store.RetryJob, error) {
	var out *store.RetryJob
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		j, err := tx.RetryJob(id)
		if err != nil {
			return err
		}
		if j.Status != store.EnrollJobRunning {
			return fmt.Errorf("retry job %d is %s; only a running job can be stopped: %w", id, j.Status, store.ErrConflict)
		}
		j.Status = store.EnrollJobCancelled
		out = j
		return tx.SaveRetryJob(j, e.clock.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("stop retry job %d: %w", id, err)
	}
	return out, nil
}
