package action_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
)

// closedPort is a port on 127.0.0.1 that refuses connections: one that was just listened on
// and closed again.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// useClosedSMTP points the SMTP settings at a closed port on 127.0.0.1 (encryption none).
func (s *mailStack) useClosedSMTP() int {
	s.t.Helper()
	port := closedPort(s.t)
	u := &settings.Update{}
	raw, _ := json.Marshal(map[string]any{"smtp": map[string]any{"host": "127.0.0.1", "port": port, "tls": "none", "from": "news@acme.example"}})
	if err := json.Unmarshal(raw, u); err != nil {
		s.t.Fatal(err)
	}
	if err := s.settings.Apply(s.ctx, u); err != nil {
		s.t.Fatal(err)
	}
	return port
}

// An email to a mail server that refuses connections retries: while it waits for its next
// try, the stats count it as retrying at the step (not running), with the next try's time and
// the last error, and the enrollment says which try failed and when the next one runs. After
// the last try it is a failed step, and nothing reads retrying any more.
func TestARetryingSendShowsAsRetrying(t *testing.T) {
	s := newMailStack(t, false) // 4 tries, 1 s apart
	port := s.useClosedSMTP()
	deployJSON(t, s, `{"id": "optin", "name": "Newsletter opt-in", "object": "contact",
	  "triggers": [{"id": "joined", "type": "event", "event": "app.joined"}],
	  "start": "welcome", "steps": [{"id": "welcome", "type": "send_email", "name": "Welcome email", "subject": "Welcome", "body": "Hello.", "next": "later"},
	    {"id": "later", "type": "delay", "duration": "1d"}]}`)
	h, err := api.New(api.Options{DB: s.db, Engine: s.eng, Version: "test", Hooks: hook.New(s.db, s.eng, hook.Options{Clock: s.clock}), Settings: s.settings})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	id := s.ingestOne("app.joined", "ann@example.com", nil, nil)
	s.run()
	for try := 1; try < 4; try++ {
		st := apiGet(t, srv, "/api/workflows/optin/stats")
		w := st["steps"].(map[string]any)["welcome"].(map[string]any)
		if st["retrying"] != 1.0 || w["retrying"] != 1.0 || w["active"] != 0.0 || w["failed"] != 0.0 {
			t.Fatalf("after try %d: stats %v, welcome %v; want 1 retrying, not active, not failed", try, st["retrying"], w)
		}
		if !strings.Contains(w["last_error"].(string), fmt.Sprintf("127.0.0.1:%d", port)) ||
			!strings.HasPrefix(w["last_error_text"].(string), fmt.Sprintf("Could not reach the mail server 127.0.0.1:%d (connection refused)", port)) {
			t.Fatalf("after try %d: last error %q (%q) does not name the server", try, w["last_error"], w["last_error_text"])
		}
		next, err := time.Parse(time.RFC3339Nano, w["next_try_at"].(string))
		if err != nil || !next.After(s.clock.Now().Add(-time.Nanosecond)) {
			t.Fatalf("after try %d: next try at %v (%v), want at or after now %v", try, w["next_try_at"], err, s.clock.Now())
		}
		en := apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", id))
		r, ok := en["retry"].(map[string]any)
		if !ok || r["try"] != float64(try) || r["max_tries"] != 4.0 || r["step_id"] != "welcome" || r["next_try_at"] != w["next_try_at"] ||
			!strings.Contains(r["error"].(string), "connection refused") {
			t.Fatalf("after try %d: the enrollment's retry %v", try, en["retry"])
		}
		s.advance(2 * time.Second)
	}
	s.wantTrail(id, "enrolled", "welcome:retrying", "welcome:retrying", "welcome:retrying", "welcome:failed", "later:waiting")
	st := apiGet(t, srv, "/api/workflows/optin/stats")
	w := st["steps"].(map[string]any)["welcome"].(map[string]any)
	if st["retrying"] != 0.0 || w["retrying"] != 0.0 || w["failed"] != 1.0 || w["next_try_at"] != nil || st["open_with_failed_steps"] != 1.0 {
		t.Fatalf("after the dead letter: stats %v, welcome %v; want 0 retrying, 1 failed, 1 open with a failed step", st, w)
	}
	if en := apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", id)); en["retry"] != nil {
		t.Fatalf("an enrollment past the step still retries: %v", en["retry"])
	}
}

// A dead letter adds one in-app notification naming the workflow, the recipient and the error,
// linked to the enrollment; the step's next dead letters within the hour add none, and one an
// hour later does.
func TestADeadLetterNotifiesOncePerStepAnHour(t *testing.T) {
	s := newMailStack(t, false) // 4 tries, 1 s apart
	port := s.useClosedSMTP()
	deployJSON(t, s, `{"id": "optin", "name": "Newsletter opt-in", "object": "contact",
	  "triggers": [{"id": "joined", "type": "event", "event": "app.joined"}], "reenroll": {"enabled": true, "triggers": []},
	  "start": "welcome", "steps": [{"id": "welcome", "type": "send_email", "name": "Welcome email", "subject": "Welcome", "body": "Hello."}]}`)
	h, err := api.New(api.Options{DB: s.db, Engine: s.eng, Version: "test", Hooks: hook.New(s.db, s.eng, hook.Options{Clock: s.clock}), Settings: s.settings})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	deadLetter := func(email string) int64 {
		id := s.ingestOne("app.joined", email, nil, nil)
		s.run()
		for range 4 {
			s.advance(2 * time.Second)
		}
		s.wantTrail(id, "enrolled", "welcome:retrying", "welcome:retrying", "welcome:retrying", "welcome:failed", "completed")
		return id
	}
	notes := func() []any { return apiGet(t, srv, "/api/notifications")["notifications"].([]any) }

	if got := notes(); len(got) != 0 {
		t.Fatalf("notifications before any dead letter: %v", got)
	}
	ann := deadLetter("ann@example.com")
	got := notes()
	if len(got) != 1 {
		t.Fatalf("notifications after the dead letter: %v, want one", got)
	}
	n := got[0].(map[string]any)
	if n["kind"] != "delivery_dead" || n["title"] != "Newsletter opt-in: Welcome email failed" || n["link"] != fmt.Sprintf("/enrollments/%d", ann) ||
		!strings.HasPrefix(n["body"].(string), "Newsletter opt-in: the email to ann@example.com failed for good after 4 tries: ") ||
		!strings.Contains(n["body"].(string), fmt.Sprintf("Could not reach the mail server 127.0.0.1:%d (connection refused)", port)) {
		t.Fatalf("the dead letter's notification %v", n)
	}
	if u := apiGet(t, srv, "/api/notifications")["unread"]; u != 1.0 {
		t.Fatalf("unread %v, want 1", u)
	}
	deadLetter("bob@example.com") // within the hour: no second one
	if got := notes(); len(got) != 1 {
		t.Fatalf("a second dead letter of the step within the hour added a notification: %v", got)
	}
	s.advance(time.Hour)
	deadLetter("cy@example.com")
	got = notes()
	if len(got) != 2 || !strings.Contains(got[0].(map[string]any)["body"].(string), "cy@example.com") {
		t.Fatalf("a dead letter an hour later: %v, want a second notification about cy", got)
	}
}

// The error of a failed send reads in words in the delivery log, the history and an
// enrollment's retry, from real failures: a closed port, TLS to a server without it, a 550.
func TestASendsErrorReadsInWords(t *testing.T) {
	for _, c := range []struct {
		name, mode string
		closed     bool
		reply      error
		want       string
	}{
		{name: "closed port", mode: "none", closed: true, want: "Could not reach the mail server 127.0.0.1:"},
		{name: "TLS to a plain server", mode: "tls", want: "Could not start an encrypted connection: the mail server does not speak TLS on this port."},
		{name: "STARTTLS not offered", mode: "starttls", want: "The mail server does not offer STARTTLS"},
		{name: "550", mode: "none", reply: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"},
			want: "The mail server refused the message (550: no such mailbox). It is not tried again; check the address."},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newMailStack(t, false)
			mb := newMailbox(t, "", "", func(int) error { return c.reply })
			h, p := mb.host()
			if c.closed {
				p = closedPort(t)
			}
			u := &settings.Update{}
			raw, _ := json.Marshal(map[string]any{"smtp": map[string]any{"host": h, "port": p, "tls": c.mode, "from": "news@acme.example"}})
			if err := json.Unmarshal(raw, u); err != nil {
				t.Fatal(err)
			}
			if err := s.settings.Apply(s.ctx, u); err != nil {
				t.Fatal(err)
			}
			deployJSON(t, s, `{"id": "optin", "name": "Newsletter opt-in", "object": "contact",
			  "triggers": [{"id": "joined", "type": "event", "event": "app.joined"}],
			  "start": "welcome", "steps": [{"id": "welcome", "type": "send_email", "subject": "Welcome", "body": "Hello."}]}`)
			h2, err := api.New(api.Options{DB: s.db, Engine: s.eng, Version: "test", Hooks: hook.New(s.db, s.eng, hook.Options{Clock: s.clock}), Settings: s.settings})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h2)
			t.Cleanup(srv.Close)
			id := s.ingestOne("app.joined", "ann@example.com", nil, nil)
			s.run()
			d := apiGet(t, srv, fmt.Sprintf("/api/deliveries?enrollment=%d", id))["deliveries"].([]any)[0].(map[string]any)
			if text, _ := d["error_text"].(string); !strings.HasPrefix(text, c.want) || d["error"] == "" || d["error"] == text {
				t.Fatalf("delivery error %q in words %q, want %q… beside the raw text", d["error"], d["error_text"], c.want)
			}
			var line map[string]any
			for _, h := range apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", id))["history"].([]any) {
				if h := h.(map[string]any); h["step_id"] == "welcome" {
					line = h["detail"].(map[string]any)
				}
			}
			if line == nil || line["error_text"] != d["error_text"] || line["error"] != d["error"] {
				t.Fatalf("the history line %v does not say what the delivery log says (%q)", line, d["error_text"])
			}
			if c.reply == nil {
				r := apiGet(t, srv, fmt.Sprintf("/api/enrollments/%d", id))["retry"].(map[string]any)
				if r["error_text"] != d["error_text"] {
					t.Fatalf("the retry's words %q, the delivery's %q", r["error_text"], d["error_text"])
				}
			}
		})
	}
}
