package engine

import (
	"context"

	"github.com/flowdesk/flowdesk/backend/store"
)

// SaveScenario stores a workflow test saved in the app (new when its ID is 0): the workflow
// must exist; a name the workflow uses for another scenario is ErrConflict.
func (e *Engine) SaveScenario(ctx context.Context, sc *store.Scenario) error {
	if _, err := e.db.Workflow(ctx, sc.WorkflowID); err != nil {
		return err
	}
	return e.db.Write(ctx, func(tx store.Tx) error { return tx.PutScenario(sc, e.clock.Now()) })
}

// DeleteScenario removes a saved scenario of a workflow.
func (e *Engine) DeleteScenario(ctx context.Context, workflowID string, id int64) error {
	return e.db.Write(ctx, func(tx store.Tx) error { return tx.DeleteScenario(workflowID, id) })
}
