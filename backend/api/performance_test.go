package api_test

import (
	"testing"
	"time"
)

const branchWF = `{"id": "by-city", "name": "By city", "object": "contact",
	"triggers": [{"type": "event", "event": "signed.up"}],
	"start": "city", "steps": [
		{"id": "city", "type": "branch", "branches": [{"name": "Dublin", "filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}, "next": "tag"}], "else": "tag"},
		{"id": "tag", "type": "set_property", "property": "stage", "value": "new"}]}`

func TestPerformanceFromTheRollup(t *testing.T) {
	e := newEnv(t)
	e.deploy(branchWF)
	for _, c := range [][2]string{{"ann@example.com", "Dublin"}, {"bob@example.com", "Cork"}, {"cat@example.com", "Dublin"}} {
		e.call("POST", "/api/events", map[string]any{"type": "signed.up", "record": map[string]any{"email": c[0], "properties": map[string]any{"city": c[1]}}}, 201)
	}
	e.runDue()
	e.advance(24 * time.Hour)
	e.call("POST", "/api/events", map[string]any{"type": "signed.up", "record": map[string]any{"email": "dan@example.com", "properties": map[string]any{"city": "Cork"}}}, 201)
	e.runDue()
	run(t, e, []scenario{
		{name: "two days", method: "GET", url: "/api/workflows/by-city/performance?from=2026-03-02&to=2026-03-03", wantStatus: 200,
			wantContains: []string{
				`"days":[{"day":"2026-03-02","enrolled":3,"completed":3,"failed":0,"goal_reached":0,"unenrolled":0,"cancelled":0,"goal_conversion":0},{"day":"2026-03-03","enrolled":1,"completed":1,`,
				`"totals":{"day":"","enrolled":4,"completed":4`,
				`{"step_id":"city","ok":4,"failed":0,"skipped":0}`, `{"step_id":"tag","ok":4,`,
				`"paths":[{"step_id":"city","path":"Dublin","n":2,"goal_reached":0,"goal_conversion":0},{"step_id":"city","path":"else","n":2,"goal_reached":0,"goal_conversion":0}]`}},
		{name: "the default is the last 30 days", method: "GET", url: "/api/workflows/by-city/performance", wantStatus: 200,
			wantContains: []string{`"from":"2026-02-02","to":"2026-03-03"`, `"enrolled":4`}},
		{name: "a day before anything ran", method: "GET", url: "/api/workflows/by-city/performance?from=2026-03-01&to=2026-03-01", wantStatus: 200,
			wantContains: []string{`"totals":{"day":"","enrolled":0`, `"steps":[]`, `"paths":[]`}},
		{name: "the stats carry the branch's path counts for the canvas", method: "GET", url: "/api/workflows/by-city/stats", wantStatus: 200,
			wantContains: []string{`"paths":{"Dublin":2,"else":2}`}},
		{name: "not a day", method: "GET", url: "/api/workflows/by-city/performance?from=March", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`"field":"from"`}},
		{name: "backwards", method: "GET", url: "/api/workflows/by-city/performance?from=2026-03-05&to=2026-03-01", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`"field":"from"`}},
		{name: "too long", method: "GET", url: "/api/workflows/by-city/performance?from=2024-01-01&to=2026-03-01", wantStatus: 422, wantCode: "invalid_input", wantContains: []string{"at most 366"}},
		{name: "unknown workflow", method: "GET", url: "/api/workflows/nope/performance", wantStatus: 404, wantCode: "not_found"},
	})
}
