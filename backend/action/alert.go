package action

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Alert emails one of Flowdesk's own alerts to the given addresses, or, when there are none, to
// the settings' alert address (smtp.alert_to), through the internal_email action: over SMTP
// when one is set up, else into the outbox. key makes the message recognisable when the same
// alert is sent twice. With no address at all it does nothing: the in-app notification is the
// alert. The outbox row is committed through eng.
func Alert(ctx context.Context, eng *engine.Engine, cfg Config, to []string, key, subject, body string, now time.Time) error {
	if cfg.Settings == nil {
		return nil
	}
	if len(to) == 0 {
		conf, err := cfg.Settings.Load(ctx)
		if err != nil {
			return fmt.Errorf("send alert: %w", err)
		}
		if conf.SMTP.AlertTo != "" {
			to = []string{conf.SMTP.AlertTo}
		}
	}
	if len(to) == 0 {
		return nil
	}
	mail := NewInternalEmail(cfg.emailConfig())
	step := &workflow.Step{ID: "alert", Type: workflow.StepInternalEmail, To: workflow.Strings(to), Subject: subject, Body: body}
	res := mail.Run(ctx, engine.ActionInput{Step: step, Workflow: &workflow.Definition{ID: "flowdesk", Name: "Flowdesk"},
		IdempotencyKey: key, Try: 1, Now: now, Record: map[string]any{}})
	if res.Outcome != store.AttemptOK {
		return fmt.Errorf("send alert to %s: %s", strings.Join(to, ", "), res.Error)
	}
	if err := eng.Apply(ctx, &res); err != nil {
		return fmt.Errorf("send alert to %s: %w", strings.Join(to, ", "), err)
	}
	return nil
}

// DisabledEndpointAlert is what the webhook listener calls when it switches an endpoint off for
// failing: an email to the endpoint's own alert recipients (recipients reads them from the
// endpoint), or, when it has none, to the settings' alert address. A failure to send is logged;
// the in-app notification is written either way.
func DisabledEndpointAlert(eng *engine.Engine, cfg Config, recipients func(*store.HookEndpoint) []string, log *slog.Logger) func(ctx context.Context, ep *store.HookEndpoint, reason string) {
	return func(ctx context.Context, ep *store.HookEndpoint, reason string) {
		now := eng.Now()
		subject := fmt.Sprintf("Flowdesk switched off the webhook endpoint %q", ep.Name)
		body := "Flowdesk stopped accepting deliveries to the webhook endpoint \"" + ep.Name + "\": " + reason +
			".\n\nCheck the sending service's settings, then switch the endpoint on again in Flowdesk (Webhooks)."
		key := "hook-disabled-" + ep.ID + "-" + strconv.FormatInt(now.Unix(), 10)
		if err := Alert(ctx, eng, cfg, recipients(ep), key, subject, body, now); err != nil && log != nil {
			log.Warn("alert email about a disabled webhook endpoint", "endpoint", ep.ID, "err", err)
		}
	}
}
