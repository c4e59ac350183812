package engine

import (
	"reflect"
	"slices"
	"testing"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// softwareCompany is the rule "the associated company's industry is computer software".
var softwareCompany = condition.Filter{Property: "company.industry", Op: "eq", Value: "computer_software"}

// companyWorld seeds ann, linked to Acme (software), bob, linked to Bolt (retail), and cy,
// linked to no company.
func (h *harness) companyWorld() (ann, bob, cy, acme, bolt *store.Record) {
	h.t.Helper()
	for _, e := range []string{"ann@example.com", "bob@example.com", "cy@example.com"} {
		h.event("seed", e, nil, nil, nil)
	}
	ann, bob, cy = h.record("ann@example.com"), h.record("bob@example.com"), h.record("cy@example.com")
	acme = h.company(M{"name": "Acme", "industry": "computer_software"})
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
		M{"id": "wait", "type": "delay", "event": M{"type": "demo.booked", "filter": M{"property": "company.industry", "op": "eq", "value": "computer_software"}}, "next": "thanks"},
		M{"id": "thanks", "type": "set_property", "property": "lead_status", "value": "connected"}))
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
	h.patch(bolt.ID, M{"industry": "computer_software"})
	if res := h.event("demo.booked", "bob@example.com", nil, nil, nil); !reflect.DeepEqual(res.Resumed, []int64{b}) {
		t.Fatalf("bob's event after the change resumed %v, want [%d]", res.Resumed, b)
	}
	h.run()
	h.wantTrail(a, "enrolled", "wait:waiting", "wait:resumed", "thanks:ok", "completed")
	h.wantStatus(b, store.StatusCompleted)
	h.wantStatus(c, store.StatusWaiting)
}

// TestBulkEnrollAndDryRunByAssociatedProperty: "company.industry is software" selects the
// contacts of software companies in the preview, the bulk job and the dry run.
func TestBulkEnrollAndDryRunByAssociatedProperty(t *testing.T) {
	h := newHarness(t)
	ann, bob, _, _, _ := h.companyWorld()
	h.deployM(manualFlow("w"))
	sel := Selection{Filter: &condition.Filter{All: []condition.Filter{softwareCompany}}}
	p, err := h.eng.PreviewEnroll(h.ctx, "w", sel)
	if err != nil {
		t.Fatal(err)
	}
	if p.Matched != 1 || p.Enrollable != 1 {
		t.Fatalf("preview %+v, want ann alone", p)
	}
	def, err := workflow.Parse(mustJSON(t, manualFlow("w")))
	if err != nil {
		t.Fatal(err)
	}
	cands, more, err := h.eng.DryRunCandidates(h.ctx, "w", def, sel, 10)
	if err != nil || more || len(cands) != 1 || cands[0].Record.ID != ann.ID || cands[0].Code != "" {
		t.Fatalf("dry run %+v more %v err %v, want ann alone", cands, more, err)
	}
	job, err := h.eng.StartEnroll(h.ctx, "w", sel)
	if err != nil {
		t.Fatal(err)
	}
	h.restart() // the new engine compiles the stored selection again
	for {
		ok, err := h.eng.RunEnrollBatch(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if j := h.job(job.ID); j.Status != store.EnrollJobDone || j.Matched != 1 || j.Enrolled != 1 {
		t.Fatalf("job %+v", j)
	}
	if got := h.enrollmentsByRecord("w"); !reflect.DeepEqual(got, map[int64]int{ann.ID: 1}) {
		t.Fatalf("enrolled %v, want ann (%d) alone", got, ann.ID)
	}
	// Combined with a rule on the contact's own properties and a retail company.
	retail := Selection{Filter: &condition.Filter{All: []condition.Filter{
		{Property: "company.industry", Op: "eq", Value: "retail"}, {Property: "email", Op: "contains", Value: "bob"}}}}
	cands, _, err = h.eng.DryRunCandidates(h.ctx, "w", def, retail, 10)
	if err != nil || len(cands) != 1 || cands[0].Record.ID != bob.ID {
		t.Fatalf("retail dry run %+v err %v, want bob alone", cands, err)
	}
}

// TestAssociatedPropertyBadInputNamesTheField: an associated property nobody has, in a bulk
// enrollment, a dry run or an active list, is a problem at its field path, and nothing is
// written.
func TestAssociatedPropertyBadInputNamesTheField(t *testing.T) {
	h := newHarness(t)
	h.companyWorld()
	h.deployM(manualFlow("w"))
	before := h.counts()
	typo := &condition.Filter{All: []condition.Filter{{Property: "email", Op: "is_known"}, {Property: "company.industri", Op: "eq", Value: "computer_software"}}}
	_, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: typo})
	wantField(t, err, "filter.all[1].property", `no company has a property "industri"`, `"company.industri"`)
	_, err = h.eng.PreviewEnroll(h.ctx, "w", Selection{Filter: typo})
	wantField(t, err, "filter.all[1].property", `"industri"`)
	def, err := workflow.Parse(mustJSON(t, manualFlow("w")))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = h.eng.DryRunCandidates(h.ctx, "w", def, Selection{Filter: typo}, 10)
	wantField(t, err, "filter.all[1].property", `"industri"`)
	// A type the contact is not associated with reads the contact's own properties.
	_, err = h.eng.StartEnroll(h.ctx, "w", Selection{Filter: &condition.Filter{Property: "planet.size", Op: "eq", Value: "big"}})
	wantField(t, err, "filter.property", `no contact has a property "planet.size"`)
	// An active list says so too.
	_, err = h.eng.CreateList(h.ctx, ListInput{ID: "sw", Name: "Software", Filter: &condition.Filter{Any: []condition.Filter{{Property: "company.industri", Op: "eq", Value: "computer_software"}}}})
	wantField(t, err, "filter.any[0].property", `no company has a property "industri"`)
	if after := h.counts(); after != before {
		t.Fatalf("bad input changed rows: %+v -> %+v", before, after)
	}
	if ls, _ := h.db.Lists(h.ctx); len(ls) != 0 {
		t.Fatalf("bad input stored lists %+v", ls)
	}
	if jobs, _ := h.db.EnrollJobs(h.ctx, store.EnrollJobQuery{}); len(jobs) != 0 {
		t.Fatalf("bad input stored jobs %+v", jobs)
	}
}

// TestActiveListReadsTheAssociatedCompany: an active list "company.industry is software" is
// filled with the contacts of software companies, and follows the company side: a company's
// industry changes, a link is made or removed, and its contacts join or leave the list in that
// write, running the list's triggers.
func TestActiveListReadsTheAssociatedCompany(t *testing.T) {
	h := newHarness(t)
	ann, bob, cy, acme, bolt := h.companyWorld()
	l, err := h.eng.CreateList(h.ctx, ListInput{ID: "software", Name: "Software contacts", Filter: &softwareCompany})
	if err != nil {
		t.Fatal(err)
	}
	if l.Members != 1 || !reflect.DeepEqual(h.members("software"), []int64{ann.ID}) {
		t.Fatalf("filled list %+v members %v, want ann (%d)", l, h.members("software"), ann.ID)
	}
	h.deployM(listFlow("joined", "software", "join"))
	h.deployM(listFlow("left", "software", "leave"))
	recordsOf := func(wf string) []int64 {
		t.Helper()
		var ids []int64
		for _, id := range h.enrollmentsOf(wf) {
			ids = append(ids, h.enrollment(id).RecordID)
		}
		return ids
	}
	// Bolt becomes a software company: bob joins, and the list trigger enrolls him.
	enrolled := h.patch(bolt.ID, M{"industry": "computer_software"})
	if got := h.members("software"); !slices.Contains(got, bob.ID) || len(got) != 2 {
		t.Fatalf("after Bolt went software: members %v", got)
	}
	if got := recordsOf("joined"); !reflect.DeepEqual(got, []int64{bob.ID}) || !reflect.DeepEqual(enrolled, h.enrollmentsOf("joined")) {
		t.Fatalf("joined enrolled %v (the patch said %v), want bob", got, enrolled)
	}
	// Acme leaves software: ann leaves the list.
	h.patch(acme.ID, M{"industry": "retail"})
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{bob.ID}) {
		t.Fatalf("after Acme went retail: members %v", got)
	}
	if got := recordsOf("left"); !reflect.DeepEqual(got, []int64{ann.ID}) {
		t.Fatalf("left enrolled %v, want ann", got)
	}
	// A link: cy is linked to Bolt and joins; unlinked, she leaves.
	h.link(bolt.ID, cy.ID)
	if got := h.members("software"); !slices.Contains(got, cy.ID) {
		t.Fatalf("after linking cy to Bolt: members %v", got)
	}
	if _, err := h.eng.Dissociate(h.ctx, cy.ID, bolt.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{bob.ID}) {
		t.Fatalf("after unlinking cy: members %v", got)
	}
	if got := recordsOf("joined"); !reflect.DeepEqual(got, []int64{bob.ID, cy.ID}) {
		t.Fatalf("joined enrolled %v, want bob then cy", got)
	}
	if got := recordsOf("left"); !reflect.DeepEqual(got, []int64{ann.ID, cy.ID}) {
		t.Fatalf("left enrolled %v, want ann then cy", got)
	}
	// A company change that does not touch the filter's outcome changes nothing.
	h.patch(bolt.ID, M{"name": "Bolt Ltd"})
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{bob.ID}) {
		t.Fatalf("after renaming Bolt: members %v", got)
	}
	// After a restart the lists are loaded from the store and still follow the company side.
	h.restart()
	h.patch(acme.ID, M{"industry": "computer_software"})
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{ann.ID, bob.ID}) {
		t.Fatalf("after the restart and Acme back in software: members %v", got)
	}
}

// TestWhyNotReadsTheAssociatedCompany: "why is this record not enrolled?" reads the associated
// company as enrollment does: a filter trigger on company.industry fails for the contact of a
// retail company with the value it read, holds for the contact of a software company, and a
// goal on company.plan that the company meets is a blocker.
func TestWhyNotReadsTheAssociatedCompany(t *testing.T) {
	h := newHarness(t)
	ann, bob, _, acme, _ := h.companyWorld()
	h.patch(acme.ID, M{"plan": "enterprise"})
	def := flow("tech", M{"id": "wait", "type": "delay", "duration": "1d"})
	def["triggers"] = []M{{"id": "sw", "type": "filter", "filter": M{"all": []M{{"property": "company.industry", "op": "eq", "value": "computer_software"}}}}}
	def["goal"] = M{"property": "company.plan", "op": "eq", "value": "enterprise"}
	h.deployM(def)
	why, err := h.eng.WhyNot(h.ctx, "tech", bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(why.Triggers) != 1 || why.Triggers[0].Matched || len(why.Triggers[0].Conditions) == 0 {
		t.Fatalf("bob: %+v", why.Triggers)
	}
	var read any
	for _, c := range why.Triggers[0].Conditions {
		if c.Rule.Property == "company.industry" {
			read = c.Read["company.industry"]
		}
	}
	if read != "retail" || len(why.Blockers) != 0 {
		t.Fatalf("bob: the rule read %v (want retail), blockers %+v", read, why.Blockers)
	}
	why, err = h.eng.WhyNot(h.ctx, "tech", ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(why.Triggers) != 1 || !why.Triggers[0].Matched {
		t.Fatalf("ann, of a software company: %+v", why.Triggers)
	}
	if len(why.Blockers) != 1 || why.Blockers[0].Code != SkipGoalMet {
		t.Fatalf("ann's company is on the enterprise plan: blockers %+v", why.Blockers)
	}
}

// TestCreateRecordLinkUpdatesActiveLists: a create_record step's new company is linked to the
// contact in the pass's transaction, and that link is a change like any other: the contact joins
// the active list that reads company.industry (and a property an earlier step of the pass set),
// and the list's trigger enrolls it.
func TestCreateRecordLinkUpdatesActiveLists(t *testing.T) {
	h := newHarness(t)
	// The list reads the contact's city too, which the step before the create_record sets: the
	// re-check reads the contact as the pass has left it.
	corkSoftware := &condition.Filter{All: []condition.Filter{softwareCompany, {Property: "city", Op: "eq", Value: "Cork"}}}
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "software", Name: "Software contacts in Cork", Filter: corkSoftware}); err != nil {
		t.Fatal(err)
	}
	h.deployM(listFlow("joined", "software", "join"))
	h.deployM(flow("found",
		M{"id": "city", "type": "set_property", "property": "city", "value": "Cork", "next": "make"},
		M{"id": "make", "type": "create_record", "record_type": "company", "properties": M{"name": "Dana Soft", "industry": "computer_software"}}))
	en := h.start("found", "dana@example.com", nil)
	h.run()
	h.wantStatus(en, store.StatusCompleted)
	dana := h.record("dana@example.com")
	if got := h.members("software"); !reflect.DeepEqual(got, []int64{dana.ID}) {
		t.Fatalf("members %v, want dana (%d)", got, dana.ID)
	}
	joined := h.enrollmentsOf("joined")
	if len(joined) != 1 || h.enrollment(joined[0]).RecordID != dana.ID {
		t.Fatalf("joined enrollments %v", joined)
	}
	if d := h.entry(en, "make", store.HistOK); d["associated"] != true || len(d["enrolled"].([]any)) != 1 {
		t.Fatalf("create_record history %v", d)
	}
}
