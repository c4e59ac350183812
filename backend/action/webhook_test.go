package action_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// hookWF is a workflow "sale.completed -> webhook -> set synced"; %s is the webhook step's
// extra fields (url first).
const hookWF = `{
  "id": "wf", "name": "Webhook", "object": "contact",
  "triggers": [{"type": "event", "event": "sale.completed"}],
  "reenroll": {"enabled": false, "triggers": []},
  %s
  "start": "hook",
  "steps": [
    {"id": "hook", "type": "webhook", %s, "next": "done"},
    {"id": "done", "type": "set_property", "property": "synced", "value": true}
  ]
}`

func wf(step string) string { return fmt.Sprintf(hookWF, "", step) }

func wfPolicy(policy, step string) string {
	return fmt.Sprintf(hookWF, `"policy": `+policy+",", step)
}

func outcomes(atts []*store.ActionAttempt) (out []string, codes []int) {
	for _, a := range atts {
		out, codes = append(out, a.Outcome), append(codes, a.StatusCode)
	}
	return out, codes
}

func TestWebhookSignedRetriesHonourRetryAfterAndMapResponse(t *testing.T) {
	s := newStack(t, action.Config{Account: action.Account{ID: "acct-1", Name: "Shop"}}, engine.RetryPolicy{MaxTries: 5, Base: time.Second, Max: 2 * time.Second})
	rc := newReceiver(t, s.clock, testSecret, func(n int) answer {
		switch n {
		case 1:
			return answer{status: 503, body: "down for maintenance"}
		case 2:
			return answer{status: 429, header: map[string]string{"Retry-After": "120"}, body: "slow down"}
		}
		return answer{status: 201, header: map[string]string{"Content-Type": "application/json"}, body: `{"data": {"id": "crm-42", "tags": ["a"]}, "ok": true}`}
	})
	s.deploy(wf(fmt.Sprintf(`"url": %q, "secret": %q, "headers": {"X-Api-Key": "k-123", "X-Source": "flowdesk"},
		"response_map": {"data.id": "external_id", "ok": "crm_ok", "data.nope": "never"}`, rc.srv.URL+"/in", testSecret)))
	enr := s.event("sale.completed", "ann@example.com", map[string]any{"amount": 49.5}, map[string]any{"first_name": "Ann"})
	s.run()
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("after the first pass the receiver got %d requests, want 1", n)
	}
	s.advance(2 * time.Second) // past the first backoff (at most Max)
	if n := len(rc.deliveries()); n != 2 {
		t.Fatalf("after the backoff the receiver got %d requests, want 2", n)
	}
	s.advance(60 * time.Second) // Retry-After: 120 is not over yet
	if n := len(rc.deliveries()); n != 2 {
		t.Fatalf("Retry-After not honoured: %d requests 60s into a 120s wait", n)
	}
	s.advance(61 * time.Second)
	got := rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for i, d := range got {
		if !d.SignatureOK {
			t.Errorf("request %d: signature does not verify: %v", i+1, verifySignature(testSecret, d.ID, d.Timestamp, d.Signature, d.Body, d.At))
		}
		if d.ID != got[0].ID || !strings.HasPrefix(d.ID, "fd_") {
			t.Errorf("request %d: webhook-id %q, want the first try's %q on every retry", i+1, d.ID, got[0].ID)
		}
		if want := fmt.Sprint(d.At.Unix()); d.Timestamp != want {
			t.Errorf("request %d: webhook-timestamp %s, want this try's %s", i+1, d.Timestamp, want)
		}
		if d.Method != http.MethodPost || d.Header.Get("X-Api-Key") != "k-123" || d.Header.Get("X-Source") != "flowdesk" ||
			d.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %d: method %s headers %v", i+1, d.Method, d.Header)
		}
	}
	if got[0].Timestamp == got[2].Timestamp {
		t.Error("the timestamp must be the time of each try")
	}
	var env struct {
		Type string `json:"type"`
		Data struct {
			Contact struct {
				ID         int64          `json:"id"`
				Type       string         `json:"type"`
				Email      string         `json:"email"`
				Properties map[string]any `json:"properties"`
			} `json:"contact"`
			Enrollment struct {
				ID         int64  `json:"id"`
				WorkflowID string `json:"workflow_id"`
				Version    int    `json:"version"`
				StepID     string `json:"step_id"`
			} `json:"enrollment"`
			Event map[string]any `json:"event"`
		} `json:"data"`
		Account   map[string]any `json:"account"`
		CreatedAt string         `json:"created_at"`
	}
	if err := json.Unmarshal(got[2].Body, &env); err != nil {
		t.Fatalf("body: %v\n%s", err, got[2].Body)
	}
	if env.Type != "flowdesk.workflow.webhook" || env.Data.Contact.Email != "ann@example.com" || env.Data.Contact.Type != "contact" ||
		env.Data.Contact.Properties["first_name"] != "Ann" || env.Data.Enrollment.ID != enr || env.Data.Enrollment.WorkflowID != "wf" ||
		env.Data.Enrollment.Version != 1 || env.Data.Enrollment.StepID != "hook" || env.Data.Event["type"] != "sale.completed" ||
		env.Data.Event["amount"] != 49.5 || env.Account["id"] != "acct-1" || env.Account["name"] != "Shop" {
		t.Fatalf("envelope %+v\n%s", env, got[2].Body)
	}
	if at, err := time.Parse(time.RFC3339, env.CreatedAt); err != nil || !at.Equal(got[2].At.Truncate(time.Second)) {
		t.Fatalf("created_at %q, want %s", env.CreatedAt, got[2].At)
	}

	want := []string{"enrolled", "hook:retrying", "hook:retrying", "hook:ok", "done:ok", "completed"}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, want) {
		t.Fatalf("trail %v, want %v", tr, want)
	}
	atts := s.attempts(enr)
	outs, codes := outcomes(atts)
	if !reflect.DeepEqual(outs, []string{"ok", "retry", "retry"}) || !reflect.DeepEqual(codes, []int{201, 429, 503}) {
		t.Fatalf("attempt log (newest first) %v %v", outs, codes)
	}
	for _, a := range atts {
		if a.LatencyMS < 0 || a.IdempotencyKey != got[0].ID || a.Target != rc.srv.URL+"/in" || a.StepType != "webhook" {
			t.Errorf("attempt %+v", a)
		}
		for _, secret := range []string{testSecret, strings.TrimPrefix(testSecret, "whsec_"), "k-123", "v1,"} {
			if strings.Contains(string(a.Request), secret) || strings.Contains(a.Error, secret) {
				t.Errorf("attempt %d stores %q: %s", a.Try, secret, a.Request)
			}
		}
	}
	if atts[2].Response != "down for maintenance" || !strings.Contains(atts[0].Response, "crm-42") || !strings.Contains(atts[1].Error, "429") {
		t.Fatalf("snippets %q / %q / %q", atts[2].Response, atts[1].Error, atts[0].Response)
	}
	var req action.StoredRequest
	if err := json.Unmarshal(atts[0].Request, &req); err != nil || req.Method != "POST" || req.URL != rc.srv.URL+"/in" ||
		req.Body != string(got[2].Body) || req.Headers["X-Api-Key"] != workflow.Hidden || req.Headers["webhook-id"] != got[0].ID ||
		req.Headers["X-Source"] != "flowdesk" {
		t.Fatalf("stored request %s (%v)", atts[0].Request, err)
	}
	rec := s.record("ann@example.com")
	if rec.Properties["external_id"] != "crm-42" || rec.Properties["crm_ok"] != true || rec.Properties["synced"] != true {
		t.Fatalf("record %v", rec.Properties)
	}
	if _, ok := rec.Properties["never"]; ok {
		t.Fatal("a missing response path was mapped")
	}
}

func TestWebhookDeadLettersAfterCapAndEnrollmentGoesOn(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 500, body: strings.Repeat("é", 2000)} })
	s.deploy(wf(fmt.Sprintf(`"url": %q`, rc.srv.URL)))
	enr := s.event("sale.completed", "bob@example.com", nil, nil)
	s.run()
	for range 5 {
		s.advance(time.Minute)
	}
	if n := len(rc.deliveries()); n != 3 {
		t.Fatalf("receiver got %d requests, want 3 (the cap)", n)
	}
	want := []string{"enrolled", "hook:retrying", "hook:retrying", "hook:failed", "done:ok", "completed"}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, want) {
		t.Fatalf("trail %v, want %v", tr, want)
	}
	outs, _ := outcomes(s.attempts(enr))
	if !reflect.DeepEqual(outs, []string{"dead", "retry", "retry"}) {
		t.Fatalf("attempts %v", outs)
	}
	dead, err := s.db.ActionAttempts(s.ctx, store.AttemptQuery{WorkflowID: "wf", DeadOnly: true})
	if err != nil || len(dead) != 1 || dead[0].Try != 3 || dead[0].StatusCode != 500 {
		t.Fatalf("dead letters %v %v", dead, err)
	}
	if r := dead[0].Response; len(r) > action.SnippetLimit || !strings.HasPrefix(r, "éé") || strings.ContainsRune(r, '\uFFFD') {
		t.Fatalf("snippet of %d bytes: %q", len(r), r[max(0, len(r)-8):])
	}
	if s.record("bob@example.com").Properties["synced"] != true {
		t.Fatal("the enrollment did not go on after the dead letter")
	}
}

func TestWebhookRetriesSurviveRestartWithSameID(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 5, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, testSecret, func(n int) answer {
		if n < 3 {
			return answer{status: 503}
		}
		return answer{status: 204}
	})
	s.deploy(wf(fmt.Sprintf(`"url": %q, "secret": %q, "method": "PUT"`, rc.srv.URL, testSecret)))
	enr := s.event("sale.completed", "cy@example.com", nil, nil)
	s.run()
	s.reopen(action.Config{})
	s.advance(2 * time.Second)
	s.reopen(action.Config{})
	s.advance(2 * time.Second)
	got := rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests across restarts, want 3", len(got))
	}
	for i, d := range got {
		if d.ID != got[0].ID || !d.SignatureOK || d.Method != http.MethodPut {
			t.Fatalf("request %d: id %q (first %q) signature ok %v method %s", i+1, d.ID, got[0].ID, d.SignatureOK, d.Method)
		}
	}
	want := []string{"enrolled", "hook:retrying", "hook:retrying", "hook:ok", "done:ok", "completed"}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, want) {
		t.Fatalf("trail %v, want %v", tr, want)
	}
}

func TestWebhookPermanent4xxFailsWithoutRetry(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 5, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 422, body: `{"error":"bad email"}`} })
	s.deploy(wf(fmt.Sprintf(`"url": %q`, rc.srv.URL)))
	enr := s.event("sale.completed", "dee@example.com", nil, nil)
	s.run()
	s.advance(time.Hour)
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("a 422 was retried: %d requests", n)
	}
	want := []string{"enrolled", "hook:failed", "done:ok", "completed"}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, want) {
		t.Fatalf("trail %v, want %v", tr, want)
	}
	atts := s.attempts(enr)
	if len(atts) != 1 || atts[0].Outcome != "failed" || atts[0].StatusCode != 422 || atts[0].Response != `{"error":"bad email"}` ||
		!strings.Contains(atts[0].Error, "422") {
		t.Fatalf("attempts %+v", atts[0])
	}
}

func TestWebhookTimeoutIsRetried(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 5, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, "", func(n int) answer {
		if n == 1 {
			return answer{delay: 5 * time.Second}
		}
		return answer{status: 200}
	})
	s.deploy(wf(fmt.Sprintf(`"url": %q, "timeout": "300ms"`, rc.srv.URL)))
	enr := s.event("sale.completed", "eve@example.com", nil, nil)
	start := time.Now()
	s.run()
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("the step timeout was not applied: the try took %s", el)
	}
	s.advance(2 * time.Second)
	atts := s.attempts(enr)
	outs, _ := outcomes(atts)
	if !reflect.DeepEqual(outs, []string{"ok", "retry"}) || !strings.Contains(atts[1].Error, "no answer within 300ms") || atts[1].LatencyMS < 250 {
		t.Fatalf("attempts %v, first error %q latency %dms", outs, atts[1].Error, atts[1].LatencyMS)
	}
}

func TestWebhookNetworkErrorIsRetried(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 2, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{} })
	url := rc.srv.URL
	rc.srv.Close() // nothing listens there any more
	s.deploy(wf(fmt.Sprintf(`"url": %q`, url)))
	enr := s.event("sale.completed", "fay@example.com", nil, nil)
	s.run()
	s.advance(2 * time.Second)
	atts := s.attempts(enr)
	outs, _ := outcomes(atts)
	if !reflect.DeepEqual(outs, []string{"dead", "retry"}) || !strings.Contains(atts[1].Error, "network error") {
		t.Fatalf("attempts %v: %q", outs, atts[1].Error)
	}
}

func TestWebhookTemplateRendersTokens(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 2})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 200} })
	tmpl := `{"email": "{{contact.email}}", "greeting": "Hi {{contact.first_name | default \"there\"}}!", "nick": "{{record.nick | default \"friend\"}}",
		"pct": {{event.watch_pct}}, "tags": {{contact.tags}}, "note": "{{contact.note}}", "enrollment": {{enrollment.id}},
		"missing": {{contact.nope}}, "workflow": "{{workflow.id}} v{{workflow.version}}", "id": "{{webhook.id}}", "record_id": {{record.id}}}`
	s.deploy(wf(fmt.Sprintf(`"url": %q, "template": %q`, rc.srv.URL, tmpl)))
	note := "He said \"hi\"\nthen </script> left \\ ok"
	enr := s.event("sale.completed", "gil@example.com", map[string]any{"watch_pct": 87.5}, map[string]any{"first_name": "Gil", "note": note, "tags": []any{"vip", "b"}})
	s.run()
	got := rc.deliveries()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests: %+v", len(got), s.attempts(enr)[0])
	}
	var body map[string]any
	if err := json.Unmarshal(got[0].Body, &body); err != nil {
		t.Fatalf("rendered template is not JSON: %v\n%s", err, got[0].Body)
	}
	want := map[string]any{"email": "gil@example.com", "greeting": "Hi Gil!", "nick": "friend", "pct": 87.5, "tags": []any{"vip", "b"},
		"note": note, "enrollment": float64(enr), "missing": nil, "workflow": "wf v1", "id": got[0].ID,
		"record_id": float64(s.record("gil@example.com").ID)}
	if !reflect.DeepEqual(body, want) {
		t.Fatalf("rendered\n%v\nwant\n%v", body, want)
	}
}

func TestWebhookUnknownTokenFailsWithoutRequest(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 2})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 200} })
	s.deploy(wf(fmt.Sprintf(`"url": %q, "template": %q`, rc.srv.URL, `{"x": "{{contcat.email}}", "y": {{enrollment.nope}}}`)))
	enr := s.event("sale.completed", "hal@example.com", nil, nil)
	s.run()
	if n := len(rc.deliveries()); n != 0 {
		t.Fatalf("a broken template was sent (%d requests)", n)
	}
	atts := s.attempts(enr)
	if len(atts) != 1 || atts[0].Outcome != "failed" || !strings.Contains(atts[0].Error, "unknown token {{contcat.email}}") {
		t.Fatalf("attempts %+v", atts)
	}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, []string{"enrolled", "hook:failed", "done:ok", "completed"}) {
		t.Fatalf("trail %v", tr)
	}
}

// A malformed signing secret is a problem at save, naming the field and never quoting the
// secret, and the workflow cannot be switched on; one stored before that check fails at run time
// the same way, without a request.
func TestWebhookBadSecretRefusedAtSaveAndNeverQuoted(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 2})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 200} })
	for i, bad := range []string{"whsec_not*base64!", "whsec_c2VjcmV0", "plain words"} {
		def := strings.Replace(wf(fmt.Sprintf(`"url": %q, "secret": %q`, rc.srv.URL, bad)), `"id": "wf"`, fmt.Sprintf(`"id": "wf-%d"`, i), 1)
		saved, err := s.eng.Workflows().Create(s.ctx, []byte(def))
		if err != nil || len(saved.Problems) != 1 || saved.Problems[0].Field != "secret" || saved.Problems[0].Step != "hook" ||
			!strings.Contains(saved.Problems[0].Message, "whsec_") || strings.Contains(saved.Problems[0].Message, bad) {
			t.Fatalf("secret %q: %+v %v", bad, saved, err)
		}
		_, err = s.eng.Workflows().Enable(s.ctx, saved.Workflow.ID)
		var ve *problem.Error
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "secret" || strings.Contains(err.Error(), bad) {
			t.Fatalf("enable with secret %q: %v", bad, err)
		}
		res := runOnce(t, action.Config{}, rc.srv.URL, nil, func(st *workflow.Step) { st.Secret = bad })
		if res.Outcome != store.AttemptFailed || !strings.Contains(res.Error, "signing secret") || strings.Contains(res.Error, bad) {
			t.Fatalf("run with secret %q: %s %q", bad, res.Outcome, res.Error)
		}
	}
	if n := len(rc.deliveries()); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
}

func TestWebhookWorkflowPolicyAppliesThroughEngine(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second})
	rc := newReceiver(t, s.clock, "", func(int) answer { return answer{status: 200} })
	s.deploy(wfPolicy(`{"allow": ["*.example.com"], "deny": ["127.0.0.0/8"]}`, fmt.Sprintf(`"url": %q`, rc.srv.URL)))
	enr := s.event("sale.completed", "jo@example.com", nil, nil)
	s.run()
	s.advance(time.Hour)
	atts := s.attempts(enr)
	if len(rc.deliveries()) != 0 || len(atts) != 1 || atts[0].Outcome != "failed" || !strings.Contains(atts[0].Error, "deny list") {
		t.Fatalf("requests %d, attempts %+v", len(rc.deliveries()), atts)
	}
	if tr := s.trail(enr); !reflect.DeepEqual(tr, []string{"enrolled", "hook:failed", "done:ok", "completed"}) {
		t.Fatalf("trail %v", tr)
	}
}
