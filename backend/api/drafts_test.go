package api_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// referencesWF names an endpoint, a template and an event type that do not exist yet, and two
// recipients that are not email addresses.
const referencesWF = `{
  "id": "refs", "name": "References", "object": "contact",
  "triggers": [
    {"id": "form", "type": "webhook", "hook": "signup-form"},
    {"id": "replay", "type": "event", "event": "webinar.replay_watched"}
  ],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "welcome",
  "steps": [
    {"id": "welcome", "type": "send_email", "template": "welcome", "next": "alert"},
    {"id": "alert", "type": "internal_email", "to": ["not-an-email", "sales@acme"], "subject": "New sign-up", "body": "{{record.email}}"}
  ]
}`

// problem is one entry of an answer's problems.
type problem struct {
	Step, Trigger, Field, Message, Severity string
}

func problemsOf(t *testing.T, raw []byte, path ...string) []problem {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		if err := json.Unmarshal(m[p], &m); err != nil {
			t.Fatalf("%s: %v in %s", p, err, raw)
		}
	}
	var out []problem
	if err := json.Unmarshal(m["problems"], &out); err != nil {
		t.Fatalf("problems: %v in %s", err, raw)
	}
	return out
}

// where is "trigger form/hook" or "step alert/to[0]" with the severity, to compare lists.
func (p problem) where() string {
	if p.Step != "" {
		return "step " + p.Step + "/" + p.Field + " " + p.Severity
	}
	return "trigger " + p.Trigger + "/" + p.Field + " " + p.Severity
}

func wheres(ps []problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.where())
	}
	return strings.Join(s, ", ")
}

func find(ps []problem, where string) problem {
	for _, p := range ps {
		if p.where() == where {
			return p
		}
	}
	return problem{}
}

// A workflow with problems is stored as a draft and answers every problem; enabling it is
// refused naming them; fixing the references over the API clears them one by one; the
// warning about the event type never blocks; once on, a save with an error is refused and
// changes nothing.
func TestDraftsAndReferenceProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	// 1. save the draft: 201 with every problem, each on its trigger or step and field
	res := e.request("POST", "/api/workflows", referencesWF, nil)
	if res.status != 201 {
		t.Fatalf("create a draft: %d %s", res.status, res.body)
	}
	ps := problemsOf(t, res.body)
	want := "trigger form/hook error, trigger replay/event warning, step welcome/template error, step alert/to[0] error, step alert/to[1] error"
	if got := wheres(ps); got != want {
		t.Fatalf("problems\n got: %s\nwant: %s", got, want)
	}
	for where, parts := range map[string][]string{
		"trigger form/hook error":      {`"signup-form"`, "does not exist", "Webhooks"},
		"trigger replay/event warning": {`"webinar.replay_watched"`, `Did you mean "webinar.replay_viewer"?`},
		"step welcome/template error":  {`"welcome"`, "does not exist"},
		"step alert/to[0] error":       {`"not-an-email"`, "not an email address"},
		"step alert/to[1] error":       {`"sales@acme"`, "not an email address"},
	} {
		for _, part := range parts {
			if msg := find(ps, where).Message; !strings.Contains(msg, part) {
				t.Errorf("%s: %q does not contain %q", where, msg, part)
			}
		}
	}
	stored := e.call("GET", "/api/workflows/refs", nil, 200)
	if stored["enabled"] != false || stored["revision"] != 1.0 {
		t.Fatalf("stored draft %v", stored)
	}
	if def, _ := json.Marshal(stored["definition"]); !strings.Contains(string(def), `"sales@acme"`) {
		t.Fatalf("the draft was not stored as sent: %s", def)
	}

	// the list marks it a draft by its counts: 4 problems and 1 warning
	if got := listCounts(t, e, "refs"); got != "4 problems, 1 warnings" {
		t.Fatalf("list row of the draft: %s", got)
	}

	// 2. enabling is refused with the same problems, and nothing changes
	res = e.request("POST", "/api/workflows/refs/enable", "", nil)
	if res.status != 422 || res.errorCode() != "invalid_workflow" || !strings.Contains(string(res.body), "Fix these problems before switching the workflow on.") {
		t.Fatalf("enable a draft with problems: %d %s", res.status, res.body)
	}
	if got := wheres(problemsOf(t, res.body, "error", "details")); got != want {
		t.Fatalf("enable answered problems %s", got)
	}
	if got := e.call("GET", "/api/workflows/refs", nil, 200); got["enabled"] != false || got["revision"] != 1.0 {
		t.Fatalf("after a refused enable %v", got)
	}

	// 3. create the endpoint and the template the workflow names; fix the recipients
	hook := e.call("POST", "/api/hooks", map[string]any{"name": "Sign-up form", "event": "form.submitted"}, 201)["id"].(string)
	e.emailTemplate("welcome")
	fixed := strings.NewReplacer(`"signup-form"`, strconv.Quote(hook), `["not-an-email", "sales@acme"]`, `["Sales <sales@acme.example>"]`).Replace(referencesWF)
	res = e.request("PUT", "/api/workflows/refs", fixed, map[string]string{"If-Match": `"1"`})
	if res.status != 200 {
		t.Fatalf("save the fixed draft: %d %s", res.status, res.body)
	}
	if got := wheres(problemsOf(t, res.body)); got != "trigger replay/event warning" {
		t.Fatalf("after fixing the references: %s", got)
	}
	if got := listCounts(t, e, "refs"); got != "0 problems, 1 warnings" {
		t.Fatalf("list row of the fixed draft: %s", got)
	}
	v := e.call("POST", "/api/workflows/validate", fixed, 200)
	if v["valid"] != true {
		t.Fatalf("a definition with only a warning is valid: %v", v)
	}

	// 4. a warning does not block enabling
	if got := e.call("POST", "/api/workflows/refs/enable", nil, 200); got["enabled"] != true || got["active_version"] != 1.0 {
		t.Fatalf("enable with a warning: %v", got)
	}

	// 5. the workflow is on: a save with an error is refused and changes nothing...
	broken := strings.Replace(fixed, `"template": "welcome"`, `"template": "webinar-thanks"`, 1)
	res = e.request("PUT", "/api/workflows/refs", broken, map[string]string{"If-Match": `"2"`})
	if res.status != 422 || res.errorCode() != "invalid_workflow" ||
		!strings.Contains(string(res.body), "This workflow is on, so saving would put these problems live; nothing was saved.") {
		t.Fatalf("save an error onto a live workflow: %d %s", res.status, res.body)
	}
	if got := wheres(problemsOf(t, res.body, "error", "details")); got != "trigger replay/event warning, step welcome/template error" {
		t.Fatalf("refused live save answered %s", got)
	}
	if got := e.call("GET", "/api/workflows/refs", nil, 200); got["revision"] != 2.0 || got["active_version"] != 1.0 ||
		!strings.Contains(mustMarshal(t, got["definition"]), `"template":"welcome"`) {
		t.Fatalf("after a refused live save %v", got)
	}
	// ...a stale copy is still a conflict first...
	if res := e.request("PUT", "/api/workflows/refs", broken, map[string]string{"If-Match": `"1"`}); res.status != 409 {
		t.Fatalf("stale save with problems: %d %s", res.status, res.body)
	}
	// ...and a save without errors goes live at once as a new version
	renamed := strings.Replace(fixed, `"References"`, `"References (edited)"`, 1)
	res = e.request("PUT", "/api/workflows/refs", renamed, map[string]string{"If-Match": `"2"`})
	if res.status != 200 || !strings.Contains(string(res.body), `"active_version":2`) {
		t.Fatalf("live save without errors: %d %s", res.status, res.body)
	}

	// 6. an endpoint with a fixed event type makes that type known: no warning for it
	withForm := strings.Replace(renamed, `"webinar.replay_watched"`, `"form.submitted"`, 1)
	res = e.request("PUT", "/api/workflows/refs", withForm, map[string]string{"If-Match": `"3"`})
	if res.status != 200 || len(problemsOf(t, res.body)) != 0 {
		t.Fatalf("event type of an endpoint: %d %s", res.status, res.body)
	}
}

// listCounts is a workflow's problem counts in GET /api/workflows.
func listCounts(t *testing.T, e *env, id string) string {
	t.Helper()
	for _, w := range e.call("GET", "/api/workflows", nil, 200)["workflows"].([]any) {
		if row := w.(map[string]any); row["id"] == id {
			return fmt.Sprintf("%v problems, %v warnings", row["problems"], row["warnings"])
		}
	}
	t.Fatalf("no %s in the list", id)
	return ""
}

// A draft can be saved even when the definition is far from finished (the editor saves what
// the user has), but never with an id that cannot be stored.
func TestDraftLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.request("POST", "/api/workflows", `{"name": "Just a name", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []}, "start": "", "steps": []}`, nil)
	if res.status != 201 {
		t.Fatalf("an empty draft: %d %s", res.status, res.body)
	}
	if m := res.json(t); m["id"] != "just-a-name" || len(m["problems"].([]any)) == 0 {
		t.Fatalf("empty draft answer %v", m)
	}
	before := e.counts()
	res = e.request("POST", "/api/workflows", `{"id": "Not An Id", "name": "x", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []}, "start": "", "steps": []}`, nil)
	if res.status != 422 || res.errorCode() != "invalid_workflow" || !strings.Contains(string(res.body), `"field":"id"`) {
		t.Fatalf("a bad id: %d %s", res.status, res.body)
	}
	if after := e.counts(); after != before {
		t.Fatalf("a refused draft changed rows: %+v -> %+v", before, after)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
