package action_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/store"
)

const slackPath = "/services/T000/B000/XXXXsecretXXXX"

func slackSteps(url string) []map[string]any {
	return []map[string]any{
		{"id": "ping", "type": "slack", "webhook_url": url, "text": "New signup: {{contact.first_name}} ({{contact.email}})", "next": "done"},
		{"id": "done", "type": "set_property", "property": "lead_status", "value": "connected"},
	}
}

func TestSlackPostsJSONAndHonoursRetryAfter(t *testing.T) {
	srv := newFakeServer(t, func(n int, h hit) (int, map[string]string, string) {
		if n == 1 {
			return http.StatusTooManyRequests, map[string]string{"Retry-After": "120"}, "rate_limited"
		}
		return http.StatusOK, nil, "ok"
	})
	s := newMsgStack(t, action.Config{})
	s.deploy("sl", slackSteps(srv.srv.URL+slackPath)...)
	id := s.start("sl", "ann@example.com", map[string]any{"first_name": "Ann"})
	s.run()
	s.wantTrail(id, "enrolled", "ping:retrying")
	if d := s.detail(id, "ping", "retrying"); d["retry_after"] != "2m0s" || d["retry_at"] != msgT0.Add(2*time.Minute).Format(time.RFC3339) {
		t.Fatalf("retry detail %v", d)
	}
	s.advance(119 * time.Second)
	if n := len(srv.got()); n != 1 {
		t.Fatalf("retried before Retry-After: %d requests", n)
	}
	s.advance(time.Second)
	s.wantTrail(id, "enrolled", "ping:retrying", "ping:ok", "done:ok", "completed")
	hits := srv.got()
	if len(hits) != 2 {
		t.Fatalf("%d requests, want 2", len(hits))
	}
	for _, h := range hits {
		if h.Method != http.MethodPost || h.Path != slackPath || h.ContentType != "application/json" {
			t.Fatalf("request %s %s %s", h.Method, h.Path, h.ContentType)
		}
		var msg map[string]any
		if err := json.Unmarshal(h.Body, &msg); err != nil || len(msg) != 1 || msg["text"] != "New signup: Ann (ann@example.com)" {
			t.Fatalf("body %s (%v)", h.Body, err)
		}
	}
	atts := s.attempts(id)
	if len(atts) != 2 || atts[0].Outcome != store.AttemptRetry || atts[0].StatusCode != 429 || atts[1].Outcome != store.AttemptOK {
		t.Fatalf("attempts %+v", atts)
	}
	for _, a := range atts {
		if strings.Contains(a.Target, "secret") || strings.Contains(string(a.Request), "secret") || a.Target != srv.srv.URL+"/…" {
			t.Fatalf("the webhook URL leaks into the log: %+v", a)
		}
	}
	if !strings.Contains(atts[0].Error, "rate_limited") {
		t.Fatalf("retry error %q", atts[0].Error)
	}
}

func TestSlackServerErrorIsRetriedAndRefusalFails(t *testing.T) {
	flaky := newFakeServer(t, func(n int, h hit) (int, map[string]string, string) {
		if n == 1 {
			return http.StatusInternalServerError, nil, ""
		}
		return http.StatusOK, nil, "ok"
	})
	gone := newFakeServer(t, func(int, hit) (int, map[string]string, string) { return http.StatusNotFound, nil, "no_service" })
	s := newMsgStack(t, action.Config{})
	s.deploy("flaky", slackSteps(flaky.srv.URL+slackPath)...)
	s.deploy("gone", slackSteps(gone.srv.URL+slackPath)...)
	a := s.start("flaky", "ann@example.com", nil)
	b := s.start("gone", "bob@example.com", nil)
	s.run()
	s.advance(2 * time.Second)
	s.wantTrail(a, "enrolled", "ping:retrying", "ping:ok", "done:ok", "completed")
	s.wantTrail(b, "enrolled", "ping:failed", "done:ok", "completed")
	atts := s.attempts(b)
	if len(atts) != 1 || atts[0].StatusCode != 404 || !strings.Contains(atts[0].Error, "no_service") {
		t.Fatalf("attempts %+v", atts)
	}
	if n := len(gone.got()); n != 1 {
		t.Fatalf("a refused post was retried: %d requests", n)
	}
}

func TestSlackRespectsTheDestinationPolicy(t *testing.T) {
	srv := newFakeServer(t, func(int, hit) (int, map[string]string, string) { return http.StatusOK, nil, "ok" })
	s := newMsgStack(t, action.Config{Deny: []string{"127.0.0.0/8"}})
	s.deploy("sl", slackSteps(srv.srv.URL+slackPath)...)
	id := s.start("sl", "ann@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "ping:failed", "done:ok", "completed")
	if n := len(srv.got()); n != 0 {
		t.Fatalf("a denied destination got %d requests", n)
	}
}
