package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// seeded is an env with one enabled workflow, one record and one event, so "nothing changed"
// is checked against non-empty tables.
func seeded(t *testing.T) *env {
	e := newEnv(t)
	e.deploy(dublinWF)
	e.ingest(`{"type": "moved", "record": {"email": "ann@example.com", "properties": {"city": "Dublin"}}}`)
	if c := e.counts(); c != (counts{Workflows: 1, Events: 1, Records: 1, Enrollments: 1, Jobs: 1}) {
		t.Fatalf("seed rows %+v", c)
	}
	return e
}

// oversized is a syntactically fine JSON object of n bytes.
func oversized(n int) string {
	pad := n - len(`{"type": "x", "data": {"pad": ""}}`)
	return `{"type": "x", "data": {"pad": "` + strings.Repeat("a", pad) + `"}}`
}

func TestBadWorkflowInput(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	tenProblems := readFile(t, "validate/ten-problems.json")
	run(t, e, []scenario{
		{name: "malformed JSON", method: "POST", url: "/api/workflows", body: `{"id" "x"}`, wantStatus: 400, wantCode: "malformed_json", wantContains: []string{`malformed JSON at byte 7`}},
		{name: "truncated JSON", method: "POST", url: "/api/workflows", body: `{"id": "x", "name": `, wantStatus: 400, wantCode: "malformed_json", wantContains: []string{`ends too early`}},
		{
			name: "unknown field", method: "POST", url: "/api/workflows",
			body:       strings.Replace(dublinWF, `"name":`, `"nmae":`, 1),
			wantStatus: 400, wantCode: "unknown_field", wantContains: []string{`"field":"nmae"`, `unknown field \"nmae\"`},
		},
		{
			name: "unknown field in a step", method: "POST", url: "/api/workflows",
			body:       strings.Replace(dublinWF, `"duration": "1h"`, `"duration": "1h", "durration": "2h"`, 1),
			wantStatus: 400, wantCode: "unknown_field", wantContains: []string{`"field":"durration"`},
		},
		{
			name: "wrong type", method: "POST", url: "/api/workflows",
			body:       strings.Replace(dublinWF, `"name": "Dublin leads"`, `"name": 42`, 1),
			wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"name"`, `must be a string, not number`},
		},
		{
			name: "wrong type deep inside", method: "POST", url: "/api/workflows",
			body:       strings.Replace(dublinWF, `"value": ["dublin"]`, `"value": ["dublin"], "mode": 3`, 1),
			wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"steps.mode"`},
		},
		{name: "empty body", method: "POST", url: "/api/workflows", wantStatus: 400, wantCode: "empty_body", headers: map[string]string{"Content-Type": "application/json"}},
		{name: "blank body", method: "POST", url: "/api/workflows", body: " \n\t ", wantStatus: 400, wantCode: "empty_body"},
		{name: "null body", method: "POST", url: "/api/workflows", body: `null`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"body"`}},
		{name: "a list, not an object", method: "POST", url: "/api/workflows", body: `[]`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"body"`}},
		{name: "trailing garbage", method: "POST", url: "/api/workflows", body: dublinWF + ` x`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "a second object", method: "POST", url: "/api/workflows", body: dublinWF + ` {}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "a stray brace", method: "POST", url: "/api/workflows", body: dublinWF + `}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "a stray bracket", method: "POST", url: "/api/workflows", body: dublinWF + `]`, wantStatus: 400, wantCode: "malformed_json"},
		{
			name: "oversized body", method: "POST", url: "/api/workflows", body: oversized(2<<20 + 1),
			wantStatus: 413, wantCode: "too_large", wantContains: []string{`2097152-byte limit`},
		},
		{
			name: "oversized validate body", method: "POST", url: "/api/workflows/validate", body: oversized(2<<20 + 1),
			wantStatus: 413, wantCode: "too_large",
		},
		{
			// The file's template exists, so the answer holds exactly the file's own problems.
			name: "ten problems at once: stored as a draft, every problem answered", method: "POST", url: "/api/workflows", body: tenProblems,
			before:     func(t *testing.T, e *env) { e.emailTemplate("replay") },
			wantStatus: 201, wantContains: []string{`"id":"ten-problems"`, `"enabled":false`},
			after: func(t *testing.T, e *env, res *response) {
				var out struct {
					Problems []map[string]any `json:"problems"`
				}
				if err := json.Unmarshal(res.body, &out); err != nil {
					t.Fatal(err)
				}
				var want []map[string]any
				if err := json.Unmarshal([]byte(readFile(t, "validate/ten-problems.golden")), &want); err != nil {
					t.Fatal(err)
				}
				if got := out.Problems; len(got) != 10 || !reflect.DeepEqual(got, want) {
					t.Fatalf("problems (%d):\n%v\nwant (golden):\n%v", len(got), got, want)
				}
			},
		},
		{
			name: "enabling the draft is refused with the same problems", method: "POST", url: "/api/workflows/ten-problems/enable",
			wantStatus: 422, wantCode: "invalid_workflow", wantContains: []string{`Fix these problems before switching the workflow on.`, `has 10 problem(s)`, `"severity":"error"`},
			after: func(t *testing.T, e *env, res *response) {
				got := e.call("GET", "/api/workflows/ten-problems", nil, 200)
				if got["enabled"] != false || got["revision"] != 1.0 {
					t.Fatalf("after a refused enable: %v", got)
				}
				// Delete and purge it, so the id is free for the scenarios that follow.
				e.call("DELETE", "/api/workflows/ten-problems", nil, 200)
				e.call("DELETE", "/api/trash/ten-problems", nil, 202)
				e.eng.RunMaintenance(e.ctx)
			},
		},
		{
			name: "validate reports the same ten problems with 200", method: "POST", url: "/api/workflows/validate", body: tenProblems,
			wantStatus: 200, wantContains: []string{`"valid":false`},
			after: func(t *testing.T, e *env, res *response) {
				if n := len(res.json(t)["problems"].([]any)); n != 10 {
					t.Fatalf("%d problems, want 10", n)
				}
			},
		},
		{
			name: "an id that cannot be a workflow id", method: "POST", url: "/api/workflows",
			body:       strings.Replace(dublinWF, `"id": "dublin"`, `"id": "Dublin Leads!"`, 1),
			wantStatus: 422, wantCode: "invalid_workflow", wantContains: []string{`"field":"id"`},
		},
		{
			name: "validate names a bad id too", method: "POST", url: "/api/workflows/validate",
			body:       strings.Replace(dublinWF, `"id": "dublin"`, `"id": "Dublin Leads!"`, 1),
			wantStatus: 200, wantContains: []string{`"valid":false`, `{"field":"id","message":"Workflow id \"Dublin Leads!\" must be`},
		},
		{
			name: "an update with ten problems of a workflow that is on changes nothing", method: "PUT", url: "/api/workflows/dublin",
			body:       strings.Replace(tenProblems, `"id": "ten-problems"`, `"id": "dublin"`, 1),
			wantStatus: 422, wantCode: "invalid_workflow", wantContains: []string{`This workflow is on, so saving would put these problems live; nothing was saved.`, `switch the workflow off to save it as a draft`},
			after: func(t *testing.T, e *env, res *response) {
				if rev := e.call("GET", "/api/workflows/dublin", nil, 200)["revision"]; rev != 1.0 {
					t.Fatalf("revision %v after a refused update", rev)
				}
			},
		},
		{name: "update: malformed JSON", method: "PUT", url: "/api/workflows/dublin", body: `{`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "update: oversized", method: "PUT", url: "/api/workflows/dublin", body: oversized(2<<20 + 1), wantStatus: 413, wantCode: "too_large"},
		{name: "bad workflow id in the path", method: "GET", url: "/api/workflows/Not%20An%20Id", wantStatus: 400, wantCode: "bad_id"},
		{name: "bad workflow id: upper case", method: "DELETE", url: "/api/workflows/DUBLIN", wantStatus: 400, wantCode: "bad_id"},
		{name: "bad workflow id on enable", method: "POST", url: "/api/workflows/-x/enable", wantStatus: 400, wantCode: "bad_id"},
		{name: "bad workflow id on stats", method: "GET", url: "/api/workflows/" + strings.Repeat("a", 65) + "/stats", wantStatus: 400, wantCode: "bad_id"},
		{name: "bad workflow id on enroll", method: "POST", url: "/api/workflows/a.b/enroll", body: `{"record_id": 1}`, wantStatus: 400, wantCode: "bad_id"},
	})
}

func TestBadEventInput(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	run(t, e, []scenario{
		{name: "malformed JSON", method: "POST", url: "/api/events", body: `{"type": "x", "record": {]}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "unknown field", method: "POST", url: "/api/events", body: `{"type": "x", "recrod": {"email": "a@b.c"}}`, wantStatus: 400, wantCode: "unknown_field", wantContains: []string{`"field":"recrod"`}},
		{name: "unknown field in the record", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"mail": "a@b.c"}}`, wantStatus: 400, wantCode: "unknown_field", wantContains: []string{`"field":"mail"`}},
		{name: "wrong type", method: "POST", url: "/api/events", body: `{"type": 7, "record": {"email": "a@b.c"}}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"type"`}},
		{name: "wrong type in the record", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": ["a@b.c"]}}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"record.email"`, `must be a string, not array`}},
		{name: "a fractional record id", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"id": 1.5}}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"record.id"`, `whole number`}},
		{name: "a scope value that is not a string", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}, "scope": {"webinar": 54072}}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"scope"`}},
		{name: "occurred_at not a time", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}, "occurred_at": "yesterday"}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"occurred_at"`, `RFC 3339`}},
		{name: "occurred_at a number", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}, "occurred_at": 1700000000}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"occurred_at"`}},
		{name: "empty body", method: "POST", url: "/api/events", wantStatus: 400, wantCode: "empty_body", headers: map[string]string{"Content-Type": "application/json"}},
		{name: "trailing garbage", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}}}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "two events in one body", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}} {"type": "y", "record": {"email": "a@b.c"}}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "oversized body", method: "POST", url: "/api/events", body: oversized(256<<10 + 1), wantStatus: 413, wantCode: "too_large", wantContains: []string{`262144-byte limit`}},
		{name: "unknown record type", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"type": "spaceship", "email": "a@b.c"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.type"`, `spaceship`, `contact`}},
		{name: "no event type", method: "POST", url: "/api/events", body: `{"record": {"email": "a@b.c"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"type"`, `missing`}},
		{name: "a bad event type", method: "POST", url: "/api/events", body: `{"type": "has spaces", "record": {"email": "a@b.c"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"type"`}},
		{name: "neither email nor id", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"properties": {"city": "Cork"}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record"`, `\"id\" or \"email\"`}},
		{name: "no record at all", method: "POST", url: "/api/events", body: `{"type": "x"}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record"`}},
		{name: "bad email", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "not-an-email"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.email"`}},
		{name: "email with a space", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a b@c.d"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.email"`}},
		{name: "bad email in properties", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"properties": {"email": "nope"}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.email"`}},
		{name: "email property not a string", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"id": 1, "properties": {"email": 5}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.email"`}},
		{name: "negative record id", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"id": -1}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.id"`}},
		{name: "a record id that does not exist", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"id": 999}}`, wantStatus: 404, wantCode: "not_found", wantContains: []string{`record 999`}},
		{name: "a record id of another type", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"type": "deal", "id": 1}}`, wantStatus: 409, wantCode: "conflict"},
		{name: "bad property name", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"first name": "A"}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.first name"`}},
		{name: "property name starting with a digit", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"1st": "A"}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.1st"`}},
		{name: "nested object property", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"address": {"city": "Cork"}}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.address"`, `nested objects`}},
		{name: "objects inside a list property", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"tags": [{"a": 1}]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.tags"`}},
		{name: "a list inside a list property", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"tags": [["a"]]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.tags"`}},
		{name: "too many properties", method: "POST", url: "/api/events", body: manyProps(501), wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`501 properties`}},
		{name: "an empty scope key", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c"}, "scope": {"": "1"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"scope"`}},
		{name: "an email with an escaped NUL", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a\u0000@example.com"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.email"`, `control character`}},
		{name: "an email without a domain", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "sales@acme"}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.email"`, `no valid domain`}},
		{name: "a body that is not UTF-8", method: "POST", url: "/api/events", body: "{\"type\": \"x\", \"record\": {\"email\": \"a@b.c\", \"properties\": {\"city\": \"K\xf6ln\"}}}", wantStatus: 400, wantCode: "invalid_utf8", wantContains: []string{`byte 68`, `"offset":68`}},
		{name: "a workflow that is not UTF-8", method: "POST", url: "/api/workflows", body: "{\"id\": \"x\", \"name\": \"\xff\"}", wantStatus: 400, wantCode: "invalid_utf8", wantContains: []string{`"field":"body"`}},
		{name: "add to the email", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "add": {"email": ["b@c.d"]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.add.email"`}},
		{name: "add objects to a list", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "add": {"tags": [{"a": 1}]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.add.tags"`, `plain strings`}},
		{name: "remove from a badly named property", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "remove": {"my tags": ["a"]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.remove.my tags"`}},
		{name: "set and add the same list", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"tags": ["a"]}, "add": {"tags": ["b"]}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.add.tags"`, `not both`}},
		{name: "add a value that is not a list", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "add": {"tags": "vip"}}}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"record.add"`, `must be a list`}},
		{name: "a number out of range", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "a@b.c", "properties": {"n": 1e400}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`too large`, `record.properties.n`}},
	})
}

func manyProps(n int) string {
	var b strings.Builder
	b.WriteString(`{"type": "x", "record": {"email": "a@b.c", "properties": {`)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `"p%d": %d`, i, i)
	}
	b.WriteString(`}}}`)
	return b.String()
}

func TestBadRecordAndRouteInput(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	run(t, e, []scenario{
		{name: "patch with no body", method: "PATCH", url: "/api/records/1", wantStatus: 400, wantCode: "empty_body", headers: map[string]string{"Content-Type": "application/json"}},
		{name: "patch with nothing", method: "PATCH", url: "/api/records/1", body: `{}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties"`, `nothing to change`}},
		{name: "patch with empty properties", method: "PATCH", url: "/api/records/1", body: `{"properties": {}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties"`}},
		{name: "patch an unknown field", method: "PATCH", url: "/api/records/1", body: `{"props": {"city": "Cork"}}`, wantStatus: 400, wantCode: "unknown_field", wantContains: []string{`"field":"props"`}},
		{name: "patch properties of the wrong type", method: "PATCH", url: "/api/records/1", body: `{"properties": ["city"]}`, wantStatus: 400, wantCode: "wrong_type", wantContains: []string{`"field":"properties"`}},
		{name: "patch a bad property name", method: "PATCH", url: "/api/records/1", body: `{"properties": {"a.b": 1}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties.a.b"`}},
		{name: "patch a nested object", method: "PATCH", url: "/api/records/1", body: `{"properties": {"city": {"name": "Cork"}}}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties.city"`}},
		{name: "patch malformed JSON", method: "PATCH", url: "/api/records/1", body: `{"properties": {"city": "Cork"}`, wantStatus: 400, wantCode: "malformed_json"},
		{name: "patch oversized", method: "PATCH", url: "/api/records/1", body: oversized(256<<10 + 1), wantStatus: 413, wantCode: "too_large"},
		{name: "record id not a number", method: "GET", url: "/api/records/abc", wantStatus: 400, wantCode: "bad_id", wantContains: []string{`"field":"id"`}},
		{name: "record id zero", method: "GET", url: "/api/records/0", wantStatus: 400, wantCode: "bad_id"},
		{name: "record id negative", method: "PATCH", url: "/api/records/-1", body: `{"properties": {"city": "Cork"}}`, wantStatus: 400, wantCode: "bad_id"},
		{name: "record id too big", method: "GET", url: "/api/records/99999999999999999999", wantStatus: 400, wantCode: "bad_id"},
		{name: "enrollment id not a number", method: "GET", url: "/api/enrollments/first", wantStatus: 400, wantCode: "bad_id"},
		{name: "unknown route", method: "GET", url: "/api/nope", wantStatus: 404, wantCode: "no_route"},
		{name: "unknown route with a body", method: "POST", url: "/api/nope", body: `{}`, wantStatus: 404, wantCode: "no_route"},
		{name: "api root", method: "GET", url: "/api/", wantStatus: 404, wantCode: "no_route"},
		{name: "too deep a path", method: "GET", url: "/api/records/1/events", wantStatus: 404, wantCode: "no_route"},
		{
			name: "wrong method", method: "DELETE", url: "/api/health", wantStatus: 405, wantCode: "method_not_allowed",
			wantHeaders: map[string]string{"Allow": "GET"},
		},
		{
			name: "wrong method on a collection", method: "PATCH", url: "/api/workflows", body: `{}`, wantStatus: 405, wantCode: "method_not_allowed",
			wantHeaders: map[string]string{"Allow": "GET, POST"},
		},
		{
			name: "wrong method on a record", method: "PUT", url: "/api/records/1", wantStatus: 405, wantCode: "method_not_allowed",
			wantHeaders: map[string]string{"Allow": "GET, PATCH, DELETE"},
		},
		{name: "GET on enable", method: "GET", url: "/api/workflows/dublin/enable", wantStatus: 405, wantCode: "method_not_allowed", wantHeaders: map[string]string{"Allow": "POST"}},
	})
}
