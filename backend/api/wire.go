package api

import (
	"encoding/json"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// The wire types below are the JSON of the API's records, enrollments and history lines, as
// docs/api.md documents them. The store's rows carry no JSON tags: a column added to a table
// does not appear in an answer until it is added here (and to docs/api.md), and a store row can
// change shape without changing the contract. testdata/wire pins the answers.

// recordJSON is a record on the wire.
type recordJSON struct {
	ID         int64          `json:"id"`
	Type       string         `json:"type"`
	Email      string         `json:"email,omitempty"`
	Properties map[string]any `json:"properties"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func wireRecord(r *store.Record) *recordJSON {
	if r == nil {
		return nil
	}
	return &recordJSON{ID: r.ID, Type: r.Type, Email: r.Email, Properties: r.Properties, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// enrollmentJSON is an enrollment on the wire.
type enrollmentJSON struct {
	ID          int64           `json:"id"`
	WorkflowID  string          `json:"workflow_id"`
	Version     int             `json:"version"`
	RecordID    int64           `json:"record_id"`
	RecordEmail string          `json:"record_email,omitempty"`
	Status      string          `json:"status"`
	CurrentStep string          `json:"current_step"`
	TriggerID   string          `json:"trigger_id"`
	EventID     int64           `json:"event_id,omitempty"`
	Reason      json.RawMessage `json:"reason"`
	StepsRun    int             `json:"steps_run"`
	FailedSteps int             `json:"failed_steps"`
	Error       string          `json:"error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	FinishedAt  *time.Time      `json:"finished_at,omitempty"`
}

func wireEnrollment(e *store.Enrollment) *enrollmentJSON {
	if e == nil {
		return nil
	}
	return &enrollmentJSON{ID: e.ID, WorkflowID: e.WorkflowID, Version: e.Version, RecordID: e.RecordID, RecordEmail: e.RecordEmail,
		Status: e.Status, CurrentStep: e.CurrentStep, TriggerID: e.TriggerID, EventID: e.EventID, Reason: e.Reason, StepsRun: e.StepsRun,
		FailedSteps: e.FailedSteps, Error: e.Error, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, FinishedAt: e.FinishedAt}
}

// historyJSON is one line of an enrollment's history on the wire.
type historyJSON struct {
	ID           int64           `json:"id"`
	EnrollmentID int64           `json:"enrollment_id"`
	StepID       string          `json:"step_id,omitempty"`
	StepType     string          `json:"step_type,omitempty"`
	Outcome      string          `json:"outcome"`
	Detail       json.RawMessage `json:"detail"`
	At           time.Time       `json:"at"`
}

func wireHistory(h store.HistoryEntry) historyJSON {
	return historyJSON{ID: h.ID, EnrollmentID: h.EnrollmentID, StepID: h.StepID, StepType: h.StepType, Outcome: h.Outcome, Detail: h.Detail, At: h.At}
}

// workflowJSON is a workflow on the wire (its definition's secrets hidden: see masked).
type workflowJSON struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Object        string          `json:"object"`
	Definition    json.RawMessage `json:"definition"`
	Revision      int             `json:"revision"`
	Enabled       bool            `json:"enabled"`
	ActiveVersion int             `json:"active_version,omitempty"`
	Tags          []string        `json:"tags"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// wireAll converts a list, keeping nil as nil (null on the wire) as the rows were answered.
func wireAll[T, W any](in []T, f func(T) W) []W {
	if in == nil {
		return nil
	}
	out := make([]W, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
