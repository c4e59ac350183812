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
