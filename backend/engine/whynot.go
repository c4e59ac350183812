package engine

// "Why didn't this record enroll?": the rules enroll applies (workflow on, open enrollment,
// re-enrollment, suppression lists, goal and unenrollment filter) and each trigger's own rules
// (trigger.CheckEvent and CheckRecord, the gate and filter evaluation enrollment itself runs),
// read against the record as it is now and its last events. Nothing is written.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// WhyNotEvents is how many of the record's latest events the explanation reads.
const WhyNotEvents = 500

// Why a record is not enrolled, besides the Skip* codes: a filter trigger's criteria were met
// before the workflow was on (filter triggers enroll on a change, never retroactively).
const SkipNotRetroactive = "not_retroactive"

// WhyNot explains a record's standing in one workflow.
type WhyNot struct {
	WorkflowID string `json:"workflow_id"`
	RecordID   int64  `json:"record_id"`
	// Enrolled says the record is in the workflow now (EnrollmentID is that enrollment).
	Enrolled     bool  `json:"enrolled"`
	EnrollmentID int64 `json:"enrollment_id,omitempty"`
	// Summary is the answer in one sentence.
	Summary string `json:"summary"`
	// Blockers are the workflow-wide reasons that keep the record out, whatever the triggers
	// say (workflow off, already enrolled, re-enrollment off, suppressed, goal met, ...).
	Blockers []Blocker `json:"blockers"`
	// Triggers explain each trigger: which condition failed with the values it read.
	Triggers []TriggerWhy `json:"triggers"`
	Version  int          `json:"version,omitempty"` // the live version explained (0: the saved draft of a workflow that is off)
	OnSince  *time.Time   `json:"on_since,omitempty"`
}

// Blocker is one workflow-wide reason, as a Skip* code and in words.
type Blocker struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	List    string `json:"list,omitempty"`
	// Conditions are the goal's or unenrollment filter's rules with the values read.
	Conditions []condition.Outcome `json:"conditions,omitempty"`
}

// TriggerWhy is trigger.Check with the event it read and a re-enrollment verdict.
type TriggerWhy struct {
	trigger.Check
	Event *store.Event `json:"event,omitempty"` // the last event the trigger listens for
}

// WhyNot explains why a record is (not) in a workflow. A missing workflow is ErrNotFound; a
// missing record or one of another type is bad input on record_id.
func (e *Engine) WhyNot(ctx context.Context, workflowID string, recordID int64) (*WhyNot, error) {
	w, err := e.db.Workflow(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	if recordID <= 0 {
		return nil, badInput("record_id", "give the id of the record to explain, like ?record_id=42")
	}
	rec, err := e.db.Record(ctx, recordID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, badInput("record_id", "there is no record %d", recordID)
	} else if err != nil {
		return nil, err
	}
	if rec.Type != w.Object {
		return nil, badInput("record_id", "record %d is a %s, but workflow %q works on %s records", recordID, rec.Type, workflowID, w.Object)
	}
	out := &WhyNot{WorkflowID: w.ID, RecordID: rec.ID, Blockers: []Blocker{}, Triggers: []TriggerWhy{}}
	raw := w.Definition
	live := e.index.Load().Workflow(w.ID)
	if live != nil {
		out.Version = live.Version
		if vs, err := e.db.WorkflowVersions(ctx, w.ID); err == nil {
			for _, v := range vs {
				if v.Version == live.Version {
					t := v.CreatedAt
					out.OnSince = &t
				}
			}
		}
	}
	var def *workflow.Definition
	if live != nil {
		def = live.Def
	} else if def, err = workflow.Parse(raw); err != nil {
		return nil, fmt.Errorf("read workflow %q: %w", w.ID, err)
	}
	now := e.clock.Now()
	// The record as the rules see it: its lists and goals, and its associated records of every
	// type it may be linked to (one record, so loading them all costs little).
	env, err := ruleEnv(dbRules{ctx, e.db}, rec, now, true, e.Associable(def.Object))
	if err != nil {
		return nil, err
	}
	keys := slices.Collect(maps.Keys(env.Lists))
	block := func(code, msg string) { out.Blockers = append(out.Blockers, Blocker{Code: code, Message: msg}) }

	// The workflow-wide rules, in the order enroll applies them.
	if live == nil {
		block(SkipWorkflowOff, "The workflow is off; nothing enrolls until it is switched on")
	}
	ens, err := e.db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: w.ID, RecordID: rec.ID, Limit: 100})
	if err != nil {
		return nil, err
	}
	states, err := e.db.RecordEnrollStates(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	st := states[w.ID]
	if st.Open {
		out.Enrolled = true
		for _, en := range ens {
			if en.Status == store.StatusActive || en.Status == store.StatusWaiting {
				out.EnrollmentID = en.ID
			}
		}
		block(SkipAlreadyEnrolled, "Already enrolled: the record is in this workflow now")
	}
	if st.Ever && !st.Open && !def.Reenroll.Enabled {
		block(SkipReenrollOff, "Enrolled before, and re-enrollment is off: turn it on in the workflow's settings to let the record in again")
	}
	if sup, _ := suppressedIn(def.Suppress, func() ([]string, error) { return keys, nil }); sup != "" {
		out.Blockers = append(out.Blockers, Blocker{Code: SkipSuppressed, List: sup, Message: fmt.Sprintf("Suppressed: the record is in list %s, one of the workflow's suppression lists", sup)})
	}
	opts := e.compileOptions(def.Object) // as goals, unenrollment and trigger.Build compile them
	if def.Goal != nil {
		if ok, outs, err := condition.Explain(*def.Goal, opts, env); err == nil && ok {
			out.Blockers = append(out.Blockers, Blocker{Code: SkipGoalMet, Message: "Goal already met: a record that meets the workflow's goal is not enrolled", Conditions: outs})
		}
	}
	if def.Unenroll != nil && def.Unenroll.Filter != nil {
		if ok, outs, err := condition.Explain(*def.Unenroll.Filter, opts, env); err == nil && ok {
			out.Blockers = append(out.Blockers, Blocker{Code: SkipUnenrollMet, Message: "Meets the workflow's unenrollment filter, so it is not enrolled", Conditions: outs})
		}
	}

	// Each trigger.
	events, err := e.db.RecordEvents(ctx, rec.ID, WhyNotEvents)
	if err != nil {
		return nil, err
	}
	for i := range def.Triggers {
		t := &def.Triggers[i]
		tw := TriggerWhy{}
		switch t.Type {
		case workflow.TriggerEvent, workflow.TriggerWebhook:
			var last *store.Event
			for _, ev := range events { // newest first
				if trigger.Listens(t, ev.Type, ev.Scope) {
					last = ev
					break
				}
			}
			var tev *trigger.Event
			if last != nil {
				tev = &trigger.Event{Type: last.Type, Object: rec.Type, Scope: last.Scope, Lists: env.Lists, Associated: env.Associated,
					Env: trigger.EventEnv(last.Type, last.Scope, last.Data, last.OccurredAt)}
				tw.Event = last
			}
			tw.Check = trigger.CheckEvent(t, tev, rec.Properties, opts, now)
			if tw.Matched && live != nil && out.OnSince != nil && last.ReceivedAt.Before(*out.OnSince) {
				tw.Code = SkipNotRetroactive
				tw.Reason = fmt.Sprintf("Not retroactive: the last %s event arrived %s, before this version of the workflow was turned on (%s)",
					last.Type, last.ReceivedAt.UTC().Format(time.RFC3339), out.OnSince.UTC().Format(time.RFC3339))
			}
		default:
			tw.Check = trigger.CheckRecord(t, env, opts)
			if tw.Matched && t.Type == workflow.TriggerFilter && !st.Open {
				tw.Code = SkipNotRetroactive
				switch {
				case live != nil && out.OnSince != nil && rec.UpdatedAt.Before(*out.OnSince):
					tw.Reason = fmt.Sprintf("Not retroactive: the record met the criteria before the workflow was turned on (last changed %s, on since %s); filter triggers enroll on the change that makes a record match. Enroll it by hand, or switch on \"enroll records that match now\"",
						rec.UpdatedAt.UTC().Format(time.RFC3339), out.OnSince.UTC().Format(time.RFC3339))
				default:
					tw.Reason = "The record meets the criteria now; filter triggers enroll on the change that makes a record match, and a blocker above kept it out then (or it matched already before its last change)"
				}
			}
		}
		if tw.Trigger == "" {
			tw.Trigger = t.Type
		}
		if st.Ever && !st.Open && def.Reenroll.Enabled && !trigger.MayReenroll(def, t.ID) && tw.Matched {
			tw.Code, tw.Reason = SkipReenrollOff, "Enrolled before, and re-enrollment is not on for this trigger"
		}
		out.Triggers = append(out.Triggers, tw)
	}
	out.Summary = whySummary(out, def)
	return out, nil
}

// whySummary is the answer in one sentence: the first blocker, else the triggers' verdict.
func whySummary(w *WhyNot, def *workflow.Definition) string {
	if w.Enrolled {
		return "The record is enrolled in this workflow now."
	}
	if len(w.Blockers) > 0 {
		return w.Blockers[0].Message + "."
	}
	if len(def.Triggers) == 0 {
		return "The workflow has no triggers: records enter only by hand (Enroll) or from another workflow's enroll step."
	}
	for _, t := range w.Triggers {
		if t.Matched && t.Code == trigger.CheckMatched {
			return fmt.Sprintf("Trigger %s holds for the record now: the next matching event or change enrolls it.", t.Trigger)
		}
	}
	if len(w.Triggers) == 1 {
		return fmt.Sprintf("Trigger %s: %s.", w.Triggers[0].Trigger, w.Triggers[0].Reason)
	}
	return "None of the triggers holds for the record; see each below."
}
