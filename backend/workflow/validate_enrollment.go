package workflow

import (
	"fmt"
	"strings"
)

// This file checks what bounds an enrollment: the goal, the unenrollment rules, A/B splits,
// delays inside loops and enroll cycles across workflows.

// exits checks the goal and the unenrollment rules.
func (v *validator) exits() {
	d := v.d
	if d.Goal != nil {
		if emptyFilter(d.Goal) {
			v.add(Problem{Field: "goal", Message: "The goal has no rules. Add a rule that says when a record has reached the goal (like lifecycle is customer), or remove the goal."})
		} else {
			v.filter(*d.Goal, "goal", false, "The goal", func(field, msg string) { v.add(Problem{Field: field, Message: msg}) })
		}
	}
	u := d.Unenroll
	if u == nil {
		return
	}
	if u.Filter != nil {
		if emptyFilter(u.Filter) {
			v.add(Problem{Field: "unenroll.filter", Message: "The unenrollment filter has no rules. Add a rule that says when a record leaves, or remove the filter."})
		} else {
			v.filter(*u.Filter, "unenroll.filter", false, "The unenrollment filter", func(field, msg string) { v.add(Problem{Field: field, Message: msg}) })
		}
	}
	if u.WhenCriteriaNoLongerMet {
		filters := 0
		for _, t := range d.Triggers {
			if t.Type == TriggerFilter {
				filters++
			}
		}
		if filters == 0 {
			v.add(Problem{Field: "unenroll.when_criteria_no_longer_met", Message: "Records leave when they no longer meet the enrollment criteria, but the workflow has no filter trigger, so there are no criteria to stop meeting. Add a filter trigger or switch this off."})
		}
	}
	seen := map[string]bool{}
	for i, id := range u.OnEnrollRemoveFrom {
		field := fmt.Sprintf("unenroll.on_enroll_remove_from[%d]", i)
		switch {
		case strings.TrimSpace(id) == "":
			v.add(Problem{Field: field, Message: "Enrolling here removes the record from a workflow without a name. Pick a workflow or remove the entry."})
			continue
		case id == d.ID:
			v.add(Problem{Field: field, Message: "Enrolling here removes the record from this same workflow. Pick another workflow."})
			continue
		case seen[id]:
			v.add(Problem{Field: field, Message: fmt.Sprintf("The workflow %q is listed twice. Remove one of them.", id)})
			continue
		}
		seen[id] = true
		if v.opts.Workflow == nil {
			continue
		}
		object, ok := v.opts.Workflow(id)
		switch {
		case !ok:
			v.add(Problem{Field: field, Message: fmt.Sprintf("Enrolling here removes the record from the workflow %q, which does not exist. Pick an existing workflow.", id)})
		case d.Object != "" && object != d.Object:
			v.add(Problem{Field: field, Message: fmt.Sprintf("Enrolling here removes the record from the workflow %q, which works on %s records, not %s records. Pick a %s workflow.", id, object, d.Object, d.Object)})
		}
	}
}

// split checks an A/B split step: two paths or more, each named, whole percents adding to 100.
// A path with no step is allowed (a control group) but said, as a warning: a split inserted
// above existing steps puts them on the first path and leaves the others empty, and records
// sent down an empty path leave the workflow at once.
func (v *validator) split(s *Step, name string, add func(field, format string, args ...any)) {
	switch len(s.Paths) {
	case 0:
		add("paths", "has no paths. Add at least two paths, like A at 50%% and B at 50%%.")
		return
	case 1:
		add("paths", "has only one path, so it splits nothing. Add a second path, or replace the split with the path's next step.")
	}
	names := map[string]int{}
	sum := 0
	for j, p := range s.Paths {
		field := fmt.Sprintf("paths[%d]", j)
		if strings.TrimSpace(p.Name) == "" {
			add(field+".name", "has a path without a name (path %d). Give every path a name, like \"A\".", j+1)
		} else if k, dup := names[p.Name]; dup {
			add(field+".name", "has two paths called %q (paths %d and %d). Give each path a different name.", p.Name, k+1, j+1)
		} else {
			names[p.Name] = j
		}
		if p.Percent < 1 || p.Percent > 100 {
			add(field+".percent", "sends %d%% of records down path %d. Give every path a whole percentage from 1 to 100.", p.Percent, j+1)
		}
		sum += p.Percent
		if p.Next == "" && len(s.Paths) > 1 {
			label := p.Name
			if strings.TrimSpace(label) == "" {
				label = fmt.Sprintf("path %d", j+1)
			}
			v.add(Problem{Step: s.ID, Field: field + ".next", Severity: SeverityWarning, Message: fmt.Sprintf(
				"%s: path %q has no steps, so the %d%% of records sent down it leave the workflow at once. Add a step on it, or keep it empty on purpose as a control group.", name, label, p.Percent)})
		}
	}
	if sum != 100 {
		add("paths", "sends %d%% of records down its paths in all, but the percentages must add up to 100. Change them so they do.", sum)
	}
}

// loopDelays reports delays inside a loop of steps that wait less than MinLoopDelay: a record
// would go round the loop almost without waiting.
func (v *validator) loopDelays(adj [][]int) {
	d := v.d
	for _, comp := range tarjan(adj) {
		if len(comp) == 1 {
			self := false
			for _, j := range adj[comp[0]] {
				self = self || j == comp[0]
			}
			if !self {
				continue
			}
		}
		for _, i := range sortedInts(comp) {
			s := &d.Steps[i]
			if s.Type != StepDelay {
				continue
			}
			field, what := "", ""
			switch {
			case s.Duration != "":
				if dur, err := ParseDuration(s.Duration); err == nil && dur > 0 && dur < MinLoopDelay {
					field, what = "duration", s.Duration
				}
			case s.Event != nil && s.Event.Timeout != "":
				if dur, err := ParseDuration(s.Event.Timeout); err == nil && dur > 0 && dur < MinLoopDelay {
					field, what = "event.timeout", s.Event.Timeout
				}
			}
			if field != "" {
				v.add(Problem{Step: s.ID, Field: field, Message: fmt.Sprintf("Step %q waits %q inside a loop, so a record would go round it almost without waiting. A delay inside a loop must be at least 1 minute.", s.ID, what)})
			}
		}
	}
}

func sortedInts(xs []int) []int {
	out := append([]int(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// enrollCycles refuses enroll steps that lead back to this workflow through other workflows'
// enroll steps (A enrolls in B, B in A) unless every workflow on the way has re-enrollment off:
// with it on, a record would go round the cycle for ever.
func (v *validator) enrollCycles() {
	d := v.d
	if v.opts.Definition == nil || d.ID == "" {
		return
	}
	defs := map[string]*Definition{d.ID: d}
	def := func(id string) *Definition {
		if x, ok := defs[id]; ok {
			return x
		}
		x := v.opts.Definition(id)
		defs[id] = x
		return x
	}
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.Type != StepEnroll || s.Workflow == "" || s.Workflow == d.ID || v.first[s.ID] != i {
			continue
		}
		chain := cycleBack(s.Workflow, d.ID, def)
		if chain == nil {
			continue
		}
		chain = append([]string{d.ID}, chain...)
		var on []string
		for _, id := range chain[:len(chain)-1] {
			if x := def(id); x != nil && x.Reenroll.Enabled {
				on = append(on, fmt.Sprintf("%q", id))
			}
		}
		if len(on) == 0 {
			continue
		}
		v.add(Problem{Step: s.ID, Field: "workflow", Message: fmt.Sprintf("Step %q starts an enrollment cycle (%s) and re-enrollment is on for %s, so a record would go round it for ever. Turn re-enrollment off for every workflow in the cycle, or remove the enroll step.", s.ID, strings.Join(chain, " → "), strings.Join(on, ", "))})
	}
}

// cycleBack finds the shortest chain of enroll steps from workflow from back to home, as the
// workflow ids after home ("b", "c", home), or nil when there is none.
func cycleBack(from, home string, def func(id string) *Definition) []string {
	parent := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		x := def(id)
		if x == nil {
			continue
		}
		for _, s := range x.Steps {
			if s.Type != StepEnroll || s.Workflow == "" {
				continue
			}
			if s.Workflow == home {
				chain := []string{home}
				for at := id; at != ""; at = parent[at] {
					chain = append([]string{at}, chain...)
				}
				return chain
			}
			if _, seen := parent[s.Workflow]; !seen {
				parent[s.Workflow] = id
				queue = append(queue, s.Workflow)
			}
		}
	}
	return nil
}

// workflowRuleProblem says what is wrong with a workflow rule's workflow ("" when nothing): it
// must exist, work on the same records, and have a goal to reach.
func (v *validator) workflowRuleProblem(id string) string {
	if id == v.d.ID {
		if v.d.Goal == nil {
			return "the rule tests whether the record reached this workflow's goal, but it has none. Set a goal, or pick another workflow."
		}
		return ""
	}
	if v.opts.Workflow == nil {
		return ""
	}
	object, ok := v.opts.Workflow(id)
	switch {
	case !ok:
		return fmt.Sprintf("the rule tests the goal of the workflow %q, which does not exist. Pick an existing workflow.", id)
	case v.d.Object != "" && object != v.d.Object:
		return fmt.Sprintf("the rule tests the goal of the workflow %q, which works on %s records, not %s records. Pick a %s workflow.", id, object, v.d.Object, v.d.Object)
	}
	if v.opts.Definition != nil {
		if x := v.opts.Definition(id); x != nil && x.Goal == nil {
			return fmt.Sprintf("the rule tests the goal of the workflow %q, which has no goal, so no record ever reaches it. Give that workflow a goal, or pick another.", id)
		}
	}
	return ""
}
