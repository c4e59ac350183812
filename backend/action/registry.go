// Package action implements Flowdesk's outbound steps (engine.Action): the signed webhook, and
// the other kinds registered in New.
package action

import (
	"context"
	"crypto/tls"
	"net/netip"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Config configures the outbound actions. The zero value works: no global destination policy
// beyond the built-in deny list, the system's TLS roots.
type Config struct {
	// Account is the "account" object of the webhook envelope (which installation sent it).
	Account Account
	// Allow and Deny are a global destination policy for outgoing requests, applied on top of
	// each workflow's own "policy" (see workflow.OutboundPolicy for the entry syntax).
	Allow, Deny []string
	// TLS is the client TLS configuration (nil: system roots); tests use it to trust a test CA.
	TLS *tls.Config
	// UserAgent is sent with every outgoing request (default "Flowdesk-Webhooks/1").
	UserAgent string
	// Self is Flowdesk's own listening addresses (API and webhook listener): outgoing requests
	// to them are always refused, so a workflow cannot be turned against Flowdesk's own API.
	Self []netip.AddrPort

	// DB is the store, for actions that keep state: the sms action counts usage against the
	// monthly cap and writes the outbox there (without it, sms steps fail as not set up).
	DB store.Store
	// SMS is the Twilio-compatible SMS account; with none, messages go to the outbox.
	SMS SMSProvider
	// SMSSource, when set, supplies the SMS account on every send (e.g. from the settings and
	// secrets store, so a change applies without a restart); it overrides SMS.
	SMSSource func(ctx context.Context) (SMSProvider, error)
	// SMSMonthlyCap is how many SMS a calendar month (UTC) may send through the provider
	// (0: DefaultSMSMonthlyCap; negative: no cap).
	SMSMonthlyCap int
	// HooksURL is the webhook listener's address ("http://127.0.0.1:8787"): SMS providers
	// report delivery statuses there unless the SMS settings name a public address.
	HooksURL string

	// Settings supplies the SMTP server and password to the email actions, read at every send
	// (without it, email steps fail as not set up). With no SMTP host set, email lands in the
	// local outbox.
	Settings *settings.Store
	// EmailInsecureAuth lets SMTP AUTH go over a connection without TLS; for tests against a
	// local server only (see EmailConfig.InsecureAuth).
	EmailInsecureAuth bool
}

// emailConfig is the part of cfg the email actions take.
func (c Config) emailConfig() EmailConfig {
	return EmailConfig{DB: c.DB, Settings: c.Settings, TLS: c.TLS, InsecureAuth: c.EmailInsecureAuth,
		Allow: c.Allow, Deny: c.Deny, Self: c.Self}
}

// Account identifies the sending installation in webhook envelopes.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// New returns the outbound actions keyed by step type, for engine.Options.Actions. Each kind
// of action adds its entry here.
func New(cfg Config) map[string]engine.Action {
	return map[string]engine.Action{
		workflow.StepWebhook:       NewWebhook(cfg),
		workflow.StepSMS:           NewSMS(cfg),
		workflow.StepSlack:         NewSlack(cfg),
		workflow.StepSendEmail:     NewSendEmail(cfg.emailConfig()),
		workflow.StepInternalEmail: NewInternalEmail(cfg.emailConfig()),
	}
}
