package api_test

import (
	"strings"
	"testing"
)

const twoStepWF = `{"id": "steps", "name": "Steps", "object": "contact",
	"triggers": [{"type": "event", "event": "signed.up"}],
	"start": "a", "steps": [
		{"id": "a", "type": "set_property", "property": "stage", "value": "new", "next": "wait"},
		{"id": "wait", "type": "delay", "duration": "1d"}]}`

func TestEnrollmentsByStepWithEmailsAndVersions(t *testing.T) {
	e := newEnv(t)
	e.deploy(twoStepWF)
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		e.call("POST", "/api/events", map[string]any{"type": "signed.up", "record": map[string]any{"email": email}}, 201)
	}
	e.runDue()
	run(t, e, []scenario{
		{name: "step that all ran", method: "GET", url: "/api/enrollments?workflow=steps&step=a", wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				if n := strings.Count(string(res.body), `"record_email"`); n != 2 {
					t.Fatalf("%d enrollments with an email, want 2: %s", n, res.body)
				}
				for _, email := range []string{"ann@example.com", "bob@example.com"} {
					if !strings.Contains(string(res.body), `"record_email":"`+email+`"`) {
						t.Fatalf("%s missing: %s", email, res.body)
					}
				}
			}},
		{name: "step they wait at", method: "GET", url: "/api/enrollments?workflow=steps&step=wait&status=waiting", wantStatus: 200,
			wantContains: []string{`"current_step":"wait"`}},
		{name: "step none reached", method: "GET", url: "/api/enrollments?workflow=steps&step=nowhere", wantStatus: 200,
			wantContains: []string{`"enrollments":[]`}},
		{name: "version 1", method: "GET", url: "/api/workflows/steps/versions/1", wantStatus: 200,
			wantContains: []string{`"version":1`, `"start":"a"`}},
		{name: "unknown version", method: "GET", url: "/api/workflows/steps/versions/9", wantStatus: 404, wantCode: "not_found"},
		{name: "bad version", method: "GET", url: "/api/workflows/steps/versions/x", wantStatus: 400, wantCode: "bad_version"},
	})
}

func TestVersionListAndCompare(t *testing.T) {
	e := newEnv(t)
	e.deploy(twoStepWF)
	changed := strings.Replace(twoStepWF, `"duration": "1d"`, `"duration": "2d"`, 1)
	e.call("PUT", "/api/workflows/steps", changed, 200) // live: published as version 2
	e.call("POST", "/api/workflows/steps/disable", nil, 200)
	e.call("PUT", "/api/workflows/steps", strings.Replace(changed, `"name": "Steps"`, `"name": "Steps (draft)"`, 1), 200)
	run(t, e, []scenario{
		{name: "list, newest first", method: "GET", url: "/api/workflows/steps/versions", wantStatus: 200,
			after: func(t *testing.T, e *env, res *response) {
				vs := res.json(t)["versions"].([]any)
				if len(vs) != 2 {
					t.Fatalf("%d versions, want 2: %s", len(vs), res.body)
				}
				v2, v1 := vs[0].(map[string]any), vs[1].(map[string]any)
				if v2["version"] != 2.0 || v2["summary"] != "Changed 1 step: delay" || v2["active"] != false {
					t.Errorf("version 2: %v", v2)
				}
				if v1["version"] != 1.0 || v1["summary"] != "First version: 1 trigger, 2 steps" || v1["created_at"] == "" {
					t.Errorf("version 1: %v", v1)
				}
			}},
		{name: "two versions", method: "GET", url: "/api/workflows/steps/compare?from=1&to=2", wantStatus: 200,
			wantContains: []string{`"id":"wait"`, `"change":"changed"`, `"fields":["duration"]`}},
		{name: "draft against a version", method: "GET", url: "/api/workflows/steps/compare?from=2", wantStatus: 200,
			wantContains: []string{`"settings":["name"]`, `"steps":[]`}},
		{name: "a workflow that is off has no live version", method: "GET", url: "/api/workflows/steps/compare?from=1&to=live", wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"to"`}},
		{name: "bad version name", method: "GET", url: "/api/workflows/steps/compare?from=first", wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"from"`, "version number, draft or live"}},
		{name: "unknown version", method: "GET", url: "/api/workflows/steps/compare?from=7", wantStatus: 404, wantCode: "not_found"},
		{name: "unknown workflow", method: "GET", url: "/api/workflows/nope/versions", wantStatus: 404, wantCode: "not_found"},
		{name: "bad id", method: "GET", url: "/api/workflows/NOPE!/versions", wantStatus: 400, wantCode: "bad_id"},
	})
}

func TestWorkflowTags(t *testing.T) {
	e := newEnv(t)
	e.deploy(twoStepWF)
	run(t, e, []scenario{
		{name: "tag it", method: "PUT", url: "/api/workflows/steps/tags", body: `{"tags": [" Onboarding ", "webinar"]}`, wantStatus: 200,
			wantContains: []string{`"tags":["Onboarding","webinar"]`, `"revision":1`}},
		{name: "the list carries them", method: "GET", url: "/api/workflows", wantStatus: 200, wantContains: []string{`"tags":["Onboarding","webinar"]`}},
		{name: "every bad tag named at once, nothing changes", method: "PUT", url: "/api/workflows/steps/tags",
			body: `{"tags": ["ok", "", "OK", "` + strings.Repeat("x", 41) + `"]}`, wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"tags[1]"`, `"field":"tags[2]"`, "is there twice", `"field":"tags[3]"`, "longer than 40"},
			after: func(t *testing.T, e *env, _ *response) {
				if w := e.call("GET", "/api/workflows/steps", nil, 200); len(w["tags"].([]any)) != 2 {
					t.Fatalf("a refused tagging changed the tags: %v", w["tags"])
				}
			}},
		{name: "no list", method: "PUT", url: "/api/workflows/steps/tags", body: `{}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"tags"`}},
		{name: "none", method: "PUT", url: "/api/workflows/steps/tags", body: `{"tags": []}`, wantStatus: 200, wantContains: []string{`"tags":[]`}},
		{name: "unknown workflow", method: "PUT", url: "/api/workflows/nope/tags", body: `{"tags": []}`, wantStatus: 404, wantCode: "not_found"},
	})
}
