package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
)

// Reason is why an enrollment happened, stored with it for the diagnose view.
type Reason struct {
	Trigger     string         `json:"trigger"`
	TriggerType string         `json:"trigger_type"` // event, filter, manual, enroll
	Summary     string         `json:"summary"`
	Matched     map[string]any `json:"matched,omitempty"`
	Event       *ReasonEvent   `json:"event,omitempty"`
	By          string         `json:"by,omitempty"` // enrolling workflow/step for enroll actions
	// Chain lists the workflows whose enroll steps led here, first the one a trigger enrolled
	// in (empty unless an enroll step enrolled the record).
	Chain []string `json:"chain,omitempty"`
}

// ReasonEvent is the triggering event as filters in the workflow see it (`event.*`).
type ReasonEvent struct {
	ID  int64          `json:"id"`
	Env map[string]any `json:"env"`
}

// Why a record was not enrolled (the codes bulk enrollment counts and the record page shows).
const (
	SkipAlreadyEnrolled = "already_enrolled" // it is in the workflow now
	SkipReenrollOff     = "reenrollment_off" // it was in the workflow before and re-enrollment is off
	SkipWrongObject     = "wrong_object"     // it is not of the workflow's object type
	SkipRecordMissing   = "record_missing"   // it was deleted
	SkipFilterError     = "filter_error"     // the selection's filter could not be evaluated on it
	SkipWorkflowOff     = "workflow_off"     // the workflow is off (enrollment options only)
	SkipSuppressed      = "suppressed"       // it is in one of the workflow's suppression lists
	SkipGoalMet         = "goal_met"         // it meets the workflow's goal already
	SkipUnenrollMet     = "unenroll_met"     // it meets the workflow's unenrollment filter
)

// enrollResult tells what enroll did.
type enrollResult struct {
	enrollment *store.Enrollment
	code       string // why the record was not enrolled: a Skip* code ("" when it was)
	skipped    string // the same in words
}

// enroll enrolls a record into an enabled workflow version inside tx, honouring the open-
// enrollment and re-enrollment rules, and schedules its first step. Manual enrollment (by hand,
// one record or in bulk) may re-enroll when re-enrollment is on for any trigger, as in HubSpot.
// Every way in passes here, so a suppression-list check (members are never enrolled) belongs here,
// as do the goal and the unenrollment filter (a record meeting either is not enrolled).
func (e *Engine) enroll(tx store.Tx, wf *trigger.Workflow, recordID int64, reason Reason, eventID int64, manual bool, now time.Time) (enrollResult, error) {
	open, ever, err := tx.EnrollmentState(wf.ID, recordID)
	if err != nil {
		return enrollResult{}, err
	}
	if open {
		return enrollResult{code: SkipAlreadyEnrolled, skipped: "already enrolled"}, nil
	}
	if ever && manual && !wf.Def.Reenroll.Enabled {
		return enrollResult{code: SkipReenrollOff, skipped: "enrolled before and re-enrollment is off for this workflow"}, nil
	}
	if ever && !manual && !trigger.MayReenroll(wf.Def, reason.Trigger) {
		return enrollResult{code: SkipReenrollOff, skipped: "enrolled before and re-enrollment is off for this trigger"}, nil
	}
	if list, err := suppressedBy(tx, wf, recordID); err != nil || list != "" {
		if err != nil {
			return enrollResult{}, err
		}
		// The record has no enrollment to log to: the refusal is its line on the record page.
		why := "in suppression list " + list
		if err := tx.PutRefusal(store.Refusal{RecordID: recordID, WorkflowID: wf.ID, TriggerID: reason.Trigger, Code: SkipSuppressed, Reason: why, At: now}); err != nil {
			return enrollResult{}, err
		}
		return enrollResult{code: SkipSuppressed, skipped: why}, nil
	}
	if code, why, err := e.keptOut(tx, wf, recordID, now); err != nil {
		return enrollResult{}, err
	} else if code != "" {
		return enrollResult{code: code, skipped: why}, nil
	}
	raw, err := json.Marshal(reason)
	if err != nil {
		return enrollResult{}, fmt.Errorf("encode enrollment reason: %w", err)
	}
	en := &store.Enrollment{WorkflowID: wf.ID, Version: wf.Version, RecordID: recordID, Status: store.StatusActive,
		CurrentStep: wf.Def.Start, TriggerID: reason.Trigger, EventID: eventID, Reason: raw}
	if err := tx.InsertEnrollment(en, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return enrollResult{code: SkipAlreadyEnrolled, skipped: "already enrolled"}, nil
		}
		return enrollResult{}, err
	}
	detail, _ := json.Marshal(map[string]any{"trigger": reason.Trigger, "summary": reason.Summary, "version": wf.Version})
	if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: en.ID, WorkflowID: en.WorkflowID, Outcome: store.HistEnrolled, Detail: detail, At: now}); err != nil {
		return enrollResult{}, err
	}
	if err := tx.PutJob(&store.Job{EnrollmentID: en.ID, RecordID: recordID, StepID: wf.Def.Start, Kind: store.JobRun, RunAt: now}); err != nil {
		return enrollResult{}, err
	}
	if err := e.removeFrom(tx, wf, recordID, now); err != nil {
		return enrollResult{}, err
	}
	return enrollResult{enrollment: en}, nil
}

// enrollMatches enrolls a record for each trigger match and returns the new enrollment ids.
func (e *Engine) enrollMatches(tx store.Tx, ix *trigger.Index, matches []trigger.Match, recordID int64, ev *ReasonEvent, now time.Time) ([]int64, error) {
	var ids []int64
	for _, m := range matches {
		wf := ix.Workflow(m.WorkflowID)
		if wf == nil {
			continue
		}
		r := Reason{Trigger: m.TriggerID, TriggerType: m.TriggerType, Summary: m.Summary, Matched: m.Matched}
		var eventID int64
		if ev != nil {
			r.Event, eventID = ev, ev.ID
		}
		res, err := e.enroll(tx, wf, recordID, r, eventID, false, now)
		if err != nil {
			return nil, err
		}
		if res.enrollment != nil {
			ids = append(ids, res.enrollment.ID)
		}
	}
	return ids, nil
}

// recordChanged keeps the active lists current, checks the record's open enrollments against
// their goals and unenrollment rules, and runs the filter-criteria triggers after a record's
// properties changed, in the transaction of the change.
func (e *Engine) recordChanged(tx store.Tx, change *store.RecordChange, now time.Time) ([]int64, error) {
	if !change.Changed {
		return nil, nil
	}
	ids, err := e.activeListsChanged(tx, change.Record, now)
	if err != nil {
		return nil, err
	}
	if !change.Created {
		if err := e.checkExits(tx, change.Record, now); err != nil {
			return nil, err
		}
	}
	ix := e.index.Load()
	old := change.Old
	if change.Created {
		old = nil
	}
	env, err := ruleEnv(tx, change.Record, now, ix.UsesLists(), ix.Associations(change.Record.Type))
	if err != nil {
		return nil, err
	}
	matches, errs := ix.MatchChange(change.Record.Type, old, env)
	for _, err := range errs {
		e.log.Warn("filter trigger failed", "record", change.Record.ID, "err", err)
	}
	more, err := e.enrollMatches(tx, ix, matches, change.Record.ID, nil, now)
	if err != nil {
		return nil, err
	}
	ids = append(ids, more...)
	if change.Created {
		return ids, nil // nothing is linked to a record yet
	}
	more, err = e.associatesChanged(tx, change, now)
	return append(ids, more...), err
}

// recordListSet loads the ids of the lists a record is in, for filters that test membership.
func recordListSet(r ruleReader, recordID int64) (map[string]bool, error) {
	ids, err := r.RecordLists(recordID)
	if err != nil {
		return nil, err
	}
	goals, err := r.GoalsReached(recordID)
	if err != nil {
		return nil, err
	}
	return membershipSet(ids, goals), nil
}

// membershipSet is what list and workflow rules read (condition.Env.Lists): the ids of the
// record's lists, and condition.GoalKey of each workflow whose goal it reached.
func membershipSet(lists, goals []string) map[string]bool {
	set := make(map[string]bool, len(lists)+len(goals))
	for _, id := range lists {
		set[id] = true
	}
	for _, id := range goals {
		set[condition.GoalKey(id)] = true
	}
	return set
}

// suppressedBy returns the first of the workflow's suppression lists the record is in ("" when
// none): members of a suppression list are never enrolled, by any way in.
func suppressedBy(tx store.Tx, wf *trigger.Workflow, recordID int64) (string, error) {
	return suppressedIn(wf.Def.Suppress, func() ([]string, error) { return tx.RecordLists(recordID) })
}

// suppressedIn returns the first list of suppress that lists (loaded only when needed) holds.
func suppressedIn(suppress []string, lists func() ([]string, error)) (string, error) {
	if len(suppress) == 0 {
		return "", nil
	}
	ids, err := lists()
	if err != nil {
		return "", err
	}
	for _, l := range suppress {
		if slices.Contains(ids, l) {
			return l, nil
		}
	}
	return "", nil
}
