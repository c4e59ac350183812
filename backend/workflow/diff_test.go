package workflow

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCompareStepsTriggersAndSettings(t *testing.T) {
	old := mustParse(t, `{"id": "w", "name": "W", "object": "contact",
		"triggers": [{"type": "event", "event": "signed.up"}],
		"start": "a", "steps": [
			{"id": "a", "type": "set_property", "property": "stage", "value": "new", "next": "wait"},
			{"id": "wait", "type": "delay", "duration": "1d", "next": "gone"},
			{"id": "gone", "type": "add_to_list", "name": "Add to list", "list": "l"}]}`)
	cur := mustParse(t, `{"id": "w", "name": "W2", "object": "contact",
		"triggers": [{"type": "event", "event": "signed.up.v2"}, {"type": "filter", "filter": {"all": [{"property": "stage", "op": "eq", "value": "x"}]}}],
		"start": "a", "steps": [
			{"id": "a", "type": "set_property", "property": "stage", "value": "new", "next": "wait"},
			{"id": "wait", "type": "delay", "duration": "2d", "next": "fresh"},
			{"id": "fresh", "type": "add_to_list", "name": "Welcome list", "list": "m"}]}`)
	d := Compare(old, cur)
	want := []StepChange{
		{ID: "wait", Type: "delay", Change: ChangeChanged, Fields: []string{"duration", "next"}},
		{ID: "fresh", Type: "add_to_list", Name: "Welcome list", Change: ChangeAdded},
		{ID: "gone", Type: "add_to_list", Name: "Add to list", Change: ChangeRemoved},
	}
	if !reflect.DeepEqual(d.Steps, want) {
		t.Errorf("steps %+v, want %+v", d.Steps, want)
	}
	wantTriggers := []TriggerChange{
		{Index: 0, Type: "event", Change: ChangeChanged, Fields: []string{"event"}},
		{Index: 1, Type: "filter", Change: ChangeAdded},
	}
	if !reflect.DeepEqual(d.Triggers, wantTriggers) {
		t.Errorf("triggers %+v, want %+v", d.Triggers, wantTriggers)
	}
	if !reflect.DeepEqual(d.Settings, []string{"name"}) {
		t.Errorf("settings %v, want [name]", d.Settings)
	}
	const summary = "Added 1 step: Welcome list; changed 1 step: delay; removed 1 step: Add to list; triggers changed; settings changed (name)"
	if d.Summary != summary {
		t.Errorf("summary %q,\nwant    %q", d.Summary, summary)
	}
	if d.Empty() {
		t.Error("a diff with changes says it is empty")
	}
}

func TestCompareSameAndFirst(t *testing.T) {
	a := mustParse(t, minimal)
	if d := Compare(a, mustParse(t, minimal)); !d.Empty() || d.Summary != "No changes" {
		t.Errorf("same definitions: %+v", d)
	}
	// the lists are empty, never null, for the UI
	if b, _ := json.Marshal(Compare(a, mustParse(t, minimal))); string(b) != `{"steps":[],"triggers":[],"settings":[],"summary":"No changes"}` {
		t.Errorf("no change as JSON: %s", b)
	}
	d := Compare(nil, a)
	if d.Summary != "First version: 0 triggers, 1 step" || len(d.Steps) != 1 || d.Steps[0].Change != ChangeAdded {
		t.Errorf("first version: %+v", d)
	}
}

func TestCompareManyStepsNamesThreeAndCounts(t *testing.T) {
	old := mustParse(t, minimal)
	cur := mustParse(t, `{"id": "w", "name": "W", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []},
	 "start": "a", "steps": [{"id": "a", "type": "add_to_list", "list": "l"}, {"id": "b", "type": "add_to_list", "list": "l"},
	 {"id": "c", "type": "add_to_list", "list": "l"}, {"id": "d", "type": "add_to_list", "list": "l"}, {"id": "e", "type": "add_to_list", "list": "l"}]}`)
	if got := Compare(old, cur).Summary; got != "Added 4 steps: add to list ×4" {
		t.Errorf("summary %q", got)
	}
	for i, n := range []string{"Welcome", "Nurture", "Sales", ""} {
		cur.Steps[i+1].Name = n
	}
	if got := Compare(old, cur).Summary; got != "Added 4 steps: Welcome, Nurture, Sales and 1 more" {
		t.Errorf("summary %q", got)
	}
}

// A trigger whose id was renamed is one change (its fields include "id", with the old id), so
// what else changed in it is still said; a trigger replaced by one of another type is not.
func TestCompareRenamedTrigger(t *testing.T) {
	old := mustParse(t, `{"id": "w", "name": "W", "object": "contact",
		"triggers": [{"id": "signup", "type": "event", "event": "signed.up"}, {"id": "paid", "type": "event", "event": "order.paid"}, {"id": "vip", "type": "event", "event": "vip"}],
		"start": "a", "steps": [{"id": "a", "type": "set_property", "property": "stage", "value": "new"}]}`)
	cur := mustParse(t, `{"id": "w", "name": "W", "object": "contact",
		"triggers": [{"id": "signed-up", "type": "event", "event": "signed.up.v2"}, {"id": "paid", "type": "event", "event": "order.paid"}, {"id": "stage", "type": "filter", "filter": {"all": [{"property": "stage", "op": "eq", "value": "x"}]}}],
		"start": "a", "steps": [{"id": "a", "type": "set_property", "property": "stage", "value": "new"}]}`)
	want := []TriggerChange{
		{Index: 0, Type: "event", Change: ChangeChanged, Fields: []string{"event", "id"}, From: "signup"},
		{Index: 2, Type: "filter", Change: ChangeAdded},
		{Index: 2, Type: "event", Change: ChangeRemoved},
	}
	if got := Compare(old, cur).Triggers; !reflect.DeepEqual(got, want) {
		t.Errorf("triggers %+v,\nwant     %+v", got, want)
	}
}
