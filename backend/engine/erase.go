package engine

import (
	"context"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/store"
)

// EraseRecord erases a record and its personal data everywhere (store.Tx.EraseRecord) in one
// write, cancelling its open enrollments; counters and an anonymous tombstone stay. A record
// that does not exist or was already erased is store.ErrNotFound.
func (e *Engine) EraseRecord(ctx context.Context, id int64) (*store.Erasure, error) {
	var out *store.Erasure
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		var err error
		out, err = tx.EraseRecord(id, e.clock.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	e.log.Info("record erased", "record", id, "type", out.Type, "enrollments", out.Enrollments, "cancelled", out.Cancelled)
	return out, nil
}
