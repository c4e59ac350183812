package engine

import (
	"reflect"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

// companyWorld seeds ann, linked to Acme (software), bob, linked to Bolt (retail), and cy,
// linked to no company.
func (h *harness) companyWorld() (ann, bob, cy, acme, bolt *store.Record) {
	h.t.Helper()
	for _, e := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		h.event("seed", e, nil, nil, nil)
	}
	ann, bob, cy = h.record("ann@example.com"), h.record("bob@example.com"), h.record("cy@example.com")
	acme = h.company(M{"name": "Acme", "industry": "software"})
	bolt = h.company(M{"name": "Bolt", "industry": "retail"})
	h.link(ann.ID, acme.ID)
	h.link(bob.ID, bolt.ID)
	return ann, bob, cy, acme, bolt
}

func (h *harness) link(a, b int64) {
	h.t.Helper()
	if _, _, err := h.eng.Associate(h.ctx, a, b, ""); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) patch(id int64, props M) []int64 {
	h.t.Helper()
	_, enrolled, err := h.eng.PatchRecord(h.ctx, id, props)
	if err != nil {
		h.t.Fatal(err)
	}
	return enrolled
}

// TestWaitForEventFilterReadsTheAssociatedCompany: a "delay until event" filter on
// company.industry wakes the contact of a software company, and not the others, reading the
// company as it is when the event comes.
func TestWaitForEventFilterReadsTheAssociatedCompany(t *testing.T) {
	h := newHarness(t)
	ann, bob, _, _, bolt := h.companyWorld()
	h.deployM(flow("demo",
		M{"id": "wait", "type": "delay", "event": M{"type": "demo.booked", "filter": M{"property": "company.industry", "op": "eq", "value": "software"}}, "next": "thanks"},
		M{"id": "thanks", "type": "set_property", "property": "lead_status", "value": "demo"}))
	a := h.start("demo", ann.Properties["email"].(string), nil)
	b := h.start("demo", bob.Properties["email"].(string), nil)
	c := h.start("demo", "cy@example.com", nil)
	h.run()
	for _, id := range []int64{a, b, c} {
		h.wantStatus(id, store.StatusWaiting)
	}
	if res := h.event("demo.booked", "ann@example.com", nil, nil, nil); !reflect.DeepEqual(res.Resumed, []int64{a}) {
		t.Fatalf("ann's event resumed %v, want [%d]", res.Resumed, a)
	}
	for _, e := range []string{"bob@example.com", "cy@example.com"} {
		if res := h.event("demo.booked", e, nil, nil, nil); len(res.Resumed) != 0 {
			t.Fatalf("%s (no software company) resumed %v", e, res.Resumed)
		}
	}
	// Bolt becomes a software company: bob's next event meets the filter.
	h.patch(bolt.ID, M{"industry": "software"})
	if res := h.event("demo.booked", "bob@example.com", nil, nil, nil); !reflect.DeepEqual(res.Resumed, []int64{b}) {
		t.Fatalf("bob's event after the change resumed %v, want [%d]", res.Resumed, b)
	}
	h.run()
	h.wantTrail(a, "enrolled", "wait:waiting", "wait:resumed", "thanks:ok", "completed")
	h.wantStatus(b, store.StatusCompleted)
	h.wantStatus(c, store.StatusWaiting)
}

