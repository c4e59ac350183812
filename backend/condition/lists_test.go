package condition

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/problem"
)

func TestListRules(t *testing.T) {
	f := Filter{All: []Filter{
		{List: "vip", Op: OpMember},
		{List: "unsubscribed", Op: OpNotMember},
		{Property: "city", Op: OpEq, Value: "Dublin"},
	}}
	p, err := Compile(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.UsesLists() || !reflect.DeepEqual(p.Lists(), []string{"unsubscribed", "vip"}) {
		t.Fatalf("Lists() = %v", p.Lists())
	}
	rec := map[string]any{"city": "Dublin"}
	for _, c := range []struct {
		lists map[string]bool
		want  bool
	}{
		{map[string]bool{"vip": true}, true},
		{map[string]bool{"vip": true, "unsubscribed": true}, false},
		{nil, false},
		{map[string]bool{"other": true}, false},
	} {
		if got, err := p.Match(Env{Record: rec, Lists: c.lists}); err != nil || got != c.want {
			t.Errorf("lists %v: %v, %v; want %v", c.lists, got, err, c.want)
		}
	}
	if q, _ := Compile(Filter{Property: "city", Op: OpEq, Value: "x"}, Options{}); q.UsesLists() {
		t.Error("a property rule uses lists")
	}
	// Bad list rules: each problem at its path.
	for _, c := range []struct {
		f    Filter
		path string
		want string
	}{
		{Filter{Any: []Filter{{List: "vip"}}}, "any[0]", "no operator; use member or not_member"},
		{Filter{List: "vip", Op: OpEq}, "", `operator "eq" does not test a list`},
		{Filter{List: "vip", Op: OpMember, Value: true}, "", "takes no value"},
		{Filter{List: "vip", Property: "city", Op: OpMember}, "", "mixes a list rule and a property rule"},
		{Filter{List: strings.Repeat("x", 65), Op: OpMember}, "", "longer than 64"},
	} {
		_, err := Compile(c.f, Options{})
		ce, ok := err.(*problem.Error)
		if !ok || ce.Problems[0].Field != c.path || !strings.Contains(ce.Problems[0].Message, c.want) {
			t.Errorf("%+v: %v, want %q at %q", c.f, err, c.want, c.path)
		}
	}
	// A raw expression cannot reach the membership set.
	if _, err := Compile(Filter{Expr: `__lists["vip"]`}, Options{}); err == nil {
		t.Error("a raw expression read __lists")
	}
}

// A list rule and a workflow rule are checked by one helper: each problem names its noun, the
// id and the fix, in the same words.
func TestMembershipRuleProblemsNameTheFix(t *testing.T) {
	long := strings.Repeat("x", MaxListIDLen+1)
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{List: "vip"}, `list "vip" has no operator; use member or not_member`},
		{Filter{List: "vip", Op: OpGoalReached}, `list "vip": operator "goal_reached" does not test a list; use member or not_member`},
		{Filter{List: "vip", Op: OpNotMember, Value: "a"}, `list "vip" with operator "not_member" takes no value; remove the value`},
		{Filter{List: long, Op: OpMember}, `list id "` + long[:32] + `..." is longer than 64 characters; pick an existing list`},
		{Filter{Workflow: "w"}, `workflow "w" has no operator; use goal_reached or not_goal_reached`},
		{Filter{Workflow: "w", Op: OpMember}, `workflow "w": operator "member" does not test a workflow; use goal_reached or not_goal_reached`},
		{Filter{Workflow: "w", Op: OpGoalReached, Value: 1.0}, `workflow "w" with operator "goal_reached" takes no value; remove the value`},
		{Filter{Workflow: long, Op: OpGoalReached}, `workflow id "` + long[:32] + `..." is longer than 64 characters; pick an existing workflow`},
	} {
		_, err := Compile(c.f, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a problem saying %q", c.f, err, c.want)
		}
	}
	for _, c := range []struct {
		f    Filter
		env  Env
		want bool
	}{
		{Filter{List: "vip", Op: OpMember}, Env{Lists: map[string]bool{"vip": true}}, true},
		{Filter{List: "vip", Op: OpNotMember}, Env{Lists: map[string]bool{"vip": true}}, false},
		{Filter{Workflow: "w", Op: OpGoalReached}, Env{Lists: map[string]bool{GoalKey("w"): true}}, true},
		{Filter{Workflow: "w", Op: OpNotGoalReached}, Env{Lists: map[string]bool{}}, true},
		{Filter{Workflow: "w", Op: OpGoalReached}, Env{Lists: map[string]bool{"w": true}}, false},
	} {
		q, err := Compile(c.f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := q.Match(c.env); err != nil || got != c.want {
			t.Errorf("%+v over %v: %v %v, want %v", c.f, c.env.Lists, got, err, c.want)
		}
	}
}
