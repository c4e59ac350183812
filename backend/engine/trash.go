package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// DefaultTrashFor is how long a deleted workflow stays restorable in the Trash.
const DefaultTrashFor = 30 * 24 * time.Hour

// DeleteWorkflow moves a workflow to the Trash in one small write: it is switched off and no
// longer matches events at once, and keeps its versions, enrollments, history and counters so
// RestoreWorkflow can bring it back. With cancelOpen its open enrollments are cancelled in
// background batches (a claimed step of theirs is cancelled instead of run); without, they run
// to their end. Its rows are removed when the Trash is purged.
func (e *Engine) DeleteWorkflow(ctx context.Context, id string, cancelOpen bool) error {
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.TrashWorkflow(id, cancelOpen, e.clock.Now()) }); err != nil {
		return fmt.Errorf("delete workflow %q: %w", id, err)
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return err
	}
	e.maint.trash.Wake()
	return nil
}

// RestoreWorkflow takes a workflow out of the Trash, switched off, with its definition,
// versions, enrollments history and counters. Enrollments cancelled by the delete stay
// cancelled.
func (e *Engine) RestoreWorkflow(ctx context.Context, id string) (*store.Workflow, error) {
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.RestoreWorkflow(id, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("restore workflow %q: %w", id, err)
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	return e.db.Workflow(ctx, id)
}

// PurgeWorkflow asks for a workflow in the Trash to be removed now. The maintenance service
// removes its rows in small batches; TrashedWorkflow reports the progress until it is gone.
func (e *Engine) PurgeWorkflow(ctx context.Context, id string) (*store.TrashedWorkflow, error) {
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.RequestPurge(id, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("purge workflow %q: %w", id, err)
	}
	if err := e.loadCancelling(ctx); err != nil {
		return nil, err
	}
	e.maint.trash.Wake()
	return e.db.TrashedWorkflow(ctx, id)
}

// loadCancelling reloads the set of deleted workflows whose claimed steps are cancelled.
func (e *Engine) loadCancelling(ctx context.Context) error {
	ids, err := e.db.CancellingWorkflows(ctx)
	if err != nil {
		return err
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	e.cancelling.Store(&set)
	return nil
}

// cancelledByDelete reports whether a workflow's open enrollments are being cancelled because it
// was deleted.
func (e *Engine) cancelledByDelete(id string) bool {
	set := e.cancelling.Load()
	return set != nil && (*set)[id]
}

// trashRound does the Trash's background work in small batches: it asks for the purge of
// workflows deleted longer ago than TrashFor, cancels the open enrollments of workflows deleted
// with cancel, and removes the rows of workflows whose purge was asked for.
func (e *Engine) trashRound(ctx context.Context) error {
	st := &e.maint.stats.trash
	defer st.round()
	now := e.clock.Now()
	if _, err := e.db.ExpireTrash(ctx, now.Add(-e.opts.TrashFor), now); err != nil {
		return err
	}
	cancel, purge, err := e.db.TrashToWork(ctx)
	if err != nil {
		return err
	}
	if len(purge) > 0 {
		if err := e.loadCancelling(ctx); err != nil {
			return err
		}
	}
	for _, id := range cancel {
		if err := e.batches(ctx, st, func(limit int) (store.Batch, error) {
			return e.db.CancelTrashedEnrollments(ctx, id, limit, e.clock.Now())
		}); err != nil {
			return err
		}
	}
	for _, id := range purge {
		if err := e.batches(ctx, st, func(limit int) (store.Batch, error) { return e.db.PurgeWorkflow(ctx, id, limit) }); err != nil {
			return err
		}
		e.forgetWorkflow(id)
		e.log.Info("purged a deleted workflow", "workflow", id)
	}
	if len(purge) > 0 {
		return e.loadCancelling(ctx)
	}
	return nil
}

// errStopped ends a round when the service stops between batches.
var errStopped = errors.New("maintenance stopped")

// TrashFor is how long a deleted workflow stays restorable.
func (e *Engine) TrashFor() time.Duration { return e.opts.TrashFor }
