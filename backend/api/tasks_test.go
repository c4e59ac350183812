package api_test

import (
	"fmt"
	"testing"
	"time"
)

const tasksWF = `{"id": "renewal", "name": "Renewal", "object": "contact",
  "triggers": [{"type": "event", "event": "renewal.due"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "assign",
  "steps": [
    {"id": "assign", "type": "rotate_owner", "owners": ["anna", "bram"], "next": "call"},
    {"id": "call", "type": "create_task", "title": "Call {{contact.first_name}}", "due_in": "2d", "next": "consent"},
    {"id": "consent", "type": "subscription", "subscription": "marketing", "status": "opted_out", "legal_basis": "consent_withdrawn", "explanation": "Asked by phone", "next": "tell"},
    {"id": "tell", "type": "notify", "users": ["{{contact.owner}}"], "text": "Renewal call for {{contact.first_name}}"}
  ]}`

func TestTasksSubscriptionsAndNotificationsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(tasksWF)
	var recs []int64
	for _, name := range []string{"Ann", "Bob"} {
		res := e.ingest(fmt.Sprintf(`{"type": "renewal.due", "record": {"type": "contact", "email": "%s@example.com", "properties": {"first_name": %q}}}`, name, name))
		recs = append(recs, idOf(res["record_id"]))
		e.runDue() // one at a time, so Ann gets the first owner
	}

	list := e.call("GET", "/api/tasks?status=open", nil, 200)["tasks"].([]any)
	if len(list) != 2 {
		t.Fatalf("tasks %v", list)
	}
	first := list[0].(map[string]any)
	if first["title"] != "Call Ann" || first["owner"] != "anna" || first["status"] != "open" || first["due_at"] != t0.Add(48*time.Hour).Format(time.RFC3339) ||
		idOf(first["record_id"]) != recs[0] || first["workflow_id"] != "renewal" {
		t.Fatalf("task %v", first)
	}
	if second := list[1].(map[string]any); second["owner"] != "bram" {
		t.Fatalf("second task owner %v", second["owner"])
	}
	if got := e.call("GET", "/api/tasks?owner=bram", nil, 200)["tasks"].([]any); len(got) != 1 {
		t.Fatalf("bram's tasks %v", got)
	}
	if got := e.call("GET", fmt.Sprintf("/api/tasks?record=%d", recs[1]), nil, 200)["tasks"].([]any); len(got) != 1 {
		t.Fatalf("Bob's tasks %v", got)
	}
	page := e.call("GET", "/api/tasks?limit=1", nil, 200)
	if page["next_cursor"] == nil || len(page["tasks"].([]any)) != 1 {
		t.Fatalf("page %v", page)
	}
	rest := e.call("GET", "/api/tasks?limit=1&cursor="+page["next_cursor"].(string), nil, 200)["tasks"].([]any)
	if len(rest) != 1 || rest[0].(map[string]any)["title"] != "Call Bob" {
		t.Fatalf("next page %v", rest)
	}

	id := idOf(first["id"])
	e.clock.Advance(time.Hour)
	done := e.call("PATCH", fmt.Sprintf("/api/tasks/%d", id), `{"status": "done"}`, 200)
	if done["status"] != "done" || done["done_at"] != t0.Add(time.Hour).Format(time.RFC3339) {
		t.Fatalf("done task %v", done)
	}
	if got := e.call("GET", "/api/tasks?status=open", nil, 200)["tasks"].([]any); len(got) != 1 {
		t.Fatalf("open after done %v", got)
	}
	if got := e.call("GET", "/api/tasks?status=done", nil, 200)["tasks"].([]any); len(got) != 1 {
		t.Fatalf("done tasks %v", got)
	}
	if got := e.call("GET", fmt.Sprintf("/api/tasks/%d", id), nil, 200); got["status"] != "done" {
		t.Fatalf("get task %v", got)
	}
	for _, bad := range []struct {
		method, url, body string
		status            int
		code              string
	}{
		{"PATCH", fmt.Sprintf("/api/tasks/%d", id), `{"status": "finished"}`, 422, "invalid_input"},
		{"PATCH", fmt.Sprintf("/api/tasks/%d", id), `{"status": "done", "owner": "x"}`, 400, ""},
		{"PATCH", "/api/tasks/999", `{"status": "done"}`, 404, "not_found"},
		{"PATCH", "/api/tasks/abc", `{"status": "done"}`, 400, "bad_id"},
		{"GET", "/api/tasks?status=late", "", 400, "bad_query"},
		{"GET", "/api/records/999/subscriptions", "", 404, "not_found"},
	} {
		res := e.request(bad.method, bad.url, bad.body, nil)
		if res.status != bad.status || (bad.code != "" && res.errorCode() != bad.code) {
			t.Fatalf("%s %s %s: %d %s", bad.method, bad.url, bad.body, res.status, res.body)
		}
	}
	if res := e.request("PATCH", fmt.Sprintf("/api/tasks/%d", id), `{"status": "open"}`, map[string]string{"Content-Type": "text/plain"}); res.status != 415 {
		t.Fatalf("text/plain PATCH: %d", res.status)
	}

	subs := e.call("GET", fmt.Sprintf("/api/records/%d/subscriptions", recs[0]), nil, 200)
	cur := subs["subscriptions"].([]any)
	hist := subs["history"].([]any)
	if len(cur) != 1 || len(hist) != 1 {
		t.Fatalf("subscriptions %v", subs)
	}
	if c := cur[0].(map[string]any); c["subscription"] != "marketing" || c["status"] != "opted_out" || c["legal_basis"] != "consent_withdrawn" || c["explanation"] != "Asked by phone" {
		t.Fatalf("subscription %v", c)
	}
	rec := e.call("GET", fmt.Sprintf("/api/records/%d", recs[0]), nil, 200)
	props, _ := rec["properties"].(map[string]any)
	if props == nil {
		props, _ = rec["record"].(map[string]any)["properties"].(map[string]any)
	}
	if props["subscribed"] != false || props["owner"] != "anna" {
		t.Fatalf("record properties %v", props)
	}

	notes := e.call("GET", "/api/notifications", nil, 200)
	if notes["unread"] != 2.0 {
		t.Fatalf("unread %v", notes["unread"])
	}
	n := notes["notifications"].([]any)[1].(map[string]any) // newest first: Ann's is second
	if n["kind"] != "workflow" || n["user"] != "anna" || n["body"] != "Renewal call for Ann" || n["title"] != "Renewal: tell" {
		t.Fatalf("notification %v", n)
	}
}
