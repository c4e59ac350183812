package action_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
)

// apiGet calls the real API over loopback and decodes the JSON answer.
func apiGet(t *testing.T, srv *httptest.Server, path string) map[string]any {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// A send the SMTP server refuses, a webhook the receiver refuses and a webhook that is given up
// on after retries: the enrollment goes on to the end but reads completed_with_errors, not
// completed, in the API, the stats and the step counters, and each failure is in the failed
// deliveries (the dead one among the dead letters). A contact skipped on purpose (unsubscribed)
// stays a clean "completed".
func TestFailedStepsShowEverywhere(t *testing.T) {
	s := newMailStack(t, false)
	mb := newMailbox(t, "", "", func(int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	})
	s.useSMTP(mb, "", "")
	refusing := newReceiver(t, s.clock, testSecret, func(int) answer { return answer{status: http.StatusGone, body: "gone"} })
	down := newReceiver(t, s.clock, testSecret, func(int) answer { return answer{status: http.StatusServiceUnavailable} })
	deployJSON(t, s, fmt.Sprintf(`{"id": "onboard", "name": "Onboarding", "object": "contact",
	  "triggers": [{"id": "signup", "type": "event", "event": "app.signed_up"}],
	  "start": "welcome",
	  "steps": [
	    {"id": "welcome", "type": "send_email", "name": "Welcome email", "subject": "Welcome, {{contact.first_name | default \"friend\"}}", "body": "Hello.", "next": "crm"},
	    {"id": "crm", "type": "webhook", "name": "Tell the CRM", "url": %q, "secret": %q, "next": "backup"},
	    {"id": "backup", "type": "webhook", "name": "Tell the backup", "url": %q, "secret": %q, "next": "done"},
	    {"id": "done", "type": "set_property", "property": "onboarded", "value": true}
	  ]}`, refusing.srv.URL+"/in", testSecret, down.srv.URL+"/in", testSecret))
	deployJSON(t, s, `{"id": "news", "name": "Newsletter", "object": "contact",
	  "triggers": [{"id": "joined", "type": "event", "event": "app.joined"}],
	  "start": "issue", "steps": [{"id": "issue", "type": "send_email", "subject": "News", "body": "Hello."}]}`)

	h, err := api.New(api.Options{DB: s.db, Engine: s.eng, Version: "test", Hooks: hook.New(s.db, s.eng, hook.Options{Clock: s.clock}), Settings: s.settings})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	id := s.ingestOne("app.signed_up", "ann@example.com", nil, map[string]any{"first_name": "Ann"})
	s.run()
	for range 6 { // the backup receiver is retried until the dead letter (4 tries)
		s.advance(time.Minute)
	}
	skipped := s.ingestOne("app.joined", "bob@example.com", nil, map[string]any{"subscribed": false})
	s.run()

	s.wantTrail(id, "enrolled", "welcome:failed", "crm:failed", "backup:retrying", "backup:retrying", "backup:retrying", "backup:failed", "done:ok", "completed")
	en := apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", id))
	e := en["enrollment"].(map[string]any)
	if e["status"] != store.StatusCompletedWithErrors || e["failed_steps"] != 3.0 {
		t.Fatalf("enrollment reads %v with %v failed steps, want completed_with_errors and 3", e["status"], e["failed_steps"])
	}
	for _, h := range en["history"].([]any) {
		h := h.(map[string]any)
		if h["outcome"] == store.HistCompleted && h["detail"].(map[string]any)["failed_steps"] != 3.0 {
			t.Fatalf("the completed entry does not say 3 steps failed: %v", h)
		}
	}
	if got := apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", skipped))["enrollment"].(map[string]any); got["status"] != store.StatusCompleted || got["failed_steps"] != 0.0 {
		t.Fatalf("an unsubscribed contact skipped on purpose reads %v with %v failed steps, want completed", got["status"], got["failed_steps"])
	}
	s.wantTrail(skipped, "enrolled", "issue:skipped", "completed")

	st := apiGet(t, srv, "/api/workflows/onboard/stats")
	ens := st["enrollments"].(map[string]any)
	if ens["completed_with_errors"] != 1.0 || ens["completed"] != 0.0 || ens["failed"] != 0.0 {
		t.Fatalf("stats enrollments %v", ens)
	}
	steps := st["steps"].(map[string]any)
	for step, want := range map[string][2]float64{"welcome": {0, 1}, "crm": {0, 1}, "backup": {0, 1}, "done": {1, 0}} {
		c := steps[step].(map[string]any)
		if c["completed"] != want[0] || c["failed"] != want[1] {
			t.Errorf("step %s counters %v, want completed %v failed %v", step, c, want[0], want[1])
		}
	}
	if l := apiGet(t, srv, "/api/enrollments?workflow=onboard&status=completed_with_errors")["enrollments"].([]any); len(l) != 1 {
		t.Fatalf("completed_with_errors list %v", l)
	}
	if l := apiGet(t, srv, "/api/enrollments?workflow=onboard&status=completed")["enrollments"].([]any); len(l) != 0 {
		t.Fatalf("plain completed list %v", l)
	}

	failed := apiGet(t, srv, "/api/deliveries?workflow=onboard&failed=true")["deliveries"].([]any)
	outcomes := map[string]string{}
	for _, d := range failed {
		d := d.(map[string]any)
		outcomes[d["step_id"].(string)] = d["outcome"].(string)
	}
	if len(failed) != 3 || outcomes["welcome"] != store.AttemptFailed || outcomes["crm"] != store.AttemptFailed || outcomes["backup"] != store.AttemptDead {
		t.Fatalf("failed deliveries %v", outcomes)
	}
	dead := apiGet(t, srv, "/api/deliveries?workflow=onboard&dead=true")["deliveries"].([]any)
	if len(dead) != 1 || dead[0].(map[string]any)["step_id"] != "backup" {
		t.Fatalf("dead letters %v", dead)
	}
	if n := len(mb.messages()); n != 0 {
		t.Fatalf("the refusing SMTP server kept %d messages", n)
	}
}
