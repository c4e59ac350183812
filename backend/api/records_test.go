package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// deploy creates and enables a workflow through the API.
func (e *env) deploy(def string) string {
	e.t.Helper()
	id := e.call("POST", "/api/workflows", def, 201)["id"].(string)
	e.call("POST", "/api/workflows/"+id+"/enable", nil, 200)
	return id
}

// emailTemplate creates an email template over HTTP, as a user does before a workflow sends it.
func (e *env) emailTemplate(name string) {
	e.t.Helper()
	e.call("POST", "/api/email-templates", map[string]string{"name": name, "subject": "About " + name, "body_text": "Hello {{record.first_name}}"}, 201)
}

// ingest posts an event and returns its result.
func (e *env) ingest(body string) map[string]any {
	e.t.Helper()
	return e.call("POST", "/api/events", body, 201)
}

func idOf(v any) int64 { return int64(v.(float64)) }

func TestEventsAndRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(dublinWF)
	var ann int64
	var before counts
	run(t, e, []scenario{
		{
			name: "post an event for a new contact", method: "POST", url: "/api/events",
			body: `{"type": "form.submitted", "record": {"type": "contact", "email": "Ann@Example.com", "properties": {"first_name": "Ann"}},
			        "scope": {"form": "contact-us"}, "data": {"page": "/pricing"}, "occurred_at": "2026-03-01T12:00:00Z"}`,
			wantStatus:   201,
			wantContains: []string{`"record_created":true`, `"enrollments":[]`, `"resumed":[]`, `"duplicate":false`},
			after: func(t *testing.T, e *env, res *response) {
				ann = idOf(res.json(t)["record_id"])
				if c := e.counts(); c.Events != 1 || c.Records != 1 || c.Enrollments != 0 {
					t.Fatalf("rows after the first event: %+v", c)
				}
			},
		},
		{
			name: "post with an Idempotency-Key", method: "POST", url: "/api/events",
			headers:    map[string]string{"Idempotency-Key": "delivery-42"},
			body:       `{"type": "payment.completed", "record": {"email": "ann@example.com"}, "data": {"amount": 49}}`,
			before:     func(t *testing.T, e *env) { before = e.counts() },
			wantStatus: 201, wantContains: []string{`"record_created":false`, `"duplicate":false`},
			after: func(t *testing.T, e *env, res *response) {
				if got := e.counts(); got.Events != before.Events+1 {
					t.Fatalf("events %d, want %d", got.Events, before.Events+1)
				}
			},
		},
		{
			name: "the same delivery again is a duplicate", method: "POST", url: "/api/events",
			headers:    map[string]string{"Idempotency-Key": "delivery-42"},
			body:       `{"type": "payment.completed", "record": {"email": "ann@example.com"}, "data": {"amount": 49}}`,
			before:     func(t *testing.T, e *env) { before = e.counts() },
			wantStatus: 200, wantContains: []string{`"duplicate":true`, `"event_id":2`},
			after: func(t *testing.T, e *env, res *response) {
				if got := e.counts(); got != before {
					t.Fatalf("a duplicate delivery changed rows: %+v -> %+v", before, got)
				}
			},
		},
		{
			name: "an Idempotency-Key over 255 characters", method: "POST", url: "/api/events",
			headers:    map[string]string{"Idempotency-Key": strings.Repeat("k", 256)},
			body:       `{"type": "payment.completed", "record": {"email": "ann@example.com"}}`,
			wantStatus: 400, wantCode: "bad_header",
		},
		{
			name: "find a record by email, case-insensitively", method: "GET", url: "/api/records?email=ANN@example.com",
			wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				recs := res.json(t)["records"].([]any)
				if len(recs) != 1 || idOf(recs[0].(map[string]any)["id"]) != ann {
					t.Fatalf("records %v", recs)
				}
				if email := recs[0].(map[string]any)["email"]; email != "Ann@Example.com" {
					t.Fatalf("stored email %v, want the first spelling", email)
				}
			},
		},
		{
			name: "search records by text", method: "GET", url: "/api/records?q=ann",
			wantStatus: 200, wantContains: []string{`"first_name":"Ann"`},
		},
		{
			name: "search with no match", method: "GET", url: "/api/records?q=zebra",
			wantStatus: 200, wantContains: []string{`{"records":[]}`},
		},
		{
			name: "get a record with its lists, events and enrollments", method: "GET", url: "/api/records/1",
			wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				var out struct {
					Record struct {
						ID         int64          `json:"id"`
						Type       string         `json:"type"`
						Properties map[string]any `json:"properties"`
					} `json:"record"`
					Lists       []string         `json:"lists"`
					Events      []map[string]any `json:"events"`
					Enrollments []map[string]any `json:"enrollments"`
				}
				if err := json.Unmarshal(res.body, &out); err != nil {
					t.Fatal(err)
				}
				if out.Record.ID != ann || out.Record.Type != "contact" || out.Record.Properties["first_name"] != "Ann" {
					t.Fatalf("record %+v", out.Record)
				}
				if out.Lists == nil || len(out.Lists) != 0 || out.Enrollments == nil || len(out.Enrollments) != 0 {
					t.Fatalf("lists %v enrollments %v, want empty lists", out.Lists, out.Enrollments)
				}
				if len(out.Events) != 2 || out.Events[0]["type"] != "payment.completed" || out.Events[1]["type"] != "form.submitted" {
					t.Fatalf("events (newest first) %v", out.Events)
				}
				if got := out.Events[1]["occurred_at"]; got != "2026-03-01T12:00:00Z" {
					t.Fatalf("occurred_at %v", got)
				}
				if got := out.Events[1]["scope"]; !reflect.DeepEqual(got, map[string]any{"form": "contact-us"}) {
					t.Fatalf("scope %v", got)
				}
			},
		},
		{
			name: "a record that does not exist", method: "GET", url: "/api/records/999", wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "patch a record into a filter trigger", method: "PATCH", url: "/api/records/1",
			body: `{"properties": {"city": "Dublin", "score": 12}}`, wantStatus: 200,
			wantContains: []string{`"city":"Dublin"`, `"score":12`, `"enrollments":[1]`},
			after: func(t *testing.T, e *env, res *response) {
				en := e.call("GET", "/api/enrollments/1", nil, 200)["enrollment"].(map[string]any)
				if en["workflow_id"] != "dublin" || idOf(en["record_id"]) != ann || en["trigger_id"] != "in-dublin" {
					t.Fatalf("enrollment %v", en)
				}
			},
		},
		{
			name: "the same patch again enrolls nobody", method: "PATCH", url: "/api/records/1",
			body: `{"properties": {"city": "Dublin"}}`, wantStatus: 200, wantContains: []string{`"enrollments":[]`},
		},
		{
			name: "patch null clears a property", method: "PATCH", url: "/api/records/1",
			body: `{"properties": {"score": null}}`, wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				props := res.json(t)["record"].(map[string]any)["properties"].(map[string]any)
				if _, ok := props["score"]; ok || props["city"] != "Dublin" {
					t.Fatalf("properties after clearing score: %v", props)
				}
			},
		},
		{
			name: "patch a record that does not exist", method: "PATCH", url: "/api/records/999",
			body: `{"properties": {"city": "Cork"}}`, wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "patch another contact onto Ann's email", method: "PATCH", url: "/api/records/2",
			before: func(t *testing.T, e *env) {
				e.ingest(`{"type": "form.submitted", "record": {"email": "bob@example.com"}}`)
			},
			body: `{"properties": {"email": "ann@example.com"}}`, wantStatus: 409, wantCode: "conflict",
		},
	})
}

func TestManualEnroll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(readFile(t, "workflows/sales-handoff.json"))
	e.deploy(dublinWF)
	e.call("POST", "/api/workflows", strings.Replace(dublinWF, `"id": "dublin"`, `"id": "dublin-off"`, 1), 201)
	ann := idOf(e.ingest(`{"type": "signup", "record": {"email": "ann@example.com"}}`)["record_id"])
	acme := idOf(e.ingest(`{"type": "signup", "record": {"type": "company", "id": 0, "email": "info@acme.test", "properties": {"name": "Acme"}}}`)["record_id"])
	run(t, e, []scenario{
		{
			name: "enroll by hand", method: "POST", url: "/api/workflows/sales-handoff/enroll",
			body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 201,
			wantContains: []string{`"workflow_id":"sales-handoff"`, `"status":"active"`, `"trigger_id":"manual"`},
			after: func(t *testing.T, e *env, res *response) {
				e.runDue()
				rec := e.call("GET", fmt.Sprintf("/api/records/%d", ann), nil, 200)
				if got := rec["lists"]; !reflect.DeepEqual(got, []any{"sales-ready"}) {
					t.Fatalf("lists %v", got)
				}
				if got := rec["record"].(map[string]any)["properties"].(map[string]any)["lifecycle"]; got != "sql" {
					t.Fatalf("lifecycle %v", got)
				}
				en := e.call("GET", fmt.Sprintf("/api/enrollments/%d", idOf(res.json(t)["id"])), nil, 200)
				d := en["diagnose"].(map[string]any)
				if d["trigger"] != "manual" || d["trigger_type"] != "manual" || d["summary"] != "Enrolled manually" {
					t.Fatalf("diagnose %v", d)
				}
				if en["enrollment"].(map[string]any)["status"] != "completed" {
					t.Fatalf("enrollment %v", en["enrollment"])
				}
			},
		},
		{
			name: "enroll again after it completed, re-enrollment off", method: "POST", url: "/api/workflows/sales-handoff/enroll",
			body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 409, wantCode: "conflict",
			wantContains: []string{`re-enrollment is off`, `turn re-enrollment on`},
		},
		{
			name: "enroll while already enrolled", method: "POST", url: "/api/workflows/dublin/enroll",
			before: func(t *testing.T, e *env) {
				e.call("POST", "/api/workflows/dublin/enroll", fmt.Sprintf(`{"record_id": %d}`, ann), 201)
			},
			body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 409, wantCode: "conflict",
			wantContains: []string{`already enrolled`},
		},
		{
			name: "enroll into a disabled workflow", method: "POST", url: "/api/workflows/dublin-off/enroll",
			body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"workflow"`, `switch it on`},
		},
		{
			name: "enroll into a workflow that does not exist", method: "POST", url: "/api/workflows/ghost/enroll",
			body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "enroll a record that does not exist", method: "POST", url: "/api/workflows/dublin/enroll",
			body: `{"record_id": 999}`, wantStatus: 404, wantCode: "not_found", wantContains: []string{`record 999`},
		},
		{
			name: "enroll without a record id", method: "POST", url: "/api/workflows/dublin/enroll",
			body: `{}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_id"`},
		},
		{
			name: "enroll a company into a contact workflow", method: "POST", url: "/api/workflows/dublin/enroll",
			body: fmt.Sprintf(`{"record_id": %d}`, acme), wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"record_id"`, `is a company`},
		},
		{
			name: "enroll with a string record id", method: "POST", url: "/api/workflows/dublin/enroll",
			body: `{"record_id": "1"}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"record_id"`},
		},
	})
}

func TestEnrollmentsListAndDiagnose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(dublinWF)
	e.deploy(readFile(t, "workflows/sales-handoff.json"))
	// Five contacts move to Dublin (enrollments 1-5); the last two are also handed to sales (6, 7).
	var recs []int64
	for i := 1; i <= 5; i++ {
		res := e.ingest(fmt.Sprintf(`{"type": "moved", "record": {"email": "c%d@example.com", "properties": {"city": "Dublin"}}}`, i))
		recs = append(recs, idOf(res["record_id"]))
	}
	for _, r := range recs[3:] {
		e.call("POST", "/api/workflows/sales-handoff/enroll", fmt.Sprintf(`{"record_id": %d}`, r), 201)
	}
	e.runDue() // dublin: waiting in the delay; sales-handoff: completed
	e.call("POST", "/api/workflows/dublin/disable?cancel=true", nil, 200)

	ids := func(m map[string]any) []int64 {
		var out []int64
		for _, en := range m["enrollments"].([]any) {
			out = append(out, idOf(en.(map[string]any)["id"]))
		}
		return out
	}
	check := func(url string, want []int64) {
		t.Helper()
		if got := ids(e.call("GET", url, nil, 200)); !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s: ids %v, want %v", url, got, want)
		}
	}
	check("/api/enrollments", []int64{7, 6, 5, 4, 3, 2, 1})
	check("/api/enrollments?workflow=dublin", []int64{5, 4, 3, 2, 1})
	check("/api/enrollments?workflow=sales-handoff&status=completed", []int64{7, 6})
	check("/api/enrollments?status=cancelled", []int64{5, 4, 3, 2, 1})
	check("/api/enrollments?status=waiting", nil)
	check(fmt.Sprintf("/api/enrollments?record=%d", recs[4]), []int64{7, 5})
	check("/api/enrollments?workflow=ghost", nil)

	// Paging: limit=3 walks 7,6,5 / 4,3,2 / 1 by next_cursor.
	var pages [][]int64
	url := "/api/enrollments?limit=3"
	for i := 0; i < 10; i++ {
		m := e.call("GET", url, nil, 200)
		pages = append(pages, ids(m))
		next, ok := m["next_cursor"].(string)
		if !ok {
			break
		}
		url = "/api/enrollments?limit=3&cursor=" + next
	}
	if want := [][]int64{{7, 6, 5}, {4, 3, 2}, {1}}; !reflect.DeepEqual(pages, want) {
		t.Fatalf("pages %v, want %v", pages, want)
	}

	// Diagnose: why did contact 1 enroll in dublin?
	en := e.call("GET", "/api/enrollments/1", nil, 200)
	d := en["diagnose"].(map[string]any)
	if d["trigger"] != "in-dublin" || d["trigger_type"] != "filter" || d["version"] != 1.0 {
		t.Fatalf("diagnose %v", d)
	}
	if d["summary"] != "Started to meet the filter criteria" {
		t.Fatalf("summary %q", d["summary"])
	}
	if got := d["matched"]; !reflect.DeepEqual(got, map[string]any{"city": "Dublin"}) {
		t.Fatalf("matched %v", got)
	}
	var trail []string
	for _, h := range en["history"].([]any) {
		h := h.(map[string]any)
		s := h["outcome"].(string)
		if step, _ := h["step_id"].(string); step != "" {
			s = step + ":" + s
		}
		trail = append(trail, s)
	}
	if want := []string{"enrolled", "wait:waiting", "wait:cancelled"}; !reflect.DeepEqual(trail, want) {
		t.Fatalf("history %v, want %v", trail, want)
	}

	run(t, e, []scenario{
		{name: "bogus status", method: "GET", url: "/api/enrollments?status=bogus", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`bogus`}},
		{name: "negative limit", method: "GET", url: "/api/enrollments?limit=-1", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`limit`}},
		{name: "limit not a number", method: "GET", url: "/api/enrollments?limit=ten", wantStatus: 400, wantCode: "bad_query"},
		{name: "bad cursor", method: "GET", url: "/api/enrollments?cursor=abc", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`cursor`}},
		{name: "bad record filter", method: "GET", url: "/api/enrollments?record=x", wantStatus: 400, wantCode: "bad_query"},
		{
			name: "a huge limit is capped, and a full page has a cursor", method: "GET", url: "/api/enrollments?limit=100000",
			wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				if got := ids(res.json(t)); len(got) != 7 {
					t.Fatalf("ids %v", got)
				}
			},
		},
		{name: "an enrollment that does not exist", method: "GET", url: "/api/enrollments/999", wantStatus: 404, wantCode: "not_found"},
		{name: "records: negative limit", method: "GET", url: "/api/records?limit=-1", wantStatus: 400, wantCode: "bad_query"},
		{
			name: "records: paging by cursor", method: "GET", url: "/api/records?limit=2&cursor=2", wantStatus: 200,
			wantContains: []string{`"next_cursor":"4"`, `"c3@example.com"`, `"c4@example.com"`},
		},
	})
}
