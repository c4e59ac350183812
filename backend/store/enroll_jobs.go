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

// Bulk-enrollment job statuses.
const (
	EnrollJobRunning   = "running"
	EnrollJobDone      = "done"
	EnrollJobFailed    = "failed"
	EnrollJobCancelled = "cancelled"
)

// Where a bulk-enrollment job takes its records from.
const (
	SourceRecords = "records" // an explicit list of record ids
	SourceList    = "list"    // the members of a list
	SourceFilter  = "filter"  // the workflow object's records that match a filter
)

// EnrollJob is one durable bulk enrollment ("Enroll records…"). Cursor is the last record id
// handled; a batch moves it forward in the same transaction as the enrollments it made.
type EnrollJob struct {
	ID          int64
	WorkflowID  string
	Source      string
	Selection   json.RawMessage
	Status      string
	MaxRecordID int64
	Cursor      int64
	Total       int64
	Matched     int64
	Enrolled    int64
	Skipped     map[string]int64
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  *time.Time
}

const enrollJobCols = "id, workflow_id, source, selection, status, max_record_id, cursor, total, matched, enrolled, skipped, error, created_at, updated_at, finished_at"

func scanEnrollJob(row rowScanner) (*EnrollJob, error) {
	var j EnrollJob
	var sel, skipped string
	var created, updated int64
	var finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.WorkflowID, &j.Source, &sel, &j.Status, &j.MaxRecordID, &j.Cursor, &j.Total,
		&j.Matched, &j.Enrolled, &skipped, &j.Error, &created, &updated, &finished); err != nil {
		return nil, err
	}
	j.Selection = json.RawMessage(sel)
	j.Skipped = map[string]int64{}
	if err := json.Unmarshal([]byte(skipped), &j.Skipped); err != nil {
		return nil, fmt.Errorf("enroll job %d: skipped counts: %w", j.ID, err)
	}
	j.CreatedAt, j.UpdatedAt = fromMS(created), fromMS(updated)
	if finished.Valid {
		t := fromMS(finished.Int64)
		j.FinishedAt = &t
	}
	return &j, nil
}

func getEnrollJob(ctx context.Context, q querier, id int64) (*EnrollJob, error) {
	j, err := scanEnrollJob(q.QueryRowContext(ctx, "SELECT "+enrollJobCols+" FROM enroll_jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("enroll job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load enroll job %d: %w", id, err)
	}
	return j, nil
}

// EnrollJob loads a bulk-enrollment job.
func (db *DB) EnrollJob(ctx context.Context, id int64) (*EnrollJob, error) {
	return getEnrollJob(ctx, db.r, id)
}

// EnrollJob loads a bulk-enrollment job inside the transaction.
func (t *sqlTx) EnrollJob(id int64) (*EnrollJob, error) { return getEnrollJob(t.ctx, txQuerier{t}, id) }

// EnrollJobQuery filters EnrollJobs (newest first).
type EnrollJobQuery struct {
	WorkflowID string
	Status     string
	Limit      int
}

// EnrollJobs lists bulk-enrollment jobs, newest first.
func (db *DB) EnrollJobs(ctx context.Context, q EnrollJobQuery) ([]*EnrollJob, error) {
	var f filter
	f.when(q.WorkflowID != "", "workflow_id = ?", q.WorkflowID)
	f.when(q.Status != "", "status = ?", q.Status)
	rows, err := db.r.QueryContext(ctx, "SELECT "+enrollJobCols+" FROM enroll_jobs"+f.where()+" ORDER BY id DESC LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list enroll jobs: %w", err)
	}
	return collect(rows, "list enroll jobs", scanEnrollJob)
}

// RunningEnrollJobs returns the ids of the jobs still to finish, oldest first.
func (db *DB) RunningEnrollJobs(ctx context.Context) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM enroll_jobs WHERE status = 'running' ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("running enroll jobs: %w", err)
	}
	return collect(rows, "running enroll jobs", func(r rowScanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// InsertEnrollJob stores a new running job and sets its id.
func (t *sqlTx) InsertEnrollJob(j *EnrollJob, now time.Time) error {
	j.Status = EnrollJobRunning
	if j.Skipped == nil {
		j.Skipped = map[string]int64{}
	}
	skipped, err := marshal(j.Skipped)
	if err != nil {
		return err
	}
	newID, err := t.insert(`INSERT INTO enroll_jobs (workflow_id, source, selection, status, max_record_id, cursor, total, matched, enrolled, skipped, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.WorkflowID, j.Source, string(j.Selection), j.Status, j.MaxRecordID, j.Cursor, j.Total, j.Matched, j.Enrolled, skipped, j.Error, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store enroll job for %q: %w", j.WorkflowID, err)
	}
	j.ID = newID
	j.CreatedAt, j.UpdatedAt = now, now
	return nil
}

// SaveEnrollJob stores a job's progress: cursor, counts, status and error. A status other than
// running sets finished_at.
func (t *sqlTx) SaveEnrollJob(j *EnrollJob, now time.Time) error {
	skipped, err := marshal(j.Skipped)
	if err != nil {
		return err
	}
	var finished any
	if j.Status != EnrollJobRunning {
		finished = ms(now)
		j.FinishedAt = &now
	}
	j.UpdatedAt = now
	if _, err := t.exec("UPDATE enroll_jobs SET status = ?, cursor = ?, matched = ?, enrolled = ?, skipped = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?",
		j.Status, j.Cursor, j.Matched, j.Enrolled, skipped, j.Error, ms(now), finished, j.ID); err != nil {
		return fmt.Errorf("save enroll job %d: %w", j.ID, err)
	}
	return nil
}

// RecordSelect picks records in id order for a bulk enrollment: of one type, or the members of
// a list, or the given ids; only ids in (After, UpTo] (UpTo 0: no bound).
type RecordSelect struct {
	Type  string
	List  string
	IDs   []int64
	After int64
	UpTo  int64
	Limit int
}

func selectRecords(ctx context.Context, q querier, s RecordSelect) ([]*Record, error) {
	f := filter{conds: []string{"r.id > ?", "r.erased_at IS NULL"}, args: []any{s.After}}
	f.when(s.UpTo > 0, "r.id <= ?", s.UpTo)
	f.when(s.Type != "", "r.type = ?", s.Type)
	from := " FROM records r"
	if s.List != "" {
		from += " JOIN list_members m ON m.record_id = r.id AND m.list = ?"
		f.args = append([]any{s.List}, f.args...)
	}
	if s.IDs != nil {
		if len(s.IDs) == 0 {
			return []*Record{}, nil
		}
		ids := make([]any, len(s.IDs))
		for i, id := range s.IDs {
			ids[i] = id
		}
		f.when(true, "r.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	}
	cols := "r.id, r.type, COALESCE(r.email, ''), r.properties, r.created_at, r.updated_at"
	rows, err := q.QueryContext(ctx, "SELECT "+cols+from+f.where()+" ORDER BY r.id LIMIT ?", append(f.args, listLimit(s.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("select records: %w", err)
	}
	return collect(rows, "select records", scanRecord)
}

// SelectRecords reads a page of the records a bulk enrollment selects.
func (db *DB) SelectRecords(ctx context.Context, s RecordSelect) ([]*Record, error) {
	return selectRecords(ctx, db.r, s)
}

// SelectRecords reads a page of the records a bulk enrollment selects, inside the transaction.
func (t *sqlTx) SelectRecords(s RecordSelect) ([]*Record, error) {
	return selectRecords(t.ctx, txQuerier{t}, s)
}

// MaxRecordID returns the highest record id (0 when there are none).
func (db *DB) MaxRecordID(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := db.r.QueryRowContext(ctx, "SELECT MAX(id) FROM records").Scan(&v); err != nil {
		return 0, fmt.Errorf("highest record id: %w", err)
	}
	return v.Int64, nil
}

// EnrollState is whether a record is in a workflow now (Open) and whether it ever was (Ever).
type EnrollState struct{ Open, Ever bool }

// EnrollStates tells, for each of recordIDs, whether it is or was enrolled in a workflow.
// Records never enrolled are absent from the map.
func (db *DB) EnrollStates(ctx context.Context, workflowID string, recordIDs []int64) (map[int64]EnrollState, error) {
	out := map[int64]EnrollState{}
	if len(recordIDs) == 0 {
		return out, nil
	}
	args := []any{workflowID}
	for _, id := range recordIDs {
		args = append(args, id)
	}
	rows, err := db.r.QueryContext(ctx, "SELECT record_id, MAX(CASE WHEN status IN ('active','waiting') THEN 1 ELSE 0 END) FROM enrollments WHERE workflow_id = ? AND record_id IN (?"+
		strings.Repeat(", ?", len(recordIDs)-1)+") GROUP BY record_id", args...)
	if err != nil {
		return nil, fmt.Errorf("enrollment states in %q: %w", workflowID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var open bool
		if err := rows.Scan(&id, &open); err != nil {
			return nil, err
		}
		out[id] = EnrollState{Open: open, Ever: true}
	}
	return out, rows.Err()
}

// RecordEnrollStates tells, per workflow, whether a record is or was enrolled in it.
func (db *DB) RecordEnrollStates(ctx context.Context, recordID int64) (map[string]EnrollState, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT workflow_id, MAX(CASE WHEN status IN ('active','waiting') THEN 1 ELSE 0 END) FROM enrollments WHERE record_id = ? GROUP BY workflow_id", recordID)
	if err != nil {
		return nil, fmt.Errorf("enrollment states of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := map[string]EnrollState{}
	for rows.Next() {
		var id string
		var open bool
		if err := rows.Scan(&id, &open); err != nil {
			return nil, err
		}
		out[id] = EnrollState{Open: open, Ever: true}
	}
	return out, rows.Err()
}
