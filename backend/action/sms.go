package action

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// SMS defaults.
const (
	// DefaultSMSMonthlyCap is how many SMS a calendar month may send through the provider
	// unless configured otherwise (HubSpot's default).
	DefaultSMSMonthlyCap = 1000
	// DefaultSMSBaseURL is Twilio's API.
	DefaultSMSBaseURL = "https://api.twilio.com"
	// SMSChannel is the outbox channel of text messages.
	SMSChannel = "sms"
	// SMSCapNotification is the notification kind of "the monthly SMS limit is reached".
	SMSCapNotification = "sms_cap"
	smsTimeout         = 15 * time.Second
	maxSMSText         = 1600 // Twilio's limit for one message body
)

// SMSProvider is a Twilio-compatible SMS account. With no account SID or token, messages go to
// the local outbox instead.
type SMSProvider struct {
	BaseURL    string `json:"base_url,omitempty"` // default DefaultSMSBaseURL
	AccountSID string `json:"account_sid,omitempty"`
	AuthToken  string `json:"-"`              // a secret: never logged or echoed
	From       string `json:"from,omitempty"` // the sending number (or messaging service)
	// MonthlyCap overrides Config.SMSMonthlyCap when set (0: keep it; negative: no cap).
	MonthlyCap int `json:"monthly_cap,omitempty"`
	// CallbackBase is the webhook listener's address as the provider reaches it (empty:
	// Config.HooksURL); the provider posts each message's status to
	// {CallbackBase}/hooks/sms-status/{token}.
	CallbackBase string `json:"callback_base,omitempty"`
	// StatusTimeout is how long a step waits for the delivery status (0: 72 hours).
	StatusTimeout time.Duration `json:"status_timeout,omitempty"`
}

// statusTimeout is how long a step waits for a message's delivery status.
func (p SMSProvider) statusTimeout() time.Duration {
	if p.StatusTimeout <= 0 {
		return engine.DefaultStatusTimeout
	}
	return p.StatusTimeout
}

// smsAwaiting is what a waiting sms step waits for, in its history and its timeout's message.
const smsAwaiting = "a delivery status from the SMS provider"

// SMSStatusPath is the listener's route for providers' status callbacks.
const SMSStatusPath = "/hooks/sms-status/"

// Configured reports whether messages can be sent (else they go to the outbox).
func (p SMSProvider) Configured() bool { return p.AccountSID != "" && p.AuthToken != "" }

// SMS is the `sms` step: a text message through a Twilio-compatible API, counted against a
// monthly cap, or kept in the outbox when no provider is set up (see docs/actions.md).
type SMS struct {
	cfg       Config
	policy    policySet // the global destination policy: the provider is a setting, not a workflow's choice
	policyErr error
	client    *resty.Client
}

// NewSMS builds the sms action. cfg.DB is required (usage counting and the outbox).
func NewSMS(cfg Config) *SMS {
	hook := NewWebhook(cfg)
	ps, _ := hook.policiesFor(nil)
	c := newClient(ps, hook.cfg)                  // the guarded dialer, like every outgoing request
	c.SetRedirectPolicy(resty.NoRedirectPolicy()) // a redirect must not carry the basic auth elsewhere
	return &SMS{cfg: cfg, policy: ps, policyErr: hook.globalErr, client: c}
}

// provider returns the SMS account to use now: from Config.SMSSource, else the settings store
// (read at every send, so a change applies at once), else Config.SMS.
func (a *SMS) provider(ctx context.Context) (SMSProvider, error) {
	switch {
	case a.cfg.SMSSource != nil:
		return a.cfg.SMSSource(ctx)
	case a.cfg.Settings != nil:
		conf, err := a.cfg.Settings.Load(ctx)
		if err != nil {
			return SMSProvider{}, err
		}
		return SMSProvider{BaseURL: conf.SMS.URL, AccountSID: conf.SMS.Account, AuthToken: conf.SMS.AuthToken.Reveal(),
			From: conf.SMS.From, MonthlyCap: conf.SMS.Cap(), CallbackBase: conf.SMS.StatusCallbackURL, StatusTimeout: conf.SMS.StatusTimeout()}, nil
	}
	return a.cfg.SMS, nil
}

// monthlyCap is the cap for a provider: its own, else Config's, else the default; 0 means none.
func (a *SMS) monthlyCap(p SMSProvider) int {
	c := p.MonthlyCap
	if c == 0 {
		c = a.cfg.SMSMonthlyCap
	}
	switch {
	case c == 0:
		return DefaultSMSMonthlyCap
	case c < 0:
		return 0 // no cap
	}
	return c
}

// smsEndpoint is the Messages resource of the account: {base}/2010-04-01/Accounts/{sid}/Messages.json.
// A configured URL that already names the resource is used as it is.
func smsEndpoint(p SMSProvider) string {
	base := strings.TrimRight(strings.TrimSpace(p.BaseURL), "/")
	if base == "" {
		base = DefaultSMSBaseURL
	}
	if strings.HasSuffix(base, "/Messages.json") {
		return base
	}
	return base + "/2010-04-01/Accounts/" + url.PathEscape(p.AccountSID) + "/Messages.json"
}

// smsRequest is what the delivery log keeps of a message (never the credentials).
type smsRequest struct {
	To   string `json:"to"`
	From string `json:"from,omitempty"`
	Body string `json:"body"`
}

// smsMessage renders an sms step's recipient and text and checks them; the send and the
// preview share it so a simulation fails and skips exactly where a send would. bad is the
// result to answer when the message cannot go out (phone is set once it is known).
func smsMessage(in engine.ActionInput) (phone, body string, bad *engine.ActionResult) {
	s := in.Step
	data := engine.TemplateData(in.Workflow, in.Enrollment, in.Record, in.Event)
	fail := func(format string, args ...any) *engine.ActionResult {
		return &engine.ActionResult{Outcome: store.AttemptFailed, Error: fmt.Sprintf(format, args...)}
	}
	skip := func(format string, args ...any) *engine.ActionResult {
		return &engine.ActionResult{Outcome: store.AttemptSkipped, Error: fmt.Sprintf(format, args...)}
	}
	var raw string
	for _, t := range s.To {
		if t = strings.TrimSpace(t); t != "" {
			raw = t
			break
		}
	}
	to, err := renderText(raw, data)
	if err != nil {
		return "", "", fail("the recipient %q: %v", raw, err)
	}
	if to = strings.TrimSpace(to); to == "" {
		return "", "", skip("no phone number to text: %q is empty for this record", raw)
	}
	phone, ok := normalizePhone(to)
	if !ok {
		// Bad data, not a choice: a failed step (as an email to an invalid address is), so it
		// shows in red and the enrollment ends completed_with_errors.
		return "", "", fail("%q is not a phone number; write it in international form, like +31612345678", to)
	}
	body, err = renderText(s.Text, data)
	if err != nil {
		return phone, "", fail("the text: %v", err)
	}
	if strings.TrimSpace(body) == "" {
		return phone, "", skip("the message text is empty for this record")
	}
	if n := len([]rune(body)); n > maxSMSText {
		return phone, "", fail("the message has %d characters; the limit is %d", n, maxSMSText)
	}
	return phone, body, nil
}

// capNotice is the notification of a month whose cap is reached.
func capNotice(sent int, month string, now time.Time) *store.Notification {
	return &store.Notification{Kind: SMSCapNotification, Title: "Monthly SMS limit reached",
		Body: fmt.Sprintf("Flowdesk sent %d text messages in %s, the monthly limit. Further SMS steps fail until %s (UTC), or raise the limit in the settings.",
			sent, month, nextMonth(now).Format("2 January 2006")), Link: "/settings"}
}

// endpoint is the provider's Messages address once it passes the destination policy.
func (a *SMS) endpoint(prov SMSProvider) (string, error) {
	endpoint := smsEndpoint(prov)
	if a.policyErr != nil {
		return "", a.policyErr
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the SMS provider address %q in the settings is not an http:// or https:// address", workflow.MaskURL(endpoint))
	} else if err := a.policy.checkURL(u); err != nil {
		return "", err
	}
	return endpoint, nil
}

var _ engine.Reserver = (*SMS)(nil)

// Reserve counts a message that will go to the provider against the month's cap, once per step
// visit, before it leaves: the engine commits the count with a pass of its own and runs the try
// in the next. A message that fails before the call (no number, no provider, a refused
// address) or is counted already needs nothing; past the cap the write tells the user once a
// month, and the try then fails.
func (a *SMS) Reserve(ctx context.Context, in engine.ActionInput) ([]engine.Write, error) {
	if a.cfg.DB == nil {
		return nil, nil
	}
	if _, _, bad := smsMessage(in); bad != nil {
		return nil, nil
	}
	prov, err := a.provider(ctx)
	if err != nil || !prov.Configured() {
		return nil, nil // the try retries, or keeps the message in the outbox
	}
	if _, err := a.endpoint(prov); err != nil {
		return nil, nil
	}
	if counted, err := a.cfg.DB.SMSCounted(ctx, in.IdempotencyKey); err != nil || counted {
		return nil, err
	}
	month, limit := in.Now.UTC().Format("2006-01"), a.monthlyCap(prov)
	if sent, notified, err := a.cfg.DB.SMSMonth(ctx, month); err != nil || (limit > 0 && sent >= limit && notified) {
		return nil, err // the cap is reached and the user was told: the try fails
	}
	key, now := in.IdempotencyKey, in.Now
	return []engine.Write{func(tx store.Tx, _ map[string]any) error {
		rsv, err := tx.ReserveSMS(month, key, limit, now)
		if err != nil || !rsv.Notify {
			return err
		}
		return tx.AddNotification(capNotice(rsv.Sent, month, now), now)
	}}, nil
}

// Run sends one try of an sms step. What it stores (the outbox row, the release of a count the
// provider refused) comes back as writes for the engine to commit with the try.
func (a *SMS) Run(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	s := in.Step
	res := engine.ActionResult{Detail: map[string]any{}}
	fail := func(format string, args ...any) engine.ActionResult {
		res.Outcome, res.Error = store.AttemptFailed, fmt.Sprintf(format, args...)
		return res
	}
	if a.cfg.DB == nil {
		return fail("SMS is not set up in this Flowdesk (no database for usage counting)")
	}
	phone, body, bad := smsMessage(in)
	if phone != "" {
		res.Target = "sms:" + phone
	}
	if bad != nil {
		res.Outcome, res.Error = bad.Outcome, bad.Error
		if bad.Outcome == store.AttemptSkipped {
			res.Detail["reason"] = bad.Error
		}
		return res
	}
	prov, err := a.provider(ctx)
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptRetry, Target: res.Target, Error: fmt.Sprintf("could not read the SMS settings: %v; will try again", err)}
	}
	res.Request, _ = json.Marshal(smsRequest{To: phone, From: prov.From, Body: body})
	msg := &store.OutboxMessage{Channel: SMSChannel, IdempotencyKey: in.IdempotencyKey, WorkflowID: in.Workflow.ID, StepID: s.ID,
		From: prov.From, To: phone, BodyText: body, CreatedAt: in.Now}
	if in.Enrollment != nil {
		msg.EnrollmentID = in.Enrollment.ID
	}
	if !prov.Configured() {
		msg.Status = store.OutboxQueued
		res.Writes = append(res.Writes, func(tx store.Tx, d map[string]any) error {
			if _, err := tx.AddOutbox(msg); err != nil {
				return err
			}
			d["outbox_id"] = msg.ID
			return nil
		})
		res.Outcome, res.Response = store.AttemptOK, "kept in the local outbox: no SMS provider is set up"
		res.Detail["delivery"] = "outbox"
		return res
	}

	// The provider's address passes the destination policy before anything is counted.
	endpoint, err := a.endpoint(prov)
	if err != nil {
		return fail("%v", err)
	}

	// The message was counted against the month's cap before this try (Reserve).
	month := in.Now.UTC().Format("2006-01")
	limit := a.monthlyCap(prov)
	counted, err := a.cfg.DB.SMSCounted(ctx, in.IdempotencyKey)
	var sent int
	if err == nil {
		sent, _, err = a.cfg.DB.SMSMonth(ctx, month)
	}
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptRetry, Target: res.Target, Request: res.Request, Error: fmt.Sprintf("could not count the message against the monthly limit: %v; will try again", err)}
	}
	if !counted {
		if limit > 0 && sent >= limit {
			res.Detail["monthly_cap"], res.Detail["month"] = limit, month
			return fail("the monthly SMS limit of %d messages is reached for %s; the message was not sent", limit, month)
		}
		// Room under the cap again (a count was released): the next try counts it first.
		return engine.ActionResult{Outcome: store.AttemptRetry, Target: res.Target, Request: res.Request, Error: "the message was not counted against the monthly limit yet; will try again"}
	}
	res.Detail["month_count"] = sent
	// Nothing was sent, so it does not count against the month.
	release := func(tx store.Tx, _ map[string]any) error { return tx.ReleaseSMS(in.IdempotencyKey) }
	// A try the provider did not take shows in the Outbox's "Failed" while the step tries again;
	// a later try that gets through turns the row into a sent one.
	keepFailed := func(r *engine.ActionResult) {
		at := in.Now
		msg.Status, msg.Reason, msg.StatusAt = store.OutboxFailed, r.Error, &at
		r.Writes = append(r.Writes, func(tx store.Tx, d map[string]any) error {
			if _, err := tx.AddOutbox(msg); err != nil {
				return err
			}
			d["outbox_id"] = msg.ID
			return nil
		})
	}

	form := url.Values{"To": {phone}, "Body": {body}}
	if prov.From != "" {
		form.Set("From", prov.From)
	}
	// The provider reports what became of the message to the listener; the step waits for it.
	callback := a.statusCallback(prov, in)
	if callback != "" {
		form.Set("StatusCallback", callback)
		res.Detail["status_callback"] = callback
	}
	cctx, cancel := context.WithTimeout(ctx, smsTimeout)
	defer cancel()
	start := time.Now()
	resp, err := a.client.R().SetContext(cctx).SetBasicAuth(prov.AccountSID, prov.AuthToken).
		SetHeader("Content-Type", "application/x-www-form-urlencoded").SetHeader("Accept", "application/json").
		SetHeader("Idempotency-Key", in.IdempotencyKey).SetHeader("I-Twilio-Idempotency-Token", in.IdempotencyKey).
		SetBody(form.Encode()).SetDoNotParseResponse(true).Post(endpoint)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		res.Latency = time.Since(start)
		// The token travels in a header, never in the URL. A refusal at dial time sent nothing, so
		// it does not count against the month.
		out := classifyError(res, err, ctx, smsTimeout)
		if out.Outcome == store.AttemptFailed {
			out.Writes = append(out.Writes, release)
		}
		keepFailed(&out)
		return out
	}
	rawBody := resp.RawBody()
	answer, _ := io.ReadAll(io.LimitReader(rawBody, 64<<10))
	rawBody.Close()
	res.Latency = time.Since(start)
	res.StatusCode = resp.StatusCode()
	res.Response = snippet(answer)
	var reply struct {
		SID     string `json:"sid"`
		Status  string `json:"status"`
		Message string `json:"message"`
		Code    int    `json:"code"`
	}
	_ = json.Unmarshal(answer, &reply)
	code := resp.StatusCode()
	switch {
	case code >= 200 && code < 300:
		res.Outcome = store.AttemptOK
		if reply.SID != "" {
			res.Detail["sid"] = reply.SID
			msg.MessageID = reply.SID
		}
		if reply.Status != "" {
			res.Detail["provider_status"] = reply.Status
		}
		sentAt := in.Now
		msg.Status, msg.SentAt = store.OutboxSent, &sentAt
		switch final, delivered, _ := engine.DeliveryStatus(reply.Status); {
		case final && !delivered:
			res.Outcome, res.Error = store.AttemptFailed, fmt.Sprintf("the SMS provider answered that the message %s", reply.Status)
			msg.Status, msg.Reason, msg.StatusAt = store.OutboxFailed, res.Error, &sentAt
		case final && !strings.EqualFold(strings.TrimSpace(reply.Status), "sent"):
			msg.Status, msg.StatusAt = store.OutboxDelivered, &sentAt
		case !final && callback != "":
			res.Await = &engine.Await{Until: in.Now.Add(prov.statusTimeout()), What: smsAwaiting}
		}
		// Keep a record of what was sent next to the outbox's unsent messages (best effort: the
		// message is out, so a failure here must not make the step retry).
		res.Writes = append(res.Writes, func(tx store.Tx, d map[string]any) error {
			if _, err := tx.AddOutbox(msg); err != nil {
				d["outbox_error"] = err.Error()
			}
			return nil
		})
	case code == http.StatusTooManyRequests || code >= 500:
		res.Outcome = store.AttemptRetry
		res.Error = fmt.Sprintf("the SMS provider answered %d %s%s; will try again", code, http.StatusText(code), providerMessage(reply.Message, reply.Code))
		if ra, ok := retryAfter(resp.Header().Get("Retry-After"), in.Now); ok {
			res.RetryAfter = ra
			res.Detail["retry_after"] = ra.String()
		}
	default:
		res.Outcome = store.AttemptFailed
		res.Error = fmt.Sprintf("the SMS provider refused the message: %d %s%s", code, http.StatusText(code), providerMessage(reply.Message, reply.Code))
		res.Writes = append(res.Writes, release)
	}
	if res.Outcome != store.AttemptOK && msg.Status != store.OutboxFailed {
		keepFailed(&res)
	}
	return res
}

// statusCallback is the address the provider reports this message's status to; "" when no
// listener address is known or the step runs outside an enrollment (a test send).
func (a *SMS) statusCallback(prov SMSProvider, in engine.ActionInput) string {
	base := strings.TrimRight(strings.TrimSpace(prov.CallbackBase), "/")
	if base == "" {
		base = strings.TrimRight(a.cfg.HooksURL, "/")
	}
	if base == "" || in.Enrollment == nil || in.Enrollment.ID == 0 {
		return ""
	}
	return base + SMSStatusPath + engine.StatusToken(in.Enrollment.ID, in.IdempotencyKey)
}

func providerMessage(msg string, code int) string {
	switch {
	case msg != "" && code != 0:
		return fmt.Sprintf(" (%d: %s)", code, msg)
	case msg != "":
		return " (" + msg + ")"
	}
	return ""
}

// nextMonth is the first day of the month after t's (UTC).
func nextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

var phoneRe = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)

// normalizePhone accepts a phone number with spaces, dots, dashes and brackets, or a 00 prefix,
// and returns its compact form ("+31612345678").
func normalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "tel:")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", false
		}
	}
	out := b.String()
	if strings.HasPrefix(out, "00") {
		out = "+" + out[2:]
	}
	if !phoneRe.MatchString(out) {
		return "", false
	}
	return out, true
}

// renderText renders personalisation tokens (package template) in a step's text.
func renderText(src string, d template.Data) (string, error) {
	if !strings.Contains(src, "{{") {
		return src, nil
	}
	t, err := template.Parse(src)
	if err != nil {
		return "", err
	}
	return t.Render(d), nil
}
