// Package workflow holds the workflow definition types, their JSON form and validation.
// It does no I/O.
package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
)

// Definition is one version of a workflow as the user drew it.
type Definition struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Object      string    `json:"object"`             // record type: contact, company, deal, ticket or custom
	Timezone    string    `json:"timezone,omitempty"` // default zone for schedules and delays (IANA name)
	Triggers    []Trigger `json:"triggers"`
	Reenroll    Reenroll  `json:"reenroll"`
	// Goal is what the workflow is for: a record that meets it leaves at once (status
	// goal_reached), and a record that already meets it is not enrolled.
	Goal *condition.Filter `json:"goal,omitempty"`
	// Unenroll says when else a record leaves before the end.
	Unenroll *Unenroll `json:"unenroll,omitempty"`
	// MaxSteps caps the steps one enrollment may execute (guards goto loops); 0 means
	// DefaultMaxSteps, and it may not exceed MaxStepsCap.
	MaxSteps int    `json:"max_steps,omitempty"`
	Start    string `json:"start"`
	Steps    []Step `json:"steps"`
	// Policy limits where this workflow's outgoing requests (webhooks) may go.
	Policy *OutboundPolicy `json:"policy,omitempty"`
	// ExecutionWindow holds communication steps reached outside business hours (window.go).
	ExecutionWindow *ExecutionWindow `json:"execution_window,omitempty"`
	// Suppress names lists whose members are never enrolled, and leave when they join one.
	Suppress []string `json:"suppress,omitempty"`
}

// OutboundPolicy is a workflow's allow/deny list of destinations for outgoing requests. Entries
// are host names ("api.example.com", "*.example.com" for subdomains), IP addresses or CIDR
// ranges. Deny wins; a non-empty Allow admits only what it lists. Link-local and cloud metadata
// addresses are refused unless Allow names them by IP or CIDR; Flowdesk's own address always.
type OutboundPolicy struct {
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
	// Loopback false refuses this machine's addresses (127.0.0.0/8, ::1, 0.0.0.0, ::, localhost);
	// nil or true allows them, so a receiver under development on localhost works.
	Loopback *bool `json:"loopback,omitempty"`
}

// Unenroll holds the rules that take a record out of the workflow before the end.
type Unenroll struct {
	// WhenCriteriaNoLongerMet unenrolls a record that a filter trigger enrolled once it no
	// longer meets that trigger's filter.
	WhenCriteriaNoLongerMet bool `json:"when_criteria_no_longer_met,omitempty"`
	// Filter unenrolls a record as soon as it meets this filter (and keeps out one that does).
	Filter *condition.Filter `json:"filter,omitempty"`
	// OnEnrollRemoveFrom lists workflows a record leaves when it enrolls in this one.
	OnEnrollRemoveFrom []string `json:"on_enroll_remove_from,omitempty"`
}

// DefaultMaxSteps is the per-enrollment step budget when a definition sets none.
const DefaultMaxSteps = 1000

// MaxStepsCap is the largest step budget a definition may set.
const MaxStepsCap = 10000

// MaxEnrollChain is how deep enroll steps may chain workflows (A enrolls in B, B in C, ...)
// before the enrollment that would go one deeper fails.
const MaxEnrollChain = 10

// MinLoopDelay is the shortest delay allowed inside a loop of steps.
const MinLoopDelay = time.Minute

// StepBudget is the step budget of an enrollment of d: its max_steps, or the default, within
// the cap.
func (d *Definition) StepBudget() int {
	switch {
	case d.MaxSteps <= 0:
		return DefaultMaxSteps
	case d.MaxSteps > MaxStepsCap:
		return MaxStepsCap
	}
	return d.MaxSteps
}

// Trigger types.
const (
	TriggerEvent    = "event"
	TriggerFilter   = "filter"
	TriggerSchedule = "schedule"
	TriggerWebhook  = "webhook"
	TriggerList     = "list"
)

// What a list trigger reacts to: a record joining the list or leaving it.
const (
	ListJoin  = "join"
	ListLeave = "leave"
)

// Trigger is one enrollment trigger. Which fields apply depends on Type.
type Trigger struct {
	// ID names the trigger for re-enrollment settings and the diagnose view; Normalize fills
	// "trigger-N" when empty.
	ID   string `json:"id,omitempty"`
	Type string `json:"type"`

	// event: the event type; Scope limits it to one scope (e.g. {"webinar": "54072"}), and
	// ExcludeScopes switches an account-wide trigger off for listed scopes.
	Event         string              `json:"event,omitempty"`
	Scope         map[string]string   `json:"scope,omitempty"`
	ExcludeScopes []map[string]string `json:"exclude_scopes,omitempty"`
	// MinWatchPct (viewer events) enrolls only viewers who watched at least this percentage; a
	// replay viewing by someone who already watched live does not count again. MaxWatchPct
	// (webinar.non_viewer) also counts viewers who watched less than this percentage as
	// non-viewers, as WebinarGeek's own triggers do.
	MinWatchPct *float64 `json:"min_watch_pct,omitempty"`
	MaxWatchPct *float64 `json:"max_watch_pct,omitempty"`

	// Filter: for event triggers a condition on the event and record; for filter triggers the
	// enrollment criteria; for schedule triggers the records to pick.
	Filter *condition.Filter `json:"filter,omitempty"`
	// EnrollExisting makes a filter trigger enroll records that already match when the
	// workflow is enabled (off by default: filter triggers are never retroactive).
	EnrollExisting bool `json:"enroll_existing,omitempty"`

	// schedule: one of Cron, At (RFC 3339) or DateProperty (+ Offset like "-3d", Time "09:00").
	Cron         string `json:"cron,omitempty"`
	At           string `json:"at,omitempty"`
	DateProperty string `json:"date_property,omitempty"`
	Offset       string `json:"offset,omitempty"`
	Time         string `json:"time,omitempty"`
	Timezone     string `json:"timezone,omitempty"`

	// webhook: the id of an incoming-webhook endpoint; the trigger takes every event it delivers.
	Hook string `json:"hook,omitempty"`

	// list: the list whose joins (On "join") or leaves (On "leave") enroll; Filter, when set,
	// must also match the record.
	List string `json:"list,omitempty"`
	On   string `json:"on,omitempty"`
}

// FormatSystemeio is the webhook step format that sends systeme.io's own webhook structure.
const FormatSystemeio = "systemeio"

// SystemeioEvents are the event types systeme.io sends webhooks for (the systemeio format's).
var SystemeioEvents = []string{"contact.campaign.finished", "contact.course.enrolled", "contact.course_bundle.enrolled",
	"contact.email_link.clicked", "contact.optin.completed", "contact.page.visited", "contact.tag.added",
	"contact.tag.removed", "contact.webinar.registered", "customer.sale.completed"}

// WebinarGeek's viewer events and the rules its triggers apply to them (see docs/events.md).
const (
	EventWebinarViewer       = "webinar.viewer"
	EventWebinarLiveViewer   = "webinar.live_viewer"
	EventWebinarReplayViewer = "webinar.replay_viewer"
	EventWebinarNonViewer    = "webinar.non_viewer"
	EventWebinarChannelLead  = "webinar.channel_lead"
)

// WatchPctEvents are the event types a trigger's min_watch_pct applies to.
var WatchPctEvents = []string{EventWebinarViewer, EventWebinarLiveViewer, EventWebinarReplayViewer}

// Reenroll controls whether a record may enroll again after it enrolled once.
type Reenroll struct {
	Enabled bool `json:"enabled"`
	// Triggers lists the trigger ids allowed to re-enroll; empty with Enabled means all.
	Triggers []string `json:"triggers"`
}

// Step types.
const (
	StepDelay             = "delay"
	StepBranch            = "branch"
	StepSplit             = "split"
	StepGoto              = "goto"
	StepEnroll            = "enroll"
	StepSetProperty       = "set_property"
	StepCopyProperty      = "copy_property"
	StepClearProperty     = "clear_property"
	StepIncrementProperty = "increment_property"
	StepAddToList         = "add_to_list"
	StepRemoveFromList    = "remove_from_list"
	StepSubscription      = "subscription"
	StepWebhook           = "webhook"
	StepSendEmail         = "send_email"
	StepInternalEmail     = "internal_email"
	StepSMS               = "sms"
	StepNotify            = "notify"
	StepSlack             = "slack"
	StepCreateRecord      = "create_record"
	StepCreateTask        = "create_task"
	StepRotateOwner       = "rotate_owner"
)

// StepTypes lists every step type in palette order.
var StepTypes = []string{StepDelay, StepBranch, StepSplit, StepGoto, StepEnroll, StepSetProperty, StepCopyProperty,
	StepClearProperty, StepIncrementProperty, StepAddToList, StepRemoveFromList, StepSubscription,
	StepWebhook, StepSendEmail, StepInternalEmail, StepSMS, StepNotify, StepSlack, StepCreateRecord,
	StepCreateTask, StepRotateOwner}

// Modes for set_property and copy_property on multi-value properties.
const (
	ModeReplace = "replace"
	ModeAppend  = "append"
)

// Step is one node of the workflow graph. It is a flat record: which fields apply depends on Type
// (see docs/workflow-format.md); validation reports fields that do not belong to the type.
type Step struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
	// Next is the step that follows; empty ends the path.
	Next string `json:"next,omitempty"`

	// delay: exactly one of Duration, Until or Event.
	Duration string     `json:"duration,omitempty"`
	Until    *Until     `json:"until,omitempty"`
	Event    *WaitEvent `json:"event,omitempty"`

	// branch: if/then branches evaluated in order, or value-based (Property + each branch's Value).
	Branches []Branch `json:"branches,omitempty"`
	Else     string   `json:"else,omitempty"`

	// split: an A/B split, each record taking one path by a stable hash of record and step.
	Paths []SplitPath `json:"paths,omitempty"`

	// goto: the step to go to. set_property, copy_property, clear_property: whose property to
	// write, "" for the enrolled record or "associated:<type>" for every associated record of
	// that type (TargetPrefix).
	Target string `json:"target,omitempty"`

	// enroll
	Workflow string `json:"workflow,omitempty"`

	// set_property, clear_property, increment_property, value-based branch.
	Property string   `json:"property,omitempty"`
	Value    any      `json:"value,omitempty"`
	Mode     string   `json:"mode,omitempty"`
	By       *float64 `json:"by,omitempty"`
	// copy_property
	From string  `json:"from,omitempty"`
	To   Strings `json:"to,omitempty"` // copy_property target property, or recipients for internal_email/sms

	// add_to_list, remove_from_list
	List string `json:"list,omitempty"`

	// subscription
	Subscription string `json:"subscription,omitempty"`
	Status       string `json:"status,omitempty"`
	LegalBasis   string `json:"legal_basis,omitempty"`
	Explanation  string `json:"explanation,omitempty"`

	// webhook
	URL      string            `json:"url,omitempty"`
	Method   string            `json:"method,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Secret   string            `json:"secret,omitempty"`
	Template string            `json:"template,omitempty"` // also the email template name
	Timeout  string            `json:"timeout,omitempty"`
	// ResponseMap copies fields of a JSON answer onto the record: response path ("data.id",
	// "items.0.url") -> property.
	ResponseMap map[string]string `json:"response_map,omitempty"`
	// Format "systemeio" sends systeme.io's webhook structure for the event type in Event
	// ({"type": "contact.tag.added"}), with Properties overriding values inside "data".
	Format string `json:"format,omitempty"`

	// send_email, internal_email
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`

	// sms, slack, notify
	WebhookURL string   `json:"webhook_url,omitempty"`
	Users      []string `json:"users,omitempty"`
	Text       string   `json:"text,omitempty"`

	// create_record, create_task, rotate_owner
	RecordType string         `json:"record_type,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Title      string         `json:"title,omitempty"`
	Owner      string         `json:"owner,omitempty"`
	DueIn      string         `json:"due_in,omitempty"`
	Owners     []string       `json:"owners,omitempty"`
	Overwrite  bool           `json:"overwrite,omitempty"`
}

// TargetPrefix starts a property step's target that writes to associated records.
const TargetPrefix = "associated:"

// AssociatedTarget returns the record type a property step writes to when it targets
// associated records ("associated:company" -> "company").
func (s *Step) AssociatedTarget() (string, bool) {
	if s.Type == StepGoto {
		return "", false
	}
	t, ok := strings.CutPrefix(s.Target, TargetPrefix)
	return t, ok && t != ""
}

// Until is "delay until one of these weekdays at this time in this zone".
type Until struct {
	Weekdays []string `json:"weekdays"` // "mon".."sun"; empty means any day
	Time     string   `json:"time"`     // "HH:MM", 24h
	Timezone string   `json:"timezone,omitempty"`
}

// WaitEvent is "delay until an event happens", with an optional timeout path.
type WaitEvent struct {
	Type        string            `json:"type"`
	Filter      *condition.Filter `json:"filter,omitempty"`
	Timeout     string            `json:"timeout,omitempty"`
	TimeoutNext string            `json:"timeout_next,omitempty"`
}

// Branch is one outgoing path of a branch step.
type Branch struct {
	Name   string            `json:"name"`
	Filter *condition.Filter `json:"filter,omitempty"`
	Expr   string            `json:"expr,omitempty"`
	Value  any               `json:"value,omitempty"` // value-based branch: matches when Property equals Value
	Next   string            `json:"next,omitempty"`
}

// SplitPath is one path of a split step: Percent of the records (whole percents, all paths
// summing to 100) continue at Next.
type SplitPath struct {
	Name    string `json:"name"`
	Percent int    `json:"percent"`
	Next    string `json:"next,omitempty"`
}

// Strings is a list of strings that also accepts a single JSON string.
type Strings []string

// UnmarshalJSON accepts "a" as well as ["a", "b"].
func (s *Strings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Strings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings")
	}
	*s = many
	return nil
}

// Step returns the step with the given id, or nil.
func (d *Definition) Step(id string) *Step {
	for i := range d.Steps {
		if d.Steps[i].ID == id {
			return &d.Steps[i]
		}
	}
	return nil
}

// Trigger returns the trigger with the given id, or nil.
func (d *Definition) Trigger(id string) *Trigger {
	for i := range d.Triggers {
		if d.Triggers[i].ID == id {
			return &d.Triggers[i]
		}
	}
	return nil
}

// Normalize fills defaults that do not change meaning: trigger ids and reenroll lists.
func (d *Definition) Normalize() {
	for i := range d.Triggers {
		if d.Triggers[i].ID == "" {
			d.Triggers[i].ID = fmt.Sprintf("trigger-%d", i+1)
		}
	}
	if d.Reenroll.Triggers == nil {
		d.Reenroll.Triggers = []string{}
	}
	if d.Triggers == nil {
		d.Triggers = []Trigger{}
	}
}

// Successors returns the step ids a step can continue to, in order (next, branches, else,
// split paths, timeout path, goto target). Empty ids are skipped.
func (s *Step) Successors() []string {
	var out []string
	add := func(id string) {
		if id != "" {
			out = append(out, id)
		}
	}
	add(s.Next)
	for _, b := range s.Branches {
		add(b.Next)
	}
	add(s.Else)
	for _, p := range s.Paths {
		add(p.Next)
	}
	if s.Event != nil {
		add(s.Event.TimeoutNext)
	}
	if s.Type == StepGoto {
		add(s.Target)
	}
	return out
}

// Parse decodes a definition strictly: unknown fields and trailing data are errors.
func Parse(data []byte) (*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Definition
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("parse workflow: %w", err)
	}
	// dec.More misses a stray "]" or "}", so read one more token and demand the end.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse workflow: unexpected data after the workflow object")
	}
	d.Normalize()
	return &d, nil
}
