package engine

import (
	"context"
	"errors"

	"github.com/flowdesk/flowdesk/backend/store"
)

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

// wakeTrash starts the Trash's background round now.
func (e *Engine) wakeTrash() { e.maint.trash.Wake() }
