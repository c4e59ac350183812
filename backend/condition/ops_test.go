package condition

import (
	"encoding/json"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func rec() map[string]any {
	return map[string]any{
		"city":      "Dublin",
		"age":       42.0,
		"age_int":   42,
		"age_i64":   int64(42),
		"age_json":  json.Number("42"),
		"age_str":   "42",
		"score":     "abc",
		"vip":       true,
		"vip_str":   "TRUE",
		"tags":      []any{"VIP", "webinar"},
		"tags_str":  []string{"alpha", "Beta"},
		"empty":     "",
		"none":      nil,
		"nolist":    []any{},
		"lifecycle": "MQL",
		"email":     "Ann@Example.com",
		"signup":    "2026-01-31T10:00:00Z",
		"day":       "2026-01-31",
		"seen":      now.Add(-2 * time.Hour),
		"seen_ms":   float64(now.Add(-3 * 24 * time.Hour).UnixMilli()),
		"nums":      []any{1.0, 5.0, 9.0},
	}
}

func event() map[string]any {
	return map[string]any{"watch_pct": 75.0, "webinar": map[string]any{"id": "54072", "title": "Growth"}}
}

func match(t *testing.T, f Filter) bool {
	t.Helper()
	p, err := Compile(f, Options{})
	if err != nil {
		t.Fatalf("compile %+v: %v", f, err)
	}
	ok, err := p.Match(Env{Record: rec(), Event: event(), Now: now})
	if err != nil {
		t.Fatalf("match %+v: %v", f, err)
	}
	return ok
}

func TestOps(t *testing.T) {
	tests := []struct {
		name  string
		prop  string
		op    Op
		value any
		want  bool
	}{
		// eq / neq
		{"eq string case-insensitive", "city", OpEq, "dublin", true},
		{"eq string no match", "city", OpEq, "Paris", false},
		{"eq missing", "nope", OpEq, "x", false},
		{"eq null", "none", OpEq, "x", false},
		{"eq number", "age", OpEq, 42, true},
		{"eq number int data", "age_int", OpEq, 42.0, true},
		{"eq number int64 data", "age_i64", OpEq, 42, true},
		{"eq number json.Number data", "age_json", OpEq, 42, true},
		{"eq number numeric string data", "age_str", OpEq, 42, true},
		{"eq number string operand", "age", OpEq, "42", true},
		{"eq number no match", "age", OpEq, 41, false},
		{"eq type mismatch", "score", OpEq, 5, false},
		{"eq bool", "vip", OpEq, true, true},
		{"eq bool false", "vip", OpEq, false, false},
		{"eq bool string data", "vip_str", OpEq, true, true},
		{"eq bool string operand", "vip", OpEq, "true", true},
		{"eq multi any element", "tags", OpEq, "vip", true},
		{"eq multi []string", "tags_str", OpEq, "beta", true},
		{"eq multi no element", "tags", OpEq, "other", false},
		{"eq date-only day", "signup", OpEq, "2026-01-31", true},
		{"eq date-only other day", "signup", OpEq, "2026-02-01", false},
		{"eq empty list", "nolist", OpEq, "x", false},
		{"neq string", "city", OpNeq, "paris", true},
		{"neq string equal ci", "city", OpNeq, "DUBLIN", false},
		{"neq missing matches", "nope", OpNeq, "x", true},
		{"neq multi none match", "tags", OpNeq, "other", true},
		{"neq multi one matches", "tags", OpNeq, "vip", false},
		{"neq type mismatch", "score", OpNeq, 5, true},
		// ordering
		{"gt", "age", OpGt, 30, true},
		{"gt equal", "age", OpGt, 42, false},
		{"gt numeric string", "age_str", OpGt, 30, true},
		{"gt missing", "nope", OpGt, 1, false},
		{"gt type mismatch", "score", OpGt, 1, false},
		{"gt bool mismatch", "vip", OpGt, 0, false},
		{"gt multi any", "nums", OpGt, 8, true},
		{"gt multi none", "nums", OpGt, 9, false},
		{"gte", "age", OpGte, 42, true},
		{"gte no", "age", OpGte, 43, false},
		{"lt", "age", OpLt, 50, true},
		{"lt no", "age", OpLt, 42, false},
		{"lte", "age", OpLte, 42, true},
		{"lte no", "age", OpLte, 41.5, false},
		{"lte missing", "nope", OpLte, 41.5, false},
		{"gt date", "signup", OpGt, "2026-01-01", true},
		{"gt date-only same day", "signup", OpGt, "2026-01-31", false},
		{"gte date-only same day", "signup", OpGte, "2026-01-31", true},
		{"lte date-only same day", "signup", OpLte, "2026-01-31", true},
		{"lt date-only same day", "signup", OpLt, "2026-01-31", false},
		// in / not_in
		{"in", "lifecycle", OpIn, []any{"lead", "mql"}, true},
		{"in no", "lifecycle", OpIn, []any{"lead", "sql"}, false},
		{"in numbers", "age", OpIn, []any{1, 42}, true},
		{"in []string", "lifecycle", OpIn, []string{"mql"}, true},
		{"in missing", "nope", OpIn, []any{"x"}, false},
		{"in multi", "tags", OpIn, []any{"webinar", "x"}, true},
		{"in multi none", "tags", OpIn, []any{"x", "y"}, false},
		{"in type mismatch", "score", OpIn, []any{1, 2}, false},
		{"not_in", "lifecycle", OpNotIn, []any{"lead"}, true},
		{"not_in no", "lifecycle", OpNotIn, []any{"mql"}, false},
		{"not_in missing", "nope", OpNotIn, []any{"x"}, true},
		{"not_in multi one matches", "tags", OpNotIn, []any{"vip"}, false},
		{"not_in multi none", "tags", OpNotIn, []any{"x"}, true},
		// contains
		{"contains substring ci", "email", OpContains, "EXAMPLE", true},
		{"contains no", "email", OpContains, "gmail", false},
		{"contains missing", "nope", OpContains, "a", false},
		{"contains type mismatch", "age", OpContains, "4", false},
		{"contains multi element", "tags", OpContains, "vip", true},
		{"contains multi no substring", "tags", OpContains, "web", false},
		{"not_contains", "email", OpNotContains, "gmail", true},
		{"not_contains no", "email", OpNotContains, "ann", false},
		{"not_contains missing", "nope", OpNotContains, "a", true},
		{"not_contains multi", "tags", OpNotContains, "vip", false},
		{"not_contains multi none", "tags", OpNotContains, "zzz", true},
		{"not_contains type mismatch", "age", OpNotContains, "4", true},
		// starts/ends
		{"starts_with", "email", OpStartsWith, "ann@", true},
		{"starts_with no", "email", OpStartsWith, "bob", false},
		{"starts_with missing", "nope", OpStartsWith, "a", false},
		{"starts_with multi", "tags", OpStartsWith, "web", true},
		{"starts_with mismatch", "age", OpStartsWith, "4", false},
		{"ends_with", "email", OpEndsWith, ".COM", true},
		{"ends_with no", "email", OpEndsWith, ".org", false},
		{"ends_with missing", "nope", OpEndsWith, "a", false},
		{"ends_with multi", "tags_str", OpEndsWith, "TA", true},
		{"ends_with mismatch", "vip", OpEndsWith, "e", false},
		// known
		{"is_known", "city", OpIsKnown, nil, true},
		{"is_known missing", "nope", OpIsKnown, nil, false},
		{"is_known null", "none", OpIsKnown, nil, false},
		{"is_known empty string", "empty", OpIsKnown, nil, false},
		{"is_known empty list", "nolist", OpIsKnown, nil, false},
		{"is_known list", "tags", OpIsKnown, nil, true},
		{"is_known false bool", "vip", OpIsKnown, nil, true},
		{"is_unknown", "nope", OpIsUnknown, nil, true},
		{"is_unknown empty", "empty", OpIsUnknown, nil, true},
		{"is_unknown known", "city", OpIsUnknown, nil, false},
		// dates
		{"before", "signup", OpBefore, "2026-02-01", true},
		{"before no", "signup", OpBefore, "2026-01-31", false},
		{"before rfc3339", "signup", OpBefore, "2026-01-31T10:00:01Z", true},
		{"before missing", "nope", OpBefore, "2026-02-01", false},
		{"before mismatch", "score", OpBefore, "2026-02-01", false},
		{"before time.Time", "seen", OpBefore, "2026-03-16", true},
		{"after", "signup", OpAfter, "2026-01-30", true},
		{"after same day", "signup", OpAfter, "2026-01-31", false},
		{"after date-only data", "day", OpAfter, "2026-01-30", true},
		{"after unix ms", "seen_ms", OpAfter, "2026-03-01", true},
		{"after no", "signup", OpAfter, "2026-06-01T00:00:00+02:00", false},
		{"after missing", "nope", OpAfter, "2026-01-01", false},
		{"within_last", "seen", OpWithinLast, "3h", true},
		{"within_last no", "seen", OpWithinLast, "90m", false},
		{"within_last days", "seen_ms", OpWithinLast, "4d", true},
		{"within_last days no", "seen_ms", OpWithinLast, "2d", false},
		{"within_last weeks", "signup", OpWithinLast, "7w", true},
		{"within_last seconds", "seen", OpWithinLast, "90s", false},
		{"within_last missing", "nope", OpWithinLast, "2w", false},
		{"within_last mismatch", "score", OpWithinLast, "2w", false},
		{"within_last go duration", "seen", OpWithinLast, "2h30m", true},
		// event paths
		{"event number", "event.watch_pct", OpGte, 50, true},
		{"event nested", "event.webinar.id", OpEq, "54072", true},
		{"event nested missing", "event.webinar.nope", OpEq, "x", false},
		{"event through scalar", "event.watch_pct.x", OpIsKnown, nil, false},
		{"record alias", "record.city", OpEq, "dublin", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := match(t, Filter{Property: tt.prop, Op: tt.op, Value: tt.value}); got != tt.want {
				t.Errorf("%s %s %v = %v, want %v", tt.prop, tt.op, tt.value, got, tt.want)
			}
		})
	}
}

func TestOpsCoverEveryOp(t *testing.T) {
	// Every operator must be reachable through Compile; TestOps has rows for each.
	for _, op := range Ops {
		f := Filter{Property: "x", Op: op, Value: map[Op]any{
			OpIn: []any{"a"}, OpNotIn: []any{"a"}, OpIsKnown: nil, OpIsUnknown: nil,
			OpBefore: "2026-01-01", OpAfter: "2026-01-01", OpWithinLast: "1d",
			OpGt: 1, OpGte: 1, OpLt: 1, OpLte: 1,
		}[op]}
		if f.Value == nil && op != OpIsKnown && op != OpIsUnknown {
			f.Value = "a"
		}
		if _, err := Compile(f, Options{}); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
}

func TestGroups(t *testing.T) {
	yes := Filter{Property: "city", Op: OpEq, Value: "dublin"}
	no := Filter{Property: "city", Op: OpEq, Value: "paris"}
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty filter", Filter{}, true},
		{"empty all", Filter{All: []Filter{}}, true},
		{"empty any", Filter{Any: []Filter{}}, false},
		{"all yes", Filter{All: []Filter{yes, yes}}, true},
		{"all one no", Filter{All: []Filter{yes, no}}, false},
		{"any one yes", Filter{Any: []Filter{no, yes}}, true},
		{"any no", Filter{Any: []Filter{no, no}}, false},
		{"nested any(all(yes,no), all(yes,any(no,yes)))", Filter{Any: []Filter{
			{All: []Filter{yes, no}},
			{All: []Filter{yes, {Any: []Filter{no, yes}}}},
		}}, true},
		{"nested all(any(no), yes)", Filter{All: []Filter{{Any: []Filter{no}}, yes}}, false},
		{"nested empty any inside all", Filter{All: []Filter{yes, {Any: []Filter{}}}}, false},
		{"expr node", Filter{All: []Filter{yes, {Expr: `record.age > 30 && event.watch_pct >= 50`}}}, true},
		{"expr node false", Filter{Any: []Filter{no, {Expr: `record.city == "Paris"`}}}, false},
		{"expr with comment", Filter{All: []Filter{{Expr: "true // trailing comment"}, yes}}, true},
		{"expr with let", Filter{All: []Filter{{Expr: "let n = record.age; n > 40"}, yes}}, true},
		{"expr uses now", Filter{Expr: `date(record.signup) < now && now - date(record.signup) > duration("24h")`}, true},
		{"expr predicate", Filter{Expr: `any(record.tags, lower(#) == "vip")`}, true},
		{"expr in", Filter{Expr: `"webinar" in record.tags`}, true},
		{"expr concat", Filter{Expr: `record.city + "!" == "Dublin!"`}, true},
		{"expr nil-safe", Filter{Expr: `(record.missing ?? 0) > 3`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := match(t, tt.f); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSchemaTypedValues(t *testing.T) {
	schema := func(p string) (Type, bool) {
		t, ok := map[string]Type{"signup": TypeDate, "seen_ms": TypeDate, "age": TypeNumber, "vip": TypeBool}[p]
		return t, ok
	}
	tests := []struct {
		f    Filter
		want bool
	}{
		{Filter{Property: "signup", Op: OpGt, Value: "2026-01-30"}, true},
		{Filter{Property: "seen_ms", Op: OpGt, Value: float64(now.Add(-4 * day).UnixMilli())}, true},
		{Filter{Property: "seen_ms", Op: OpEq, Value: "2026-03-12"}, true},
		{Filter{Property: "age", Op: OpEq, Value: "42"}, true},
		{Filter{Property: "vip", Op: OpNeq, Value: "false"}, true},
	}
	for _, tt := range tests {
		p, err := Compile(tt.f, Options{Schema: schema})
		if err != nil {
			t.Fatalf("%+v: %v", tt.f, err)
		}
		got, err := p.Match(Env{Record: rec(), Now: now})
		if err != nil || got != tt.want {
			t.Errorf("%+v = %v, %v; want %v", tt.f, got, err, tt.want)
		}
	}
}

func TestRawRuntimeErrorIsReturned(t *testing.T) {
	p, err := Compile(Filter{Expr: "record.missing > 3"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Match(Env{Record: rec()}); err == nil {
		t.Fatal("want an error comparing nil with a number")
	}
	// A nil record or event is fine for structured rules.
	p, err = Compile(Filter{All: []Filter{{Property: "event.a.b", Op: OpNeq, Value: 1}, {Property: "x", Op: OpIsUnknown}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := p.Match(Env{}); err != nil || !ok {
		t.Fatalf("got %v, %v", ok, err)
	}
}
