package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// ResendInput is a manual retry of a logged attempt (a dead letter, usually).
type ResendInput struct {
	Attempt  *store.ActionAttempt
	Workflow *workflow.Definition // the version the attempt's enrollment runs
	Now      time.Time
}

// Resender is an Action that can send a logged attempt again by hand (the webhook action).
type Resender interface {
	Resend(ctx context.Context, in ResendInput) ActionResult
}

// NotResendableError is a manual retry of a step type whose action cannot send again.
type NotResendableError struct{ StepType string }

func (e *NotResendableError) Error() string {
	return fmt.Sprintf("%s steps cannot be sent again by hand", e.StepType)
}

// Redeliver sends a logged delivery again now, through the action of its step type, and appends
// the outcome (ok or failed) to the delivery log as the visit's next try. The enrollment does
// not move: it went on when the step was dead-lettered. An unknown attempt is
// store.ErrNotFound; a step type that cannot resend is *NotResendableError.
func (e *Engine) Redeliver(ctx context.Context, attemptID int64) (*store.ActionAttempt, error) {
	atts, err := e.db.ActionAttempts(ctx, store.AttemptQuery{ID: attemptID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(atts) == 0 {
		return nil, fmt.Errorf("delivery %d: %w", attemptID, store.ErrNotFound)
	}
	a := atts[0]
	rs, ok := e.opts.Actions[a.StepType].(Resender)
	if !ok {
		return nil, &NotResendableError{StepType: a.StepType}
	}
	enr, err := e.db.Enrollment(ctx, a.EnrollmentID)
	if err != nil {
		return nil, err
	}
	def, err := e.definition(ctx, enr.WorkflowID, enr.Version)
	if err != nil {
		return nil, err
	}
	now := e.clock.Now()
	res := rs.Resend(ctx, ResendInput{Attempt: a, Workflow: def, Now: now})
	outcome := store.AttemptOK
	if res.Outcome != store.AttemptOK {
		outcome = store.AttemptFailed
	}
	next := &store.ActionAttempt{EnrollmentID: a.EnrollmentID, WorkflowID: a.WorkflowID, StepID: a.StepID, StepType: a.StepType,
		IdempotencyKey: a.IdempotencyKey, Outcome: outcome, Target: res.Target, StatusCode: res.StatusCode,
		LatencyMS: res.Latency.Milliseconds(), Error: res.Error, Response: res.Response, Request: res.Request, At: now}
	err = e.db.Write(ctx, func(tx store.Tx) error {
		last, err := tx.LastTry(a.IdempotencyKey)
		if err != nil {
			return err
		}
		next.Try = max(last, a.Try) + 1
		return tx.InsertActionAttempt(next)
	})
	if err != nil {
		return nil, fmt.Errorf("log the manual retry of delivery %d: %w", attemptID, err)
	}
	e.log.Info("manual redelivery", "attempt", a.ID, "new_attempt", next.ID, "workflow", a.WorkflowID, "outcome", outcome, "status", res.StatusCode)
	return next, nil
}

// MaxRetryBatch is the most dead letters one RetryDeadLetters call sends again; the caller asks
// again for the rest, so a long "Retry all" shows its progress and can stop between batches.
const MaxRetryBatch = 50

// RetryQuery selects the dead letters a "Retry all" sends again: those of one workflow,
// optionally of one step, at most Limit of them (10 when zero) in this call.
type RetryQuery struct {
	WorkflowID string `json:"workflow"`
	StepID     string `json:"step,omitempty"`
	Limit      int    `json:"limit,omitempty"`
	// UpTo leaves out tries logged after the delivery-log line with this id: a "Retry all"
	// passes back the UpTo of its first answer, so what fails again is not picked again.
	UpTo int64 `json:"up_to,omitempty"`
}

// RetryBatch is what one RetryDeadLetters call did, and what is left.
type RetryBatch struct {
	Retried   int `json:"retried"`   // sent again in this call
	Delivered int `json:"delivered"` // of those, delivered now
	Failed    int `json:"failed"`    // of those, failed again (logged as failed)
	// Skipped were picked but not sent: another retry was sending the same step visit, or had
	// delivered it since the list was read.
	Skipped int `json:"skipped"`
	// Remaining dead letters of the selection not yet resolved nor being sent by another run
	// (the next call's work).
	Remaining int `json:"remaining"`
	// UpTo is the query's UpTo, or the newest delivery-log line when the query had none.
	UpTo       int64                  `json:"up_to"`
	Deliveries []*store.ActionAttempt `json:"deliveries"` // the tries this call logged
}

// RetryDeadLetters sends the selected unresolved dead letters (webhook deliveries that failed
// for good and no later try delivered) again through Redeliver, oldest first, one after
// another, and says what is left. Two calls at once share the work: a step visit another call
// is sending is skipped, not sent twice. Bad input is a *problem.Error naming the field; an
// unknown workflow is store.ErrNotFound.
func (e *Engine) RetryDeadLetters(ctx context.Context, q RetryQuery) (*RetryBatch, error) {
	var pr problems
	if q.WorkflowID == "" {
		pr.add("workflow", "say whose dead letters to retry: give the workflow id")
	}
	switch {
	case q.Limit == 0:
		q.Limit = 10
	case q.Limit < 0 || q.Limit > MaxRetryBatch:
		pr.add("limit", "%d is not a batch size from 1 to %d", q.Limit, MaxRetryBatch)
	}
	if q.UpTo < 0 {
		pr.add("up_to", "%d is not a delivery-log id; leave it out to start a new retry", q.UpTo)
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	if _, err := e.db.Workflow(ctx, q.WorkflowID); err != nil {
		return nil, fmt.Errorf("workflow %q: %w", q.WorkflowID, err)
	}
	if q.UpTo == 0 {
		newest, err := e.db.ActionAttempts(ctx, store.AttemptQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(newest) == 1 {
			q.UpTo = newest[0].ID
		}
	}
	pending, err := e.deadLetters(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &RetryBatch{UpTo: q.UpTo, Deliveries: []*store.ActionAttempt{}}
	for _, a := range pending[:min(len(pending), q.Limit)] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		next, err := e.retryOnce(ctx, a)
		switch {
		case err != nil:
			return nil, err
		case next == nil:
			out.Skipped++
			continue
		}
		out.Retried++
		if next.Outcome == store.AttemptOK {
			out.Delivered++
		} else {
			out.Failed++
		}
		out.Deliveries = append(out.Deliveries, next)
	}
	left, err := e.deadLetters(ctx, q)
	if err != nil {
		return nil, err
	}
	out.Remaining = len(left)
	return out, nil
}

// retryOnce sends a dead letter again unless another "Retry all" is sending its step visit or a
// later try has delivered it (then nil, nil).
func (e *Engine) retryOnce(ctx context.Context, a *store.ActionAttempt) (*store.ActionAttempt, error) {
	if _, busy := e.retrying.LoadOrStore(a.IdempotencyKey, true); busy {
		return nil, nil
	}
	defer e.retrying.Delete(a.IdempotencyKey)
	latest, err := e.db.ActionAttempts(ctx, store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(latest) == 1 && latest[0].ID != a.ID {
		return nil, nil // tried again since the list was read
	}
	return e.Redeliver(ctx, a.ID)
}

// deadLetters lists the unresolved dead letters of a selection, oldest first: per step visit,
// its newest try when that failed for good, of a step type whose action can send again, and
// not being sent by another "Retry all" now. It
// reads the newest 1,000 failed tries of the workflow up to q.UpTo.
func (e *Engine) deadLetters(ctx context.Context, q RetryQuery) ([]*store.ActionAttempt, error) {
	failed, err := e.db.ActionAttempts(ctx, store.AttemptQuery{WorkflowID: q.WorkflowID, FailedOnly: true, Limit: 1000})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*store.ActionAttempt
	for _, a := range failed { // newest first
		if a.ID > q.UpTo || seen[a.IdempotencyKey] || (q.StepID != "" && a.StepID != q.StepID) {
			continue
		}
		seen[a.IdempotencyKey] = true
		if _, ok := e.opts.Actions[a.StepType].(Resender); !ok {
			continue
		}
		if _, busy := e.retrying.Load(a.IdempotencyKey); busy {
			continue // another run is sending it now: its work, not this one's
		}
		latest, err := e.db.ActionAttempts(ctx, store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
		if err != nil {
			return nil, err
		}
		// a later try (ok, or failed again in this "Retry all") settles it
		if len(latest) == 1 && latest[0].ID == a.ID {
			out = append(out, a)
		}
	}
	slices.Reverse(out)
	return out, nil
}
