package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/hook"
)

// The scope picker's source: a real systeme.io opt-in through its preset gives the funnel and
// the funnel step, named from the payload, and the endpoint it came through, by its name; a plain API event's scope is listed too; a missing
// type names the query parameter and a type never seen lists nothing.
func TestEventScopesFromRealPayloads(t *testing.T) {
	e := newEnv(t)
	created := e.call("POST", "/api/hooks", map[string]any{"name": "systeme.io", "preset": "systemeio"}, 201)
	body := []byte(readFile(t, "payloads/systemeio/contact.optin.completed.funnel-step.json"))
	h, _ := hook.SignedHeaders(created["secret"].(string), "msg_1", e.clock.Now(), body)
	if st, m := sendHook(t, created["url"].(string), body, h); st != 201 && st != 202 {
		t.Fatalf("send the opt-in: %d %v", st, m)
	}
	e.ingest(`{"type": "contact.optin.completed", "record": {"type": "contact", "email": "ann@example.com"}, "scope": {"funnel": "777"}}`)

	got := e.call(http.MethodGet, "/api/events/scopes?type=contact.optin.completed", nil, http.StatusOK)
	var lines []string
	for _, s := range got["scopes"].([]any) {
		m := s.(map[string]any)
		name, _ := m["name"].(string)
		lines = append(lines, m["key"].(string)+"="+m["value"].(string)+" "+name)
	}
	want := "funnel=777 |funnel=614554 webhook data structure documentation|funnel_step=2102831 Squeeze page|hook=" + created["id"].(string) + " systeme.io"
	if strings.Join(lines, "|") != want {
		t.Fatalf("scopes %q, want %q", strings.Join(lines, "|"), want)
	}

	res := e.request(http.MethodGet, "/api/events/scopes", "", nil)
	if res.status != http.StatusBadRequest || res.errorCode() != "bad_query" || !strings.Contains(string(res.body), `"field":"type"`) {
		t.Fatalf("no type: %d %s", res.status, res.body)
	}
	if none := e.call(http.MethodGet, "/api/events/scopes?type=never.seen", nil, http.StatusOK); len(none["scopes"].([]any)) != 0 {
		t.Fatalf("never seen: %v", none)
	}
}
