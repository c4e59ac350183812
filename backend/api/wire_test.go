package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateWire = flag.Bool("update-wire", false, "rewrite testdata/wire/*.json from the current answers")

// wireWF is a workflow whose steps leave a row in most tables a screen reads.
const wireWF = `{"id": "welcome", "name": "Welcome", "object": "contact",
  "triggers": [{"id": "signup", "type": "event", "event": "form.submitted"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "tag",
  "steps": [
    {"id": "tag", "type": "set_property", "property": "lifecycle", "value": "lead", "next": "vip"},
    {"id": "vip", "type": "add_to_list", "list": "vip", "next": "call"},
    {"id": "call", "type": "create_task", "title": "Call {{contact.first_name}}", "owner": "anna", "due_in": "2d", "next": "mail"},
    {"id": "mail", "type": "send_email", "template": "welcome", "next": "tell"},
    {"id": "tell", "type": "notify", "users": ["anna"], "text": "{{contact.first_name}} signed up", "next": "consent"},
    {"id": "consent", "type": "subscription", "subscription": "marketing", "status": "opted_in", "legal_basis": "consent", "explanation": "Ticked the box", "next": "sync"},
    {"id": "sync", "type": "webhook", "url": "RECEIVER", "next": "wait"},
    {"id": "wait", "type": "delay", "duration": "1d"}
  ]}`

// volatileKeys are the fields whose values differ between runs (random keys, measured
// durations); the pin compares that they are there, not what they hold.
var volatileKeys = map[string]bool{"key": true, "url": true, "secret": true, "latency_ms": true}

// TestWireJSONIsPinned pins the JSON of the main read routes and of the write routes, as docs/api.md documents them: a
// refactor of the types behind them must not change a field's name, type or presence. The
// state is built over HTTP the way a user builds it. Run with -update-wire after a change of
// the contract (and change docs/api.md with it).
func TestWireJSONIsPinned(t *testing.T) {
	e := newActionsEnv(t)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer rc.Close()
	e.emailTemplate("welcome")
	e.call("POST", "/api/lists", `{"id": "vip", "name": "VIP"}`, 201)
	e.deploy(strings.Replace(wireWF, "RECEIVER", rc.URL, 1))
	e.call("POST", "/api/workflows", `{"id": "old", "name": "Old", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []}, "start": "n",
	  "steps": [{"id": "n", "type": "notify", "users": ["anna"], "text": "x"}]}`, 201)
	e.call("DELETE", "/api/workflows/old", nil, 200)
	hook := e.call("POST", "/api/hooks", `{"name": "Form", "auth": "none", "event": "form.submitted", "match": "email", "create": true,
		"mapping": [{"path": "email", "property": "email"}, {"path": "first", "property": "first_name"}, {"path": "city", "property": "city"}]}`, 201)
	hookID := hook["id"].(string)
	if st, body := sendHook(t, hook["url"].(string), []byte(`{"email": "ann@example.com", "first": "Ann", "city": "Dublin"}`), http.Header{}); st != 201 {
		t.Fatalf("webhook delivery: %d %v", st, body)
	}
	e.runDue()
	rec := idOf(e.call("GET", "/api/records?email=ann@example.com", nil, 200)["records"].([]any)[0].(map[string]any)["id"])
	en := idOf(e.call("GET", "/api/enrollments?workflow=welcome", nil, 200)["enrollments"].([]any)[0].(map[string]any)["id"])
	e.clock.Advance(time.Hour)

	routes := map[string]string{
		"workflows":         "/api/workflows",
		"workflow":          "/api/workflows/welcome",
		"workflow-stats":    "/api/workflows/welcome/stats",
		"workflow-versions": "/api/workflows/welcome/versions",
		"records":           "/api/records?type=contact",
		"record":            fmt.Sprintf("/api/records/%d", rec),
		"enrollments":       "/api/enrollments?workflow=welcome",
		"enrollment":        fmt.Sprintf("/api/enrollments/%d", en),
		"lists":             "/api/lists",
		"list":              "/api/lists/vip",
		"list-members":      "/api/lists/vip/members",
		"tasks":             "/api/tasks",
		"notifications":     "/api/notifications",
		"outbox":            "/api/outbox",
		"email-templates":   "/api/email-templates",
		"hooks":             "/api/hooks",
		"properties":        "/api/properties",
		"objects":           "/api/objects",
		"subscriptions":     fmt.Sprintf("/api/records/%d/subscriptions", rec),
		"trash":             "/api/trash",
		"deliveries":        "/api/deliveries?workflow=welcome",
		"hook":              "/api/hooks/" + hookID,
		"hook-requests":     "/api/hooks/" + hookID + "/requests",
	}
	routes["why-not"] = fmt.Sprintf("/api/workflows/welcome/why-not?record_id=%d", rec)
	routes["email-template"] = "/api/email-templates/welcome"
	routes["association-types"] = "/api/association-types"
	msgs := e.call("GET", "/api/outbox", nil, 200)["messages"].([]any)
	routes["outbox-message"] = fmt.Sprintf("/api/outbox/%d", idOf(msgs[0].(map[string]any)["id"]))
	pin := func(t *testing.T, name, what string, raw []byte) {
		t.Helper()
		var v any
		body := bytes.ReplaceAll(raw, []byte(hookID), []byte("<hook id>")) // it ends in random letters
		body = bytes.ReplaceAll(body, []byte(rc.URL), []byte("http://receiver"))
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		got, err := json.MarshalIndent(blankVolatile(v), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join("testdata", "wire", name+".json")
		if *updateWire {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update-wire to write it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s changed its JSON; docs/api.md is the contract.\ngot:\n%s\nwant:\n%s", what, got, want)
		}
	}
	for name, url := range routes {
		t.Run(name, func(t *testing.T) {
			res := e.request("GET", url, "", nil)
			if res.status != 200 {
				t.Fatalf("GET %s: %d %s", url, res.status, res.body)
			}
			pin(t, name, "GET "+url, res.body)
		})
	}

	// The answers of the write routes, in the order a user makes them (each needs the one
	// before: the object before its association type, the import before it is listed).
	att := idOf(e.call("GET", "/api/deliveries?workflow=welcome", nil, 200)["deliveries"].([]any)[0].(map[string]any)["id"])
	csv := base64.StdEncoding.EncodeToString([]byte("Email,City\nbob@example.com,Cork\n"))
	writes := []struct {
		name, method, url, body string
		status                  int
	}{
		{"write-workflow-create", "POST", "/api/workflows", `{"id": "second", "name": "Second", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []}, "start": "n", "steps": [{"id": "n", "type": "notify", "users": ["anna"], "text": "x"}]}`, 201},
		{"write-workflow-update", "PUT", "/api/workflows/second", `{"id": "second", "name": "Second one", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []}, "start": "n", "steps": [{"id": "n", "type": "notify", "users": ["anna"], "text": "y"}]}`, 200},
		{"write-workflow-delete", "DELETE", "/api/workflows/second", "", 200},
		{"write-email-template-create", "POST", "/api/email-templates", `{"name": "thanks", "subject": "Thanks", "body_text": "Hi"}`, 201},
		{"write-email-template-update", "PUT", "/api/email-templates/thanks", `{"name": "thanks", "subject": "Thanks again", "body_html": "<p>Hi</p>"}`, 200},
		{"write-property-create", "POST", "/api/properties", `{"name": "plan", "type": "string", "label": "Plan"}`, 201},
		{"write-property-update", "PATCH", "/api/properties/contact/plan", `{"label": "Price plan"}`, 200},
		{"write-object-create", "POST", "/api/objects", `{"name": "invoice", "label": "Invoice"}`, 201},
		{"write-association-type-create", "POST", "/api/association-types", `{"from": "contact", "to": "invoice"}`, 201},
		{"write-import-start", "POST", "/api/lists/vip/imports", fmt.Sprintf(`{"file": %q, "mapping": [{"column": "Email", "property": "email"}, {"column": "City", "property": "city"}]}`, csv), 202},
		{"write-enroll-job", "POST", "/api/workflows/welcome/enroll", `{"list": "vip"}`, 202},
		{"write-delivery-retry", "POST", fmt.Sprintf("/api/deliveries/%d/retry", att), "", 200},
		{"write-hook-update", "PUT", "/api/hooks/" + hookID, `{"name": "Form 2", "auth": "none", "event": "form.submitted", "match": "email", "create": true, "mapping": [{"path": "email", "property": "email"}]}`, 200},
		{"write-hook-disable", "POST", "/api/hooks/" + hookID + "/disable", "", 200},
		{"write-task-done", "PATCH", "/api/tasks/" + fmt.Sprint(idOf(e.call("GET", "/api/tasks", nil, 200)["tasks"].([]any)[0].(map[string]any)["id"])), `{"status": "done"}`, 200},
		{"write-record-erase", "DELETE", fmt.Sprintf("/api/records/%d", rec), "", 200},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			res := e.request(w.method, w.url, w.body, nil)
			if res.status != w.status {
				t.Fatalf("%s %s: %d %s, want %d", w.method, w.url, res.status, res.body, w.status)
			}
			pin(t, w.name, w.method+" "+w.url, res.body)
		})
	}
}

// blankVolatile replaces the values of volatileKeys (when set) with a marker of their type.
func blankVolatile(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if volatileKeys[k] && val != nil && val != "" {
				x[k] = fmt.Sprintf("<%T>", val)
				if s, ok := val.(string); ok && strings.HasPrefix(s, "/") {
					x[k] = "<path>"
				}
				continue
			}
			x[k] = blankVolatile(val)
		}
	case []any:
		for i := range x {
			x[i] = blankVolatile(x[i])
		}
	}
	return v
}
