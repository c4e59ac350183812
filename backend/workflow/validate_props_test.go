package workflow

import (
	"strings"
	"testing"
)

func TestValidatePropertyReferences(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact",
		"triggers": [{"id": "f", "type": "filter", "filter": {"all": [{"property": "ctiy", "op": "eq", "value": "Utrecht"}, {"property": "zodiac", "op": "eq", "value": "leo"}, {"property": "city", "op": "before", "value": "2026-01-01"}]}}],
		"reenroll": {"enabled": false, "triggers": []}, "start": "a", "steps": [
		{"id": "a", "type": "copy_property", "from": "tags", "to": ["city"], "next": "b"},
		{"id": "b", "type": "branch", "branches": [{"name": "Tried", "filter": {"property": "tries", "op": "gt", "value": 2}, "next": "c"}]},
		{"id": "c", "type": "increment_property", "property": "tries", "by": 1}]}`)
	ps := Validate(d, testOptions())
	want := map[string]string{
		"filter.all[0]": `did you mean "city"?`,
		"filter.all[1]": `"zodiac", which is not a contact property, so it never matches`,
		"filter.all[2]": `operator "before" does not apply`,
		"to":            `which holds a list of values, into "city", which holds text`,
	}
	for _, p := range ps {
		if w, ok := want[p.Field]; ok && strings.Contains(p.Message, w) {
			delete(want, p.Field)
		}
		if strings.Contains(p.Message, "tries") {
			t.Errorf("a property the workflow writes itself is a problem: %v", p)
		}
	}
	if len(want) > 0 {
		t.Fatalf("missing problems %v in %+v", want, ps)
	}
}

// A raw expression naming an undeclared property is the same problem as a rule that does, with
// the same "did you mean"; event fields, declared properties and properties the workflow writes
// itself are not.
func TestValidateRawExpressionPropertyReferences(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact",
		"triggers": [{"id": "f", "type": "filter", "filter": {"expr": "record.ctiy == \"Utrecht\" && record.city != \"\""}}],
		"reenroll": {"enabled": false, "triggers": []}, "start": "b", "steps": [
		{"id": "b", "type": "branch", "branches": [
			{"name": "Odd", "expr": "record.zodiac == \"leo\" || event.zodiac == \"leo\" || record.tries > 2", "next": "c"},
			{"name": "Nested", "filter": {"any": [{"expr": "record[\"scroe\"] > 10"}]}, "next": "c"}]},
		{"id": "c", "type": "increment_property", "property": "tries", "by": 1}]}`)
	ps := Validate(d, testOptions())
	want := map[string]string{
		"filter":                    `the expression reads "ctiy", which is not a contact property; did you mean "city"?`,
		"branches[0].expr":          `the expression reads "zodiac", which is not a contact property, so it never matches`,
		"branches[1].filter.any[0]": `the expression reads "scroe"`,
	}
	for _, p := range ps {
		if w, ok := want[p.Field]; ok && strings.Contains(p.Message, w) {
			delete(want, p.Field)
			continue
		}
		for _, fine := range []string{`"city"`, `"tries"`, `event.zodiac`} {
			if strings.Contains(p.Message, "reads "+fine) {
				t.Errorf("a problem about a property that is fine: %v", p)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("missing problems %v in %+v", want, ps)
	}
}

// A rule on an associated record's property ("deal.amount") is not an undeclared property of
// the record, whichever associated type it names, so a contact without a property named after
// the type may read it; a prefix that is not an associated type still is a problem.
func TestValidateAssociatedPropertyIsNotUndeclared(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact", "triggers": [],
		"reenroll": {"enabled": false, "triggers": []}, "start": "b", "steps": [
		{"id": "b", "type": "branch", "branches": [
			{"name": "Big", "filter": {"property": "deal.amount", "op": "gt", "value": 100}, "next": "c"},
			{"name": "Typo", "filter": {"property": "dael.amount", "op": "gt", "value": 100}, "next": "c"}]},
		{"id": "c", "type": "increment_property", "property": "tries", "by": 1}]}`)
	opts := testOptions()
	opts.Associations = func(object string) []string {
		if object == "contact" {
			return []string{"company", "deal"}
		}
		return nil
	}
	var typo bool
	for _, p := range Validate(d, opts) {
		switch {
		case strings.Contains(p.Message, `"deal"`):
			t.Errorf("a rule on the associated deal's amount is a problem: %v", p)
		case p.Field == "branches[1].filter" && strings.Contains(p.Message, `reads "dael"`):
			typo = true
		}
	}
	if !typo {
		t.Fatalf("no problem for the rule on \"dael.amount\" in %+v", Validate(d, opts))
	}
}

// A step that writes a property one edit away from a declared one warns with "did you mean":
// writing declares a new property, so the typo would pass silently. A new name near nothing,
// a declared name and a write to associated records say nothing.
func TestValidateWriteToNearMissProperty(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact", "triggers": [],
		"reenroll": {"enabled": false, "triggers": []}, "start": "a", "steps": [
		{"id": "a", "type": "set_property", "property": "ctiy", "value": "Utrecht", "next": "b"},
		{"id": "b", "type": "copy_property", "from": "city", "to": ["scroe"], "next": "c"},
		{"id": "c", "type": "clear_property", "property": "record.ctiy", "next": "d"},
		{"id": "d", "type": "set_property", "property": "nurture_stage", "value": "warm", "next": "e"},
		{"id": "e", "type": "set_property", "property": "city", "value": "Delft"}]}`)
	ps := Validate(d, testOptions())
	want := map[string]string{
		"a/property": `Step "a" sets "ctiy", which is not a contact property; did you mean "city"? As it is, its first run adds "ctiy" as a new property.`,
		"b/to":       `did you mean "score"?`,
		"c/property": `Step "c" clears "ctiy"`,
	}
	for _, p := range ps {
		key := p.Step + "/" + p.Field
		if w, ok := want[key]; ok && strings.Contains(p.Message, w) {
			if p.Severity != SeverityWarning {
				t.Errorf("%s is an error, want a warning: it only may be a typo", key)
			}
			delete(want, key)
			continue
		}
		if p.Step == "d" || p.Step == "e" {
			t.Errorf("a problem about a write that is fine: %+v", p)
		}
	}
	if len(want) > 0 {
		t.Fatalf("missing warnings %v in %+v", want, ps)
	}
}
