package api_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// dublinWF enrolls contacts the first time their city becomes Dublin and tags them.
const dublinWF = `{
  "id": "dublin", "name": "Dublin leads", "object": "contact",
  "triggers": [{"id": "in-dublin", "type": "filter", "filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "wait",
  "steps": [
    {"id": "wait", "type": "delay", "duration": "1h", "next": "tag"},
    {"id": "tag", "type": "set_property", "property": "tags", "value": ["dublin"], "mode": "append"}
  ]
}`

// dublinWFRenamed is dublinWF with another name (an edit).
var dublinWFRenamed = strings.Replace(dublinWF, `"Dublin leads"`, `"Dublin leads (edited)"`, 1)

func TestWorkflowLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run(t, e, []scenario{
		{
			name: "health", method: "GET", url: "/api/health", wantStatus: 200,
			wantContains: []string{`"status":"ok"`, `"version":"test"`},
			after: func(t *testing.T, e *env, res *response) {
				want, err := e.db.SchemaVersion(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got := res.json(t)["schema_version"]; want < 1 || got != float64(want) {
					t.Fatalf("schema_version %v, want %d", got, want)
				}
			},
		},
		{
			name: "empty list", method: "GET", url: "/api/workflows", wantStatus: 200,
			wantContains: []string{`{"workflows":[]}`},
		},
		{
			name: "create", method: "POST", url: "/api/workflows", body: dublinWF, wantStatus: 201,
			wantHeaders:  map[string]string{"Location": "/api/workflows/dublin", "ETag": `"1"`},
			wantContains: []string{`"id":"dublin"`, `"revision":1`, `"enabled":false`},
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.Workflows != 1 {
					t.Fatalf("workflows %d, want 1", c.Workflows)
				}
			},
		},
		{
			name: "create the same id again", method: "POST", url: "/api/workflows", body: dublinWF,
			wantStatus: 409, wantCode: "conflict", wantContains: []string{`already exists`},
		},
		{
			name: "get", method: "GET", url: "/api/workflows/dublin", wantStatus: 200,
			wantHeaders: map[string]string{"ETag": `"1"`},
			after: func(t *testing.T, e *env, res *response) {
				m := res.json(t)
				def := m["definition"].(map[string]any)
				if m["name"] != "Dublin leads" || def["start"] != "wait" || len(def["steps"].([]any)) != 2 {
					t.Fatalf("workflow %v", m)
				}
			},
		},
		{
			name: "list", method: "GET", url: "/api/workflows", wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				var out struct {
					Workflows []map[string]any `json:"workflows"`
				}
				if err := json.Unmarshal(res.body, &out); err != nil {
					t.Fatal(err)
				}
				if len(out.Workflows) != 1 || out.Workflows[0]["id"] != "dublin" || out.Workflows[0]["object"] != "contact" {
					t.Fatalf("list %v", out.Workflows)
				}
				if _, ok := out.Workflows[0]["definition"]; ok {
					t.Fatal("list rows carry the definition; they are summaries")
				}
			},
		},
		{
			name: "validate a valid workflow", method: "POST", url: "/api/workflows/validate", body: dublinWF,
			wantStatus: 200, wantContains: []string{`{"problems":[],"valid":true}`},
		},
		{
			name: "validate an invalid workflow", method: "POST", url: "/api/workflows/validate",
			body: strings.Replace(dublinWF, `"duration": "1h"`, `"duration": "soon"`, 1), wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				var out struct {
					Valid    bool `json:"valid"`
					Problems []struct{ Step, Field, Message string }
				}
				if err := json.Unmarshal(res.body, &out); err != nil {
					t.Fatal(err)
				}
				if out.Valid || len(out.Problems) != 1 || out.Problems[0].Step != "wait" || out.Problems[0].Field != "duration" {
					t.Fatalf("validate answered %s", res.body)
				}
			},
		},
		{
			name: "update with the current revision", method: "PUT", url: "/api/workflows/dublin", body: dublinWFRenamed,
			headers: map[string]string{"If-Match": `"1"`}, wantStatus: 200,
			wantHeaders:  map[string]string{"ETag": `"2"`},
			wantContains: []string{`"revision":2`, `"name":"Dublin leads (edited)"`},
		},
		{
			name: "update with a stale revision", method: "PUT", url: "/api/workflows/dublin", body: dublinWF,
			headers: map[string]string{"If-Match": `W/"1"`}, wantStatus: 409, wantCode: "conflict",
			wantContains: []string{`revision 2, you edited 1`},
			after: func(t *testing.T, e *env, res *response) {
				if got := e.call("GET", "/api/workflows/dublin", nil, 200)["name"]; got != "Dublin leads (edited)" {
					t.Fatalf("a refused update changed the name to %v", got)
				}
			},
		},
		{
			name: "update with a stale ?revision=", method: "PUT", url: "/api/workflows/dublin?revision=1", body: dublinWF,
			wantStatus: 409, wantCode: "conflict",
		},
		{
			name: "update with a malformed If-Match", method: "PUT", url: "/api/workflows/dublin", body: dublinWF,
			headers: map[string]string{"If-Match": `"abc"`}, wantStatus: 400, wantCode: "bad_revision",
		},
		{
			name: "update changing the id", method: "PUT", url: "/api/workflows/dublin",
			body:       strings.Replace(dublinWF, `"id": "dublin"`, `"id": "dublin-2"`, 1),
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"id"`},
		},
		{
			name: "update without an id in the body saves under the path's id", method: "PUT", url: "/api/workflows/dublin",
			body:       strings.Replace(dublinWFRenamed, `"id": "dublin", `, ``, 1),
			wantStatus: 200, wantContains: []string{`"id":"dublin"`, `"revision":3`, `"definition":{"id":"dublin",`},
		},
		{
			name: "update a workflow that does not exist", method: "PUT", url: "/api/workflows/nope",
			body: strings.Replace(dublinWF, `"id": "dublin"`, `"id": "nope"`, 1), wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "enable", method: "POST", url: "/api/workflows/dublin/enable", wantStatus: 200,
			wantContains: []string{`"enabled":true`, `"active_version":1`},
		},
		{
			name: "enable a workflow that does not exist", method: "POST", url: "/api/workflows/nope/enable",
			wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "stats of a fresh workflow", method: "GET", url: "/api/workflows/dublin/stats", wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				want := map[string]any{
					"enrollments": map[string]any{"active": 0.0, "waiting": 0.0, "completed": 0.0, "completed_with_errors": 0.0, "failed": 0.0, "cancelled": 0.0,
						"goal_reached": 0.0, "unenrolled": 0.0},
					"retrying":               0.0,
					"open_with_failed_steps": 0.0,
					"steps":                  map[string]any{},
					"goal_conversion":        0.0,
				}
				if got := res.json(t); !reflect.DeepEqual(got, want) {
					t.Fatalf("stats %v, want %v", got, want)
				}
			},
		},
		{
			name: "stats of a workflow that does not exist", method: "GET", url: "/api/workflows/nope/stats",
			wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "disable and cancel open enrollments", method: "POST", url: "/api/workflows/dublin/disable?cancel=true",
			before: func(t *testing.T, e *env) {
				// Two contacts move to Dublin and wait in the 1h delay.
				for _, email := range []string{"ann@example.com", "bob@example.com"} {
					e.call("POST", "/api/events", `{"type": "moved", "record": {"email": "`+email+`", "properties": {"city": "Dublin"}}}`, 201)
				}
				e.runDue()
				st := e.call("GET", "/api/workflows/dublin/stats", nil, 200)
				if got := st["enrollments"].(map[string]any)["waiting"]; got != 2.0 {
					t.Fatalf("waiting before disable: %v (%v)", got, st)
				}
			},
			wantStatus: 200, wantContains: []string{`"enabled":false`},
			after: func(t *testing.T, e *env, res *response) {
				st := e.call("GET", "/api/workflows/dublin/stats", nil, 200)
				want := map[string]any{"active": 0.0, "waiting": 0.0, "completed": 0.0, "completed_with_errors": 0.0, "failed": 0.0, "cancelled": 2.0, "goal_reached": 0.0, "unenrolled": 0.0}
				if got := st["enrollments"]; !reflect.DeepEqual(got, want) {
					t.Fatalf("enrollments after disable?cancel=true: %v, want %v", got, want)
				}
				if c := e.counts(); c.Jobs != 0 {
					t.Fatalf("%d jobs left after cancelling", c.Jobs)
				}
				// Nothing runs any more, even after the delay.
				if n := e.advance(2 * time.Hour); n != 0 {
					t.Fatalf("%d jobs ran after cancel", n)
				}
			},
		},
		{
			name: "disable without cancel keeps enrollments running", method: "POST", url: "/api/workflows/dublin/disable",
			before: func(t *testing.T, e *env) {
				e.call("POST", "/api/workflows/dublin/enable", nil, 200)
				e.call("POST", "/api/events", `{"type": "moved", "record": {"email": "cy@example.com", "properties": {"city": "Dublin"}}}`, 201)
				e.runDue()
			},
			wantStatus: 200, wantContains: []string{`"enabled":false`},
			after: func(t *testing.T, e *env, res *response) {
				e.advance(61 * time.Minute)
				st := e.call("GET", "/api/workflows/dublin/stats", nil, 200)
				want := map[string]any{"active": 0.0, "waiting": 0.0, "completed": 1.0, "completed_with_errors": 0.0, "failed": 0.0, "cancelled": 2.0, "goal_reached": 0.0, "unenrolled": 0.0}
				if got := st["enrollments"]; !reflect.DeepEqual(got, want) {
					t.Fatalf("enrollments: %v, want %v", got, want)
				}
			},
		},
		{
			name: "disable with a bad cancel flag", method: "POST", url: "/api/workflows/dublin/disable?cancel=maybe",
			wantStatus: 400, wantCode: "bad_query",
		},
		{
			name: "delete with a bad enrollments choice", method: "DELETE", url: "/api/workflows/dublin?enrollments=later",
			wantStatus: 400, wantCode: "bad_query", wantContains: []string{"cancel", "keep"},
		},
		{
			name: "delete moves it to the trash", method: "DELETE", url: "/api/workflows/dublin", wantStatus: 200,
			wantContains: []string{`"id":"dublin"`, `"deleted_at":`, `"purge_by":`, `"enrollments":3`},
			after: func(t *testing.T, e *env, res *response) {
				if c := e.counts(); c.Workflows != 0 || c.Enrollments != 3 {
					t.Fatalf("after delete: %+v, want no workflow listed and its 3 enrollments kept", c)
				}
			},
		},
		{
			name: "get after delete", method: "GET", url: "/api/workflows/dublin", wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "delete again", method: "DELETE", url: "/api/workflows/dublin", wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "the trash lists it", method: "GET", url: "/api/trash", wantStatus: 200,
			wantContains: []string{`"id":"dublin"`, `"keep_days":30`},
		},
		{
			name: "a new workflow cannot take a trashed id", method: "POST", url: "/api/workflows", body: dublinWF,
			wantStatus: 409, wantCode: "conflict", wantContains: []string{"Trash"},
		},
		{
			name: "restore", method: "POST", url: "/api/workflows/dublin/restore", wantStatus: 200,
			wantContains: []string{`"id":"dublin"`, `"enabled":false`},
			after: func(t *testing.T, e *env, res *response) {
				st := e.call("GET", "/api/workflows/dublin/stats", nil, 200)
				if got := st["enrollments"].(map[string]any)["completed"]; got != 1.0 {
					t.Fatalf("restored stats %v: the history did not come back", st)
				}
				e.call("GET", "/api/trash/dublin", nil, 404)
			},
		},
		{
			name: "restore what is not in the trash", method: "POST", url: "/api/workflows/dublin/restore", wantStatus: 404, wantCode: "not_found",
		},
		{
			name: "purge", method: "DELETE", url: "/api/trash/dublin", wantStatus: 202,
			before:       func(t *testing.T, e *env) { e.call("DELETE", "/api/workflows/dublin?enrollments=keep", nil, 200) },
			wantContains: []string{`"purge":{"total":3,"removed":0}`},
			after: func(t *testing.T, e *env, res *response) {
				e.call("POST", "/api/workflows/dublin/restore", nil, 409)
				e.eng.RunMaintenance(e.ctx)
				e.call("GET", "/api/trash/dublin", nil, 404)
				if c := e.counts(); c.Workflows != 0 || c.Enrollments != 0 {
					t.Fatalf("after purge: %+v", c)
				}
				e.call("POST", "/api/workflows", dublinWF, 201)
			},
		},
		{
			name: "schema", method: "GET", url: "/api/schema", wantStatus: 200,
			wantContains: []string{`"objects":["company","contact","deal","ticket"]`, `"name":"watch_pct"`, `"step_types":`, `"operators":`},
		},
	})
}

func TestCreateWorkflowWithoutIDGetsOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := strings.Replace(dublinWF, `"id": "dublin", `, ``, 1)
	res := e.request("POST", "/api/workflows", body, nil)
	if res.status != 201 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	id, _ := res.json(t)["id"].(string)
	if id != "dublin-leads" {
		t.Fatalf("generated id %q, want the name's slug", id)
	}
	if loc := res.header.Get("Location"); loc != "/api/workflows/"+id {
		t.Fatalf("Location %q for id %q", loc, id)
	}
	e.call("GET", "/api/workflows/"+id, nil, 200)
	// the same name again: the first free number
	for _, want := range []string{"dublin-leads-2", "dublin-leads-3"} {
		if got := e.call("POST", "/api/workflows", body, 201)["id"]; got != want {
			t.Fatalf("second id %v, want %s", got, want)
		}
	}
}
