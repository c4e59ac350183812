package api

import (
	"encoding/json"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/explain"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// The wire types of the remaining answers (see wire.go): each mirrors a store row field for field
// with the JSON docs/api.md documents, and testdata/wire pins it.

// eventJSON is an event on the wire.
type eventJSON struct {
	ID             int64             `json:"id"`
	Type           string            `json:"type"`
	RecordID       int64             `json:"record_id"`
	Scope          map[string]string `json:"scope"`
	Data           map[string]any    `json:"data"`
	OccurredAt     time.Time         `json:"occurred_at"`
	ReceivedAt     time.Time         `json:"received_at"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
}

func wireEvent(v *store.Event) *eventJSON {
	if v == nil {
		return nil
	}
	return &eventJSON{ID: v.ID, Type: v.Type, RecordID: v.RecordID, Scope: v.Scope, Data: v.Data, OccurredAt: v.OccurredAt, ReceivedAt: v.ReceivedAt, IdempotencyKey: v.IdempotencyKey}
}

// hookRequestJSON is a line of a webhook endpoint's request log on the wire.
type hookRequestJSON struct {
	ID         int64     `json:"id"`
	EndpointID string    `json:"endpoint_id"`
	ReceivedAt time.Time `json:"received_at"`
	StatusCode int       `json:"status_code"`
	Outcome    string    `json:"outcome"` // applied, duplicate, captured, rejected, filtered, skipped, delayed
	Error      string    `json:"error,omitempty"`
	// ErrorCode and ErrorField are a refusal's code ("undeclared_property") and the field it
	// names ("record.properties.plan"), for a screen to act on without reading the words.
	ErrorCode  string `json:"error_code,omitempty"`
	ErrorField string `json:"error_field,omitempty"`
	// ErrorPath and ErrorValue are, for an undeclared_property refusal, the payload path the
	// mapping read the property from and the value it held there.
	ErrorPath  string          `json:"error_path,omitempty"`
	ErrorValue json.RawMessage `json:"error_value,omitempty"`
	WebhookID  string          `json:"webhook_id,omitempty"`
	EventID    int64           `json:"event_id,omitempty"`
}

func wireHookRequest(v *store.HookRequest) *hookRequestJSON {
	if v == nil {
		return nil
	}
	return &hookRequestJSON{ID: v.ID, EndpointID: v.EndpointID, ReceivedAt: v.ReceivedAt, StatusCode: v.StatusCode, Outcome: v.Outcome, Error: v.Error, ErrorCode: v.ErrorCode, ErrorField: v.ErrorField, ErrorPath: v.ErrorPath, ErrorValue: v.ErrorValue, WebhookID: v.WebhookID, EventID: v.EventID}
}

// attemptJSON is a delivery-log line (one try of an outbound step) on the wire.
type attemptJSON struct {
	ID             int64  `json:"id"`
	EnrollmentID   int64  `json:"enrollment_id"`
	WorkflowID     string `json:"workflow_id"`
	StepID         string `json:"step_id"`
	StepType       string `json:"step_type"`
	IdempotencyKey string `json:"idempotency_key"`
	Try            int    `json:"try"`
	Outcome        string `json:"outcome"`
	Target         string `json:"target"` // URL, address or channel; never a secret
	StatusCode     int    `json:"status_code,omitempty"`
	LatencyMS      int64  `json:"latency_ms"`
	Error          string `json:"error,omitempty"`
	// ErrorText is the error in words, with what to do (explain.Error); Error stays the raw text.
	ErrorText string          `json:"error_text,omitempty"`
	Response  string          `json:"response,omitempty"` // a snippet of the answer
	Request   json.RawMessage `json:"request,omitempty"`  // what was sent, for a manual retry
	At        time.Time       `json:"at"`
}

// errorText is a failed try's error in words ("" for a try that did not fail, or one without words).
func errorText(outcome, stepType string, status int, raw string) string {
	if outcome == store.AttemptOK || outcome == store.AttemptSkipped {
		return ""
	}
	return explain.Error(stepType, status, raw)
}

func wireActionAttempt(v *store.ActionAttempt) *attemptJSON {
	if v == nil {
		return nil
	}
	return &attemptJSON{ID: v.ID, EnrollmentID: v.EnrollmentID, WorkflowID: v.WorkflowID, StepID: v.StepID, StepType: v.StepType, IdempotencyKey: v.IdempotencyKey, Try: v.Try, Outcome: v.Outcome, Target: v.Target, StatusCode: v.StatusCode, LatencyMS: v.LatencyMS, Error: v.Error, ErrorText: errorText(v.Outcome, v.StepType, v.StatusCode, v.Error), Response: v.Response, Request: v.Request, At: v.At}
}

// outboxJSON is an outbox message on the wire.
type outboxJSON struct {
	ID             int64      `json:"id"`
	Channel        string     `json:"channel"` // "email"
	Status         string     `json:"status"`  // one of OutboxStatuses
	IdempotencyKey string     `json:"idempotency_key"`
	MessageID      string     `json:"message_id,omitempty"`
	EnrollmentID   int64      `json:"enrollment_id,omitempty"`
	WorkflowID     string     `json:"workflow_id,omitempty"`
	StepID         string     `json:"step_id,omitempty"`
	From           string     `json:"from"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	BodyHTML       string     `json:"body_html,omitempty"`
	BodyText       string     `json:"body_text,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	Reason         string     `json:"reason,omitempty"`      // why it failed, as the server or provider gave it
	ReasonText     string     `json:"reason_text,omitempty"` // the same in words, when there are words for it
	StatusAt       *time.Time `json:"status_at,omitempty"`   // when it became delivered or failed
	RetryAt        *time.Time `json:"retry_at,omitempty"`    // a failed message's next try; absent when the failure is final
}

func wireOutboxMessage(v *store.OutboxMessage) *outboxJSON {
	if v == nil {
		return nil
	}
	out := &outboxJSON{ID: v.ID, Channel: v.Channel, Status: v.Status, IdempotencyKey: v.IdempotencyKey, MessageID: v.MessageID, EnrollmentID: v.EnrollmentID, WorkflowID: v.WorkflowID, StepID: v.StepID, From: v.From, To: v.To, Subject: v.Subject, BodyHTML: v.BodyHTML, BodyText: v.BodyText, CreatedAt: v.CreatedAt, SentAt: v.SentAt, Reason: v.Reason, StatusAt: v.StatusAt, RetryAt: v.RetryAt}
	if v.Status == store.OutboxFailed {
		stepType := workflow.StepSendEmail
		if v.Channel == "sms" {
			stepType = workflow.StepSMS
		}
		out.ReasonText = explain.Error(stepType, 0, v.Reason)
	}
	return out
}

// emailTemplateJSON is an email template on the wire.
type emailTemplateJSON struct {
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Preheader string `json:"preheader"` // the inbox preview line after the subject
	BodyHTML  string `json:"body_html"`
	BodyText  string `json:"body_text"`
	// TextGenerated says BodyText was made from BodyHTML (and is made again at every save).
	TextGenerated bool      `json:"text_generated"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func wireEmailTemplate(v *store.EmailTemplate) *emailTemplateJSON {
	if v == nil {
		return nil
	}
	return &emailTemplateJSON{Name: v.Name, Subject: v.Subject, Preheader: v.Preheader, BodyHTML: v.BodyHTML, BodyText: v.BodyText, TextGenerated: v.TextGenerated, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// importJSON is a CSV import into a list on the wire.
type importJSON struct {
	ID        int64           `json:"id"`
	List      string          `json:"list"`
	Status    string          `json:"status"`
	Spec      json.RawMessage `json:"spec"`
	Total     int             `json:"total"`
	Cursor    int             `json:"processed"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Joined    int             `json:"joined"`
	Failed    int             `json:"failed"`
	Error     string          `json:"error,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func wireListImport(v *store.ListImport) *importJSON {
	if v == nil {
		return nil
	}
	return &importJSON{ID: v.ID, List: v.List, Status: v.Status, Spec: v.Spec, Total: v.Total, Cursor: v.Cursor, Created: v.Created, Updated: v.Updated, Unchanged: v.Unchanged, Joined: v.Joined, Failed: v.Failed, Error: v.Error, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// trashedJSON is a workflow in the Trash on the wire.
type trashedJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Object      string     `json:"object"`
	DeletedAt   time.Time  `json:"deleted_at"`
	CancelOpen  bool       `json:"cancel_open"`        // its open enrollments are being cancelled
	Enrollments int64      `json:"enrollments"`        // stored enrollments (all statuses)
	Open        int64      `json:"open"`               // active or waiting enrollments
	PurgeAt     *time.Time `json:"purge_at,omitempty"` // when its purge was asked for (nil: not yet)
	PurgeTotal  int64      `json:"purge_total"`        // enrollments when the purge began
	Revision    int        `json:"revision"`
	Versions    int        `json:"versions"` // stored versions
	UpdatedAt   time.Time  `json:"updated_at"`
}

func wireTrashedWorkflow(v *store.TrashedWorkflow) *trashedJSON {
	if v == nil {
		return nil
	}
	return &trashedJSON{ID: v.ID, Name: v.Name, Object: v.Object, DeletedAt: v.DeletedAt, CancelOpen: v.CancelOpen, Enrollments: v.Enrollments, Open: v.Open, PurgeAt: v.PurgeAt, PurgeTotal: v.PurgeTotal, Revision: v.Revision, Versions: v.Versions, UpdatedAt: v.UpdatedAt}
}

// propertyJSON is a property declaration on the wire.
type propertyJSON struct {
	Object  string   `json:"object"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Label   string   `json:"label"`
	Options []string `json:"options"` // an enum's allowed values (empty: any text)
	Unique  bool     `json:"unique"`  // no two records of the object share a value
}

func wireProperty(v *store.Property) *propertyJSON {
	if v == nil {
		return nil
	}
	return &propertyJSON{Object: v.Object, Name: v.Name, Type: v.Type, Label: v.Label, Options: v.Options, Unique: v.Unique}
}

// objectJSON is an object type on the wire.
type objectJSON struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Primary string `json:"primary"` // the property shown as a record's name
	Builtin bool   `json:"builtin"`
}

func wireObjectType(v *store.ObjectType) *objectJSON {
	if v == nil {
		return nil
	}
	return &objectJSON{Name: v.Name, Label: v.Label, Primary: v.Primary, Builtin: v.Builtin}
}

// associationJSON is a link to another record on the wire.
type associationJSON struct {
	RecordID  int64     `json:"record_id"` // the other record
	Type      string    `json:"type"`      // its type
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
}

func wireAssociation(v *store.Association) *associationJSON {
	if v == nil {
		return nil
	}
	return &associationJSON{RecordID: v.RecordID, Type: v.Type, Label: v.Label, CreatedAt: v.CreatedAt}
}

// associationTypeJSON is a pair of object types that can be linked on the wire.
type associationTypeJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func wireAssociationType(v *store.AssociationType) *associationTypeJSON {
	if v == nil {
		return nil
	}
	return &associationTypeJSON{From: v.From, To: v.To}
}

// stepStatsJSON is a step's counters on the wire.
type stepStatsJSON struct {
	Active  int64 `json:"active"`
	Waiting int64 `json:"waiting"`
	// Retrying counts the enrollments waiting for another try here (not in active), with the
	// soonest next try and the newest failed try's error.
	Retrying  int64      `json:"retrying"`
	NextTryAt *time.Time `json:"next_try_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// LastErrorText is LastError in words (explain.Error).
	LastErrorText string `json:"last_error_text,omitempty"`
	Completed     int64  `json:"completed"`
	Failed        int64  `json:"failed"`
	// Paths counts, for a split step, the records each path took (by path name).
	Paths map[string]int64 `json:"paths,omitempty"`
}

func wireStepStats(v *store.StepStats) *stepStatsJSON {
	if v == nil {
		return nil
	}
	out := &stepStatsJSON{Active: v.Active, Waiting: v.Waiting, Retrying: v.Retrying, LastError: v.LastError, Completed: v.Completed, Failed: v.Failed, Paths: v.Paths}
	if v.Retrying > 0 {
		out.NextTryAt = &v.NextTryAt
	}
	if t := v.LastTry; t != nil {
		out.LastErrorText = explain.Error(t.StepType, t.Status, t.Error)
	}
	return out
}

// statsJSON is a workflow's counters on the wire.
type statsJSON struct {
	Enrollments map[string]int64 `json:"enrollments"`
	// Retrying counts the open enrollments waiting for another try of an outbound step.
	Retrying int64 `json:"retrying"`
	// OpenWithFailedSteps counts the open enrollments that already had a failed step.
	OpenWithFailedSteps int64                     `json:"open_with_failed_steps"`
	Steps               map[string]*stepStatsJSON `json:"steps"`
	// GoalConversion is the share of enrollments that reached the goal (0..1; 0 without any).
	GoalConversion float64 `json:"goal_conversion"`
}

func wireWorkflowStats(v *store.WorkflowStats) *statsJSON {
	if v == nil {
		return nil
	}
	var steps map[string]*stepStatsJSON
	if v.Steps != nil {
		steps = make(map[string]*stepStatsJSON, len(v.Steps))
		for id, st := range v.Steps {
			steps[id] = wireStepStats(st)
		}
	}
	return &statsJSON{Enrollments: v.Enrollments, Retrying: v.Retrying, OpenWithFailedSteps: v.OpenWithFailedSteps, Steps: steps, GoalConversion: v.GoalConversion}
}

// enrollJobJSON is a bulk enrollment job on the wire.
type enrollJobJSON struct {
	ID         int64            `json:"id"`
	WorkflowID string           `json:"workflow_id"`
	Source     string           `json:"source"`
	Selection  json.RawMessage  `json:"selection"`
	Status     string           `json:"status"`
	Total      int64            `json:"total"`
	Matched    int64            `json:"matched"`
	Enrolled   int64            `json:"enrolled"`
	Skipped    map[string]int64 `json:"skipped"`
	Error      string           `json:"error,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
}

func wireEnrollJob(v *store.EnrollJob) *enrollJobJSON {
	if v == nil {
		return nil
	}
	return &enrollJobJSON{ID: v.ID, WorkflowID: v.WorkflowID, Source: v.Source, Selection: v.Selection, Status: v.Status, Total: v.Total, Matched: v.Matched, Enrolled: v.Enrolled, Skipped: v.Skipped, Error: v.Error, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, FinishedAt: v.FinishedAt}
}

// refusalJSON is why a record was kept out of a workflow on the wire.
type refusalJSON struct {
	RecordID   int64     `json:"record_id"`
	WorkflowID string    `json:"workflow_id"`
	TriggerID  string    `json:"trigger_id"` // the trigger that matched, or "manual"
	Code       string    `json:"code"`       // the engine's Skip* code
	Reason     string    `json:"reason"`     // in words: "in suppression list customers"
	Count      int64     `json:"count"`
	FirstAt    time.Time `json:"first_at"`
	At         time.Time `json:"at"`
}

func wireRefusal(v *store.Refusal) *refusalJSON {
	if v == nil {
		return nil
	}
	return &refusalJSON{RecordID: v.RecordID, WorkflowID: v.WorkflowID, TriggerID: v.TriggerID, Code: v.Code, Reason: v.Reason, Count: v.Count, FirstAt: v.FirstAt, At: v.At}
}

// erasureJSON is the summary of an erasure on the wire.
type erasureJSON struct {
	RecordID    int64            `json:"record_id"`
	Type        string           `json:"type"`
	ErasedAt    time.Time        `json:"erased_at"`
	Cancelled   int64            `json:"cancelled"` // open enrollments cancelled
	Rows        map[string]int64 `json:"rows"`      // table -> rows removed or emptied
	Enrollments int64            `json:"enrollments"`
	// Associated are the records it was linked to (the links go; the records stay): a deal a
	// workflow created from it may hold values copied from it, and is erased on its own.
	Associated []associationJSON `json:"associated"`
}

func wireErasure(v *store.Erasure) *erasureJSON {
	if v == nil {
		return nil
	}
	return &erasureJSON{RecordID: v.RecordID, Type: v.Type, ErasedAt: v.ErasedAt, Cancelled: v.Cancelled, Rows: v.Rows, Enrollments: v.Enrollments, Associated: wireAll(v.Associated, func(a store.Association) associationJSON { return *wireAssociation(&a) })}
}

// whyNotJSON is the why-not answer with each trigger's event on the wire.
type whyNotJSON struct {
	*engine.WhyNot
	Triggers []triggerWhyJSON `json:"triggers"`
}

type triggerWhyJSON struct {
	trigger.Check
	Event *eventJSON `json:"event,omitempty"` // the last event the trigger listens for
}

func wireWhyNot(v *engine.WhyNot) *whyNotJSON {
	if v == nil {
		return nil
	}
	return &whyNotJSON{WhyNot: v, Triggers: wireAll(v.Triggers, func(t engine.TriggerWhy) triggerWhyJSON {
		return triggerWhyJSON{Check: t.Check, Event: wireEvent(t.Event)}
	})}
}

// retryJobJSON is a "Retry all" job on the wire.
type retryJobJSON struct {
	ID         int64      `json:"id"`
	WorkflowID string     `json:"workflow_id"`
	StepID     string     `json:"step_id"`
	Status     string     `json:"status"`
	UpTo       int64      `json:"up_to"`
	Total      int64      `json:"total"`
	Done       int64      `json:"done"`
	OK         int64      `json:"ok"`
	Failed     int64      `json:"failed"`
	Skipped    int64      `json:"skipped"`
	Finished   bool       `json:"finished"` // no longer running (see status)
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

func wireRetryJob(v *store.RetryJob) *retryJobJSON {
	if v == nil {
		return nil
	}
	return &retryJobJSON{ID: v.ID, WorkflowID: v.WorkflowID, StepID: v.StepID, Status: v.Status, UpTo: v.UpTo, Total: v.Total, Done: v.Done,
		OK: v.OK, Failed: v.Failed, Skipped: v.Skipped, Finished: v.Status != store.EnrollJobRunning, Error: v.Error,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, FinishedAt: v.FinishedAt}
}

func propertyValue(p store.Property) *propertyJSON { return wireProperty(&p) }

func objectValue(o store.ObjectType) *objectJSON { return wireObjectType(&o) }

func associationTypeValue(t store.AssociationType) *associationTypeJSON {
	return wireAssociationType(&t)
}

// hookRequestView is a request-log line with its headers and body as the listener shows them.
type hookRequestView struct {
	*hookRequestJSON
	Headers    map[string]string `json:"headers"`
	Body       json.RawMessage   `json:"body,omitempty"`
	BodyRaw    string            `json:"body_raw,omitempty"`
	BodyBase64 string            `json:"body_base64,omitempty"`
}

func wireHookRequestView(v *hook.Request) *hookRequestView {
	return &hookRequestView{hookRequestJSON: wireHookRequest(v.HookRequest), Headers: v.Headers, Body: v.Body, BodyRaw: v.BodyRaw, BodyBase64: v.BodyBase64}
}
