package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// DefaultTrashFor is how long a deleted workflow stays restorable in the Trash.
const DefaultTrashFor = 30 * 24 * time.Hour

// Delete moves a workflow to the Trash in one small write: it is switched off and no
// longer matches events at once, and keeps its versions, enrollments, history and counters so
// Restore can bring it back. With cancelOpen its open enrollments are cancelled in
// background batches (a claimed step of theirs is cancelled instead of run); without, they run
// to their end. Its rows are removed when the Trash is purged.
func (s *Workflows) Delete(ctx context.Context, id string, cancelOpen bool) error {
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.TrashWorkflow(id, cancelOpen, s.clock.Now()) }); err != nil {
		return fmt.Errorf("delete workflow %q: %w", id, err)
	}
	if err := s.rt.rebuildIndex(ctx); err != nil {
		return err
	}
	s.rt.wakeTrash()
	return nil
}

// Restore takes a workflow out of the Trash, switched off, with its definition,
// versions, enrollments history and counters. Enrollments cancelled by the delete stay
// cancelled.
func (s *Workflows) Restore(ctx context.Context, id string) (*store.Workflow, error) {
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.RestoreWorkflow(id, s.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("restore workflow %q: %w", id, err)
	}
	if err := s.rt.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	return s.db.Workflow(ctx, id)
}

// Purge asks for a workflow in the Trash to be removed now. The maintenance service
// removes its rows in small batches; TrashedWorkflow reports the progress until it is gone.
func (s *Workflows) Purge(ctx context.Context, id string) (*store.TrashedWorkflow, error) {
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.RequestPurge(id, s.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("purge workflow %q: %w", id, err)
	}
	if err := s.rt.loadCancelling(ctx); err != nil {
		return nil, err
	}
	s.rt.wakeTrash()
	return s.db.TrashedWorkflow(ctx, id)
}

// TrashFor is how long a deleted workflow stays restorable.
func (s *Workflows) TrashFor() time.Duration { return s.trashFor }
