package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// msPerDay is one UTC day in milliseconds: rollup days are at / msPerDay.
const msPerDay = 86_400_000

// rollupKey is one rollup_daily row's key within a workflow.
type rollupKey struct {
	workflow   string
	day        int64
	step, path string
	outcome    string
}

// rollupOf is the row a history entry is counted in: enrollment-level lines (no step type)
// under step "", a branch's or split's "ok" under the path it took.
func rollupOf(workflowID string, h HistoryEntry) rollupKey {
	k := rollupKey{workflow: workflowID, day: ms(h.At) / msPerDay, outcome: h.Outcome}
	if h.StepType == "" {
		return k
	}
	k.step = h.StepID
	if h.Outcome == HistOK && (h.StepType == "branch" || h.StepType == "split") {
		var d struct {
			Branch string `json:"branch"`
			Path   string `json:"path"`
		}
		_ = json.Unmarshal(h.Detail, &d) // a detail that is not an object has no path
		k.path = d.Branch
		if h.StepType == "split" {
			k.path = d.Path
		}
	}
	return k
}

// rollUp counts entries into this write's rollup increments (the caller appends them in the
// same write); the writer upserts them before the batch commits.
func (t *sqlTx) rollUp(entries []HistoryEntry) error {
	owners := map[int64]string{}
	for _, h := range entries {
		wf := h.WorkflowID
		if wf == "" {
			var ok bool
			if wf, ok = owners[h.EnrollmentID]; !ok {
				if err := t.queryRow("SELECT workflow_id FROM enrollments WHERE id = ?", h.EnrollmentID).Scan(&wf); err != nil {
					return fmt.Errorf("roll up history of enrollment %d: %w", h.EnrollmentID, err)
				}
				owners[h.EnrollmentID] = wf
			}
		}
		t.counts.addRollup(rollupOf(wf, h), 1)
		if h.StepType == "" && h.Outcome == HistGoalReached {
			if err := t.rollUpPathGoals(wf, h, entries); err != nil {
				return err
			}
		}
	}
	return nil
}

// rollUpPathGoals counts an enrollment that reached the goal under each split path it took
// (outcome goal_reached at the split step and path), so the performance view shows each
// path's goal conversion, as an A/B test wants. The paths are its split lines, stored or in
// this same write; a path taken twice (a loop) counts once.
func (t *sqlTx) rollUpPathGoals(wf string, goal HistoryEntry, entries []HistoryEntry) error {
	taken := map[[2]string]bool{}
	// The detail is read whole and its path found by rollupOf: SQL JSON functions differ
	// between SQLite and PostgreSQL.
	rows, err := t.query("SELECT step_id, detail FROM history WHERE enrollment_id = ? AND step_type = 'split' AND outcome = 'ok'", goal.EnrollmentID)
	if err != nil {
		return fmt.Errorf("roll up the goal of enrollment %d: %w", goal.EnrollmentID, err)
	}
	if _, err := collect(rows, "split paths", func(r rowScanner) (struct{}, error) {
		var step, detail string
		if err := r.Scan(&step, &detail); err != nil {
			return struct{}{}, err
		}
		k := rollupOf(wf, HistoryEntry{StepID: step, StepType: "split", Outcome: HistOK, Detail: json.RawMessage(detail)})
		taken[[2]string{k.step, k.path}] = true
		return struct{}{}, nil
	}); err != nil {
		return err
	}
	for _, h := range entries {
		if h.EnrollmentID == goal.EnrollmentID && h.StepType == "split" && h.Outcome == HistOK {
			k := rollupOf(wf, h)
			taken[[2]string{k.step, k.path}] = true
		}
	}
	for k := range taken {
		if k[1] == "" {
			continue
		}
		t.counts.addRollup(rollupKey{workflow: wf, day: ms(goal.At) / msPerDay, step: k[0], path: k[1], outcome: HistGoalReached}, 1)
	}
	return nil
}

// rollupUpsert[n] adds n rows' counts to rollup_daily (n = 1..historyChunk).
var rollupUpsert = func() []string {
	out := make([]string, historyChunk+1)
	for n := 1; n <= historyChunk; n++ {
		out[n] = "INSERT INTO rollup_daily (workflow_id, day, step_id, path, outcome, n) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ") +
			" ON CONFLICT (workflow_id, day, step_id, path, outcome) DO UPDATE SET n = rollup_daily.n + excluded.n"
	}
	return out
}()

// stepCountUpsert[n] adds n rows' counts to step_counts (n = 1..historyChunk).
var stepCountUpsert = func() []string {
	out := make([]string, historyChunk+1)
	for n := 1; n <= historyChunk; n++ {
		out[n] = "INSERT INTO step_counts (workflow_id, step_id, completed, failed) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ") +
			" ON CONFLICT (workflow_id, step_id) DO UPDATE SET completed = step_counts.completed + excluded.completed, failed = step_counts.failed + excluded.failed"
	}
	return out
}()

// RollupRow is one day's count of one outcome of a workflow, at a step and path ("" for the
// enrollment-level lines and for steps without paths).
type RollupRow struct {
	Day     time.Time
	StepID  string
	Path    string
	Outcome string
	N       int64
}

// Rollup reads a workflow's rollup rows for the UTC days from..to (inclusive), by day.
func (db *DB) Rollup(ctx context.Context, workflowID string, from, to time.Time) ([]RollupRow, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT day, step_id, path, outcome, n FROM rollup_daily
		WHERE workflow_id = ? AND day BETWEEN ? AND ? ORDER BY day, step_id, path, outcome`,
		workflowID, ms(from)/msPerDay, ms(to)/msPerDay)
	if err != nil {
		return nil, fmt.Errorf("read the rollup of %q: %w", workflowID, err)
	}
	return collect(rows, "read the rollup of "+workflowID, func(r rowScanner) (RollupRow, error) {
		var x RollupRow
		var day int64
		if err := r.Scan(&day, &x.StepID, &x.Path, &x.Outcome, &x.N); err != nil {
			return x, err
		}
		x.Day = fromMS(day * msPerDay)
		return x, nil
	})
}

// PathTotals sums a workflow's path counts over all time, per step and path: the counts on the
// canvas's branch edges.
func (db *DB) PathTotals(ctx context.Context, workflowID string) (map[string]map[string]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT step_id, path, SUM(n) FROM rollup_daily
		WHERE workflow_id = ? AND path != '' AND outcome = 'ok' GROUP BY step_id, path`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("read the path counts of %q: %w", workflowID, err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var step, path string
		var n int64
		if err := rows.Scan(&step, &path, &n); err != nil {
			return nil, err
		}
		if out[step] == nil {
			out[step] = map[string]int64{}
		}
		out[step][path] = n
	}
	return out, rows.Err()
}
