package action

import (
	"context"
	"fmt"
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
