package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/store"
)

// MaxCancelReason caps the reason given for cancelling an enrollment.
const MaxCancelReason = 500

// CancelEnrollment unenrolls one record by hand: the enrollment ends as cancelled, its pending
// job is dropped (a worker holding it drops its result), and the reason goes into its history.
// A finished enrollment cannot be cancelled (ErrConflict).
func (e *Engine) CancelEnrollment(ctx context.Context, id int64, reason string) (*store.Enrollment, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, badInput("reason", "say why the enrollment is cancelled; the reason is kept in its history")
	case utf8.RuneCountInString(reason) > MaxCancelReason:
		return nil, badInput("reason", "the reason is longer than %d characters; shorten it", MaxCancelReason)
	}
	var out *store.Enrollment
	err := e.db.Write(store.Urgent(ctx), func(tx *store.Tx) error { // a caller waits to acknowledge it
		en, err := tx.Enrollment(id)
		if err != nil {
			return err
		}
		if en.Status != store.StatusActive && en.Status != store.StatusWaiting {
			return fmt.Errorf("enrollment %d is %s; only active or waiting enrollments can be cancelled: %w", id, en.Status, store.ErrConflict)
		}
		now := e.clock.Now()
		if err := tx.DeleteJob(id); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(id, store.StatusCancelled, en.CurrentStep, en.StepsRun, "", now); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"reason": reason, "by": "hand"})
		if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: id, StepID: en.CurrentStep, Outcome: store.HistCancelled, Detail: detail, At: now}); err != nil {
			return err
		}
		out, err = tx.Enrollment(id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cancel enrollment %d: %w", id, err)
	}
	return out, nil
}
