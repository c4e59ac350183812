// Package trigger decides which enabled workflows a record enrolls in: event triggers (scoped
// or account-wide, with exclusions), filter-criteria triggers (the record starts to match) and
// re-enrollment rules. It is pure: the engine feeds it events and record changes and writes the
// enrollments it returns.
package trigger

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Workflow is one enabled workflow version.
type Workflow struct {
	ID      string
	Version int
	Def     *workflow.Definition
}

// Match is a decision to enroll a record, with why.
type Match struct {
	WorkflowID  string         `json:"workflow_id"`
	Version     int            `json:"version"`
	TriggerID   string         `json:"trigger"`
	TriggerType string         `json:"trigger_type"`
	Summary     string         `json:"summary"`
	Matched     map[string]any `json:"matched,omitempty"` // values of the properties the filter read
}

type compiled struct {
	wf      *Workflow
	trigger *workflow.Trigger
	filter  *condition.Program // nil: no filter
}

// Index holds the enabled workflows' triggers, compiled once, ready for matching. It is
// immutable and safe for concurrent use; rebuild it when workflows change.
type Index struct {
	byEvent   map[string][]compiled // event type -> triggers
	byHook    map[string][]compiled // incoming-webhook endpoint id -> webhook triggers
	byObject  map[string][]compiled // object type -> filter triggers
	byList    map[string][]compiled // list id -> list triggers
	workflows map[string]*Workflow
	usesLists bool                // some trigger filter tests list membership
	assoc     map[string][]string // object type -> associated types its trigger filters read
	schedules []*Schedule         // schedule triggers (see schedule.go)
}

// Build compiles the triggers of the given enabled workflows. options gives the compile options
// per object type (property types, associated record types; may be nil). A trigger whose
// filter does not compile is an error: enabling validates first, so this only happens with a
// corrupt database.
func Build(wfs []*Workflow, options func(object string) condition.Options) (*Index, error) {
	ix := &Index{byEvent: map[string][]compiled{}, byHook: map[string][]compiled{}, byObject: map[string][]compiled{}, byList: map[string][]compiled{}, workflows: map[string]*Workflow{}, assoc: map[string][]string{}}
	sort.Slice(wfs, func(i, j int) bool { return wfs[i].ID < wfs[j].ID })
	for _, wf := range wfs {
		ix.workflows[wf.ID] = wf
		var opts condition.Options
		if options != nil {
			opts = options(wf.Def.Object)
		}
		for i := range wf.Def.Triggers {
			t := &wf.Def.Triggers[i]
			c := compiled{wf: wf, trigger: t}
			if t.Filter != nil {
				p, err := condition.Compile(*t.Filter, opts)
				if err != nil {
					return nil, fmt.Errorf("workflow %q trigger %q: %w", wf.ID, t.ID, err)
				}
				c.filter = p
				ix.usesLists = ix.usesLists || p.UsesLists()
				for _, t := range p.Associations() {
					if !slices.Contains(ix.assoc[wf.Def.Object], t) {
						ix.assoc[wf.Def.Object] = append(ix.assoc[wf.Def.Object], t)
					}
				}
			}
			switch t.Type {
			case workflow.TriggerEvent:
				ix.byEvent[t.Event] = append(ix.byEvent[t.Event], c)
				// A non-viewer trigger with a maximum watch percentage also takes the
				// viewers who watched less than it.
				if t.Event == workflow.EventWebinarNonViewer && t.MaxWatchPct != nil {
					ix.byEvent[workflow.EventWebinarViewer] = append(ix.byEvent[workflow.EventWebinarViewer], c)
				}
			case workflow.TriggerWebhook:
				ix.byHook[t.Hook] = append(ix.byHook[t.Hook], c)
			case workflow.TriggerFilter:
				ix.byObject[wf.Def.Object] = append(ix.byObject[wf.Def.Object], c)
			case workflow.TriggerList:
				ix.byList[t.List] = append(ix.byList[t.List], c)
			case workflow.TriggerSchedule:
				if err := ix.addSchedule(c); err != nil {
					return nil, err
				}
			}
		}
	}
	return ix, nil
}

// UsesLists tells whether some trigger filter tests list membership: the caller then loads the
// record's lists into Event.Lists and the lists arguments.
func (ix *Index) UsesLists() bool { return ix != nil && ix.usesLists }

// Associations returns the associated record types ("company") the trigger filters of object's
// workflows read, so the engine loads those records before matching (condition.Env.Associated).
func (ix *Index) Associations(object string) []string {
	if ix == nil {
		return nil
	}
	return ix.assoc[object]
}

// AssociationReaders returns the object types whose trigger filters read records of type typ
// (a company change re-checks the triggers of its associated contacts).
func (ix *Index) AssociationReaders(typ string) []string {
	if ix == nil {
		return nil
	}
	var out []string
	objs := slices.Sorted(maps.Keys(ix.assoc))
	for _, obj := range objs {
		if slices.Contains(ix.assoc[obj], typ) {
			out = append(out, obj)
		}
	}
	return out
}

// HasListTriggers tells whether some enabled workflow enrolls on joining or leaving list.
func (ix *Index) HasListTriggers(list string) bool { return ix != nil && len(ix.byList[list]) > 0 }

// Suppressing returns the enabled workflows that name list in "suppress", by id.
func (ix *Index) Suppressing(list string) []*Workflow {
	if ix == nil {
		return nil
	}
	var out []*Workflow
	for _, id := range sortedIDs(ix.workflows) {
		wf := ix.workflows[id]
		for _, l := range wf.Def.Suppress {
			if l == list {
				out = append(out, wf)
				break
			}
		}
	}
	return out
}

func sortedIDs(m map[string]*Workflow) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Workflow returns the enabled version of a workflow, or nil when it is not enabled.
func (ix *Index) Workflow(id string) *Workflow {
	if ix == nil {
		return nil
	}
	return ix.workflows[id]
}

// Workflows returns the enabled workflows, by id.
func (ix *Index) Workflows() []*Workflow {
	if ix == nil {
		return nil
	}
	out := make([]*Workflow, 0, len(ix.workflows))
	for _, id := range sortedIDs(ix.workflows) {
		out = append(out, ix.workflows[id])
	}
	return out
}

// Event is what MatchEvent needs to know about an incoming event.
type Event struct {
	Type   string
	Object string // the record's type
	Scope  map[string]string
	Env    map[string]any // see EventEnv
	// WatchedLive says the record was a live viewer of this webinar before (the engine looks it
	// up for replay viewings; see IsReplayViewing).
	WatchedLive bool
	// Lists holds the record's lists when UsesLists (nil otherwise).
	Lists map[string]bool
	// Associated holds the record's associated records of the types Associations names.
	Associated map[string][]map[string]any
}

// EventEnv builds the map filters see as `event`: the event's data fields plus the reserved
// keys type, scope and occurred_at (which win over data fields of the same name).
func EventEnv(typ string, scope map[string]string, data map[string]any, occurredAt time.Time) map[string]any {
	env := make(map[string]any, len(data)+3)
	for k, v := range data {
		env[k] = v
	}
	sc := make(map[string]any, len(scope))
	for k, v := range scope {
		sc[k] = v
	}
	env["type"] = typ
	env["scope"] = sc
	env["occurred_at"] = occurredAt.UTC().Format(time.RFC3339Nano)
	return env
}

// MatchEvent returns the enrollments an event causes for a record with the given properties.
// Filter evaluation errors (e.g. an expression over budget) are returned with the matches that
// did succeed, so one bad trigger never blocks the others.
func (ix *Index) MatchEvent(ev Event, record map[string]any, now time.Time) ([]Match, []error) {
	if ix == nil {
		return nil, nil
	}
	var out []Match
	var errs []error
	// A webhook trigger takes every event its endpoint delivers (the listener scopes them
	// with hook=<endpoint id>), whatever the event type.
	candidates := ix.byEvent[ev.Type]
	if hook := ev.Scope["hook"]; hook != "" && len(ix.byHook[hook]) > 0 {
		candidates = append(append([]compiled(nil), candidates...), ix.byHook[hook]...)
	}
	for _, c := range candidates {
		if c.wf.Def.Object != ev.Object {
			continue
		}
		watchNote, code, _ := gate(c.trigger, ev)
		if code != "" {
			continue
		}
		env := condition.Env{Record: record, Event: ev.Env, Now: now, Lists: ev.Lists, Associated: ev.Associated}
		matched := map[string]any{}
		if c.filter != nil {
			ok, err := c.filter.Match(env)
			if err != nil {
				errs = append(errs, fmt.Errorf("workflow %q trigger %q: %w", c.wf.ID, c.trigger.ID, err))
				continue
			}
			if !ok {
				continue
			}
			matched = snapshot(c.filter, env)
		}
		matched["event.type"] = ev.Type
		if watchNote != "" {
			matched["event.subscriber.watch_pct"], _ = WatchPct(ev.Env)
		}
		summary, typ := "Event "+ev.Type, workflow.TriggerEvent
		if c.trigger.Type == workflow.TriggerWebhook {
			summary, typ = "Webhook "+c.trigger.Hook+" delivered "+ev.Type, workflow.TriggerWebhook
		}
		if len(c.trigger.Scope) > 0 {
			summary += " in " + describeScope(c.trigger.Scope)
		}
		summary += watchNote
		out = append(out, Match{WorkflowID: c.wf.ID, Version: c.wf.Version, TriggerID: c.trigger.ID,
			TriggerType: typ, Summary: summary, Matched: matched})
	}
	return out, errs
}

// MatchChange returns the filter-criteria enrollments a property change causes: the record
// enrolls when it matches now and did not match before (old is nil for a new record). env is
// the record as it is now, with its lists and associated records as the filters read them (see
// UsesLists, Associations).
func (ix *Index) MatchChange(object string, old map[string]any, env condition.Env) ([]Match, []error) {
	var before *condition.Env
	if old != nil {
		b := env
		b.Record = old
		before = &b
	}
	return ix.matchChange(object, before, env, nil)
}

// MatchListChange returns the filter-criteria enrollments a change of the record's lists causes
// (from before to env.Lists): filters that test list membership and start to match.
func (ix *Index) MatchListChange(object string, before map[string]bool, env condition.Env) ([]Match, []error) {
	if !ix.UsesLists() {
		return nil, nil
	}
	b := env
	b.Lists = before
	return ix.matchChange(object, &b, env, func(p *condition.Program) bool { return p.UsesLists() })
}

// MatchAssociatedChange returns the filter-criteria enrollments a change of an associated
// record of type typ causes (a company's industry changed, or a company was linked or
// unlinked): filters that read typ and start to match from before to after, which differ in
// Associated[typ] only.
func (ix *Index) MatchAssociatedChange(object, typ string, before, after condition.Env) ([]Match, []error) {
	return ix.matchChange(object, &before, after, func(p *condition.Program) bool { return slices.Contains(p.Associations(), typ) })
}

// matchChange returns the filter triggers of object that match after and did not before (nil
// before: a new record); only reads limits the filters looked at (nil: all).
func (ix *Index) matchChange(object string, before *condition.Env, after condition.Env, reads func(*condition.Program) bool) ([]Match, []error) {
	if ix == nil {
		return nil, nil
	}
	var out []Match
	var errs []error
	for _, c := range ix.byObject[object] {
		if c.filter == nil || reads != nil && !reads(c.filter) {
			continue
		}
		ok, err := c.filter.Match(after)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflow %q trigger %q: %w", c.wf.ID, c.trigger.ID, err))
			continue
		}
		if !ok {
			continue
		}
		if before != nil {
			was, err := c.filter.Match(*before)
			if err != nil {
				errs = append(errs, fmt.Errorf("workflow %q trigger %q: %w", c.wf.ID, c.trigger.ID, err))
				continue
			}
			if was {
				continue
			}
		}
		out = append(out, Match{WorkflowID: c.wf.ID, Version: c.wf.Version, TriggerID: c.trigger.ID,
			TriggerType: workflow.TriggerFilter, Summary: "Started to meet the filter criteria", Matched: snapshot(c.filter, after)})
	}
	return out, errs
}

// MatchList returns the enrollments a record joining (joined) or leaving a list causes, for the
// list triggers of that list whose optional filter the record meets. env is the record after
// the change.
func (ix *Index) MatchList(object, list string, joined bool, env condition.Env) ([]Match, []error) {
	if ix == nil {
		return nil, nil
	}
	on, verb := workflow.ListLeave, "Left"
	if joined {
		on, verb = workflow.ListJoin, "Joined"
	}
	var out []Match
	var errs []error
	for _, c := range ix.byList[list] {
		if c.trigger.On != on || c.wf.Def.Object != object {
			continue
		}
		matched := map[string]any{}
		if c.filter != nil {
			ok, err := c.filter.Match(env)
			if err != nil {
				errs = append(errs, fmt.Errorf("workflow %q trigger %q: %w", c.wf.ID, c.trigger.ID, err))
				continue
			}
			if !ok {
				continue
			}
			matched = snapshot(c.filter, env)
		}
		matched["list"] = list
		out = append(out, Match{WorkflowID: c.wf.ID, Version: c.wf.Version, TriggerID: c.trigger.ID,
			TriggerType: workflow.TriggerList, Summary: fmt.Sprintf("%s list %s", verb, list), Matched: matched})
	}
	return out, errs
}

// MatchExisting tells whether a record meets a workflow's filter trigger marked
// enroll_existing now; used to enroll existing records when the workflow is switched on. env
// is the record as rules see it: properties, and lists and associated records when the
// index's filters read them (UsesLists, Associations).
func (ix *Index) MatchExisting(workflowID string, env condition.Env) ([]Match, []error) {
	return ix.matchNow(workflowID, env, true)
}

// MatchNow tells whether a record meets any of a workflow's filter triggers now: the records a
// publish enrolls when the user answers yes to "also enroll records that meet the triggers now?".
// env is as for MatchExisting.
func (ix *Index) MatchNow(workflowID string, env condition.Env) ([]Match, []error) {
	return ix.matchNow(workflowID, env, false)
}

func (ix *Index) matchNow(workflowID string, env condition.Env, flagged bool) ([]Match, []error) {
	wf := ix.Workflow(workflowID)
	if wf == nil {
		return nil, nil
	}
	var out []Match
	var errs []error
	for _, c := range ix.byObject[wf.Def.Object] {
		if c.wf.ID != workflowID || c.filter == nil || (flagged && !c.trigger.EnrollExisting) {
			continue
		}
		ok, err := c.filter.Match(env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			out = append(out, Match{WorkflowID: wf.ID, Version: wf.Version, TriggerID: c.trigger.ID,
				TriggerType: workflow.TriggerFilter, Summary: "Met the filter criteria when the workflow was switched on", Matched: snapshot(c.filter, env)})
		}
	}
	return out, errs
}

// MayReenroll applies the re-enrollment settings: a record that was enrolled before may enroll
// again only when re-enrollment is on and the trigger is listed (an empty list allows all).
func MayReenroll(def *workflow.Definition, triggerID string) bool {
	if !def.Reenroll.Enabled {
		return false
	}
	if len(def.Reenroll.Triggers) == 0 {
		return true
	}
	for _, id := range def.Reenroll.Triggers {
		if id == triggerID {
			return true
		}
	}
	return false
}

func scopeContains(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func describeScope(s map[string]string) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		out += k + " " + s[k]
	}
	return out
}

// snapshot records the values of the properties a filter read, for the diagnose view.
func snapshot(p *condition.Program, env condition.Env) map[string]any {
	out := map[string]any{}
	for _, ref := range p.References() {
		out[ref] = env.Value(ref)
	}
	return out
}
