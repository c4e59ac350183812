package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Enrollment statuses.
const (
	StatusActive    = "active"
	StatusWaiting   = "waiting"
	StatusCompleted = "completed"
	// StatusCompletedWithErrors is a completed enrollment with at least one failed step. It is
	// stored as "completed" with failed_steps > 0 (see migration 0009) and read back as this.
	StatusCompletedWithErrors = "completed_with_errors"
	StatusFailed              = "failed"
	StatusCancelled           = "cancelled"
	// StatusGoalReached is an enrollment that left because the record met the workflow's goal;
	// StatusUnenrolled one that an unenrollment rule took out. They are stored as completed and
	// cancelled with ended_by set (see migration 0017) and read back as these.
	StatusGoalReached = "goal_reached"
	StatusUnenrolled  = "unenrolled"
)

// Statuses lists every enrollment status, in the order screens show them.
var Statuses = []string{StatusActive, StatusWaiting, StatusCompleted, StatusCompletedWithErrors, StatusGoalReached, StatusUnenrolled, StatusFailed, StatusCancelled}

// stored is how a status is kept: the status column and ended_by.
func stored(status string) (column, endedBy string) {
	switch status {
	case StatusCompletedWithErrors:
		return StatusCompleted, "" // failed_steps tells the rest
	case StatusGoalReached:
		return StatusCompleted, StatusGoalReached
	case StatusUnenrolled:
		return StatusCancelled, StatusUnenrolled
	}
	return status, ""
}

// Enrollment is one record travelling through one workflow version. It is a row: the API
// answers with its own wire type (backend/api/wire.go).
type Enrollment struct {
	ID          int64
	WorkflowID  string
	Version     int
	RecordID    int64
	RecordEmail string // filled by Enrollments, for lists
	Status      string
	CurrentStep string
	TriggerID   string
	EventID     int64
	Reason      json.RawMessage
	StepsRun    int
	FailedSteps int // step visits that failed (also while active or waiting)
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  *time.Time
}

const enrollmentCols = "id, workflow_id, version, record_id, status, current_step, trigger_id, COALESCE(event_id, 0), reason, steps_run, error, created_at, updated_at, finished_at, failed_steps, ended_by"

func scanEnrollment(row interface{ Scan(...any) error }) (*Enrollment, error) {
	var e Enrollment
	var reason string
	var created, updated int64
	var finished sql.NullInt64
	var endedBy string
	if err := row.Scan(&e.ID, &e.WorkflowID, &e.Version, &e.RecordID, &e.Status, &e.CurrentStep, &e.TriggerID,
		&e.EventID, &reason, &e.StepsRun, &e.Error, &created, &updated, &finished, &e.FailedSteps, &endedBy); err != nil {
		return nil, err
	}
	switch {
	case endedBy != "":
		e.Status = endedBy
	case e.Status == StatusCompleted && e.FailedSteps > 0:
		e.Status = StatusCompletedWithErrors
	}
	e.Reason = json.RawMessage(reason)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	if finished.Valid {
		t := fromMS(finished.Int64)
		e.FinishedAt = &t
	}
	return &e, nil
}

func getEnrollment(ctx context.Context, q querier, id int64) (*Enrollment, error) {
	e, err := scanEnrollment(q.QueryRowContext(ctx, "SELECT "+enrollmentCols+" FROM enrollments WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("enrollment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load enrollment %d: %w", id, err)
	}
	return e, nil
}

// Enrollment loads an enrollment by id.
func (db *DB) Enrollment(ctx context.Context, id int64) (*Enrollment, error) {
	return getEnrollment(ctx, db.r, id)
}

// Enrollment loads an enrollment inside the transaction.
func (t *sqlTx) Enrollment(id int64) (*Enrollment, error) {
	return getEnrollment(t.ctx, txQuerier{t}, id)
}

// OpenEnrollment loads a record's active or waiting enrollment in a workflow (ErrNotFound when
// it has none).
func (t *sqlTx) OpenEnrollment(workflowID string, recordID int64) (*Enrollment, error) {
	e, err := scanEnrollment(t.queryRow("SELECT "+enrollmentCols+" FROM enrollments WHERE workflow_id = ? AND record_id = ? AND status IN ('active','waiting')", workflowID, recordID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("open enrollment of record %d in %q: %w", recordID, workflowID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load open enrollment of record %d in %q: %w", recordID, workflowID, err)
	}
	return e, nil
}

// EnrollmentQuery filters Enrollments. Results are newest first; Before is the cursor.
type EnrollmentQuery struct {
	WorkflowID string
	RecordID   int64
	Status     string
	Step       string // enrollments at this step now or that ran it
	Limit      int
	Before     int64 // only enrollments with id < Before
	// Contact matches the record's email, case-insensitively, anywhere in it ("ann@" finds
	// ann@example.com).
	Contact string
	// From and To (when set) bound when the enrollment started: From <= created_at < To.
	From, To time.Time
	// SkipTrashed leaves out the enrollments of workflows in the Trash (lists a user follows
	// links from: the workflow's page would answer 404).
	SkipTrashed bool
}

// Enrollments lists enrollments matching q, newest first.
func (db *DB) Enrollments(ctx context.Context, q EnrollmentQuery) ([]*Enrollment, error) {
	var f filter
	f.when(q.WorkflowID != "", "workflow_id = ?", q.WorkflowID)
	f.when(q.RecordID > 0, "record_id = ?", q.RecordID)
	f.when(q.SkipTrashed, "workflow_id NOT IN (SELECT id FROM workflows WHERE deleted_at IS NOT NULL)")
	switch q.Status {
	case "":
	case StatusCompleted:
		f.when(true, "status = 'completed' AND failed_steps = 0 AND ended_by = ''")
	case StatusCompletedWithErrors:
		f.when(true, "status = 'completed' AND failed_steps > 0 AND ended_by = ''")
	case StatusGoalReached, StatusUnenrolled:
		f.when(true, "ended_by = ?", q.Status)
	case StatusCancelled:
		f.when(true, "status = 'cancelled' AND ended_by = ''")
	default:
		f.when(true, "status = ?", q.Status)
	}
	f.when(q.Before > 0, "id < ?", q.Before)
	f.when(q.Contact != "", `record_id IN (SELECT id FROM records WHERE LOWER(COALESCE(email, '')) LIKE ? ESCAPE '\')`, containsPattern(q.Contact))
	f.when(!q.From.IsZero(), "created_at >= ?", ms(q.From))
	f.when(!q.To.IsZero(), "created_at < ?", ms(q.To))
	f.when(q.Step != "", "(current_step = ? OR EXISTS (SELECT 1 FROM history h WHERE h.enrollment_id = enrollments.id AND h.step_id = ?))", q.Step, q.Step)
	rows, err := db.r.QueryContext(ctx, "SELECT "+enrollmentCols+" FROM enrollments"+f.where()+" ORDER BY id DESC LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list enrollments: %w", err)
	}
	out, err := collect(rows, "list enrollments", scanEnrollment)
	if err != nil {
		return nil, err
	}
	return out, db.fillEmails(ctx, out)
}

// fillEmails sets RecordEmail on listed enrollments, so a list can name its contacts.
func (db *DB) fillEmails(ctx context.Context, ens []*Enrollment) error {
	if len(ens) == 0 {
		return nil
	}
	ids := make([]any, 0, len(ens))
	for _, e := range ens {
		ids = append(ids, e.RecordID)
	}
	rows, err := db.r.QueryContext(ctx, "SELECT id, COALESCE(email, '') FROM records WHERE id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	if err != nil {
		return fmt.Errorf("list enrollments: record emails: %w", err)
	}
	defer rows.Close()
	emails := map[int64]string{}
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return err
		}
		emails[id] = email
	}
	for _, e := range ens {
		e.RecordEmail = emails[e.RecordID]
	}
	return rows.Err()
}

// EnrollmentState tells whether a record is enrolled in a workflow now, and whether it ever was.
func (t *sqlTx) EnrollmentState(workflowID string, recordID int64) (open, ever bool, err error) {
	rows, err := t.query("SELECT status FROM enrollments WHERE workflow_id = ? AND record_id = ?", workflowID, recordID)
	if err != nil {
		return false, false, fmt.Errorf("check enrollment of record %d in %q: %w", recordID, workflowID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return false, false, err
		}
		ever = true
		if s == StatusActive || s == StatusWaiting {
			open = true
		}
	}
	return open, ever, rows.Err()
}

// OpenEnrollments lists a record's active and waiting enrollments that have a pending job, oldest
// first. An open enrollment without one is the enrollment whose step pass is committing in this
// very transaction (its job was just finished): its own pass decides what happens to it.
func (t *sqlTx) OpenEnrollments(recordID int64) ([]*Enrollment, error) {
	rows, err := t.query("SELECT "+enrollmentCols+` FROM enrollments e WHERE record_id = ? AND status IN ('active','waiting')
		AND EXISTS (SELECT 1 FROM jobs j WHERE j.enrollment_id = e.id) ORDER BY id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("open enrollments of record %d: %w", recordID, err)
	}
	return collect(rows, "open enrollments", scanEnrollment)
}

// InsertEnrollment creates an enrollment and sets its ID. A second open enrollment of the same
// record in the same workflow is ErrConflict.
func (t *sqlTx) InsertEnrollment(e *Enrollment, now time.Time) error {
	if len(e.Reason) == 0 {
		e.Reason = json.RawMessage("{}")
	}
	newID, inserted, err := t.insertOnce(`INSERT INTO enrollments (workflow_id, version, record_id, status, current_step, trigger_id, event_id, reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.WorkflowID, e.Version, e.RecordID, e.Status, e.CurrentStep, e.TriggerID, nullInt(e.EventID), string(e.Reason), ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("enroll record %d in %q: %w", e.RecordID, e.WorkflowID, err)
	}
	if !inserted {
		return fmt.Errorf("record %d is already enrolled in %q: %w", e.RecordID, e.WorkflowID, ErrConflict)
	}
	e.ID = newID
	e.CreatedAt, e.UpdatedAt = now, now
	return nil
}

// UpdateEnrollment stores an enrollment's progress: status, current step, steps executed so far
// and an error text; finished statuses set finished_at.
func (t *sqlTx) UpdateEnrollment(id int64, status, currentStep string, stepsRun int, errText string, now time.Time) error {
	status, endedBy := stored(status)
	var finished any
	if status == StatusCompleted || status == StatusFailed || status == StatusCancelled {
		finished = ms(now)
	}
	const query = "UPDATE enrollments SET status = ?, current_step = ?, steps_run = ?, error = ?, updated_at = ?, finished_at = ?, ended_by = ? WHERE id = ?"
	args := []any{status, currentStep, stepsRun, errText, ms(now), finished, endedBy, id}
	var err error
	if status == StatusActive || status == StatusWaiting { // only an open status can clash
		err = t.guard(func() error { _, err := t.exec(query, args...); return err })
	} else {
		err = t.execLater(query, args...) // cannot clash: nothing waits on its answer
	}
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("reopen enrollment %d: the record has another open enrollment in this workflow: %w", id, ErrConflict)
		}
		return fmt.Errorf("update enrollment %d: %w", id, err)
	}
	return nil
}

// CountFailedSteps adds n failed step visits to an enrollment.
func (t *sqlTx) CountFailedSteps(id int64, n int) error {
	if n == 0 {
		return nil
	}
	if _, err := t.exec("UPDATE enrollments SET failed_steps = failed_steps + ? WHERE id = ?", n, id); err != nil {
		return fmt.Errorf("count failed steps of enrollment %d: %w", id, err)
	}
	return nil
}

// CancelSwitchedOffEnrollments cancels up to limit active and waiting enrollments of a workflow
// that is off, drops their jobs and says why in their history, in one write. It stops (More
// false, no rows) once the workflow is on again.
func (db *DB) CancelSwitchedOffEnrollments(ctx context.Context, workflowID string, limit int, now time.Time) (b Batch, err error) {
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		ids, err := tx.int64s(`SELECT e.id FROM enrollments e JOIN workflows w ON w.id = e.workflow_id
			WHERE e.workflow_id = ? AND e.status IN ('active','waiting') AND w.enabled = 0 LIMIT ?`, workflowID, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		b.Rows, err = tx.cancelEnrollments(ids, "the workflow was switched off", now)
		b.More = len(ids) == limit
		return err
	})
	if err != nil {
		return Batch{}, fmt.Errorf("cancel enrollments of %q: %w", workflowID, err)
	}
	return b, nil
}

// cancelEnrollments ends the given open enrollments as cancelled, drops their jobs and logs the
// reason in their history through AppendHistory, so the daily rollup counts the cancellations
// like every other history line.
func (t *sqlTx) cancelEnrollments(ids []int64, reason string, now time.Time) (int64, error) {
	set, err := jsonIDs(ids)
	if err != nil {
		return 0, err
	}
	rows, err := t.query(`SELECT id, workflow_id, current_step FROM enrollments
		WHERE id IN (`+idSet(t.pg)+`) AND status IN ('active','waiting') ORDER BY id`, set)
	if err != nil {
		return 0, err
	}
	detail, _ := json.Marshal(map[string]string{"reason": reason})
	lines, err := collect(rows, "open enrollments to cancel", func(r rowScanner) (HistoryEntry, error) {
		h := HistoryEntry{Outcome: HistCancelled, Detail: detail, At: now}
		return h, r.Scan(&h.EnrollmentID, &h.WorkflowID, &h.StepID)
	})
	if err != nil || len(lines) == 0 {
		return 0, err
	}
	if err := t.AppendHistory(lines...); err != nil {
		return 0, err
	}
	if _, err := t.exec("DELETE FROM jobs WHERE enrollment_id IN ("+idSet(t.pg)+")", set); err != nil {
		return 0, err
	}
	r, err := t.exec(`UPDATE enrollments SET status = 'cancelled', updated_at = ?, finished_at = ?
		WHERE id IN (`+idSet(t.pg)+`) AND status IN ('active','waiting')`, ms(now), ms(now), set)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// GoalsReached returns the ids of the workflows whose goal the record reached (an enrollment of
// it ended goal_reached), sorted.
func (db *DB) GoalsReached(ctx context.Context, recordID int64) ([]string, error) {
	return goalsReached(ctx, db.r, recordID)
}

// GoalsReached returns the workflows whose goal the record reached, inside the transaction.
func (t *sqlTx) GoalsReached(recordID int64) ([]string, error) {
	return goalsReached(t.ctx, txQuerier{t}, recordID)
}

func goalsReached(ctx context.Context, q querier, recordID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT DISTINCT workflow_id FROM enrollments WHERE record_id = ? AND ended_by = 'goal_reached' ORDER BY workflow_id", recordID)
	if err != nil {
		return nil, fmt.Errorf("goals reached by record %d: %w", recordID, err)
	}
	return collect(rows, fmt.Sprintf("goals reached by record %d", recordID), scanString)
}

// ReachedGoalBefore tells whether another enrollment of the record in the workflow than except
// ended goal_reached.
func (t *sqlTx) ReachedGoalBefore(workflowID string, recordID, except int64) (bool, error) {
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM enrollments WHERE workflow_id = ? AND record_id = ? AND ended_by = 'goal_reached' AND id <> ?", workflowID, recordID, except).Scan(&n); err != nil {
		return false, fmt.Errorf("goal of %q reached by record %d before: %w", workflowID, recordID, err)
	}
	return n > 0, nil
}
