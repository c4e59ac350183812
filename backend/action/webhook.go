package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Webhook limits.
const (
	DefaultTimeout   = 10 * time.Second
	MaxTimeout       = 60 * time.Second
	SnippetLimit     = 1 << 10 // bytes of the answer kept in the delivery log
	maxResponse      = 1 << 20 // bytes of the answer read (for the response mapping)
	EnvelopeType     = "flowdesk.workflow.webhook"
	defaultUserAgent = "Flowdesk-Webhooks/1"
)

// Webhook is the `webhook` step: a signed JSON request to a URL (see docs/actions.md).
type Webhook struct {
	cfg       Config
	global    destPolicy
	globalErr error
	clients   sync.Map // policySet.key() -> *resty.Client
}

// NewWebhook builds the webhook action. An invalid global policy in cfg fails every delivery
// with the reason (check it first with Config.Validate).
func NewWebhook(cfg Config) *Webhook {
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Account.ID == "" {
		cfg.Account.ID = "local"
	}
	w := &Webhook{cfg: cfg}
	w.global, w.globalErr = parsePolicy(cfg.Allow, cfg.Deny)
	if w.globalErr != nil {
		w.globalErr = fmt.Errorf("the global destination policy: %w", w.globalErr)
	}
	return w
}

// Validate reports a global destination policy that cannot be parsed.
func (c Config) Validate() error {
	_, err := parsePolicy(c.Allow, c.Deny)
	return err
}

// StoredRequest is what the delivery log keeps of a webhook request, for a manual retry. It
// never holds the signing secret or the signature; credentials in the URL and credential-like
// custom headers are masked by workflow's one masking rule (a resend takes URL, headers and
// secret from the workflow version's step).
type StoredRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// Run delivers one try of a webhook step.
func (w *Webhook) Run(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	s := in.Step
	body, err := w.body(ctx, in)
	if err != nil {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: workflow.MaskURL(s.URL), Error: err.Error()}
	}
	req := StoredRequest{Method: methodOf(s.Method), Body: string(body)}
	return w.send(ctx, req, s, in.Workflow, in.IdempotencyKey, in.Now, true)
}

var _ engine.Resender = (*Webhook)(nil)

// Resend sends a logged request again (its method and body), signed with a fresh timestamp and
// the same webhook-id, to the URL and with the headers and secret of the version's step (the
// log keeps those masked). It maps nothing onto the record.
func (w *Webhook) Resend(ctx context.Context, in engine.ResendInput) engine.ActionResult {
	a := in.Attempt
	var req StoredRequest
	if err := json.Unmarshal(a.Request, &req); err != nil || req.Method == "" {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: a.Target,
			Error: "this attempt stored no request to send again (it failed before sending)"}
	}
	var step *workflow.Step
	if in.Workflow != nil {
		step = in.Workflow.Step(a.StepID)
	}
	if step == nil || step.Type != workflow.StepWebhook {
		return engine.ActionResult{Outcome: store.AttemptFailed, Target: a.Target,
			Error: fmt.Sprintf("the workflow version has no webhook step %q to take the secret and headers from", a.StepID)}
	}
	return w.send(ctx, req, step, in.Workflow, a.IdempotencyKey, in.Now, false)
}

// send performs one HTTP request to the step's URL and classifies the answer.
func (w *Webhook) send(ctx context.Context, req StoredRequest, s *workflow.Step, def *workflow.Definition, id string, now time.Time, mapAnswer bool) engine.ActionResult {
	target := s.URL
	req.URL = workflow.MaskURL(target)
	res := engine.ActionResult{Target: req.URL, Detail: map[string]any{"webhook_id": id}}
	fail := func(format string, args ...any) engine.ActionResult {
		res.Outcome, res.Error = store.AttemptFailed, fmt.Sprintf(format, args...)
		return res
	}
	body := []byte(req.Body)
	headers, stored, err := w.headers(s, id, now, body)
	if err != nil {
		return fail("%v", err)
	}
	req.Headers = stored
	res.Request, _ = json.Marshal(req)

	if w.globalErr != nil {
		return fail("%v", w.globalErr)
	}
	ps, err := w.policiesFor(def)
	if err != nil {
		return fail("%v", err)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("%q is not an http:// or https:// address", res.Target)
	}
	if err := ps.checkURL(u); err != nil {
		return fail("%v", err)
	}

	timeout := timeoutOf(s.Timeout)
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	resp, err := w.client(ps).R().SetContext(cctx).SetHeaders(headers).SetBody(body).
		SetDoNotParseResponse(true).Execute(req.Method, target)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		res.Latency = time.Since(start)
		return classifyError(res, err, ctx, timeout)
	}
	raw := resp.RawBody()
	answer, readErr := io.ReadAll(io.LimitReader(raw, maxResponse+1))
	raw.Close()
	res.Latency = time.Since(start)
	res.StatusCode = resp.StatusCode()
	res.Response = snippet(answer)
	code := resp.StatusCode()
	switch {
	case code >= 200 && code < 300:
		res.Outcome = store.AttemptOK
		if mapAnswer && len(s.ResponseMap) > 0 {
			mapResponse(&res, s.ResponseMap, answer, readErr)
		}
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		res.Outcome = store.AttemptRetry
		res.Error = fmt.Sprintf("the receiver answered %d %s; will try again", code, http.StatusText(code))
		if ra, ok := retryAfter(resp.Header().Get("Retry-After"), now); ok {
			res.RetryAfter = ra
			res.Detail["retry_after"] = ra.String()
		}
	default:
		res.Outcome = store.AttemptFailed
		res.Error = fmt.Sprintf("the receiver answered %d %s; not retried, since the receiver refused the request itself", code, http.StatusText(code))
	}
	return res
}

// headers builds a request's headers (signed when the step has a secret) and the masked copy
// the delivery log keeps.
func (w *Webhook) headers(s *workflow.Step, id string, now time.Time, body []byte) (headers, stored map[string]string, err error) {
	headers = map[string]string{"Content-Type": "application/json", "User-Agent": w.cfg.UserAgent}
	stored = map[string]string{"Content-Type": "application/json", "User-Agent": w.cfg.UserAgent, HeaderID: id}
	for k, v := range s.Headers {
		if workflow.ReservedWebhookHeader(k) {
			return nil, nil, fmt.Errorf("the header %q cannot be set on a webhook (Flowdesk or the connection sets it); remove it from the step", k)
		}
		headers[k] = v
		stored[k] = maskHeader(k, v)
	}
	headers[HeaderID] = id
	headers[HeaderTimestamp] = strconv.FormatInt(now.Unix(), 10)
	if s.Secret != "" {
		key, err := secretKey(s.Secret)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range signHeaders(key, id, now, body) {
			headers[k] = v
		}
	}
	return headers, stored, nil
}

// classifyError: policy refusals are permanent; network errors and timeouts are retried.
func classifyError(res engine.ActionResult, err error, parent context.Context, timeout time.Duration) engine.ActionResult {
	var pe *PolicyError
	var ne net.Error
	switch {
	case errors.As(err, &pe):
		res.Outcome, res.Error = store.AttemptFailed, pe.Error()
	case parent.Err() != nil:
		res.Outcome, res.Error = store.AttemptRetry, "the delivery was interrupted (Flowdesk is stopping); will try again"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		res.Outcome, res.Error = store.AttemptRetry, fmt.Sprintf("no answer within %s; will try again", timeout)
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.Outcome, res.Error = store.AttemptRetry, fmt.Sprintf("network error: %v; will try again", err)
	}
	return res
}

// body builds the request body: the user's template, systeme.io's format, or the envelope.
func (w *Webhook) body(ctx context.Context, in engine.ActionInput) ([]byte, error) {
	if in.Step.Format == FormatSystemeio {
		return w.systemeio(ctx, in)
	}
	if strings.TrimSpace(in.Step.Template) != "" {
		return renderJSON(in.Step.Template, w.scope(in))
	}
	var event any
	if in.Event != nil {
		event = in.Event
	}
	data := map[string]any{recordKey(in.RecordType): recordObject(in), "enrollment": enrollmentObject(in), "event": event}
	return marshal(map[string]any{"type": EnvelopeType, "data": data, "account": w.cfg.Account,
		"created_at": in.Now.UTC().Format(time.RFC3339)})
}

// recordKey names the record in the envelope's data by its type ("contact", "deal", ...).
func recordKey(t string) string {
	if t == "" || t == "enrollment" || t == "event" {
		return "record"
	}
	return t
}

func recordObject(in engine.ActionInput) map[string]any {
	props := in.Record
	if props == nil {
		props = map[string]any{}
	}
	email, _ := props["email"].(string)
	return map[string]any{"id": in.RecordID, "type": in.RecordType, "email": email, "properties": props}
}

func enrollmentObject(in engine.ActionInput) map[string]any {
	out := map[string]any{"step_id": in.Step.ID}
	if e := in.Enrollment; e != nil {
		out["id"], out["workflow_id"], out["version"] = e.ID, e.WorkflowID, e.Version
	}
	return out
}

func (w *Webhook) scope(in engine.ActionInput) tokenScope {
	wf := map[string]any{}
	if d := in.Workflow; d != nil {
		wf["id"], wf["name"] = d.ID, d.Name
	}
	if e := in.Enrollment; e != nil {
		wf["version"] = e.Version
	}
	return tokenScope{recordType: in.RecordType, record: in.Record, recordID: in.RecordID, event: in.Event,
		fixed: map[string]map[string]any{
			"enrollment": enrollmentObject(in),
			"workflow":   wf,
			"account":    {"id": w.cfg.Account.ID, "name": w.cfg.Account.Name},
			"webhook":    {"id": in.IdempotencyKey, "created_at": in.Now.UTC().Format(time.RFC3339)},
		}}
}

// mapResponse copies fields of a JSON answer onto the record (ActionResult.Set).
func mapResponse(res *engine.ActionResult, m map[string]string, answer []byte, readErr error) {
	if readErr != nil || len(answer) > maxResponse {
		res.Detail["response_map"] = fmt.Sprintf("the answer was not read whole (over %d bytes or cut off); nothing mapped", maxResponse)
		return
	}
	var doc any
	if err := json.Unmarshal(answer, &doc); err != nil {
		res.Detail["response_map"] = "the answer is not JSON; nothing mapped"
		return
	}
	var missing []string
	for path, prop := range m {
		v := dig(doc, path)
		if v == nil {
			missing = append(missing, path)
			continue
		}
		if res.Set == nil {
			res.Set = map[string]any{}
		}
		res.Set[prop] = v
	}
	if len(missing) > 0 {
		res.Detail["response_missing"] = missing
	}
}

// retryAfter parses Retry-After as seconds or an HTTP date (relative to now).
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(7*24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func timeoutOf(s string) time.Duration {
	d, err := workflow.ParseDuration(s)
	if s == "" || err != nil || d <= 0 {
		return DefaultTimeout
	}
	return min(d, MaxTimeout)
}

func methodOf(m string) string {
	switch m = strings.ToUpper(m); m {
	case http.MethodPut, http.MethodPatch:
		return m
	}
	return http.MethodPost
}

// snippet is the start of an answer, at most SnippetLimit bytes of valid UTF-8.
func snippet(b []byte) string {
	if len(b) > SnippetLimit {
		b = b[:SnippetLimit]
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// maskHeader hides the value of a credential-like custom header in the delivery log.
func maskHeader(name, value string) string {
	if value != "" && workflow.Credential(name, value) {
		return workflow.Hidden
	}
	return value
}
