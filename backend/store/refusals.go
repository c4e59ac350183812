package store

import (
	"context"
	"fmt"
	"time"
)

// Refusal is why a record was kept out of a workflow that a trigger, a hand or a bulk job would
// have enrolled it in: the latest time, and how many times it happened (see migration 0027).
type Refusal struct {
	RecordID   int64
	WorkflowID string
	TriggerID  string // the trigger that matched, or "manual"
	Code       string // the engine's Skip* code
	Reason     string // in words: "in suppression list customers"
	Count      int64
	FirstAt    time.Time
	At         time.Time
}

// PutRefusal records a refusal, counting it into the row of its workflow and record.
func (t *sqlTx) PutRefusal(r Refusal) error {
	if _, err := t.exec(`INSERT INTO enrollment_refusals (record_id, workflow_id, trigger_id, code, reason, n, first_at, at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (record_id, workflow_id) DO UPDATE SET trigger_id = excluded.trigger_id, code = excluded.code,
			reason = excluded.reason, n = enrollment_refusals.n + 1, at = excluded.at`,
		r.RecordID, r.WorkflowID, r.TriggerID, r.Code, r.Reason, ms(r.At), ms(r.At)); err != nil {
		return fmt.Errorf("note that record %d was kept out of %q: %w", r.RecordID, r.WorkflowID, err)
	}
	return nil
}

// Refusals returns the workflows a record was kept out of, the latest first.
func (db *DB) Refusals(ctx context.Context, recordID int64) ([]Refusal, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT record_id, workflow_id, trigger_id, code, reason, n, first_at, at
		FROM enrollment_refusals WHERE record_id = ? ORDER BY at DESC, workflow_id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("refusals of record %d: %w", recordID, err)
	}
	return collect(rows, "refusals", func(r rowScanner) (Refusal, error) {
		var f Refusal
		var first, at int64
		err := r.Scan(&f.RecordID, &f.WorkflowID, &f.TriggerID, &f.Code, &f.Reason, &f.Count, &first, &at)
		f.FirstAt, f.At = fromMS(first), fromMS(at)
		return f, err
	})
}
