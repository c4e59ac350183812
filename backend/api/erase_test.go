package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

// newActionsEnv is newEnv with the production actions in the engine (emails go to the outbox
// without SMTP settings; webhooks are sent), as `flowdesk serve` wires them.
func newActionsEnv(t *testing.T) *env {
	t.Helper()
	var st *settings.Store
	var acts map[string]engine.Action
	r := testrig.New(t, testrig.Options{Engine: func(db *store.DB) engine.Options {
		st = settings.Open(db)
		acts = action.New(action.Config{DB: db, Settings: st})
		return engine.Options{Actions: acts}
	}})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	srv := httptest.NewServer(newAPI(t, api.Options{DB: db, Engine: eng, Version: "test", Settings: st, Actions: acts}))
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, db: db, eng: eng, clock: fc, srv: srv}
}

// TestEraseRecordLeavesNoValueInAnyTable brings a contact in the way a user's systems would (a
// webhook), runs it through a workflow that writes its data everywhere (history, a delivery, the
// outbox, a notification, a task, a subscription, a list, an association), erases it, and then
// scans every column of every table for each of its values.
func TestEraseRecordLeavesNoValueInAnyTable(t *testing.T) {
	t.Parallel()
	e := newActionsEnv(t)
	var hits atomic.Int64
	var received atomic.Value
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received.Store(string(b))
		hits.Add(1)
	}))
	defer rc.Close()
	hook := e.call("POST", "/api/hooks", `{"name": "Form", "auth": "none", "event": "form.submitted", "match": "email", "create": true,
		"mapping": [{"path": "email", "property": "email"}, {"path": "first", "property": "first_name"}, {"path": "phone", "property": "phone"}, {"path": "city", "property": "city"}]}`, 201)
	e.call("POST", "/api/email-templates", map[string]string{"name": "welcome", "subject": "Welcome {{contact.first_name}}", "body_text": "Hello {{contact.first_name}} from {{contact.city}}"}, 201)
	e.call("POST", "/api/lists", `{"id": "vip", "name": "VIP"}`, 201)
	e.deploy(fmt.Sprintf(`{"id": "onboard", "name": "Onboard", "object": "contact",
	  "triggers": [{"type": "event", "event": "form.submitted"}], "reenroll": {"enabled": false, "triggers": []},
	  "start": "consent", "steps": [
	    {"id": "consent", "type": "subscription", "subscription": "marketing", "status": "opted_in", "legal_basis": "consent", "explanation": "Ticked the box as {{contact.first_name}}", "next": "vip"},
	    {"id": "vip", "type": "add_to_list", "list": "vip", "next": "tell"},
	    {"id": "tell", "type": "notify", "users": ["sam"], "text": "Call {{contact.first_name}} on {{contact.phone}}", "next": "task"},
	    {"id": "task", "type": "create_task", "title": "Call {{contact.first_name}} {{contact.phone}}", "next": "mail"},
	    {"id": "mail", "type": "send_email", "template": "welcome", "next": "sync"},
	    {"id": "sync", "type": "webhook", "url": %q, "next": "wait"},
	    {"id": "wait", "type": "delay", "duration": "3d", "next": "again"},
	    {"id": "again", "type": "send_email", "template": "welcome"}]}`, rc.URL))
	values := []string{"zelda.quixote@example.com", "Zelda", "+31 6 9876 5432", "Quixoteville", "Marker-4471"}
	if st, body := sendHook(t, hook["url"].(string), []byte(`{"email": "zelda.quixote@example.com", "first": "Zelda", "phone": "+31 6 9876 5432",
		"city": "Quixoteville", "note": "Marker-4471"}`), http.Header{}); st != 201 {
		t.Fatalf("webhook delivery: %d %v", st, body)
	}
	e.runDue()
	rec := e.call("GET", "/api/records?email=zelda.quixote@example.com", nil, 200)["records"].([]any)[0].(map[string]any)
	id := idOf(rec["id"])
	company := e.newRecord("company", "", map[string]any{"name": "Acme"})
	e.call("POST", fmt.Sprintf("/api/records/%d/associations", id), fmt.Sprintf(`{"record_id": %d, "label": "Zelda's employer"}`, company), 201)
	if hits.Load() != 1 || !strings.Contains(received.Load().(string), "zelda.quixote@example.com") {
		t.Fatalf("the webhook step did not send the contact: %d hits", hits.Load())
	}
	// Before: every value is somewhere.
	for _, v := range values {
		if locs, err := e.db.FindText(e.ctx, v); err != nil || len(locs) == 0 {
			t.Fatalf("%q is nowhere before the erase (%v): the test would prove nothing", v, err)
		}
	}
	statsBefore, stepsBefore := e.stats("onboard")
	if statsBefore["waiting"] != 1 {
		t.Fatalf("stats before %v", statsBefore)
	}
	url := fmt.Sprintf("/api/records/%d", id)
	var before counts
	run(t, e, []scenario{
		{name: "not an id", method: "DELETE", url: "/api/records/zelda", wantStatus: 400, wantCode: "bad_id", wantContains: []string{`"field":"id"`}},
		{name: "a record that does not exist", method: "DELETE", url: "/api/records/999", wantStatus: 404, wantCode: "not_found"},
		{
			name: "erase", method: "DELETE", url: url, wantStatus: 200, wantContains: []string{`"cancelled":1`, `"type":"contact"`},
			before: func(t *testing.T, e *env) { before = e.counts() },
			after: func(t *testing.T, e *env, _ *response) {
				after := e.counts()
				// The record leaves searches, its job and list membership and association go;
				// enrollments and events stay (anonymous) so counters keep their numbers.
				want := before
				want.Records--
				want.Jobs--
				want.ListMembers--
				want.Associations--
				if after != want {
					t.Fatalf("rows before %+v\nafter  %+v\nwant   %+v", before, after, want)
				}
				for _, v := range values {
					locs, err := e.db.FindText(e.ctx, v)
					if err != nil {
						t.Fatal(err)
					}
					if len(locs) > 0 {
						t.Errorf("%q is still in %v", v, locs)
					}
				}
				stats, steps := e.stats("onboard")
				if stats["cancelled"] != 1 || stats["waiting"] != 0 {
					t.Fatalf("stats after %v", stats)
				}
				for step, c := range stepsBefore {
					if steps[step]["completed"] != c["completed"] || steps[step]["failed"] != c["failed"] {
						t.Fatalf("step %s counters %v, were %v", step, steps[step], c)
					}
				}
				if got := e.trail(1); got[len(got)-1] != "wait:cancelled" {
					t.Fatalf("history %q", got)
				}
			},
		},
		{name: "the record is gone; its tombstone says when", method: "GET", url: url, wantStatus: 410, wantCode: "erased", wantContains: []string{"was erased on 2026-03-02"}},
		{name: "erase twice", method: "DELETE", url: url, wantStatus: 404, wantCode: "not_found"},
		{name: "its associations are gone", method: "GET", url: fmt.Sprintf("/api/records/%d/associations", company), wantStatus: 200, wantContains: []string{`"associations":[]`}},
	})
	// Three days later nothing more is sent for it.
	e.advance(4 * 24 * 3600e9)
	if out := e.call("GET", "/api/outbox", nil, 200); strings.Contains(fmt.Sprint(out), "Zelda") {
		t.Fatalf("outbox after: %v", out)
	}
	if hits.Load() != 1 {
		t.Fatalf("webhook hits %d after the erase", hits.Load())
	}
}
