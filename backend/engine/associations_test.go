package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

func TestCreateRecordAssociatesAndStepsReachAssociatedRecords(t *testing.T) {
	h := newHarness(t)
	// A company workflow that enrolls software companies: changes made through a contact's
	// association go through the same triggers as any change.
	h.deployM(M{"id": "software", "name": "Software", "object": "company",
		"triggers": []M{{"id": "sw", "type": "filter", "filter": M{"property": "industry", "op": "eq", "value": "computer_software"}}},
		"reenroll": M{"enabled": false, "triggers": []string{}}, "start": "note",
		"steps": []M{{"id": "note", "type": "set_property", "property": "segment", "value": "tech"}}})
	h.deployM(flow("assoc",
		M{"id": "make", "type": "create_record", "record_type": "company", "properties": M{"name": "{{contact.company}}"}, "next": "deal"},
		M{"id": "deal", "type": "create_record", "record_type": "deal", "properties": M{"name": "First deal", "amount": 100}, "next": "industry"},
		M{"id": "industry", "type": "set_property", "target": "associated:company", "property": "industry", "value": "computer_software", "next": "copy"},
		M{"id": "copy", "type": "copy_property", "target": "associated:deal", "from": "city", "to": "region", "next": "route"},
		M{"id": "route", "type": "branch", "branches": []M{{"name": "Tech", "filter": M{"property": "company.industry", "op": "eq", "value": "computer_software"}, "next": "tag"}}, "else": "clear"},
		M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open_deal", "next": "clear"},
		M{"id": "clear", "type": "clear_property", "target": "associated:deal", "property": "amount"},
	))
	id := h.start("assoc", "ann@example.com", M{"company": "Acme", "city": "Cork"})
	h.run()
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "make:ok", "deal:ok", "industry:ok", "copy:ok", "route:ok", "tag:ok", "clear:ok", "completed")
	ann := h.record("ann@example.com")
	companies, err := h.db.AssociatedRecords(h.ctx, ann.ID, "company")
	if err != nil || len(companies) != 1 {
		t.Fatalf("associated companies %v err %v", companies, err)
	}
	acme := companies[0]
	if acme.Properties["name"] != "Acme" || acme.Properties["industry"] != "computer_software" {
		t.Fatalf("the company %v", acme.Properties)
	}
	deals, _ := h.db.AssociatedRecords(h.ctx, ann.ID, "deal")
	if len(deals) != 1 || deals[0].Properties["region"] != "Cork" || deals[0].Properties["amount"] != nil {
		t.Fatalf("the deal %v", deals)
	}
	if d := h.entry(id, "make", store.HistOK); d["associated"] != true {
		t.Fatalf("create_record history %v", d)
	}
	if d := h.entry(id, "route", store.HistOK); d["branch"] != "Tech" || d["values"].(map[string]any)["company.industry"] != "computer_software" {
		t.Fatalf("branch history %v", d)
	}
	if d := h.entry(id, "industry", store.HistOK); d["target"] != "associated:company" || len(d["records"].([]any)) != 1 {
		t.Fatalf("set_property history %v", d)
	}
	if p := h.props("ann@example.com"); p["lead_status"] != "open_deal" || p["industry"] != nil {
		t.Fatalf("the contact %v (the company's value must not land on the contact)", p)
	}
	// The company workflow saw the change.
	ens := h.enrollments("software")
	if len(ens) != 1 || ens[0].RecordID != acme.ID {
		t.Fatalf("software enrollments %+v", ens)
	}
}

func TestAssociatedTargetsReachEveryAssociatedRecordAndSkipWithoutAny(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("all",
		M{"id": "mark", "type": "set_property", "target": "associated:company", "property": "industry", "value": "retail", "next": "check"},
		M{"id": "check", "type": "branch", "branches": []M{{"name": "Retail", "filter": M{"property": "company.industry", "op": "eq", "value": "retail"}, "next": "yes"}}, "else": "no"},
		M{"id": "yes", "type": "add_to_list", "list": "retail"},
		M{"id": "no", "type": "add_to_list", "list": "other"},
	))
	// Bob has two companies; Cy has none.
	h.event("seed", "bob@example.com", nil, nil, nil)
	bob := h.record("bob@example.com")
	var companies []*store.Record
	for _, name := range []string{"One", "Two"} {
		if err := h.db.Write(h.ctx, func(tx store.Tx) error {
			ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": name}, h.clock.Now())
			if err != nil {
				return err
			}
			companies = append(companies, ch.Record)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.eng.Associate(h.ctx, bob.ID, companies[len(companies)-1].ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := h.start("all", "bob@example.com", nil)
	c := h.start("all", "cy@example.com", nil)
	h.run()
	for _, co := range companies {
		rec, _ := h.db.Record(h.ctx, co.ID)
		if rec.Properties["industry"] != "retail" {
			t.Fatalf("company %s: %v", co.Properties["name"], rec.Properties)
		}
	}
	h.wantTrail(b, "enrolled", "mark:ok", "check:ok", "yes:ok", "completed")
	h.wantTrail(c, "enrolled", "mark:skipped", "check:ok", "no:ok", "completed")
	if d := h.entry(c, "mark", store.HistSkipped); !strings.Contains(d["reason"].(string), "no associated company") {
		t.Fatalf("skip reason %v", d)
	}
	// A pair of types with no association defined is refused, naming the field.
	if err := h.db.Write(h.ctx, func(tx store.Tx) error { return tx.AddObjectType("invoice", h.clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	h.restart() // the engine reads the new object type
	var inv *store.Record
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("invoice", 0, "", map[string]any{"name": "INV-1"}, h.clock.Now())
		inv = ch.Record
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, _, err := h.eng.Associate(h.ctx, bob.ID, inv.ID, "")
	var in *problem.Error
	if !errors.As(err, &in) || in.FirstField() != "record_id" || !strings.Contains(in.Error(), "no association is defined") {
		t.Fatalf("associate a contact with an invoice: %v", err)
	}
}

func TestValidationOfAssociatedTargetsAndFilters(t *testing.T) {
	h := newHarness(t)
	def := flow("bad",
		M{"id": "a", "type": "set_property", "target": "company", "property": "industry", "value": "x", "next": "b"},
		M{"id": "b", "type": "set_property", "target": "associated:planet", "property": "industry", "value": "x", "next": "c"},
		M{"id": "c", "type": "set_property", "target": "associated:company", "property": "employees", "value": "many", "next": "d"},
		M{"id": "d", "type": "branch", "branches": []M{{"name": "Big", "filter": M{"property": "company.employees", "op": "contains", "value": "x"}, "next": ""}}},
	)
	def["triggers"] = []M{{"id": "co", "type": "filter", "filter": M{"property": "company.industry", "op": "eq", "value": "computer_software"}}}
	res, err := h.eng.Workflows().Validate(h.ctx, mustJSON(t, def))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range res {
		got[p.Step+"/"+p.Field] += p.Message
	}
	for key, want := range map[string]string{
		"a/target":             `write "associated:company"`,
		"b/target":             "no association is defined between contact and planet",
		"c/value":              `"employees", which holds a number`,
		"d/branches[0].filter": `"company.employees" is a number`,
	} {
		if !strings.Contains(got[key], want) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", key, got[key], want, got)
		}
	}
	if got["/filter"] != "" {
		t.Errorf("a trigger reading company.industry: %q, want no problem", got["/filter"])
	}
}

// company creates a company record with props.
func (h *harness) company(props M) *store.Record {
	h.t.Helper()
	var rec *store.Record
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", props, h.clock.Now())
		if ch != nil {
			rec = ch.Record
		}
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return rec
}

// TestAssociatedPropertiesInTriggersGoalsAndUnenrollment: a contact workflow whose trigger,
// goal and unenrollment read the associated company's properties. Changing the company's
// properties, and linking or unlinking it, re-checks its contacts in the same transaction.
func TestAssociatedPropertiesInTriggersGoalsAndUnenrollment(t *testing.T) {
	h := newHarness(t)
	h.deployM(M{"id": "tech", "name": "Tech", "object": "contact",
		"triggers": []M{{"id": "sw", "type": "filter", "filter": M{"property": "company.industry", "op": "eq", "value": "computer_software"}}},
		"goal":     M{"property": "company.plan", "op": "eq", "value": "enterprise"},
		"unenroll": M{"when_criteria_no_longer_met": true},
		"reenroll": M{"enabled": false, "triggers": []string{}}, "start": "wait",
		"steps": []M{{"id": "wait", "type": "delay", "duration": "3d", "next": "tag"}, {"id": "tag", "type": "set_property", "property": "tech", "value": true}}})
	for _, e := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		h.event("seed", e, nil, nil, nil)
	}
	ann, bob, cy := h.record("ann@example.com"), h.record("bob@example.com"), h.record("cy@example.com")
	acme := h.company(M{"name": "Acme", "industry": "retail"})
	beta := h.company(M{"name": "Beta", "industry": "computer_software"})
	link := func(a, b int64) {
		t.Helper()
		if _, _, err := h.eng.Associate(h.ctx, a, b, ""); err != nil {
			t.Fatal(err)
		}
	}
	enrollmentOf := func(rec *store.Record) *store.Enrollment {
		t.Helper()
		for _, en := range h.enrollments("tech") {
			if en.RecordID == rec.ID {
				return en
			}
		}
		return nil
	}
	link(ann.ID, acme.ID)
	if len(h.enrollments("tech")) != 0 {
		t.Fatal("a contact of a retail company enrolled")
	}
	// The company changes: its contact starts to meet the trigger.
	if _, _, err := h.eng.PatchRecord(h.ctx, acme.ID, M{"industry": "computer_software"}); err != nil {
		t.Fatal(err)
	}
	a := enrollmentOf(ann)
	if a == nil {
		t.Fatal("ann did not enroll when her company became a software company")
	}
	if r := h.reason(a.ID); r.Matched["company.industry"] != "computer_software" {
		t.Fatalf("reason %+v", r)
	}
	// A link: bob is linked to a software company and enrolls; cy to Beta, too.
	link(acme.ID, bob.ID)
	link(cy.ID, beta.ID)
	b, c := enrollmentOf(bob), enrollmentOf(cy)
	if b == nil || c == nil {
		t.Fatalf("linking to a software company: bob %v, cy %v", b, c)
	}
	h.run()
	h.wantStatus(a.ID, store.StatusWaiting)
	// The goal: Acme goes enterprise mid-delay; ann and bob reach the goal with the value.
	if _, _, err := h.eng.PatchRecord(h.ctx, acme.ID, M{"plan": "enterprise"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		h.wantStatus(id, store.StatusGoalReached)
		if d := h.entry(id, "", store.HistGoalReached); d["values"].(map[string]any)["company.plan"] != "enterprise" {
			t.Fatalf("goal history %v", d)
		}
	}
	// Unenrollment: Beta stops being a software company; cy no longer meets the criteria.
	if _, _, err := h.eng.PatchRecord(h.ctx, beta.ID, M{"industry": "retail"}); err != nil {
		t.Fatal(err)
	}
	h.wantStatus(c.ID, store.StatusUnenrolled)
	if d := h.entry(c.ID, "", store.HistUnenrolled); !strings.Contains(d["reason"].(string), "no longer meets the enrollment criteria") {
		t.Fatalf("unenroll history %v", d)
	}
	h.advance(4 * 24 * time.Hour)
	for _, e := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		if h.props(e)["tech"] != nil {
			t.Fatalf("%s ran the rest of the workflow after leaving: %v", e, h.props(e))
		}
	}
}

// TestUnlinkingReChecksTheContact: removing the link to the company a contact's goal reads is
// a change of what the rules see, as a property change is.
func TestUnlinkingReChecksTheContact(t *testing.T) {
	h := newHarness(t)
	def := flow("keep", M{"id": "wait", "type": "delay", "duration": "3d"})
	def["unenroll"] = M{"filter": M{"property": "company.name", "op": "is_unknown"}}
	h.deployM(def)
	h.event("seed", "ann@example.com", nil, nil, nil)
	ann := h.record("ann@example.com")
	acme := h.company(M{"name": "Acme"})
	if _, _, err := h.eng.Associate(h.ctx, ann.ID, acme.ID, "Primary"); err != nil {
		t.Fatal(err)
	}
	id := h.start("keep", "ann@example.com", nil)
	h.run()
	h.wantStatus(id, store.StatusWaiting)
	if _, err := h.eng.Dissociate(h.ctx, ann.ID, acme.ID, nil); err != nil {
		t.Fatal(err)
	}
	h.wantStatus(id, store.StatusUnenrolled)
}
