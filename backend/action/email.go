package action

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Email defaults.
const (
	// DefaultSMTPTimeout bounds one SMTP conversation (dial, TLS, AUTH, the message).
	DefaultSMTPTimeout = 30 * time.Second
	// MessageIDDomain is the right-hand side of every Message-ID: `<idempotency-key@flowdesk.local>`.
	MessageIDDomain = "flowdesk.local"
	// OfflineFrom is the sender shown in the outbox when no SMTP server (and so no From) is set up.
	OfflineFrom = "flowdesk@localhost"
)

// EmailConfig configures the send_email and internal_email actions.
type EmailConfig struct {
	DB       store.Store     // email templates and the outbox
	Settings *settings.Store // SMTP server and password, read at every send
	// Timeout bounds one SMTP conversation (default DefaultSMTPTimeout).
	Timeout time.Duration
	// TLS is the client TLS configuration (nil: system roots); ServerName is set to the host.
	TLS *tls.Config
	// InsecureAuth lets AUTH PLAIN go over a connection without TLS (tls mode "none"). It exists
	// for tests against a server on 127.0.0.1; in production Flowdesk refuses to send a password
	// unencrypted, and the settings screen cannot turn this on.
	InsecureAuth bool
	Log          *slog.Logger
	// Allow, Deny and Self are the global destination policy and Flowdesk's own addresses (as in
	// Config): the SMTP server is a setting, so the workflow's own policy does not apply, but the
	// built-in refusals (Flowdesk itself, cloud metadata) and the global lists do.
	Allow, Deny []string
	Self        []netip.AddrPort
}

// Email is the send_email step (to the enrolled contact's `email` property) or the
// internal_email step (to the step's `to` addresses). See docs/actions.md.
type Email struct {
	cfg      EmailConfig
	internal bool

	mu    sync.Mutex
	cache map[string]*template.Template // parsed templates by source
}

// NewSendEmail builds the send_email action.
func NewSendEmail(cfg EmailConfig) *Email { return newEmail(cfg, false) }

// NewInternalEmail builds the internal_email action.
func NewInternalEmail(cfg EmailConfig) *Email { return newEmail(cfg, true) }

func newEmail(cfg EmailConfig, internal bool) *Email {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Email{cfg: cfg, internal: internal, cache: map[string]*template.Template{}}
}

// StoredEmail is what the delivery log keeps of a message: enough to recognise it, not the body.
type StoredEmail struct {
	MessageID string   `json:"message_id"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Subject   string   `json:"subject"`
	Template  string   `json:"template,omitempty"`
}

// rendered is one message ready to go.
type rendered struct {
	subject, html, text string
}

// Run sends (or keeps in the outbox) one try of an email step.
func (e *Email) Run(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	to, skip, err := e.recipients(in)
	target := strings.Join(to, ", ")
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: err.Error()}
	}
	if skip != "" {
		// Not an error: the contact may not (or cannot) be emailed. Logged with the reason.
		return engine.ActionResult{Outcome: store.AttemptSkipped, Target: target, Response: skip, Detail: map[string]any{"reason": skip}}
	}
	if e.cfg.DB == nil || e.cfg.Settings == nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: "email is not set up in this Flowdesk (no database or settings given to the action)"}
	}
	msg, outcome, err := e.render(ctx, in)
	if err != nil {
		return engine.ActionResult{Outcome: outcome, Target: target, Error: err.Error()}
	}
	return e.deliver(ctx, in, to, msg)
}

// TestSend is one test send of an email's content to an address, outside any workflow.
type TestSend struct {
	To      string
	Content Content
	Data    template.Data // what the tokens read: the picked record (and event)
	Key     string        // names the message: its Message-ID and outbox row
	Now     time.Time
}

// SendTest renders the content for the data and sends it to one address, with "[Test]" before
// the subject: over SMTP when a server is set up, else into the outbox, exactly as a step sends.
func (e *Email) SendTest(ctx context.Context, t TestSend) engine.ActionResult {
	a, err := mail.ParseAddress(strings.TrimSpace(t.To))
	if err != nil || a.Name != "" {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: t.To, Error: fmt.Sprintf("%q is not an email address; write one like ann@example.com", t.To)}
	}
	if e.cfg.DB == nil || e.cfg.Settings == nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: a.Address, Error: "email is not set up in this Flowdesk (no database or settings given to the action)"}
	}
	msg, err := e.build(t.Content, t.Data)
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: a.Address, Error: err.Error()}
	}
	msg.subject = "[Test] " + msg.subject
	step := &workflow.Step{ID: "test-send", Type: workflow.StepInternalEmail, Template: t.Content.Template}
	return e.deliver(ctx, engine.ActionInput{Step: step, IdempotencyKey: t.Key, Try: 1, Now: t.Now}, []string{a.Address}, msg)
}

// deliver sends a rendered message (or keeps it in the outbox without an SMTP server); the
// outbox row comes back as a write, committed with the try (or by Engine.Apply).
func (e *Email) deliver(ctx context.Context, in engine.ActionInput, to []string, msg rendered) engine.ActionResult {
	s := in.Step
	target := strings.Join(to, ", ")
	conf, err := e.cfg.Settings.Load(ctx)
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptRetry, Target: target, Error: "read the email settings: " + err.Error()}
	}
	smtpConf := conf.SMTP
	from := smtpConf.From
	if !smtpConf.Configured() || from == "" {
		from = OfflineFrom
	}
	msgID := in.IdempotencyKey + "@" + MessageIDDomain
	req, _ := json.Marshal(StoredEmail{MessageID: "<" + msgID + ">", From: from, To: to, Subject: msg.subject, Template: s.Template})
	row := &store.OutboxMessage{Channel: "email", IdempotencyKey: in.IdempotencyKey, MessageID: "<" + msgID + ">", EnrollmentID: enrollmentID(in),
		WorkflowID: workflowID(in), StepID: s.ID, From: from, To: target, Subject: msg.subject, BodyHTML: msg.html, BodyText: msg.text, CreatedAt: in.Now}
	res := engine.ActionResult{Target: target, Request: req, Detail: map[string]any{"message_id": "<" + msgID + ">"}}

	if !smtpConf.Configured() {
		row.Status = store.OutboxQueued
		res.Writes = append(res.Writes, func(tx store.Tx, d map[string]any) error {
			if _, err := tx.AddOutbox(row); err != nil {
				return fmt.Errorf("keep the email in the outbox: %w", err)
			}
			d["outbox"] = row.ID
			return nil
		})
		res.Outcome, res.Response = store.AttemptOK, "kept in the local outbox: no SMTP server is set up"
		res.Detail["delivery"] = "outbox" // not sent: the history must not read "delivered"
		return res
	}

	start := time.Now()
	code, err := e.send(ctx, smtpConf, from, to, msgID, msg, in)
	res.Latency = time.Since(start)
	if err != nil {
		res.Outcome, res.StatusCode = classify(err)
		if code != 0 {
			res.StatusCode = code
		}
		res.Error = scrub(err.Error(), smtpConf.Password.Reveal())
		// The Outbox's "Failed" shows it while the step tries again; a later try that gets
		// through turns the row into a sent one.
		at := in.Now
		row.Status, row.Reason, row.StatusAt = store.OutboxFailed, res.Error, &at
		res.Writes = append(res.Writes, func(tx store.Tx, d map[string]any) error {
			if _, err := tx.AddOutbox(row); err != nil {
				return err
			}
			d["outbox"] = row.ID
			return nil
		})
		return res
	}
	res.Outcome, res.StatusCode, res.Response = store.AttemptOK, 250, "accepted by "+smtpConf.Host
	sentAt := in.Now
	row.Status, row.SentAt = store.OutboxSent, &sentAt
	res.Writes = append(res.Writes, func(tx store.Tx, d map[string]any) error {
		if _, err := tx.AddOutbox(row); err != nil {
			// The message went out; a missing copy in the outbox must not send it twice.
			e.cfg.Log.Warn("sent email not recorded in the outbox", "step", s.ID, "enrollment", enrollmentID(in), "error", err)
			return nil
		}
		d["outbox"] = row.ID
		return nil
	})
	return res
}

// recipients returns the addresses to send to, or why the step is skipped.
func (e *Email) recipients(in engine.ActionInput) (to []string, skip string, err error) {
	if e.internal {
		for _, raw := range in.Step.To {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			a, err := mail.ParseAddress(raw)
			if err != nil {
				return to, "", fmt.Errorf("%q is not an email address; fix the step's recipients", raw)
			}
			to = append(to, a.Address)
		}
		if len(to) == 0 {
			return nil, "", errors.New("the step has no recipients")
		}
		return to, "", nil
	}
	addr, _ := in.Record["email"].(string)
	addr = strings.TrimSpace(addr)
	if addr != "" {
		to = []string{addr}
	}
	if unsubscribed(in.Record) {
		return to, "unsubscribed", nil
	}
	if addr == "" {
		return nil, "no email address", nil
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return to, "", fmt.Errorf("the contact's email %q is not a valid address", addr)
	}
	return []string{a.Address}, "", nil
}

// unsubscribed reports whether a contact opted out of email: `subscribed` is false or
// `unsubscribed` is true (booleans, or the texts "false"/"true").
func unsubscribed(rec map[string]any) bool {
	is := func(v any, want bool) bool {
		switch x := v.(type) {
		case bool:
			return x == want
		case string:
			return strings.EqualFold(strings.TrimSpace(x), fmt.Sprint(want))
		}
		return false
	}
	return is(rec["subscribed"], false) || is(rec["unsubscribed"], true)
}

// Content is what an email says: a named template's parts, or a step's own subject and text
// body (Template "" and no HTML: the HTML part is made from the text).
type Content struct {
	Template  string `json:"template,omitempty"`
	Subject   string `json:"subject"`
	Preheader string `json:"preheader,omitempty"`
	HTML      string `json:"body_html,omitempty"`
	Text      string `json:"body_text,omitempty"`
}

// TemplateContent is the content of a stored template.
func TemplateContent(t *store.EmailTemplate) Content {
	return Content{Template: t.Name, Subject: t.Subject, Preheader: t.Preheader, HTML: t.BodyHTML, Text: t.BodyText}
}

// inline reports whether the content is a step's own subject and body.
func (c Content) inline() bool { return c.Template == "" && c.HTML == "" }

// content reads what a step sends: its template, or its own subject and body.
func (e *Email) content(ctx context.Context, s *workflow.Step) (Content, string, error) {
	if s.Template == "" {
		return Content{Subject: s.Subject, Text: s.Body}, "", nil
	}
	tpl, err := e.cfg.DB.EmailTemplate(ctx, s.Template)
	if errors.Is(err, store.ErrNotFound) {
		return Content{}, store.AttemptFailed, fmt.Errorf("the email template %q does not exist; create it or pick another in the step", s.Template)
	}
	if err != nil {
		return Content{}, store.AttemptRetry, err
	}
	return TemplateContent(tpl), "", nil
}

// render produces the subject and bodies; on error it says whether to retry.
func (e *Email) render(ctx context.Context, in engine.ActionInput) (rendered, string, error) {
	c, outcome, err := e.content(ctx, in.Step)
	if err != nil {
		return rendered{}, outcome, err
	}
	out, err := e.build(c, Data(in))
	if err != nil {
		return out, store.AttemptFailed, err
	}
	return out, "", nil
}

// build renders content for the data: the message every send, test send and preview uses.
func (e *Email) build(c Content, data template.Data) (rendered, error) {
	var out rendered
	var err error
	if out.subject, err = e.renderOne(c.Subject, "subject", data, false); err != nil {
		return out, err
	}
	out.subject = strings.Join(strings.Fields(out.subject), " ") // no header injection, no folding surprises
	if c.HTML != "" {
		if out.html, err = e.renderOne(c.HTML, "HTML body", data, true); err != nil {
			return out, err
		}
	}
	if c.Text != "" {
		if out.text, err = e.renderOne(c.Text, "body", data, false); err != nil {
			return out, err
		}
	}
	if c.inline() {
		out.html = textToHTML(out.text)
	}
	if c.Preheader != "" && out.html != "" {
		pre, err := e.renderOne(c.Preheader, "preheader", data, false)
		if err != nil {
			return out, err
		}
		out.html = withPreheader(out.html, strings.Join(strings.Fields(pre), " "))
	}
	if out.html == "" && out.text == "" {
		return out, errors.New("the email has no body")
	}
	return out, nil
}

var bodyTag = regexp.MustCompile(`(?i)<body[^>]*>`)

// withPreheader puts the preheader first in the HTML body, hidden: inboxes show it after the
// subject, the message does not.
func withPreheader(body, pre string) string {
	if pre == "" {
		return body
	}
	div := `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">` + html.EscapeString(pre) + `</div>`
	if loc := bodyTag.FindStringIndex(body); loc != nil {
		return body[:loc[1]] + div + body[loc[1]:]
	}
	return div + body
}

// renderOne parses (once per source) and renders one part.
func (e *Email) renderOne(src, what string, d template.Data, asHTML bool) (string, error) {
	e.mu.Lock()
	tpl, ok := e.cache[src]
	e.mu.Unlock()
	if !ok {
		var err error
		if tpl, err = template.Parse(src); err != nil {
			return "", fmt.Errorf("the %s cannot be used: %w", what, err)
		}
		e.mu.Lock()
		if len(e.cache) >= 1024 {
			clear(e.cache)
		}
		e.cache[src] = tpl
		e.mu.Unlock()
	}
	if asHTML {
		return tpl.RenderHTML(d), nil
	}
	return tpl.Render(d), nil
}

// Data is what personalisation tokens read for an action input.
func Data(in engine.ActionInput) template.Data {
	d := template.Data{Record: in.Record, Event: in.Event, Enrollment: map[string]any{}, Workflow: map[string]any{}}
	if in.Enrollment != nil {
		d.Enrollment = map[string]any{"id": in.Enrollment.ID, "enrolled_at": in.Enrollment.CreatedAt.Format(time.RFC3339),
			"workflow_id": in.Enrollment.WorkflowID, "version": in.Enrollment.Version}
	}
	if in.Workflow != nil {
		d.Workflow = map[string]any{"id": in.Workflow.ID, "name": in.Workflow.Name}
	}
	return d
}

// textToHTML turns a plain-text body into simple HTML: escaped, paragraphs on blank lines,
// line breaks kept.
func textToHTML(text string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><body>")
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// send hands the message to the SMTP server. code is the SMTP reply code when one came back.
func (e *Email) send(ctx context.Context, conf settings.SMTP, from string, to []string, msgID string, r rendered, in engine.ActionInput) (int, error) {
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return 0, permanent{fmt.Errorf("the sender address %q in the settings is not valid", from)}
	}
	if err := m.To(to...); err != nil {
		return 0, permanent{fmt.Errorf("a recipient address is not valid: %v", err)}
	}
	m.Subject(r.subject)
	m.SetMessageIDWithValue(msgID)
	m.SetDateWithValue(in.Now)
	m.SetGenHeader(gomail.HeaderXMailer, "Flowdesk")
	if e.internal {
		m.SetGenHeader("Auto-Submitted", "auto-generated")
	}
	switch {
	case r.text != "" && r.html != "":
		m.SetBodyString(gomail.TypeTextPlain, r.text)
		m.AddAlternativeString(gomail.TypeTextHTML, r.html)
	case r.html != "":
		m.SetBodyString(gomail.TypeTextHTML, r.html)
	default:
		m.SetBodyString(gomail.TypeTextPlain, r.text)
	}

	opts := []gomail.Option{gomail.WithPort(conf.PortOrDefault()), gomail.WithTimeout(e.cfg.Timeout), gomail.WithHELO(MessageIDDomain)}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.cfg.TLS != nil {
		tlsConf = e.cfg.TLS.Clone()
	}
	tlsConf.ServerName = conf.Host
	dial, err := e.dialer(conf.TLSMode() == settings.TLSImplicit, tlsConf)
	if err != nil {
		return 0, err
	}
	opts = append(opts, gomail.WithDialContextFunc(dial))
	switch conf.TLSMode() {
	case settings.TLSImplicit:
		// The dialer does the TLS handshake; go-mail then finds the connection encrypted, so it
		// neither starts TLS again (nothing offers STARTTLS inside TLS) nor withholds AUTH PLAIN.
		// (go-mail's WithSSL would bypass a custom dialer's TLS and take the connection for plain.)
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithTLSConfig(tlsConf))
	case settings.TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tlsConf))
	}
	if conf.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if conf.TLSMode() == settings.TLSNone {
			if !e.cfg.InsecureAuth {
				return 0, permanent{errors.New("the SMTP server is set up without TLS, and Flowdesk does not send a password unencrypted; set TLS to starttls or tls")}
			}
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(conf.Username), gomail.WithPassword(conf.Password.Reveal()))
	}
	c, err := gomail.NewClient(conf.Host, opts...)
	if err != nil {
		return 0, permanent{fmt.Errorf("the SMTP settings are not usable: %v", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		_, code := classify(err)
		return code, err
	}
	return 250, nil
}

// dialer connects to the SMTP server through the guarded dialer: the SMTP host is a network
// destination the user chose, so the global policy, Flowdesk's own addresses and the metadata
// list apply to the address dialled (the workflow's own policy does not: the server is a
// setting). For implicit TLS it also does the handshake.
func (e *Email) dialer(implicitTLS bool, tlsConf *tls.Config) (gomail.DialContextFunc, error) {
	p, err := parsePolicy(e.cfg.Allow, e.cfg.Deny)
	if err != nil {
		return nil, permanent{fmt.Errorf("the global destination policy: %w", err)}
	}
	dial := guardedDial(policySet{lists: []destPolicy{p}, self: e.cfg.Self})
	if !implicitTLS {
		return dial, nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}, nil
}

// permanent marks an error that no retry can fix (bad settings or addresses).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// classify maps a send error to an attempt outcome and the SMTP reply code (0 when none came
// back): 4xx replies, timeouts and connection errors are retried; 5xx replies and bad settings
// fail the step.
func classify(err error) (string, int) {
	var p permanent
	var pe *PolicyError
	if errors.As(err, &p) || errors.As(err, &pe) {
		return store.AttemptFailed, 0
	}
	code := 0
	var te *textproto.Error
	var se *gomail.SendError
	switch {
	case errors.As(err, &te):
		code = te.Code
	case errors.As(err, &se):
		code = se.ErrorCode()
	}
	switch {
	case code >= 500:
		return store.AttemptFailed, code
	case code >= 400:
		return store.AttemptRetry, code
	}
	return store.AttemptRetry, code // the connection, a timeout, the TLS handshake
}

// scrub removes a secret from an error text, in case a server or library echoed it.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[secret]")
}

func enrollmentID(in engine.ActionInput) int64 {
	if in.Enrollment != nil {
		return in.Enrollment.ID
	}
	return 0
}

func workflowID(in engine.ActionInput) string {
	if in.Workflow != nil {
		return in.Workflow.ID
	}
	return ""
}
