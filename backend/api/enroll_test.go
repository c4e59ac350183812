package api_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

// manualWF takes manual enrollment only; its enrollments wait a day.
const manualWF = `{
  "id": "by-hand", "name": "By hand", "object": "contact", "triggers": [],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "wait",
  "steps": [
    {"id": "wait", "type": "delay", "duration": "1d", "next": "tag"},
    {"id": "tag", "type": "add_to_list", "list": "handled"}
  ]
}`

// seedContacts stores n contacts (every third in Cork, the others in Dublin) straight in the
// store, as an import would, and returns their ids.
func (e *env) seedContacts(n int) []int64 {
	e.t.Helper()
	var ids []int64
	for start := 0; start < n; start += 1000 {
		err := e.db.Write(e.ctx, func(tx store.Tx) error {
			for i := start; i < min(n, start+1000); i++ {
				city := "Dublin"
				if i%3 == 2 {
					city = "Cork"
				}
				ch, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("p%d@example.com", i), map[string]any{"city": city}, e.clock.Now())
				if err != nil {
					return err
				}
				ids = append(ids, ch.Record.ID)
			}
			return nil
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return ids
}

// enrollJobs counts the stored bulk-enrollment jobs.
func (e *env) enrollJobs() int {
	e.t.Helper()
	jobs, err := e.db.EnrollJobs(e.ctx, store.EnrollJobQuery{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(jobs)
}

func (e *env) batch() {
	e.t.Helper()
	if ok, err := e.eng.RunEnrollBatch(e.ctx); !ok || err != nil {
		e.t.Fatalf("run an enroll batch: %v %v", ok, err)
	}
}

// TestBulkEnrollByFilter enrolls 7,500 × 2/3 = 5,000 contacts by filter: the preview counts
// them, the job is answered 202 and its progress is watched batch by batch over the API.
func TestBulkEnrollByFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(manualWF)
	ids := e.seedContacts(7500)
	e.call("POST", "/api/workflows/by-hand/enroll", fmt.Sprintf(`{"record_id": %d}`, ids[0]), 201)
	const body = `{"filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}}`
	before := e.counts()
	p := e.call("POST", "/api/workflows/by-hand/enroll/preview", body, 200)
	if p["matched"] != 5000.0 || p["enrollable"] != 4999.0 || !reflect.DeepEqual(p["skipped"], map[string]any{"already_enrolled": 1.0}) {
		t.Fatalf("preview %v", p)
	}
	if after := e.counts(); after != before || e.enrollJobs() != 0 {
		t.Fatalf("the preview wrote: %+v -> %+v", before, after)
	}
	res := e.request("POST", "/api/workflows/by-hand/enroll", body, nil)
	if res.status != 202 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	job := res.json(t)
	loc := res.header.Get("Location")
	if loc != fmt.Sprintf("/api/enroll-jobs/%d", idOf(job["id"])) || job["status"] != "running" || job["total"] != 5000.0 || job["done"] != false {
		t.Fatalf("answer %v, Location %q", job, loc)
	}
	var seen []float64
	for i := 1; ; i++ {
		j := e.call("GET", loc, nil, 200)
		seen = append(seen, j["processed"].(float64))
		if j["done"] == true {
			if j["status"] != "done" || j["matched"] != 5000.0 || j["enrolled"] != 4999.0 || j["skipped_total"] != 1.0 ||
				!reflect.DeepEqual(j["skipped"], map[string]any{"already_enrolled": 1.0}) || j["finished_at"] == nil {
				t.Fatalf("finished job %v", j)
			}
			break
		}
		if i > 100 {
			t.Fatalf("the job did not finish: %v", j)
		}
		e.batch()
	}
	// 7,500 contacts in batches of 200: 38 batches, each one step of progress, ending at 5,000.
	if len(seen) != 39 || seen[0] != 0 || seen[1] != 134 || seen[len(seen)-1] != 5000 {
		t.Fatalf("progress seen %v", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] && seen[i] != 5000 {
			t.Fatalf("progress went %v -> %v: %v", seen[i-1], seen[i], seen)
		}
	}
	if c := e.counts(); c.Enrollments != 5000 || c.Jobs != 5000 {
		t.Fatalf("rows after the job: %+v", c)
	}
	st := e.call("GET", "/api/workflows/by-hand/stats", nil, 200)
	if st["enrollments"].(map[string]any)["active"] != 5000.0 {
		t.Fatalf("stats %v", st["enrollments"])
	}
	list := e.call("GET", "/api/enroll-jobs?workflow=by-hand", nil, 200)["jobs"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["status"] != "done" {
		t.Fatalf("jobs %v", list)
	}
}

func TestBulkEnrollByIDsAndList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(manualWF)
	e.deploy(readFile(t, "workflows/sales-handoff.json")) // adds to the list "sales-ready"
	ids := e.seedContacts(4)
	for _, id := range ids[:2] {
		e.call("POST", "/api/workflows/sales-handoff/enroll", fmt.Sprintf(`{"record_id": %d}`, id), 201)
	}
	e.runDue()
	job := e.call("POST", "/api/workflows/by-hand/enroll", `{"list": "sales-ready"}`, 202)
	e.runDue()
	j := e.call("GET", fmt.Sprintf("/api/enroll-jobs/%d", idOf(job["id"])), nil, 200)
	if j["source"] != "list" || j["enrolled"] != 2.0 || j["done"] != true {
		t.Fatalf("list job %v", j)
	}
	job = e.call("POST", "/api/workflows/by-hand/enroll", fmt.Sprintf(`{"record_ids": [%d, %d, %d]}`, ids[1], ids[2], ids[3]), 202)
	e.runDue()
	j = e.call("GET", fmt.Sprintf("/api/enroll-jobs/%d", idOf(job["id"])), nil, 200)
	if j["source"] != "records" || j["matched"] != 3.0 || j["enrolled"] != 2.0 || !reflect.DeepEqual(j["skipped"], map[string]any{"already_enrolled": 1.0}) {
		t.Fatalf("ids job %v", j)
	}
}

func TestBadEnrollInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(manualWF)
	e.call("POST", "/api/workflows", strings.Replace(manualWF, `"id": "by-hand"`, `"id": "off"`, 1), 201)
	ids := e.seedContacts(3)
	acme := idOf(e.ingest(`{"type": "signup", "record": {"type": "company", "email": "info@acme.test", "properties": {"name": "Acme"}}}`)["record_id"])
	noJobs := func(t *testing.T, e *env, _ *response) {
		if n := e.enrollJobs(); n != 0 {
			t.Fatalf("a refused request stored %d jobs", n)
		}
	}
	var scenarios []scenario
	for _, url := range []string{"/api/workflows/by-hand/enroll", "/api/workflows/by-hand/enroll/preview"} {
		for _, c := range []struct {
			name, body, code, field, contains string
			status                            int
		}{
			{"nothing to enroll", `{}`, "invalid_input", "record_id", "exactly one", 422},
			{"two selections", `{"list": "x", "record_ids": [1]}`, "invalid_input", "body", "exactly one", 422},
			{"empty ids", `{"record_ids": []}`, "invalid_input", "record_ids", "empty", 422},
			{"ids of a missing and a company record", fmt.Sprintf(`{"record_ids": [%d, 99999, %d]}`, ids[0], acme), "invalid_input", "record_ids[1]", "is a company", 422},
			{"ids not numbers", `{"record_ids": ["1"]}`, "wrong_type", "record_ids", "whole number", 400},
			{"unknown list", `{"list": "ghost"}`, "invalid_input", "list", `no list \"ghost\"`, 422},
			{"unknown property", `{"filter": {"all": [{"property": "citty", "op": "eq", "value": "Dublin"}]}}`, "invalid_input", "filter.all[0].property", `\"citty\"`, 422},
			{"bad operator", `{"filter": {"any": [{"property": "city", "op": "near", "value": 1}]}}`, "invalid_input", "filter.any[0]", "not known", 422},
			{"unknown filter field", `{"filter": {"all": [{"propery": "city"}]}}`, "unknown_field", "propery", "unknown field", 400},
		} {
			scenarios = append(scenarios, scenario{
				name: url[len("/api/workflows/by-hand/"):] + ": " + c.name, method: "POST", url: url, body: c.body,
				wantStatus: c.status, wantCode: c.code, wantContains: []string{fmt.Sprintf(`"field":%q`, c.field), c.contains}, after: noJobs,
			})
		}
	}
	scenarios = append(scenarios,
		scenario{name: "nobody matches", method: "POST", url: "/api/workflows/by-hand/enroll", body: `{"filter": {"all": [{"property": "city", "op": "eq", "value": "Nowhere"}]}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"filter"`, "nothing to enroll"}, after: noJobs},
		scenario{name: "unknown workflow", method: "POST", url: "/api/workflows/ghost/enroll", body: `{"list": "x"}`,
			wantStatus: 404, wantCode: "not_found", wantContains: []string{`"field":"id"`}, after: noJobs},
		scenario{name: "disabled workflow", method: "POST", url: "/api/workflows/off/enroll", body: `{"filter": {}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"workflow"`, "switch it on"}, after: noJobs},
		scenario{name: "a job that does not exist", method: "GET", url: "/api/enroll-jobs/77", wantStatus: 404, wantCode: "not_found"},
		scenario{name: "a job id that is not a number", method: "GET", url: "/api/enroll-jobs/x", wantStatus: 400, wantCode: "bad_id"},
		scenario{name: "jobs by an unknown status", method: "GET", url: "/api/enroll-jobs?status=paused", wantStatus: 400, wantCode: "bad_query"},
		scenario{name: "stop a job that does not exist", method: "POST", url: "/api/enroll-jobs/77/cancel", wantStatus: 404, wantCode: "not_found"},
		scenario{
			name: "stop a running job", method: "POST", url: "/api/workflows/by-hand/enroll", body: `{"filter": {}}`, wantStatus: 202,
			after: func(t *testing.T, e *env, res *response) {
				url := fmt.Sprintf("/api/enroll-jobs/%d/cancel", idOf(res.json(t)["id"]))
				j := e.call("POST", url, nil, 200)
				if j["status"] != "cancelled" || j["done"] != true || j["enrolled"] != 0.0 {
					t.Fatalf("stopped job %v", j)
				}
				e.runDue()
				if c := e.counts(); c.Enrollments != 0 {
					t.Fatalf("a stopped job enrolled: %+v", c)
				}
				if res := e.request("POST", url, "", nil); res.status != 409 || res.errorCode() != "conflict" {
					t.Fatalf("stop twice: %d %s", res.status, res.body)
				}
			},
		},
	)
	run(t, e, scenarios)
}

func TestCancelEnrollmentAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(manualWF)
	e.deploy(readFile(t, "workflows/sales-handoff.json"))
	ids := e.seedContacts(1)
	open := idOf(e.call("POST", "/api/workflows/by-hand/enroll", fmt.Sprintf(`{"record_id": %d}`, ids[0]), 201)["id"])
	done := idOf(e.call("POST", "/api/workflows/sales-handoff/enroll", fmt.Sprintf(`{"record_id": %d}`, ids[0]), 201)["id"])
	e.runDue()
	url := fmt.Sprintf("/api/enrollments/%d/cancel", open)
	run(t, e, []scenario{
		{name: "no reason", method: "POST", url: url, body: `{"reason": " "}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"reason"`}},
		{name: "unknown field", method: "POST", url: url, body: `{"why": "x"}`, wantStatus: 400, wantCode: "unknown_field"},
		{name: "a finished enrollment", method: "POST", url: fmt.Sprintf("/api/enrollments/%d/cancel", done), body: `{"reason": "x"}`,
			wantStatus: 409, wantCode: "conflict", wantContains: []string{"is completed", "only active or waiting"}},
		{name: "a missing enrollment", method: "POST", url: "/api/enrollments/999/cancel", body: `{"reason": "x"}`, wantStatus: 404, wantCode: "not_found"},
		{
			name: "the record page offers the workflows", method: "GET", url: fmt.Sprintf("/api/records/%d/enroll-options", ids[0]), wantStatus: 200,
			wantContains: []string{`"workflow_id":"by-hand","name":"By hand","enabled":true,"triggers":0,"available":false,"reason_code":"already_enrolled"`,
				`"workflow_id":"sales-handoff"`, `"reason_code":"reenrollment_off"`},
		},
		{
			name: "cancel with a reason", method: "POST", url: url, body: `{"reason": "Asked us to stop"}`, wantStatus: 200,
			wantContains: []string{`"status":"cancelled"`},
			after: func(t *testing.T, e *env, res *response) {
				d := e.call("GET", fmt.Sprintf("/api/enrollments/%d", open), nil, 200)
				hist := d["history"].([]any)
				last := hist[len(hist)-1].(map[string]any)
				if last["outcome"] != "cancelled" || last["detail"].(map[string]any)["reason"] != "Asked us to stop" {
					t.Fatalf("history %v", hist)
				}
				if c := e.counts(); c.Jobs != 0 {
					t.Fatalf("the cancelled enrollment's job is left: %+v", c)
				}
				st := e.call("GET", "/api/workflows/by-hand/stats", nil, 200)["enrollments"].(map[string]any)
				if st["cancelled"] != 1.0 || st["waiting"] != 0.0 || st["active"] != 0.0 {
					t.Fatalf("stats %v", st)
				}
			},
		},
		{name: "cancel twice", method: "POST", url: url, body: `{"reason": "again"}`, wantStatus: 409, wantCode: "conflict", wantContains: []string{"is cancelled"}},
		{
			name: "enroll options after the cancel", method: "GET", url: fmt.Sprintf("/api/records/%d/enroll-options", ids[0]), wantStatus: 200,
			wantContains: []string{`"workflow_id":"by-hand","name":"By hand","enabled":true,"triggers":0,"available":false,"reason_code":"reenrollment_off"`},
		},
	})
}
