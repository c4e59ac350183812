package api_test

import (
	"reflect"
	"strings"
	"testing"
)

// TestGoalAndSplitBadInputChangesNothing sends a live workflow bad goals, unenrollment filters
// and splits: each is a 422 naming the field, and the tables, the revision and the definition
// stay as they were. A draft with a bad split is stored as a draft but cannot be switched on.
func TestGoalAndSplitBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/api/events", map[string]any{"type": "crm.synced", "record": map[string]any{"email": "seed@example.com", "properties": map[string]any{"lifecycle": "lead"}}}, 201)
	def := func(goal, unenroll any, paths []any) map[string]any {
		d := map[string]any{"id": "g", "name": "Goal", "object": "contact",
			"triggers": []any{map[string]any{"id": "t", "type": "event", "event": "form.submitted"}},
			"reenroll": map[string]any{"enabled": false, "triggers": []any{}}, "start": "ab",
			"goal": goal,
			"steps": []any{
				map[string]any{"id": "ab", "type": "split", "paths": paths},
				map[string]any{"id": "a", "type": "delay", "duration": "1d"},
				map[string]any{"id": "b", "type": "delay", "duration": "2d"}}}
		if unenroll != nil {
			d["unenroll"] = unenroll
		}
		return d
	}
	goal := map[string]any{"property": "lifecycle", "op": "eq", "value": "customer"}
	fifty := []any{map[string]any{"name": "A", "percent": 50, "next": "a"}, map[string]any{"name": "B", "percent": 50, "next": "b"}}
	e.call("POST", "/api/workflows", def(goal, nil, fifty), 201)
	e.call("POST", "/api/workflows/g/enable", nil, 200)
	e.call("POST", "/api/events", map[string]any{"type": "form.submitted", "record": map[string]any{"email": "ann@example.com"}}, 201)
	e.runDue()
	before := e.counts()
	stored := e.call("GET", "/api/workflows/g", nil, 200)

	for _, c := range []struct {
		name          string
		body          map[string]any
		field, phrase string
	}{
		{"goal naming an unknown property", def(map[string]any{"property": "lifecyle", "op": "eq", "value": "customer"}, nil, fifty), "goal", `did you mean "lifecycle"`},
		{"unenroll filter naming an unknown property", def(goal, map[string]any{"filter": map[string]any{"property": "unsubscribed_at", "op": "is_known"}}, fifty), "unenroll.filter", `"unsubscribed_at"`},
		{"split not adding up to 100", def(goal, nil, []any{map[string]any{"name": "A", "percent": 50, "next": "a"}, map[string]any{"name": "B", "percent": 40, "next": "b"}}), "paths", "add up to 100"},
		{"split with one path", def(goal, nil, []any{map[string]any{"name": "A", "percent": 100, "next": "a"}}), "paths", "only one path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.request("PUT", "/api/workflows/g", mustMarshal(t, c.body), nil)
			if res.status != 422 {
				t.Fatalf("status %d, want 422: %s", res.status, res.body)
			}
			if !hasProblem(t, res.json(t), c.field, c.phrase) {
				t.Fatalf("no problem on %q saying %q: %s", c.field, c.phrase, res.body)
			}
			if after := e.counts(); after != before {
				t.Fatalf("rows changed: before %+v, after %+v", before, after)
			}
			now := e.call("GET", "/api/workflows/g", nil, 200)
			if !reflect.DeepEqual(now, stored) {
				t.Fatalf("the workflow changed:\n%v\nwas\n%v", now, stored)
			}
		})
	}

	// A draft with a bad split is kept as a draft, and switching it on is refused.
	draft := def(goal, nil, []any{map[string]any{"name": "A", "percent": 70, "next": "a"}, map[string]any{"name": "B", "percent": 50, "next": "b"}})
	draft["id"] = "draft"
	created := e.call("POST", "/api/workflows", draft, 201)
	if !hasProblem(t, created, "paths", "120%") {
		t.Fatalf("the draft's problems do not name the split: %v", created["problems"])
	}
	before = e.counts()
	res := e.request("POST", "/api/workflows/draft/enable", "", nil)
	if res.status != 422 || !hasProblem(t, res.json(t), "paths", "add up to 100") {
		t.Fatalf("enable a draft with a bad split: %d %s", res.status, res.body)
	}
	if on := e.call("GET", "/api/workflows/draft", nil, 200)["enabled"]; on != false {
		t.Fatalf("the draft is on: %v", on)
	}
	if after := e.counts(); after != before {
		t.Fatalf("rows changed: before %+v, after %+v", before, after)
	}
}

// hasProblem finds a problem on field (or on a step's field of that name) whose message has phrase,
// in a 422 body (error.details.problems) or a saved workflow (problems).
func hasProblem(t *testing.T, body map[string]any, field, phrase string) bool {
	t.Helper()
	list, _ := body["problems"].([]any)
	if e, ok := body["error"].(map[string]any); ok {
		if d, ok := e["details"].(map[string]any); ok {
			list, _ = d["problems"].([]any)
		}
	}
	for _, p := range list {
		m, _ := p.(map[string]any)
		f, _ := m["field"].(string)
		msg, _ := m["message"].(string)
		if (f == field || strings.HasSuffix(f, "."+field) || strings.HasPrefix(f, field+".") || strings.HasPrefix(f, field+"[")) && strings.Contains(msg, phrase) {
			return true
		}
	}
	return false
}
