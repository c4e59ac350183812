package action_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

func smsSteps() []map[string]any {
	return []map[string]any{
		{"id": "text", "type": "sms", "to": "{{contact.phone}}", "text": `Hi {{contact.first_name | default "there"}}, see you at 11!`, "next": "done"},
		{"id": "done", "type": "set_property", "property": "lead_status", "value": "attempted_to_contact"},
	}
}

func TestSMSSendsThroughTheProviderAndRetriesA503(t *testing.T) {
	prov := newFakeServer(t, func(n int, h hit) (int, map[string]string, string) {
		if n == 1 {
			return http.StatusServiceUnavailable, nil, `{"code": 20503, "message": "Service unavailable"}`
		}
		return twilioOK("SM0001")
	})
	s := newMsgStack(t, action.Config{SMS: action.SMSProvider{BaseURL: prov.srv.URL, AccountSID: "AC123", AuthToken: "tok-secret", From: "+15005550006"}})
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"first_name": "Ann", "phone": "+31 6-1234 5678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:retrying")
	// While the step waits to try again, the Outbox lists the message as failed, saying why.
	if f, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxFailed}); err != nil || len(f) != 1 || !strings.Contains(f[0].Reason, "503") {
		t.Fatalf("failed outbox rows while retrying: %+v %v", f, err)
	}
	s.advance(2 * time.Second)
	s.wantTrail(id, "enrolled", "text:retrying", "text:ok", "done:ok", "completed")

	hits := prov.got()
	if len(hits) != 2 {
		t.Fatalf("provider got %d requests, want 2", len(hits))
	}
	for _, h := range hits {
		if h.Method != http.MethodPost || h.Path != "/2010-04-01/Accounts/AC123/Messages.json" ||
			!strings.HasPrefix(h.ContentType, "application/x-www-form-urlencoded") {
			t.Fatalf("request %s %s %s", h.Method, h.Path, h.ContentType)
		}
		if !h.AuthOK || h.User != "AC123" || h.Pass != "tok-secret" {
			t.Fatalf("basic auth %q %q %v", h.User, h.Pass, h.AuthOK)
		}
		if h.Form["To"] != "+31612345678" || h.Form["From"] != "+15005550006" || h.Form["Body"] != "Hi Ann, see you at 11!" {
			t.Fatalf("form %v", h.Form)
		}
	}
	if hits[0].Header.Get("Idempotency-Key") == "" || hits[0].Header.Get("Idempotency-Key") != hits[1].Header.Get("Idempotency-Key") {
		t.Fatal("the idempotency key must be the same on both tries")
	}
	atts := s.attempts(id)
	if len(atts) != 2 || atts[0].Outcome != store.AttemptRetry || atts[0].StatusCode != 503 || atts[1].Outcome != store.AttemptOK || atts[1].StatusCode != 201 {
		t.Fatalf("attempts %+v", atts)
	}
	for _, a := range atts {
		if a.Target != "sms:+31612345678" || strings.Contains(string(a.Request), "tok-secret") || strings.Contains(a.Error, "tok-secret") {
			t.Fatalf("attempt leaks or misses data: %+v", a)
		}
	}
	if !strings.Contains(atts[0].Error, "503") {
		t.Fatalf("retry error %q", atts[0].Error)
	}
	if d := s.detail(id, "text", store.HistOK); d["sid"] != "SM0001" || d["month_count"] != 1.0 {
		t.Fatalf("history detail %v", d)
	}
	// Counted once for the visit, though it took two tries.
	if n, err := s.db.SMSUsage(s.ctx, "2026-03"); err != nil || n != 1 {
		t.Fatalf("usage %d %v", n, err)
	}
	sent, err := s.db.Outbox(s.ctx, store.OutboxQuery{Channel: action.SMSChannel})
	if err != nil || len(sent) != 1 || sent[0].Status != store.OutboxSent || sent[0].MessageID != "SM0001" || sent[0].To != "+31612345678" {
		t.Fatalf("sent record %+v %v", sent, err)
	}
}

func TestSMSMonthlyCapFailsAndNotifiesOncePerMonth(t *testing.T) {
	prov := newFakeServer(t, func(n int, h hit) (int, map[string]string, string) { return twilioOK(fmt.Sprintf("SM%d", n)) })
	s := newMsgStack(t, action.Config{SMSMonthlyCap: 2, SMS: action.SMSProvider{BaseURL: prov.srv.URL, AccountSID: "AC1", AuthToken: "t"}})
	s.deploy("sms", smsSteps()...)
	var ids []int64
	for i := 1; i <= 4; i++ {
		ids = append(ids, s.start("sms", fmt.Sprintf("c%d@example.com", i), map[string]any{"phone": fmt.Sprintf("+3161234567%d", i)}))
		s.run()
	}
	s.wantTrail(ids[1], "enrolled", "text:ok", "done:ok", "completed")
	for _, id := range ids[2:] {
		s.wantTrail(id, "enrolled", "text:failed", "done:ok", "completed") // the enrollment goes on
		atts := s.attempts(id)
		if len(atts) != 1 || atts[0].Outcome != store.AttemptFailed || !strings.Contains(atts[0].Error, "monthly SMS limit of 2") {
			t.Fatalf("attempts %+v", atts)
		}
	}
	if d := s.detail(ids[2], "text", store.HistFailed); d["monthly_cap"] != 2.0 || d["month"] != "2026-03" {
		t.Fatalf("detail %v", d)
	}
	if n := len(prov.got()); n != 2 {
		t.Fatalf("provider got %d messages, want 2", n)
	}
	notes, err := s.db.Notifications(s.ctx, true, 100)
	if err != nil {
		t.Fatal(err)
	}
	var capNotes []*store.Notification
	for _, n := range notes {
		if n.Kind == action.SMSCapNotification {
			capNotes = append(capNotes, n)
		}
	}
	if len(capNotes) != 1 || !strings.Contains(capNotes[0].Body, "2026-03") || !strings.Contains(capNotes[0].Body, "1 April 2026") {
		t.Fatalf("cap notifications %+v", capNotes)
	}
	// A new month starts a new count.
	s.clock.Set(time.Date(2026, 4, 1, 0, 0, 1, 0, time.UTC))
	id := s.start("sms", "april@example.com", map[string]any{"phone": "+31612345670"})
	s.run()
	s.wantTrail(id, "enrolled", "text:ok", "done:ok", "completed")
	if n, _ := s.db.SMSUsage(s.ctx, "2026-04"); n != 1 {
		t.Fatalf("April usage %d", n)
	}
	if n, _ := s.db.SMSUsage(s.ctx, "2026-03"); n != 2 {
		t.Fatalf("March usage %d", n)
	}
}

func TestSMSWithoutAProviderGoesToTheOutbox(t *testing.T) {
	s := newMsgStack(t, action.Config{})
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"first_name": "Ann", "phone": "0031 (6) 12345678"})
	s.run()
	s.wantTrail(id, "enrolled", "text:ok", "done:ok", "completed")
	if d := s.detail(id, "text", store.HistOK); d["delivery"] != "outbox" {
		t.Fatalf("detail %v", d)
	}
	// The delivery log says it was not sent (the UI shows "in outbox, not sent" from it).
	if att, err := s.db.ActionAttempts(s.ctx, store.AttemptQuery{EnrollmentID: id}); err != nil || len(att) != 1 || !strings.HasPrefix(att[0].Response, "kept in the local outbox") {
		t.Fatalf("attempts %+v %v", att, err)
	}
	box, err := s.db.Outbox(s.ctx, store.OutboxQuery{Channel: action.SMSChannel})
	if err != nil || len(box) != 1 {
		t.Fatalf("outbox %v %v", box, err)
	}
	if m := box[0]; m.Status != store.OutboxQueued || m.To != "+31612345678" || m.BodyText != "Hi Ann, see you at 11!" || m.EnrollmentID != id || m.StepID != "text" {
		t.Fatalf("outbox message %+v", m)
	}
	if n, _ := s.db.SMSUsage(s.ctx, "2026-03"); n != 0 {
		t.Fatalf("outbox messages count against the cap: %d", n)
	}
}

// No number is a skip on purpose; a number that is not one is bad data: a failed step.
func TestSMSWithoutAUsableNumberIsSkippedOrFailed(t *testing.T) {
	prov := newFakeServer(t, func(int, hit) (int, map[string]string, string) { return twilioOK("SM1") })
	s := newMsgStack(t, action.Config{SMS: action.SMSProvider{BaseURL: prov.srv.URL, AccountSID: "AC1", AuthToken: "t"}})
	s.deploy("sms", smsSteps()...)
	cases := []struct {
		email string
		props map[string]any
		want  string
	}{
		{"none@example.com", nil, "no phone number"},
		{"bad@example.com", map[string]any{"phone": "call me maybe"}, "not a phone number"},
		{"short@example.com", map[string]any{"phone": "+31 6"}, "not a phone number"},
	}
	for i, tc := range cases {
		id := s.start("sms", tc.email, tc.props)
		s.run()
		outcome, key, status := store.HistSkipped, "reason", store.StatusCompleted
		if i > 0 {
			outcome, key, status = store.HistFailed, "error", store.StatusCompletedWithErrors
		}
		s.wantTrail(id, "enrolled", "text:"+outcome, "done:ok", "completed")
		if d := s.detail(id, "text", outcome); !strings.Contains(fmt.Sprint(d[key]), tc.want) {
			t.Fatalf("%s: %s %v, want %q", tc.email, key, d[key], tc.want)
		}
		if en, err := s.db.Enrollment(s.ctx, id); err != nil || en.Status != status {
			t.Fatalf("%s: enrollment %+v %v, want %s", tc.email, en, err, status)
		}
	}
	if n := len(prov.got()); n != 0 {
		t.Fatalf("provider got %d requests", n)
	}
}

func TestSMSRefusedByTheProviderFailsWithoutCounting(t *testing.T) {
	prov := newFakeServer(t, func(int, hit) (int, map[string]string, string) {
		return http.StatusBadRequest, map[string]string{"Content-Type": "application/json"}, `{"code": 21211, "message": "The 'To' number is not a valid phone number."}`
	})
	s := newMsgStack(t, action.Config{SMS: action.SMSProvider{BaseURL: prov.srv.URL, AccountSID: "AC1", AuthToken: "t"}})
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+15005550001"})
	s.run()
	s.wantTrail(id, "enrolled", "text:failed", "done:ok", "completed")
	atts := s.attempts(id)
	if len(atts) != 1 || atts[0].StatusCode != 400 || !strings.Contains(atts[0].Error, "21211") {
		t.Fatalf("attempts %+v", atts)
	}
	if n, _ := s.db.SMSUsage(s.ctx, "2026-03"); n != 0 {
		t.Fatalf("a refused message counted: %d", n)
	}
}

func TestSMSNetworkErrorIsRetried(t *testing.T) {
	prov := newFakeServer(t, func(int, hit) (int, map[string]string, string) { return twilioOK("SM1") })
	dead := prov.srv.URL
	prov.srv.Close() // nothing listens there any more
	s := newMsgStack(t, action.Config{SMS: action.SMSProvider{BaseURL: dead, AccountSID: "AC1", AuthToken: "t"}})
	s.deploy("sms", smsSteps()...)
	id := s.start("sms", "ann@example.com", map[string]any{"phone": "+15005550001"})
	s.run()
	s.wantTrail(id, "enrolled", "text:retrying")
	if atts := s.attempts(id); len(atts) != 1 || !strings.Contains(atts[0].Error, "network error") {
		t.Fatalf("attempts %+v", *atts[0])
	}
}

func TestSMSTakesTheProviderFromTheSettingsStore(t *testing.T) {
	prov := newFakeServer(t, func(n int, h hit) (int, map[string]string, string) { return twilioOK(fmt.Sprintf("SM%d", n)) })
	var st *settings.Store
	s := newMsgStackWith(t, func(r *testrig.Rig) action.Config {
		st = r.Settings()
		return action.Config{Settings: st, SMS: action.SMSProvider{AccountSID: "ignored", AuthToken: "ignored"}}
	})
	s.deploy("sms", smsSteps()...)
	// Nothing configured yet: the outbox.
	id := s.start("sms", "a@example.com", map[string]any{"phone": "+31612345671"})
	s.run()
	if d := s.detail(id, "text", store.HistOK); d["delivery"] != "outbox" {
		t.Fatalf("without settings: %v", d)
	}
	raw, _ := json.Marshal(map[string]any{"url": prov.srv.URL, "account": "AC9", "from": "+15005550006", "monthly_cap": 1})
	if err := s.db.Write(s.ctx, func(tx store.Tx) error { return tx.PutSetting("sms", raw, msgT0) }); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSecret(settings.SecretSMSAuthToken, "from-the-secrets-file"); err != nil {
		t.Fatal(err)
	}
	b := s.start("sms", "b@example.com", map[string]any{"phone": "+31612345672"})
	c := s.start("sms", "c@example.com", map[string]any{"phone": "+31612345673"})
	s.run()
	hits := prov.got()
	if len(hits) != 1 || hits[0].User != "AC9" || hits[0].Pass != "from-the-secrets-file" || hits[0].Path != "/2010-04-01/Accounts/AC9/Messages.json" {
		t.Fatalf("provider requests %+v", hits)
	}
	// The settings' cap of 1 holds: one of the two went out, the other failed.
	outcomes := map[string]int{}
	for _, id := range []int64{b, c} {
		outcomes[s.attempts(id)[0].Outcome]++
	}
	if outcomes[store.AttemptOK] != 1 || outcomes[store.AttemptFailed] != 1 {
		t.Fatalf("outcomes %v", outcomes)
	}
}

// The SMS client dials through the guarded dialer: the global policy, Flowdesk's own address and
// the metadata list apply to the provider's address, checked on the address dialled (localhost
// resolves to a denied one); a refused message sends nothing and does not count.
func TestSMSProviderAddressIsPolicyChecked(t *testing.T) {
	prov := newFakeServer(t, func(int, hit) (int, map[string]string, string) { return twilioOK("SM1") })
	port := prov.srv.URL[strings.LastIndex(prov.srv.URL, ":")+1:]
	self, err := netip.ParseAddrPort(strings.TrimPrefix(prov.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  action.Config
		want string
	}{
		{"global deny, by name at dial", action.Config{Deny: []string{"127.0.0.0/8", "::1"}, SMS: action.SMSProvider{BaseURL: "http://localhost:" + port}}, "deny list"},
		{"global deny via 0.0.0.0", action.Config{Deny: []string{"127.0.0.0/8"}, SMS: action.SMSProvider{BaseURL: "http://0.0.0.0:" + port}}, "deny list"},
		{"Flowdesk's own address", action.Config{Self: []netip.AddrPort{self}, SMS: action.SMSProvider{BaseURL: prov.srv.URL}}, "Flowdesk's own address"},
		{"cloud metadata", action.Config{SMS: action.SMSProvider{BaseURL: "http://100.100.100.200"}}, "cloud metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.SMS.AccountSID, c.cfg.SMS.AuthToken = "AC1", "tok"
			s := newMsgStack(t, c.cfg)
			s.deploy("sms", smsSteps()...)
			id := s.start("sms", "ann@example.com", map[string]any{"phone": "+15005550001"})
			s.run()
			s.wantTrail(id, "enrolled", "text:failed", "done:ok", "completed")
			if atts := s.attempts(id); len(atts) != 1 || atts[0].Outcome != store.AttemptFailed || !strings.Contains(atts[0].Error, c.want) {
				t.Fatalf("attempts %+v, want a refusal saying %q", atts, c.want)
			}
			if n, err := s.db.SMSUsage(s.ctx, "2026-03"); err != nil || n != 0 {
				t.Fatalf("a refused message counted: %d %v", n, err)
			}
		})
	}
	if n := len(prov.got()); n != 0 {
		t.Fatalf("the provider got %d requests", n)
	}
}
