package api_test

import (
	"context"
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
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
)

// newActionsEnv is newEnv with the production actions in the engine (emails go to the outbox
// without SMTP settings; webhooks are sent), as `flowdesk serve` wires them.
func newActionsEnv(t *testing.T) *env {
	t.Helper()
	var st *settings.Store
	var acts map[string]engine.Action
	r := testrig.New(t, testrig.Options{Engine: func(r *testrig.Rig) engine.Options {
		st = r.Settings()
		acts = action.New(action.Config{DB: r.DB, Settings: st})
		return engine.Options{Actions: acts}
	}})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	sim := simulate.New(simulate.Options{DB: db, Engine: eng, Clock: fc, TempDir: t.TempDir(), Actions: action.Config{DB: db, Settings: st},
		EventTypes: func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, db) }})
	srv := httptest.NewServer(newAPI(t, api.Options{DB: db, Engine: eng, Version: "test", Settings: st, Actions: acts, Simulator: sim}))
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, db: db, eng: eng, clock: fc, srv: srv, settings: st, secrets: r.Secrets}
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
	// The Test panel's run for her, kept as a scenario: it copies her properties, and its
	// expected effects quote them.
	props := rec["properties"].(map[string]any)
	sim := e.call("POST", "/api/simulate", map[string]any{"workflow": "onboard", "record": map[string]any{"properties": props},
		"events": []any{map[string]any{"at": "+0h", "type": "form.submitted"}}, "horizon": "1d"}, 200)
	e.call("POST", "/api/workflows/onboard/scenarios", map[string]any{"name": "Zelda signs up", "record": map[string]any{"properties": props},
		"events": []any{map[string]any{"at": "+0h", "type": "form.submitted"}}, "horizon": "1d", "expect": sim["summary"]}, 201)
	// Someone else's scenario stays as it was.
	ann := map[string]any{"email": "ann@example.com", "first_name": "Ann", "city": "Utrecht"}
	annSim := e.call("POST", "/api/simulate", map[string]any{"workflow": "onboard", "record": map[string]any{"properties": ann},
		"events": []any{map[string]any{"at": "+0h", "type": "form.submitted"}}, "horizon": "1d"}, 200)
	other := e.call("POST", "/api/workflows/onboard/scenarios", map[string]any{"name": "Ann signs up", "record": map[string]any{"properties": ann},
		"events": []any{map[string]any{"at": "+0h", "type": "form.submitted"}}, "horizon": "1d", "expect": annSim["summary"]}, 201)
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
				// Her scenario now fails with [erased] where her values were; Ann's keeps its city.
				for _, sc := range e.call("GET", "/api/workflows/onboard/scenarios", nil, 200)["scenarios"].([]any) {
					sc := sc.(map[string]any)
					body := fmt.Sprint(sc)
					switch sc["name"] {
					case fmt.Sprintf("[erased] signs up (scenario %v)", sc["id"]):
						if s := fmt.Sprint(sc["scenario"]); !strings.Contains(s, "first_name:[erased]") || !strings.Contains(s, "Welcome [erased]") {
							t.Errorf("her scenario after the erase: %s", body)
						}
					case "Ann signs up":
						if fmt.Sprint(sc["updated_at"]) != fmt.Sprint(other["updated_at"]) || !strings.Contains(body, "Utrecht") || strings.Contains(body, "[erased]") {
							t.Errorf("another record's scenario changed: %s", body)
						}
					default:
						t.Errorf("scenario %q after the erase", sc["name"])
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

// TestEraseReachesImportsBulkJobsKeysAndRefusals: the places a contact's email lands besides
// its own rows — an event's idempotency key, a bulk enrollment's filter, a CSV import's file
// and report (one still running and holding the contact's row further on), a suppression
// line, a deal created from the contact — then an erase, and a scan of every column of every
// table for the email. The running import goes on without re-creating the contact.
func TestEraseReachesImportsBulkJobsKeysAndRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const email = "yara.erase@example.com"
	e.call("POST", "/api/lists", `{"id": "stop", "name": "Stop"}`, 201)
	e.call("POST", "/api/lists", `{"id": "attendees", "name": "Attendees"}`, 201)
	e.deploy(`{"id": "nurture", "name": "Nurture", "object": "contact", "triggers": [{"type": "event", "event": "form.submitted"}],
	  "reenroll": {"enabled": true, "triggers": []}, "suppress": ["stop"], "start": "deal",
	  "steps": [{"id": "deal", "type": "create_record", "record_type": "deal", "properties": {"name": "Deal of {{contact.email}}"}, "next": "wait"},
	    {"id": "wait", "type": "delay", "duration": "3d"}]}`)
	// The event comes with an idempotency key made from the email, as many senders do.
	res := e.request("POST", "/api/events", `{"type": "form.submitted", "record": {"email": "`+email+`", "properties": {"first_name": "Yara"}}}`,
		map[string]string{"Idempotency-Key": "signup-" + email})
	if res.status != 201 {
		t.Fatalf("event: %d %s", res.status, res.body)
	}
	id := idOf(res.json(t)["record_id"])
	e.runDue()
	// A bulk enrollment by a filter naming her email, and a suppression line.
	e.call("POST", "/api/workflows/nurture/enroll", `{"filter": {"property": "email", "op": "eq", "value": "`+email+`"}}`, 202)
	e.runDue()
	e.call("POST", "/api/lists/stop/members", fmt.Sprintf(`{"record_ids": [%d]}`, id), 200)
	e.call("POST", "/api/workflows/nurture/enroll", fmt.Sprintf(`{"record_id": %d}`, id), 409)
	// A finished import with her row failing (a score that is not a number) and one still
	// running whose file holds her row after the first batch.
	file := "Email,Score\n" + email + ",lots\n"
	e.call("POST", "/api/lists/attendees/imports", fmt.Sprintf(`{"file": %q, "mapping": [{"column": "Email", "property": "email"}, {"column": "Score", "property": "score"}]}`, b64(file)), 202)
	e.runDue()
	var big strings.Builder
	big.WriteString("Email\n")
	for i := range 1500 {
		fmt.Fprintf(&big, "bulk%d@example.com\n", i)
	}
	big.WriteString(email + "\n")
	e.call("POST", "/api/lists/attendees/imports", fmt.Sprintf(`{"file": %q, "mapping": [{"column": "Email", "property": "email"}]}`, b64(big.String())), 202)
	if worked, err := e.eng.RunImportBatch(e.ctx); err != nil || !worked {
		t.Fatalf("first batch: %v %v", worked, err)
	}
	locs, err := e.db.FindText(e.ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]bool{}
	for _, l := range locs {
		where[l.Table] = true
	}
	for _, table := range []string{"events", "enroll_jobs", "list_import_files", "records", "history"} {
		if !where[table] {
			t.Fatalf("before the erase the email is not in %s (%v): the test would prove nothing", table, locs)
		}
	}
	out := e.call("DELETE", fmt.Sprintf("/api/records/%d", id), nil, 200)["erased"].(map[string]any)
	if fmt.Sprint(out["associated"]) == "[]" {
		t.Fatalf("the erase does not name the deal created from the contact: %v", out)
	}
	// The running import goes on and ends, without bringing her back.
	e.runDue()
	for worked := true; worked; {
		if worked, err = e.eng.RunImportBatch(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if recs := e.call("GET", "/api/records?email="+email, nil, 200)["records"].([]any); len(recs) != 0 {
		t.Fatalf("the import re-created the erased contact: %v", recs)
	}
	im := e.call("GET", "/api/imports/2", nil, 200)["import"].(map[string]any)
	if im["status"] != "done" || idOf(im["created"]) != 1500 || idOf(im["failed"]) != 1 {
		t.Fatalf("the running import after the erase: %v", im)
	}
	locs, err = e.db.FindText(e.ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	// The deal created from her is a record of its own (see docs/api.md): its name keeps the
	// value a step copied into it, and the erase answer names it so it can be erased too.
	var left []string
	for _, l := range locs {
		if l.Table == "records" && l.Column == "properties" {
			continue
		}
		left = append(left, l.String())
	}
	if len(left) > 0 {
		t.Fatalf("after the erase the email is still in %v", left)
	}
	deal := idOf(out["associated"].([]any)[0].(map[string]any)["record_id"])
	e.call("DELETE", fmt.Sprintf("/api/records/%d", deal), nil, 200)
	if locs, _ := e.db.FindText(e.ctx, email); len(locs) != 0 {
		t.Fatalf("after erasing the deal too: %v", locs)
	}
}
