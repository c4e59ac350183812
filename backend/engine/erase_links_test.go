package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
)

// TestErasingACompanyReChecksItsContacts: erasing a company takes it away from its contacts
// as unlinking it would, in the erasure's transaction: a contact leaves the active list whose
// filter reads the company (and the list's leave trigger enrolls her), her enrollment that a
// company.industry filter trigger made is unenrolled as no longer meeting the criteria, and a
// goal on company.* is reached. Nothing of the contact herself is erased, and a contact of
// another company is untouched.
func TestErasingACompanyReChecksItsContacts(t *testing.T) {
	h := newHarness(t)
	tech := flow("tech", M{"id": "wait", "type": "delay", "duration": "3d", "next": "tag"}, M{"id": "tag", "type": "set_property", "property": "tech", "value": true})
	tech["triggers"] = []M{{"id": "sw", "type": "filter", "filter": M{"property": "company.industry", "op": "eq", "value": "computer_software"}}}
	tech["unenroll"] = M{"when_criteria_no_longer_met": true}
	h.deployM(tech)
	orphan := flow("orphan", M{"id": "wait", "type": "delay", "duration": "3d"})
	orphan["goal"] = M{"property": "company.name", "op": "is_unknown"}
	h.deployM(orphan)
	ann, _, _, acme, _ := h.companyWorld()
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "software", Name: "Software contacts", Filter: &softwareCompany}); err != nil {
		t.Fatal(err)
	}
	h.deployM(listFlow("left", "software", "leave"))
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{ann.ID}) {
		t.Fatalf("members %v, want ann (%d)", got, ann.ID)
	}
	ens := h.enrollments("tech")
	if len(ens) != 1 || ens[0].RecordID != ann.ID {
		t.Fatalf("tech enrollments %+v, want ann's (linking her to a software company)", ens)
	}
	techAnn := ens[0].ID
	orphanAnn := h.start("orphan", "ann@example.com", nil)
	orphanBob := h.start("orphan", "bob@example.com", nil)
	h.run()
	for _, id := range []int64{techAnn, orphanAnn, orphanBob} {
		h.wantStatus(id, store.StatusWaiting)
	}
	annBefore, err := h.db.Record(h.ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}

	out, err := h.eng.EraseRecord(h.ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Associated) != 1 || out.Associated[0].RecordID != ann.ID {
		t.Fatalf("erasure's associated %+v, want ann", out.Associated)
	}
	// In the erasure's transaction: no job has run since.
	if got := h.members("software"); len(got) != 0 {
		t.Fatalf("after erasing Acme the list holds %v, want nobody", got)
	}
	if left := h.enrollments("left"); len(left) != 1 || left[0].RecordID != ann.ID {
		t.Fatalf("the list's leave trigger enrolled %+v, want ann", left)
	}
	h.wantStatus(techAnn, store.StatusUnenrolled)
	if d := h.entry(techAnn, "", store.HistUnenrolled); !strings.Contains(d["reason"].(string), "no longer meets the enrollment criteria") {
		t.Fatalf("unenroll history %v", d)
	}
	h.wantStatus(orphanAnn, store.StatusGoalReached)
	h.wantStatus(orphanBob, store.StatusWaiting)

	// The contact is as she was: her email, her properties, her record.
	annAfter, err := h.db.Record(h.ctx, ann.ID)
	if err != nil {
		t.Fatalf("ann after erasing her company: %v", err)
	}
	if annAfter.Email != annBefore.Email || !reflect.DeepEqual(annAfter.Properties, annBefore.Properties) {
		t.Fatalf("ann changed: %+v, was %+v", annAfter, annBefore)
	}
	if _, erased, err := h.db.ErasedAt(h.ctx, ann.ID); err != nil || erased {
		t.Fatalf("ann erased %v, %v", erased, err)
	}
	if _, erased, err := h.db.ErasedAt(h.ctx, acme.ID); err != nil || !erased {
		t.Fatalf("Acme erased %v, %v", erased, err)
	}
	h.advance(4 * 24 * time.Hour)
	if h.props("ann@example.com")["tech"] != nil {
		t.Fatalf("ann ran the rest of tech after leaving: %v", h.props("ann@example.com"))
	}

	// Erasing it again is refused and changes nothing.
	before := h.counts()
	if _, err := h.eng.EraseRecord(h.ctx, acme.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erasing Acme twice: %v, want not found", err)
	}
	if _, err := h.eng.EraseRecord(h.ctx, 99999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erasing a record that does not exist: %v, want not found", err)
	}
	if after := h.counts(); after != before {
		t.Fatalf("a refused erasure changed the counts: %+v, was %+v", after, before)
	}
}

// TestErasingAContactReChecksItsCompany: the other direction, with the contact linked under
// two labels: a company list that reads its contacts' lifecycle loses the company when its only
// customer contact is erased, and the company itself stays as it was.
func TestErasingAContactReChecksItsCompany(t *testing.T) {
	h := newHarness(t)
	h.event("seed", "ann@example.com", nil, nil, M{"lifecycle": "customer"})
	ann := h.record("ann@example.com")
	acme := h.company(M{"name": "Acme"})
	for _, label := range []string{"", "Billing"} {
		if _, _, err := h.eng.Associate(h.ctx, acme.ID, ann.ID, label); err != nil {
			t.Fatal(err)
		}
	}
	customers := condition.Filter{Property: "contact.lifecycle", Op: "eq", Value: "customer"}
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "paying", Name: "Paying companies", Object: "company", Filter: &customers}); err != nil {
		t.Fatal(err)
	}
	if got := h.members("paying"); !reflect.DeepEqual(got, []int64{acme.ID}) {
		t.Fatalf("members %v, want Acme (%d)", got, acme.ID)
	}
	if _, err := h.eng.EraseRecord(h.ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if got := h.members("paying"); len(got) != 0 {
		t.Fatalf("after erasing ann the list holds %v, want nobody", got)
	}
	after, err := h.db.Record(h.ctx, acme.ID)
	if err != nil || after.Properties["name"] != "Acme" {
		t.Fatalf("Acme after erasing its contact: %+v, %v", after, err)
	}
}
