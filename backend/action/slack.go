package action

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

// slackTimeout bounds one post to Slack.
const slackTimeout = 10 * time.Second

// Slack is the `slack` step: a message posted to a Slack incoming-webhook URL (see
// docs/actions.md). The URL is a credential (whoever has it can post to the channel), so the
// delivery log shows only its host.
type Slack struct {
	hook     *Webhook // for the destination policy and its guarded connection pools
	settings *settings.Store
}

// NewSlack builds the slack action; it shares the webhook action's destination policy, and
// takes the default webhook address of the settings (cfg.Settings) for steps without one.
func NewSlack(cfg Config) *Slack { return &Slack{hook: NewWebhook(cfg), settings: cfg.Settings} }

// slackMessage is the body of an incoming-webhook post.
type slackMessage struct {
	Text string `json:"text"`
}

// Run posts one try of a slack step.
func (a *Slack) Run(ctx context.Context, in engine.ActionInput) engine.ActionResult {
	s := in.Step
	raw := strings.TrimSpace(s.WebhookURL)
	res := engine.ActionResult{Detail: map[string]any{}}
	fail := func(format string, args ...any) engine.ActionResult {
		res.Outcome, res.Error = store.AttemptFailed, fmt.Sprintf(format, args...)
		return res
	}
	if raw == "" && a.settings != nil { // the default webhook from the settings screen
		conf, err := a.settings.Load(ctx)
		if err != nil {
			return engine.ActionResult{Outcome: store.AttemptRetry, Target: "slack", Error: "read the Slack settings: " + err.Error()}
		}
		raw = strings.TrimSpace(conf.Slack.WebhookURL.Reveal())
		res.Detail["webhook"] = "default"
	}
	if raw == "" {
		return fail("no Slack webhook address: set one on the step or in the settings")
	}
	res.Target = slackTarget(raw)
	text, err := renderText(s.Text, engine.TemplateData(in.Workflow, in.Enrollment, in.Record, in.Event))
	if err != nil {
		return fail("the text: %v", err)
	}
	if strings.TrimSpace(text) == "" {
		res.Outcome, res.Error = store.AttemptSkipped, "the message text is empty for this record"
		res.Detail["reason"] = res.Error
		return res
	}
	body, _ := json.Marshal(slackMessage{Text: text})
	res.Request = body // the URL is left out: it is the credential
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("%q is not an http:// or https:// address", res.Target)
	}
	if a.hook.globalErr != nil {
		return fail("%v", a.hook.globalErr)
	}
	ps, err := a.hook.policiesFor(in.Workflow)
	if err != nil {
		return fail("%v", err)
	}
	if err := ps.checkURL(u); err != nil {
		return fail("%v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, slackTimeout)
	defer cancel()
	start := time.Now()
	resp, err := a.hook.client(ps).R().SetContext(cctx).SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", a.hook.cfg.UserAgent).SetBody(body).SetDoNotParseResponse(true).Post(raw)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		res.Latency = time.Since(start)
		out := classifyError(res, err, ctx, slackTimeout)
		out.Error = strings.ReplaceAll(out.Error, raw, res.Target)
		if len(u.Path) > 8 {
			out.Error = strings.ReplaceAll(out.Error, u.Path, "/…")
		}
		return out
	}
	rawBody := resp.RawBody()
	answer, _ := io.ReadAll(io.LimitReader(rawBody, 64<<10))
	rawBody.Close()
	res.Latency = time.Since(start)
	code := resp.StatusCode()
	res.StatusCode, res.Response = code, snippet(answer)
	switch {
	case code >= 200 && code < 300:
		res.Outcome = store.AttemptOK
	case code == http.StatusTooManyRequests || code >= 500:
		res.Outcome = store.AttemptRetry
		res.Error = fmt.Sprintf("Slack answered %d %s%s; will try again", code, http.StatusText(code), slackReason(answer))
		if ra, ok := retryAfter(resp.Header().Get("Retry-After"), in.Now); ok {
			res.RetryAfter = ra
			res.Detail["retry_after"] = ra.String()
		}
	default:
		// 400 invalid_payload, 403 action_prohibited, 404 no_service, 410 channel_is_archived:
		// the same post would be refused again.
		res.Outcome = store.AttemptFailed
		res.Error = fmt.Sprintf("Slack refused the message: %d %s%s", code, http.StatusText(code), slackReason(answer))
	}
	return res
}

// slackReason is Slack's short error text ("no_service"), when the answer is one.
func slackReason(answer []byte) string {
	s := strings.TrimSpace(string(answer))
	if s == "" || len(s) > 80 || strings.ContainsAny(s, "<{\n") {
		return ""
	}
	return " (" + s + ")"
}

// slackTarget is what the delivery log shows of a webhook URL: scheme and host only, since the
// path is the secret.
func slackTarget(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "slack"
	}
	t := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" {
		t += "/…"
	}
	return t
}
