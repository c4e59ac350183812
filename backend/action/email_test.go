package action_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

// mailbox is a real SMTP server (github.com/emersion/go-smtp) on 127.0.0.1 that keeps what it
// receives. script answers each DATA (n counts from 1): nil accepts the message.
type mailbox struct {
	mu       sync.Mutex
	addr     string
	user     string // when set, AUTH PLAIN with user/pass is required before MAIL
	pass     string
	script   func(n int) error
	n        int
	received []received
}

type received struct {
	From, AuthUser string
	To             []string
	Data           []byte
}

func newMailbox(t *testing.T, user, pass string, script func(n int) error) *mailbox {
	t.Helper()
	return newMailboxTLS(t, user, pass, script, "none", nil)
}

// newMailboxTLS is newMailbox speaking TLS: mode "tls" (implicit TLS on connect) or "starttls"
// (STARTTLS offered), with cert; "none" is plain.
func newMailboxTLS(t *testing.T, user, pass string, script func(n int) error, mode string, cert *tls.Certificate) *mailbox {
	t.Helper()
	mb := &mailbox{user: user, pass: pass, script: script}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // the test server has no TLS; the client side must opt in too
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = ln.Addr().String()
	switch mode {
	case "tls":
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}})
	case "starttls":
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *mailbox) host() (string, int) {
	h, p, _ := net.SplitHostPort(mb.addr)
	port := 0
	for _, c := range p {
		port = port*10 + int(c-'0')
	}
	return h, port
}

func (mb *mailbox) messages() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.received...)
}

type mailSession struct {
	mb       *mailbox
	from     string
	to       []string
	authUser string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authUser = user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.mb.user != "" && s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.n++
	if s.mb.script != nil {
		if err := s.mb.script(s.mb.n); err != nil {
			return err
		}
	}
	s.mb.received = append(s.mb.received, received{From: s.from, AuthUser: s.authUser, To: s.to, Data: data})
	return nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

// mailStack is the real engine (fake clock, SQLite file) with the action package's actions,
// the settings store and the email templates.
type mailStack struct {
	*msgStack
	settings *settings.Store
}

func newMailStack(t *testing.T, insecureAuth bool) *mailStack {
	t.Helper()
	return newMailStackWith(t, action.Config{EmailInsecureAuth: insecureAuth})
}

// newMailStackWith is newMailStack with more of the actions' Config (DB and Settings are set
// here) and, optionally, more engine options, made once the database is open.
func newMailStackWith(t *testing.T, cfg action.Config, more ...func(db *store.DB, opts *engine.Options)) *mailStack {
	t.Helper()
	var st *settings.Store
	r := newRig(t, testrig.Options{Start: msgT0, Engine: func(r *testrig.Rig) engine.Options {
		st = r.Settings()
		cfg.DB, cfg.Settings = r.DB, st
		opts := engine.Options{Actions: action.New(cfg), Retry: engine.RetryPolicy{MaxTries: 4, Base: time.Second, Max: time.Second}}
		for _, m := range more {
			m(r.DB, &opts)
		}
		return opts
	}})
	return &mailStack{msgStack: &msgStack{r}, settings: st}
}

// useSMTP points the settings at mb (no TLS; a test server on loopback).
func (s *mailStack) useSMTP(mb *mailbox, user, pass string) {
	s.t.Helper()
	h, p := mb.host()
	u := &settings.Update{}
	raw, _ := json.Marshal(map[string]any{"smtp": map[string]any{"host": h, "port": p, "tls": "none", "from": "Acme News <news@acme.example>",
		"username": user, "password": pass}})
	if err := json.Unmarshal(raw, u); err != nil {
		s.t.Fatal(err)
	}
	if err := s.settings.Apply(s.ctx, u); err != nil {
		s.t.Fatal(err)
	}
}

func mailSteps(extra ...map[string]any) []map[string]any {
	steps := []map[string]any{{"id": "mail", "type": "send_email",
		"subject": `Hi {{contact.first_name | default "there"}}, see you at {{event.webinar_title}}`,
		"body":    "Dear {{contact.first_name | default \"friend\"}},\n\nWe meet in {{record.city | upper}} <soon>.\n-- {{workflow.name}}",
		"next":    "after"}, {"id": "after", "type": "set_property", "property": "mailed", "value": true}}
	return append(steps, extra...)
}

// parsed is a received message, decoded.
type parsed struct {
	header      mail.Header
	contentType string
	text, html  string
}

func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	out := parsed{header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	out.contentType = mt
	if !strings.HasPrefix(mt, "multipart/") {
		body, _ := io.ReadAll(m.Body)
		if mt == "text/html" {
			out.html = decodeQP(t, m.Header.Get("Content-Transfer-Encoding"), body)
		} else {
			out.text = decodeQP(t, m.Header.Get("Content-Transfer-Encoding"), body)
		}
		return out
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			out.text = string(b)
		case "text/html":
			out.html = string(b)
		}
	}
	return out
}

func decodeQP(t *testing.T, enc string, b []byte) string {
	t.Helper()
	if !strings.EqualFold(enc, "quoted-printable") {
		return string(b)
	}
	r := multipart.NewReader(strings.NewReader("--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+string(b)+"\r\n--b--\r\n"), "b")
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(p)
	return string(out)
}

func TestSendEmailOverSMTPWithRenderedTokensAndHeaders(t *testing.T) {
	mb := newMailbox(t, "", "", nil)
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	s.deploy("promo", mailSteps()...)
	ann := s.startWith("promo", "ann@example.com", map[string]any{"first_name": "Ann", "city": "Dublin"}, map[string]any{"webinar_title": "Go & SQLite"})
	bob := s.startWith("promo", "bob@example.com", map[string]any{"city": "Cork"}, map[string]any{"webinar_title": "Go & SQLite"})
	s.run()
	s.wantTrail(ann, "enrolled", "mail:ok", "after:ok", "completed")
	s.wantTrail(bob, "enrolled", "mail:ok", "after:ok", "completed")
	msgs := mb.messages()
	if len(msgs) != 2 {
		t.Fatalf("the server got %d messages, want 2", len(msgs))
	}
	byTo := map[string]received{}
	for _, m := range msgs {
		byTo[m.To[0]] = m
	}
	annAtt := s.attempts(ann)
	if len(annAtt) != 1 || annAtt[0].Target != "ann@example.com" || annAtt[0].Outcome != "ok" || annAtt[0].StatusCode != 250 {
		t.Fatalf("attempt log %+v", annAtt)
	}
	m := parseMessage(t, byTo["ann@example.com"].Data)
	if byTo["ann@example.com"].From != "news@acme.example" {
		t.Fatalf("MAIL FROM %q", byTo["ann@example.com"].From)
	}
	wantHeaders := map[string]string{
		"From":       `"Acme News" <news@acme.example>`,
		"To":         "<ann@example.com>",
		"Subject":    "Hi Ann, see you at Go & SQLite",
		"Message-Id": "<" + annAtt[0].IdempotencyKey + "@flowdesk.local>",
	}
	for k, want := range wantHeaders {
		got := m.header.Get(k)
		if k == "Subject" {
			got, _ = new(mime.WordDecoder).DecodeHeader(got)
		}
		if got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if m.contentType != "multipart/alternative" {
		t.Fatalf("content type %q", m.contentType)
	}
	if !strings.Contains(m.text, "Dear Ann,") || !strings.Contains(m.text, "We meet in DUBLIN <soon>.") || !strings.Contains(m.text, "-- promo") {
		t.Fatalf("text part %q", m.text)
	}
	if !strings.Contains(m.html, "<p>Dear Ann,</p>") || !strings.Contains(m.html, "DUBLIN &lt;soon&gt;.") {
		t.Fatalf("html part %q", m.html)
	}
	mb2 := parseMessage(t, byTo["bob@example.com"].Data)
	if subj, _ := new(mime.WordDecoder).DecodeHeader(mb2.header.Get("Subject")); subj != "Hi there, see you at Go & SQLite" {
		t.Fatalf("default filter: subject %q", subj)
	}
	if !strings.Contains(mb2.text, "Dear friend,") {
		t.Fatalf("default filter: text %q", mb2.text)
	}
	// The outbox records what was sent.
	sent, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxSent})
	if err != nil || len(sent) != 2 || sent[0].SentAt == nil || sent[0].MessageID == "" {
		t.Fatalf("outbox %+v %v", sent, err)
	}
}

func (s *mailStack) startWith(id, email string, props, data map[string]any) int64 {
	s.t.Helper()
	res, err := s.eng.Ingest(s.ctx, engine.EventInput{Type: "go." + id, Data: data, Record: engine.RecordRef{Type: "contact", Email: email, Properties: props}})
	if err != nil {
		s.t.Fatalf("ingest: %v", err)
	}
	if len(res.Enrollments) != 1 {
		s.t.Fatalf("enrollments %v", res.Enrollments)
	}
	return res.Enrollments[0]
}

func TestSendEmailFromANamedHTMLTemplate(t *testing.T) {
	mb := newMailbox(t, "", "", nil)
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	if err := s.db.Write(s.ctx, func(tx store.Tx) error {
		_, err := tx.PutEmailTemplate(&store.EmailTemplate{Name: "welcome", Subject: "Welcome {{contact.first_name}}",
			BodyHTML: `<h1>Hello {{contact.first_name}}</h1><p>Joined {{contact.signup | date "2 Jan 2006"}}</p>`}, msgT0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.deploy("tpl", map[string]any{"id": "mail", "type": "send_email", "template": "welcome"})
	id := s.start("tpl", "eve@example.com", map[string]any{"first_name": "<Eve>", "signup": "2026-02-01"})
	s.run()
	s.wantTrail(id, "enrolled", "mail:ok", "completed")
	m := parseMessage(t, mb.messages()[0].Data)
	if m.contentType != "text/html" || !strings.Contains(m.html, "<h1>Hello &lt;Eve&gt;</h1><p>Joined 1 Feb 2026</p>") {
		t.Fatalf("%s %q", m.contentType, m.html)
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.header.Get("Subject")); subj != "Welcome <Eve>" {
		t.Fatalf("subject %q (subjects are plain text, not escaped)", subj)
	}

	// A template that was deleted fails the step clearly; the enrollment goes on.
	if err := s.db.Write(s.ctx, func(tx store.Tx) error { return tx.DeleteEmailTemplate("welcome") }); err != nil {
		t.Fatal(err)
	}
	id = s.start("tpl", "fay@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "mail:failed", "completed")
	if d := s.detail(id, "mail", "failed"); !strings.Contains(d["error"].(string), `the email template "welcome" does not exist`) {
		t.Fatalf("detail %v", d)
	}
	if en, err := s.db.Enrollment(s.ctx, id); err != nil || en.Status != store.StatusCompletedWithErrors || en.FailedSteps != 1 {
		t.Fatalf("a missing template left the enrollment %+v (%v), want completed_with_errors", en, err)
	}
}

func TestSendEmailWithSMTPAuth(t *testing.T) {
	const pass = "s3cret-smtp-pa55"
	mb := newMailbox(t, "mailer", pass, nil)
	s := newMailStack(t, true) // PLAIN over the test server's plain connection needs the insecure opt-in
	s.useSMTP(mb, "mailer", pass)
	s.deploy("auth", mailSteps()...)
	id := s.start("auth", "ann@example.com", map[string]any{"first_name": "Ann"})
	s.run()
	s.wantTrail(id, "enrolled", "mail:ok", "after:ok", "completed")
	if got := mb.messages(); len(got) != 1 || got[0].AuthUser != "mailer" {
		t.Fatalf("messages %+v", got)
	}

	// A wrong password is a 535: failed, not retried, and the password is in no log line.
	s.useSMTP(mb, "mailer", "wrong-password-123")
	id = s.start("auth", "bob@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "mail:failed", "after:ok", "completed")
	att := s.attempts(id)
	if len(att) != 1 || att[0].StatusCode != 535 {
		t.Fatalf("attempts %+v", att)
	}
	raw, _ := json.Marshal(att)
	hist, _ := s.db.History(s.ctx, id)
	rawHist, _ := json.Marshal(hist)
	for _, secret := range []string{pass, "wrong-password-123"} {
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(rawHist, []byte(secret)) {
			t.Fatalf("a password leaked into the delivery log or history")
		}
	}
}

func TestSendEmailRefusesAuthWithoutTLS(t *testing.T) {
	mb := newMailbox(t, "mailer", "pw-123456", nil)
	s := newMailStack(t, false) // production setting: no password over a plain connection
	s.useSMTP(mb, "mailer", "pw-123456")
	s.deploy("notls", mailSteps()...)
	id := s.start("notls", "ann@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "mail:failed", "after:ok", "completed")
	if d := s.detail(id, "mail", "failed"); !strings.Contains(d["error"].(string), "does not send a password unencrypted") {
		t.Fatalf("detail %v", d)
	}
	if len(mb.messages()) != 0 {
		t.Fatal("nothing may be sent")
	}
}

func TestSendEmail4xxRetriesWithTheSameMessageID(t *testing.T) {
	mb := newMailbox(t, "", "", func(n int) error {
		if n == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	})
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	s.deploy("retry", mailSteps()...)
	id := s.start("retry", "ann@example.com", map[string]any{"first_name": "Ann"})
	s.run()
	s.wantTrail(id, "enrolled", "mail:retrying")
	// While the step waits to try again, the Outbox lists the message as failed, saying why.
	failed, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxFailed})
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0].Reason, "try again later") || failed[0].EnrollmentID != id || failed[0].SentAt != nil {
		t.Fatalf("failed outbox rows while retrying: %+v %v", failed, err)
	}
	// ... and says when the step tries it again, so nobody resends it by hand
	if failed[0].RetryAt == nil || !failed[0].RetryAt.After(failed[0].CreatedAt) {
		t.Fatalf("retry_at of a message being retried: %v", failed[0].RetryAt)
	}
	s.advance(2 * time.Second)
	s.wantTrail(id, "enrolled", "mail:retrying", "mail:ok", "after:ok", "completed")
	// The try that got through turned the same row into a sent one.
	all, err := s.db.Outbox(s.ctx, store.OutboxQuery{})
	if err != nil || len(all) != 1 || all[0].ID != failed[0].ID || all[0].Status != store.OutboxSent || all[0].SentAt == nil {
		t.Fatalf("outbox after the retry: %+v %v", all, err)
	}
	att := s.attempts(id)
	if len(att) != 2 || att[0].Outcome != "retry" || att[0].StatusCode != 451 || att[1].Outcome != "ok" || att[0].IdempotencyKey != att[1].IdempotencyKey {
		t.Fatalf("attempts %+v", att)
	}
	msgs := mb.messages()
	if len(msgs) != 1 {
		t.Fatalf("delivered %d", len(msgs))
	}
	if got := parseMessage(t, msgs[0].Data).header.Get("Message-Id"); got != "<"+att[0].IdempotencyKey+"@flowdesk.local>" {
		t.Fatalf("Message-ID %q", got)
	}
}

func TestSendEmail5xxFails(t *testing.T) {
	mb := newMailbox(t, "", "", func(int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	})
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	s.deploy("perm", mailSteps()...)
	id := s.start("perm", "ghost@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "mail:failed", "after:ok", "completed")
	att := s.attempts(id)
	if len(att) != 1 || att[0].Outcome != "failed" || att[0].StatusCode != 550 || !strings.Contains(att[0].Error, "no such mailbox") {
		t.Fatalf("attempts %+v", att)
	}
	rows, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxFailed})
	if err != nil || len(rows) != 1 || rows[0].To != "ghost@example.com" || !strings.Contains(rows[0].Reason, "no such mailbox") {
		t.Fatalf("failed outbox rows: %+v %v", rows, err)
	}
	if rows[0].RetryAt != nil {
		t.Fatalf("a failure for good has no next try: %v", rows[0].RetryAt)
	}
}

func TestSendEmailConnectionRefusedIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	s := newMailStack(t, false)
	s.useSMTP(&mailbox{addr: addr}, "", "")
	s.deploy("down", mailSteps()...)
	id := s.start("down", "ann@example.com", nil)
	s.run()
	s.wantTrail(id, "enrolled", "mail:retrying")
	if att := s.attempts(id); len(att) != 1 || att[0].Outcome != "retry" || att[0].Error == "" {
		t.Fatalf("attempts %+v", att)
	}
}

func TestSendEmailSkipsUnsubscribedAndAddresslessContacts(t *testing.T) {
	mb := newMailbox(t, "", "", nil)
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	s.deploy("optout", mailSteps()...)
	cases := []struct {
		email  string
		props  map[string]any
		reason string
	}{
		{"out@example.com", map[string]any{"subscribed": false}, "unsubscribed"},
		{"gone@example.com", map[string]any{"unsubscribed": true}, "unsubscribed"},
	}
	for _, c := range cases {
		id := s.start("optout", c.email, c.props)
		s.run()
		s.wantTrail(id, "enrolled", "mail:skipped", "after:ok", "completed")
		if d := s.detail(id, "mail", "skipped"); d["reason"] != c.reason || d["target"] != c.email {
			t.Fatalf("%s: detail %v", c.email, d)
		}
		if att := s.attempts(id); len(att) != 1 || att[0].Outcome != "skipped" || att[0].Response != c.reason {
			t.Fatalf("%s: attempts %+v", c.email, att)
		}
	}
	if n := len(mb.messages()); n != 0 {
		t.Fatalf("%d messages went to unsubscribed contacts", n)
	}
}

func TestSendEmailSkipsAContactWithoutAnAddress(t *testing.T) {
	s := newMailStack(t, false)
	s.deploy("noaddr", map[string]any{"id": "mail", "type": "send_email", "subject": "Hi", "body": "Hello"})
	// A contact without email, enrolled by hand.
	var recID int64
	if err := s.db.Write(s.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("contact", 0, "", map[string]any{"first_name": "Nobody"}, msgT0)
		if err == nil {
			recID = ch.Record.ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	en, err := s.eng.EnrollManually(s.ctx, "noaddr", recID)
	if err != nil {
		t.Fatal(err)
	}
	enr := en.ID
	s.run()
	s.wantTrail(enr, "enrolled", "mail:skipped", "completed")
	if d := s.detail(enr, "mail", "skipped"); d["reason"] != "no email address" {
		t.Fatalf("detail %v", d)
	}
}

func TestSendEmailWithoutSMTPLandsInTheOutbox(t *testing.T) {
	s := newMailStack(t, false)
	s.deploy("offline", mailSteps()...)
	id := s.startWith("offline", "ann@example.com", map[string]any{"first_name": "Ann", "city": "Galway"}, map[string]any{"webinar_title": "Demo"})
	s.run()
	s.wantTrail(id, "enrolled", "mail:ok", "after:ok", "completed")
	rows, err := s.db.Outbox(s.ctx, store.OutboxQuery{Status: store.OutboxQueued})
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox %v %v", rows, err)
	}
	r := rows[0]
	att := s.attempts(id)
	if r.To != "ann@example.com" || r.Subject != "Hi Ann, see you at Demo" || !strings.Contains(r.BodyText, "GALWAY") ||
		r.MessageID != "<"+att[0].IdempotencyKey+"@flowdesk.local>" || r.EnrollmentID != id || r.StepID != "mail" || r.SentAt != nil {
		t.Fatalf("outbox row %+v", r)
	}
	// Not delivered, and said so: the UI reads these two to show "in outbox, not sent".
	if d := s.detail(id, "mail", "ok"); d["outbox"] == nil || d["delivery"] != "outbox" {
		t.Fatalf("detail %v", d)
	}
	if !strings.HasPrefix(att[0].Response, "kept in the local outbox") {
		t.Fatalf("attempt response %q", att[0].Response)
	}
}

func TestInternalEmailGoesToTheStepsAddresses(t *testing.T) {
	mb := newMailbox(t, "", "", nil)
	s := newMailStack(t, false)
	s.useSMTP(mb, "", "")
	s.deploy("alert", map[string]any{"id": "tell", "type": "internal_email", "to": []string{"sales@acme.example", "Boss <boss@acme.example>"},
		"subject": "New lead: {{contact.email}}", "body": "{{contact.first_name | default \"Someone\"}} from {{record.city | default \"?\"}}"})
	// Internal email goes out even when the contact unsubscribed from marketing email.
	id := s.start("alert", "lead@example.com", map[string]any{"subscribed": false})
	s.run()
	s.wantTrail(id, "enrolled", "tell:ok", "completed")
	msgs := mb.messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "sales@acme.example,boss@acme.example" {
		t.Fatalf("messages %+v", msgs)
	}
	m := parseMessage(t, msgs[0].Data)
	if m.header.Get("Subject") != "New lead: lead@example.com" || m.header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(m.text, "Someone from ?") {
		t.Fatalf("headers %v text %q", m.header, m.text)
	}
	if att := s.attempts(id); att[0].Target != "sales@acme.example, boss@acme.example" {
		t.Fatalf("target %q", att[0].Target)
	}
}

// The SMTP server is a destination too: the global policy, Flowdesk's own address and the
// metadata list refuse it (on the resolved address: localhost is checked as 127.0.0.1), the step
// fails without retrying, and nothing reaches the server.
func TestSendEmailSMTPServerIsPolicyChecked(t *testing.T) {
	mb := newMailbox(t, "", "", nil)
	_, port := mb.host()
	self, err := netip.ParseAddrPort(mb.addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  action.Config
		addr string
		want string
	}{
		{"global deny, by name", action.Config{Deny: []string{"127.0.0.0/8", "::1"}}, "localhost:" + strconv.Itoa(port), "deny list"},
		{"global deny via 0.0.0.0", action.Config{Deny: []string{"127.0.0.0/8"}}, "0.0.0.0:" + strconv.Itoa(port), "deny list"},
		{"Flowdesk's own address", action.Config{Self: []netip.AddrPort{self}}, mb.addr, "Flowdesk's own address"},
		{"cloud metadata", action.Config{}, "100.100.100.200:25", "cloud metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newMailStackWith(t, c.cfg)
			s.useSMTP(&mailbox{addr: c.addr}, "", "")
			s.deploy("m", mailSteps()...)
			id := s.start("m", "ann@example.com", nil)
			s.run()
			if att := s.attempts(id); len(att) != 1 || att[0].Outcome != store.AttemptFailed || !strings.Contains(att[0].Error, c.want) {
				t.Fatalf("attempts %+v, want a refusal saying %q", att, c.want)
			}
		})
	}
	if n := len(mb.messages()); n != 0 {
		t.Fatalf("the SMTP server got %d messages", n)
	}
}

// localhostCert is a self-signed certificate for the name "localhost" only, and a pool trusting it.
func localhostCert(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Flowdesk dials the SMTP server at the address it checked, yet TLS (implicit and STARTTLS)
// still verifies the certificate against the host name, and AUTH PLAIN goes over it. A
// certificate for another name is refused.
func TestSendEmailOverTLSToACheckedAddress(t *testing.T) {
	cert, pool := localhostCert(t)
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			mb := newMailboxTLS(t, "mailer", "pw-tls-123", nil, mode, cert)
			_, port := mb.host()
			s := newMailStackWith(t, action.Config{TLS: &tls.Config{RootCAs: pool}})
			for _, c := range []struct {
				host string
				ok   bool
			}{{"localhost", true}, {"127.0.0.1", false}} {
				u := &settings.Update{}
				raw, _ := json.Marshal(map[string]any{"smtp": map[string]any{"host": c.host, "port": port, "tls": mode,
					"from": "news@acme.example", "username": "mailer", "password": "pw-tls-123"}})
				if err := json.Unmarshal(raw, u); err != nil {
					t.Fatal(err)
				}
				if err := s.settings.Apply(s.ctx, u); err != nil {
					t.Fatal(err)
				}
				wf := "m-" + strings.ReplaceAll(c.host, ".", "-")
				s.deploy(wf, mailSteps()...)
				id := s.start(wf, "ann@example.com", nil)
				s.run()
				att := s.attempts(id)
				if c.ok && (len(att) != 1 || att[0].Outcome != store.AttemptOK) {
					t.Fatalf("%s via %s: attempts %+v", mode, c.host, att)
				}
				if !c.ok && (len(att) != 1 || att[0].Outcome == store.AttemptOK || !strings.Contains(att[0].Error, "certificate")) {
					t.Fatalf("%s via %s: a certificate for localhost was accepted for %s: %+v", mode, c.host, c.host, att)
				}
			}
			if got := mb.messages(); len(got) != 1 || got[0].AuthUser != "mailer" {
				t.Fatalf("messages %+v", got)
			}
		})
	}
}
