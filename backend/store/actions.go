package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Action attempt outcomes.
const (
	AttemptOK      = "ok"      // the outside system took it
	AttemptSkipped = "skipped" // nothing to do (e.g. an unsubscribed contact)
	AttemptRetry   = "retry"   // a transient failure; another try is scheduled
	AttemptFailed  = "failed"  // a permanent failure; the enrollment goes on
	AttemptDead    = "dead"    // retries exhausted: dead letter, retryable by hand
)

// ActionAttempt is one try of an outbound step (a delivery-log line).
type ActionAttempt struct {
	ID             int64
	EnrollmentID   int64
	WorkflowID     string
	StepID         string
	StepType       string
	IdempotencyKey string
	Try            int
	Outcome        string
	Target         string // URL, address or channel; never a secret
	StatusCode     int
	LatencyMS      int64
	Error          string
	Response       string          // a snippet of the answer
	Request        json.RawMessage // what was sent, for a manual retry
	At             time.Time
}

// InsertActionAttempt appends a delivery-log line and sets its ID.
func (t *sqlTx) InsertActionAttempt(a *ActionAttempt) error {
	req := string(a.Request)
	if req == "" {
		req = "{}"
	}
	newID, err := t.insert(`INSERT INTO action_attempts (enrollment_id, workflow_id, step_id, step_type, idempotency_key, try, outcome,
		target, status_code, latency_ms, error, response, request, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.EnrollmentID, a.WorkflowID, a.StepID, a.StepType, a.IdempotencyKey, a.Try, a.Outcome, a.Target, a.StatusCode,
		a.LatencyMS, a.Error, a.Response, req, ms(a.At))
	if err != nil {
		return fmt.Errorf("log %s attempt of enrollment %d: %w", a.StepType, a.EnrollmentID, err)
	}
	a.ID = newID
	return nil
}

// AttemptQuery filters ActionAttempts; results are newest first.
type AttemptQuery struct {
	ID           int64 // one attempt
	EnrollmentID int64
	WorkflowID   string
	Key          string // one step visit's idempotency key
	DeadOnly     bool   // only dead letters
	FailedOnly   bool   // only attempts that failed for good: failed or dead
	Limit        int
}

// ActionAttempts lists delivery-log lines.
func (db *DB) ActionAttempts(ctx context.Context, q AttemptQuery) ([]*ActionAttempt, error) {
	var f filter
	f.when(q.ID > 0, "id = ?", q.ID)
	f.when(q.EnrollmentID > 0, "enrollment_id = ?", q.EnrollmentID)
	f.when(q.WorkflowID != "", "workflow_id = ?", q.WorkflowID)
	f.when(q.Key != "", "idempotency_key = ?", q.Key)
	f.when(q.DeadOnly, "outcome = 'dead'")
	f.when(q.FailedOnly, "outcome IN ('failed', 'dead')")
	rows, err := db.r.QueryContext(ctx, "SELECT "+attemptCols+" FROM action_attempts"+f.where()+" ORDER BY id DESC LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list action attempts: %w", err)
	}
	return collect(rows, "list action attempts", scanAttempt)
}

const attemptCols = "id, enrollment_id, workflow_id, step_id, step_type, idempotency_key, try, outcome, target, status_code, latency_ms, error, response, request, at"

func scanAttempt(row rowScanner) (*ActionAttempt, error) {
	var a ActionAttempt
	var req string
	var at int64
	if err := row.Scan(&a.ID, &a.EnrollmentID, &a.WorkflowID, &a.StepID, &a.StepType, &a.IdempotencyKey, &a.Try, &a.Outcome,
		&a.Target, &a.StatusCode, &a.LatencyMS, &a.Error, &a.Response, &req, &at); err != nil {
		return nil, err
	}
	a.Request, a.At = json.RawMessage(req), fromMS(at)
	return &a, nil
}

// LastTry returns the highest try number logged for one step visit (0 when none). Read inside
// the write that appends the next try, so two concurrent retries never take the same number.
func (t *sqlTx) LastTry(key string) (int, error) {
	var n int
	if err := t.queryRow("SELECT COALESCE(MAX(try), 0) FROM action_attempts WHERE idempotency_key = ?", key).Scan(&n); err != nil {
		return 0, fmt.Errorf("read the last try of %s: %w", key, err)
	}
	return n, nil
}
