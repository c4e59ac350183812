package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
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
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		en, err := tx.Enrollment(id)
		if err != nil {
			return err
		}
		if en.Status != store.StatusActive && en.Status != store.StatusWaiting {
			return fmt.Errorf("enrollment %d is %s; only active or waiting enrollments can be cancelled: %w", id, en.Status, store.ErrConflict)
		}
		if err := cancelOpen(tx, en, map[string]any{"reason": reason, "by": "hand"}, e.clock.Now()); err != nil {
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

// cancelOpen ends an open enrollment as cancelled in tx: its pending job is dropped (a worker
// holding it drops its result) and detail says why in its history.
func cancelOpen(tx store.Tx, en *store.Enrollment, detail map[string]any, now time.Time) error {
	if err := tx.DeleteJob(en.ID); err != nil {
		return err
	}
	if err := tx.UpdateEnrollment(en.ID, store.StatusCancelled, en.CurrentStep, en.StepsRun, "", now); err != nil {
		return err
	}
	raw, _ := json.Marshal(detail)
	return tx.AppendHistory(store.HistoryEntry{EnrollmentID: en.ID, StepID: en.CurrentStep, Outcome: store.HistCancelled, Detail: raw, At: now})
}

// holdSwitchingOff marks a workflow as being switched off with its open enrollments cancelled:
// until release, a claimed step of it is cancelled instead of run.
func (e *Engine) holdSwitchingOff(id string) (release func()) {
	e.switchingOff.Store(id, true)
	return func() { e.switchingOff.Delete(id) }
}

// cancelSwitchedOff cancels a switched-off workflow's open enrollments, in batches sized like
// the maintenance jobs' (each a short write, so ingest is never held up). It finishes even when
// the caller goes away, so a switched-off workflow keeps no open enrollments behind.
func (e *Engine) cancelSwitchedOff(ctx context.Context, id string) error {
	work := context.WithoutCancel(ctx)
	var st maintStat
	if err := e.batches(work, &st, func(limit int) (store.Batch, error) {
		return e.db.CancelSwitchedOffEnrollments(work, id, limit, e.clock.Now())
	}); err != nil {
		return err
	}
	if st.Rows > 0 {
		e.log.Info("cancelled the open enrollments of a switched-off workflow", "workflow", id, "enrollments", st.Rows, "batches", st.Batches)
	}
	return nil
}
