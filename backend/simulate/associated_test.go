package simulate_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// company makes a company record in the real installation and links it to contact id.
func (in *install) company(id int64, label string, props M) *store.Record {
	in.t.Helper()
	return in.linked(id, "company", label, props)
}

// linked makes a record of type typ in the real installation and links it to record id.
func (in *install) linked(id int64, typ, label string, props M) *store.Record {
	in.t.Helper()
	var rec *store.Record
	if err := in.db.Write(in.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord(typ, 0, "", props, in.clock.Now())
		if ch != nil {
			rec = ch.Record
		}
		return err
	}); err != nil {
		in.t.Fatal(err)
	}
	if _, _, err := in.eng.Associate(in.ctx, id, rec.ID, label); err != nil {
		in.t.Fatal(err)
	}
	return rec
}

// contact makes a contact in the real installation.
func (in *install) contact(email string, props M) int64 {
	in.t.Helper()
	res, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "contact.imported", Record: engine.RecordRef{Type: "contact", Email: email, Properties: props}})
	if err != nil {
		in.t.Fatal(err)
	}
	return res.RecordID
}

// companyFlow branches on the associated company's industry, marks the company on the
// software path and notes the path on the contact.
func companyFlow() M {
	return flow("by-company", []M{},
		M{"id": "route", "type": "branch", "branches": []M{{"name": "Software", "filter": M{"property": "company.industry", "op": "eq", "value": "software"}, "next": "mark"}}, "else": "other"},
		M{"id": "mark", "type": "set_property", "target": "associated:company", "property": "segment", "value": "tech", "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "path", "value": "software"},
		M{"id": "other", "type": "set_property", "property": "path", "value": "other"})
}

// TestSimulationReadsAndWritesCopiesOfAssociatedRecords: a real contact's company is copied
// into the simulation with its link, so a branch on company.industry takes the path it takes
// live, and a set_property on associated:company changes the copy, never the real company. A
// dry run over two contacts of two companies does the same for each.
func TestSimulationReadsAndWritesCopiesOfAssociatedRecords(t *testing.T) {
	in := newInstall(t)
	ann := in.contact("ann@example.com", M{"first_name": "Ann"})
	bob := in.contact("bob@example.com", M{"first_name": "Bob"})
	acme := in.company(ann, "Primary", M{"name": "Acme", "industry": "software"})
	in.company(bob, "", M{"name": "Bolt", "industry": "retail"})
	def := companyFlow()
	if _, err := in.eng.Workflows().Create(in.ctx, raw(t, def)); err != nil {
		t.Fatal(err)
	}
	before := in.counts()

	res, err := in.sim.Run(in.ctx, simulate.Request{Workflow: "by-company", RecordID: ann, Start: in.clock.Now().Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "completed" || res.RecordAfter["path"] != "software" {
		t.Fatalf("simulation %v, record after %v", timeline(res), res.RecordAfter)
	}
	simulated := timeline(res)
	if len(res.AssociatedAfter) != 1 || res.AssociatedAfter[0].RecordID != acme.ID || res.AssociatedAfter[0].Type != "company" ||
		res.AssociatedAfter[0].Properties["segment"] != "tech" || res.AssociatedAfter[0].Properties["name"] != "Acme" {
		t.Fatalf("associated after %+v, want Acme (%d) marked tech", res.AssociatedAfter, acme.ID)
	}
	for _, e := range res.Timeline {
		if e.Step != "mark" {
			continue
		}
		var d struct{ Records []int64 }
		if err := json.Unmarshal(e.Detail, &d); err != nil || !reflect.DeepEqual(d.Records, []int64{acme.ID}) {
			t.Fatalf("mark's detail %s names %v (%v), want the real company %d", e.Detail, d.Records, err, acme.ID)
		}
	}
	real, err := in.db.Record(in.ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if real.Properties["segment"] != nil || !reflect.DeepEqual(real.Properties, acme.Properties) {
		t.Fatalf("the simulation changed the real company: %v, was %v", real.Properties, acme.Properties)
	}
	if after := in.counts(); after != before {
		t.Fatalf("the real database changed: rows (events, jobs, records, enrollments, outbox) %v before, %v after", before, after)
	}
	if links, err := in.db.Associations(in.ctx, ann, ""); err != nil || len(links) != 1 || links[0].Label != "Primary" {
		t.Fatalf("ann's links after the simulation: %+v, %v", links, err)
	}

	// A dry run over both: each takes its own company's path, and the real companies stay.
	runs := simulate.NewDryRuns(in.sim)
	st, err := runs.Start(in.ctx, "by-company", simulate.DryRunRequest{Filter: &condition.Filter{}})
	if err != nil {
		t.Fatal(err)
	}
	if st, err = runs.Wait(in.ctx, st.ID); err != nil || st.Status != "done" {
		t.Fatalf("dry run %+v, %v", st, err)
	}
	if st.Steps["mark"] == nil || st.Steps["mark"].Reached != 1 || st.Steps["other"] == nil || st.Steps["other"].Reached != 1 {
		t.Fatalf("dry run steps %+v, want one record on each path", st.Steps)
	}
	for _, kind := range []struct{ key string }{{"step:mark"}, {"step:other"}} {
		ids, _, err := runs.Records(st.ID, kind.key, 0, 10)
		want := []int64{ann}
		if kind.key == "step:other" {
			want = []int64{bob}
		}
		if err != nil || !reflect.DeepEqual(ids, want) {
			t.Fatalf("%s: records %v (%v), want %v", kind.key, ids, err, want)
		}
	}
	if real, _ := in.db.Record(in.ctx, acme.ID); real.Properties["segment"] != nil {
		t.Fatalf("the dry run changed the real company: %v", real.Properties)
	}

	// Live, the same record takes the same path, and the real company is changed.
	if _, err := in.eng.Workflows().Enable(in.ctx, "by-company"); err != nil {
		t.Fatal(err)
	}
	en, err := in.eng.EnrollManually(in.ctx, "by-company", ann)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n > 0; {
		if n, err = in.eng.RunDue(in.ctx); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := in.db.History(in.ctx, en.ID)
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, h := range hist {
		live = append(live, line(h.At.Sub(res.Start), h.StepID, h.Outcome))
	}
	if !reflect.DeepEqual(live, simulated) {
		t.Fatalf("live %q, simulated %q", live, simulated)
	}
	if real, _ := in.db.Record(in.ctx, acme.ID); real.Properties["segment"] != "tech" {
		t.Fatalf("live, the company was not marked: %v", real.Properties)
	}
}

// TestSimulationOfATypedInRecordHasNoAssociatedRecords: a record typed into the Test panel has
// no links, so the branch on company.industry takes else, as it would for a contact without a
// company.
func TestSimulationOfATypedInRecordHasNoAssociatedRecords(t *testing.T) {
	in := newInstall(t)
	ann := in.contact("ann@example.com", nil)
	in.company(ann, "", M{"name": "Acme", "industry": "software"})
	res := in.simulate(companyFlow(), scenario{props: M{"email": "cy@example.com"}}, "1d")
	if res.Outcome != "completed" || res.RecordAfter["path"] != "other" || len(res.AssociatedAfter) != 0 {
		t.Fatalf("simulation %v, record after %v, associated after %v", timeline(res), res.RecordAfter, res.AssociatedAfter)
	}
}

// TestSimulationCopiesCustomObjectTypesAndTheirLinks: an installation's own record type, the
// association it may have with contacts and its properties are copied into the scratch
// installation, so a workflow that branches on a linked record of that type simulates as it
// runs live.
func TestSimulationCopiesCustomObjectTypesAndTheirLinks(t *testing.T) {
	in := newInstall(t)
	if _, err := in.eng.CreateObject(in.ctx, store.ObjectType{Name: "project", Label: "Project"}); err != nil {
		t.Fatal(err)
	}
	if err := in.eng.AddAssociationType(in.ctx, "contact", "project"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.CreateProperty(in.ctx, store.Property{Object: "project", Name: "stage", Type: "string", Label: "Stage"}); err != nil {
		t.Fatal(err)
	}
	ann := in.contact("ann@example.com", nil)
	in.linked(ann, "project", "", M{"name": "Apollo", "stage": "live"})
	def := flow("by-project", []M{},
		M{"id": "route", "type": "branch", "branches": []M{{"name": "Live", "filter": M{"property": "project.stage", "op": "eq", "value": "live"}, "next": "tag"}}, "else": "other"},
		M{"id": "tag", "type": "set_property", "property": "path", "value": "live"},
		M{"id": "other", "type": "set_property", "property": "path", "value": "other"})
	if _, err := in.eng.Workflows().Create(in.ctx, raw(t, def)); err != nil {
		t.Fatal(err)
	}
	res, err := in.sim.Run(in.ctx, simulate.Request{Workflow: "by-project", RecordID: ann})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "completed" || res.RecordAfter["path"] != "live" {
		t.Fatalf("simulation %v, record after %v", timeline(res), res.RecordAfter)
	}
}
