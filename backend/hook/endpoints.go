package hook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Endpoints is the endpoint service: it creates, changes and reads webhook endpoints, their
// captured samples and request logs. The Listener, which serves the deliveries, is apart from
// it; both run over the same database.
type Endpoints struct {
	eng     *engine.Engine
	db      store.Store
	clock   clock.Clock
	baseURL string
	forget  func(id string) // drops what the listener keeps about a deleted endpoint
}

// Endpoint is an endpoint as the API shows it: never with its secret.
type Endpoint struct {
	ID                  string    `json:"id"`
	Key                 string    `json:"key"`
	URL                 string    `json:"url"`
	Name                string    `json:"name"`
	Config              Config    `json:"config"`
	HasSecret           bool      `json:"has_secret"`
	Enabled             bool      `json:"enabled"`
	Capture             bool      `json:"capture"`
	HasCaptured         bool      `json:"has_captured"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	MaxFailures         int       `json:"max_failures"`
	DisabledReason      string    `json:"disabled_reason,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// Created is the answer to creating an endpoint or rotating its secret: the only time the
// signing secret or API key is shown.
type Created struct {
	*Endpoint
	Secret string `json:"secret,omitempty"`
	APIKey string `json:"api_key,omitempty"`
}

// Capture is a captured test request.
type Capture struct {
	ReceivedAt time.Time         `json:"received_at"`
	WebhookID  string            `json:"webhook_id,omitempty"`
	Headers    map[string]string `json:"headers"`
	Payload    map[string]any    `json:"payload"`
	Paths      []PathSample      `json:"paths,omitempty"`
}

// Request is a line of an endpoint's request log as the API shows it.
type Request struct {
	*store.HookRequest
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body,omitempty"`     // the raw body when it is JSON
	BodyRaw string            `json:"body_raw,omitempty"` // otherwise as text (truncated)
	// BodyBase64 holds a body that is not UTF-8 (truncated), so every answer stays valid UTF-8.
	BodyBase64 string `json:"body_base64,omitempty"`
}

// URLFor returns an endpoint's public URL; without a configured base, r's Host is used.
func (s *Endpoints) URLFor(r *http.Request, key string) string {
	base := s.baseURL
	if base == "" && r != nil {
		base = "http://" + r.Host
	}
	return base + "/hooks/" + key
}

func (s *Endpoints) view(ep *store.HookEndpoint) *Endpoint {
	var cfg Config
	_ = json.Unmarshal([]byte(ep.Config), &cfg)
	enabled := ep.Enabled
	cfg.Enabled = &enabled
	cfg.MaxFailures = ep.MaxFailures
	if cfg.Mapping == nil {
		cfg.Mapping = []Field{}
	}
	return &Endpoint{ID: ep.ID, Key: ep.Key, URL: s.URLFor(nil, ep.Key), Name: ep.Name, Config: cfg.Stored(), HasSecret: ep.Secret != "",
		Enabled: ep.Enabled, Capture: ep.Capture, HasCaptured: ep.Captured != "", ConsecutiveFailures: ep.ConsecutiveFailures,
		MaxFailures: ep.MaxFailures, DisabledReason: ep.DisabledReason, CreatedAt: ep.CreatedAt, UpdatedAt: ep.UpdatedAt}
}

func (s *Endpoints) objects() []string { return s.eng.Objects() }

// secretFor returns the stored secret for cfg and the clear one to show once ("" if unchanged).
func secretFor(cfg *Config, current string) (stored, shown string) {
	switch cfg.Auth {
	case AuthSignature:
		switch {
		case cfg.Secret != "":
			return cfg.Secret, cfg.Secret
		case strings.HasPrefix(current, SecretPrefix):
			return current, ""
		}
		s := NewSecret()
		return s, s
	case AuthAPIKey:
		switch {
		case cfg.APIKey != "":
			return HashAPIKey(cfg.APIKey), cfg.APIKey
		case current != "" && !strings.HasPrefix(current, SecretPrefix):
			return current, ""
		}
		k := NewAPIKey()
		return HashAPIKey(k), k
	}
	return "", ""
}

func created(ep *Endpoint, cfg Config, shown string) *Created {
	c := &Created{Endpoint: ep}
	switch cfg.Auth {
	case AuthSignature:
		c.Secret = shown
	case AuthAPIKey:
		c.APIKey = shown
	}
	return c
}

// Create validates cfg and stores a new endpoint with an unguessable key. For signature and
// API-key endpoints the answer carries the secret (generated unless given): the only time.
func (s *Endpoints) Create(ctx context.Context, cfg Config) (*Created, error) {
	return s.CreateAs(ctx, "", cfg)
}

// CreateAs is Create with a fixed endpoint id (empty: one made from the name), for data that
// names the endpoint in advance, such as the demo workflows' webhook triggers.
func (s *Endpoints) CreateAs(ctx context.Context, id string, cfg Config) (*Created, error) {
	if id == "" {
		id = ident.New(cfg.Name, "hook")
	}
	cfg.normalize()
	if _, err := Compile(cfg, s.objects()); err != nil {
		return nil, err
	}
	stored, shown := secretFor(&cfg, "")
	enc, err := json.Marshal(cfg.Stored())
	if err != nil {
		return nil, err
	}
	ep := &store.HookEndpoint{ID: id, Key: NewKey(), Name: cfg.Name, Config: string(enc), Secret: stored,
		Enabled: *cfg.Enabled, MaxFailures: cfg.MaxFailures}
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.CreateHookEndpoint(ep, s.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return created(s.view(ep), cfg, shown), nil
}

// Update replaces an endpoint's configuration (its key stays). A new secret or API key may be
// given; switching to signature or API-key auth generates one, returned in Created.
func (s *Endpoints) Update(ctx context.Context, id string, cfg Config) (*Created, error) {
	keepEnabled := cfg.Enabled == nil // an update that does not say leaves the on/off state alone
	cfg.normalize()
	if _, err := Compile(cfg, s.objects()); err != nil {
		return nil, err
	}
	var out *store.HookEndpoint
	var shown string
	err := s.db.Write(ctx, func(tx store.Tx) error {
		ep, err := tx.HookEndpoint(id)
		if err != nil {
			return err
		}
		var old Config
		_ = json.Unmarshal([]byte(ep.Config), &old)
		current := ep.Secret
		if old.Auth != cfg.Auth {
			current = ""
		}
		if keepEnabled {
			enabled := ep.Enabled
			cfg.Enabled = &enabled
		}
		var stored string
		stored, shown = secretFor(&cfg, current)
		enc, err := json.Marshal(cfg.Stored())
		if err != nil {
			return err
		}
		if *cfg.Enabled && !ep.Enabled {
			ep.ConsecutiveFailures, ep.DisabledReason = 0, ""
		}
		if !*cfg.Enabled && ep.Enabled {
			ep.DisabledReason = "switched off by the user"
		}
		ep.Name, ep.Config, ep.Secret, ep.Enabled, ep.MaxFailures = cfg.Name, string(enc), stored, *cfg.Enabled, cfg.MaxFailures
		out = ep
		return tx.UpdateHookEndpoint(ep, s.clock.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("update webhook endpoint %q: %w", id, err)
	}
	return created(s.view(out), cfg, shown), nil
}

// Get returns an endpoint.
func (s *Endpoints) Get(ctx context.Context, id string) (*Endpoint, error) {
	ep, err := s.db.HookEndpoint(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoint %q: %w", id, err)
	}
	return s.view(ep), nil
}

// List returns every endpoint, by name.
func (s *Endpoints) List(ctx context.Context) ([]*Endpoint, error) {
	eps, err := s.db.HookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Endpoint, 0, len(eps))
	for _, ep := range eps {
		out = append(out, s.view(ep))
	}
	return out, nil
}

// Delete removes an endpoint, its request log and its held deliveries.
func (s *Endpoints) Delete(ctx context.Context, id string) error {
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.DeleteHookEndpoint(id) }); err != nil {
		return fmt.Errorf("delete webhook endpoint %q: %w", id, err)
	}
	if s.forget != nil {
		s.forget(id)
	}
	return nil
}

// modify loads an endpoint in a transaction, lets change edit it and saves it.
func (s *Endpoints) modify(ctx context.Context, id string, change func(ep *store.HookEndpoint) error) (*store.HookEndpoint, error) {
	var out *store.HookEndpoint
	err := s.db.Write(ctx, func(tx store.Tx) error {
		ep, err := tx.HookEndpoint(id)
		if err != nil {
			return err
		}
		if err := change(ep); err != nil {
			return err
		}
		out = ep
		return tx.UpdateHookEndpoint(ep, s.clock.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("webhook endpoint %q: %w", id, err)
	}
	return out, nil
}

// Enable switches an endpoint on and resets its failure counter.
func (s *Endpoints) Enable(ctx context.Context, id string) (*Endpoint, error) {
	ep, err := s.modify(ctx, id, func(ep *store.HookEndpoint) error {
		ep.Enabled, ep.ConsecutiveFailures, ep.DisabledReason = true, 0, ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(ep), nil
}

// Disable switches an endpoint off (it answers 410 until enabled).
func (s *Endpoints) Disable(ctx context.Context, id string) (*Endpoint, error) {
	ep, err := s.modify(ctx, id, func(ep *store.HookEndpoint) error {
		ep.Enabled, ep.DisabledReason = false, "switched off by the user"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(ep), nil
}

// ArmCapture makes the endpoint store its next request as a test event instead of applying it.
func (s *Endpoints) ArmCapture(ctx context.Context, id string) (*Endpoint, error) {
	ep, err := s.modify(ctx, id, func(ep *store.HookEndpoint) error {
		ep.Capture = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(ep), nil
}

// ErrNothingCaptured means the endpoint has no captured test event yet.
var ErrNothingCaptured = errors.New("nothing captured yet: arm capture mode and send a test event")

// Captured returns the endpoint's last captured request with its paths and sample values.
func (s *Endpoints) Captured(ctx context.Context, id string) (*Capture, error) {
	ep, err := s.db.HookEndpoint(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoint %q: %w", id, err)
	}
	if ep.Captured == "" {
		return nil, fmt.Errorf("webhook endpoint %q: %w", id, ErrNothingCaptured)
	}
	var c Capture
	if err := json.Unmarshal([]byte(ep.Captured), &c); err != nil {
		return nil, fmt.Errorf("webhook endpoint %q: captured payload: %w", id, err)
	}
	normalize(map[string]any(c.Payload))
	c.Paths = Flatten(c.Payload)
	return &c, nil
}

// RotateSecret replaces a signature endpoint's secret or an API-key endpoint's key and returns
// the new one (shown this once).
func (s *Endpoints) RotateSecret(ctx context.Context, id string) (*Created, error) {
	var cfg Config
	var shown string
	ep, err := s.modify(ctx, id, func(ep *store.HookEndpoint) error {
		if err := json.Unmarshal([]byte(ep.Config), &cfg); err != nil {
			return err
		}
		if cfg.Auth == AuthNone {
			return configError([]Problem{{Field: "auth", Message: "this endpoint uses no authentication, so it has no secret to rotate; set \"auth\" to \"signature\" or \"api_key\" first"}})
		}
		cfg.Secret, cfg.APIKey = "", ""
		ep.Secret, shown = secretFor(&cfg, "")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created(s.view(ep), cfg, shown), nil
}

// Requests lists an endpoint's recent requests, newest first.
func (s *Endpoints) Requests(ctx context.Context, id string, before int64, limit int) ([]*Request, error) {
	if _, err := s.db.HookEndpoint(ctx, id); err != nil {
		return nil, fmt.Errorf("webhook endpoint %q: %w", id, err)
	}
	rows, err := s.db.HookRequests(ctx, id, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Request, 0, len(rows))
	for _, r := range rows {
		v := &Request{HookRequest: r}
		_ = json.Unmarshal([]byte(r.Headers), &v.Headers)
		if len(r.Body) > 0 {
			raw := r.Body
			if len(raw) > 4096 {
				raw = raw[:4096]
			}
			switch {
			case !utf8.Valid(r.Body):
				v.BodyBase64 = base64.StdEncoding.EncodeToString(raw)
			case json.Valid(r.Body):
				v.Body = json.RawMessage(r.Body)
			default:
				v.BodyRaw = strings.ToValidUTF8(string(raw), "\uFFFD")
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// PropertyUsers names the endpoints whose mapping (their own or their preset's) writes the
// property of the object type: a property they fill cannot be deleted.
func (s *Endpoints) PropertyUsers(ctx context.Context, object, name string) ([]string, error) {
	eps, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ep := range eps {
		eff := ep.Config.Effective()
		o := eff.Object
		if o == "" {
			o = "contact"
		}
		if o != object {
			continue
		}
		for _, f := range eff.Mapping {
			if f.Property == name {
				out = append(out, fmt.Sprintf("webhook endpoint %q (%s)", ep.Name, ep.ID))
				break
			}
		}
	}
	return out, nil
}
