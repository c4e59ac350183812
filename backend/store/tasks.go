package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Task statuses.
const (
	TaskOpen = "open"
	TaskDone = "done"
)

// Task is a to-do for a person, created by a create_task step.
type Task struct {
	ID           int64      `json:"id"`
	Title        string     `json:"title"`
	Owner        string     `json:"owner"`
	DueAt        *time.Time `json:"due_at,omitempty"`
	RecordID     int64      `json:"record_id,omitempty"`
	EnrollmentID int64      `json:"enrollment_id,omitempty"`
	WorkflowID   string     `json:"workflow_id,omitempty"`
	StepID       string     `json:"step_id,omitempty"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

const taskCols = "id, title, owner, due_at, COALESCE(record_id, 0), COALESCE(enrollment_id, 0), workflow_id, step_id, status, created_at, done_at"

func scanTask(row interface{ Scan(...any) error }) (*Task, error) {
	var t Task
	var due, done sql.NullInt64
	var created int64
	if err := row.Scan(&t.ID, &t.Title, &t.Owner, &due, &t.RecordID, &t.EnrollmentID, &t.WorkflowID, &t.StepID, &t.Status, &created, &done); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	if due.Valid {
		d := fromMS(due.Int64)
		t.DueAt = &d
	}
	if done.Valid {
		d := fromMS(done.Int64)
		t.DoneAt = &d
	}
	return &t, nil
}

// InsertTask creates an open task and sets its ID, status and creation time.
func (t *Tx) InsertTask(task *Task, now time.Time) error {
	var due sql.NullInt64
	if task.DueAt != nil {
		due = sql.NullInt64{Int64: ms(*task.DueAt), Valid: true}
	}
	res, err := t.exec(`INSERT INTO tasks (title, owner, due_at, record_id, enrollment_id, workflow_id, step_id, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
		task.Title, task.Owner, due, nullInt(task.RecordID), nullInt(task.EnrollmentID), task.WorkflowID, task.StepID, ms(now))
	if err != nil {
		return fmt.Errorf("create task %q: %w", task.Title, err)
	}
	task.ID, _ = res.LastInsertId()
	task.Status, task.CreatedAt, task.DoneAt = TaskOpen, now, nil
	return nil
}

// SetTaskStatus marks a task open or done and returns it; an unknown id is ErrNotFound.
func (t *Tx) SetTaskStatus(id int64, status string, now time.Time) (*Task, error) {
	var done sql.NullInt64
	switch status {
	case TaskDone:
		done = sql.NullInt64{Int64: ms(now), Valid: true}
	case TaskOpen:
	default:
		return nil, fmt.Errorf("task status %q: want open or done: %w", status, ErrConflict)
	}
	// A task already done keeps the time it was first done.
	res, err := t.exec("UPDATE tasks SET status = ?, done_at = CASE WHEN ? = 'done' THEN COALESCE(done_at, ?) ELSE NULL END WHERE id = ?",
		status, status, done, id)
	if err != nil {
		return nil, fmt.Errorf("update task %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	task, err := scanTask(t.queryRow("SELECT "+taskCols+" FROM tasks WHERE id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("load task %d: %w", id, err)
	}
	return task, nil
}

// TaskQuery filters Tasks.
type TaskQuery struct {
	Status       string // open, done, or "" for both
	Owner        string
	RecordID     int64
	EnrollmentID int64
	WorkflowID   string
	Limit        int
	After        int64 // cursor: tasks with id > After
}

// Tasks lists tasks by id (oldest first).
func (db *DB) Tasks(ctx context.Context, q TaskQuery) ([]*Task, error) {
	f := filter{conds: []string{"id > ?"}, args: []any{q.After}}
	f.when(q.Status != "", "status = ?", q.Status)
	f.when(q.Owner != "", "owner = ?", q.Owner)
	f.when(q.RecordID > 0, "record_id = ?", q.RecordID)
	f.when(q.EnrollmentID > 0, "enrollment_id = ?", q.EnrollmentID)
	f.when(q.WorkflowID != "", "workflow_id = ?", q.WorkflowID)
	rows, err := db.r.QueryContext(ctx, "SELECT "+taskCols+" FROM tasks"+f.where()+" ORDER BY id LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return collect(rows, "list tasks", scanTask)
}

// Task loads one task.
func (db *DB) Task(ctx context.Context, id int64) (*Task, error) {
	t, err := scanTask(db.r.QueryRowContext(ctx, "SELECT "+taskCols+" FROM tasks WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("task %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load task %d: %w", id, err)
	}
	return t, nil
}

// NextOwner returns the owner a rotate_owner step assigns next and advances the step's persisted
// round-robin position, in the caller's transaction. The position belongs to the owner list it
// was kept for: when the list changes, the rotation starts over with its first owner.
func (t *Tx) NextOwner(workflowID, stepID string, owners []string, now time.Time) (owner string, position int, err error) {
	if len(owners) == 0 {
		return "", 0, fmt.Errorf("rotate owners of %s/%s: no owners", workflowID, stepID)
	}
	list := strings.Join(owners, "\x1f")
	var pos int64
	var kept string
	err = t.queryRow("SELECT position, owners FROM owner_rotation WHERE workflow_id = ? AND step_id = ?", workflowID, stepID).Scan(&pos, &kept)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("read owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	if kept != list {
		pos = 0
	}
	i := int(pos % int64(len(owners)))
	if _, err := t.exec(`INSERT INTO owner_rotation (workflow_id, step_id, position, owners, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workflow_id, step_id) DO UPDATE SET position = excluded.position, owners = excluded.owners, updated_at = excluded.updated_at`,
		workflowID, stepID, (i+1)%len(owners), list, ms(now)); err != nil {
		return "", 0, fmt.Errorf("advance owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	return owners[i], i, nil
}

// OwnerPosition returns a rotate_owner step's next position (0 when it never ran).
func (db *DB) OwnerPosition(ctx context.Context, workflowID, stepID string) (int, error) {
	var pos int
	err := db.r.QueryRowContext(ctx, "SELECT position FROM owner_rotation WHERE workflow_id = ? AND step_id = ?", workflowID, stepID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	return pos, nil
}

// Subscription statuses.
const (
	OptedIn  = "opted_in"
	OptedOut = "opted_out"
)

// Subscription is a record's current status for one subscription type (e.g. "marketing").
type Subscription struct {
	RecordID     int64     `json:"record_id"`
	Subscription string    `json:"subscription"`
	Status       string    `json:"status"`
	LegalBasis   string    `json:"legal_basis,omitempty"`
	Explanation  string    `json:"explanation,omitempty"`
	Source       string    `json:"source,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// SubscriptionChange is one line of a record's subscription history.
type SubscriptionChange struct {
	ID           int64     `json:"id"`
	RecordID     int64     `json:"record_id"`
	Subscription string    `json:"subscription"`
	Status       string    `json:"status"`
	Previous     string    `json:"previous,omitempty"` // "" when there was no status before
	LegalBasis   string    `json:"legal_basis,omitempty"`
	Explanation  string    `json:"explanation,omitempty"`
	Source       string    `json:"source,omitempty"`
	EnrollmentID int64     `json:"enrollment_id,omitempty"`
	At           time.Time `json:"at"`
}

// SetSubscription sets a record's status for a subscription type and appends the change to its
// history. It returns the previous status ("" when none). Setting the same status again updates
// the legal basis and explanation and is logged too: each is a statement of consent.
func (t *Tx) SetSubscription(c *SubscriptionChange) (previous string, err error) {
	if c.Status != OptedIn && c.Status != OptedOut {
		return "", fmt.Errorf("subscription status %q: want opted_in or opted_out: %w", c.Status, ErrConflict)
	}
	err = t.queryRow("SELECT status FROM subscriptions WHERE record_id = ? AND subscription = ?", c.RecordID, c.Subscription).Scan(&previous)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read subscription %q of record %d: %w", c.Subscription, c.RecordID, err)
	}
	if _, err := t.exec(`INSERT INTO subscriptions (record_id, subscription, status, legal_basis, explanation, source, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, subscription) DO UPDATE SET status = excluded.status,
		legal_basis = excluded.legal_basis, explanation = excluded.explanation, source = excluded.source, updated_at = excluded.updated_at`,
		c.RecordID, c.Subscription, c.Status, c.LegalBasis, c.Explanation, c.Source, ms(c.At)); err != nil {
		return "", fmt.Errorf("set subscription %q of record %d: %w", c.Subscription, c.RecordID, err)
	}
	c.Previous = previous
	res, err := t.exec(`INSERT INTO subscription_history (record_id, subscription, status, previous, legal_basis, explanation, source, enrollment_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.RecordID, c.Subscription, c.Status, previous, c.LegalBasis, c.Explanation, c.Source, nullInt(c.EnrollmentID), ms(c.At))
	if err != nil {
		return "", fmt.Errorf("log subscription change of record %d: %w", c.RecordID, err)
	}
	c.ID, _ = res.LastInsertId()
	return previous, nil
}

// Subscriptions returns a record's current subscription statuses, by subscription name.
func (db *DB) Subscriptions(ctx context.Context, recordID int64) ([]*Subscription, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT record_id, subscription, status, legal_basis, explanation, source, updated_at
		FROM subscriptions WHERE record_id = ? ORDER BY subscription`, recordID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := []*Subscription{}
	for rows.Next() {
		var s Subscription
		var at int64
		if err := rows.Scan(&s.RecordID, &s.Subscription, &s.Status, &s.LegalBasis, &s.Explanation, &s.Source, &at); err != nil {
			return nil, fmt.Errorf("subscriptions of record %d: %w", recordID, err)
		}
		s.UpdatedAt = fromMS(at)
		out = append(out, &s)
	}
	return out, rows.Err()
}

// SubscriptionHistory returns a record's subscription changes, oldest first.
func (db *DB) SubscriptionHistory(ctx context.Context, recordID int64) ([]*SubscriptionChange, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, record_id, subscription, status, previous, legal_basis, explanation, source,
		COALESCE(enrollment_id, 0), at FROM subscription_history WHERE record_id = ? ORDER BY id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("subscription history of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := []*SubscriptionChange{}
	for rows.Next() {
		var c SubscriptionChange
		var at int64
		if err := rows.Scan(&c.ID, &c.RecordID, &c.Subscription, &c.Status, &c.Previous, &c.LegalBasis, &c.Explanation, &c.Source, &c.EnrollmentID, &at); err != nil {
			return nil, fmt.Errorf("subscription history of record %d: %w", recordID, err)
		}
		c.At = fromMS(at)
		out = append(out, &c)
	}
	return out, rows.Err()
}

// SMSReservation says whether an SMS may go out under the monthly cap.
type SMSReservation struct {
	Allowed bool // false: the month's cap is reached
	Sent    int  // messages counted this month, including this one when allowed
	Repeat  bool // this idempotency key was counted before (a retry), so it did not count again
	// Notify is true the first time in a month a message is refused: the caller tells the user once.
	Notify bool
}

// ReserveSMS counts an SMS against the month's cap at send time, once per idempotency key. A
// retry of a counted message is allowed without counting again; past the cap nothing is counted.
// The first refusal of a month sets Notify and remembers it, so the user is told once a month.
func (t *Tx) ReserveSMS(month, key string, limit int, now time.Time) (SMSReservation, error) {
	var r SMSReservation
	var seen int
	if err := t.queryRow("SELECT COUNT(*) FROM sms_sends WHERE idempotency_key = ?", key).Scan(&seen); err != nil {
		return r, fmt.Errorf("read sms usage: %w", err)
	}
	var notified int
	err := t.queryRow("SELECT sent, cap_notified FROM sms_usage WHERE month = ?", month).Scan(&r.Sent, &notified)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read sms usage of %s: %w", month, err)
	}
	if seen > 0 {
		r.Allowed, r.Repeat = true, true
		return r, nil
	}
	if limit > 0 && r.Sent >= limit {
		if notified == 0 {
			if _, err := t.exec(`INSERT INTO sms_usage (month, sent, cap_notified) VALUES (?, ?, 1)
				ON CONFLICT (month) DO UPDATE SET cap_notified = 1`, month, r.Sent); err != nil {
				return r, fmt.Errorf("record sms cap notice of %s: %w", month, err)
			}
			r.Notify = true
		}
		return r, nil
	}
	if _, err := t.exec("INSERT INTO sms_sends (idempotency_key, month, at) VALUES (?, ?, ?)", key, month, ms(now)); err != nil {
		return r, fmt.Errorf("count sms: %w", err)
	}
	if _, err := t.exec(`INSERT INTO sms_usage (month, sent) VALUES (?, 1) ON CONFLICT (month) DO UPDATE SET sent = sent + 1`, month); err != nil {
		return r, fmt.Errorf("count sms of %s: %w", month, err)
	}
	r.Allowed = true
	r.Sent++
	return r, nil
}

// ReleaseSMS uncounts a reserved SMS the provider refused for good (nothing was sent).
func (t *Tx) ReleaseSMS(key string) error {
	var month string
	err := t.queryRow("SELECT month FROM sms_sends WHERE idempotency_key = ?", key).Scan(&month)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	if _, err := t.exec("DELETE FROM sms_sends WHERE idempotency_key = ?", key); err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	if _, err := t.exec("UPDATE sms_usage SET sent = MAX(sent - 1, 0) WHERE month = ?", month); err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	return nil
}

// SMSUsage returns how many SMS were counted in a month ("2026-03").
func (db *DB) SMSUsage(ctx context.Context, month string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT sent FROM sms_usage WHERE month = ?", month).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read sms usage of %s: %w", month, err)
	}
	return n, nil
}
