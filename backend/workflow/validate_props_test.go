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
