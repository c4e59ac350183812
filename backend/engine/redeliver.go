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
	next, err := e.resend(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return logRetry(tx, a, next) }); err != nil {
		return nil, fmt.Errorf("log the manual retry of delivery %d: %w", attemptID, err)
	}
	e.log.Info("manual redelivery", "attempt", a.ID, "new_attempt", next.ID, "workflow", a.WorkflowID, "outcome", next.Outcome, "status", next.StatusCode)
	return next, nil
}

// resend sends a logged attempt again through the action of its step type and returns the
// delivery-log line of the outcome (ok or failed), not yet logged: logRetry logs it. The
// enrollment gone (retention) is store.ErrNotFound.
func (e *Engine) resend(ctx context.Context, a *store.ActionAttempt) (*store.ActionAttempt, error) {
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
	return &store.ActionAttempt{EnrollmentID: a.EnrollmentID, WorkflowID: a.WorkflowID, StepID: a.StepID, StepType: a.StepType,
		IdempotencyKey: a.IdempotencyKey, Outcome: outcome, Target: res.Target, StatusCode: res.StatusCode,
		LatencyMS: res.Latency.Milliseconds(), Error: res.Error, Response: res.Response, Request: res.Request, At: now}, nil
}

// logRetry appends the line of a retry of a as the visit's next try, numbered inside the write
// so concurrent retries of one visit never share a number.
func logRetry(tx store.Tx, a, next *store.ActionAttempt) error {
	last, err := tx.LastTry(a.IdempotencyKey)
	if err != nil {
		return err
	}
	next.Try = max(last, a.Try) + 1
	return tx.InsertActionAttempt(next)
}

// resendable lists the step types whose action can send a logged attempt again.
func (e *Engine) resendable() []string {
	var out []string
	for typ, a := range e.opts.Actions {
		if _, ok := a.(Resender); ok {
			out = append(out, typ)
		}
	}
	slices.Sort(out)
	return out
}
