package api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tableRows counts the rows of every table of the real database.
func (e *env) tableRows() map[string]int64 {
	e.t.Helper()
	n, err := e.db.TableRows(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// whyNot asks why record id is not in workflow wf and returns the answer.
func (e *env) whyNot(wf string, id int64) map[string]any {
	e.t.Helper()
	return e.call("GET", fmt.Sprintf("/api/workflows/%s/why-not?record_id=%d", wf, id), nil, http.StatusOK)
}

// triggerCheck is the first trigger's explanation.
func triggerCheck(t *testing.T, res map[string]any) map[string]any {
	t.Helper()
	trs := res["triggers"].([]any)
	if len(trs) == 0 {
		t.Fatalf("no triggers explained: %v", res)
	}
	return trs[0].(map[string]any)
}

func blockerCodes(res map[string]any) []string {
	var out []string
	for _, b := range res["blockers"].([]any) {
		out = append(out, b.(map[string]any)["code"].(string))
	}
	return out
}

// TestWhyNotOverHTTP: each reason a record stays out of a workflow is answered with the
// condition that failed and the value it read, and asking writes nothing.
func TestWhyNotOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Bea matches the filter trigger before the workflow is on: not retroactive.
	bea := idOf(e.ingest(`{"type": "form.submitted", "record": {"email": "bea@example.com", "properties": {"lifecycle": "customer", "country": "NL"}}}`)["record_id"])
	e.clock.Advance(time.Hour)
	e.deploy(`{"id": "customers-nl", "name": "Customers NL", "object": "contact",
	  "triggers": [{"id": "became-customer", "type": "filter", "filter": {"all": [{"property": "lifecycle", "op": "eq", "value": "customer"}, {"property": "country", "op": "eq", "value": "NL"}]}}],
	  "start": "tag", "steps": [{"id": "tag", "type": "delay", "duration": "1d"}]}`)
	e.deploy(`{"id": "viewers", "name": "Viewers", "object": "contact",
	  "triggers": [{"id": "watched", "type": "event", "event": "webinar.viewer", "scope": {"webinar": "1"}, "min_watch_pct": 50}],
	  "start": "tag", "steps": [{"id": "tag", "type": "set_property", "property": "viewer", "value": true}]}`)
	ann := idOf(e.ingest(`{"type": "form.submitted", "record": {"email": "ann@example.com", "properties": {"lifecycle": "lead", "country": "NL"}}}`)["record_id"])
	before := e.tableRows()

	// A filter condition fails: the rule, and the value it read.
	res := e.whyNot("customers-nl", ann)
	tr := triggerCheck(t, res)
	if tr["code"] != "filter" || tr["matched"] != false {
		t.Fatalf("ann: %v", tr)
	}
	var failed []string
	for _, c := range tr["conditions"].([]any) {
		c := c.(map[string]any)
		if c["passed"] == false {
			failed = append(failed, fmt.Sprintf("%s %v read %v", c["path"], c["rule"].(map[string]any)["property"], c["read"]))
		}
	}
	if want := []string{"all[0] lifecycle read map[lifecycle:lead]"}; !reflect.DeepEqual(failed, want) {
		t.Fatalf("failed conditions %v, want %v", failed, want)
	}
	if !strings.Contains(res["summary"].(string), "became-customer") {
		t.Fatalf("summary %q", res["summary"])
	}
	// Bea matched before the workflow was on.
	if tr := triggerCheck(t, e.whyNot("customers-nl", bea)); tr["code"] != "not_retroactive" || !strings.Contains(tr["reason"].(string), "before the workflow was turned on") {
		t.Fatalf("bea: %v", tr)
	}
	// Event triggers: none arrived, another scope, too little watched.
	if tr := triggerCheck(t, e.whyNot("viewers", ann)); tr["code"] != "no_event" {
		t.Fatalf("no event: %v", tr)
	}
	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("explaining wrote rows:\n%v\n%v", before, after)
	}
	e.ingest(`{"type": "webinar.viewer", "record": {"email": "ann@example.com"}, "scope": {"webinar": "2"}, "data": {"subscriber": {"watch_pct": 80}}}`)
	if tr := triggerCheck(t, e.whyNot("viewers", ann)); tr["code"] != "scope" || !strings.Contains(tr["reason"].(string), "webinar 2") {
		t.Fatalf("scope: %v", tr)
	}
	e.ingest(`{"type": "webinar.viewer", "record": {"email": "ann@example.com"}, "scope": {"webinar": "1"}, "data": {"subscriber": {"watch_pct": 30}}}`)
	if tr := triggerCheck(t, e.whyNot("viewers", ann)); tr["code"] != "watch" || !strings.Contains(tr["reason"].(string), "30 %") {
		t.Fatalf("watch: %v", tr)
	}

	// The change that makes Ann match enrolls her: now "already enrolled".
	e.call("PATCH", fmt.Sprintf("/api/records/%d", ann), `{"properties": {"lifecycle": "customer"}}`, 200)
	if res := e.whyNot("customers-nl", ann); res["enrolled"] != true || !reflect.DeepEqual(blockerCodes(res), []string{"already_enrolled"}) {
		t.Fatalf("enrolled: %v", res)
	}
	// After it ends, re-enrollment is off.
	e.runDue()
	e.advance(25 * time.Hour)
	if res := e.whyNot("customers-nl", ann); !reflect.DeepEqual(blockerCodes(res), []string{"reenrollment_off"}) {
		t.Fatalf("re-enrollment: %v", res)
	}
	// A suppression list, and a workflow that is off.
	e.call("POST", "/api/lists", `{"id": "staff", "name": "Staff"}`, 201)
	e.call("POST", "/api/lists/staff/members", fmt.Sprintf(`{"record_ids": [%d]}`, ann), 200)
	e.call("POST", "/api/workflows", `{"id": "quiet", "name": "Quiet", "object": "contact", "suppress": ["staff"],
	  "triggers": [{"id": "any", "type": "event", "event": "form.submitted"}], "start": "a", "steps": [{"id": "a", "type": "delay", "duration": "1h"}]}`, 201)
	res = e.whyNot("quiet", ann)
	if codes := blockerCodes(res); !reflect.DeepEqual(codes, []string{"workflow_off", "suppressed"}) {
		t.Fatalf("off and suppressed: %v", res)
	}
	if tr := triggerCheck(t, res); tr["matched"] != true {
		t.Fatalf("the form.submitted trigger holds (the blockers keep her out): %v", tr)
	}

	// Bad input: a 422 naming record_id, or a 404 for the workflow; nothing written.
	before = e.tableRows()
	for _, tc := range []struct {
		url    string
		status int
		field  string
	}{
		{"/api/workflows/viewers/why-not", 422, "record_id"},
		{"/api/workflows/viewers/why-not?record_id=abc", 422, "record_id"},
		{"/api/workflows/viewers/why-not?record_id=-3", 422, "record_id"},
		{"/api/workflows/viewers/why-not?record_id=999999", 422, "record_id"},
		{fmt.Sprintf("/api/workflows/nope/why-not?record_id=%d", ann), 404, "id"},
	} {
		r := e.request("GET", tc.url, "", nil)
		if r.status != tc.status || !strings.Contains(string(r.body), `"field":"`+tc.field+`"`) {
			t.Fatalf("%s: %d %s", tc.url, r.status, r.body)
		}
	}
	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("bad input wrote rows:\n%v\n%v", before, after)
	}
}
