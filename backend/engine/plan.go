package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// claimed is a leased job with the enrollment and record it concerns.
type claimed struct {
	job *store.Job
	enr *store.Enrollment
	rec *store.Record
}

// plan is what one pass over an enrollment decided, computed in memory and committed in one
// transaction: history, counters, record changes, side effects and the enrollment's next state.
type plan struct {
	c        claimed
	def      *workflow.Definition
	now      time.Time
	props    map[string]any              // the record as the steps see it, with this pass's changes
	lists    map[string]bool             // the record's lists, loaded when the workflow's filters test them
	assoc    map[string][]map[string]any // associated records by type, loaded when branch filters read them
	event    map[string]any              // the triggering event (`event.*` in filters)
	history  []store.HistoryEntry
	counts   map[string][2]int // step -> completed, failed
	failed   int               // step visits of this pass that failed, added to the enrollment's count
	propOps  []propOp
	effects  []effect
	status   string
	current  string
	stepsRun int
	// passSteps counts the steps run in this pass; an outbound step only runs as a pass's first.
	passSteps int
	errText   string
	next      *store.Job
	reason    Reason // why the enrollment happened (its enroll chain)
	// declared lists properties the effects declared, for the engine's schema after the commit.
	declared []store.Property
}

// effect is a database side effect of a step, run in the commit transaction. It may append
// history (e.g. "already enrolled") through the plan.
type effect func(tx store.Tx, p *plan) error

func (p *plan) log(step *workflow.Step, outcome string, detail map[string]any) {
	raw, _ := json.Marshal(detail)
	if detail == nil {
		raw = []byte("{}")
	}
	h := store.HistoryEntry{EnrollmentID: p.c.enr.ID, WorkflowID: p.c.enr.WorkflowID, Outcome: outcome, Detail: raw, At: p.now}
	if step != nil {
		h.StepID, h.StepType = step.ID, step.Type
	}
	p.history = append(p.history, h)
}

// reserve appends a history entry whose outcome an effect fills in at commit, so the log keeps
// step order.
func (p *plan) reserve(step *workflow.Step) int {
	p.log(step, store.HistOK, nil)
	return len(p.history) - 1
}

func (p *plan) fill(slot int, outcome string, detail map[string]any) {
	raw, _ := json.Marshal(detail)
	p.history[slot].Outcome, p.history[slot].Detail = outcome, raw
}

func (p *plan) count(stepID string, completed, failed int) {
	c := p.counts[stepID]
	c[0] += completed
	c[1] += failed
	p.counts[stepID] = c
	p.failed += failed
}

// stepFailed logs a step that could not do its job but lets the enrollment go on (a send the
// receiver refused, an outbound step with no action set up, a target workflow that is off):
// red in the history, counted as failed, and the enrollment ends completed_with_errors.
func (p *plan) stepFailed(step *workflow.Step, detail map[string]any) {
	p.log(step, store.HistFailed, detail)
	p.count(step.ID, 0, 1)
}

func (p *plan) fail(step *workflow.Step, err error) {
	p.status, p.errText = store.StatusFailed, err.Error()
	id := ""
	if step != nil {
		id = step.ID
		p.count(step.ID, 0, 1)
	}
	p.current = id
	p.log(step, store.HistFailed, map[string]any{"error": err.Error()})
	p.log(nil, store.HistFailed, map[string]any{"step": id, "error": err.Error()})
}

func (p *plan) env() condition.Env {
	return condition.Env{Record: p.props, Event: p.event, Now: p.now, Lists: p.lists, Associated: p.assoc}
}

// makePlan runs the enrollment from its job's step until it waits, ends, fails, or reaches a
// step whose effect leaves the database.
func (e *Engine) makePlan(ctx context.Context, c claimed) (*plan, error) {
	def, err := e.definition(ctx, c.enr.WorkflowID, c.enr.Version)
	if err != nil {
		return nil, err
	}
	p := &plan{c: c, def: def, now: e.clock.Now(), props: copyMap(c.rec.Properties), counts: map[string][2]int{},
		status: store.StatusActive, stepsRun: c.enr.StepsRun}
	if e.cancelledByDelete(c.enr.WorkflowID) {
		// Its workflow was deleted with its open enrollments cancelled: the trash service may
		// not have reached this one yet.
		p.status, p.current = store.StatusCancelled, c.job.StepID
		p.log(nil, store.HistCancelled, map[string]any{"reason": "the workflow was deleted"})
		return p, nil
	}
	if _, ok := e.switchingOff.Load(c.enr.WorkflowID); ok {
		// Its workflow is being switched off with its open enrollments cancelled, in batches
		// that may not have reached this one yet.
		p.status, p.current = store.StatusCancelled, c.job.StepID
		p.log(nil, store.HistCancelled, map[string]any{"reason": "the workflow was switched off"})
		return p, nil
	}
	facts, err := ruleEnv(dbRules{ctx, e.db}, c.rec, p.now, e.testsLists(def, c.enr.Version), e.associationsRead(def, c.enr.Version))
	if err != nil {
		return nil, err
	}
	p.lists, p.assoc = facts.Lists, facts.Associated
	if err := json.Unmarshal(c.enr.Reason, &p.reason); err == nil && p.reason.Event != nil {
		p.event = p.reason.Event.Env
	}
	cur := c.job.StepID
	if c.job.Kind == store.JobResume {
		step := def.Step(cur)
		if step == nil {
			p.fail(nil, fmt.Errorf("step %q no longer exists in version %d", cur, c.enr.Version))
			return p, nil
		}
		if step.Type != workflow.StepDelay {
			// Only an outbound step's wait for its delivery status resumes at a step that is
			// not a delay.
			cur = p.resumeDelivery(step, c.job.Outcome)
		} else {
			detail := map[string]any{"outcome": c.job.Outcome}
			if c.job.EventID != 0 {
				detail["event_id"] = c.job.EventID
			}
			p.log(step, store.HistResumed, detail)
			p.count(step.ID, 1, 0)
			cur = step.Next
			if c.job.Outcome == store.OutcomeTimeout && step.Event != nil {
				cur = step.Event.TimeoutNext
			}
		}
	}
	budget := def.StepBudget()
	for {
		if cur == "" {
			p.status, p.current = store.StatusCompleted, ""
			detail := map[string]any{"steps_run": p.stepsRun}
			if n := p.c.enr.FailedSteps + p.failed; n > 0 {
				p.status = store.StatusCompletedWithErrors
				detail["failed_steps"] = n
			}
			p.log(nil, store.HistCompleted, detail)
			return p, nil
		}
		step := def.Step(cur)
		if step == nil {
			p.fail(nil, fmt.Errorf("step %q does not exist in version %d", cur, c.enr.Version))
			return p, nil
		}
		if x := e.planExit(p); x != nil {
			p.status, p.current, p.next = x.status, cur, nil
			x.detail["step"] = cur
			p.log(nil, x.outcome, x.detail)
			return p, nil
		}
		if held, err := e.hold(p, step); err != nil {
			p.fail(step, err)
			return p, nil
		} else if held {
			return p, nil
		}
		act := e.opts.Actions[step.Type]
		first := p.passSteps == 0 && c.job.Kind == store.JobRun && cur == c.job.StepID
		if act != nil && !first {
			// An outbound step runs first in a pass of its own, after what came before it has
			// committed: a crash then repeats only the outbound call, never the steps before it.
			p.current, p.next = step.ID, &store.Job{EnrollmentID: c.enr.ID, RecordID: c.rec.ID, StepID: step.ID, Kind: store.JobRun, RunAt: p.now}
			return p, nil
		}
		retry := act != nil && c.job.Tries > 0 // this visit was counted by its first try
		if !retry && p.stepsRun >= budget {
			p.fail(step, fmt.Errorf("this enrollment ran %d steps, the workflow's budget; a go-to loop may be missing an exit", budget))
			return p, nil
		}
		if act != nil {
			visit := p.stepsRun
			if !retry {
				visit++
			}
			if reserved, err := e.reserveFor(ctx, p, step, act, visit); err != nil {
				return nil, err // retried with backoff, like a commit that failed
			} else if reserved {
				return p, nil
			}
		}
		if !retry {
			p.stepsRun++
		}
		p.passSteps++
		p.current = step.ID
		if act != nil {
			cur = e.runAction(ctx, p, step, act)
			if p.next != nil {
				return p, nil
			}
			continue
		}
		next, wait, err := e.runStep(p, step)
		if err != nil {
			p.fail(step, err)
			return p, nil
		}
		if wait != nil {
			p.status, p.next = store.StatusWaiting, wait
			return p, nil
		}
		if p.next != nil { // the step ended the pass: what follows reads its committed effect
			return p, nil
		}
		cur = next
	}
}

// runStep executes one step in memory. It returns the next step id, or a job when the
// enrollment must wait.
func (e *Engine) runStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	switch s.Type {
	case workflow.StepDelay:
		return e.runDelay(p, s)
	case workflow.StepBranch:
		return e.runBranch(p, s)
	case workflow.StepSplit:
		return e.runSplit(p, s)
	case workflow.StepGoto:
		p.log(s, store.HistOK, map[string]any{"target": s.Target})
		p.count(s.ID, 1, 0)
		return s.Target, nil, nil
	case workflow.StepSetProperty:
		return e.applyProp(p, s, setOp(s.Property, s.Value, s.Mode), map[string]any{"property": s.Property, "value": s.Value, "mode": modeOr(s.Mode)})
	case workflow.StepCopyProperty:
		if len(s.To) == 0 {
			return "", nil, fmt.Errorf("copy_property has no target property")
		}
		v := p.env().Value(s.From)
		if v == nil {
			p.log(s, store.HistSkipped, map[string]any{"reason": fmt.Sprintf("%q is empty, nothing to copy", s.From)})
			p.count(s.ID, 1, 0)
			return s.Next, nil, nil
		}
		return e.applyProp(p, s, setOp(s.To[0], v, s.Mode), map[string]any{"from": s.From, "to": s.To[0], "value": v, "mode": modeOr(s.Mode)})
	case workflow.StepClearProperty:
		detail := map[string]any{"property": s.Property}
		if _, ok := s.AssociatedTarget(); !ok {
			detail["previous"] = p.props[s.Property]
		}
		return e.applyProp(p, s, clearOp(s.Property), detail)
	case workflow.StepIncrementProperty:
		by := 0.0
		if s.By != nil {
			by = *s.By
		}
		return e.applyProp(p, s, incrementOp(s.Property, by), map[string]any{"property": s.Property, "by": by, "previous": p.props[s.Property]})
	case workflow.StepAddToList, workflow.StepRemoveFromList:
		add := s.Type == workflow.StepAddToList
		if msg := e.listStepProblem(s.List, p.c.rec.Type); msg != "" {
			p.stepFailed(s, map[string]any{"list": s.List, "error": msg})
			return s.Next, nil, nil
		}
		if p.lists != nil { // later branches of this pass see the change
			p.lists[s.List] = add
		}
		slot := p.reserve(s)
		p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
			rec, err := tx.Record(p.c.rec.ID) // as this commit's property changes left it
			if err != nil {
				return err
			}
			var changed bool
			if add {
				changed, err = e.addToList(tx, s.List, rec, p.now, true)
			} else {
				changed, err = e.removeFromList(tx, s.List, rec, p.now)
			}
			if err != nil {
				return err // a list made active meanwhile: the retry's plan fails the step
			}
			p.fill(slot, store.HistOK, map[string]any{"list": s.List, "changed": changed})
			return nil
		})
		p.count(s.ID, 1, 0)
		return s.Next, nil, nil
	case workflow.StepNotify, workflow.StepCreateRecord, workflow.StepCreateTask, workflow.StepRotateOwner, workflow.StepSubscription:
		return e.runRecordStep(p, s) // steps_records.go
	case workflow.StepEnroll:
		if chain := append(append([]string(nil), p.reason.Chain...), p.def.ID); len(chain) >= workflow.MaxEnrollChain {
			return "", nil, fmt.Errorf("enrolling in %q would chain more than %d workflows (%s → %s); an enroll cycle may be missing an end", s.Workflow, workflow.MaxEnrollChain, strings.Join(chain, " → "), s.Workflow)
		}
		target := e.index.Load().Workflow(s.Workflow)
		if target == nil {
			p.stepFailed(s, map[string]any{"workflow": s.Workflow, "error": fmt.Sprintf("the workflow %q is off, so the record was not enrolled in it; turn it on", s.Workflow)})
			return s.Next, nil, nil
		}
		slot := p.reserve(s)
		p.effects = append(p.effects, func(tx store.Tx, p *plan) error { return e.enrollEffect(tx, p, s, target, slot) })
		p.count(s.ID, 1, 0)
		return s.Next, nil, nil
	default:
		// An outbound step without a configured action (see Options.Actions) could not do its
		// job: that is an error, not a skip on purpose.
		p.stepFailed(s, map[string]any{"error": fmt.Sprintf("%s steps are not set up in this Flowdesk, so the step did nothing", s.Type)})
		return s.Next, nil, nil
	}
}

// hold keeps a communication step reached outside the workflow's execution window for the
// window's next start: the enrollment waits at the step, and a run job brings it back then.
// A retry keeps its try count. Nothing about the step is counted until it runs.
func (e *Engine) hold(p *plan, s *workflow.Step) (bool, error) {
	w := p.def.ExecutionWindow
	if w == nil || !workflow.HeldStep(s.Type) {
		return false, nil
	}
	at, held, err := w.Hold(p.now, p.def.Timezone, p.c.enr.ID)
	if err != nil {
		return false, fmt.Errorf("business hours: %w", err)
	}
	if !held {
		return false, nil
	}
	loc, _ := w.Location(p.def.Timezone) // Hold has loaded it
	tries := 0
	if p.c.job.Kind == store.JobRun && p.c.job.StepID == s.ID {
		tries = p.c.job.Tries
	}
	p.log(s, store.HistHeld, map[string]any{"until": at, "until_local": at.In(loc).Format("Mon 15:04"), "window": w.Describe(p.def.Timezone)})
	p.status, p.current = store.StatusWaiting, s.ID
	p.next = &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.ID, Kind: store.JobRun, RunAt: at, Tries: tries}
	return true, nil
}

func modeOr(m string) string {
	if m == "" {
		return workflow.ModeReplace
	}
	return m
}

func (e *Engine) applyProp(p *plan, s *workflow.Step, op propOp, detail map[string]any) (string, *store.Job, error) {
	name := s.Property
	if s.Type == workflow.StepCopyProperty {
		name = s.To[0]
	}
	if typ, ok := s.AssociatedTarget(); ok {
		return e.applyAssociated(p, s, typ, name, op, detail)
	}
	op = e.typedOp(p.c.rec.Type, name, op)
	if err := op(p.props); err != nil {
		return "", nil, err
	}
	p.propOps = append(p.propOps, op)
	p.log(s, store.HistOK, detail)
	p.count(s.ID, 1, 0)
	return s.Next, nil, nil
}

func (e *Engine) runDelay(p *plan, s *workflow.Step) (string, *store.Job, error) {
	job := &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.ID, Kind: store.JobResume, Outcome: store.OutcomeElapsed}
	detail := map[string]any{}
	switch {
	case s.Duration != "":
		d, err := workflow.ParseDuration(s.Duration)
		if err != nil {
			return "", nil, fmt.Errorf("delay duration: %w", err)
		}
		job.RunAt = p.now.Add(d)
		detail["until"] = job.RunAt
	case s.Until != nil:
		at, err := s.Until.Next(p.now, p.def.Timezone)
		if err != nil {
			return "", nil, fmt.Errorf("delay until: %w", err)
		}
		job.RunAt = at
		detail["until"] = at
	case s.Event != nil:
		job.WaitEvent, job.Outcome, job.RunAt = s.Event.Type, store.OutcomeTimeout, store.Forever
		detail["event"] = s.Event.Type
		if s.Event.Timeout != "" {
			d, err := workflow.ParseDuration(s.Event.Timeout)
			if err != nil {
				return "", nil, fmt.Errorf("delay timeout: %w", err)
			}
			job.RunAt = p.now.Add(d)
			detail["timeout_at"] = job.RunAt
		}
	default:
		return "", nil, fmt.Errorf("the delay has no duration, until or event")
	}
	p.log(s, store.HistWaiting, detail)
	return "", job, nil
}

func (e *Engine) runBranch(p *plan, s *workflow.Step) (string, *store.Job, error) {
	env := p.env()
	for i, b := range s.Branches {
		var f condition.Filter
		switch {
		case b.Filter != nil:
			f = *b.Filter
		case b.Expr != "":
			f = condition.Filter{Expr: b.Expr}
		default:
			f = condition.Filter{Property: s.Property, Op: condition.OpEq, Value: b.Value}
		}
		prog, err := e.program(p.def, p.c.enr.Version, fmt.Sprintf("step/%s/branch/%d", s.ID, i), f)
		if err != nil {
			return "", nil, fmt.Errorf("branch %q: %w", b.Name, err)
		}
		ok, err := prog.Match(env)
		if err != nil {
			return "", nil, fmt.Errorf("branch %q: %w", b.Name, err)
		}
		if ok {
			p.log(s, store.HistOK, map[string]any{"branch": b.Name, "values": snapshotRefs(prog, env)})
			p.count(s.ID, 1, 0)
			return b.Next, nil, nil
		}
	}
	p.log(s, store.HistOK, map[string]any{"branch": "else"})
	p.count(s.ID, 1, 0)
	return s.Else, nil, nil
}

func snapshotRefs(prog *condition.Program, env condition.Env) map[string]any {
	out := map[string]any{}
	for _, r := range prog.References() {
		out[r] = env.Value(r)
	}
	return out
}

// enrollEffect enrolls the record into another workflow (enabled when the plan was made);
// "already enrolled" is logged as a skip and the enrollment goes on.
func (e *Engine) enrollEffect(tx store.Tx, p *plan, s *workflow.Step, target *trigger.Workflow, slot int) error {
	r := Reason{Trigger: "enroll", TriggerType: "enroll", Summary: fmt.Sprintf("Enrolled by workflow %q, step %q", p.def.ID, s.ID), By: p.def.ID + "/" + s.ID,
		Chain: append(append([]string(nil), p.reason.Chain...), p.def.ID)}
	res, err := e.enroll(tx, target, p.c.rec.ID, r, 0, false, p.now)
	if err != nil {
		return err
	}
	if res.enrollment == nil {
		p.fill(slot, store.HistSkipped, map[string]any{"workflow": s.Workflow, "reason": res.skipped})
		return nil
	}
	p.fill(slot, store.HistOK, map[string]any{"workflow": s.Workflow, "enrollment": res.enrollment.ID})
	return nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// testsLists tells whether a workflow version's branch or wait filters test list membership
// (then a pass loads the record's lists); remembered per version, which never changes.
func (e *Engine) testsLists(def *workflow.Definition, version int) bool {
	k := versionKey{def.ID, version}
	if v, ok := e.listUse.Load(k); ok {
		return v.(bool)
	}
	uses := false
	var walk func(f *condition.Filter)
	walk = func(f *condition.Filter) {
		if f == nil || uses {
			return
		}
		uses = f.List != "" || f.Workflow != ""
		for i := range f.All {
			walk(&f.All[i])
		}
		for i := range f.Any {
			walk(&f.Any[i])
		}
	}
	walk(def.Goal)
	if def.Unenroll != nil {
		walk(def.Unenroll.Filter)
	}
	for _, t := range def.Triggers {
		walk(t.Filter) // the enrollment criteria an unenrollment rule rechecks
	}
	for _, s := range def.Steps {
		for _, b := range s.Branches {
			walk(b.Filter)
		}
		if s.Event != nil {
			walk(s.Event.Filter)
		}
	}
	e.listUse.Store(k, uses)
	return uses
}
