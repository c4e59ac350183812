package trigger

import (
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Why a trigger did not enroll a record (Check.Code).
const (
	CheckMatched     = "matched"      // the trigger's rules hold for the record (and event)
	CheckNoEvent     = "no_event"     // no event of the trigger's type arrived for the record
	CheckScope       = "scope"        // the event came from another scope
	CheckExcluded    = "excluded"     // the event's scope is one the trigger excludes
	CheckWatch       = "watch"        // the viewer did not watch long enough (or it was a repeat)
	CheckFilter      = "filter"       // a condition of the trigger's filter failed
	CheckFilterError = "filter_error" // the filter could not be evaluated
	CheckSchedule    = "schedule"     // a schedule trigger picks records at its times
)

// Check is how one trigger stands for a record: whether its rules hold and, when not, which
// part failed, with the filter's conditions and the values they read.
type Check struct {
	Trigger    string              `json:"trigger"`
	Type       string              `json:"type"`
	Matched    bool                `json:"matched"`
	Code       string              `json:"code"`
	Reason     string              `json:"reason"`
	Conditions []condition.Outcome `json:"conditions,omitempty"`
}

// gate applies an event trigger's scope, exclusion and watch rules to an event: the note of
// the watch rule when they hold, else a Check code and the reason in words. MatchEvent and
// CheckEvent both pass here, so an explanation never disagrees with enrollment.
func gate(t *workflow.Trigger, ev Event) (note, code, reason string) {
	if !scopeContains(ev.Scope, t.Scope) {
		return "", CheckScope, fmt.Sprintf("the last %s event came from %s; the trigger listens in %s", ev.Type, scopeText(ev.Scope), describeScope(t.Scope))
	}
	for _, ex := range t.ExcludeScopes {
		if len(ex) > 0 && scopeContains(ev.Scope, ex) {
			return "", CheckExcluded, fmt.Sprintf("the last %s event came from %s, which the trigger excludes", ev.Type, describeScope(ex))
		}
	}
	ok, note := watchRule(t, ev)
	if !ok {
		pct, has := WatchPct(ev.Env)
		switch {
		case !has:
			return "", CheckWatch, fmt.Sprintf("the last %s event says nothing about how much was watched", ev.Type)
		case t.MinWatchPct != nil && pct >= *t.MinWatchPct:
			return "", CheckWatch, fmt.Sprintf("the last %s event is a replay by someone who watched live; a viewer is counted once", ev.Type)
		case t.MinWatchPct != nil:
			return "", CheckWatch, fmt.Sprintf("watched %v %%, less than the trigger's minimum of %v %%", pct, *t.MinWatchPct)
		default:
			return "", CheckWatch, fmt.Sprintf("watched %v %%, at least the %v %% that counts as a viewer", pct, *t.MaxWatchPct)
		}
	}
	return note, "", ""
}

func scopeText(s map[string]string) string {
	if len(s) == 0 {
		return "no scope"
	}
	return describeScope(s)
}

// Listens tells whether an event of this type (and scope) is one the trigger looks at at all,
// as Build files triggers: its event type, a non-viewer trigger's viewers, or its webhook.
func Listens(t *workflow.Trigger, typ string, scope map[string]string) bool {
	switch t.Type {
	case workflow.TriggerEvent:
		return typ == t.Event || t.Event == workflow.EventWebinarNonViewer && t.MaxWatchPct != nil && typ == workflow.EventWebinarViewer
	case workflow.TriggerWebhook:
		return scope["hook"] == t.Hook
	}
	return false
}

// CheckEvent explains whether event ev, with the record's properties, meets trigger t (an
// event or webhook trigger): the same gate and filter MatchEvent applies. A nil ev is "no event".
func CheckEvent(t *workflow.Trigger, ev *Event, record map[string]any, opts condition.Options, now time.Time) Check {
	c := Check{Trigger: t.ID, Type: t.Type}
	if ev == nil {
		c.Code = CheckNoEvent
		if t.Type == workflow.TriggerWebhook {
			c.Reason = fmt.Sprintf("webhook %s has delivered nothing for this record", t.Hook)
		} else {
			c.Reason = fmt.Sprintf("no %s event has arrived for this record", t.Event)
		}
		return c
	}
	if _, code, reason := gate(t, *ev); code != "" {
		c.Code, c.Reason = code, reason
		return c
	}
	return withFilter(c, t.Filter, condition.Env{Record: record, Event: ev.Env, Now: now, Lists: ev.Lists, Associated: ev.Associated}, opts,
		fmt.Sprintf("the last %s event meets the trigger", ev.Type))
}

// CheckRecord explains whether the record meets a filter, list or schedule trigger's filter now;
// env is the record as rules see it (properties, lists, associated records).
func CheckRecord(t *workflow.Trigger, env condition.Env, opts condition.Options) Check {
	c := Check{Trigger: t.ID, Type: t.Type}
	ok := "the record meets the trigger's filter now"
	switch t.Type {
	case workflow.TriggerList:
		joined := env.Lists[t.List]
		if t.On == workflow.ListJoin && !joined || t.On == workflow.ListLeave && joined {
			c.Code = CheckFilter
			verb := "joins"
			if t.On == workflow.ListLeave {
				verb = "leaves"
			}
			c.Reason = fmt.Sprintf("the trigger enrolls a record when it %s list %s; it is %sin it", verb, t.List, map[bool]string{true: "", false: "not "}[joined])
			return c
		}
	case workflow.TriggerSchedule:
		ok = "the record meets the schedule's filter; it is enrolled at the schedule's next time"
	}
	return withFilter(c, t.Filter, env, opts, ok)
}

func withFilter(c Check, f *condition.Filter, env condition.Env, opts condition.Options, ok string) Check {
	if f == nil {
		c.Matched, c.Code, c.Reason = true, CheckMatched, ok
		return c
	}
	matched, outs, err := condition.Explain(*f, opts, env)
	c.Conditions = outs
	switch {
	case err != nil:
		c.Code, c.Reason = CheckFilterError, "the trigger's filter could not be evaluated: "+err.Error()
	case matched:
		c.Matched, c.Code, c.Reason = true, CheckMatched, ok
	default:
		c.Code, c.Reason = CheckFilter, "a condition of the trigger's filter failed"
		for _, o := range outs {
			if o.Error != "" {
				c.Code, c.Reason = CheckFilterError, "the trigger's filter could not be evaluated: "+o.Error
				break
			}
		}
	}
	return c
}
