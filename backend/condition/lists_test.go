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
