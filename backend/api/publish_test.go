package api_test

import (
	"strings"
	"testing"
)

// cityWF enrolls contacts in Dublin (a filter trigger); it starts off.
const cityWF = `{"id": "dublin", "name": "Dublin", "object": "contact",
	"triggers": [{"id": "city", "type": "filter", "filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}}],
	"start": "wait", "steps": [{"id": "wait", "type": "delay", "duration": "1d"}]}`

func TestReviewAndPublish(t *testing.T) {
	e := newEnv(t)
	e.seedContacts(9) // 6 in Dublin, 3 in Cork
	e.call("POST", "/api/workflows", cityWF, 201)
	cork := strings.Replace(cityWF, `"value": "Dublin"`, `"value": "Cork"`, 1)
	broken := strings.Replace(cityWF, `"duration": "1d"`, `"duration": "soon"`, 1)
	openEnrollments := func(t *testing.T, want int) {
		t.Helper()
		if got := e.counts().Enrollments; got != int64(want) {
			t.Fatalf("%d enrollments, want %d", got, want)
		}
	}
	run(t, e, []scenario{
		{name: "review the draft of a workflow that is off", method: "POST", url: "/api/workflows/dublin/review", wantStatus: 200,
			wantContains: []string{`"enabled":false`, `"summary":"First version: 1 trigger, 1 step"`, `"valid":true`,
				`"filter_triggers":1`, `"matching":6`, `"enrollable":6`}},
		{name: "publish needs the answer", method: "POST", url: "/api/workflows/dublin/publish", body: `{}`, wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"enroll_existing"`}},
		{name: "publish without enrolling the records there now", method: "POST", url: "/api/workflows/dublin/publish", body: `{"enroll_existing": false}`, wantStatus: 200,
			wantContains: []string{`"enabled":true`, `"active_version":1`, `"enrolled":0`},
			after:        func(t *testing.T, e *env, _ *response) { openEnrollments(t, 0) }},
		{name: "review a change against the live version", method: "POST", url: "/api/workflows/dublin/review", body: `{"definition": ` + cork + `}`, wantStatus: 200,
			wantContains: []string{`"live_version":1`, `"change":"changed","fields":["filter"]`, `"summary":"Triggers changed"`, `"matching":3`, `"enrollable":3`}},
		{name: "a change with errors is refused and nothing changes", method: "POST", url: "/api/workflows/dublin/publish",
			body: `{"definition": ` + broken + `, "enroll_existing": true}`, wantStatus: 422, wantCode: "invalid_workflow",
			wantContains: []string{`"step":"wait","field":"duration"`},
			after: func(t *testing.T, e *env, _ *response) {
				if w := e.call("GET", "/api/workflows/dublin", nil, 200); w["revision"] != 1.0 || w["active_version"] != 1.0 {
					t.Fatalf("a refused publish changed the workflow: %v", w)
				}
			}},
		{name: "a stale copy is a conflict", method: "POST", url: "/api/workflows/dublin/publish",
			body: `{"definition": ` + cork + `, "revision": 5, "enroll_existing": true}`, wantStatus: 409, wantCode: "conflict"},
		{name: "an unknown field in the definition", method: "POST", url: "/api/workflows/dublin/publish",
			body: `{"definition": {"id": "dublin", "colour": "red"}, "enroll_existing": true}`, wantStatus: 400, wantContains: []string{"definition: ", "colour"}, wantCode: "unknown_field"},
		{name: "publish the change and enroll the records there now", method: "POST", url: "/api/workflows/dublin/publish",
			body: `{"definition": ` + cork + `, "revision": 1, "enroll_existing": true}`, wantStatus: 200,
			wantContains: []string{`"active_version":2`, `"enrolled":3`},
			after:        func(t *testing.T, e *env, _ *response) { openEnrollments(t, 3) }},
		{name: "the records in it now are counted apart", method: "POST", url: "/api/workflows/dublin/review", wantStatus: 200,
			wantContains: []string{`"summary":"No changes"`, `"matching":3`, `"enrollable":0`, `"already_enrolled":3`}},
		{name: "an unknown workflow", method: "POST", url: "/api/workflows/nope/review", wantStatus: 404, wantCode: "not_found"},
		{name: "switch it off, letting its records finish", method: "POST", url: "/api/workflows/dublin/disable", wantStatus: 200},
		{name: "switching back on is reviewed against the version it last ran, not as a first version", method: "POST", url: "/api/workflows/dublin/review", wantStatus: 200,
			wantContains: []string{`"enabled":false`, `"live_version":2`, `"summary":"No changes"`, `"already_enrolled":3`}},
	})
	vs := e.call("GET", "/api/workflows/dublin/versions", nil, 200)["versions"].([]any)
	if len(vs) != 2 || vs[0].(map[string]any)["summary"] != "Triggers changed" {
		t.Fatalf("versions after two publishes: %v", vs)
	}
}
