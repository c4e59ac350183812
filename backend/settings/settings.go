// Package settings holds Flowdesk's configuration for outbound channels: plain settings (SMTP
// host, port, sender and TLS mode; the SMS provider; Slack) in the database's `settings`
// table, and secrets (the SMTP password, the SMS auth token, Slack webhook URLs, API tokens)
// outside the database through a Secrets backend — today a 0600 file (SecretsFile says where).
//
// Secrets are write-only from the outside: View (what the API answers) says whether each is
// set, never its value, and the Secret type masks itself in logs, errors and JSON.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Secret names used by the built-in channels. Other parts may store their own under a prefix
// of their kind ("api_token.<id>", "slack.webhook.<name>").
const (
	SecretSMTPPassword    = "smtp.password"
	SecretSMSAuthToken    = "sms.auth_token"
	SecretSlackWebhookURL = "slack.webhook_url"
)

// SMTP TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required), port 587
	TLSImplicit = "tls"      // TLS from the first byte, port 465
	TLSNone     = "none"     // no encryption; only for a relay on this machine or network
)

// DefaultSMSMonthlyCap is how many SMS a month are sent when no cap is set (as HubSpot has).
const DefaultSMSMonthlyCap = 1000

// SMTP is the outgoing mail server. With no Host, email lands in the local outbox.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"` // 0: the TLS mode's usual port
	Username string `json:"username"`
	From     string `json:"from"` // sender address, e.g. "Acme <news@acme.example>"
	TLS      string `json:"tls"`  // starttls (default), tls or none
	// AlertTo receives Flowdesk's own alerts (a webhook endpoint switched off); empty: in-app only.
	AlertTo  string `json:"alert_to,omitempty"`
	Password Secret `json:"-"`
}

// Configured reports whether a server is set up.
func (s SMTP) Configured() bool { return strings.TrimSpace(s.Host) != "" }

// TLSMode returns the TLS mode with the default filled in.
func (s SMTP) TLSMode() string {
	if s.TLS == "" {
		return TLSStartTLS
	}
	return s.TLS
}

// PortOrDefault returns the port to dial, with the TLS mode's default.
func (s SMTP) PortOrDefault() int {
	if s.Port > 0 {
		return s.Port
	}
	switch s.TLSMode() {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// SMS is an HTTP SMS provider (Twilio-compatible form post).
type SMS struct {
	URL        string `json:"url"`
	Account    string `json:"account"` // account SID / API user
	From       string `json:"from"`
	MonthlyCap int    `json:"monthly_cap"` // 0: DefaultSMSMonthlyCap
	// StatusCallbackURL is the public address of Flowdesk's webhook listener as the provider
	// reaches it ("https://hooks.example.com"); empty: the listener's own address.
	StatusCallbackURL string `json:"status_callback_url"`
	// StatusTimeoutHours is how long an SMS step waits for the provider's delivery status
	// (0: DefaultSMSStatusTimeoutHours).
	StatusTimeoutHours int    `json:"status_timeout_hours"`
	AuthToken          Secret `json:"-"`
}

// DefaultSMSStatusTimeoutHours is how long an SMS step waits for its delivery status (as in
// HubSpot); MaxSMSStatusTimeoutHours bounds the setting (30 days).
const (
	DefaultSMSStatusTimeoutHours = 72
	MaxSMSStatusTimeoutHours     = 720
)

// StatusTimeout returns the wait for a delivery status with the default filled in.
func (s SMS) StatusTimeout() time.Duration {
	h := s.StatusTimeoutHours
	if h <= 0 {
		h = DefaultSMSStatusTimeoutHours
	}
	return time.Duration(h) * time.Hour
}

// Cap returns the monthly cap with the default filled in.
func (s SMS) Cap() int {
	if s.MonthlyCap <= 0 {
		return DefaultSMSMonthlyCap
	}
	return s.MonthlyCap
}

// Slack is the default Slack destination.
type Slack struct {
	DefaultChannel string `json:"default_channel"`
	WebhookURL     Secret `json:"-"`
}

// DefaultRetentionDays is how many days finished enrollments' history and raw webhook bodies
// are kept when no retention is set.
const DefaultRetentionDays = 90

// MaxRetentionDays bounds the retention setting (ten years).
const MaxRetentionDays = 3650

// Retention is how long Flowdesk keeps what it has finished with.
type Retention struct {
	// Days keeps finished enrollments with their history, old events and raw webhook bodies
	// this many days (0: DefaultRetentionDays).
	Days int `json:"days"`
}

// Period returns the retention as a duration, with the default filled in.
func (r Retention) Period() time.Duration {
	d := r.Days
	if d <= 0 {
		d = DefaultRetentionDays
	}
	return time.Duration(d) * 24 * time.Hour
}

// Settings is the whole configuration, secrets included (kept in memory only).
type Settings struct {
	SMTP      SMTP      `json:"smtp"`
	SMS       SMS       `json:"sms"`
	Slack     Slack     `json:"slack"`
	Retention Retention `json:"retention"`
}

// Store reads and writes settings and secrets.
type Store struct {
	db      store.Store
	secrets Secrets
	now     func() time.Time
}

// SecretsFile is the one rule for where the file backend keeps a database's secrets: the file
// given (flowdesk's --secrets, FLOWDESK_SECRETS) when there is one; else secrets.json beside a
// SQLite file (database is its path); else, on a database server (database is an address, no
// place on disk, and processes on other machines share it), secrets.json in the user's config
// directory, os.UserConfigDir()/flowdesk. Every process of one database must use one file.
func SecretsFile(database string, onServer bool, given string) (string, error) {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return "", secretsErr("secrets file %s: %w", given, err)
		}
		return abs, nil
	}
	if !onServer {
		abs, err := filepath.Abs(database)
		if err != nil {
			return "", secretsErr("secrets file beside %s: %w", database, err)
		}
		return filepath.Join(filepath.Dir(abs), SecretsFileName), nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", secretsErr("the secrets of a database server are kept in the user's config directory, and there is none (%w): give the secrets file's path", err)
	}
	return filepath.Join(dir, "flowdesk", SecretsFileName), nil
}

// OpenSecrets returns the file backend at SecretsFile(database, onServer, given) once the file
// is found usable (FileSecrets.Check), so a process can refuse a bad file before it opens the
// database. Errors match ErrSecrets.
func OpenSecrets(database string, onServer bool, given string) (*FileSecrets, error) {
	path, err := SecretsFile(database, onServer, given)
	if err != nil {
		return nil, err
	}
	file := NewFileSecrets(path)
	if err := file.Check(); err != nil {
		return nil, err
	}
	return file, nil
}

// Open returns a Store over db with the file secrets backend OpenSecrets finds for it.
func Open(db store.Store, given string) (*Store, error) {
	file, err := OpenSecrets(db.Path(), db.OnServer(), given)
	if err != nil {
		return nil, err
	}
	return New(db, file), nil
}

// New returns a Store over db and a secrets backend.
func New(db store.Store, secrets Secrets) *Store {
	return &Store{db: db, secrets: secrets, now: time.Now}
}

// Secrets returns the secrets backend.
func (s *Store) Secrets() Secrets { return s.secrets }

// Secret returns one secret by name (empty when not set).
func (s *Store) Secret(name string) (Secret, error) {
	v, _, err := s.secrets.Get(name)
	return Secret(v), err
}

// SetSecret stores (or, with "", deletes) one secret.
func (s *Store) SetSecret(name, value string) error { return s.secrets.Set(name, value) }

// Load returns the current settings with their secrets. It reads the database and the secrets
// backend each time, so a change made through the API applies to the next send.
func (s *Store) Load(ctx context.Context) (*Settings, error) {
	raw, err := s.db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out Settings
	for key, dst := range map[string]any{"smtp": &out.SMTP, "sms": &out.SMS, "slack": &out.Slack, "retention": &out.Retention} {
		if v, ok := raw[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("setting %q is damaged: %w", key, err)
			}
		}
	}
	if out.SMTP.Password, err = s.Secret(SecretSMTPPassword); err != nil {
		return nil, err
	}
	if out.SMS.AuthToken, err = s.Secret(SecretSMSAuthToken); err != nil {
		return nil, err
	}
	if out.Slack.WebhookURL, err = s.Secret(SecretSlackWebhookURL); err != nil {
		return nil, err
	}
	return &out, nil
}

// View is the settings as the API shows them: secrets masked.
type View struct {
	SMTP struct {
		SMTP
		Password   Masked `json:"password"`
		Configured bool   `json:"configured"`
	} `json:"smtp"`
	SMS struct {
		SMS
		AuthToken Masked `json:"auth_token"`
	} `json:"sms"`
	Slack struct {
		Slack
		WebhookURL Masked `json:"webhook_url"`
	} `json:"slack"`
	Retention struct {
		Retention
		DefaultDays int `json:"default_days"`
	} `json:"retention"`
	// SecretsBackend says where secrets are kept ("file").
	SecretsBackend string `json:"secrets_backend"`
}

// View returns the settings for an API answer.
func (s *Store) View(ctx context.Context) (*View, error) {
	cur, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	var v View
	v.SMTP.SMTP, v.SMTP.Password, v.SMTP.Configured = cur.SMTP, Mask(cur.SMTP.Password.Reveal()), cur.SMTP.Configured()
	v.SMS.SMS, v.SMS.AuthToken = cur.SMS, Mask(cur.SMS.AuthToken.Reveal())
	v.Slack.Slack, v.Slack.WebhookURL = cur.Slack, Mask(cur.Slack.WebhookURL.Reveal())
	v.Retention.Retention, v.Retention.DefaultDays = cur.Retention, DefaultRetentionDays
	v.SecretsBackend = s.secrets.Backend()
	return &v, nil
}

// SecretInput is a secret in an update: a string sets it, "" or null clears it, and an absent
// field or {"set": true} (what View shows) leaves it as it is.
type SecretInput struct {
	change bool
	value  string
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *SecretInput) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*s = SecretInput{change: true}
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return errors.New("want a text value")
		}
		*s = SecretInput{change: true, value: v}
	case len(b) > 0 && b[0] == '{':
		*s = SecretInput{} // the masked form read back: unchanged
	default:
		return errors.New("want a text value, null to clear it, or leave it out to keep it")
	}
	return nil
}

// SetTo returns a SecretInput that sets the value (for callers in Go).
func SetTo(v string) SecretInput { return SecretInput{change: true, value: v} }

// Update is a PUT of the settings. A section left out (nil) is kept as it is; a section given
// replaces its plain fields; secrets follow SecretInput's rules.
type Update struct {
	SMTP *struct {
		SMTP
		Password   SecretInput `json:"password"`
		Configured bool        `json:"configured,omitempty"` // read-only (View); ignored
	} `json:"smtp,omitempty"`
	SMS *struct {
		SMS
		AuthToken SecretInput `json:"auth_token"`
	} `json:"sms,omitempty"`
	Slack *struct {
		Slack
		WebhookURL SecretInput `json:"webhook_url"`
	} `json:"slack,omitempty"`
	Retention *struct {
		Retention
		DefaultDays int `json:"default_days,omitempty"` // read-only (View); ignored
	} `json:"retention,omitempty"`
	// SecretsBackend is read-only (View); ignored.
	SecretsBackend string `json:"secrets_backend,omitempty"`
}

// Check validates an update; it returns a *problem.Error with every setting that cannot be
// saved, or nil. Messages never quote secrets.
func (u *Update) Check() error {
	probs := &problem.Error{Code: problem.CodeSettings, Reason: "settings not saved:"}
	add := probs.Add
	if c := u.SMTP; c != nil {
		if strings.ContainsAny(c.Host, " /\t\r\n") {
			add("smtp.host", "%q is not a host name. Enter the mail server's name, like smtp.example.com.", c.Host)
		}
		if c.Port < 0 || c.Port > 65535 {
			add("smtp.port", "%d is not a port. Use 587 for STARTTLS, 465 for TLS, or leave it at 0 for the usual port.", c.Port)
		}
		switch c.TLS {
		case "", TLSStartTLS, TLSImplicit, TLSNone:
		default:
			add("smtp.tls", "%q is not a TLS mode. Use starttls, tls or none.", c.TLS)
		}
		if c.From != "" {
			if _, err := mail.ParseAddress(c.From); err != nil {
				add("smtp.from", "%q is not an email address. Write it like news@acme.example or \"Acme <news@acme.example>\".", c.From)
			}
		} else if c.Host != "" {
			add("smtp.from", "The sender address is missing. Emails need a From address, like news@acme.example.")
		}
		if c.AlertTo != "" {
			if _, err := mail.ParseAddress(c.AlertTo); err != nil {
				add("smtp.alert_to", "%q is not an email address. Write it like owner@acme.example.", c.AlertTo)
			}
		}
		if strings.ContainsAny(c.Username, "\r\n") {
			add("smtp.username", "The user name has a line break in it.")
		}
	}
	if c := u.SMS; c != nil {
		if c.URL != "" {
			if pu, err := url.Parse(c.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				add("sms.url", "%q is not a web address. Enter the provider's full https:// address.", c.URL)
			}
		}
		if c.MonthlyCap < 0 {
			add("sms.monthly_cap", "The monthly cap %d is negative. Use 0 for the default of %d, or a positive number.", c.MonthlyCap, DefaultSMSMonthlyCap)
		}
		if c.StatusCallbackURL != "" {
			if pu, err := url.Parse(c.StatusCallbackURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
				add("sms.status_callback_url", "%q is not a web address. Enter the public https:// address of Flowdesk's webhook listener, without a path's query, like https://hooks.example.com.", c.StatusCallbackURL)
			}
		}
		if c.StatusTimeoutHours < 0 || c.StatusTimeoutHours > MaxSMSStatusTimeoutHours {
			add("sms.status_timeout_hours", "Wait between 1 and %d hours for a delivery status (or 0 for the default of %d), not %d.", MaxSMSStatusTimeoutHours, DefaultSMSStatusTimeoutHours, c.StatusTimeoutHours)
		}
	}
	if c := u.Slack; c != nil && c.WebhookURL.change && c.WebhookURL.value != "" {
		if pu, err := url.Parse(c.WebhookURL.value); err != nil || pu.Scheme != "https" || pu.Host == "" {
			add("slack.webhook_url", "The Slack webhook is not an https:// address. Paste the incoming-webhook URL Slack gave you.")
		}
	}
	if c := u.Retention; c != nil && (c.Days < 0 || c.Days > MaxRetentionDays) {
		add("retention.days", "Keep history between 1 and %d days (or 0 for the default of %d), not %d.", MaxRetentionDays, DefaultRetentionDays, c.Days)
	}
	return probs.Err()
}

// Apply validates and saves an update: plain settings in one database write, then secrets.
func (s *Store) Apply(ctx context.Context, u *Update) error {
	if err := u.Check(); err != nil {
		return err
	}
	now := s.now()
	type put struct {
		key string
		val any
	}
	var puts []put
	secrets := map[string]SecretInput{}
	if c := u.SMTP; c != nil {
		c.SMTP.Password = ""
		puts = append(puts, put{"smtp", c.SMTP})
		secrets[SecretSMTPPassword] = c.Password
	}
	if c := u.SMS; c != nil {
		c.SMS.AuthToken = ""
		puts = append(puts, put{"sms", c.SMS})
		secrets[SecretSMSAuthToken] = c.AuthToken
	}
	if c := u.Slack; c != nil {
		c.Slack.WebhookURL = ""
		puts = append(puts, put{"slack", c.Slack})
		secrets[SecretSlackWebhookURL] = c.WebhookURL
	}
	if c := u.Retention; c != nil {
		puts = append(puts, put{"retention", c.Retention})
	}
	if len(puts) > 0 {
		err := s.db.Write(ctx, func(tx store.Tx) error {
			for _, p := range puts {
				raw, err := json.Marshal(p.val)
				if err != nil {
					return err
				}
				if err := tx.PutSetting(p.key, raw, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, name := range []string{SecretSMTPPassword, SecretSMSAuthToken, SecretSlackWebhookURL} {
		in, ok := secrets[name]
		if !ok || !in.change {
			continue
		}
		if err := s.secrets.Set(name, in.value); err != nil {
			return err
		}
	}
	return nil
}
