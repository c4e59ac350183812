package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/store"
)

// RerunEnrollment runs a failed enrollment again from the step it failed at, in the same
// enrollment (not a copy): it becomes active at that step, in the version it ran, with a history
// line saying so, and the dispatcher picks it up at once. The canvas counters keep the failed
// visit; the enrollment's own failed-step count drops it, since the step is being done again.
// Only a failed enrollment whose step still exists can be run again (ErrConflict otherwise, also
// when the record has since entered the workflow again).
func (e *Engine) RerunEnrollment(ctx context.Context, id int64) (*store.Enrollment, error) {
	en, err := e.db.Enrollment(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("re-run enrollment %d: %w", id, err)
	}
	if err := e.rerunnable(ctx, en); err != nil {
		return nil, fmt.Errorf("re-run enrollment %d: %w", id, err)
	}
	var out *store.Enrollment
	err = e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		en, err := tx.Enrollment(id)
		if err != nil {
			return err
		}
		if en.Status != store.StatusFailed { // changed since it was read
			return fmt.Errorf("enrollment %d is %s; only a failed enrollment can be re-run: %w", id, en.Status, store.ErrConflict)
		}
		now := e.clock.Now()
		if err := tx.UpdateEnrollment(id, store.StatusActive, en.CurrentStep, en.StepsRun, "", now); err != nil {
			return err
		}
		if en.FailedSteps > 0 {
			// The visit that failed is being done again: if it now works, the enrollment ends
			// completed, not completed with errors. Other failed steps stay counted.
			if err := tx.CountFailedSteps(id, -1); err != nil {
				return err
			}
		}
		if err := tx.PutJob(&store.Job{EnrollmentID: id, RecordID: en.RecordID, StepID: en.CurrentStep, Kind: store.JobRun, RunAt: now}); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"step": en.CurrentStep, "previous_error": en.Error, "by": "hand"})
		if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: id, StepID: en.CurrentStep, Outcome: store.HistRerun, Detail: detail, At: now}); err != nil {
			return err
		}
		out, err = tx.Enrollment(id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("re-run enrollment %d: %w", id, err)
	}
	e.Wake()
	return out, nil
}

// rerunnable says why an enrollment cannot be run again from its failed step, if it cannot.
func (e *Engine) rerunnable(ctx context.Context, en *store.Enrollment) error {
	if en.Status != store.StatusFailed {
		return fmt.Errorf("enrollment %d is %s; only a failed enrollment can be re-run: %w", en.ID, en.Status, store.ErrConflict)
	}
	if en.CurrentStep == "" {
		return fmt.Errorf("enrollment %d failed before reaching a step, so there is no step to re-run from: %w", en.ID, store.ErrConflict)
	}
	if e.cancelledByDelete(en.WorkflowID) {
		return fmt.Errorf("the workflow %q was deleted with its enrollments cancelled; restore it from the Trash first: %w", en.WorkflowID, store.ErrConflict)
	}
	def, err := e.definition(ctx, en.WorkflowID, en.Version)
	if err != nil {
		return fmt.Errorf("version %d of workflow %q is gone: %w", en.Version, en.WorkflowID, store.ErrConflict)
	}
	if def.Step(en.CurrentStep) == nil {
		return fmt.Errorf("step %q does not exist in version %d: %w", en.CurrentStep, en.Version, store.ErrConflict)
	}
	return nil
}
