package trigger

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func def(id, object string, triggers ...workflow.Trigger) *Workflow {
	d := &workflow.Definition{ID: id, Name: id, Object: object, Triggers: triggers, Start: "s",
		Steps: []workflow.Step{{ID: "s", Type: workflow.StepAddToList, List: "l"}}}
	d.Normalize()
	return &Workflow{ID: id, Version: 3, Def: d}
}

func rule(property string, op condition.Op, value any) *condition.Filter {
	return &condition.Filter{Property: property, Op: op, Value: value}
}

func build(t *testing.T, wfs ...*Workflow) *Index {
	t.Helper()
	ix, err := Build(wfs, func(object string) condition.Options {
		return condition.Options{Schema: func(p string) (condition.Type, bool) {
			if object == "contact" && p == "score" {
				return condition.TypeNumber, true
			}
			return "", false
		}}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func ids(ms []Match) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.WorkflowID+"/"+m.TriggerID)
	}
	sort.Strings(out)
	return out
}

func TestScopeContains(t *testing.T) {
	cases := []struct {
		have, want map[string]string
		ok         bool
	}{
		{nil, nil, true},
		{map[string]string{"webinar": "1"}, nil, true},
		{nil, map[string]string{"webinar": "1"}, false},
		{map[string]string{"webinar": "1"}, map[string]string{"webinar": "1"}, true},
		{map[string]string{"webinar": "1", "funnel": "f"}, map[string]string{"webinar": "1"}, true},
		{map[string]string{"webinar": "1"}, map[string]string{"webinar": "1", "funnel": "f"}, false},
		{map[string]string{"webinar": "2"}, map[string]string{"webinar": "1"}, false},
		{map[string]string{"Webinar": "1"}, map[string]string{"webinar": "1"}, false},
		{map[string]string{"webinar": ""}, map[string]string{"webinar": ""}, true},
	}
	for _, tc := range cases {
		if got := scopeContains(tc.have, tc.want); got != tc.ok {
			t.Errorf("scopeContains(%v, %v) = %v, want %v", tc.have, tc.want, got, tc.ok)
		}
	}
}

func TestMatchEventScopes(t *testing.T) {
	ix := build(t,
		def("scoped", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.registered", Scope: map[string]string{"webinar": "54072"}}),
		def("all", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.registered"}),
		def("most", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.registered",
			ExcludeScopes: []map[string]string{{"webinar": "99"}, {}, {"webinar": "7", "funnel": "x"}}}),
		def("deals", "deal", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.registered"}),
	)
	cases := []struct {
		scope map[string]string
		want  []string
	}{
		{map[string]string{"webinar": "54072"}, []string{"all/t", "most/t", "scoped/t"}},
		{map[string]string{"webinar": "99"}, []string{"all/t"}},
		{map[string]string{"webinar": "99", "funnel": "y"}, []string{"all/t"}},
		{map[string]string{"webinar": "7"}, []string{"all/t", "most/t"}}, // excluded only together with funnel x
		{map[string]string{"webinar": "7", "funnel": "x"}, []string{"all/t"}},
		{nil, []string{"all/t", "most/t"}}, // the empty exclusion excludes nothing
	}
	for _, tc := range cases {
		ev := Event{Type: "webinar.registered", Object: "contact", Scope: tc.scope, Env: EventEnv("webinar.registered", tc.scope, nil, now)}
		got, errs := ix.MatchEvent(ev, nil, now)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("scope %v: %v, want %v", tc.scope, ids(got), tc.want)
		}
	}
	got, _ := ix.MatchEvent(Event{Type: "webinar.registered", Object: "contact", Scope: map[string]string{"webinar": "54072"}}, nil, now)
	for _, m := range got {
		if m.WorkflowID == "scoped" {
			if m.Summary != "Event webinar.registered in webinar 54072" || m.Version != 3 || m.TriggerType != workflow.TriggerEvent {
				t.Fatalf("match %+v", m)
			}
		}
	}
	if got, _ := ix.MatchEvent(Event{Type: "other", Object: "contact"}, nil, now); len(got) != 0 {
		t.Fatalf("other event type matched %v", ids(got))
	}
}

func TestMatchEventSummaryListsScopeKeysInOrder(t *testing.T) {
	ix := build(t, def("w", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "e", Scope: map[string]string{"webinar": "1", "funnel": "f"}}))
	got, _ := ix.MatchEvent(Event{Type: "e", Object: "contact", Scope: map[string]string{"webinar": "1", "funnel": "f"}}, nil, now)
	if len(got) != 1 || got[0].Summary != "Event e in funnel f, webinar 1" {
		t.Fatalf("%+v", got)
	}
}

func TestMatchEventFilters(t *testing.T) {
	ix := build(t,
		def("watch", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "attended", Filter: rule("event.watch_pct", condition.OpGte, 50)}),
		def("hot", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "attended", Filter: rule("score", condition.OpGt, 10)}),
		def("raw", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "attended", Filter: &condition.Filter{Expr: "event.watch_pct > 10"}}),
	)
	match := func(data, record map[string]any) ([]Match, []error) {
		return ix.MatchEvent(Event{Type: "attended", Object: "contact", Env: EventEnv("attended", nil, data, now)}, record, now)
	}
	got, errs := match(map[string]any{"watch_pct": 60}, map[string]any{"score": 11})
	if len(errs) != 0 || !reflect.DeepEqual(ids(got), []string{"hot/t", "raw/t", "watch/t"}) {
		t.Fatalf("%v %v", ids(got), errs)
	}
	for _, m := range got {
		if m.WorkflowID == "watch" {
			want := map[string]any{"event.watch_pct": 60, "event.type": "attended"}
			if !reflect.DeepEqual(m.Matched, want) {
				t.Fatalf("matched %v, want %v", m.Matched, want)
			}
		}
	}
	got, errs = match(map[string]any{"watch_pct": 49}, map[string]any{"score": 10})
	if len(errs) != 0 || !reflect.DeepEqual(ids(got), []string{"raw/t"}) {
		t.Fatalf("%v %v", ids(got), errs)
	}
	// A failing filter (raw expression over a missing value) reports an error but does not
	// stop the other triggers.
	got, errs = match(nil, map[string]any{"score": 20})
	if !reflect.DeepEqual(ids(got), []string{"hot/t"}) || len(errs) != 1 || !strings.Contains(errs[0].Error(), `"raw"`) {
		t.Fatalf("%v %v", ids(got), errs)
	}
}

func TestMatchChangeStartsToMatch(t *testing.T) {
	ix := build(t,
		def("dublin", "contact", workflow.Trigger{ID: "f", Type: workflow.TriggerFilter, Filter: rule("city", condition.OpEq, "Dublin")}),
		def("ev", "contact", workflow.Trigger{ID: "e", Type: workflow.TriggerEvent, Event: "x", Filter: rule("city", condition.OpEq, "Dublin")}),
		def("deals", "deal", workflow.Trigger{ID: "f", Type: workflow.TriggerFilter, Filter: rule("city", condition.OpEq, "Dublin")}),
	)
	dublin := map[string]any{"city": "Dublin"}
	cork := map[string]any{"city": "Cork"}
	cases := []struct {
		name     string
		old, new map[string]any
		want     []string
	}{
		{"created matching (old nil)", nil, dublin, []string{"dublin/f"}},
		{"created not matching", nil, cork, []string{}},
		{"starts to match", cork, dublin, []string{"dublin/f"}},
		{"starts to match from empty", map[string]any{}, dublin, []string{"dublin/f"}},
		{"keeps matching", dublin, map[string]any{"city": "dublin", "score": 1}, []string{}},
		{"stops matching", dublin, cork, []string{}},
		{"never matches", cork, map[string]any{"city": "Galway"}, []string{}},
	}
	for _, tc := range cases {
		got, errs := ix.MatchChange("contact", tc.old, condition.Env{Record: tc.new, Now: now})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids(got), tc.want)
		}
		for _, m := range got {
			if m.TriggerType != workflow.TriggerFilter || m.Summary != "Started to meet the filter criteria" || !reflect.DeepEqual(m.Matched, map[string]any{"city": tc.new["city"]}) {
				t.Errorf("%s: match %+v", tc.name, m)
			}
		}
	}
	if got, _ := ix.MatchChange("deal", cork, condition.Env{Record: dublin, Now: now}); !reflect.DeepEqual(ids(got), []string{"deals/f"}) {
		t.Fatalf("deal: %v", ids(got))
	}
	if got, _ := ix.MatchChange("ticket", nil, condition.Env{Record: dublin, Now: now}); len(got) != 0 {
		t.Fatalf("ticket: %v", ids(got))
	}
}

func TestMatchExisting(t *testing.T) {
	ix := build(t,
		def("w", "contact",
			workflow.Trigger{ID: "plain", Type: workflow.TriggerFilter, Filter: rule("city", condition.OpEq, "Dublin")},
			workflow.Trigger{ID: "existing", Type: workflow.TriggerFilter, Filter: rule("city", condition.OpEq, "Dublin"), EnrollExisting: true}),
		def("other", "contact", workflow.Trigger{ID: "existing", Type: workflow.TriggerFilter, Filter: rule("city", condition.OpEq, "Dublin"), EnrollExisting: true}),
	)
	got, errs := ix.MatchExisting("w", condition.Env{Record: map[string]any{"city": "Dublin"}, Now: now})
	if len(errs) > 0 || !reflect.DeepEqual(ids(got), []string{"w/existing"}) {
		t.Fatalf("%v %v", ids(got), errs)
	}
	if got, _ := ix.MatchExisting("w", condition.Env{Record: map[string]any{"city": "Cork"}, Now: now}); len(got) != 0 {
		t.Fatalf("non-matching: %v", ids(got))
	}
	if got, _ := ix.MatchExisting("missing", condition.Env{Record: map[string]any{"city": "Dublin"}, Now: now}); len(got) != 0 {
		t.Fatalf("missing workflow: %v", ids(got))
	}
}

func TestMayReenroll(t *testing.T) {
	cases := []struct {
		name    string
		re      workflow.Reenroll
		trigger string
		want    bool
	}{
		{"off", workflow.Reenroll{}, "a", false},
		{"off with a list", workflow.Reenroll{Triggers: []string{"a"}}, "a", false},
		{"on, empty list", workflow.Reenroll{Enabled: true}, "a", true},
		{"on, empty list, manual", workflow.Reenroll{Enabled: true, Triggers: []string{}}, "manual", true},
		{"on, listed", workflow.Reenroll{Enabled: true, Triggers: []string{"b", "a"}}, "a", true},
		{"on, not listed", workflow.Reenroll{Enabled: true, Triggers: []string{"b"}}, "a", false},
		{"on, case matters", workflow.Reenroll{Enabled: true, Triggers: []string{"A"}}, "a", false},
	}
	for _, tc := range cases {
		if got := MayReenroll(&workflow.Definition{Reenroll: tc.re}, tc.trigger); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEventEnvReservedKeysWin(t *testing.T) {
	data := map[string]any{"type": "spoofed", "scope": "spoofed", "occurred_at": "yesterday", "watch_pct": 80}
	at := time.Date(2026, 3, 2, 10, 30, 0, 5, time.FixedZone("CET", 3600))
	env := EventEnv("webinar.attended", map[string]string{"webinar": "54072"}, data, at)
	want := map[string]any{
		"type": "webinar.attended", "scope": map[string]any{"webinar": "54072"},
		"occurred_at": "2026-03-02T09:30:00.000000005Z", "watch_pct": 80,
	}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("env %v, want %v", env, want)
	}
	if data["type"] != "spoofed" {
		t.Fatal("EventEnv modified the data map")
	}
	empty := EventEnv("x", nil, nil, now)
	if !reflect.DeepEqual(empty, map[string]any{"type": "x", "scope": map[string]any{}, "occurred_at": "2026-03-02T09:00:00Z"}) {
		t.Fatalf("empty env %v", empty)
	}
}

func TestIndexWorkflowAndNilIndex(t *testing.T) {
	ix := build(t, def("w", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "e"}))
	if w := ix.Workflow("w"); w == nil || w.Version != 3 {
		t.Fatalf("Workflow(w) = %+v", w)
	}
	if ix.Workflow("nope") != nil {
		t.Fatal("unknown workflow found")
	}
	var nilIx *Index
	if nilIx.Workflow("w") != nil {
		t.Fatal("nil index found a workflow")
	}
	if m, errs := nilIx.MatchEvent(Event{Type: "e", Object: "contact"}, nil, now); m != nil || errs != nil {
		t.Fatal("nil index matched an event")
	}
	if m, errs := nilIx.MatchChange("contact", nil, condition.Env{Record: map[string]any{}, Now: now}); m != nil || errs != nil {
		t.Fatal("nil index matched a change")
	}
}

func TestBuildRejectsABadFilter(t *testing.T) {
	_, err := Build([]*Workflow{def("w", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerFilter,
		Filter: &condition.Filter{Property: "city", Op: "bogus", Value: 1}})}, nil)
	if err == nil || !strings.Contains(err.Error(), `workflow "w" trigger "t"`) {
		t.Fatalf("err %v", err)
	}
}

func TestWebhookTriggerTakesItsEndpointsEvents(t *testing.T) {
	def := &workflow.Definition{ID: "optin", Object: "contact", Triggers: []workflow.Trigger{{ID: "form", Type: workflow.TriggerWebhook, Hook: "ep_1"}}}
	ix, err := Build([]*Workflow{{ID: "optin", Version: 1, Def: def}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	scenarios := []struct {
		name  string
		scope map[string]string
		want  int
	}{
		{"its endpoint, any event type", map[string]string{"hook": "ep_1"}, 1},
		{"another endpoint", map[string]string{"hook": "ep_2"}, 0},
		{"not from a webhook", nil, 0},
	}
	for _, sc := range scenarios {
		got, errs := ix.MatchEvent(Event{Type: "contact.optin.completed", Object: "contact", Scope: sc.scope}, map[string]any{}, now)
		if len(errs) > 0 || len(got) != sc.want {
			t.Fatalf("%s: %d matches (%v), want %d", sc.name, len(got), errs, sc.want)
		}
		if sc.want == 1 && (got[0].TriggerType != workflow.TriggerWebhook || got[0].Summary != "Webhook ep_1 delivered contact.optin.completed") {
			t.Fatalf("%s: match %+v", sc.name, got[0])
		}
	}
}
