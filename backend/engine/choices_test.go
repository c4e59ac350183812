package engine

import (
	"strings"
	"testing"
)

// TestBuiltinChoiceWritesAreChecked: on a fresh database the built-in choice properties (all
// seeded: a ticket's priority and status, a contact's lifecycle stage and lead status, a deal's
// stage, a company's industry) take their standard options, in any case, and refuse any other
// value naming the field and the allowed values; nothing is written.
func TestBuiltinChoiceWritesAreChecked(t *testing.T) {
	h := newHarness(t)
	before := h.rows()
	ok := RecordRef{Type: "ticket", Properties: map[string]any{"priority": "URGENT", "status": "waiting_on_us"}}
	if err := h.eng.CheckRecordValues("record", ok); err != nil {
		t.Fatalf("standard options refused: %v", err)
	}
	bad := RecordRef{Type: "ticket", Properties: map[string]any{"priority": "P9"}}
	wantField(t, h.eng.CheckRecordValues("record", bad), "record.properties.priority", `"P9" is not one of the allowed values`, "low, medium, high, urgent")
	for _, c := range []struct {
		typ, name, good, bad, allowed string
	}{
		{"contact", "lifecycle", "Customer", "vip", "subscriber, lead, mql, sql, opportunity, customer"},
		{"contact", "lead_status", "in_progress", "done", "new, open, in_progress"},
		{"deal", "stage", "closedwon", "won", "appointmentscheduled, qualifiedtobuy"},
		{"company", "industry", "computer_software", "software", "accounting, airlines_aviation"},
	} {
		if err := h.eng.CheckRecordValues("record", RecordRef{Type: c.typ, Properties: map[string]any{c.name: c.good}}); err != nil {
			t.Fatalf("%s.%s = %q (a standard option) refused: %v", c.typ, c.name, c.good, err)
		}
		wantField(t, h.eng.CheckRecordValues("record", RecordRef{Type: c.typ, Properties: map[string]any{c.name: c.bad}}),
			"record.properties."+c.name, `"`+c.bad+`" is not one of the allowed values`, c.allowed)
	}
	if after := h.rows(); after != before {
		t.Fatalf("a check wrote %+v -> %+v", before, after)
	}
}

// TestStepValueOutsideTheOptionsIsAProblem: a set_property step giving a built-in choice
// property a value outside its options ("P9" for a ticket's priority) is a problem on the
// step's value naming the property and the options to use, as is a value branch that could
// never match; a standard option in another case is not. Switching the workflow on is refused
// and runs nothing.
func TestStepValueOutsideTheOptionsIsAProblem(t *testing.T) {
	h := newHarness(t)
	def := flow("p9",
		M{"id": "mark", "type": "set_property", "property": "priority", "value": "P9", "next": "ok"},
		M{"id": "ok", "type": "set_property", "property": "status", "value": "Closed", "next": "route"},
		M{"id": "route", "type": "branch", "property": "status", "branches": []M{{"name": "Done", "value": "done", "next": ""}}})
	def["object"] = "ticket"
	res, err := h.eng.Workflows().Validate(h.ctx, mustJSON(t, def))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range res {
		got[p.Step+"/"+p.Field] += p.Message
	}
	for key, want := range map[string]string{
		"mark/value":              `uses "P9" for "priority", which is not one of its options. Use one of low, medium, high, urgent.`,
		"route/branches[0].value": `uses "done" for "status", which is not one of its options. Use one of new, waiting_on_contact,`,
	} {
		if !strings.Contains(got[key], want) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", key, got[key], want, got)
		}
	}
	if got["ok/value"] != "" {
		t.Errorf("a standard option in another case: %q, want no problem", got["ok/value"])
	}

	// Saved as a draft, it cannot be switched on, and nothing runs.
	w, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, def))
	if err != nil {
		t.Fatal(err)
	}
	before := h.rows()
	if _, err := h.eng.Workflows().Enable(h.ctx, w.ID); err == nil || !strings.Contains(err.Error(), `"P9"`) {
		t.Fatalf("enable with a value outside the options: %v, want it refused naming the value", err)
	}
	if after := h.rows(); after != before {
		t.Fatalf("a refused enable wrote %+v -> %+v", before, after)
	}
}
