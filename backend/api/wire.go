package api

import (
	"encoding/json"
	"time"

	"github.com/flowdesk/flowdesk/backend/explain"
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

// retryJSON is where an enrollment waiting for another try of an outbound step stands: try
// Try of MaxTries failed with Error, and the next runs at NextTryAt.
type retryJSON struct {
	StepID    string    `json:"step_id"`
	Try       int       `json:"try"`
	MaxTries  int       `json:"max_tries"`
	NextTryAt time.Time `json:"next_try_at"`
	Error     string    `json:"error"`
	ErrorText string    `json:"error_text,omitempty"` // Error in words (explain.Error)
	LastTryAt time.Time `json:"last_try_at"`
}

func wireRetry(v *store.Retry, maxTries int) *retryJSON {
	if v == nil {
		return nil
	}
	return &retryJSON{StepID: v.StepID, Try: v.Tries, MaxTries: maxTries, NextTryAt: v.NextTryAt, Error: v.Error,
		ErrorText: explain.Error(v.StepType, v.Status, v.Error), LastTryAt: v.LastTryAt}
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

// taskJSON is a task on the wire.
type taskJSON struct {
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

func wireTask(v *store.Task) *taskJSON {
	if v == nil {
		return nil
	}
	return &taskJSON{ID: v.ID, Title: v.Title, Owner: v.Owner, DueAt: v.DueAt, RecordID: v.RecordID, EnrollmentID: v.EnrollmentID, WorkflowID: v.WorkflowID, StepID: v.StepID, Status: v.Status, CreatedAt: v.CreatedAt, DoneAt: v.DoneAt}
}

// notificationJSON is a notification on the wire.
type notificationJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // e.g. "hook_disabled", "notify"
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Link      string    `json:"link,omitempty"`
	User      string    `json:"user,omitempty"` // the user it is addressed to; "" means everyone
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

func wireNotification(v *store.Notification) *notificationJSON {
	if v == nil {
		return nil
	}
	return &notificationJSON{ID: v.ID, Kind: v.Kind, Title: v.Title, Body: v.Body, Link: v.Link, User: v.User, Read: v.Read, CreatedAt: v.CreatedAt}
}

// subscriptionJSON is a subscription on the wire.
type subscriptionJSON struct {
	RecordID     int64     `json:"record_id"`
	Subscription string    `json:"subscription"`
	Status       string    `json:"status"`
	LegalBasis   string    `json:"legal_basis,omitempty"`
	Explanation  string    `json:"explanation,omitempty"`
	Source       string    `json:"source,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func wireSubscription(v *store.Subscription) *subscriptionJSON {
	if v == nil {
		return nil
	}
	return &subscriptionJSON{RecordID: v.RecordID, Subscription: v.Subscription, Status: v.Status, LegalBasis: v.LegalBasis, Explanation: v.Explanation, Source: v.Source, UpdatedAt: v.UpdatedAt}
}

// subscriptionChangeJSON is a subscription change on the wire.
type subscriptionChangeJSON struct {
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

func wireSubscriptionChange(v *store.SubscriptionChange) *subscriptionChangeJSON {
	if v == nil {
		return nil
	}
	return &subscriptionChangeJSON{ID: v.ID, RecordID: v.RecordID, Subscription: v.Subscription, Status: v.Status, Previous: v.Previous, LegalBasis: v.LegalBasis, Explanation: v.Explanation, Source: v.Source, EnrollmentID: v.EnrollmentID, At: v.At}
}

// listJSON is a list on the wire.
type listJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Object    string          `json:"object"`
	Filter    json.RawMessage `json:"filter,omitempty"`
	Members   int             `json:"members"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func wireList(v *store.List) *listJSON {
	if v == nil {
		return nil
	}
	return &listJSON{ID: v.ID, Name: v.Name, Object: v.Object, Filter: v.Filter, Members: v.Members, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// listDayJSON is a list day on the wire.
type listDayJSON struct {
	Day     time.Time `json:"day"`
	Joins   int       `json:"joins"`
	Leaves  int       `json:"leaves"`
	Members int       `json:"members"`
}

func wireListDay(v *store.ListDay) *listDayJSON {
	if v == nil {
		return nil
	}
	return &listDayJSON{Day: v.Day, Joins: v.Joins, Leaves: v.Leaves, Members: v.Members}
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
