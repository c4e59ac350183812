package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/store"
)

// withMail is a second API server over the same engine with the real email actions (database
// and settings given), as `flowdesk serve` wires them.
func (e *env) withMail() *env {
	e.t.Helper()
	st := e.settings
	srv := httptest.NewServer(newAPI(e.t, api.Options{DB: e.db, Engine: e.eng, Version: "test", Settings: st,
		Actions: action.New(action.Config{DB: e.db, Settings: st})}))
	e.t.Cleanup(srv.Close)
	cp := *e
	cp.srv = srv
	return &cp
}

// A user writes a template with a typo in a token, broken HTML and an unknown filter: the save
// is refused naming each part and token, and nothing is stored.
func TestTemplateSaveRefusesUnknownTokensAndInvalidHTML(t *testing.T) {
	e := newEnv(t)
	bad := e.request(http.MethodPost, "/api/email-templates", `{"name": "welcome", "subject": "Hi {{contact.frist_name}}",
		"preheader": "From {{record.no_such_thing}}", "body_html": "<div><p>Hello {{contact.first_name | default \"there\"}}</p>\n<p>{{enrollment.idd}} {{contact.first_name</p>"}`, nil)
	if bad.status != http.StatusUnprocessableEntity || bad.errorCode() != "invalid_template" {
		t.Fatalf("bad: %d %s", bad.status, bad.body)
	}
	var ans struct {
		Error struct {
			Details struct {
				Problems []struct {
					Field, Message, Token string
					Line, Column          int
				}
			}
		}
	}
	if err := json.Unmarshal(bad.body, &ans); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ans.Error.Details.Problems {
		got[p.Field+" "+p.Token] = p.Message
	}
	for key, want := range map[string]string{
		"subject {{contact.frist_name}}":     "did you mean contact.first_name?",
		"preheader {{record.no_such_thing}}": `no record type has a property "no_such_thing"`,
		"body_html {{contact.first_name</p>": "not closed",
	} {
		if !strings.Contains(got[key], want) {
			t.Errorf("problem %q = %q, want it to say %q (all: %v)", key, got[key], want, got)
		}
	}
	// Parse errors stop the token and HTML checks of that part; fixed, the rest shows.
	bad = e.request(http.MethodPost, "/api/email-templates", `{"name": "welcome", "subject": "Hi", "body_html": "<div><p>{{enrollment.idd}}</p>"}`, nil)
	for _, want := range []string{`"token":"{{enrollment.idd}}"`, `Did you mean enrollment.id?`, `<div> is never closed`} {
		if !bytes.Contains(bad.body, []byte(want)) {
			t.Errorf("answer lacks %s: %s", want, bad.body)
		}
	}
	if r := e.request(http.MethodGet, "/api/email-templates/welcome", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("a refused template was stored: %d %s", r.status, r.body)
	}
}

// The plain-text part is generated from the HTML body at every save, unless written by hand.
func TestTemplateTextPartIsGenerated(t *testing.T) {
	e := newEnv(t)
	created := e.call(http.MethodPost, "/api/email-templates", map[string]any{"name": "welcome", "subject": "Hi", "preheader": "Your first week",
		"body_html": `<h1>Welcome, {{contact.first_name | default "there"}}</h1><p>Start <a href="https://acme.example/start">here</a>.</p>`}, http.StatusCreated)
	if created["body_text"] != "Welcome, {{contact.first_name | default \"there\"}}\n\nStart here (https://acme.example/start)." || created["text_generated"] != true || created["preheader"] != "Your first week" {
		t.Fatalf("created %v", created)
	}
	got := e.call(http.MethodPut, "/api/email-templates/welcome", map[string]any{"subject": "Hi", "body_html": "<p>New words</p>"}, http.StatusOK)
	if got["body_text"] != "New words" || got["text_generated"] != true {
		t.Fatalf("regenerated %v", got)
	}
	got = e.call(http.MethodPut, "/api/email-templates/welcome", map[string]any{"subject": "Hi", "body_html": "<p>New words</p>", "body_text": "My own text"}, http.StatusOK)
	if got["body_text"] != "My own text" || got["text_generated"] != false {
		t.Fatalf("hand-written %v", got)
	}
	if got := e.call(http.MethodGet, "/api/email-templates/welcome", nil, http.StatusOK); got["body_text"] != "My own text" || got["preheader"] != "" {
		t.Fatalf("stored %v", got)
	}
}

// Delete is refused while a workflow sends the template, naming the workflow; duplicate copies.
func TestTemplateDeleteRefusedWhileUsedAndDuplicate(t *testing.T) {
	e := newEnv(t)
	e.emailTemplate("welcome")
	e.call(http.MethodPost, "/api/workflows", `{"id": "onboarding", "name": "Onboarding", "object": "contact",
		"triggers": [{"id": "t", "type": "event", "event": "webinar.registered"}], "reenroll": {"enabled": false, "triggers": []},
		"start": "mail", "steps": [{"id": "mail", "type": "send_email", "template": "welcome"}]}`, http.StatusCreated)
	r := e.request(http.MethodDelete, "/api/email-templates/welcome", "", nil)
	if r.status != http.StatusConflict || r.errorCode() != "template_in_use" || !bytes.Contains(r.body, []byte(`used by \"Onboarding\"`)) ||
		!bytes.Contains(r.body, []byte(`"steps":["mail"]`)) {
		t.Fatalf("delete of a used template: %d %s", r.status, r.body)
	}
	list := e.call(http.MethodGet, "/api/email-templates", nil, http.StatusOK)["templates"].([]any)
	if used := list[0].(map[string]any)["used_by"].([]any); len(used) != 1 || used[0].(map[string]any)["id"] != "onboarding" {
		t.Fatalf("used_by %v", list)
	}
	cp := e.call(http.MethodPost, "/api/email-templates/welcome/duplicate", nil, http.StatusCreated)
	if cp["name"] != "welcome-copy" || cp["subject"] != "About welcome" {
		t.Fatalf("copy %v", cp)
	}
	if cp := e.call(http.MethodPost, "/api/email-templates/welcome/duplicate", nil, http.StatusCreated); cp["name"] != "welcome-copy-2" {
		t.Fatalf("second copy %v", cp)
	}
	if r := e.request(http.MethodPost, "/api/email-templates/welcome/duplicate", `{"name": "welcome-copy"}`, nil); r.status != http.StatusConflict {
		t.Fatalf("copy onto an existing name: %d %s", r.status, r.body)
	}
	e.call(http.MethodDelete, "/api/email-templates/welcome-copy", nil, http.StatusNoContent)
	// Once the workflow no longer sends it, the delete goes through.
	e.call(http.MethodPut, "/api/workflows/onboarding", `{"id": "onboarding", "name": "Onboarding", "object": "contact",
		"triggers": [{"id": "t", "type": "event", "event": "webinar.registered"}], "reenroll": {"enabled": false, "triggers": []},
		"start": "mail", "steps": [{"id": "mail", "type": "send_email", "template": "welcome-copy-2"}]}`, http.StatusOK)
	e.call(http.MethodDelete, "/api/email-templates/welcome", nil, http.StatusNoContent)
}

// The preview renders with the send's code for a picked record: values filled, missing tokens
// highlighted and listed, never "Hi ,".
func TestTemplatePreviewForARecord(t *testing.T) {
	e := newEnv(t)
	res := e.ingest(`{"type": "webinar.viewer", "record": {"type": "contact", "email": "ann@example.com", "properties": {"first_name": "Ann"}},
		"data": {"webinar": {"title": "Growth 101"}}}`)
	id := idOf(res["record_id"])
	body := map[string]any{"content": map[string]any{"subject": "Hi {{contact.first_name}}, from {{contact.city}}",
		"body_html": "<p>Thanks for {{event.webinar.title}}, {{contact.first_name}} in {{contact.city}}</p>"},
		"record_id": id, "event_type": "webinar.viewer"}
	p := e.call(http.MethodPost, "/api/email-templates/preview", body, http.StatusOK)
	marked := p["marked"].(map[string]any)
	if p["subject"] != "Hi Ann, from" || marked["subject"] != "Hi Ann, from <mark class=token-missing>{{contact.city}}</mark>" ||
		!strings.Contains(marked["html"].(string), "Thanks for Growth 101, Ann in <mark class=token-missing>{{contact.city}}</mark>") ||
		strings.TrimSpace(p["text"].(string)) != "Thanks for Growth 101, Ann in" {
		t.Fatalf("preview %v", p)
	}
	missing := p["missing"].([]any)
	if len(missing) == 0 || missing[0].(map[string]any)["ref"] != "contact.city" {
		t.Fatalf("missing %v", missing)
	}
	if r := e.request(http.MethodPost, "/api/email-templates/preview", `{"template": "nope", "record_id": 1}`, nil); r.status != http.StatusNotFound {
		t.Fatalf("preview of an unknown template: %d %s", r.status, r.body)
	}
}

// A test send without an SMTP server lands in the outbox with "[Test]"; an invalid address is
// refused naming the field, and nothing is written.
func TestTemplateTestSend(t *testing.T) {
	e := newEnv(t).withMail()
	e.emailTemplate("welcome")
	rec := e.ingest(`{"type": "form.submitted", "record": {"type": "contact", "email": "ann@example.com", "properties": {"first_name": "Ann"}}}`)
	for _, bad := range []string{"not-an-address", "ann@", "Ann <ann@example.com>"} {
		r := e.request(http.MethodPost, "/api/email-templates/test-send", `{"template": "welcome", "to": "`+strings.ReplaceAll(bad, `"`, `\"`)+`"}`, nil)
		if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte(`"field":"to"`)) || !bytes.Contains(r.body, []byte("is not an email address")) {
			t.Fatalf("test send to %q: %d %s", bad, r.status, r.body)
		}
	}
	if rows, _ := e.db.Outbox(e.ctx, store.OutboxQuery{}); len(rows) != 0 {
		t.Fatalf("a refused test send wrote %v", rows)
	}
	got := e.call(http.MethodPost, "/api/email-templates/test-send", map[string]any{"template": "welcome", "to": "me@example.com", "record_id": rec["record_id"]}, http.StatusOK)
	if got["delivery"] != "outbox" || got["outbox_id"] == nil {
		t.Fatalf("test send %v", got)
	}
	rows, err := e.db.Outbox(e.ctx, store.OutboxQuery{})
	if err != nil || len(rows) != 1 || rows[0].To != "me@example.com" || rows[0].Subject != "[Test] About welcome" || rows[0].BodyText != "Hello Ann" {
		t.Fatalf("outbox %+v %v", rows, err)
	}
	// The plain server (no email actions given) says sending is not set up, and sends nothing.
	plain := newEnv(t)
	plain.emailTemplate("welcome")
	if r := plain.request(http.MethodPost, "/api/email-templates/test-send", `{"template": "welcome", "to": "me@example.com"}`, nil); r.status != http.StatusNotImplemented || r.errorCode() != "not_available" {
		t.Fatalf("without email set up: %d %s", r.status, r.body)
	}
}

// The demo templates pass the save's checks (their tokens and HTML).
func TestDemoTemplatesPassTheSaveChecks(t *testing.T) {
	e := newEnv(t)
	tpls, err := demo.EmailTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range tpls {
		if p := e.eng.CheckEmailTemplate(&tpl); len(p) > 0 {
			t.Errorf("%s: %+v", tpl.Name, p)
		}
	}
}
