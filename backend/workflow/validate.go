package workflow

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/template"
)

// Problem is one thing wrong with a definition, addressed to a marketer: the one problem type
// (package problem).
type Problem = problem.Problem

// The severities of a problem.
const (
	SeverityError   = problem.SeverityError
	SeverityWarning = problem.SeverityWarning
)

// Errors returns the problems that are not warnings: those that keep a workflow from being
// switched on.
func Errors(ps []Problem) []Problem { return problem.Errors(ps) }

// Options supply what validation cannot know by itself.
type Options struct {
	// Schema returns the property schema of an object type (nil func or nil result: no type checks).
	Schema func(object string) condition.Schema
	// Workflow reports whether a workflow id exists and its object type, for enroll steps (nil: not checked).
	Workflow func(id string) (object string, ok bool)
	// Definition returns another workflow's definition (the enabled version when it is on,
	// else its draft), for the enroll-cycle check (nil, or a nil result: not checked).
	Definition func(id string) *Definition
	// Objects lists known record types (nil: contact, company, deal, ticket).
	Objects []string
	// Template reports whether an email template of that name exists, for send_email and
	// internal_email steps (nil: not checked).
	Template func(name string) bool
	// Hook reports whether an incoming-webhook endpoint with that id exists, for webhook
	// triggers (nil: not checked).
	Hook func(id string) bool
	// List reports whether a list exists and its object type, for list steps, list triggers,
	// list rules in filters and suppression lists (nil: not checked).
	List func(id string) (object string, ok bool)
	// Associations lists the record types records of a type may be associated with, for
	// property steps that write to associated records and filters that read them
	// ("company.industry") (nil: neither is allowed).
	Associations func(object string) []string
	// Choices returns the options of an object type's choice (enum) property, for the values
	// set_property steps and value branches use (nil func or nil result: any text).
	Choices func(object, property string) []string
	// EventTypes are the event types something is known to send: the webhook presets, the
	// event catalogue and the configured endpoints. An event trigger or a wait for an event of
	// another type gets a warning, not an error: the API accepts any event type (nil: not
	// checked).
	EventTypes []string
}

// DefaultObjects are the record types every installation knows.
var DefaultObjects = []string{"contact", "company", "deal", "ticket"}

// TriggerTypes lists every trigger type.
var TriggerTypes = []string{TriggerEvent, TriggerFilter, TriggerSchedule, TriggerWebhook, TriggerList}

// Validate checks a definition and returns every problem found (nil when it is valid). It does
// not modify d; triggers without an id are addressed as "trigger-N" as Normalize would name them.
//
// The order is deterministic: workflow fields (id, name, object, timezone, max_steps, policy), the
// execution window, then the triggers in definition order, then re-enrollment, then the steps list and start, then each step
// in definition order (its id, type, fields it does not use, its own fields, then its links),
// then steps that cannot be reached from the start (in definition order), the loops without a
// delay (ordered by their first step in definition order), delays too short for the loop they
// are in, and last enroll cycles across workflows.
func Validate(d *Definition, opts Options) []Problem {
	if d == nil {
		return []Problem{{Message: "The workflow is empty. Give it an id, a name, an object type and at least one action."}}
	}
	v := &validator{d: d, opts: opts, objects: opts.Objects}
	if v.objects == nil {
		v.objects = DefaultObjects
	}
	if opts.Schema != nil && d.Object != "" {
		v.schema = opts.Schema(d.Object)
	}
	v.workflowFields()
	v.executionWindow()
	v.suppress()
	v.triggers()
	v.reenroll()
	v.exits() // goal and unenrollment
	v.steps()
	v.enrollCycles()
	return v.problems
}

// validator accumulates problems for one definition.
type validator struct {
	d        *Definition
	opts     Options
	objects  []string
	schema   condition.Schema
	problems []Problem
	first    map[string]int // step id -> index of its first occurrence
	// target is the schema of the associated records the step being checked writes to
	// (targeted: it writes to them, and property types come from target).
	target    condition.Schema
	targeted  bool
	targetObj string
}

// add records a problem.
func (v *validator) add(p Problem) { v.problems = append(v.problems, p) }

// workflowFields checks the top-level fields.
func (v *validator) workflowFields() {
	d := v.d
	if strings.TrimSpace(d.ID) == "" {
		v.add(Problem{Field: "id", Message: `The workflow has no id. Give it a short unique id like "webinar-follow-up".`})
	}
	if strings.TrimSpace(d.Name) == "" {
		v.add(Problem{Field: "name", Message: "The workflow has no name. Give it a name your team will recognise."})
	}
	switch {
	case d.Object == "":
		v.add(Problem{Field: "object", Message: fmt.Sprintf("The workflow does not say which records it works on. Set its object type to one of: %s.", list(v.objects))})
	case !contains(v.objects, d.Object):
		v.add(Problem{Field: "object", Message: fmt.Sprintf("The workflow's object type %q is not known. Use one of: %s.", d.Object, list(v.objects))})
	}
	if d.Timezone != "" {
		if _, err := LoadLocation(d.Timezone); err != nil {
			v.add(Problem{Field: "timezone", Message: fmt.Sprintf("The workflow's time zone %q is not known. Use a name like \"Europe/Amsterdam\" or \"America/New_York\".", d.Timezone)})
		}
	}
	if d.MaxSteps < 0 {
		v.add(Problem{Field: "max_steps", Message: fmt.Sprintf("The step limit %d is negative. Leave it out to use the default of %d, or set a positive number.", d.MaxSteps, DefaultMaxSteps)})
	} else if d.MaxSteps > MaxStepsCap {
		v.add(Problem{Field: "max_steps", Message: fmt.Sprintf("The step limit %d is more than the most an enrollment may run, %d. Set at most %d, or leave it out to use the default of %d.", d.MaxSteps, MaxStepsCap, MaxStepsCap, DefaultMaxSteps)})
	}
	if d.Policy != nil {
		for _, l := range []struct {
			field   string
			entries []string
		}{{"policy.allow", d.Policy.Allow}, {"policy.deny", d.Policy.Deny}} {
			for _, e := range l.entries {
				if !destinationEntry(e) {
					v.add(Problem{Field: l.field, Message: fmt.Sprintf("The destination %q in the workflow's policy is not a host name, IP address or CIDR range. Write it like \"api.example.com\", \"*.example.com\", \"10.0.0.5\" or \"10.0.0.0/8\".", e)})
				}
			}
		}
	}
}

// executionWindow checks the business hours, one problem per field.
func (v *validator) executionWindow() {
	w := v.d.ExecutionWindow
	if w == nil {
		return
	}
	add := func(field, format string, args ...any) {
		v.add(Problem{Field: "execution_window." + field, Message: fmt.Sprintf(format, args...)})
	}
	if w.Timezone != "" {
		if _, err := LoadLocation(w.Timezone); err != nil {
			add("timezone", "The business hours' time zone %q is not known. Use a name like \"Europe/Amsterdam\" or \"America/New_York\", or leave it empty for the workflow's.", w.Timezone)
		}
	}
	if len(w.Days) == 0 {
		add("days", "The business hours have no days, so held steps would never run. Pick at least one day, like mon to fri.")
	}
	seen := map[string]bool{}
	for i, d := range w.Days {
		switch _, ok := weekdayNames[strings.ToLower(d)]; {
		case !ok:
			add(fmt.Sprintf("days[%d]", i), "%q is not a weekday. Use mon, tue, wed, thu, fri, sat or sun.", d)
		case seen[strings.ToLower(d)]:
			add(fmt.Sprintf("days[%d]", i), "%q is listed twice in the business hours. Remove the second one.", d)
		}
		seen[strings.ToLower(d)] = true
	}
	from, okFrom := v.windowClock("from", "start", w.From, add)
	to, okTo := v.windowClock("to", "end", w.To, add)
	if okFrom && okTo && to == from {
		add("to", "The business hours end at %s, the time they start, so they have no length. Set a later end (an end before the start, like 22:00 to 06:00, runs over midnight), or leave out the business hours to run at any time.", w.To)
	}
}

// windowClock checks one end of the business hours and returns it in minutes after midnight.
func (v *validator) windowClock(field, end, value string, add func(field, format string, args ...any)) (int, bool) {
	if value == "" {
		add(field, "The business hours do not say when they %s. Set a time like \"09:00\".", end)
		return 0, false
	}
	h, m, err := ParseClock(value)
	if err != nil {
		add(field, "The business hours %s at %q, which is not a time of day. Write it as HH:MM on a 24-hour clock, like \"09:00\" or \"17:30\".", end, value)
		return 0, false
	}
	return h*60 + m, true
}

// listProblem says what is wrong with a list a trigger, filter or suppression names: it does
// not exist, or it holds records of another type ("" when it is fine or lists are not checked).
// The sentence continues the one it is added to ("Trigger \"x\" ...").
func (v *validator) listProblem(id string) string {
	if v.opts.List == nil {
		return ""
	}
	object, ok := v.opts.List(id)
	switch {
	case !ok:
		return fmt.Sprintf("names the list %q, which does not exist. Pick an existing list, or create it on the Lists screen.", id)
	case v.d.Object != "" && object != v.d.Object:
		return fmt.Sprintf("names the list %q, which holds %s records, but this workflow works on %s records. Pick a %s list.", id, object, v.d.Object, v.d.Object)
	}
	return ""
}

// suppress checks the suppression lists.
func (v *validator) suppress() {
	seen := map[string]bool{}
	for i, id := range v.d.Suppress {
		field := fmt.Sprintf("suppress[%d]", i)
		switch {
		case strings.TrimSpace(id) == "":
			v.add(Problem{Field: field, Message: "A suppression list is empty. Pick a list or remove the entry."})
		case seen[id]:
			v.add(Problem{Field: field, Message: fmt.Sprintf("The suppression list %q is named twice. Remove one.", id)})
		default:
			if msg := v.listProblem(id); msg != "" {
				v.add(Problem{Field: field, Message: "Suppression " + msg})
			}
		}
		seen[id] = true
	}
}

// destinationEntry reports whether s is a host name, "*.domain", an IP address or a CIDR range.
func destinationEntry(s string) bool {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if strings.Contains(s, "/") {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return true
	}
	s = strings.TrimPrefix(s, "*.")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// triggerID is the id a trigger is addressed by (Normalize's default when empty).
func triggerID(i int, t *Trigger) string {
	if t.ID != "" {
		return t.ID
	}
	return fmt.Sprintf("trigger-%d", i+1)
}

// triggerFields lists the fields each trigger type uses (besides id and type).
var triggerFields = map[string][]string{
	TriggerEvent:    {"event", "scope", "exclude_scopes", "filter", "min_watch_pct", "max_watch_pct"},
	TriggerFilter:   {"filter", "enroll_existing"},
	TriggerSchedule: {"cron", "at", "date_property", "offset", "time", "timezone", "filter"},
	TriggerWebhook:  {"hook", "filter"},
	TriggerList:     {"list", "on", "filter"},
}

// triggers checks every trigger.
func (v *validator) triggers() {
	seen := map[string]bool{}
	for i := range v.d.Triggers {
		t := &v.d.Triggers[i]
		id := triggerID(i, t)
		add := func(field, format string, args ...any) {
			v.add(Problem{Trigger: id, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if seen[id] {
			add("id", "Two triggers have the id %q. Give each trigger a unique id.", id)
		}
		seen[id] = true
		allowed, known := triggerFields[t.Type]
		if !known {
			if t.Type == "" {
				add("type", "Trigger %q has no type. Choose one of: %s.", id, list(TriggerTypes))
			} else {
				add("type", "Trigger %q has the unknown type %q. Choose one of: %s.", id, t.Type, list(TriggerTypes))
			}
			continue
		}
		for _, f := range setFields(t, "id", "type") {
			if !contains(allowed, f) {
				add(f, "Trigger %q has %q set, but %s trigger does not use it. Remove the field.", id, f, article(t.Type))
			}
		}
		eventOK := false
		switch t.Type {
		case TriggerEvent:
			eventOK = true
			if strings.TrimSpace(t.Event) == "" {
				add("event", "Trigger %q does not say which event enrolls a record. Set the event type, like \"webinar.registered\".", id)
			} else if msg := v.unknownEvent(t.Event); msg != "" {
				v.add(Problem{Trigger: id, Field: "event", Severity: SeverityWarning, Message: fmt.Sprintf("Trigger %q enrolls on %s", id, msg)})
			}
			if len(t.Scope) > 0 && len(t.ExcludeScopes) > 0 {
				add("exclude_scopes", "Trigger %q is limited to one scope and also excludes scopes. Remove the excluded scopes, or remove the scope to listen account-wide.", id)
			}
			webinarTrigger(t, id, add)
		case TriggerFilter:
			if emptyFilter(t.Filter) {
				add("filter", "Trigger %q has no filter. Add at least one rule that says which records enroll.", id)
			}
		case TriggerSchedule:
			v.schedule(t, id, add)
		case TriggerList:
			if strings.TrimSpace(t.List) == "" {
				add("list", "Trigger %q does not say which list enrolls a record. Pick a list.", id)
			} else if msg := v.listProblem(t.List); msg != "" {
				add("list", "Trigger %q %s", id, msg)
			}
			switch t.On {
			case ListJoin, ListLeave:
			case "":
				add("on", "Trigger %q does not say whether joining or leaving the list enrolls. Set \"on\" to join or leave.", id)
			default:
				add("on", "Trigger %q has \"on\": %q. Use join or leave.", id, t.On)
			}
		case TriggerWebhook:
			eventOK = true
			if strings.TrimSpace(t.Hook) == "" {
				add("hook", "Trigger %q does not say which incoming webhook enrolls a record. Pick a webhook endpoint.", id)
			} else if v.opts.Hook != nil && !v.opts.Hook(t.Hook) {
				add("hook", "Trigger %q listens to the webhook endpoint %q, which does not exist. Pick an existing endpoint, or create one under Webhooks.", id, t.Hook)
			}
		}
		if !emptyFilter(t.Filter) {
			v.filter(*t.Filter, "filter", eventOK, fmt.Sprintf("Trigger %q", id), func(field, msg string) {
				v.add(Problem{Trigger: id, Field: field, Message: msg})
			})
		}
	}
}

// schedule checks the fields of a schedule trigger named name.
func (v *validator) schedule(t *Trigger, name string, add func(field, format string, args ...any)) {
	n := 0
	for _, s := range []string{t.Cron, t.At, t.DateProperty} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		add("cron", "Trigger %q does not say when to run. Set a repeating schedule (cron), a fixed date and time (at), or a date property.", name)
	case n > 1:
		add("cron", "Trigger %q sets more than one of cron, at and date property. Keep exactly one.", name)
	}
	if t.Cron != "" {
		if err := checkCron(t.Cron); err != nil {
			add("cron", "Trigger %q has the schedule %q, which is not valid: %s. Write five fields (minute hour day-of-month month day-of-week), like \"0 9 * * MON\".", name, t.Cron, err)
		}
	}
	if t.At != "" {
		if _, err := time.Parse(time.RFC3339, t.At); err != nil {
			add("at", "Trigger %q has the date and time %q, which is not valid. Write it like \"2026-05-01T09:00:00+02:00\".", name, t.At)
		}
	}
	if t.DateProperty != "" {
		if typ, ok := v.propType(t.DateProperty); ok && typ != condition.TypeDate && typ != condition.TypeDatetime {
			add("date_property", "Trigger %q runs relative to %q, which holds %s, not a date. Pick a date property.", name, t.DateProperty, noun(typ))
		}
		if t.Offset != "" {
			if _, err := ParseOffset(t.Offset); err != nil {
				add("offset", "Trigger %q has the offset %q, which is not valid: %s. Write it like \"-3d\" (three days before), \"0d\" (on the day) or \"2h\" (two hours after).", name, t.Offset, reason(err))
			}
		}
		if t.Time == "" {
			add("time", "Trigger %q does not say at what time of day to run. Set a time like \"09:00\".", name)
		} else if _, _, err := ParseClock(t.Time); err != nil {
			add("time", "Trigger %q has the time %q, which is not valid. Write it as HH:MM on a 24-hour clock, like \"09:00\".", name, t.Time)
		}
	} else {
		if t.Offset != "" {
			add("offset", "Trigger %q has an offset, but an offset only applies to a date property schedule. Remove the field.", name)
		}
		if t.Time != "" {
			add("time", "Trigger %q has a time of day, but it only applies to a date property schedule. Remove the field.", name)
		}
	}
	if t.Timezone != "" {
		if _, err := LoadLocation(t.Timezone); err != nil {
			add("timezone", "Trigger %q uses the time zone %q, which is not known. Use a name like \"Europe/Amsterdam\".", name, t.Timezone)
		}
	}
}

// reenroll checks the re-enrollment settings.
func (v *validator) reenroll() {
	ids := map[string]bool{}
	for i := range v.d.Triggers {
		ids[triggerID(i, &v.d.Triggers[i])] = true
	}
	for i, id := range v.d.Reenroll.Triggers {
		if !ids[id] {
			v.add(Problem{Field: fmt.Sprintf("reenroll.triggers[%d]", i), Message: fmt.Sprintf("Re-enrollment names the trigger %q, which does not exist. Pick one of the workflow's triggers or remove it from the list.", id)})
		}
	}
}

// stepFields lists the fields each step type uses (besides id, type and name).
var stepFields = map[string][]string{
	StepDelay:             {"next", "duration", "until", "event"},
	StepBranch:            {"branches", "else", "property"},
	StepSplit:             {"paths"},
	StepGoto:              {"target"},
	StepEnroll:            {"next", "workflow"},
	StepSetProperty:       {"next", "property", "value", "mode", "target"},
	StepCopyProperty:      {"next", "from", "to", "mode", "target"},
	StepClearProperty:     {"next", "property", "target"},
	StepIncrementProperty: {"next", "property", "by"},
	StepAddToList:         {"next", "list"},
	StepRemoveFromList:    {"next", "list"},
	StepSubscription:      {"next", "subscription", "status", "legal_basis", "explanation"},
	StepWebhook:           {"next", "url", "method", "headers", "secret", "template", "timeout", "response_map", "format", "event", "properties"},
	StepSendEmail:         {"next", "template", "subject", "body"},
	StepInternalEmail:     {"next", "to", "template", "subject", "body"},
	StepSMS:               {"next", "to", "text"},
	StepNotify:            {"next", "users", "text"},
	StepSlack:             {"next", "webhook_url", "text"},
	StepCreateRecord:      {"next", "record_type", "properties"},
	StepCreateTask:        {"next", "title", "owner", "due_in"},
	StepRotateOwner:       {"next", "owners", "overwrite"},
}

// StepFields returns the JSON fields a step type uses besides id, type and name (nil for an
// unknown type).
func StepFields(stepType string) []string {
	f, ok := stepFields[stepType]
	if !ok {
		return nil
	}
	return append([]string(nil), f...)
}

// steps checks the step list, every step, reachability and loops.
func (v *validator) steps() {
	d := v.d
	v.first = map[string]int{}
	for i := range d.Steps {
		if id := d.Steps[i].ID; id != "" {
			if _, dup := v.first[id]; !dup {
				v.first[id] = i
			}
		}
	}
	if len(d.Steps) == 0 {
		v.add(Problem{Field: "steps", Message: "The workflow has no actions, so enrolled records would do nothing. Add at least one action."})
	} else if d.Start == "" {
		v.add(Problem{Field: "start", Message: "The workflow does not say which step comes first. Set the start to the id of the first step."})
	} else if _, ok := v.first[d.Start]; !ok {
		v.add(Problem{Field: "start", Message: fmt.Sprintf("The workflow starts at %q, which does not exist. Pick an existing step as the start.", d.Start)})
	}
	for i := range d.Steps {
		v.step(i)
	}
	v.unreachable()
	v.loops()
}

// stepName is how messages name the step at index i.
func (v *validator) stepName(i int) string {
	if id := v.d.Steps[i].ID; id != "" {
		return fmt.Sprintf("Step %q", id)
	}
	return fmt.Sprintf("Step number %d", i+1)
}

// step checks one step.
func (v *validator) step(i int) {
	s := &v.d.Steps[i]
	name := v.stepName(i)
	add := func(field, format string, args ...any) {
		v.add(Problem{Step: s.ID, Field: field, Message: name + " " + fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(s.ID) == "":
		add("id", "has no id. Give it a short unique id like \"wait-2h\".")
	case v.first[s.ID] != i:
		add("id", "has the same id as step number %d. Give each step a unique id.", v.first[s.ID]+1)
	}
	allowed, known := stepFields[s.Type]
	if !known {
		if s.Type == "" {
			add("type", "has no type. Choose one of: %s.", list(StepTypes))
		} else {
			add("type", "has the unknown type %q. Choose one of: %s.", s.Type, list(StepTypes))
		}
		// Without a type the fields cannot be judged; still check where it links to.
		v.links(s, add, nil)
		return
	}
	for _, f := range setFields(s, "id", "type", "name") {
		if !contains(allowed, f) {
			add(f, "has %q set, but %s step does not use it. Remove the field.", f, article(s.Type))
		}
	}
	v.target, v.targeted = nil, false
	if s.Type != StepGoto && contains(allowed, "target") && s.Target != "" {
		v.stepTarget(s, add)
	}
	switch s.Type {
	case StepDelay:
		v.delay(s, name, add)
	case StepBranch:
		v.branch(s, name, add)
	case StepSplit:
		v.split(s, name, add)
	case StepGoto:
		if s.Target == "" {
			add("target", "is a go-to without a target. Pick the step to go to.")
		}
	case StepEnroll:
		v.enroll(s, add)
	case StepSetProperty:
		v.nearMiss(s, s.Property, "property", "sets")
		if v.requireProperty(s.Property, "property", "set", add) {
			if s.Value == nil {
				add("value", "does not say what to set %q to. Enter a value, or use a clear property step to empty it.", s.Property)
			} else {
				v.checkValue(s.Property, s.Value, "value", add)
			}
		}
		v.mode(s, s.Property, add)
	case StepCopyProperty:
		if strings.TrimSpace(s.From) == "" {
			add("from", "does not say which property to copy from. Pick a property.")
		}
		switch {
		case len(s.To) == 0 || strings.TrimSpace(s.To[0]) == "":
			add("to", "does not say which property to copy to. Pick a property.")
		case len(s.To) > 1:
			add("to", "copies into %d properties. Pick exactly one property to copy to, or add one copy step per property.", len(s.To))
		case s.To[0] == s.From:
			add("to", "copies %q onto itself. Pick a different property to copy to.", s.From)
		}
		if len(s.To) == 1 {
			v.nearMiss(s, s.To[0], "to", "copies into")
			v.mode(s, s.To[0], add)
			v.copyTypes(s, s.To[0], add)
		} else {
			v.mode(s, "", add)
		}
	case StepClearProperty:
		v.nearMiss(s, s.Property, "property", "clears")
		v.requireProperty(s.Property, "property", "clear", add)
	case StepIncrementProperty:
		v.nearMiss(s, s.Property, "property", "increases")
		if v.requireProperty(s.Property, "property", "increase", add) {
			if t, ok := v.propType(s.Property); ok && t != condition.TypeNumber && t != condition.TypeInteger {
				add("property", "increases %q, which holds %s, not a number. Pick a number property.", s.Property, noun(t))
			}
		}
		switch {
		case s.By == nil:
			add("by", "does not say how much to add. Set \"by\" to a number (negative numbers subtract).")
		case *s.By == 0:
			add("by", "adds 0, which changes nothing. Set \"by\" to a number other than zero (negative numbers subtract).")
		}
	case StepAddToList, StepRemoveFromList:
		if strings.TrimSpace(s.List) == "" {
			add("list", "does not say which list to use. Pick a list.")
		} else if v.opts.List != nil {
			// A list that does not exist yet is fine: add_to_list makes it the first time.
			if object, ok := v.opts.List(s.List); ok && object != v.d.Object && v.d.Object != "" {
				add("list", "uses the list %q, which holds %s records, but this workflow works on %s records. Pick a %s list.", s.List, object, v.d.Object, v.d.Object)
			}
		}
	case StepSubscription:
		if strings.TrimSpace(s.Subscription) == "" {
			add("subscription", "does not say which subscription to change. Pick a subscription type.")
		}
		switch s.Status {
		case "opted_in", "opted_out":
		case "":
			add("status", "does not say whether to opt the record in or out. Set the status to opted_in or opted_out.")
		default:
			add("status", "has the status %q. Use opted_in or opted_out.", s.Status)
		}
	case StepWebhook:
		v.webhook(s, add)
		v.webhookSecret(s, add)
	case StepSendEmail:
		v.email(s, add)
	case StepInternalEmail:
		if len(nonEmpty(s.To)) == 0 {
			add("to", "has no recipients. Add at least one address to send to.")
		}
		for j, to := range s.To {
			if to = strings.TrimSpace(to); to != "" && !EmailAddress(to) {
				add(fmt.Sprintf("to[%d]", j), "sends to %q, which is not an email address. Write it like \"sales@example.com\".", to)
			}
		}
		v.email(s, add)
	case StepSMS:
		if len(nonEmpty(s.To)) == 0 {
			add("to", "has no recipient. Say which phone number to text.")
		}
		v.requireText(s, add)
	case StepSlack:
		if s.WebhookURL == "" {
			add("webhook_url", "has no Slack webhook address. Paste the incoming-webhook URL from Slack.")
		} else if !httpURL(s.WebhookURL) {
			add("webhook_url", "posts to %q, which is not a web address. Use the full https:// address Slack gave you.", s.WebhookURL)
		}
		v.requireText(s, add)
	case StepNotify:
		if len(nonEmpty(s.Users)) == 0 {
			add("users", "does not say who to notify. Add at least one user.")
		}
		v.requireText(s, add)
	case StepCreateRecord:
		switch {
		case s.RecordType == "":
			add("record_type", "does not say what kind of record to create. Set the record type to one of: %s.", list(v.objects))
		case !contains(v.objects, s.RecordType):
			add("record_type", "creates a record of type %q, which is not a known record type. Use one of: %s.", s.RecordType, list(v.objects))
		}
		if len(s.Properties) == 0 {
			add("properties", "does not set any properties on the new record. Add at least one property.")
		}
	case StepCreateTask:
		if strings.TrimSpace(s.Title) == "" {
			add("title", "has no task title. Give the task a title.")
		}
		if s.DueIn != "" {
			if _, err := ParseDuration(s.DueIn); err != nil {
				add("due_in", "has the due time %q, which is not a valid length: %s. Write it like \"2h\", \"3d\" or \"1w\".", s.DueIn, reason(err))
			}
		}
	case StepRotateOwner:
		if len(nonEmpty(s.Owners)) == 0 {
			add("owners", "has no owners to rotate between. Add at least one owner.")
		}
	}
	v.links(s, add, allowed)
}

// links checks that every link a step uses points at an existing step.
func (v *validator) links(s *Step, add func(field, format string, args ...any), allowed []string) {
	uses := func(f string) bool { return allowed == nil || contains(allowed, f) }
	check := func(field, target, what string) {
		if target == "" {
			return
		}
		if _, ok := v.first[target]; !ok {
			add(field, "%s %q, which does not exist. Pick an existing step or remove the link.", what, target)
		}
	}
	if uses("next") {
		check("next", s.Next, "goes next to")
	}
	if uses("branches") {
		for j, b := range s.Branches {
			check(fmt.Sprintf("branches[%d].next", j), b.Next, fmt.Sprintf("sends branch %q to", b.Name))
		}
	}
	if uses("else") {
		check("else", s.Else, "sends everything else to")
	}
	if uses("paths") {
		for j, p := range s.Paths {
			check(fmt.Sprintf("paths[%d].next", j), p.Next, fmt.Sprintf("sends path %q to", p.Name))
		}
	}
	if uses("event") && s.Event != nil {
		check("event.timeout_next", s.Event.TimeoutNext, "continues after the timeout at")
	}
	if uses("target") && s.Type == StepGoto {
		check("target", s.Target, "goes to")
	}
}

// delay checks a delay step.
func (v *validator) delay(s *Step, name string, add func(field, format string, args ...any)) {
	var kinds []string
	if s.Duration != "" {
		kinds = append(kinds, "duration")
	}
	if s.Until != nil {
		kinds = append(kinds, "until")
	}
	if s.Event != nil {
		kinds = append(kinds, "event")
	}
	switch len(kinds) {
	case 0:
		add("duration", "does not say how long to wait. Set a duration (like \"2h\"), a day and time to wait until, or an event to wait for.")
	case 1:
	default:
		add(kinds[1], "sets both %s and %s, but a delay waits in exactly one way. Keep one and remove the other.", kinds[0], kinds[1])
	}
	if s.Duration != "" {
		if strings.HasPrefix(strings.TrimSpace(s.Duration), "-") {
			// Someone typed a negative number into the delay's amount: answer in their terms.
			add("duration", "waits less than no time. Enter a length greater than zero.")
		} else if d, err := ParseDuration(s.Duration); err != nil {
			add("duration", "waits %q, which is not a valid length: %s. Write it like \"90s\", \"2h\", \"3d\" or \"1w\".", s.Duration, reason(err))
		} else if d <= 0 {
			add("duration", "waits %q, which is no time at all. Set a length greater than zero, or remove the delay.", s.Duration)
		}
	}
	if u := s.Until; u != nil {
		if u.Time == "" {
			add("until.time", "does not say what time of day to wait until. Set a time like \"11:00\".")
		} else if _, _, err := ParseClock(u.Time); err != nil {
			add("until.time", "waits until %q, which is not a time of day. Write it as HH:MM on a 24-hour clock, like \"11:00\".", u.Time)
		}
		for j, w := range u.Weekdays {
			if _, ok := weekdayNames[strings.ToLower(w)]; !ok {
				add(fmt.Sprintf("until.weekdays[%d]", j), "waits for the day %q, which is not a weekday. Use mon, tue, wed, thu, fri, sat or sun.", w)
			}
		}
		if u.Timezone != "" {
			if _, err := LoadLocation(u.Timezone); err != nil {
				add("until.timezone", "uses the time zone %q, which is not known. Use a name like \"Europe/Amsterdam\".", u.Timezone)
			}
		}
	}
	if e := s.Event; e != nil {
		if strings.TrimSpace(e.Type) == "" {
			add("event.type", "does not say which event to wait for. Set the event type, like \"payment.completed\".")
		} else if msg := v.unknownEvent(e.Type); msg != "" {
			v.add(Problem{Step: s.ID, Field: "event.type", Severity: SeverityWarning, Message: name + " waits for " + msg})
		}
		if e.Timeout != "" {
			if d, err := ParseDuration(e.Timeout); err != nil {
				add("event.timeout", "gives up waiting after %q, which is not a valid length: %s. Write it like \"2h\", \"3d\" or \"1w\".", e.Timeout, reason(err))
			} else if d <= 0 {
				add("event.timeout", "gives up waiting after %q, which is no time at all. Set a length greater than zero.", e.Timeout)
			}
		} else if e.TimeoutNext != "" {
			add("event.timeout_next", "has a path for when the wait times out, but no timeout. Set how long to wait (like \"3d\") or remove the timeout path.")
		}
		if !emptyFilter(e.Filter) {
			v.filter(*e.Filter, "event.filter", true, name+", event filter", func(field, msg string) {
				v.add(Problem{Step: s.ID, Field: field, Message: msg})
			})
		}
	}
}

// branch checks a branch step.
func (v *validator) branch(s *Step, name string, add func(field, format string, args ...any)) {
	if len(s.Branches) == 0 {
		add("branches", "has no branches. Add at least one branch with a condition.")
	}
	valueBased := s.Property != ""
	names := map[string]int{}
	for j, b := range s.Branches {
		field := fmt.Sprintf("branches[%d]", j)
		label := fmt.Sprintf("branch %d", j+1)
		if strings.TrimSpace(b.Name) == "" {
			add(field+".name", "has a branch without a name (%s). Give every branch a name.", label)
		} else {
			label = fmt.Sprintf("branch %q", b.Name)
			if k, dup := names[b.Name]; dup {
				add(field+".name", "has two branches called %q (branches %d and %d). Give each branch a different name.", b.Name, k+1, j+1)
			} else {
				names[b.Name] = j
			}
		}
		var kinds []string
		if !emptyFilter(b.Filter) {
			kinds = append(kinds, "filter")
		}
		if b.Expr != "" {
			kinds = append(kinds, "expr")
		}
		if b.Value != nil {
			kinds = append(kinds, "value")
		}
		switch {
		case len(kinds) > 1:
			add(field+"."+kinds[1], "gives %s both %s and %s. Keep exactly one.", label, kindNames[kinds[0]], kindNames[kinds[1]])
		case valueBased && len(kinds) == 1 && kinds[0] != "value":
			add(field+"."+kinds[0], "compares the values of %q, but %s has %s. Give the branch a value to compare with instead.", s.Property, label, kindNames[kinds[0]])
		case valueBased && len(kinds) == 0:
			add(field+".value", "compares the values of %q, but %s has no value. Enter the value this branch matches.", s.Property, label)
		case !valueBased && len(kinds) == 0:
			add(field+".filter", "has no condition for %s. Add a filter that says which records take this branch.", label)
		case !valueBased && kinds[0] == "value":
			add(field+".value", "gives %s a value, but the step does not say which property to compare. Set the step's property, or use a filter instead.", label)
		}
		prefix := name + ", " + label
		addf := func(field, msg string) { v.add(Problem{Step: s.ID, Field: field, Message: msg}) }
		if !emptyFilter(b.Filter) {
			v.filter(*b.Filter, field+".filter", true, prefix, addf)
		}
		if b.Expr != "" {
			v.filter(condition.Filter{Expr: b.Expr}, field+".expr", true, prefix, addf)
		}
		if valueBased && b.Value != nil {
			v.checkValue(s.Property, b.Value, field+".value", add)
		}
	}
}

// enroll checks an enroll step.
func (v *validator) enroll(s *Step, add func(field, format string, args ...any)) {
	switch {
	case strings.TrimSpace(s.Workflow) == "":
		add("workflow", "does not say which workflow to enroll the record in. Pick a workflow.")
		return
	case s.Workflow == v.d.ID:
		add("workflow", "enrolls the record in this same workflow. Pick a different workflow, or use a go-to step to repeat steps.")
		return
	}
	if v.opts.Workflow == nil {
		return
	}
	object, ok := v.opts.Workflow(s.Workflow)
	switch {
	case !ok:
		add("workflow", "enrolls the record in the workflow %q, which does not exist. Pick an existing workflow.", s.Workflow)
	case v.d.Object != "" && object != v.d.Object:
		add("workflow", "enrolls the record in the workflow %q, which works on %s records, but this workflow works on %s records. Pick a %s workflow.", s.Workflow, object, v.d.Object, v.d.Object)
	}
}

// webhook checks an outgoing webhook step.
func (v *validator) webhook(s *Step, add func(field, format string, args ...any)) {
	v.webhookFormat(s, add)
	if s.URL == "" {
		add("url", "does not say where to send the webhook. Enter the full http:// or https:// address.")
	} else if !httpURL(s.URL) {
		add("url", "sends to %q, which is not a web address. Enter the full http:// or https:// address.", MaskURL(s.URL))
	}
	switch s.Method {
	case "", "POST", "PUT", "PATCH":
	default:
		add("method", "uses the method %q. Use POST, PUT or PATCH (POST when left out).", s.Method)
	}
	if s.Timeout != "" {
		if d, err := ParseDuration(s.Timeout); err != nil {
			add("timeout", "has the timeout %q, which is not a valid length: %s. Write it like \"10s\".", s.Timeout, reason(err))
		} else if d <= 0 {
			add("timeout", "has a timeout of %q, which is no time at all. Set a length like \"10s\" or leave it out.", s.Timeout)
		}
	}
	keys := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !headerName(k) {
			add("headers", "has the header name %q, which is not valid. Use letters, digits and dashes, like \"X-Api-Key\".", k)
		} else if ReservedWebhookHeader(k) {
			add("headers", "sets the header %q, which Flowdesk sets itself (or which only the connection may carry). Remove it.", k)
		}
	}
	paths := make([]string, 0, len(s.ResponseMap))
	for k := range s.ResponseMap {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	for _, k := range paths {
		switch {
		case strings.TrimSpace(k) == "" || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") || strings.Contains(k, ".."):
			add("response_map", "reads the answer field %q, which is not a path. Write it like \"data.id\" or \"items.0.url\".", k)
		case strings.TrimSpace(s.ResponseMap[k]) == "":
			add("response_map", "reads the answer field %q but does not say which property to store it in. Pick a property.", k)
		}
	}
}

// ReservedWebhookHeader reports whether a custom webhook header may not be set by the user:
// hop-by-hop headers, Host, Content-Length and the Standard Webhooks signature headers.
func ReservedWebhookHeader(name string) bool {
	switch strings.ToLower(name) {
	case "host", "content-length", "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
		"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
		"webhook-id", "webhook-timestamp", "webhook-signature":
		return true
	}
	return false
}

// email checks the content fields shared by send_email and internal_email.
func (v *validator) email(s *Step, add func(field, format string, args ...any)) {
	hasText := s.Subject != "" || s.Body != ""
	switch {
	case s.Template != "" && hasText:
		add("template", "has both a template and a written subject or body. Keep the template, or the subject and body, not both.")
	case s.Template == "" && !hasText:
		add("template", "has no email to send. Pick a template, or write a subject and a body.")
	case s.Template == "" && s.Subject == "":
		add("subject", "has a body but no subject. Write a subject.")
	case s.Template == "" && s.Body == "":
		add("body", "has a subject but no body. Write the body.")
	}
	if s.Template != "" && v.opts.Template != nil && !v.opts.Template(s.Template) {
		add("template", "sends the email template %q, which does not exist. Pick an existing template, or create it under email templates.", s.Template)
	}
	v.tokens(s.Subject, "subject", add)
	v.tokens(s.Body, "body", add)
}

// requireText reports a missing message text.
func (v *validator) requireText(s *Step, add func(field, format string, args ...any)) {
	if strings.TrimSpace(s.Text) == "" {
		add("text", "has no message text. Write the message to send.")
	}
}

// requireProperty reports a missing property name; it returns whether one is set.
func (v *validator) requireProperty(p, field, verb string, add func(field, format string, args ...any)) bool {
	if strings.TrimSpace(p) == "" {
		add(field, "does not say which property to %s. Pick a property.", verb)
		return false
	}
	return true
}

// nearMiss warns when a step writes a property the object does not have but is one edit away
// from one it has ("lifecycel"): writing declares a new property, so the typo would otherwise
// pass silently while the same typo in a rule is caught. A new name that is near nothing is
// taken as meant.
func (v *validator) nearMiss(s *Step, p, field, verb string) {
	name := strings.TrimPrefix(p, "record.")
	if v.targeted || v.schema == nil || strings.TrimSpace(name) == "" || strings.Contains(name, ".") {
		return
	}
	if _, ok := v.schema(name); ok {
		return
	}
	if near := v.nearProperty(name); near != "" {
		v.add(Problem{Step: s.ID, Field: field, Severity: SeverityWarning, Message: fmt.Sprintf(
			"Step %q %s %q, which is not %s property; did you mean %q? As it is, its first run adds %q as a new property.",
			s.ID, verb, name, article(v.d.Object), near, name)})
	}
}

// mode checks set_property/copy_property mode against the target property.
func (v *validator) mode(s *Step, property string, add func(field, format string, args ...any)) {
	switch s.Mode {
	case "", ModeReplace:
	case ModeAppend:
		if t, ok := v.propType(property); ok && t != condition.TypeMulti {
			add("mode", "appends to %q, which holds %s, not a list of values. Use replace, or pick a multi-value property.", property, noun(t))
		}
	default:
		add("mode", "has the mode %q. Use replace or append.", s.Mode)
	}
}

// checkValue reports a value that does not fit the declared type of property.
func (v *validator) checkValue(property string, value any, field string, add func(field, format string, args ...any)) {
	t, ok := v.propType(property)
	if !ok {
		return
	}
	if fits(t, value) {
		if t == condition.TypeEnum {
			v.checkChoice(property, value, field, add)
		}
		return
	}
	var want string
	switch t {
	case condition.TypeNumber:
		want = "a number like 42"
	case condition.TypeBool:
		want = "true or false"
	case condition.TypeMulti:
		want = "a text value or a list of text values"
	case condition.TypeDate:
		want = "a date like \"2026-05-01\""
	default:
		want = "a text value"
	}
	add(field, "uses %s for %q, which holds %s. Use %s.", describe(value), property, noun(t), want)
}

// checkChoice reports a text value outside the options of a choice property: every write of it
// would fail.
func (v *validator) checkChoice(name string, value any, field string, add func(field, format string, args ...any)) {
	text, ok := value.(string)
	if !ok || v.opts.Choices == nil {
		return
	}
	object := v.d.Object
	if v.targeted {
		object = v.targetObj
	}
	opts := v.opts.Choices(object, name)
	if len(opts) == 0 {
		return
	}
	if _, err := property.Convert(text, property.Enum, opts); err == nil {
		return
	}
	add(field, "uses %q for %q, which is not one of its options. Use one of %s.", text, name, optionList(opts))
}

// optionList names a choice property's options for a message: all of a short list, the first
// few of a long one and where to see the rest.
func optionList(opts []string) string {
	const shown = 10
	if len(opts) <= shown+2 {
		return strings.Join(opts, ", ")
	}
	return fmt.Sprintf("%s, … (%d options in all, listed under Properties)", strings.Join(opts[:shown], ", "), len(opts))
}

// copyTypes reports a copy between record properties whose types do not fit (a list into a
// text property, text into a number): package property decides what copies into what.
func (v *validator) copyTypes(s *Step, to string, add func(field, format string, args ...any)) {
	from := s.From
	if from == "" || isEventRef(from) {
		return
	}
	from = strings.TrimPrefix(from, "record.")
	if msg := v.undeclared(from, "rule"); msg != "" {
		// A warning: the step is skipped while the source is empty, which is not an error.
		v.add(Problem{Step: s.ID, Field: "from", Severity: SeverityWarning, Message: fmt.Sprintf("Step %q copies %q, which is not %s property yet, so it copies nothing until a write declares it. Check the spelling.", s.ID, from, article(v.d.Object))})
		return
	}
	ft, ok1 := v.ownType(from)
	tt, ok2 := v.propType(to)
	if ok1 && ok2 && !property.Copyable(string(ft), string(tt)) {
		add("to", "copies %q, which holds %s, into %q, which holds %s. Pick a target of a fitting type (text takes anything, a list takes single values).", from, noun(ft), to, noun(tt))
	}
}

// propType looks a property up in the schema of the records the step writes to: the object's,
// or the associated type's when the step targets associated records.
func (v *validator) propType(p string) (condition.Type, bool) {
	sch := v.schema
	if v.targeted {
		sch = v.target
	}
	if sch == nil || p == "" {
		return "", false
	}
	return sch(p)
}

// ownType looks a property up in the object's own schema.
func (v *validator) ownType(p string) (condition.Type, bool) {
	if v.schema == nil || p == "" {
		return "", false
	}
	return v.schema(p)
}

// stepTarget checks a property step's target ("associated:company") and sets the schema its
// property checks use.
func (v *validator) stepTarget(s *Step, add func(field, format string, args ...any)) {
	typ, ok := s.AssociatedTarget()
	if !ok {
		add("target", "writes to %q. Leave the target empty to change the enrolled record, or write \"associated:company\" to change every associated company.", s.Target)
		return
	}
	var can []string
	if v.opts.Associations != nil {
		can = v.opts.Associations(v.d.Object)
	}
	if !contains(can, typ) {
		if len(can) == 0 {
			add("target", "writes to associated %s records, but %s records cannot be associated with anything. Leave the target empty.", typ, v.d.Object)
		} else {
			add("target", "writes to associated %s records, but no association is defined between %s and %s. Use one of: %s.", typ, v.d.Object, typ, quoteList(prefixed(can)))
		}
		return
	}
	v.targeted, v.targetObj = true, typ
	if v.opts.Schema != nil {
		v.target = v.opts.Schema(typ)
	}
}

func prefixed(types []string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = TargetPrefix + t
	}
	return out
}

// associated resolves "company" in a filter's "company.industry" to the associated type's
// schema, for condition.Options.Associated.
func (v *validator) associated(prefix string) (condition.Schema, bool) {
	if v.opts.Associations == nil || !contains(v.opts.Associations(v.d.Object), prefix) {
		return nil, false
	}
	if v.opts.Schema == nil {
		return nil, true
	}
	return v.opts.Schema(prefix), true
}

// filter compiles f and reports its problems under field, each message prefixed with who.
// eventOK says whether the filter may read event fields ("event.*").
func (v *validator) filter(f condition.Filter, field string, eventOK bool, who string, add func(field, msg string)) {
	opts := condition.Options{Schema: v.schema, Associated: v.associated}
	_, err := condition.Compile(f, opts)
	if err != nil {
		var ce *problem.Error
		if errors.As(err, &ce) && len(ce.Problems) > 0 {
			for _, p := range ce.Problems {
				add(joinPath(field, p.Field), who+": "+sentence(p.Message))
			}
		} else {
			add(field, who+": "+sentence(err.Error()))
		}
	}
	v.undeclaredRules(f, field, who, add)
	walk(f, "", func(path string, n condition.Filter) {
		if n.List != "" {
			if msg := v.listProblem(n.List); msg != "" {
				add(joinPath(field, path), who+" "+msg)
			}
		}
		if n.Workflow != "" {
			if msg := v.workflowRuleProblem(n.Workflow); msg != "" {
				add(joinPath(field, path), who+": "+msg)
			}
		}
	})
	if eventOK {
		return
	}
	// Record-only filters cannot read the event: report rules and raw expressions that do.
	walk(f, "", func(path string, n condition.Filter) {
		if isEventRef(n.Property) {
			where := "when this trigger enrolls a record"
			if !strings.HasPrefix(who, "Trigger") {
				where = "here, only the record" // the goal and the unenrollment filter
			}
			add(joinPath(field, path), fmt.Sprintf("%s: the rule reads %q, but there is no event %s. Use a record property instead.", who, n.Property, where))
		}
		if n.Expr == "" {
			return
		}
		prog, err := condition.Compile(condition.Filter{Expr: n.Expr}, condition.Options{})
		if err != nil {
			return // reported above
		}
		for _, ref := range prog.References() {
			if isEventRef(ref) {
				add(joinPath(field, path), fmt.Sprintf("%s: the expression reads %q, but there is no event when this trigger enrolls a record. Use record properties instead.", who, ref))
				return
			}
		}
	})
}

// undeclaredRules reports rules that read a record property the object does not declare: such
// a rule never matches (a typo like "ctiy"), so it is a problem, with the nearest declared
// name when one is a letter away.
func (v *validator) undeclaredRules(f condition.Filter, field, who string, add func(field, msg string)) {
	if v.schema == nil {
		return
	}
	walk(f, "", func(path string, n condition.Filter) {
		if n.Expr != "" {
			// A raw expression's record.<name> reads are checked as a rule's property is.
			prog, err := condition.Compile(condition.Filter{Expr: n.Expr}, condition.Options{})
			if err != nil {
				return // reported by the compile of the whole filter
			}
			for _, ref := range prog.References() {
				if isEventRef(ref) {
					continue
				}
				name, _, _ := strings.Cut(ref, ".")
				if msg := v.undeclared(name, "expression"); msg != "" {
					add(joinPath(field, path), who+": "+msg)
				}
			}
		}
		if n.Property == "" || isEventRef(n.Property) {
			return
		}
		name := strings.TrimPrefix(n.Property, "record.")
		if i := strings.IndexByte(name, '.'); i >= 0 {
			if _, ok := v.associated(name[:i]); ok {
				return // an associated record's property ("deal.amount"), checked against its type by the compile
			}
			name = name[:i] // a field inside a structured property
		}
		if msg := v.undeclared(name, "rule"); msg != "" {
			add(joinPath(field, path), who+": "+msg)
		}
	})
}

// undeclared says why a property the workflow reads (in a rule or an expression: what) is not
// one of the object's ("" when it is).
func (v *validator) undeclared(name, what string) string {
	if v.schema == nil || name == "" {
		return ""
	}
	if _, ok := v.schema(name); ok {
		return ""
	}
	if v.written(name) {
		return "" // declared by the workflow's own first write
	}
	object := v.d.Object
	if s := v.nearProperty(name); s != "" {
		return fmt.Sprintf("the %s reads %q, which is not %s property; did you mean %q?", what, name, article(object), s)
	}
	return fmt.Sprintf("the %s reads %q, which is not %s property, so it never matches. Check the spelling, or declare the property in Properties.", what, name, article(object))
}

// written reports whether a step of the workflow writes the property (which declares it).
func (v *validator) written(name string) bool {
	for i := range v.d.Steps {
		s := &v.d.Steps[i]
		switch s.Type {
		case StepSetProperty, StepIncrementProperty:
			if s.Property == name {
				return true
			}
		case StepCopyProperty:
			if len(s.To) > 0 && s.To[0] == name {
				return true
			}
		}
	}
	return false
}

// walk calls fn for every node of f, parents first, with its path ("all[0].any[1]").
func walk(f condition.Filter, path string, fn func(path string, n condition.Filter)) {
	fn(path, f)
	for i, c := range f.All {
		walk(c, joinPath(path, fmt.Sprintf("all[%d]", i)), fn)
	}
	for i, c := range f.Any {
		walk(c, joinPath(path, fmt.Sprintf("any[%d]", i)), fn)
	}
}

// isEventRef reports whether a property path names an event field.
func isEventRef(p string) bool { return p == "event" || strings.HasPrefix(p, "event.") }

// emptyFilter reports whether f is absent or has nothing in it.
func emptyFilter(f *condition.Filter) bool {
	return f == nil || (len(f.All) == 0 && len(f.Any) == 0 && f.Property == "" && f.List == "" && f.Workflow == "" && f.Op == "" && f.Expr == "" && f.Value == nil)
}

// unreachable reports steps that no path from the start reaches.
func (v *validator) unreachable() {
	d := v.d
	start, ok := v.first[d.Start]
	if !ok {
		return // already reported; every step would look unreachable
	}
	seen := make([]bool, len(d.Steps))
	queue := []int{start}
	seen[start] = true
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, id := range d.Steps[i].Successors() {
			if j, ok := v.first[id]; ok && !seen[j] {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i := range d.Steps {
		s := &d.Steps[i]
		if seen[i] || s.ID == "" || v.first[s.ID] != i {
			continue // reached, or already reported for its id
		}
		v.add(Problem{Step: s.ID, Message: fmt.Sprintf("Step %q cannot be reached from the start, so no record will ever get there. Link to it from another step or remove it.", s.ID)})
	}
}

// loops reports every loop of steps that contains no delay, once per loop (strongly connected
// component of the step graph with the delay steps taken out).
func (v *validator) loops() {
	d := v.d
	n := len(d.Steps)
	adj := make([][]int, n)
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.ID == "" || v.first[s.ID] != i || s.Type == StepDelay {
			continue
		}
		for _, id := range s.Successors() {
			if j, ok := v.first[id]; ok && d.Steps[j].Type != StepDelay {
				adj[i] = append(adj[i], j)
			}
		}
	}
	for _, comp := range tarjan(adj) {
		if len(comp) == 1 {
			self := false
			for _, j := range adj[comp[0]] {
				if j == comp[0] {
					self = true
				}
			}
			if !self {
				continue
			}
		}
		sort.Ints(comp)
		ids := make([]string, len(comp))
		at := comp[0]
		for k, i := range comp {
			ids[k] = d.Steps[i].ID
			if d.Steps[i].Type == StepGoto && d.Steps[at].Type != StepGoto {
				at = i
			}
		}
		var msg string
		if len(ids) == 1 {
			msg = fmt.Sprintf("Step %q leads back to itself without a delay, so a record would repeat it without waiting until it hits the step limit. Add a delay step inside the loop.", ids[0])
		} else {
			msg = fmt.Sprintf("Steps %s form a loop without a delay, so a record would go round it without waiting until it hits the step limit. Add a delay step inside the loop.", quoteList(ids))
		}
		v.add(Problem{Step: d.Steps[at].ID, Message: msg})
	}
	full := make([][]int, n) // the same graph with the delays in
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.ID == "" || v.first[s.ID] != i {
			continue
		}
		for _, id := range s.Successors() {
			if j, ok := v.first[id]; ok {
				full[i] = append(full[i], j)
			}
		}
	}
	v.loopDelays(full)
}

// tarjan returns the strongly connected components of a graph, ordered by smallest member.
func tarjan(adj [][]int) [][]int {
	n := len(adj)
	index := make([]int, n)
	low := make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var comps [][]int
	next := 0
	var visit func(u int)
	visit = func(u int) {
		index[u], low[u] = next, next
		next++
		stack = append(stack, u)
		on[u] = true
		for _, w := range adj[u] {
			if index[w] < 0 {
				visit(w)
				low[u] = min(low[u], low[w])
			} else if on[w] {
				low[u] = min(low[u], index[w])
			}
		}
		if low[u] == index[u] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp = append(comp, w)
				if w == u {
					break
				}
			}
			comps = append(comps, comp)
		}
	}
	for u := 0; u < n; u++ {
		if index[u] < 0 {
			visit(u)
		}
	}
	sort.Slice(comps, func(a, b int) bool { return minOf(comps[a]) < minOf(comps[b]) })
	return comps
}

// minOf returns the smallest element of a non-empty slice.
func minOf(xs []int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

// checkCron validates a five-field cron expression with the parser the scheduler runs
// (ParseCron), so validation and execution never disagree.
func checkCron(expr string) error {
	_, err := ParseCron(expr)
	return err
}

// setFields returns the JSON names of the fields of a struct (pointer) that hold a value, in
// declaration order, skipping the given names. Empty lists and maps count as unset.
// webhookFormat checks "format": "systemeio" with its event type and value overrides.
func (v *validator) webhookFormat(s *Step, add func(field, format string, args ...any)) {
	switch s.Format {
	case "":
		if s.Event != nil {
			add("event", "names an event type, which only the systeme.io format uses. Set \"format\": \"systemeio\" or remove the event.")
		}
		if len(s.Properties) > 0 {
			add("properties", "sets values, which only the systeme.io format uses. Set \"format\": \"systemeio\", or write the body as a template.")
		}
		return
	case FormatSystemeio:
	default:
		add("format", "has the format %q. Use \"systemeio\" for systeme.io's webhook structure, or leave it out for Flowdesk's envelope.", s.Format)
		return
	}
	switch {
	case s.Event == nil || s.Event.Type == "":
		add("event", "sends systeme.io's format but not which event. Set \"event\": {\"type\": ...}, one of %s.", strings.Join(SystemeioEvents, ", "))
	case !contains(SystemeioEvents, s.Event.Type):
		add("event", "sends the systeme.io event %q, which systeme.io does not have. Use one of %s.", s.Event.Type, strings.Join(SystemeioEvents, ", "))
	case s.Event.Filter != nil || s.Event.Timeout != "" || s.Event.TimeoutNext != "":
		add("event", "takes only the event type here; a filter or timeout belongs to a delay.")
	}
	if strings.TrimSpace(s.Template) != "" {
		add("template", "has both a body template and the systeme.io format. Remove one: the format builds the body.")
	}
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(k) == "" || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") || strings.Contains(k, "..") {
			add("properties", "sets %q, which is not a path inside the event's data. Write it like \"tag.name\".", k)
		} else if first, _, _ := strings.Cut(k, "."); first == "contact" || first == "customer" {
			add("properties", "sets %q, but the person comes from the enrolled record. Change the record's properties instead.", k)
		}
	}
}

// webinarTrigger checks WebinarGeek's rules: watch percentages only where WebinarGeek has them,
// between 0 and 100, and channel leads only account-wide (a channel is not one webinar's).
func webinarTrigger(t *Trigger, id string, add func(field, format string, args ...any)) {
	if t.MinWatchPct != nil {
		switch {
		case !contains(WatchPctEvents, t.Event):
			add("min_watch_pct", "Trigger %q sets a minimum watch percentage, which only viewer events have (%s). Remove it, or trigger on a viewer event.", id, strings.Join(WatchPctEvents, ", "))
		case *t.MinWatchPct <= 0 || *t.MinWatchPct > 100:
			add("min_watch_pct", "Trigger %q: a minimum watch percentage is more than 0 and at most 100, not %v.", id, *t.MinWatchPct)
		}
	}
	if t.MaxWatchPct != nil {
		switch {
		case t.Event != EventWebinarNonViewer:
			add("max_watch_pct", "Trigger %q sets a maximum watch percentage, which only the non-viewer event (%s) has. Remove it, or trigger on %s.", id, EventWebinarNonViewer, EventWebinarNonViewer)
		case *t.MaxWatchPct <= 0 || *t.MaxWatchPct > 100:
			add("max_watch_pct", "Trigger %q: a maximum watch percentage is more than 0 and at most 100, not %v.", id, *t.MaxWatchPct)
		}
	}
	if t.Event == EventWebinarChannelLead && len(t.Scope) > 0 {
		add("scope", "Trigger %q limits channel leads to a scope, but a channel lead belongs to the whole channel, not one webinar. Remove the scope.", id)
	}
}

func setFields(x any, skip ...string) []string {
	rv := reflect.ValueOf(x).Elem()
	rt := rv.Type()
	var out []string
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || contains(skip, name) {
			continue
		}
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Slice, reflect.Map:
			if f.Len() == 0 {
				continue
			}
		default:
			if f.IsZero() {
				continue
			}
		}
		out = append(out, name)
	}
	return out
}

// fits reports whether a JSON value suits a property type.
func fits(t condition.Type, v any) bool {
	switch t {
	case condition.TypeNumber:
		switch v.(type) {
		case float64, float32, int, int64, int32:
			return true
		}
		return false
	case condition.TypeBool:
		_, ok := v.(bool)
		return ok
	case condition.TypeMulti:
		switch x := v.(type) {
		case string:
			return true
		case []string:
			return true
		case []any:
			for _, e := range x {
				if _, ok := e.(string); !ok {
					return false
				}
			}
			return true
		}
		return false
	case condition.TypeDate:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return true
		}
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	case condition.TypeInteger, condition.TypeDatetime, condition.TypeEmail, condition.TypePhone, condition.TypeURL:
		_, err := property.Convert(v, string(t), nil) // the rules every write follows
		return err == nil
	default:
		_, ok := v.(string)
		return ok
	}
}

// kindNames names the ways a branch can decide, for messages.
var kindNames = map[string]string{"filter": "a filter", "expr": "an expression", "value": "a value"}

// noun describes what a property of type t holds: "text", "a number".
func noun(t condition.Type) string {
	switch t {
	case condition.TypeString:
		return "text"
	case condition.TypeNumber:
		return "a number"
	case condition.TypeBool:
		return "true or false"
	case condition.TypeDate:
		return "a date"
	case condition.TypeEnum:
		return "one choice from a fixed list"
	case condition.TypeMulti:
		return "a list of values"
	}
	return property.Noun(string(t))
}

// reason extracts the explanation from a length parse error.
func reason(err error) string {
	var de *DurationError
	if errors.As(err, &de) {
		return de.Reason
	}
	return err.Error()
}

// describe names a JSON value for a message.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the text %q", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v", v)
}

// httpURL reports whether s is an absolute http or https address with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// headerName reports whether s is a valid HTTP header name (an RFC 9110 token).
func headerName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// joinPath joins a field path and a sub-path ("branches[0].filter" + "all[1]").
func joinPath(base, sub string) string {
	switch {
	case sub == "":
		return base
	case base == "":
		return sub
	case strings.HasPrefix(sub, "["):
		return base + sub
	}
	return base + "." + sub
}

// sentence makes a filter message end like a sentence (it follows a "Step "x": " prefix, so
// its first letter stays as it is).
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "the filter is not valid."
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// nonEmpty returns the non-blank strings of xs.
func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

// contains reports whether xs holds x.
func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// list joins names for a message: "a, b, c".
func list(xs []string) string { return strings.Join(xs, ", ") }

// quoteList joins quoted names: `"a", "b" and "c"`.
func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// article puts "a" or "an" before a type name in quotes-free form: "a set_property", "an event".
func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// EmailAddress reports whether s is one email address a mail server can deliver to: a display
// name like "Sales <sales@example.com>" is fine, and the address must pass ident's one email
// grammar (so "sales@acme", with no dot in its domain, is refused).
func EmailAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && ident.ValidEmail(a.Address)
}

// unknownEvent returns the end of a warning sentence about an event type nothing is known to
// send ("" when it is known or event types are not checked), with a likely intended type.
func (v *validator) unknownEvent(typ string) string {
	if v.opts.EventTypes == nil || contains(v.opts.EventTypes, typ) {
		return ""
	}
	msg := fmt.Sprintf("the event %q, which no webhook preset, endpoint or catalogue entry sends.", typ)
	if s := nearEvent(typ, v.opts.EventTypes); s != "" {
		msg += fmt.Sprintf(" Did you mean %q?", s)
	}
	return msg + " If your own system posts this event to the API, you can ignore this warning."
}

// nearEvent returns the known event type a user most likely meant: a typo away
// (template.Suggest), or else one of the same family ("webinar.") that shares a word of the
// name ("replay_watched" -> "replay_viewer"); "" when none is close.
func nearEvent(typ string, known []string) string {
	if s := template.Suggest(typ, known); s != "" {
		return s
	}
	family, name, ok := strings.Cut(typ, ".")
	if !ok {
		return ""
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '.' || r == '-' })
	best, bestShared := "", 0
	for _, k := range known {
		kf, kn, ok := strings.Cut(k, ".")
		if !ok || kf != family {
			continue
		}
		shared := 0
		for _, w := range strings.FieldsFunc(kn, func(r rune) bool { return r == '_' || r == '.' || r == '-' }) {
			if contains(words, w) {
				shared++
			}
		}
		if shared > bestShared || shared == bestShared && shared > 0 && k < best {
			best, bestShared = k, shared
		}
	}
	return best
}
