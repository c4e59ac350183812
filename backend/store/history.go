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

// History outcomes.
const (
	HistEnrolled  = "enrolled"  // enrollment-level: the record entered the workflow
	HistCompleted = "completed" // enrollment-level: it reached the end of a path
	HistFailed    = "failed"    // step- or enrollment-level failure
	HistOK        = "ok"        // a step ran
	HistWaiting   = "waiting"   // a delay started
	HistResumed   = "resumed"   // a delay ended
	HistHeld      = "held"      // a communication step waits for the workflow's business hours
	HistSkipped   = "skipped"   // a step did nothing (with the reason in Detail)
	HistCancelled = "cancelled" // enrollment-level: it was stopped
	HistRerun     = "rerun"     // a failed enrollment was run again from its failed step
	// HistGoalReached and HistUnenrolled are enrollment-level: it left early, with the values
	// that met the goal or the rule that took it out in Detail.
	HistGoalReached = "goal_reached"
	HistUnenrolled  = "unenrolled"
)

// HistoryEntry is one line of an enrollment's log. It is a row: the API answers with its own
// wire type (backend/api/wire.go).
type HistoryEntry struct {
	ID           int64
	EnrollmentID int64
	StepID       string
	StepType     string
	Outcome      string
	Detail       json.RawMessage
	At           time.Time
	// WorkflowID, when the caller knows it, saves the rollup a lookup (it is not stored).
	WorkflowID string
}

// historyChunk is how many entries one INSERT statement carries: a step pass logs a handful,
// and one multi-row statement costs far less than one statement per entry.
const historyChunk = 8

// AppendHistory appends entries to enrollments' logs and counts them in the performance
// rollup, in the same transaction.
func (t *sqlTx) AppendHistory(entries ...HistoryEntry) error {
	if err := t.rollUp(entries); err != nil {
		return err
	}
	for len(entries) > 0 {
		n := min(len(entries), historyChunk)
		args := make([]any, 0, 6*n)
		for _, h := range entries[:n] {
			detail := string(h.Detail)
			if detail == "" {
				detail = "{}"
			}
			args = append(args, h.EnrollmentID, h.StepID, h.StepType, h.Outcome, detail, ms(h.At))
		}
		if err := t.execLater(historyInsert[n], args...); err != nil {
			return fmt.Errorf("append history of enrollment %d: %w", entries[0].EnrollmentID, err)
		}
		entries = entries[n:]
	}
	return nil
}

// historyInsert[n] inserts n history rows (n = 1..historyChunk).
var historyInsert = func() []string {
	out := make([]string, historyChunk+1)
	for n := 1; n <= historyChunk; n++ {
		out[n] = "INSERT INTO history (enrollment_id, step_id, step_type, outcome, detail, at) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")
	}
	return out
}()

// History returns an enrollment's log, oldest first.
func (db *DB) History(ctx context.Context, enrollmentID int64) ([]HistoryEntry, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id, enrollment_id, step_id, step_type, outcome, detail, at FROM history WHERE enrollment_id = ? ORDER BY id", enrollmentID)
	if err != nil {
		return nil, fmt.Errorf("load history of enrollment %d: %w", enrollmentID, err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var detail string
		var at int64
		if err := rows.Scan(&h.ID, &h.EnrollmentID, &h.StepID, &h.StepType, &h.Outcome, &detail, &at); err != nil {
			return nil, err
		}
		h.Detail, h.At = json.RawMessage(detail), fromMS(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// CountStep adds to a step's completed/failed counters (written before the batch commits).
func (t *sqlTx) CountStep(workflowID, stepID string, completed, failed int) error {
	t.counts.addStep(stepKey{workflowID, stepID}, int64(completed), int64(failed))
	return nil
}

// StepStats are one step's counters for the canvas.
type StepStats struct {
	Active  int64
	Waiting int64
	// Retrying counts the open enrollments at this outbound step whose last try failed and that
	// wait for their next try (a run job with earlier tries); they are not in Active.
	Retrying int64
	// NextTryAt is the soonest next try of those, LastError the error of the newest failed try.
	NextTryAt time.Time
	LastError string
	// LastTry is where the newest of those enrollments stands (its step type and status code
	// with the error, for the words).
	LastTry   *Retry
	Completed int64
	Failed    int64
	// Paths counts, for a split step, the records each path took (by path name).
	Paths map[string]int64
}

// WorkflowStats are a workflow's enrollment counts by status and per-step counters.
type WorkflowStats struct {
	Enrollments map[string]int64
	// Retrying counts the open enrollments waiting for another try of an outbound step (also
	// counted under their status in Enrollments).
	Retrying int64
	// OpenWithFailedSteps counts the open (active or waiting) enrollments that already had a
	// failed step (a dead letter, a refused send) and go on.
	OpenWithFailedSteps int64
	Steps               map[string]*StepStats
	// GoalConversion is the share of enrollments that reached the goal (0..1; 0 without any).
	GoalConversion float64
}

// PathKey is the step_counts key of one path of a split step: the step's id and the path's
// name joined by the unit separator, which a step id does not hold.
func PathKey(stepID, path string) string { return stepID + "\x1f" + path }

// statsByStatus is grouped in the order of the enrollments_workflow_status index so SQLite
// streams the covering index instead of sorting every enrollment of the workflow: the canvas and
// the bench poll it.
const statsByStatus = `SELECT status, current_step, failed_steps, ended_by, COUNT(*) FROM enrollments WHERE workflow_id = ?
	GROUP BY status, current_step, failed_steps, ended_by`

// Stats computes a workflow's counters.
func (db *DB) Stats(ctx context.Context, workflowID string) (*WorkflowStats, error) {
	s := &WorkflowStats{
		Enrollments: map[string]int64{},
		Steps:       map[string]*StepStats{},
	}
	step := func(id string) *StepStats {
		if s.Steps[id] == nil {
			s.Steps[id] = &StepStats{}
		}
		return s.Steps[id]
	}
	for _, st := range Statuses {
		s.Enrollments[st] = 0
	}
	rows, err := db.r.QueryContext(ctx, statsByStatus, workflowID)
	if err != nil {
		return nil, fmt.Errorf("stats of %q: %w", workflowID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, cur, endedBy string
		var failedSteps, n int64
		if err := rows.Scan(&status, &cur, &failedSteps, &endedBy, &n); err != nil {
			return nil, err
		}
		withErrors := failedSteps > 0
		switch {
		case endedBy != "":
			status = endedBy
		case status == StatusCompleted && withErrors:
			status = StatusCompletedWithErrors
		}
		s.Enrollments[status] += n
		if withErrors && (status == StatusActive || status == StatusWaiting) {
			s.OpenWithFailedSteps += n
		}
		if cur == "" {
			continue
		}
		switch status {
		case StatusActive:
			step(cur).Active += n
		case StatusWaiting:
			step(cur).Waiting += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var total int64
	for _, n := range s.Enrollments {
		total += n
	}
	if total > 0 {
		s.GoalConversion = float64(s.Enrollments[StatusGoalReached]) / float64(total)
	}
	rows2, err := db.r.QueryContext(ctx, "SELECT step_id, completed, failed FROM step_counts WHERE workflow_id = ?", workflowID)
	if err != nil {
		return nil, fmt.Errorf("stats of %q: %w", workflowID, err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var id string
		var c, f int64
		if err := rows2.Scan(&id, &c, &f); err != nil {
			return nil, err
		}
		if stepID, path, ok := strings.Cut(id, "\x1f"); ok {
			st := step(stepID)
			if st.Paths == nil {
				st.Paths = map[string]int64{}
			}
			st.Paths[path] = c
			continue
		}
		st := step(id)
		st.Completed, st.Failed = c, f
	}
	if err := rows2.Err(); err != nil {
		return nil, err
	}
	if err := db.retryingStats(ctx, workflowID, s, step); err != nil {
		return nil, err
	}
	// a branch's paths come from the rollup (a split's are counted above too)
	paths, err := db.PathTotals(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	for id, byPath := range paths {
		st := step(id)
		if st.Paths == nil {
			st.Paths = map[string]int64{}
		}
		for p, n := range byPath {
			if _, ok := st.Paths[p]; !ok {
				st.Paths[p] = n
			}
		}
	}
	return s, nil
}

// retryingByStep groups the open enrollments of a workflow that wait for another try of an
// outbound step: a run job with earlier tries (store.Job.Tries) of an active enrollment.
const retryingByStep = `SELECT j.step_id, COUNT(*), MIN(j.run_at), MAX(e.id) FROM enrollments e JOIN jobs j ON j.enrollment_id = e.id
	WHERE e.workflow_id = ? AND e.status = 'active' AND j.kind = 'run' AND j.tries > 0 GROUP BY j.step_id`

// retryingStats adds the retrying counts to s, moving them out of the steps' Active.
func (db *DB) retryingStats(ctx context.Context, workflowID string, s *WorkflowStats, step func(string) *StepStats) error {
	rows, err := db.r.QueryContext(ctx, retryingByStep, workflowID)
	if err != nil {
		return fmt.Errorf("retrying steps of %q: %w", workflowID, err)
	}
	newest := map[string]int64{}
	for rows.Next() {
		var id string
		var n, next, enr int64
		if err := rows.Scan(&id, &n, &next, &enr); err != nil {
			rows.Close()
			return err
		}
		st := step(id)
		st.Retrying, st.NextTryAt = n, fromMS(next)
		st.Active = max(st.Active-n, 0)
		s.Retrying += n
		newest[id] = enr
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, enr := range newest {
		r, err := db.EnrollmentRetry(ctx, enr)
		if err != nil {
			return err
		}
		if r != nil {
			step(id).LastError, step(id).LastTry = r.Error, r
		}
	}
	return nil
}

// Retry is where an enrollment waiting for another try of an outbound step stands.
type Retry struct {
	StepID    string
	StepType  string    // of the last try
	Status    int       // the last try's SMTP or HTTP status code, 0 when none
	Tries     int       // tries so far, every one failed
	NextTryAt time.Time // when the next try runs
	Error     string    // the last try's error
	LastTryAt time.Time
}

// EnrollmentRetry answers the retry an open enrollment waits for, or nil when it waits for none
// (no run job with earlier tries).
func (db *DB) EnrollmentRetry(ctx context.Context, enrollmentID int64) (*Retry, error) {
	r := &Retry{}
	var next int64
	err := db.r.QueryRowContext(ctx, `SELECT j.step_id, j.tries, j.run_at FROM jobs j JOIN enrollments e ON e.id = j.enrollment_id
		WHERE j.enrollment_id = ? AND e.status = 'active' AND j.kind = 'run' AND j.tries > 0`, enrollmentID).Scan(&r.StepID, &r.Tries, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retry of enrollment %d: %w", enrollmentID, err)
	}
	r.NextTryAt = fromMS(next)
	var at int64
	err = db.r.QueryRowContext(ctx, `SELECT step_type, status_code, error, at FROM action_attempts WHERE enrollment_id = ? AND step_id = ? ORDER BY id DESC LIMIT 1`,
		enrollmentID, r.StepID).Scan(&r.StepType, &r.Status, &r.Error, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("last try of enrollment %d: %w", enrollmentID, err)
	default:
		r.LastTryAt = fromMS(at)
	}
	return r, nil
}
