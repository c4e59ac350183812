package action_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

func TestAlertGoesToTheAlertAddress(t *testing.T) {
	s := newMailStack(t, false)
	cfg := action.Config{DB: s.db, Settings: s.settings}
	send := func() error {
		return action.Alert(s.ctx, s.eng, cfg, nil, "alert-1", "Endpoint switched off", "It failed 10 times.", s.clock.Now())
	}
	outbox := func() []*store.OutboxMessage {
		t.Helper()
		msgs, err := s.db.Outbox(s.ctx, store.OutboxQuery{Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}
	// No alert address: nothing is sent or kept.
	if err := send(); err != nil || len(outbox()) != 0 {
		t.Fatalf("without an alert address: %v, outbox %d", err, len(outbox()))
	}
	// An alert address but no SMTP server: the alert waits in the outbox.
	apply := func(smtp map[string]any) {
		t.Helper()
		u := &settings.Update{}
		raw, _ := json.Marshal(map[string]any{"smtp": smtp})
		if err := json.Unmarshal(raw, u); err != nil {
			t.Fatal(err)
		}
		if err := s.settings.Apply(s.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	apply(map[string]any{"alert_to": "owner@acme.example"})
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if got := outbox(); len(got) != 1 || got[0].To != "owner@acme.example" || got[0].Status != store.OutboxQueued {
		t.Fatalf("outbox %+v", got)
	}
	// With SMTP set up it is delivered.
	mb := newMailbox(t, "", "", nil)
	h, p := mb.host()
	apply(map[string]any{"host": h, "port": p, "tls": "none", "from": "flowdesk@acme.example", "alert_to": "owner@acme.example"})
	if err := action.Alert(s.ctx, s.eng, cfg, nil, "alert-2", "Endpoint switched off", "It failed 10 times.", s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	msgs := mb.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "owner@acme.example" || !strings.Contains(string(msgs[0].Data), "It failed 10 times.") {
		t.Fatalf("mailbox %+v", msgs)
	}
	// An endpoint's own recipients replace the global address.
	if err := action.Alert(s.ctx, s.eng, cfg, []string{"ops@acme.example", "dev@acme.example"}, "alert-3", "Endpoint switched off", "Again.", s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	msgs = mb.messages()
	if len(msgs) != 2 || strings.Join(msgs[1].To, ",") != "ops@acme.example,dev@acme.example" {
		t.Fatalf("per-endpoint recipients: %+v", msgs[len(msgs)-1].To)
	}
	// A bad alert address is refused when saved.
	u := &settings.Update{}
	_ = json.Unmarshal([]byte(`{"smtp": {"alert_to": "not an address"}}`), u)
	if err := s.settings.Apply(s.ctx, u); err == nil || !strings.Contains(err.Error(), "smtp.alert_to") {
		t.Fatalf("bad alert address: %v", err)
	}
}

// An endpoint the listener switches off for failing emails its own alert recipients, through a
// real SMTP server; one without its own falls back to the alert address in Settings.
func TestDisabledEndpointAlertsItsOwnRecipients(t *testing.T) {
	s := newMailStack(t, false)
	mb := newMailbox(t, "", "", nil)
	h, p := mb.host()
	u := &settings.Update{}
	raw, _ := json.Marshal(map[string]any{"smtp": map[string]any{"host": h, "port": p, "tls": "none", "from": "flowdesk@acme.example", "alert_to": "owner@acme.example"}})
	if err := json.Unmarshal(raw, u); err != nil {
		t.Fatal(err)
	}
	if err := s.settings.Apply(s.ctx, u); err != nil {
		t.Fatal(err)
	}
	cfg := action.Config{DB: s.db, Settings: s.settings}
	l := hook.New(s.db, s.eng, hook.Options{Clock: s.clock, OnDisabled: action.DisabledEndpointAlert(s.eng, cfg, hook.AlertRecipients, nil)})
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	mapping := []hook.Field{{Path: "email", Property: "email", Required: true}}
	own, err := l.Endpoints().Create(s.ctx, hook.Config{Name: "Shop", Auth: hook.AuthNone, Event: hook.EventSpec{Type: "order.paid"}, MaxFailures: 2,
		Mapping: mapping, AlertTo: []string{"ops@acme.example", "sales@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := l.Endpoints().Create(s.ctx, hook.Config{Name: "Form", Auth: hook.AuthNone, Event: hook.EventSpec{Type: "form.sent"}, MaxFailures: 2, Mapping: mapping})
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range []*hook.Created{own, plain} {
		for i := 0; i < 2; i++ {
			res, err := http.Post(srv.URL+"/hooks/"+ep.Key, "application/json", strings.NewReader(`{"email": `))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
	}
	got := map[string][]string{}
	for _, m := range mb.messages() {
		subject := "?"
		for _, line := range strings.Split(string(m.Data), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Subject: "); ok {
				subject = v
			}
		}
		got[subject] = append(got[subject], m.To...)
	}
	want := map[string][]string{
		`Flowdesk switched off the webhook endpoint "Shop"`: {"ops@acme.example", "sales@acme.example"},
		`Flowdesk switched off the webhook endpoint "Form"`: {"owner@acme.example"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}
}
