package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// This file holds what ends an enrollment early (the workflow's goal and its unenrollment rules)
// and the A/B split. Exits are checked on every change of the record and every event about it
// (checkExits, from recordChanged and Ingest), before every step a pass runs (planExit), and
// when enrolling (a record that meets the goal or the unenrollment filter is not enrolled).

// exit is why an open enrollment leaves before its end.
type exit struct {
	status  string // store.StatusGoalReached or store.StatusUnenrolled
	outcome string // its history outcome
	detail  map[string]any
}

// hasExits reports whether enrollments of def can leave early.
func hasExits(def *workflow.Definition) bool {
	u := def.Unenroll
	return def.Goal != nil || (u != nil && (u.Filter != nil || u.WhenCriteriaNoLongerMet))
}

// exitNow decides whether an enrollment of def, enrolled by triggerID, must leave with the
// record as env has it: the goal comes first, then the unenrollment filter, then the
// enrollment criteria.
func (e *Engine) exitNow(def *workflow.Definition, version int, triggerID string, env condition.Env) (*exit, error) {
	match := func(loc string, f condition.Filter) (bool, *condition.Program, error) {
		prog, err := e.program(def, version, loc, f)
		if err != nil {
			return false, nil, fmt.Errorf("%s: %w", loc, err)
		}
		ok, err := prog.Match(env)
		if err != nil {
			return false, nil, fmt.Errorf("%s: %w", loc, err)
		}
		return ok, prog, nil
	}
	if def.Goal != nil {
		ok, prog, err := match("goal", *def.Goal)
		if err != nil {
			return nil, err
		}
		if ok {
			return &exit{status: store.StatusGoalReached, outcome: store.HistGoalReached,
				detail: map[string]any{"reason": "met the workflow's goal", "values": snapshotRefs(prog, env)}}, nil
		}
	}
	u := def.Unenroll
	if u == nil {
		return nil, nil
	}
	if u.Filter != nil {
		ok, prog, err := match("unenroll", *u.Filter)
		if err != nil {
			return nil, err
		}
		if ok {
			return &exit{status: store.StatusUnenrolled, outcome: store.HistUnenrolled,
				detail: map[string]any{"reason": "met the unenrollment filter", "values": snapshotRefs(prog, env)}}, nil
		}
	}
	if u.WhenCriteriaNoLongerMet {
		t := def.Trigger(triggerID)
		if t == nil || t.Type != workflow.TriggerFilter || t.Filter == nil {
			return nil, nil // only a filter trigger's enrollments have criteria to stop meeting
		}
		ok, prog, err := match("trigger/"+t.ID, *t.Filter)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &exit{status: store.StatusUnenrolled, outcome: store.HistUnenrolled,
				detail: map[string]any{"reason": fmt.Sprintf("no longer meets the enrollment criteria of trigger %q", t.ID), "values": snapshotRefs(prog, env)}}, nil
		}
	}
	return nil, nil
}

// planExit checks the pass's enrollment before a step, with the record as the pass has changed it.
func (e *Engine) planExit(p *plan) *exit {
	if !hasExits(p.def) {
		return nil
	}
	x, err := e.exitNow(p.def, p.c.enr.Version, p.c.enr.TriggerID, p.env())
	if err != nil {
		e.log.Warn("goal or unenrollment check failed", "enrollment", p.c.enr.ID, "err", err)
		return nil
	}
	return x
}

// exitEnv is what the goal and the unenrollment rules of def read about a record: its
// properties, and its lists when a rule tests them.
func (e *Engine) exitEnv(tx store.Tx, def *workflow.Definition, version int, rec *store.Record, now time.Time) (condition.Env, error) {
	return ruleEnv(tx, rec, now, e.testsLists(def, version), e.associationsRead(def, version))
}

// leave ends an open enrollment early: its pending job is dropped (a worker holding it drops its
// result), its status set, and why goes into its history.
func (e *Engine) leave(tx store.Tx, en *store.Enrollment, x *exit, now time.Time) error {
	if err := tx.DeleteJob(en.ID); err != nil {
		return err
	}
	if err := tx.UpdateEnrollment(en.ID, x.status, en.CurrentStep, en.StepsRun, "", now); err != nil {
		return err
	}
	x.detail["step"] = en.CurrentStep
	raw, err := json.Marshal(x.detail)
	if err != nil {
		return fmt.Errorf("encode exit of enrollment %d: %w", en.ID, err)
	}
	if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: en.ID, Outcome: x.outcome, Detail: raw, At: now}); err != nil {
		return err
	}
	if x.status == store.StatusGoalReached {
		return e.goalReached(tx, en.RecordID, en.WorkflowID, en.ID, now)
	}
	return nil
}

// goalReached runs the filter triggers that test "has reached the goal of workflow X" now that
// the record reached workflowID's goal (the enrollment is stored as goal_reached already).
func (e *Engine) goalReached(tx store.Tx, recordID int64, workflowID string, enrollmentID int64, now time.Time) error {
	ix := e.index.Load()
	if !ix.UsesLists() {
		return nil
	}
	if before, err := tx.ReachedGoalBefore(workflowID, recordID, enrollmentID); err != nil || before {
		return err // reached before: nothing changed for the rules
	}
	rec, err := tx.Record(recordID)
	if err != nil {
		return err
	}
	after, err := recordListSet(tx, recordID)
	if err != nil {
		return err
	}
	before := maps.Clone(after)
	delete(before, condition.GoalKey(workflowID))
	env, err := ruleEnv(tx, rec, now, false, ix.Associations(rec.Type))
	if err != nil {
		return err
	}
	env.Lists = after
	matches, errs := ix.MatchListChange(rec.Type, before, env)
	for _, err := range errs {
		e.log.Warn("goal trigger failed", "record", recordID, "workflow", workflowID, "err", err)
	}
	_, err = e.enrollMatches(tx, ix, matches, recordID, nil, now)
	return err
}

// checkExits ends the record's open enrollments whose goal or unenrollment rule it now meets.
func (e *Engine) checkExits(tx store.Tx, rec *store.Record, now time.Time) error {
	ens, err := tx.OpenEnrollments(rec.ID)
	if err != nil {
		return err
	}
	for _, en := range ens {
		def, err := e.definition(tx.Context(), en.WorkflowID, en.Version)
		if err != nil {
			return err
		}
		if !hasExits(def) {
			continue
		}
		env, err := e.exitEnv(tx, def, en.Version, rec, now)
		if err != nil {
			return err
		}
		x, err := e.exitNow(def, en.Version, en.TriggerID, env)
		if err != nil {
			e.log.Warn("goal or unenrollment check failed", "enrollment", en.ID, "err", err)
			continue
		}
		if x == nil {
			continue
		}
		if err := e.leave(tx, en, x, now); err != nil {
			return err
		}
	}
	return nil
}

// keptOut says why a record that is about to enroll in wf must not: it meets the goal already,
// or the unenrollment filter ("" code: it may enroll).
func (e *Engine) keptOut(tx store.Tx, wf *trigger.Workflow, recordID int64, now time.Time) (code, why string, err error) {
	def := wf.Def
	if def.Goal == nil && (def.Unenroll == nil || def.Unenroll.Filter == nil) {
		return "", "", nil
	}
	rec, err := tx.Record(recordID)
	if err != nil {
		return "", "", err
	}
	env, err := e.exitEnv(tx, def, wf.Version, rec, now)
	if err != nil {
		return "", "", err
	}
	check := func(loc string, f *condition.Filter) (bool, error) {
		if f == nil {
			return false, nil
		}
		prog, err := e.program(def, wf.Version, loc, *f)
		if err != nil {
			return false, fmt.Errorf("%s: %w", loc, err)
		}
		return prog.Match(env)
	}
	if ok, err := check("goal", def.Goal); err != nil || ok {
		return SkipGoalMet, "meets the workflow's goal already", err
	}
	if def.Unenroll != nil {
		if ok, err := check("unenroll", def.Unenroll.Filter); err != nil || ok {
			return SkipUnenrollMet, "meets the workflow's unenrollment filter", err
		}
	}
	return "", "", nil
}

// removeFrom takes the record out of the workflows wf's on_enroll_remove_from names, now that
// it enrolled in wf. An enrollment whose own pass is committing (an enroll step of the very
// workflow to leave) has no pending job and is not listed: its pass decides its end.
func (e *Engine) removeFrom(tx store.Tx, wf *trigger.Workflow, recordID int64, now time.Time) error {
	if wf.Def.Unenroll == nil || len(wf.Def.Unenroll.OnEnrollRemoveFrom) == 0 {
		return nil
	}
	ens, err := tx.OpenEnrollments(recordID)
	if err != nil {
		return err
	}
	for _, en := range ens {
		if !slices.Contains(wf.Def.Unenroll.OnEnrollRemoveFrom, en.WorkflowID) {
			continue
		}
		x := &exit{status: store.StatusUnenrolled, outcome: store.HistUnenrolled,
			detail: map[string]any{"reason": fmt.Sprintf("enrolled in workflow %q, which removes records from this one", wf.ID), "workflow": wf.ID}}
		if err := e.leave(tx, en, x, now); err != nil {
			return err
		}
	}
	return nil
}

// splitPath picks the path of a split step for a record: a stable hash of the record, the
// workflow and the step, so the same record always takes the same path at that step.
func splitPath(recordID int64, workflowID string, s *workflow.Step) *workflow.SplitPath {
	if len(s.Paths) == 0 {
		return nil
	}
	sum := sha256.Sum256([]byte(strconv.FormatInt(recordID, 10) + "/" + workflowID + "/" + s.ID))
	bucket := int(binary.BigEndian.Uint64(sum[:8]) % 100)
	at := 0
	for i := range s.Paths {
		at += s.Paths[i].Percent
		if bucket < at {
			return &s.Paths[i]
		}
	}
	return &s.Paths[len(s.Paths)-1] // percentages short of 100: validation refuses those
}

// runSplit sends the record down its path of a split step, counting the path for the canvas.
func (e *Engine) runSplit(p *plan, s *workflow.Step) (string, *store.Job, error) {
	id := p.c.rec.ID
	if e.opts.SplitRecordID != nil {
		id = e.opts.SplitRecordID(id)
	}
	path := splitPath(id, p.def.ID, s)
	if path == nil {
		return "", nil, fmt.Errorf("the split has no paths")
	}
	p.log(s, store.HistOK, map[string]any{"path": path.Name, "percent": path.Percent})
	p.count(s.ID, 1, 0)
	p.count(store.PathKey(s.ID, path.Name), 1, 0)
	return path.Next, nil, nil
}
