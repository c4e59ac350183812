package action

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Preview returns render-only actions keyed by step type, for the simulator: each renders
// exactly what its production action would send (with the same renderers, recipients checks and
// skip rules) and puts it in ActionResult.Request, but sends nothing, writes nothing (no outbox
// row, no SMS usage) and opens no connection. cfg.DB and cfg.Settings are only read (email
// templates, the sender address, the Slack default webhook).
func Preview(cfg Config) map[string]engine.Action {
	hook := NewWebhook(cfg)
	email, internal := NewSendEmail(cfg.emailConfig()), NewInternalEmail(cfg.emailConfig())
	return map[string]engine.Action{
		workflow.StepWebhook:       engine.ActionFunc(hook.preview),
		workflow.StepSendEmail:     engine.ActionFunc(email.preview),
		workflow.StepInternalEmail: engine.ActionFunc(internal.preview),
		workflow.StepSMS:           engine.ActionFunc((&SMS{cfg: cfg}).preview),
		workflow.StepSlack:         engine.ActionFunc((&Slack{hook: hook, settings: cfg.Settings}).preview),
	}
}

// PreviewEmail is what a previewed email step would send.
type PreviewEmail struct {
	From     string   `json:"from"`
	To       []string `json:"to"`
	Subject  string   `json:"subject"`
	HTML     string   `json:"html,omitempty"`
	Text     string   `json:"text,omitempty"`
	Template string   `json:"template,omitempty"`
}

// PreviewRequest is what a previewed webhook or Slack step would post.
type PreviewRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// PreviewSMS is what a previewed sms step would text.
type PreviewSMS struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

func previewed(target string, v any) engine.ActionResult {
	raw, _ := json.Marshal(v)
	return engine.ActionResult{Outcome: store.AttemptOK, Target: target, Request: raw, Response: "simulated: nothing was sent",
		Detail: map[string]any{"delivery": "simulated"}}
}

func (e *Email) preview(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	to, skip, err := e.recipients(in)
	target := strings.Join(to, ", ")
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: err.Error()}
	}
	if skip != "" {
		return engine.ActionResult{Outcome: store.AttemptSkipped, Target: target, Response: skip, Detail: map[string]any{"reason": skip}}
	}
	if e.cfg.DB == nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: "email is not set up in this Flowdesk (no database given to the action)"}
	}
	msg, _, err := e.render(ctx, in)
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: err.Error()}
	}
	from := OfflineFrom
	if e.cfg.Settings != nil {
		if conf, err := e.cfg.Settings.Load(ctx); err == nil && conf.SMTP.Configured() && conf.SMTP.From != "" {
			from = conf.SMTP.From
		}
	}
	return previewed(target, PreviewEmail{From: from, To: to, Subject: msg.subject, HTML: msg.html, Text: msg.text, Template: in.Step.Template})
}

func (w *Webhook) preview(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	s := in.Step
	target := workflow.MaskURL(s.URL)
	fail := func(err error) engine.ActionResult {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: err.Error()}
	}
	body, err := w.body(ctx, in)
	if err != nil {
		return fail(err)
	}
	_, stored, err := w.headers(s, in.IdempotencyKey, in.Now, body)
	if err != nil {
		return fail(err)
	}
	if s.Secret != "" {
		stored["webhook-signature"] = "v1,… (signed with the step's secret when sent)"
	}
	return previewed(target, PreviewRequest{Method: methodOf(s.Method), URL: target, Headers: stored, Body: string(body)})
}

// preview renders an sms step's message. As live, a message the provider would take waits for
// its delivery status (Await), whenever a live send would ask for one (a provider is set up and
// the listener's address is known); the simulator then plays the provider's report. Without a
// provider the message would stay in the outbox, ok at once.
func (a *SMS) preview(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	phone, body, bad := smsMessage(in)
	if bad != nil {
		if bad.Outcome == store.AttemptSkipped {
			bad.Detail = map[string]any{"reason": bad.Error}
		}
		return *bad
	}
	res := previewed("sms:"+phone, PreviewSMS{To: phone, Text: body})
	if prov, err := a.provider(ctx); err == nil && prov.Configured() && a.statusCallback(prov, in) != "" {
		res.Await = &engine.Await{Until: in.Now.Add(prov.statusTimeout()), What: smsAwaiting}
	}
	return res
}

// SMSConfigured reports whether cfg has an SMS provider set up now (without one, text messages
// stay in the outbox).
func SMSConfigured(ctx context.Context, cfg Config) bool {
	prov, err := (&SMS{cfg: cfg}).provider(ctx)
	return err == nil && prov.Configured()
}

func (a *Slack) preview(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	s := in.Step
	raw := strings.TrimSpace(s.WebhookURL)
	if raw == "" && a.settings != nil {
		if conf, err := a.settings.Load(ctx); err == nil {
			raw = strings.TrimSpace(conf.Slack.WebhookURL.Reveal())
		}
	}
	if raw == "" {
		return engine.ActionResult{Outcome: store.AttemptFailed, Error: "no Slack webhook address: set one on the step or in the settings"}
	}
	target := slackTarget(raw)
	text, err := renderText(s.Text, engine.TemplateData(in.Workflow, in.Enrollment, in.Record, in.Event))
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: target, Error: "the text: " + err.Error()}
	}
	if strings.TrimSpace(text) == "" {
		msg := "the message text is empty for this record"
		return engine.ActionResult{Outcome: store.AttemptSkipped, Target: target, Error: msg, Detail: map[string]any{"reason": msg}}
	}
	body, _ := json.Marshal(slackMessage{Text: text})
	return previewed(target, PreviewRequest{Method: "POST", URL: target, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)})
}

// ContentPreview is an email rendered for one record exactly as a send renders it (Subject, HTML,
// Text), with copies for display (Marked, all HTML) where a token with no value for the record
// shows as itself, highlighted, and the list of those tokens.
type ContentPreview struct {
	Subject string        `json:"subject"`
	HTML    string        `json:"html"`
	Text    string        `json:"text"`
	Marked  MarkedContent `json:"marked"`
	Missing []MissingPart `json:"missing"`
}

// MarkedContent are the parts of a preview as HTML with empty tokens highlighted.
type MarkedContent struct {
	Subject   string `json:"subject"`
	Preheader string `json:"preheader"`
	HTML      string `json:"html"`
	Text      string `json:"text"`
}

// MissingPart is a token that renders as nothing for the record, and the part it is in.
type MissingPart struct {
	Token string `json:"token"` // as written: {{contact.first_name}}
	Ref   string `json:"ref"`   // contact.first_name
	Part  string `json:"part"`  // subject, preheader, body_html, body_text
}

// PreviewContent renders content for the data with the send's own code, and marks what is
// missing. Nothing is sent or written.
func PreviewContent(c Content, d template.Data) (*ContentPreview, error) {
	msg, err := newEmail(EmailConfig{}, false).build(c, d)
	if err != nil {
		return nil, err
	}
	p := &ContentPreview{Subject: msg.subject, HTML: msg.html, Text: msg.text, Missing: []MissingPart{}}
	mark := func(src, part string, isHTML bool) string {
		t, err := template.Parse(src)
		if err != nil {
			return ""
		}
		out, missing := t.Preview(d, isHTML)
		for _, tok := range missing {
			p.Missing = append(p.Missing, MissingPart{Token: tok.Source, Ref: tok.Ref(), Part: part})
		}
		return out
	}
	p.Marked.Subject = mark(c.Subject, "subject", false)
	p.Marked.Preheader = mark(c.Preheader, "preheader", false)
	p.Marked.Text = mark(c.Text, "body_text", false)
	if c.inline() {
		p.Marked.HTML = "<p>" + strings.ReplaceAll(p.Marked.Text, "\n", "<br>\n") + "</p>"
	} else {
		p.Marked.HTML = mark(c.HTML, "body_html", true)
	}
	return p, nil
}
