package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ScheduleState is the durable progress of one schedule trigger (see migration 0003).
type ScheduleState struct {
	WorkflowID string
	TriggerID  string
	Spec       string    // the timing it was armed with (trigger.Spec.Key)
	ArmedAt    time.Time // when the trigger was switched on or its timing last edited
	Cursor     time.Time // fire times at or before Cursor have been processed
	RunFire    time.Time // the occurrence being enrolled page by page; zero when none
	RunAfter   int64     // the last record id that occurrence has gone through
	LastFire   time.Time // the last occurrence that ran; zero before the first
	Runs       int       // how many occurrences ran
	UpdatedAt  time.Time
}

const scheduleCols = "workflow_id, trigger_id, spec, armed_at, cursor, run_fire, run_after, last_fire, runs, updated_at"

// msOrZero converts milliseconds to a time, 0 to the zero time.
func msOrZero(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

// zeroMS converts a time to milliseconds, the zero time to 0.
func zeroMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

func scanScheduleState(row interface{ Scan(...any) error }) (*ScheduleState, error) {
	var s ScheduleState
	var armed, cursor, runFire, lastFire, updated int64
	if err := row.Scan(&s.WorkflowID, &s.TriggerID, &s.Spec, &armed, &cursor, &runFire, &s.RunAfter, &lastFire, &s.Runs, &updated); err != nil {
		return nil, err
	}
	s.ArmedAt, s.Cursor, s.RunFire = msOrZero(armed), msOrZero(cursor), msOrZero(runFire)
	s.LastFire, s.UpdatedAt = msOrZero(lastFire), msOrZero(updated)
	return &s, nil
}

func scheduleStates(ctx context.Context, q querier) ([]*ScheduleState, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+scheduleCols+" FROM schedule_state ORDER BY workflow_id, trigger_id")
	if err != nil {
		return nil, fmt.Errorf("load schedule state: %w", err)
	}
	return collect(rows, "load schedule state", scanScheduleState)
}

// ScheduleStates lists the progress of every armed schedule trigger.
func (db *DB) ScheduleStates(ctx context.Context) ([]*ScheduleState, error) {
	return scheduleStates(ctx, db.r)
}

// ScheduleStates lists the progress of every armed schedule trigger inside the transaction.
func (t *sqlTx) ScheduleStates() ([]*ScheduleState, error) {
	return scheduleStates(t.ctx, txQuerier{t})
}

// ScheduleState loads one trigger's progress; ErrNotFound when the trigger is not armed.
func (t *sqlTx) ScheduleState(workflowID, triggerID string) (*ScheduleState, error) {
	s, err := scanScheduleState(t.queryRow("SELECT "+scheduleCols+" FROM schedule_state WHERE workflow_id = ? AND trigger_id = ?", workflowID, triggerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("schedule %q/%q: %w", workflowID, triggerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load schedule %q/%q: %w", workflowID, triggerID, err)
	}
	return s, nil
}

// PutScheduleState inserts or replaces a trigger's progress, stamping UpdatedAt with now.
func (t *sqlTx) PutScheduleState(s *ScheduleState, now time.Time) error {
	s.UpdatedAt = now
	_, err := t.exec("INSERT INTO schedule_state ("+scheduleCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (workflow_id, trigger_id) DO UPDATE SET spec = excluded.spec, armed_at = excluded.armed_at, cursor = excluded.cursor,"+
		" run_fire = excluded.run_fire, run_after = excluded.run_after, last_fire = excluded.last_fire, runs = excluded.runs, updated_at = excluded.updated_at",
		s.WorkflowID, s.TriggerID, s.Spec, zeroMS(s.ArmedAt), zeroMS(s.Cursor), zeroMS(s.RunFire), s.RunAfter,
		zeroMS(s.LastFire), s.Runs, ms(now))
	if err != nil {
		return fmt.Errorf("save schedule %q/%q: %w", s.WorkflowID, s.TriggerID, err)
	}
	return nil
}

// DeleteScheduleState disarms a trigger (its workflow was switched off, or the trigger removed).
func (t *sqlTx) DeleteScheduleState(workflowID, triggerID string) error {
	if _, err := t.exec("DELETE FROM schedule_state WHERE workflow_id = ? AND trigger_id = ?", workflowID, triggerID); err != nil {
		return fmt.Errorf("disarm schedule %q/%q: %w", workflowID, triggerID, err)
	}
	return nil
}

// DeleteOrphanScheduleMarks drops fired markers and state of workflows that no longer exist.
func (t *sqlTx) DeleteOrphanScheduleMarks() (int64, error) {
	res, err := t.exec("DELETE FROM schedule_fired WHERE workflow_id NOT IN (SELECT id FROM workflows)")
	if err != nil {
		return 0, fmt.Errorf("prune schedule markers: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := t.exec("DELETE FROM schedule_state WHERE workflow_id NOT IN (SELECT id FROM workflows)"); err != nil {
		return 0, fmt.Errorf("prune schedule state: %w", err)
	}
	return n, nil
}

// MarkScheduleFired records that a date-property schedule fired for a record and fire date.
// It reports false (and changes nothing) when that date already fired for the record.
func (t *sqlTx) MarkScheduleFired(workflowID, triggerID string, recordID int64, fireDate string, now time.Time) (bool, error) {
	res, err := t.exec("INSERT INTO schedule_fired (workflow_id, trigger_id, record_id, fire_date, fired_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		workflowID, triggerID, recordID, fireDate, ms(now))
	if err != nil {
		return false, fmt.Errorf("mark schedule %q/%q fired for record %d: %w", workflowID, triggerID, recordID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ScheduleFired reports whether a date-property schedule already fired for a record and date.
func (db *DB) ScheduleFired(ctx context.Context, workflowID, triggerID string, recordID int64, fireDate string) (bool, error) {
	var one int
	err := db.r.QueryRowContext(ctx, "SELECT 1 FROM schedule_fired WHERE workflow_id = ? AND trigger_id = ? AND record_id = ? AND fire_date = ?",
		workflowID, triggerID, recordID, fireDate).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read schedule marker: %w", err)
	}
	return true, nil
}

func recordsPage(ctx context.Context, q querier, typ string, after int64, limit int) ([]*Record, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+recordCols+" FROM records WHERE type = ? AND id > ? AND erased_at IS NULL ORDER BY id LIMIT ?", typ, after, limit)
	if err != nil {
		return nil, fmt.Errorf("page %s records: %w", typ, err)
	}
	return collect(rows, "page "+typ+" records", scanRecord)
}

// RecordsPage returns up to limit records of a type with id > after, ordered by id.
func (db *DB) RecordsPage(ctx context.Context, typ string, after int64, limit int) ([]*Record, error) {
	return recordsPage(ctx, db.r, typ, after, limit)
}

// RecordsPage returns up to limit records of a type with id > after, ordered by id, inside the
// transaction (so the records enrolled are the ones committed with the enrollments).
func (t *sqlTx) RecordsPage(typ string, after int64, limit int) ([]*Record, error) {
	return recordsPage(t.ctx, txQuerier{t}, typ, after, limit)
}
