package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RetryJob is one durable "Retry all" of a workflow step: its dead letters up to the
// delivery-log line UpTo, sent again in batches. Cursor is the last dead letter handled; a batch
// moves it forward in the same transaction as the delivery-log lines of its retries. Its
// statuses are the bulk-enrollment job's (EnrollJobRunning, …).
type RetryJob struct {
	ID         int64
	WorkflowID string
	StepID     string
	Status     string
	UpTo       int64
	Cursor     int64
	Total      int64 // dead letters selected when the job started
	Done       int64 // handled so far: OK + Failed + Skipped
	OK         int64 // delivered by the retry
	Failed     int64 // failed again
	Skipped    int64 // settled (retried by hand) or gone (retention) before the job reached them
	Error      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

const retryJobCols = "id, workflow_id, step_id, status, up_to, cursor, total, done, ok, failed, skipped, error, created_at, updated_at, finished_at"

func scanRetryJob(row rowScanner) (*RetryJob, error) {
	var j RetryJob
	var created, updated int64
	var finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.WorkflowID, &j.StepID, &j.Status, &j.UpTo, &j.Cursor, &j.Total, &j.Done, &j.OK, &j.Failed,
		&j.Skipped, &j.Error, &created, &updated, &finished); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt = fromMS(created), fromMS(updated)
	if finished.Valid {
		t := fromMS(finished.Int64)
		j.FinishedAt = &t
	}
	return &j, nil
}

func getRetryJob(ctx context.Context, q querier, id int64) (*RetryJob, error) {
	j, err := scanRetryJob(q.QueryRowContext(ctx, "SELECT "+retryJobCols+" FROM retry_jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("retry job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load retry job %d: %w", id, err)
	}
	return j, nil
}

// RetryJob loads a "Retry all" job.
func (db *DB) RetryJob(ctx context.Context, id int64) (*RetryJob, error) {
	return getRetryJob(ctx, db.r, id)
}

// RetryJob loads a "Retry all" job inside the transaction.
func (t *sqlTx) RetryJob(id int64) (*RetryJob, error) { return getRetryJob(t.ctx, txQuerier{t}, id) }

// RetryJobQuery filters RetryJobs (newest first).
type RetryJobQuery struct {
	WorkflowID string
	StepID     string
	Status     string
	Limit      int
}

func listRetryJobs(ctx context.Context, q querier, rq RetryJobQuery) ([]*RetryJob, error) {
	var f filter
	f.when(rq.WorkflowID != "", "workflow_id = ?", rq.WorkflowID)
	f.when(rq.StepID != "", "step_id = ?", rq.StepID)
	f.when(rq.Status != "", "status = ?", rq.Status)
	rows, err := q.QueryContext(ctx, "SELECT "+retryJobCols+" FROM retry_jobs"+f.where()+" ORDER BY id DESC LIMIT ?", append(f.args, listLimit(rq.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list retry jobs: %w", err)
	}
	return collect(rows, "list retry jobs", scanRetryJob)
}

// RetryJobs lists "Retry all" jobs, newest first.
func (db *DB) RetryJobs(ctx context.Context, q RetryJobQuery) ([]*RetryJob, error) {
	return listRetryJobs(ctx, db.r, q)
}

// RetryJobs lists "Retry all" jobs inside the transaction (the running one of a step, before
// starting another).
func (t *sqlTx) RetryJobs(q RetryJobQuery) ([]*RetryJob, error) {
	return listRetryJobs(t.ctx, txQuerier{t}, q)
}

// RunningRetryJobs returns the ids of the "Retry all" jobs still to finish, oldest first.
func (db *DB) RunningRetryJobs(ctx context.Context) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM retry_jobs WHERE status = 'running' ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("running retry jobs: %w", err)
	}
	return collect(rows, "running retry jobs", func(r rowScanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// InsertRetryJob stores a new running job and sets its id. A step that has a running job
// already is ErrConflict.
func (t *sqlTx) InsertRetryJob(j *RetryJob, now time.Time) error {
	j.Status = EnrollJobRunning
	newID, err := t.insert(`INSERT INTO retry_jobs (workflow_id, step_id, status, up_to, cursor, total, done, ok, failed, skipped, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.WorkflowID, j.StepID, j.Status, j.UpTo, j.Cursor, j.Total, j.Done, j.OK, j.Failed, j.Skipped, j.Error, ms(now), ms(now))
	if isUnique(err) {
		return fmt.Errorf("step %q of %q has a running retry job already: %w", j.StepID, j.WorkflowID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store retry job for %q step %q: %w", j.WorkflowID, j.StepID, err)
	}
	j.ID = newID
	j.CreatedAt, j.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	return nil
}

// SaveRetryJob stores a job's progress: cursor, counts, status and error. A status other than
// running sets finished_at.
func (t *sqlTx) SaveRetryJob(j *RetryJob, now time.Time) error {
	var finished any
	if j.Status != EnrollJobRunning {
		finished = ms(now)
		t := fromMS(ms(now))
		j.FinishedAt = &t
	}
	j.UpdatedAt = fromMS(ms(now))
	if _, err := t.exec("UPDATE retry_jobs SET status = ?, cursor = ?, done = ?, ok = ?, failed = ?, skipped = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?",
		j.Status, j.Cursor, j.Done, j.OK, j.Failed, j.Skipped, j.Error, ms(now), finished, j.ID); err != nil {
		return fmt.Errorf("save retry job %d: %w", j.ID, err)
	}
	return nil
}

// DeadLetterQuery selects the unresolved dead letters of a workflow step as they stood at the
// delivery-log line UpTo: per step visit, its newest try up to UpTo when that try failed for
// good (failed or dead), of one of StepTypes (the types whose action can send again), after the
// line After, oldest first.
type DeadLetterQuery struct {
	WorkflowID string
	StepID     string
	StepTypes  []string
	After      int64
	UpTo       int64
	Limit      int
}

func (q DeadLetterQuery) where() (string, []any) {
	types := "NULL"
	if len(q.StepTypes) > 0 {
		types = "?" + strings.Repeat(", ?", len(q.StepTypes)-1)
	}
	args := []any{q.WorkflowID, q.StepID, q.After, q.UpTo}
	for _, t := range q.StepTypes {
		args = append(args, t)
	}
	args = append(args, q.UpTo)
	return ` FROM action_attempts a WHERE a.workflow_id = ? AND a.step_id = ? AND a.outcome IN ('failed', 'dead')
		AND a.id > ? AND a.id <= ? AND a.step_type IN (` + types + `)
		AND NOT EXISTS (SELECT 1 FROM action_attempts b WHERE b.idempotency_key = a.idempotency_key AND b.id > a.id AND b.id <= ?)`, args
}

// DeadLetters reads a page of a step's dead letters (see DeadLetterQuery), oldest first.
func (db *DB) DeadLetters(ctx context.Context, q DeadLetterQuery) ([]*ActionAttempt, error) {
	from, args := q.where()
	cols := "a." + strings.ReplaceAll(attemptCols, ", ", ", a.")
	rows, err := db.r.QueryContext(ctx, "SELECT "+cols+from+" ORDER BY a.id LIMIT ?", append(args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("dead letters of %q step %q: %w", q.WorkflowID, q.StepID, err)
	}
	return collect(rows, "dead letters", scanAttempt)
}

// CountDeadLetters counts a step's dead letters (see DeadLetterQuery; Limit is not used).
func (db *DB) CountDeadLetters(ctx context.Context, q DeadLetterQuery) (int64, error) {
	from, args := q.where()
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*)"+from, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the dead letters of %q step %q: %w", q.WorkflowID, q.StepID, err)
	}
	return n, nil
}

// MaxAttemptID returns the newest delivery-log line's id (0 when there is none).
func (db *DB) MaxAttemptID(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := db.r.QueryRowContext(ctx, "SELECT MAX(id) FROM action_attempts").Scan(&v); err != nil {
		return 0, fmt.Errorf("newest delivery-log line: %w", err)
	}
	return v.Int64, nil
}
