package api_test

import (
	"strings"
	"testing"
	"time"
)

// The Activity screen's list: every enrollment across workflows, filtered by contact and by
// the day it started.
func TestEnrollmentsAcrossWorkflowsByContactAndDay(t *testing.T) {
	e := newEnv(t)
	e.deploy(branchWF)
	e.deploy(twoStepWF)
	e.call("POST", "/api/events", map[string]any{"type": "signed.up", "record": map[string]any{"email": "Ann.Lee@example.com"}}, 201) // both workflows
	e.advance(24 * time.Hour)
	e.call("POST", "/api/events", map[string]any{"type": "signed.up", "record": map[string]any{"email": "bob_x@example.com"}}, 201)
	e.runDue()
	count := func(want int) func(t *testing.T, e *env, res *response) {
		return func(t *testing.T, e *env, res *response) {
			if n := strings.Count(string(res.body), `"record_email"`); n != want {
				t.Fatalf("%d enrollments, want %d: %s", n, want, res.body)
			}
		}
	}
	run(t, e, []scenario{
		{name: "every workflow", method: "GET", url: "/api/enrollments", wantStatus: 200, after: count(4)},
		{name: "a contact, any case, part of the address", method: "GET", url: "/api/enrollments?contact=ann.LEE", wantStatus: 200, after: count(2),
			wantContains: []string{`"workflow_id":"by-city"`, `"workflow_id":"steps"`}},
		{name: "an underscore is a character, not a wildcard", method: "GET", url: "/api/enrollments?contact=bo_", wantStatus: 200, after: count(0)},
		{name: "the first day only", method: "GET", url: "/api/enrollments?from=2026-03-02&to=2026-03-02", wantStatus: 200, after: count(2),
			wantContains: []string{`"record_email":"Ann.Lee@example.com"`}},
		{name: "from the second day", method: "GET", url: "/api/enrollments?from=2026-03-03&status=completed", wantStatus: 200, after: count(1),
			wantContains: []string{`"record_email":"bob_x@example.com"`, `"workflow_id":"by-city"`}},
		{name: "not a day", method: "GET", url: "/api/enrollments?to=yesterday", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`"field":"to"`}},
		{name: "backwards", method: "GET", url: "/api/enrollments?from=2026-03-03&to=2026-03-02", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`"field":"from"`}},
	})
}
