package api_test

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestListsOverHTTP walks the list routes as the Lists screen uses them: create a static list,
// add members, search them, read the counts over time, make an active list, see a record's
// lists, remove a member, delete. Every refusal leaves the row counts (lists and members
// included) as they were.
func TestListsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := map[string]int64{}
	for _, c := range []struct{ email, city string }{{"ann@example.com", "Dublin"}, {"bob@example.com", "Cork"}, {"cat@example.com", "Dublin"}} {
		res := e.ingest(fmt.Sprintf(`{"type": "form.submitted", "record": {"email": %q, "properties": {"city": %q}}}`, c.email, c.city))
		ids[c.email] = idOf(res["record_id"])
	}
	ann, bob, cat := ids["ann@example.com"], ids["bob@example.com"], ids["cat@example.com"]
	run(t, e, []scenario{
		{name: "create a static list from its name", method: "POST", url: "/api/lists", body: `{"name": "Webinar attendees"}`,
			wantStatus: 201, wantContains: []string{`"id":"webinar-attendees"`, `"object":"contact"`, `"members":0`},
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.Lists != 1 || c.ListMembers != 0 {
					t.Fatalf("rows after creating: %+v", c)
				}
			}},
		{name: "the same id again", method: "POST", url: "/api/lists", body: `{"id": "webinar-attendees", "name": "Other"}`,
			wantStatus: 409, wantCode: "conflict"},
		{name: "a list without a name", method: "POST", url: "/api/lists", body: `{"name": ""}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"name"`}},
		{name: "a filter on an unknown property", method: "POST", url: "/api/lists",
			body:       `{"name": "Typo", "filter": {"all": [{"property": "citty", "op": "eq", "value": "Cork"}]}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"filter.all[0].property"`, `citty`}},
		{name: "an unknown field", method: "POST", url: "/api/lists", body: `{"name": "x", "members": 3}`,
			wantStatus: 400, wantCode: "unknown_field"},
		{name: "add members", method: "POST", url: "/api/lists/webinar-attendees/members", body: fmt.Sprintf(`{"record_ids": [%d, %d, %d]}`, ann, bob, ann),
			wantStatus: 200, wantContains: []string{`"added":2`, `"members":2`},
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.ListMembers != 2 {
					t.Fatalf("rows after adding: %+v", c)
				}
			}},
		{name: "members with one unknown record add none", method: "POST", url: "/api/lists/webinar-attendees/members", body: fmt.Sprintf(`{"record_ids": [%d, 424242]}`, cat),
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_ids[1]"`, `no record 424242`}},
		{name: "members of an unknown list", method: "POST", url: "/api/lists/nope/members", body: fmt.Sprintf(`{"record_ids": [%d]}`, cat),
			wantStatus: 404, wantCode: "not_found", wantContains: []string{`list \"nope\"`}},
		{name: "no ids", method: "POST", url: "/api/lists/webinar-attendees/members", body: `{"record_ids": []}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_ids"`}},
		{name: "search the members", method: "GET", url: "/api/lists/webinar-attendees/members?q=BOB",
			wantStatus: 200, wantContains: []string{`"total":2`, `bob@example.com`},
			after: func(t *testing.T, e *env, res *response) {
				if got := res.json(t)["members"].([]any); len(got) != 1 {
					t.Fatalf("search found %d members", len(got))
				}
			}},
		{name: "the list with its counts over time", method: "GET", url: "/api/lists/webinar-attendees",
			wantStatus: 200, wantContains: []string{`"days":[{"day":"2026-03-02T00:00:00Z","joins":2,"leaves":0,"members":2}]`}},
		{name: "an active list fills at once", method: "POST", url: "/api/lists",
			body:       `{"id": "dubliners", "name": "Dubliners", "filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}}`,
			wantStatus: 201, wantContains: []string{`"members":2`, `"filter":{"all":[{"property":"city","op":"eq","value":"Dublin"}]}`}},
		{name: "an active list refuses members by hand", method: "POST", url: "/api/lists/dubliners/members", body: fmt.Sprintf(`{"record_ids": [%d]}`, bob),
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`active list`}},
		{name: "a record's lists", method: "GET", url: fmt.Sprintf("/api/records/%d", ann), wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				if got := res.json(t)["lists"]; !reflect.DeepEqual(got, []any{"dubliners", "webinar-attendees"}) {
					t.Fatalf("lists of ann: %v", got)
				}
			}},
		{name: "a record that moves leaves the active list", method: "PATCH", url: fmt.Sprintf("/api/records/%d", cat), body: `{"properties": {"city": "Paris"}}`,
			wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				l := e.call("GET", "/api/lists/dubliners", nil, 200)["list"].(map[string]any)
				if l["members"] != 1.0 {
					t.Fatalf("dubliners after cat moved: %v", l)
				}
			}},
		{name: "rename a list", method: "PUT", url: "/api/lists/webinar-attendees", body: `{"name": "Attended the webinar"}`,
			wantStatus: 200, wantContains: []string{`"name":"Attended the webinar"`, `"members":2`}},
		{name: "change a list's object type", method: "PUT", url: "/api/lists/webinar-attendees", body: `{"name": "x", "object": "company"}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"object"`}},
		{name: "remove a member", method: "DELETE", url: fmt.Sprintf("/api/lists/webinar-attendees/members/%d", bob), wantStatus: 204,
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.ListMembers != 2 { // ann in both lists
					t.Fatalf("rows after removing: %+v", c)
				}
			}},
		{name: "remove a non-member", method: "DELETE", url: fmt.Sprintf("/api/lists/webinar-attendees/members/%d", bob),
			wantStatus: 404, wantCode: "not_found"},
		{name: "remove with a bad record id", method: "DELETE", url: "/api/lists/webinar-attendees/members/abc",
			wantStatus: 400, wantCode: "bad_id", wantContains: []string{`"field":"record_id"`}},
		{name: "all lists", method: "GET", url: "/api/lists", wantStatus: 200,
			wantContains: []string{`"id":"dubliners"`, `"id":"webinar-attendees"`}},
		{name: "delete a list", method: "DELETE", url: "/api/lists/webinar-attendees", wantStatus: 204,
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.Lists != 1 || c.ListMembers != 1 {
					t.Fatalf("rows after deleting: %+v", c)
				}
			}},
		{name: "an unknown list", method: "GET", url: "/api/lists/webinar-attendees", wantStatus: 404, wantCode: "not_found"},
	})
}

// TestDeleteListInUse: a list a workflow names is not deleted; the answer names the workflow.
func TestDeleteListInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("POST", "/api/lists", `{"id": "handled", "name": "Handled"}`, 201)
	e.deploy(`{"name": "Tagger", "object": "contact", "triggers": [{"type": "event", "event": "form.submitted"}],
	  "start": "tag", "steps": [{"id": "tag", "type": "add_to_list", "list": "handled"}]}`)
	run(t, e, []scenario{
		{name: "delete it", method: "DELETE", url: "/api/lists/handled", wantStatus: 409, wantCode: "in_use",
			wantContains: []string{`"used_by":["workflow \"Tagger\" (tagger)"]`}},
	})
}

// TestSuppressionOverHTTP: a member of a workflow's suppression list is refused manual
// enrollment with the list named, and nothing is written.
func TestSuppressionOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("POST", "/api/lists", `{"id": "customers", "name": "Customers"}`, 201)
	e.deploy(`{"name": "Nurture", "object": "contact", "triggers": [], "suppress": ["customers"],
	  "start": "tag", "steps": [{"id": "tag", "type": "set_property", "property": "nurtured", "value": true}]}`)
	ann := idOf(e.ingest(`{"type": "form.submitted", "record": {"email": "ann@example.com"}}`)["record_id"])
	e.call("POST", "/api/lists/customers/members", fmt.Sprintf(`{"record_ids": [%d]}`, ann), 200)
	run(t, e, []scenario{
		{name: "enroll a suppressed contact", method: "POST", url: "/api/workflows/nurture/enroll", body: fmt.Sprintf(`{"record_id": %d}`, ann),
			wantStatus: 409, wantCode: "conflict", wantContains: []string{"in suppression list customers"},
			after: func(t *testing.T, e *env, _ *response) {
				if n := e.counts().Enrollments; n != 0 {
					t.Fatalf("%d enrollments after a refused enrollment", n)
				}
			}},
		{name: "the record says why it is not in the workflow", method: "GET", url: fmt.Sprintf("/api/records/%d", ann), wantStatus: 200,
			wantContains: []string{`"not_enrolled":[{"record_id":` + fmt.Sprint(ann) + `,"workflow_id":"nurture","trigger_id":"manual","code":"suppressed","reason":"in suppression list customers","count":1`}},
		{name: "a workflow naming a list that does not exist", method: "POST", url: "/api/workflows/validate",
			body:       `{"name": "X", "object": "contact", "triggers": [{"type": "list", "list": "nope", "on": "join"}], "start": "a", "steps": [{"id": "a", "type": "set_property", "property": "x", "value": 1}]}`,
			wantStatus: 200, wantContains: []string{`"field":"list"`, `names the list \"nope\", which does not exist`}},
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestImportOverHTTP: preview a file, import it into a list, poll the import, download the
// report and export the list; bad files are refused whole with the field named and no rows.
func TestImportOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("POST", "/api/lists", `{"id": "attendees", "name": "Attendees"}`, 201)
	file := "Email,First name,Score\nann@example.com,Ann,10\nbob@example.com,Bob,x\ncat@example.com,\"Cat, the second\",7\n"
	mapping := `[{"column": "Email", "property": "email"}, {"column": "First name", "property": "first_name"}, {"column": "Score", "property": "score"}]`
	var importURL string
	run(t, e, []scenario{
		{name: "preview", method: "POST", url: "/api/lists/attendees/imports/preview", body: fmt.Sprintf(`{"file": %q}`, b64(file)),
			wantStatus: 200, wantContains: []string{`"columns":["Email","First name","Score"]`, `"total":3`, `{"column":"Email","property":"email","type":"string"}`, `"Cat, the second"`}},
		{name: "a file that is not UTF-8", method: "POST", url: "/api/lists/attendees/imports", body: fmt.Sprintf(`{"file": %q, "mapping": %s}`, b64("Email\nj\xf6rg@example.com\n"), mapping),
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"file"`, `not UTF-8: line 2`}},
		{name: "no column mapped to email", method: "POST", url: "/api/lists/attendees/imports", body: fmt.Sprintf(`{"file": %q, "mapping": [{"column": "First name", "property": "first_name"}]}`, b64(file)),
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"mapping"`, `no column is mapped to email`}},
		{name: "into an unknown list", method: "POST", url: "/api/lists/nope/imports", body: fmt.Sprintf(`{"file": %q, "mapping": %s}`, b64(file), mapping),
			wantStatus: 404, wantCode: "not_found"},
		{name: "import", method: "POST", url: "/api/lists/attendees/imports", body: fmt.Sprintf(`{"file": %q, "mapping": %s}`, b64(file), mapping),
			wantStatus: 202, wantContains: []string{`"status":"running"`, `"total":3`, `"processed":0`},
			after: func(t *testing.T, e *env, res *response) {
				importURL = res.header.Get("Location")
				before := e.counts()
				e.runDue()
				after := e.counts()
				if after.Records != before.Records+2 || after.ListMembers != before.ListMembers+2 {
					t.Fatalf("rows before %+v, after %+v: want 2 records and 2 members more", before, after)
				}
			}},
		{name: "the finished import", method: "GET", url: "/api/imports/1", wantStatus: 200,
			wantContains: []string{`"status":"done"`, `"processed":3`, `"created":2`, `"failed":1`, `"joined":2`}},
		{name: "its report", method: "GET", url: "/api/imports/1/errors.csv", wantStatus: 200,
			wantHeaders:  map[string]string{"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="import-1-errors.csv"`},
			wantContains: []string{"line,column,problem\n3,Score,"}},
		{name: "export the list", method: "GET", url: "/api/lists/attendees/export.csv", wantStatus: 200,
			wantContains: []string{"id,type,email,first_name,score\n", ",contact,ann@example.com,Ann,10\n", `,contact,cat@example.com,"Cat, the second",7`}},
		{name: "export a filtered record view", method: "GET", url: "/api/records/export.csv?type=contact&q=cat", wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				if lines := strings.Split(strings.TrimSpace(string(res.body)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "cat@example.com") {
					t.Fatalf("export %q", res.body)
				}
			}},
	})
	if importURL != "/api/imports/1" {
		t.Fatalf("Location %q", importURL)
	}
}

// TestImportHiddenWhileItsReportIsPruned: retention deletes a large report over several
// batches before its import; from the first of them the import is gone from the list's imports,
// its page and its report download, so no screen shows an import with half its report. An
// import that ended after the retention's cut stays listed.
func TestImportHiddenWhileItsReportIsPruned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("POST", "/api/lists", `{"id": "attendees", "name": "Attendees"}`, 201)
	mapping := `[{"column": "Email", "property": "email"}, {"column": "Score", "property": "score"}]`
	importFile := func(file string) {
		e.call("POST", "/api/lists/attendees/imports", fmt.Sprintf(`{"file": %q, "mapping": %s}`, b64(file), mapping), 202)
		e.runDue()
	}
	importFile("Email,Score\nann@example.com,x\nbob@example.com,x\ncat@example.com,x\ndan@example.com,x\n")
	cut := e.clock.Now().Add(time.Hour)
	e.clock.Advance(2 * time.Hour)
	importFile("Email,Score\neve@example.com,1\nfay@example.com,x\n")
	prune := func(t *testing.T, e *env) {
		b, err := e.db.PruneBulkJobs(e.ctx, cut, 2) // part of the old import's 4 report lines
		if err != nil || !b.More {
			t.Fatalf("first pruning batch %+v %v, want more to come", b, err)
		}
	}
	run(t, e, []scenario{
		{name: "both imports listed", method: "GET", url: "/api/lists/attendees/imports", wantStatus: 200,
			wantContains: []string{`"id":2`, `"id":1`}},
		{name: "the old import's whole report", method: "GET", url: "/api/imports/1/errors.csv", wantStatus: 200,
			wantContains: []string{"line,column,problem\n2,Score,", "\n5,Score,"}},
		{name: "after the first batch only the new import is listed", method: "GET", url: "/api/lists/attendees/imports", before: prune, wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				if body := string(res.body); !strings.Contains(body, `"id":2`) || strings.Contains(body, `"id":1`) {
					t.Fatalf("imports while the old one is pruned: %s", body)
				}
			}},
		{name: "the old import", method: "GET", url: "/api/imports/1", wantStatus: 404, wantCode: "not_found"},
		{name: "its report", method: "GET", url: "/api/imports/1/errors.csv", wantStatus: 404, wantCode: "not_found"},
		{name: "the new import's report", method: "GET", url: "/api/imports/2/errors.csv", wantStatus: 200, wantContains: []string{"\n3,Score,"}},
	})
}

// TestCancelImportOverHTTP: an import cancelled after its first batch keeps the rows written so
// far (records and members counted before and after), reads "cancelled", and writes nothing
// more; cancelling it again, or an import that does not exist, is refused.
func TestCancelImportOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("POST", "/api/lists", `{"id": "big", "name": "Big"}`, 201)
	var sb strings.Builder
	sb.WriteString("Email\n")
	for i := range 2000 {
		fmt.Fprintf(&sb, "row%d@example.com\n", i)
	}
	mapping := `[{"column": "Email", "property": "email"}]`
	before := e.counts()
	var written int64
	run(t, e, []scenario{
		{name: "start", method: "POST", url: "/api/lists/big/imports", body: fmt.Sprintf(`{"file": %q, "mapping": %s}`, b64(sb.String()), mapping),
			wantStatus: 202, wantContains: []string{`"status":"running"`, `"total":2000`},
			after: func(t *testing.T, e *env, _ *response) {
				if worked, err := e.eng.RunImportBatch(e.ctx); err != nil || !worked {
					t.Fatalf("first batch: %v, %v", worked, err)
				}
				written = e.counts().Records - before.Records
				if written == 0 || written >= 2000 {
					t.Fatalf("%d records after one batch", written)
				}
			}},
		{name: "cancel", method: "POST", url: "/api/imports/1/cancel", wantStatus: 200, wantContains: []string{`"status":"cancelled"`},
			after: func(t *testing.T, e *env, _ *response) {
				e.runDue()
				if worked, err := e.eng.RunImportBatch(e.ctx); err != nil || worked {
					t.Fatalf("a batch after the cancel: %v, %v", worked, err)
				}
				after := e.counts()
				if after.Records-before.Records != written || after.ListMembers-before.ListMembers != written {
					t.Fatalf("after the cancel: %d records, %d members, want the %d written before", after.Records-before.Records, after.ListMembers-before.ListMembers, written)
				}
			}},
		{name: "read back", method: "GET", url: "/api/imports/1", wantStatus: 200, wantContains: []string{`"status":"cancelled"`, `"total":2000`}},
		{name: "cancel again", method: "POST", url: "/api/imports/1/cancel", wantStatus: 409, wantCode: "conflict", wantContains: []string{"import 1 is cancelled; only a running import can be cancelled"}},
		{name: "cancel an unknown import", method: "POST", url: "/api/imports/99/cancel", wantStatus: 404, wantCode: "not_found"},
		{name: "cancel a bad id", method: "POST", url: "/api/imports/x/cancel", wantStatus: 400, wantCode: "bad_id"},
	})
}
