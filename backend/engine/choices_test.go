package engine

import "testing"

// TestBuiltinChoiceWritesAreChecked: on a fresh database the seeded built-in choice properties
// (a ticket's priority and status) take their standard options, in any case, and refuse any
// other value naming the field and the allowed values; nothing is written.
func TestBuiltinChoiceWritesAreChecked(t *testing.T) {
	h := newHarness(t)
	before := h.rows()
	ok := RecordRef{Type: "ticket", Properties: map[string]any{"priority": "URGENT", "status": "waiting_on_us"}}
	if err := h.eng.CheckRecordValues("record", ok); err != nil {
		t.Fatalf("standard options refused: %v", err)
	}
	bad := RecordRef{Type: "ticket", Properties: map[string]any{"priority": "P9"}}
	wantField(t, h.eng.CheckRecordValues("record", bad), "record.properties.priority", `"P9" is not one of the allowed values`, "low, medium, high, urgent")
	if after := h.rows(); after != before {
		t.Fatalf("a check wrote %+v -> %+v", before, after)
	}
}
