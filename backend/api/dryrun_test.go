package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dryRun starts a dry run of workflow wf, polls it to its end and returns the final state.
func (e *env) dryRun(wf, body string) map[string]any {
	e.t.Helper()
	run := e.call("POST", "/api/workflows/"+wf+"/dry-run", body, http.StatusAccepted)
	id := run["id"].(string)
	for i := 0; i < 600; i++ {
		st := e.call("GET", "/api/dry-runs/"+id, nil, http.StatusOK)
		if st["status"] != "running" {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("dry run %s did not end", id)
	return nil
}

// edges reads a dry run's edge counts as "source:port" -> n.
func edges(st map[string]any) map[string]int {
	out := map[string]int{}
	for _, x := range st["edges"].([]any) {
		ed := x.(map[string]any)
		out[ed["source"].(string)+":"+ed["port"].(string)] = int(ed["n"].(float64))
	}
	return out
}

const dryRunWorkflow = `{"id": "follow-up", "name": "Follow-up", "object": "contact", "triggers": [], "suppress": ["staff"],
  "start": "is-customer", "steps": [
    {"id": "is-customer", "type": "branch", "branches": [{"name": "Customer", "filter": {"property": "lifecycle", "op": "eq", "value": %q}, "next": "hook"}], "else": "wait"},
    {"id": "hook", "type": "webhook", "url": %q, "next": "mail"},
    {"id": "mail", "type": "send_email", "template": "thanks"},
    {"id": "wait", "type": "delay", "duration": "60d", "next": "tag"},
    {"id": "tag", "type": "set_property", "property": "nurtured", "value": true}]}`

// TestDryRunOverHTTP: a dry run over real records counts the records per step, per branch path
// and per outcome, lists the records behind a count, runs a draft too, refuses bad input with
// the field named, and writes nothing and sends nothing (every table's rows and a 127.0.0.1
// receiver are the same before and after).
func TestDryRunOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer recv.Close()
	if !strings.HasPrefix(recv.URL, "http://127.0.0.1:") {
		t.Fatalf("receiver on %s", recv.URL)
	}
	e.call("POST", "/api/email-templates", map[string]string{"name": "thanks", "subject": "Thanks, {{contact.first_name}}", "body_text": "Hi"}, 201)
	e.call("POST", "/api/lists", `{"id": "staff", "name": "Staff"}`, 201)
	e.call("POST", "/api/lists", `{"id": "vip", "name": "VIP"}`, 201)
	e.deploy(fmt.Sprintf(dryRunWorkflow, "customer", recv.URL+"/in"))
	var ids []int64
	for i := 0; i < 270; i++ { // more than one chunk of simulate.DryRunChunk
		life := "lead"
		if i%3 == 0 {
			life = "customer" // 90 customers
		}
		body := fmt.Sprintf(`{"type": "form.submitted", "record": {"email": "c%03d@example.com", "properties": {"first_name": "C%d", "lifecycle": %q}}}`, i, i, life)
		ids = append(ids, idOf(e.ingest(body)["record_id"]))
	}
	e.ingest(`{"type": "form.submitted", "record": {"email": "other@elsewhere.org"}}`)
	// Two customers are staff (suppressed); one lead is in the workflow already.
	e.call("POST", "/api/lists/staff/members", fmt.Sprintf(`{"record_ids": [%d, %d]}`, ids[0], ids[3]), 200)
	e.call("POST", "/api/lists/vip/members", fmt.Sprintf(`{"record_ids": [%d, %d, %d, %d, %d]}`, ids[1], ids[2], ids[4], ids[5], ids[6]), 200)
	e.call("POST", "/api/workflows/follow-up/enroll", fmt.Sprintf(`{"record_id": %d}`, ids[1]), 201)
	e.runDue()
	sent := hits.Load()
	before := e.tableRows()

	st := e.dryRun("follow-up", `{"filter": {"property": "email", "op": "ends_with", "value": "@example.com"}, "limit": 10000}`)
	if st["status"] != "done" || st["total"].(float64) != 270 || st["done"].(float64) != 270 || st["simulated"].(float64) != 267 {
		t.Fatalf("dry run: %v", st)
	}
	if want := map[string]any{"suppressed": 2.0, "already_enrolled": 1.0}; !reflect.DeepEqual(st["skipped"], want) {
		t.Fatalf("skipped %v, want %v", st["skipped"], want)
	}
	if want := map[string]any{"completed": 88.0, "waiting": 179.0}; !reflect.DeepEqual(st["outcomes"], want) {
		t.Fatalf("outcomes %v, want %v", st["outcomes"], want)
	}
	if want := map[string]int{"__trigger:start": 267, "is-customer:branch:0": 88, "is-customer:else": 179, "hook:next": 88, "mail:next": 88}; !reflect.DeepEqual(edges(st), want) {
		t.Fatalf("edges %v, want %v", edges(st), want)
	}
	steps := st["steps"].(map[string]any)
	if w := steps["wait"].(map[string]any); w["reached"].(float64) != 179 || w["waiting"].(float64) != 179 {
		t.Fatalf("wait step %v", w)
	}
	if _, ok := steps["tag"]; ok {
		t.Fatalf("the tag step is beyond the 30-day horizon: %v", steps)
	}
	// The records behind a count: the customers who took the Customer path.
	run := st["id"].(string)
	page := e.call("GET", "/api/dry-runs/"+run+"/records?count=edge:is-customer:branch:0&limit=5", nil, 200)
	if page["total"].(float64) != 88 || len(page["records"].([]any)) != 5 || page["next_cursor"] != "5" {
		t.Fatalf("records page %v", page)
	}
	page = e.call("GET", "/api/dry-runs/"+run+"/records?count=edge:is-customer:branch:0&cursor=85&limit=5", nil, 200)
	if len(page["records"].([]any)) != 3 || page["next_cursor"] != nil {
		t.Fatalf("second page %v", page)
	}
	for _, r := range page["records"].([]any) {
		if p := r.(map[string]any)["properties"].(map[string]any); p["lifecycle"] != "customer" {
			t.Fatalf("a record behind the Customer path is %v", p)
		}
	}
	if page := e.call("GET", "/api/dry-runs/"+run+"/records?count=skipped:suppressed", nil, 200); page["total"].(float64) != 2 {
		t.Fatalf("suppressed records %v", page)
	}

	// A list, and a draft that sends leads down the Customer path instead.
	if st := e.dryRun("follow-up", `{"list": "vip"}`); st["total"].(float64) != 5 || st["simulated"].(float64) != 4 {
		t.Fatalf("list dry run %v", st)
	}
	var draft map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprintf(dryRunWorkflow, "lead", recv.URL+"/in")), &draft); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"filter": map[string]any{"property": "email", "op": "ends_with", "value": "@example.com"}, "definition": draft})
	st = e.dryRun("follow-up", string(body))
	if st["draft"] != true || edges(st)["is-customer:branch:0"] != 179 || edges(st)["is-customer:else"] != 88 {
		t.Fatalf("draft dry run %v", edges(st))
	}

	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("a dry run wrote rows:\n%v\n%v", before, after)
	}
	if hits.Load() != sent {
		t.Fatalf("a dry run sent %d requests to the receiver", hits.Load()-sent)
	}

	// Bad input: 422 naming the field (or 404 for the workflow), nothing started or written.
	bad := `{"id": "follow-up", "name": "F", "object": "contact", "triggers": [], "start": "a", "steps": [{"id": "a", "type": "goto", "target": "zz"}]}`
	for _, tc := range []struct {
		name, url, body string
		status          int
		want            string
	}{
		{"unknown list", "/api/workflows/follow-up/dry-run", `{"list": "nope"}`, 422, `"field":"list"`},
		{"unknown property", "/api/workflows/follow-up/dry-run", `{"filter": {"all": [{"property": "emial", "op": "is_known"}]}}`, 422, `"field":"filter.all[0].property"`},
		{"limit over the maximum", "/api/workflows/follow-up/dry-run", `{"list": "vip", "limit": 20000}`, 422, `"field":"limit"`},
		{"negative limit", "/api/workflows/follow-up/dry-run", `{"list": "vip", "limit": -1}`, 422, `"field":"limit"`},
		{"horizon too long", "/api/workflows/follow-up/dry-run", `{"list": "vip", "horizon": "400d"}`, 422, `"field":"horizon"`},
		{"no selection", "/api/workflows/follow-up/dry-run", `{"limit": 10}`, 422, `"field":"body"`},
		{"two selections", "/api/workflows/follow-up/dry-run", `{"list": "vip", "filter": {"property": "email", "op": "is_known"}}`, 422, `"field":"body"`},
		{"nothing matches", "/api/workflows/follow-up/dry-run", `{"filter": {"property": "email", "op": "eq", "value": "nobody@x.org"}}`, 422, `"field":"filter"`},
		{"a draft with problems", "/api/workflows/follow-up/dry-run", `{"list": "vip", "definition": ` + bad + `}`, 422, `"problems"`},
		{"unknown workflow", "/api/workflows/nope/dry-run", `{"list": "vip"}`, 404, `"field":"id"`},
		{"unknown field", "/api/workflows/follow-up/dry-run", `{"lists": "vip"}`, 400, `lists`},
		{"unknown run", "/api/dry-runs/999", "", 404, `"field":"run"`},
		{"unknown count", "/api/dry-runs/" + run + "/records?count=steps", "", 422, `"field":"count"`},
	} {
		method := "POST"
		if tc.body == "" {
			method = "GET"
		}
		r := e.request(method, tc.url, tc.body, nil)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := e.request("GET", "/api/dry-runs/5", "", nil); r.status != 404 {
		t.Fatalf("a refused dry run was started: %d %s", r.status, r.body)
	}
	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("bad input wrote rows:\n%v\n%v", before, after)
	}
}
