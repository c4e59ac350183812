package action_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/action"
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
