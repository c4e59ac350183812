package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// WorkflowDefinitions is a workflow's draft definition and the definition of the version new
// enrollments start on (nil when it never went live), for finding what a workflow uses.
type WorkflowDefinitions struct {
	ID, Name string
	Draft    json.RawMessage
	Live     json.RawMessage
}

// WorkflowDefinitions lists every workflow not in the Trash with its draft and live
// definitions, inside the transaction (so a check and the write it guards see the same state).
func (t *sqlTx) WorkflowDefinitions() ([]WorkflowDefinitions, error) {
	return workflowDefinitions(t.ctx, t.tx)
}

// WorkflowDefinitions is Tx.WorkflowDefinitions outside a transaction.
func (db *DB) WorkflowDefinitions(ctx context.Context) ([]WorkflowDefinitions, error) {
	return workflowDefinitions(ctx, db.r)
}

func workflowDefinitions(ctx context.Context, q querier) ([]WorkflowDefinitions, error) {
	rows, err := q.QueryContext(ctx, `SELECT w.id, w.name, w.definition, COALESCE(v.definition, '')
		FROM workflows w LEFT JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.active_version
		WHERE w.deleted_at IS NULL ORDER BY LOWER(w.name), w.id`)
	if err != nil {
		return nil, fmt.Errorf("list workflow definitions: %w", err)
	}
	return collect(rows, "list workflow definitions", func(r rowScanner) (WorkflowDefinitions, error) {
		var w WorkflowDefinitions
		var draft, live string
		if err := r.Scan(&w.ID, &w.Name, &draft, &live); err != nil {
			return w, err
		}
		w.Draft = json.RawMessage(draft)
		if live != "" {
			w.Live = json.RawMessage(live)
		}
		return w, nil
	})
}
