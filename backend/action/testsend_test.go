package action_test

import (
	"mime"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
)

// A template's test send goes over the configured SMTP server as a step's send does: rendered
// for the picked record, "[Test]" before the subject, the preheader hidden first in the HTML.
// A server that refuses it makes the send fail, with the server's answer.
func TestSendTestOverSMTP(t *testing.T) {
	refuse := false
	mb := newMailbox(t, "", "", func(int) error {
		if refuse {
			return &smtp.SMTPError{Code: 550, Message: "mailbox unavailable"}
		}
		return nil
	})
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	mail := action.NewSendEmail(action.EmailConfig{DB: s.db, Settings: s.settings})
	c := action.Content{Template: "welcome", Subject: "Welcome, {{contact.first_name}}", Preheader: "Your first week at {{contact.company | default \"Acme\"}}",
		HTML: "<html><body><p>Hi {{contact.first_name}}</p></body></html>", Text: "Hi {{contact.first_name}}"}
	data := template.Data{Record: map[string]any{"first_name": "Ann"}}
	res := mail.SendTest(s.ctx, action.TestSend{To: "me@example.com", Content: c, Data: data, Key: "test-1", Now: msgT0})
	if res.Outcome != store.AttemptOK || res.StatusCode != 250 {
		t.Fatalf("test send %+v", res)
	}
	if err := s.eng.Apply(s.ctx, &res); err != nil { // the outbox row, as the API commits it
		t.Fatal(err)
	}
	msgs := mb.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "me@example.com" {
		t.Fatalf("received %+v", msgs)
	}
	m := parseMessage(t, msgs[0].Data)
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.header.Get("Subject")); subj != "[Test] Welcome, Ann" {
		t.Fatalf("subject %q", subj)
	}
	if !strings.Contains(m.html, `<body><div style="display:none;max-height:0;overflow:hidden;mso-hide:all">Your first week at Acme</div><p>Hi Ann</p>`) || m.text != "Hi Ann" {
		t.Fatalf("parts html=%q text=%q", m.html, m.text)
	}
	sent, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxSent})
	if err != nil || len(sent) != 1 || sent[0].To != "me@example.com" || sent[0].StepID != "test-send" {
		t.Fatalf("outbox %+v %v", sent, err)
	}

	refuse = true
	res = mail.SendTest(s.ctx, action.TestSend{To: "me@example.com", Content: c, Data: data, Key: "test-2", Now: msgT0})
	if res.Outcome != store.AttemptFailed || res.StatusCode != 550 || !strings.Contains(res.Error, "mailbox unavailable") {
		t.Fatalf("refused test send %+v", res)
	}
	if res := mail.SendTest(s.ctx, action.TestSend{To: "nope", Content: c, Data: data, Key: "test-3", Now: msgT0}); res.Outcome != store.AttemptFailed ||
		!strings.Contains(res.Error, `"nope" is not an email address`) {
		t.Fatalf("bad address %+v", res)
	}
}

// The preview renders with the send's code and marks what the record lacks.
func TestPreviewContentMarksMissingTokens(t *testing.T) {
	c := action.Content{Subject: "Hi {{contact.first_name}}", Text: "See you in {{contact.city}}\nBye"}
	p, err := action.PreviewContent(c, template.Data{Record: map[string]any{"first_name": "Ann"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Hi Ann" || !strings.Contains(p.HTML, "<p>See you in <br>") ||
		p.Marked.HTML != "<p>See you in <mark class=token-missing>{{contact.city}}</mark><br>\nBye</p>" ||
		len(p.Missing) != 1 || p.Missing[0].Ref != "contact.city" || p.Missing[0].Part != "body_text" {
		t.Fatalf("preview %+v", p)
	}
	if _, err := action.PreviewContent(action.Content{Subject: "{{contact.first_name"}, template.Data{}); err == nil {
		t.Fatal("a broken token previewed")
	}
}
