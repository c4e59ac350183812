package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// TestOnePathReading proves that the four readers of a dotted path agree: a filter
// (condition), the values a trigger snapshots, a template token and a step's typed value
// (renderValue, and copy_property through Env.Value). A property literally named "a.b" reads
// the same everywhere, and wins over the nested reading.
func TestOnePathReading(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	record := map[string]any{
		"city":       "Dublin",
		"utm.source": "flat",
		"utm":        map[string]any{"source": "nested", "medium": "mail"},
		"deep":       map[string]any{"x.y": "inner-flat", "x": map[string]any{"y": "inner-nested"}},
	}
	event := trigger.EventEnv("signup", map[string]string{"webinar": "54072"}, map[string]any{
		"a.b":  "flat-event",
		"a":    map[string]any{"b": "nested-event", "c": "only-nested"},
		"list": []any{"x"},
	}, now)
	cases := []struct {
		ref  string // as a filter names it
		want any
	}{
		{"city", "Dublin"},
		{"record.city", "Dublin"},
		{"utm.source", "flat"},
		{"record.utm.source", "flat"},
		{"utm.medium", "mail"},
		{"deep.x.y", "inner-flat"},
		{"utm.missing", nil},
		{"city.more", nil},
		{"event.a.b", "flat-event"},
		{"event.a.c", "only-nested"},
		{"event.scope.webinar", "54072"},
		{"event.type", "signup"},
		{"event.list.0", nil},
		{"event.none", nil},
	}
	for _, tc := range cases {
		t.Run(tc.ref, func(t *testing.T) {
			env := condition.Env{Record: record, Event: event, Now: now}

			// 1. conditions: is_known matches exactly when the value is there, eq on its text.
			op := condition.OpIsUnknown
			if tc.want != nil {
				op = condition.OpIsKnown
			}
			f := condition.Filter{Property: tc.ref, Op: op}
			prog, err := condition.Compile(f, condition.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := prog.Match(env); err != nil || !ok {
				t.Errorf("filter %s %s: %v, %v", tc.ref, op, ok, err)
			}
			if tc.want != nil {
				eq, err := condition.Compile(condition.Filter{Property: tc.ref, Op: condition.OpEq, Value: tc.want}, condition.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := eq.Match(env); err != nil || !ok {
					t.Errorf("filter %s eq %v: %v, %v", tc.ref, tc.want, ok, err)
				}
			}

			// 2. triggers: the values the filter read, as stored with the enrollment.
			d := &workflow.Definition{ID: "w", Name: "w", Object: "contact", Start: "s",
				Triggers: []workflow.Trigger{{ID: "t", Type: workflow.TriggerEvent, Event: "signup", Filter: &f}},
				Steps:    []workflow.Step{{ID: "s", Type: workflow.StepAddToList, List: "l"}}}
			d.Normalize()
			ix, err := trigger.Build([]*trigger.Workflow{{ID: "w", Version: 1, Def: d}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ms, errs := ix.MatchEvent(trigger.Event{Type: "signup", Object: "contact", Env: event}, record, now)
			if len(errs) > 0 || len(ms) != 1 {
				t.Fatalf("trigger: %v, %v", ms, errs)
			}
			key := strings.TrimPrefix(tc.ref, "record.")
			if got, ok := ms[0].Matched[key]; !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("trigger snapshot[%s] = %#v (%v), want %#v", key, got, ok, tc.want)
			}

			// 3. templates: {{contact.x}} for record paths, {{event.x}} for event paths.
			tokRef := "contact." + key
			if strings.HasPrefix(tc.ref, "event.") {
				tokRef = tc.ref
			}
			tpl, err := template.Parse("{{" + tokRef + "}}")
			if err != nil {
				t.Fatal(err)
			}
			text, _ := tc.want.(string)
			if got := tpl.Render(template.Data{Record: record, Event: event}); got != text {
				t.Errorf("template %s = %q, want %q", tokRef, got, text)
			}

			// 4. steps: a value that is one token keeps the value; copy_property reads Env.Value.
			p := &plan{props: record, event: event, now: now}
			if got := p.renderValue("{{" + tokRef + "}}"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("renderValue %s = %#v, want %#v", tokRef, got, tc.want)
			}
			if got := p.env().Value(tc.ref); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("copy_property from %s = %#v, want %#v", tc.ref, got, tc.want)
			}
		})
	}
}
