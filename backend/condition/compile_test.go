package condition

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
)

func problems(t *testing.T, f Filter, opts Options) []Problem {
	t.Helper()
	_, err := Compile(f, opts)
	var ce *problem.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *problem.Error, got %v", err)
	}
	return ce.Problems
}

func TestStaticChecks(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
		path string
		want string // substring of the message
	}{
		{"unknown op", Filter{Property: "age", Op: "bigger", Value: 1}, "", `operator "bigger" is not known; use one of eq, neq, gt`},
		{"missing op", Filter{Property: "age", Value: 1}, "", `property "age" has no operator`},
		{"missing property", Filter{Op: OpEq, Value: 1}, "", "has no property"},
		{"missing value", Filter{Property: "age", Op: OpGt}, "", `condition "age is greater than" needs a value`},
		{"gt needs number or date", Filter{Property: "age", Op: OpGt, Value: "abc"}, "", `needs a number or a date`},
		{"gt list", Filter{Property: "age", Op: OpGt, Value: []any{1}}, "", `not a list`},
		{"in needs list", Filter{Property: "x", Op: OpIn, Value: "lead"}, "", `needs a non-empty list`},
		{"in empty list", Filter{Property: "x", Op: OpIn, Value: []any{}}, "", `at least one value`},
		{"in list of objects", Filter{Property: "x", Op: OpNotIn, Value: []any{map[string]any{}}}, "", `item 1 of the list is an object`},
		{"within_last needs duration", Filter{Property: "x", Op: OpWithinLast, Value: "3 days"}, "", `needs a duration`},
		{"within_last number", Filter{Property: "x", Op: OpWithinLast, Value: 3}, "", `needs a duration`},
		{"within_last zero", Filter{Property: "x", Op: OpWithinLast, Value: "0d"}, "", `needs a duration`},
		{"before needs date", Filter{Property: "x", Op: OpBefore, Value: "yesterday"}, "", `needs a date`},
		{"after bool", Filter{Property: "x", Op: OpAfter, Value: true}, "", `needs a date`},
		{"eq object", Filter{Property: "x", Op: OpEq, Value: map[string]any{"a": 1}}, "", `not an object`},
		{"contains empty", Filter{Property: "x", Op: OpContains, Value: ""}, "", `non-empty text`},
		{"is_known with value", Filter{Property: "x", Op: OpIsKnown, Value: "y"}, "", `takes no value; remove the value "y"`},
		{"bad property chars", Filter{Property: "first name", Op: OpEq, Value: "a"}, "", `property "first name" is not a valid name`},
		{"bad property dots", Filter{Property: "event..a", Op: OpEq, Value: "a"}, "", `empty part between dots`},
		{"bare event", Filter{Property: "event", Op: OpEq, Value: "a"}, "", `names the whole event`},
		{"mixed property and all", Filter{Property: "x", Op: OpEq, Value: 1, All: []Filter{{}}}, "", `mixes an "all" group and a property rule`},
		{"mixed expr and any", Filter{Expr: "true", Any: []Filter{}}, "", `mixes an "any" group and an expression`},
		{"empty nested", Filter{All: []Filter{{}}}, "all[0]", `this condition is empty`},
		{"raw broken", Filter{Any: []Filter{{Expr: "record.age >"}}}, "any[0]", `the expression does not compile: unexpected token`},
		{"raw not bool", Filter{Expr: "1 + 2"}, "", `expected bool, but got int`},
		{"raw unknown name", Filter{Expr: "contact.age > 3"}, "", `unknown name contact`},
		{"raw reserved", Filter{Expr: "__rt != nil"}, "", `"__rt", which is reserved`},
		{"raw $env", Filter{Expr: `$env["record"] != nil`}, "", `"$env", which is reserved`},
		{"raw disabled clock", Filter{Expr: `now() > now`}, "", `does not compile`},
		{"raw disabled repeat", Filter{Expr: `repeat("x", 1000000) != ""`}, "", `does not compile`},
		{"raw too long", Filter{Expr: strings.Repeat("true && ", 600) + "true"}, "", `more than the limit of 4096`},
		{"too deep", deep(MaxDepth + 2), strings.TrimSuffix(strings.Repeat("all[0].", MaxDepth), "."), "nested more than 32 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := problems(t, tt.f, Options{})
			if len(ps) != 1 {
				t.Fatalf("want one problem, got %+v", ps)
			}
			if ps[0].Field != tt.path || !strings.Contains(ps[0].Message, tt.want) {
				t.Errorf("got %+v, want path %q and message containing %q", ps[0], tt.path, tt.want)
			}
		})
	}
}

func deep(n int) Filter {
	f := Filter{Property: "x", Op: OpIsKnown}
	for range n {
		f = Filter{All: []Filter{f}}
	}
	return f
}

func TestAllProblemsReportedTogether(t *testing.T) {
	f := Filter{All: []Filter{
		{Property: "city", Op: OpEq, Value: "Dublin"},
		{Property: "age", Op: "bigger", Value: 3},
		{Any: []Filter{
			{Property: "ok", Op: OpIsKnown},
			{Property: "lifecycle", Op: OpIn, Value: "lead"},
			{Expr: "record.x +"},
		}},
		{Op: OpEq},
	}}
	ps := problems(t, f, Options{})
	want := []struct{ path, msg string }{
		{"all[1]", `operator "bigger" is not known`},
		{"all[2].any[1]", `condition "lifecycle is any of" needs a non-empty list`},
		{"all[3]", "has no property"},
		{"all[2].any[2]", "the expression does not compile"},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems %+v, want %d", len(ps), ps, len(want))
	}
	for i, w := range want {
		if ps[i].Field != w.path || !strings.Contains(ps[i].Message, w.msg) {
			t.Errorf("problem %d = %+v, want %s: %s", i, ps[i], w.path, w.msg)
		}
	}
	var ce *problem.Error
	_, err := Compile(f, Options{})
	if !errors.As(err, &ce) || ce.Code != problem.CodeFilter {
		t.Fatalf("error %T %v, want a *problem.Error of a filter", err, err)
	}
	for _, w := range want { // the message says every problem, each with its rule's path
		if !strings.Contains(err.Error(), w.path+": ") || !strings.Contains(err.Error(), w.msg) {
			t.Errorf("Error() = %q, want %s: %s in it", err, w.path, w.msg)
		}
	}
}

func TestSchemaChecks(t *testing.T) {
	schema := func(p string) (Type, bool) {
		t, ok := map[string]Type{"age": TypeNumber, "city": TypeString, "stage": TypeEnum, "vip": TypeBool,
			"signup": TypeDate, "tags": TypeMulti}[p]
		return t, ok
	}
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{Property: "age", Op: OpContains, Value: "4"}, `property "age" is a number, so operator "contains" does not apply; use eq, neq, gt, gte, lt, lte, in, not_in, is_known or is_unknown`},
		{Filter{Property: "age", Op: OpEq, Value: "abc"}, `property "age" is a number, so "abc" does not fit; give a number like 30`},
		{Filter{Property: "age", Op: OpIn, Value: []any{1, "x"}}, `property "age" is a number, so "x" does not fit`},
		{Filter{Property: "city", Op: OpGt, Value: 3}, `property "city" is text, so operator "gt" does not apply`},
		{Filter{Property: "city", Op: OpEq, Value: 3}, `property "city" is text, so 3 does not fit; give text in quotes`},
		{Filter{Property: "stage", Op: OpBefore, Value: "2026-01-01"}, `property "stage" is a choice`},
		{Filter{Property: "vip", Op: OpContains, Value: "y"}, `property "vip" is a yes/no (bool) value, so operator "contains" does not apply; use eq, neq, is_known or is_unknown`},
		{Filter{Property: "vip", Op: OpEq, Value: "yes"}, `so "yes" does not fit; give true or false`},
		{Filter{Property: "signup", Op: OpContains, Value: "2026"}, `property "signup" is a date, so operator "contains" does not apply`},
		{Filter{Property: "signup", Op: OpEq, Value: "soon"}, `so "soon" does not fit; give a date like`},
		{Filter{Property: "tags", Op: OpGt, Value: 1}, `property "tags" is a multi-value property, so operator "gt" does not apply`},
		{Filter{Property: "tags", Op: OpIn, Value: []any{true}}, `so true does not fit; give text in quotes`},
	}
	for _, tt := range tests {
		ps := problems(t, tt.f, Options{Schema: schema})
		if len(ps) != 1 || !strings.Contains(ps[0].Message, tt.want) {
			t.Errorf("%+v: got %+v, want %q", tt.f, ps, tt.want)
		}
	}
	// Unknown properties and event paths are not type-checked.
	for _, f := range []Filter{{Property: "other", Op: OpContains, Value: "x"}, {Property: "event.age", Op: OpContains, Value: "x"}} {
		if _, err := Compile(f, Options{Schema: schema}); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

func TestMaxRules(t *testing.T) {
	rules := make([]Filter, MaxRules)
	for i := range rules {
		rules[i] = Filter{Property: fmt.Sprintf("p%d", i), Op: OpEq, Value: i}
	}
	if _, err := Compile(Filter{Any: rules}, Options{}); err != nil {
		t.Fatalf("%d rules: %v", MaxRules, err)
	}
	ps := problems(t, Filter{Any: append(rules, Filter{Expr: "true"})}, Options{})
	if len(ps) != 1 || ps[0].Field != "" || !strings.Contains(ps[0].Message, "251 rules, more than the limit of 250") {
		t.Fatalf("got %+v", ps)
	}
}

func TestHostileExpressions(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"huge range map", "len(1..100000000 | map(# * 2)) > 0"},
		{"range in", "3 in 1..100000000"},
		{"nested loops", "let r = 1..999; all(r, all(r, all(r, true)))"},
		{"quadratic in", "let r = 1..5000; all(r, # in r)"},
		{"string doubling", "let a = record.city + record.city; " + doubling(30) + " len(x30) > 0"},
		{"upper in loop", "let a = record.city + record.city; " + doubling(14) + " len(map(1..5000, upper(x14))) > 0"},
		{"big arrays", "len(map(1..90000, [#, #, #])) > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(Filter{Expr: tt.src}, Options{})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			ok, err := p.Match(Env{Record: rec(), Now: now})
			if !errors.Is(err, ErrBudgetExceeded) {
				t.Fatalf("got %v, %v; want budget error", ok, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	// Legit work well inside the budget still runs.
	p, err := Compile(Filter{Expr: "sum(1..1000, #) == 500500 && len(filter(1..2000, # % 2 == 0)) == 1000"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := p.Match(Env{}); err != nil || !ok {
		t.Fatalf("got %v, %v", ok, err)
	}
	// Deep nesting and over-long sources are rejected at compile time.
	for _, src := range []string{strings.Repeat("(", 3000) + "true" + strings.Repeat(")", 3000), strings.Repeat("1+", 1900) + "1 > 0"} {
		if _, err := Compile(Filter{Expr: src}, Options{}); err == nil {
			t.Errorf("%.20s...: want a compile error", src)
		}
	}
	if _, err := Compile(Filter{Expr: strings.Repeat("!", 1500) + "true"}, Options{}); err != nil {
		t.Logf("deep unary: %v", err)
	}
}

// doubling builds "let x1 = a + a; let x2 = x1 + x1; ..." n times.
func doubling(n int) string {
	var sb strings.Builder
	prev := "a"
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "let x%d = %s + %s; ", i, prev, prev)
		prev = fmt.Sprintf("x%d", i)
	}
	return sb.String()
}

func TestConcurrentMatch(t *testing.T) {
	p, err := Compile(Filter{Any: []Filter{
		{All: []Filter{{Property: "city", Op: OpEq, Value: "dublin"}, {Property: "seen", Op: OpWithinLast, Value: "3h"}}},
		{Expr: `any(record.tags, # == "x") && record.n > 3`},
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				city := "Dublin"
				if (g+i)%2 == 1 {
					city = "Paris"
				}
				r := map[string]any{"city": city, "seen": now.Add(-time.Hour), "tags": []any{"y"}, "n": float64(i)}
				ok, err := p.Match(Env{Record: r, Now: now})
				if err != nil || ok != (city == "Dublin") {
					errs <- fmt.Errorf("g%d i%d: %v, %v", g, i, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(2)
	f := Filter{Property: "city", Op: OpEq, Value: "dublin"}
	p1, err := c.Compile("wf@v3/step/branch-0", f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := c.Compile("wf@v3/step/branch-0", f, Options{})
	if p1 != p2 {
		t.Fatal("same key returned a different program")
	}
	p3, _ := c.Compile("wf@v4/step/branch-0", f, Options{})
	if p3 == p1 {
		t.Fatal("different key returned the same program")
	}
	if _, err := c.Compile("bad", Filter{Property: "x", Op: "nope"}, Options{}); err == nil || c.Get("bad") != nil {
		t.Fatal("errors must be returned and not cached")
	}
	c.Compile("wf@v5", f, Options{})
	if c.Len() != 2 || c.Get("wf@v3/step/branch-0") != nil {
		t.Fatalf("LRU eviction: len %d", c.Len())
	}
	c.Forget("wf@v5")
	if c.Len() != 1 {
		t.Fatalf("Forget: len %d", c.Len())
	}
	// Concurrent compiles of one key all get one program.
	c = NewCache(10)
	var wg sync.WaitGroup
	got := make([]*Program, 16)
	for i := range got {
		wg.Go(func() { got[i], _ = c.Compile("k", f, Options{}) })
	}
	wg.Wait()
	for _, p := range got {
		if p != got[0] || p == nil {
			t.Fatal("concurrent compiles returned different programs")
		}
	}
}

func TestReferences(t *testing.T) {
	p, err := Compile(Filter{All: []Filter{
		{Property: "city", Op: OpEq, Value: "x"},
		{Property: "record.city", Op: OpNeq, Value: "y"},
		{Property: "event.watch_pct", Op: OpGt, Value: 1},
		{Any: []Filter{{Property: "age", Op: OpIsKnown}, {Expr: `record.score > 1 || event.webinar.id == "1" || record["plan"] == "pro"`}}},
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "age city event.watch_pct event.webinar.id plan score"
	if got := strings.Join(p.References(), " "); got != want {
		t.Errorf("References() = %q, want %q", got, want)
	}
	if !strings.Contains(p.Source(), `op_gt(evt(event, "watch_pct"), lit(`) {
		t.Errorf("Source() = %s", p.Source())
	}
}

func TestNilProgram(t *testing.T) {
	var p *Program
	if _, err := p.Match(Env{}); err == nil {
		t.Fatal("want an error")
	}
	if p.References() != nil {
		t.Fatal("want nil")
	}
}
