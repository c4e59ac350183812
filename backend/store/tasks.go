package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Task statuses.
const (
	TaskOpen = "open"
	TaskDone = "done"
)

// Task is a to-do for a person, created by a create_task step.
type Task struct {
	ID           int64
	Title        string
	Owner        string
	DueAt        *time.Time
	RecordID     int64
	EnrollmentID int64
	WorkflowID   string
	StepID       string
	Status       string
	CreatedAt    time.Time
	DoneAt       *time.Time
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
func (t *sqlTx) InsertTask(task *Task, now time.Time) error {
	var due sql.NullInt64
	if task.DueAt != nil {
		due = sql.NullInt64{Int64: ms(*task.DueAt), Valid: true}
	}
	newID, err := t.insert(`INSERT INTO tasks (title, owner, due_at, record_id, enrollment_id, workflow_id, step_id, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
		task.Title, task.Owner, due, nullInt(task.RecordID), nullInt(task.EnrollmentID), task.WorkflowID, task.StepID, ms(now))
	if err != nil {
		return fmt.Errorf("create task %q: %w", task.Title, err)
	}
	task.ID = newID
	task.Status, task.CreatedAt, task.DoneAt = TaskOpen, now, nil
	return nil
}

// SetTaskStatus marks a task open or done and returns it; an unknown id is ErrNotFound.
func (t *sqlTx) SetTaskStatus(id int64, status string, now time.Time) (*Task, error) {
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
