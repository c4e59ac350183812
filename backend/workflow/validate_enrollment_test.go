package workflow

import (
	"strings"
	"testing"
)

// enrollmentDefinition is a valid contact workflow with extra top-level fields and steps.
func enrollmentDefinition(t *testing.T, extra, steps string) *Definition {
	t.Helper()
	if extra != "" {
		extra += ","
	}
	raw := `{"id": "nurture", "name": "Nurture", "object": "contact", ` + extra + `
		"triggers": [{"id": "t1", "type": "filter", "filter": {"property": "lifecycle", "op": "eq", "value": "lead"}}],
		"reenroll": {"enabled": false, "triggers": []}, "start": "s1", "steps": [` + steps + `]}`
	d, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidateGoalUnenrollSplitAndBudgets(t *testing.T) {
	const okStep = `{"id": "s1", "type": "set_property", "property": "city", "value": "Utrecht"}`
	split := func(paths string) string {
		return `{"id": "s1", "type": "split", "paths": [` + paths + `]}, {"id": "a", "type": "set_property", "property": "city", "value": "A"}, {"id": "b", "type": "set_property", "property": "city", "value": "B"}`
	}
	cases := []struct {
		name, extra, steps string
		field              string // "" means valid
		contains           []string
	}{
		{name: "a goal on a declared property", extra: `"goal": {"property": "lifecycle", "op": "eq", "value": "customer"}`, steps: okStep},
		{name: "a goal naming an unknown property", extra: `"goal": {"property": "lifecyle", "op": "eq", "value": "customer"}`, steps: okStep,
			field: "goal", contains: []string{"The goal", `"lifecyle"`, `did you mean "lifecycle"`}},
		{name: "a goal rule inside a group", extra: `"goal": {"all": [{"property": "age", "op": "gt", "value": 3}, {"property": "nope", "op": "is_known"}]}`, steps: okStep,
			field: "goal.all[1]", contains: []string{`"nope"`}},
		{name: "a goal reading the event", extra: `"goal": {"property": "event.watch_pct", "op": "gt", "value": 50}`, steps: okStep,
			field: "goal", contains: []string{"event.watch_pct"}},
		{name: "an empty goal", extra: `"goal": {}`, steps: okStep, field: "goal", contains: []string{"no rules"}},
		{name: "an unenroll filter naming an unknown property", extra: `"unenroll": {"filter": {"property": "unsubscribed_at", "op": "is_known"}}`, steps: okStep,
			field: "unenroll.filter", contains: []string{"The unenrollment filter", `"unsubscribed_at"`}},
		{name: "unenroll rules that are fine", extra: `"unenroll": {"when_criteria_no_longer_met": true, "filter": {"property": "subscribed", "op": "eq", "value": false}, "on_enroll_remove_from": ["sales-handoff"]}`, steps: okStep},
		{name: "remove from a workflow that does not exist", extra: `"unenroll": {"on_enroll_remove_from": ["sales-handof"]}`, steps: okStep,
			field: "unenroll.on_enroll_remove_from[0]", contains: []string{`"sales-handof"`, "does not exist"}},
		{name: "remove from itself", extra: `"unenroll": {"on_enroll_remove_from": ["nurture"]}`, steps: okStep,
			field: "unenroll.on_enroll_remove_from[0]", contains: []string{"this same workflow"}},
		{name: "max_steps over the cap", extra: `"max_steps": 4611686018427387904`, steps: okStep,
			field: "max_steps", contains: []string{"4611686018427387904", "10000"}},
		{name: "max_steps at the cap", extra: `"max_steps": 10000`, steps: okStep},
		{name: "a split of 50/50", steps: split(`{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 50, "next": "b"}`)},
		{name: "a split not adding up to 100", steps: split(`{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 40, "next": "b"}`),
			field: "paths", contains: []string{"90%", "add up to 100"}},
		{name: "a split with one path", steps: `{"id": "s1", "type": "split", "paths": [{"name": "A", "percent": 100, "next": "a"}]}, {"id": "a", "type": "set_property", "property": "city", "value": "A"}`,
			field: "paths", contains: []string{"only one path"}},
		{name: "a split path to nowhere", steps: split(`{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 50, "next": "c"}`) + `,{"id": "x", "type": "goto", "target": "b"}`,
			field: "", contains: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := Errors(Validate(enrollmentDefinition(t, c.extra, c.steps), testOptions()))
			if c.name == "a split path to nowhere" {
				found := false
				for _, p := range ps {
					found = found || (p.Step == "s1" && p.Field == "paths[1].next" && strings.Contains(p.Message, `"c"`))
				}
				if !found {
					t.Fatalf("want a problem on paths[1].next, got %+v", ps)
				}
				return
			}
			if c.field == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problems, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("want one problem on %s, got %+v", c.field, ps)
			}
			if ps[0].Field != c.field {
				t.Errorf("problem on %q, want %q: %s", ps[0].Field, c.field, ps[0].Message)
			}
			for _, s := range c.contains {
				if !strings.Contains(ps[0].Message, s) {
					t.Errorf("message %q does not contain %q", ps[0].Message, s)
				}
			}
		})
	}
}

func TestValidateDelayInsideALoop(t *testing.T) {
	loop := func(wait string) string {
		return `{"id": "s1", "type": "set_property", "property": "city", "value": "x", "next": "wait"},
			{"id": "wait", "type": "delay", ` + wait + `, "next": "again"},
			{"id": "again", "type": "goto", "target": "s1"}`
	}
	for _, c := range []struct {
		wait, field string
	}{
		{`"duration": "1ns"`, "duration"},
		{`"duration": "30s"`, "duration"},
		{`"duration": "1m"`, ""},
		{`"event": {"type": "webinar.viewer", "timeout": "10s"}`, "event.timeout"},
	} {
		t.Run(c.wait, func(t *testing.T) {
			ps := Errors(Validate(enrollmentDefinition(t, "", loop(c.wait)), testOptions()))
			if c.field == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problems, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Step != "wait" || ps[0].Field != c.field || !strings.Contains(ps[0].Message, "at least 1 minute") {
				t.Fatalf("want one problem on wait.%s saying at least 1 minute, got %+v", c.field, ps)
			}
		})
	}
	// The same short delay outside a loop is fine.
	ps := Errors(Validate(enrollmentDefinition(t, "", `{"id": "s1", "type": "delay", "duration": "30s"}`), testOptions()))
	if len(ps) != 0 {
		t.Fatalf("a short delay outside a loop: %+v", ps)
	}
}

func TestValidateEnrollCycle(t *testing.T) {
	other := func(id string, reenroll bool, target string) *Definition {
		d := &Definition{ID: id, Object: "contact", Reenroll: Reenroll{Enabled: reenroll}}
		if target != "" {
			d.Steps = []Step{{ID: "in", Type: StepEnroll, Workflow: target}}
		}
		return d
	}
	for _, c := range []struct {
		name     string
		self     bool // this workflow's re-enrollment
		others   map[string]*Definition
		wantStep bool
		contains []string
	}{
		{name: "a enrolls in b, b in a, both re-enroll", self: true,
			others: map[string]*Definition{"sales-handoff": other("sales-handoff", true, "nurture")}, wantStep: true,
			contains: []string{`nurture → sales-handoff → nurture`, `"nurture", "sales-handoff"`}},
		{name: "a enrolls in b, b in a, only b re-enrolls",
			others: map[string]*Definition{"sales-handoff": other("sales-handoff", true, "nurture")}, wantStep: true,
			contains: []string{`"sales-handoff"`}},
		{name: "a cycle through three workflows", self: true,
			others: map[string]*Definition{"sales-handoff": other("sales-handoff", false, "c"), "c": other("c", false, "nurture")}, wantStep: true,
			contains: []string{`nurture → sales-handoff → c → nurture`}},
		{name: "a cycle with re-enrollment off everywhere",
			others: map[string]*Definition{"sales-handoff": other("sales-handoff", false, "nurture")}},
		{name: "no cycle", self: true, others: map[string]*Definition{"sales-handoff": other("sales-handoff", true, "")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := enrollmentDefinition(t, "", `{"id": "s1", "type": "enroll", "workflow": "sales-handoff"}`)
			d.Reenroll.Enabled = c.self
			o := testOptions()
			o.Workflow = func(id string) (string, bool) { return "contact", c.others[id] != nil }
			o.Definition = func(id string) *Definition { return c.others[id] }
			ps := Errors(Validate(d, o))
			if !c.wantStep {
				if len(ps) != 0 {
					t.Fatalf("want no problems, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Step != "s1" || ps[0].Field != "workflow" {
				t.Fatalf("want one problem on s1.workflow, got %+v", ps)
			}
			for _, s := range c.contains {
				if !strings.Contains(ps[0].Message, s) {
					t.Errorf("message %q does not contain %q", ps[0].Message, s)
				}
			}
		})
	}
}

func TestStepBudgetIsCapped(t *testing.T) {
	for _, c := range []struct{ set, want int }{{0, DefaultMaxSteps}, {-3, DefaultMaxSteps}, {50, 50}, {MaxStepsCap + 1, MaxStepsCap}} {
		if got := (&Definition{MaxSteps: c.set}).StepBudget(); got != c.want {
			t.Errorf("max_steps %d: budget %d, want %d", c.set, got, c.want)
		}
	}
}

// A split inserted above steps leaves its other paths empty: said as a warning naming the path
// and its share, never an error (an empty path may be a control group on purpose).
func TestValidateSplitEmptyPathIsAWarning(t *testing.T) {
	steps := `{"id": "s1", "type": "split", "paths": [{"name": "A", "percent": 60, "next": "a"}, {"name": "B", "percent": 40}]}, {"id": "a", "type": "set_property", "property": "city", "value": "A"}`
	ps := Validate(enrollmentDefinition(t, "", steps), testOptions())
	if errs := Errors(ps); len(errs) != 0 {
		t.Fatalf("an empty path is no error: %+v", errs)
	}
	var found []Problem
	for _, p := range ps {
		if p.Severity == SeverityWarning && p.Step == "s1" {
			found = append(found, p)
		}
	}
	if len(found) != 1 || found[0].Field != "paths[1].next" || !strings.Contains(found[0].Message, `path "B" has no steps`) || !strings.Contains(found[0].Message, "40%") {
		t.Fatalf("want one warning on paths[1].next naming path B and 40%%, got %+v", found)
	}
}
