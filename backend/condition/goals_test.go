package condition

import (
	"strings"
	"testing"
)

func TestWorkflowGoalRules(t *testing.T) {
	f := Filter{Any: []Filter{
		{Workflow: "onboarding", Op: OpGoalReached},
		{All: []Filter{{Workflow: "trial", Op: OpNotGoalReached}, {Property: "city", Op: OpEq, Value: "Dublin"}}},
	}}
	p, err := Compile(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.UsesLists() {
		t.Fatal("a workflow rule reads the record's memberships: UsesLists must say so")
	}
	for _, c := range []struct {
		goals []string
		city  string
		want  bool
	}{
		{[]string{"onboarding"}, "", true},
		{nil, "Dublin", true},
		{[]string{"trial"}, "Dublin", false},
		{nil, "Cork", false},
	} {
		lists := map[string]bool{}
		for _, g := range c.goals {
			lists[GoalKey(g)] = true
		}
		got, err := p.Match(Env{Record: map[string]any{"city": c.city}, Lists: lists})
		if err != nil || got != c.want {
			t.Errorf("goals %v city %q: %v (%v), want %v", c.goals, c.city, got, err, c.want)
		}
	}
	// A list named like a goal key cannot exist (list ids have no colon), and a list rule of
	// the same workflow id does not read the goal.
	q, _ := Compile(Filter{List: "onboarding", Op: OpMember}, Options{})
	if ok, _ := q.Match(Env{Lists: map[string]bool{GoalKey("onboarding"): true}}); ok {
		t.Fatal("a list rule matched a goal")
	}
}

func TestWorkflowGoalRuleProblems(t *testing.T) {
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{Workflow: "x"}, "no operator"},
		{Filter{Workflow: "x", Op: OpEq}, "does not test a workflow"},
		{Filter{Workflow: "x", Op: OpGoalReached, Value: true}, "takes no value"},
		{Filter{Workflow: "x", Property: "city", Op: OpGoalReached}, "mixes"},
		{Filter{Workflow: "x", List: "vip", Op: OpGoalReached}, "mixes"},
	} {
		_, err := Compile(c.f, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a problem saying %q", c.f, err, c.want)
		}
	}
}
