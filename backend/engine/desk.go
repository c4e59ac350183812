package engine

import (
	"context"

	"github.com/flowdesk/flowdesk/backend/store"
)

// The operations below are the writes a user makes outside workflows (the notification bell,
// the outbox, email templates, tasks). They live here so that every write goes through an
// operation of the engine or a service, never through a handler's own transaction.

// MarkNotificationRead marks a notification read; an unknown id is store.ErrNotFound.
func (e *Engine) MarkNotificationRead(ctx context.Context, id int64) error {
	return e.db.Write(ctx, func(tx store.Tx) error { return tx.MarkRead(id) })
}

// DeleteOutboxMessage removes a message from the outbox; an unknown id is store.ErrNotFound.
func (e *Engine) DeleteOutboxMessage(ctx context.Context, id int64) error {
	return e.db.Write(ctx, func(tx store.Tx) error { return tx.DeleteOutbox(id) })
}

// SeedEmailTemplates stores, in one write, the templates whose names are not taken yet, as
// they are (the demo's own templates, loaded before the properties they name exist); ones
// already there are left as they are.
func (e *Engine) SeedEmailTemplates(ctx context.Context, tpls []store.EmailTemplate) error {
	return e.db.Write(ctx, func(tx store.Tx) error {
		for i := range tpls {
			if _, err := tx.PutEmailTemplateIfMissing(&tpls[i], e.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetTaskStatus opens or closes a task (store.TaskOpen, store.TaskDone) and returns it.
func (e *Engine) SetTaskStatus(ctx context.Context, id int64, status string) (*store.Task, error) {
	var t *store.Task
	err := e.db.Write(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.SetTaskStatus(id, status, e.clock.Now())
		return err
	})
	return t, err
}
