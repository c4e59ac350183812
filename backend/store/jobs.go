package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job kinds.
const (
	// JobRun runs StepID (and whatever follows it in the same pass).
	JobRun = "run"
	// JobResume continues after the delay step StepID; Outcome says why it resumed.
	JobResume = "resume"
)

// Resume outcomes of a delay.
const (
	OutcomeElapsed = "elapsed" // the duration or until-time passed
	OutcomeEvent   = "event"   // the awaited event arrived
	OutcomeTimeout = "timeout" // the awaited event did not arrive in time
)

// Forever is the run_at of a job that only an event can wake (a wait with no timeout).
var Forever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Job is the one pending unit of work of an enrollment.
type Job struct {
	ID           int64
	EnrollmentID int64
	RecordID     int64
	StepID       string
	Kind         string
	Outcome      string // for JobResume
	EventID      int64  // the event that woke a wait
	WaitEvent    string // event type a waiting job listens for
	RunAt        time.Time
	Attempt      int // claims of this job (lease attempts)
	// Tries counts earlier tries of an outbound step this job retries; 0 for a first run.
	Tries int
}

// PutJob schedules the enrollment's next job, replacing any pending one, and sets j.ID.
// A replacement is a new job with a never-used id and attempt 0, so a worker still holding a
// claim on the replaced job gets false from FinishJob instead of finishing the new one. A worker
// that schedules the follow-up of the job it holds must therefore call FinishJob first.
func (t *sqlTx) PutJob(j *Job) error {
	if err := t.execLater("DELETE FROM jobs WHERE enrollment_id = ?", j.EnrollmentID); err != nil {
		return fmt.Errorf("schedule step %q of enrollment %d: replace pending job: %w", j.StepID, j.EnrollmentID, err)
	}
	newID, err := t.insert(`INSERT INTO jobs (enrollment_id, record_id, step_id, kind, outcome, event_id, wait_event, run_at, state, lease_until, attempt, tries)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'available', 0, 0, ?)`,
		j.EnrollmentID, j.RecordID, j.StepID, j.Kind, j.Outcome, nullInt(j.EventID), nullString(j.WaitEvent), ms(j.RunAt), j.Tries)
	if err != nil {
		return fmt.Errorf("schedule step %q of enrollment %d: %w", j.StepID, j.EnrollmentID, err)
	}
	j.ID = newID
	j.Attempt = 0
	return nil
}

// DeleteJob drops an enrollment's pending job (a worker holding its claim then fails FinishJob
// and drops its result).
func (t *sqlTx) DeleteJob(enrollmentID int64) error {
	if _, err := t.exec("DELETE FROM jobs WHERE enrollment_id = ?", enrollmentID); err != nil {
		return fmt.Errorf("drop the job of enrollment %d: %w", enrollmentID, err)
	}
	return nil
}

// The claim statements. Both take the jobs due longest first, so a backlog cannot starve a job
// by its place in the table; an expired lease (a dead process's job) was due before its claim,
// so it comes early (on PostgreSQL first). On PostgreSQL several processes claim from one
// table: FOR UPDATE SKIP LOCKED lets each take rows no other transaction holds, without waiting
// on them, and id = ANY(ARRAY(...)) makes the update find its rows by key instead of joining
// the whole table. SQLite has one writer, so its claim needs no row locks; its two index scans
// merge in run_at order (no sort).
const (
	claimSQLite = `UPDATE jobs SET state = 'running', lease_until = ?1, attempt = attempt + 1
		WHERE id IN (SELECT id FROM (
			SELECT id, run_at FROM jobs WHERE state = 'running' AND lease_until <= ?2
			UNION ALL
			SELECT id, run_at FROM jobs WHERE state = 'available' AND run_at <= ?2
			ORDER BY run_at, id LIMIT ?3))
		RETURNING ` + claimCols
	claimPostgres = `WITH expired AS (
			SELECT id FROM jobs WHERE state = 'running' AND lease_until <= ?2
			ORDER BY run_at, id LIMIT ?3 FOR UPDATE SKIP LOCKED),
		due AS (
			SELECT id FROM jobs WHERE state = 'available' AND run_at <= ?2
			ORDER BY run_at, id LIMIT ?3 - (SELECT COUNT(*) FROM expired) FOR UPDATE SKIP LOCKED)
		UPDATE jobs SET state = 'running', lease_until = ?1, attempt = attempt + 1
		WHERE id = ANY(ARRAY(SELECT id FROM expired UNION ALL SELECT id FROM due))
		RETURNING ` + claimCols
	claimCols = "id, enrollment_id, record_id, step_id, kind, outcome, COALESCE(event_id, 0), COALESCE(wait_event, ''), run_at, attempt, tries"
)

// ClaimJobs leases up to limit due jobs (available and run_at <= now, or running with an
// expired lease) until now+lease, bumping their attempt counter: the jobs due longest first
// (see the claim statements). The returned order is unspecified.
func (t *sqlTx) ClaimJobs(now time.Time, lease time.Duration, limit int) ([]*Job, error) {
	query := claimSQLite
	if t.pg {
		query = claimPostgres
	}
	rows, err := t.query(query, ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		var j Job
		var runAt int64
		if err := rows.Scan(&j.ID, &j.EnrollmentID, &j.RecordID, &j.StepID, &j.Kind, &j.Outcome, &j.EventID, &j.WaitEvent, &runAt, &j.Attempt, &j.Tries); err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
		j.RunAt = fromMS(runAt)
		out = append(out, &j)
	}
	return out, rows.Err()
}

// FinishJob removes a claimed job if this claim (id + attempt) still holds it. It reports false
// when the lease was lost (another worker re-claimed it), in which case the caller must not
// commit the job's effects.
func (t *sqlTx) FinishJob(id int64, attempt int) (bool, error) {
	res, err := t.exec("DELETE FROM jobs WHERE id = ? AND attempt = ? AND state = 'running'", id, attempt)
	if err != nil {
		return false, fmt.Errorf("finish job %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// JobClaim names one claim of a job: the job and the attempt that claimed it.
type JobClaim struct {
	ID      int64
	Attempt int
}

// ExtendLeases moves the leases of the claims still held (same id and attempt, still running)
// to until, and returns how many were extended: the heartbeat of a process running them, so
// a live process keeps its jobs and a dead one's leases run out.
func (t *sqlTx) ExtendLeases(claims []JobClaim, until time.Time) (int64, error) {
	var n int64
	for _, c := range claims {
		res, err := t.exec("UPDATE jobs SET lease_until = ? WHERE id = ? AND attempt = ? AND state = 'running'", ms(until), c.ID, c.Attempt)
		if err != nil {
			return n, fmt.Errorf("extend the lease of job %d: %w", c.ID, err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// ReleaseJob puts a claimed job back to run at runAt (e.g. after a transient failure).
func (t *sqlTx) ReleaseJob(id int64, attempt int, runAt time.Time) error {
	if _, err := t.exec("UPDATE jobs SET state = 'available', run_at = ?, lease_until = 0 WHERE id = ? AND attempt = ?", ms(runAt), id, attempt); err != nil {
		return fmt.Errorf("release job %d: %w", id, err)
	}
	return nil
}

// ReleaseAllLeases makes every running job available again. Only safe when no other worker
// exists, i.e. at start-up under the process lock Open takes.
func (t *sqlTx) ReleaseAllLeases() (int64, error) {
	res, err := t.exec("UPDATE jobs SET state = 'available', lease_until = 0 WHERE state = 'running'")
	if err != nil {
		return 0, fmt.Errorf("release leases: %w", err)
	}
	return res.RowsAffected()
}

// WaitingJobs lists the jobs of a record that wait for an event of the given type.
func (t *sqlTx) WaitingJobs(recordID int64, eventType string) ([]*Job, error) {
	rows, err := t.query(`SELECT id, enrollment_id, record_id, step_id, kind, outcome, COALESCE(event_id, 0), wait_event, run_at, attempt, tries
		FROM jobs WHERE record_id = ? AND wait_event = ? AND state = 'available'`, recordID, eventType)
	if err != nil {
		return nil, fmt.Errorf("find waits of record %d: %w", recordID, err)
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		var j Job
		var runAt int64
		if err := rows.Scan(&j.ID, &j.EnrollmentID, &j.RecordID, &j.StepID, &j.Kind, &j.Outcome, &j.EventID, &j.WaitEvent, &runAt, &j.Attempt, &j.Tries); err != nil {
			return nil, err
		}
		j.RunAt = fromMS(runAt)
		out = append(out, &j)
	}
	return out, rows.Err()
}

// WakeJob makes a waiting job due now with the given outcome and waking event.
func (t *sqlTx) WakeJob(id int64, outcome string, eventID int64, now time.Time) error {
	if _, err := t.exec("UPDATE jobs SET run_at = ?, outcome = ?, event_id = ?, wait_event = NULL WHERE id = ? AND state = 'available'",
		ms(now), outcome, nullInt(eventID), id); err != nil {
		return fmt.Errorf("wake job %d: %w", id, err)
	}
	return nil
}

// NextJobAt returns when the earliest available job is due; ok is false when none is pending.
func (db *DB) NextJobAt(ctx context.Context) (at time.Time, ok bool, err error) {
	var v sql.NullInt64
	err = db.readRow(ctx, "SELECT MIN(run_at) FROM jobs WHERE state = 'available'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(v.Int64), true, nil
}

// PendingJobs counts jobs not yet finished.
func (db *DB) PendingJobs(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs").Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending jobs: %w", err)
	}
	return n, nil
}

// JobSubjects loads the enrollments and records of jobs (a claim's batch) in one query each,
// keyed by id, instead of two round trips per job. A record erased (or an enrollment gone)
// since is ErrNotFound, as Record and Enrollment report it.
func (t *sqlTx) JobSubjects(jobs []*Job) (map[int64]*Enrollment, map[int64]*Record, error) {
	enrs, recs := make(map[int64]*Enrollment, len(jobs)), make(map[int64]*Record, len(jobs))
	if len(jobs) == 0 {
		return enrs, recs, nil
	}
	enrIDs, recIDs := make([]int64, 0, len(jobs)), make([]int64, 0, len(jobs))
	for _, j := range jobs {
		enrIDs, recIDs = append(enrIDs, j.EnrollmentID), append(recIDs, j.RecordID)
	}
	load := func(what, query string, ids []int64, scan func(row interface{ Scan(...any) error }) error) error {
		set, err := jsonIDs(ids)
		if err != nil {
			return err
		}
		rows, err := t.query(query, set)
		if err != nil {
			return fmt.Errorf("load the %s of claimed jobs: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("load the %s of claimed jobs: %w", what, err)
			}
		}
		return rows.Err()
	}
	err := load("enrollments", "SELECT "+enrollmentCols+" FROM enrollments WHERE id IN ("+idSet(t.pg)+")", enrIDs, func(row interface{ Scan(...any) error }) error {
		e, err := scanEnrollment(row)
		if err == nil {
			enrs[e.ID] = e
		}
		return err
	})
	if err == nil {
		err = load("records", "SELECT "+recordCols+" FROM records WHERE id IN ("+idSet(t.pg)+") AND erased_at IS NULL", recIDs, func(row interface{ Scan(...any) error }) error {
			r, err := scanRecord(row)
			if err == nil {
				recs[r.ID] = r
			}
			return err
		})
	}
	if err != nil {
		return nil, nil, err
	}
	for _, j := range jobs {
		if enrs[j.EnrollmentID] == nil {
			return nil, nil, fmt.Errorf("enrollment %d: %w", j.EnrollmentID, ErrNotFound)
		}
		if recs[j.RecordID] == nil {
			return nil, nil, fmt.Errorf("record %d: %w", j.RecordID, ErrNotFound)
		}
	}
	return enrs, recs, nil
}
