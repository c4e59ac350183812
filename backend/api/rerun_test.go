package api_test

import (
	"fmt"
	"testing"
)

const scoreWF = `{"id": "score", "name": "Score", "object": "contact",
  "triggers": [{"type": "event", "event": "form.submitted"}], "reenroll": {"enabled": false, "triggers": []},
  "start": "copy", "steps": [
    {"id": "copy", "type": "copy_property", "from": "score_text", "to": "score", "next": "done"},
    {"id": "done", "type": "add_to_list", "list": "scored"}]}`

func TestRerunEnrollmentAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(scoreWF)
	res := e.call("POST", "/api/events", `{"type": "form.submitted", "record": {"type": "contact", "email": "ann@example.com", "properties": {"score_text": "lots"}}}`, 201)
	failed := idOf(res["enrollments"].([]any)[0])
	res = e.call("POST", "/api/events", `{"type": "form.submitted", "record": {"type": "contact", "email": "bob@example.com", "properties": {"score_text": "4"}}}`, 201)
	done := idOf(res["enrollments"].([]any)[0])
	e.runDue()
	rec := idOf(e.call("GET", fmt.Sprintf("/api/enrollments/%d", failed), nil, 200)["enrollment"].(map[string]any)["record_id"])
	url := fmt.Sprintf("/api/enrollments/%d/rerun", failed)
	var before counts
	run(t, e, []scenario{
		{name: "a completed enrollment", method: "POST", url: fmt.Sprintf("/api/enrollments/%d/rerun", done), wantStatus: 409, wantCode: "conflict",
			wantContains: []string{"is completed", "only a failed enrollment"}},
		{name: "a missing enrollment", method: "POST", url: "/api/enrollments/999/rerun", wantStatus: 404, wantCode: "not_found"},
		{name: "not a number", method: "POST", url: "/api/enrollments/x/rerun", wantStatus: 400, wantCode: "bad_id"},
		{name: "fix the data", method: "PATCH", url: fmt.Sprintf("/api/records/%d", rec), body: `{"properties": {"score_text": "12"}}`, wantStatus: 200},
		{
			name: "re-run from the failed step", method: "POST", url: url, wantStatus: 200, wantContains: []string{`"status":"active"`, `"current_step":"copy"`},
			before: func(t *testing.T, e *env) { before = e.counts() },
			after: func(t *testing.T, e *env, res *response) {
				if after := e.counts(); after.Enrollments != before.Enrollments || after.Jobs != before.Jobs+1 {
					t.Fatalf("rows before %+v after %+v: want the same enrollments and one job", before, after)
				}
				e.runDue()
				if got := e.trail(failed); fmt.Sprint(got) != "[enrolled copy:failed failed copy:rerun copy:ok done:ok completed]" {
					t.Fatalf("history %q", got)
				}
				en := e.call("GET", fmt.Sprintf("/api/enrollments/%d", failed), nil, 200)["enrollment"].(map[string]any)
				if msg, _ := en["error"].(string); en["status"] != "completed" || msg != "" {
					t.Fatalf("after the re-run: %v", en)
				}
			},
		},
		{name: "re-run twice", method: "POST", url: url, wantStatus: 409, wantCode: "conflict", wantContains: []string{"is completed"}},
	})
}
