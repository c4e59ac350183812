package action_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
)

const smsToken = "tok-secret"

// statusStack is an SMS stack whose provider (a real server on 127.0.0.1) reports delivery
// statuses to Flowdesk's real webhook listener (another one), as Twilio calls the StatusCallback
// it was given.
type statusStack struct {
	*msgStack
	prov     *fakeServer
	listener *httptest.Server

	mu       sync.Mutex
	hooks    *hook.Listener
	callback string // the StatusCallback of the last message
	sid      string
	// before, when set, is the status the provider reports before it answers the send (so the
	// report arrives while the try is still in flight).
	before string
}

func newStatusStack(t *testing.T, timeout time.Duration) *statusStack {
	t.Helper()
	s := &statusStack{}
	s.listener = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		l := s.hooks
		s.mu.Unlock()
		l.ServeHTTP(w, r)
	}))
	t.Cleanup(s.listener.Close)
	n := 0
	s.prov = newFakeServer(t, func(_ int, h hit) (int, map[string]string, string) {
		s.mu.Lock()
		n++
		s.callback, s.sid = h.Form["StatusCallback"], "SM"+strings.Repeat("0", 31)+string(rune('0'+n))
		before, sid := s.before, s.sid
		s.mu.Unlock()
		if before != "" {
			if code := s.report(before, ""); code != http.StatusOK {
				t.Errorf("the early report was answered %d", code)
			}
		}
		return twilioOK(sid)
	})
	s.msgStack = newMsgStack(t, action.Config{HooksURL: s.listener.URL, SMS: action.SMSProvider{BaseURL: s.prov.srv.URL, AccountSID: "AC123",
		AuthToken: smsToken, From: "+15005550006", StatusTimeout: timeout}})
	s.newListener()
	return s
}

func (s *statusStack) newListener() {
	l := hook.New(s.db, s.eng, hook.Options{Clock: s.clock, BaseURL: s.listener.URL,
		SMSAuth: func(context.Context) (string, string, error) { return smsToken, "", nil }})
	s.mu.Lock()
	s.hooks = l
	s.mu.Unlock()
}

// twilioSign signs a form post the way Twilio documents it: base64 of HMAC-SHA1 with the auth
// token over the full URL followed by each parameter's name and value, sorted by name.
func twilioSign(token, fullURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(fullURL))
	for _, k := range names {
		m.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// report posts a status from the provider's side to the StatusCallback of the last message,
// signed with the account's token, and returns the listener's status code.
func (s *statusStack) report(status, errorCode string) int {
	s.t.Helper()
	code, _ := s.post(s.callbackURL(), status, errorCode, smsToken)
	return code
}

func (s *statusStack) callbackURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.callback == "" {
		s.t.Fatal("the provider got no StatusCallback")
	}
	return s.callback
}

func (s *statusStack) post(to, status, errorCode, token string) (int, map[string]any) {
	s.t.Helper()
	s.mu.Lock()
	form := url.Values{"MessageSid": {s.sid}, "AccountSid": {"AC123"}, "From": {"+15005550006"}, "To": {"+31612345678"}, "ApiVersion": {"2010-04-01"}}
	s.mu.Unlock()
	if status != "" {
		form.Set("MessageStatus", status)
	}
	if errorCode != "" {
		form.Set("ErrorCode", errorCode)
	}
	req, _ := http.NewRequest(http.MethodPost, to, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilioSign(token, to, form))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// wantOutbox checks the one SMS row of the outbox: its status and (a part of) its reason.
func (s *statusStack) wantOutbox(status, reason string) *store.OutboxMessage {
	s.t.Helper()
	box, err := s.db.Outbox(s.ctx, store.OutboxQuery{Channel: action.SMSChannel})
	if err != nil || len(box) != 1 {
		s.t.Fatalf("outbox %+v %v, want one SMS", box, err)
	}
	m := box[0]
	if m.Status != status || (reason == "" && m.Reason != "") || !strings.Contains(m.Reason, reason) {
		s.t.Fatalf("outbox row %s %q, want %s %q", m.Status, m.Reason, status, reason)
	}
	if (status == store.OutboxDelivered || status == store.OutboxFailed) != (m.StatusAt != nil) {
		s.t.Fatalf("outbox row %s with status_at %v", m.Status, m.StatusAt)
	}
	return m
}

// An SMS the provider queued waits for its status: "sending" changes nothing, "delivered" moves
// the step on as ok, and the outbox keeps the message.
func TestSMSWaitsForTheProvidersDeliveredStatus(t *testing.T) {
	s := newStatusStack(t, 0)
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"first_name": "Ann", "phone": "+31 6 12345678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting")
	if en := s.r.Enrollment(id); en.Status != store.StatusWaiting || en.CurrentStep != "text" {
		t.Fatalf("enrollment %s at %q, want waiting at the sms step", en.Status, en.CurrentStep)
	}
	cb := s.callbackURL()
	if !strings.HasPrefix(cb, s.listener.URL+"/hooks/sms-status/") {
		t.Fatalf("StatusCallback %q, want the listener's status route", cb)
	}
	d := s.detail(id, "text", store.HistWaiting)
	if d["provider_status"] != "queued" || d["timeout_at"] != msgT0.Add(72*time.Hour).Format(time.RFC3339) {
		t.Fatalf("waiting detail %v, want queued with a 72-hour deadline", d)
	}

	s.wantOutbox(store.OutboxSent, "")
	if code := s.report("sending", ""); code != http.StatusOK {
		t.Fatalf("an interim status answered %d", code)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting")

	code, body := s.post(cb, "delivered", "", smsToken)
	if code != http.StatusOK || body["outcome"] != "recorded" || body["status"] != "delivered" {
		t.Fatalf("delivered answered %d %v", code, body)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:ok", "done:ok", "completed")
	if en := s.r.Enrollment(id); en.Status != store.StatusCompleted {
		t.Fatalf("enrollment %s, want completed", en.Status)
	}
	if d := s.detail(id, "text", store.HistOK); d["provider_status"] != "delivered" {
		t.Fatalf("ok detail %v", d)
	}
	if m := s.wantOutbox(store.OutboxDelivered, ""); !m.StatusAt.Equal(s.clock.Now()) {
		t.Fatalf("delivered at %v, want %v", m.StatusAt, s.clock.Now())
	}
	// A late report does not replace the first final one, and nothing runs again.
	if code := s.report("undelivered", "30003"); code != http.StatusOK {
		t.Fatalf("a late report answered %d", code)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:ok", "done:ok", "completed")
	s.wantOutbox(store.OutboxDelivered, "")
	if n := len(s.prov.got()); n != 1 {
		t.Fatalf("the provider got %d sends, want 1", n)
	}
}

// A reported failure fails the step (red in the history and the delivery log) and the
// enrollment goes on to end with errors.
func TestSMSFailsWhenTheProviderReportsUndelivered(t *testing.T) {
	s := newStatusStack(t, 0)
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+31612345678"})
	s.run()
	if code := s.report("undelivered", "30003"); code != http.StatusOK {
		t.Fatalf("undelivered answered %d", code)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:failed", "done:ok", "completed")
	if en := s.r.Enrollment(id); en.Status != store.StatusCompletedWithErrors || en.FailedSteps != 1 {
		t.Fatalf("enrollment %s with %d failed steps, want completed_with_errors with 1", en.Status, en.FailedSteps)
	}
	if d := s.detail(id, "text", store.HistFailed); d["provider_status"] != "undelivered" || d["error_code"] != "30003" ||
		!strings.Contains(d["error"].(string), "undelivered (error 30003)") {
		t.Fatalf("failed detail %v", d)
	}
	atts := s.attempts(id)
	if len(atts) != 2 || atts[0].Outcome != store.AttemptOK || atts[1].Outcome != store.AttemptFailed || !strings.Contains(atts[1].Error, "undelivered") {
		t.Fatalf("delivery log %+v, want the accepted try then the failure", atts)
	}
	// The outbox says failed with the reason, in the write that failed the step.
	s.wantOutbox(store.OutboxFailed, "the provider reported the message undelivered (error 30003)")
	if got, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxSent}); err != nil || len(got) != 0 {
		t.Fatalf("sent messages %+v %v, want none", got, err)
	}
}

// A provider that answers the send with a final failure fails the step at once, and the outbox
// row is stored failed with that reason.
func TestSMSAnsweredFailedIsFailedInTheOutbox(t *testing.T) {
	s := newStatusStack(t, 0)
	s.prov.script = func(int, hit) (int, map[string]string, string) {
		return http.StatusCreated, map[string]string{"Content-Type": "application/json"}, `{"sid": "SM0009", "status": "failed"}`
	}
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+31612345678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:failed", "done:ok", "completed")
	m := s.wantOutbox(store.OutboxFailed, "the SMS provider answered that the message failed")
	if m.MessageID != "SM0009" || m.SentAt == nil {
		t.Fatalf("outbox row %+v, want the provider's id and when it was handed over", m)
	}
}

// A status that arrives while the send's try is still in flight (the provider reports before
// it answers) is kept and found when the wait commits.
func TestSMSStatusBeforeTheWaitCommitsIsNotLost(t *testing.T) {
	s := newStatusStack(t, 0)
	s.before = "delivered"
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+31612345678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:ok", "done:ok", "completed")
	s.wantOutbox(store.OutboxDelivered, "")
}

// With no status the step fails after the configured wait, also across a restart: the wait is a
// job in the database.
func TestSMSWithoutAStatusFailsAfterTheTimeoutAcrossARestart(t *testing.T) {
	s := newStatusStack(t, 2*time.Hour)
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+31612345678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting")
	s.r.Restart()
	s.db, s.eng = s.r.DB, s.r.Eng
	s.newListener()
	s.advance(time.Hour)
	s.wantTrail(id, "enrolled", "text:waiting")
	s.advance(time.Hour)
	s.wantTrail(id, "enrolled", "text:waiting", "text:failed", "done:ok", "completed")
	if d := s.detail(id, "text", store.HistFailed); !strings.Contains(d["error"].(string), "no delivery status from the provider after 2 hours") {
		t.Fatalf("timeout detail %v", d)
	}
	if en := s.r.Enrollment(id); en.Status != store.StatusCompletedWithErrors {
		t.Fatalf("enrollment %s, want completed_with_errors", en.Status)
	}
	s.wantOutbox(store.OutboxFailed, "no delivery status from the provider after 2 hours")
	// A report after the deadline is recorded but changes nothing.
	if code := s.report("delivered", ""); code != http.StatusOK {
		t.Fatalf("a late report answered %d", code)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:failed", "done:ok", "completed")
	s.wantOutbox(store.OutboxFailed, "no delivery status")
}

// Bad status reports are refused with the field named, and the step keeps waiting.
func TestSMSStatusCallbackRefusesBadReports(t *testing.T) {
	s := newStatusStack(t, 0)
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+31612345678"})
	s.run()
	cb := s.callbackURL()
	type want struct {
		code  int
		field string
	}
	cases := map[string]struct {
		to, status, token string
		want              want
	}{
		"wrong signature":   {cb, "delivered", "not-the-token", want{http.StatusForbidden, "X-Twilio-Signature"}},
		"no status":         {cb, "", smsToken, want{http.StatusBadRequest, "MessageStatus"}},
		"unknown status":    {cb, "exploded", smsToken, want{http.StatusBadRequest, "MessageStatus"}},
		"unknown message":   {s.listener.URL + "/hooks/sms-status/" + strings.Replace(cb[strings.LastIndex(cb, "/")+1:], "fd_", "fd_0", 1), "delivered", smsToken, want{http.StatusNotFound, ""}},
		"malformed address": {s.listener.URL + "/hooks/sms-status/nonsense", "delivered", smsToken, want{http.StatusNotFound, ""}},
	}
	for name, c := range cases {
		code, body := s.post(c.to, c.status, "", c.token)
		errBody, _ := body["error"].(map[string]any)
		details, _ := errBody["details"].(map[string]any)
		if code != c.want.code || (c.want.field != "" && details["field"] != c.want.field) || errBody["message"] == "" {
			t.Errorf("%s: %d %v, want %d naming %q", name, code, body, c.want.code, c.want.field)
		}
	}
	res, err := http.Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d, want 405", res.StatusCode)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting")
	if en := s.r.Enrollment(id); en.Status != store.StatusWaiting {
		t.Fatalf("enrollment %s after bad reports, want still waiting", en.Status)
	}
	if code := s.report("delivered", ""); code != http.StatusOK {
		t.Fatalf("the good report answered %d", code)
	}
	s.run()
	s.wantTrail(id, "enrolled", "text:waiting", "text:ok", "done:ok", "completed")
}
