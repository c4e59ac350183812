package action_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/hook"
)

// postJSON posts body to the real API and answers the status and the decoded JSON.
func postJSON(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("POST %s: %d %s: %v", path, res.StatusCode, raw, err)
	}
	return res.StatusCode, out
}

// Settings → Email's "Send a test email" connects to the configured server for real: a
// working server gets the message; a closed port, a server without TLS when TLS is set and a
// refusing server answer 502 in words, with the raw error beside them; no server set up, a
// missing or bad address are refused with the field, and nothing is sent.
func TestSettingsSendATestEmail(t *testing.T) {
	refuse := false
	mb := newMailbox(t, "", "", func(int) error {
		if refuse {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	})
	s := newMailStack(t, false)
	h, err := api.New(api.Options{DB: s.db, Engine: s.eng, Version: "test", Hooks: hook.New(s.db, s.eng, hook.Options{Clock: s.clock}), Settings: s.settings,
		Actions: action.New(action.Config{DB: s.db, Settings: s.settings})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	const path = "/api/settings/email/test"
	field := func(out map[string]any) string {
		e, _ := out["error"].(map[string]any)
		d, _ := e["details"].(map[string]any)
		f, _ := d["field"].(string)
		return f
	}

	if code, out := postJSON(t, srv, path, `{"to": "me@example.com"}`); code != http.StatusUnprocessableEntity || field(out) != "smtp.host" {
		t.Fatalf("without a server: %d %v, want 422 on smtp.host", code, out)
	}
	s.useSMTP(mb, "", "")
	for _, body := range []string{`{}`, `{"to": "nope"}`} {
		if code, out := postJSON(t, srv, path, body); code != http.StatusUnprocessableEntity || field(out) != "to" {
			t.Fatalf("%s: %d %v, want 422 on to", body, code, out)
		}
	}
	if n := len(mb.messages()); n != 0 {
		t.Fatalf("refused requests sent %d messages", n)
	}

	code, out := postJSON(t, srv, path, `{"to": "me@example.com"}`)
	if code != http.StatusOK || out["delivery"] != "sent" || out["outcome"] != "ok" {
		t.Fatalf("a working server: %d %v", code, out)
	}
	if msgs := mb.messages(); len(msgs) != 1 || msgs[0].To[0] != "me@example.com" || !strings.Contains(string(msgs[0].Data), "Flowdesk test email") {
		t.Fatalf("received %v", msgs)
	}

	refuse = true
	code, out = postJSON(t, srv, path, `{"to": "me@example.com"}`)
	e := out["error"].(map[string]any)
	if code != http.StatusBadGateway || e["message"] != "the test email was not sent: The mail server refused the message (550: no such mailbox). It is not tried again; check the address." ||
		!strings.Contains(e["details"].(map[string]any)["error"].(string), "550") {
		t.Fatalf("a refusing server: %d %v", code, out)
	}

	port := s.useClosedSMTP()
	code, out = postJSON(t, srv, path, `{"to": "me@example.com"}`)
	e = out["error"].(map[string]any)
	want := fmt.Sprintf("the test email was not sent: Could not reach the mail server 127.0.0.1:%d (connection refused)", port)
	if code != http.StatusBadGateway || !strings.HasPrefix(e["message"].(string), want) || !strings.Contains(e["details"].(map[string]any)["error"].(string), "connect: connection refused") {
		t.Fatalf("a closed port: %d %v, want %q…", code, out, want)
	}
}
