package hook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Authentication modes of an endpoint.
const (
	AuthSignature = "signature" // Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
	AuthAPIKey    = "api_key"   // a secret key in a request header
	AuthNone      = "none"      // anyone with the URL
)

// Body formats of an endpoint.
const (
	BodyJSON = "json" // one JSON object (the default)
	BodyForm = "form" // application/x-www-form-urlencoded with bracketed keys, or JSON
)

// Defaults and limits of an endpoint's configuration.
const (
	DefaultAPIKeyHeader = "X-Api-Key"
	DefaultMaxFailures  = 10
	DefaultMaxBody      = 256 << 10
	MinMaxBody          = 1 << 10
	MaxMaxBody          = 10 << 20
	MaxDelayDays        = 365
	MaxMappings         = 200
	MaxNameLen          = 200
)

// EventSpec says which event type a delivery becomes: a fixed Type, or the string at Path in
// the payload (with an optional Prefix, e.g. "webinar."). JSON: "type" or {"path", "prefix"}.
type EventSpec struct {
	Type   string `json:"type,omitempty"`
	Path   string `json:"path,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// IsZero reports whether no event type is configured.
func (e EventSpec) IsZero() bool { return e.Type == "" && e.Path == "" }

// UnmarshalJSON accepts a string (a fixed type), an object {"path", "prefix"} or null.
func (e *EventSpec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*e = EventSpec{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		*e = EventSpec{}
		return json.Unmarshal(b, &e.Type)
	}
	type plain struct {
		Path   string `json:"path"`
		Prefix string `json:"prefix"`
	}
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("event must be an event type like \"form.submitted\" or {\"path\": \"type\"}: %v", err)
	}
	*e = EventSpec{Path: p.Path, Prefix: p.Prefix}
	return nil
}

// MarshalJSON writes a fixed type as a string and a path as {"path", "prefix"}.
func (e EventSpec) MarshalJSON() ([]byte, error) {
	switch {
	case e.Path != "":
		type plain struct {
			Path   string `json:"path"`
			Prefix string `json:"prefix,omitempty"`
		}
		return json.Marshal(plain{e.Path, e.Prefix})
	case e.Type != "":
		return json.Marshal(e.Type)
	}
	return []byte("null"), nil
}

// Field maps one payload path to a record property.
type Field struct {
	// Path is a payload path, or alternatives separated by "|" (the first present is read).
	Path     string   `json:"path"`
	Property string   `json:"property"`
	Type     string   `json:"type,omitempty"`     // string (default), number, bool, date, enum, multi
	Required bool     `json:"required,omitempty"` // a missing value rejects the delivery (422)
	Values   []string `json:"values,omitempty"`   // enum: the allowed values
	// Op says what the value does to a multi-value property: "set" (default) replaces it, "add"
	// adds the values to what the record holds, "remove" takes them out.
	Op string `json:"op,omitempty"`
	// On limits the field to these event types (empty: every delivery).
	On []string `json:"on,omitempty"`
}

// Mapping operations (Field.Op).
const (
	OpSet    = "set"
	OpAdd    = "add"
	OpRemove = "remove"
)

// appliesTo reports whether the field is read for an event of type typ.
func (f Field) appliesTo(typ string) bool {
	return len(f.On) == 0 || contains(f.On, typ)
}

// overlaps reports whether two fields can apply to the same delivery.
func (f Field) overlaps(g Field) bool {
	if len(f.On) == 0 || len(g.On) == 0 {
		return true
	}
	for _, t := range f.On {
		if contains(g.On, t) {
			return true
		}
	}
	return false
}

// Config is an endpoint's configuration (the body of POST/PUT /api/hooks). Secret and APIKey
// are input only: they are stored apart and never returned after creation.
type Config struct {
	Name         string            `json:"name"`
	Auth         string            `json:"auth"`
	Secret       string            `json:"secret,omitempty"`
	APIKey       string            `json:"api_key,omitempty"`
	APIKeyHeader string            `json:"api_key_header,omitempty"`
	Preset       string            `json:"preset,omitempty"`
	Object       string            `json:"object,omitempty"` // record type; default contact
	Event        EventSpec         `json:"event"`
	OccurredAt   string            `json:"occurred_at,omitempty"` // path of the time the event happened
	Scope        map[string]string `json:"scope,omitempty"`       // scope key -> payload path
	Mapping      []Field           `json:"mapping"`
	Match        string            `json:"match,omitempty"`  // property that identifies the record; default email
	Create       *bool             `json:"create,omitempty"` // default true; false: only update existing records
	Include      []string          `json:"include,omitempty"`
	Exclude      []string          `json:"exclude,omitempty"`
	Filter       *condition.Filter `json:"filter,omitempty"`
	Enabled      *bool             `json:"enabled,omitempty"` // default true
	DelayDays    int               `json:"delay_days,omitempty"`
	MaxFailures  int               `json:"max_failures,omitempty"`
	MaxBodyBytes int64             `json:"max_body_bytes,omitempty"`
	// Body is what the sender posts: "json" (the default) or "form", an
	// application/x-www-form-urlencoded body with bracketed keys (contact[email]), as
	// ActiveCampaign sends; a form endpoint takes JSON too.
	Body string `json:"body,omitempty"`
	// Strict refuses deliveries that would write a property nobody declared (instead of
	// declaring it with the mapping's type).
	Strict bool `json:"strict,omitempty"`
	// AlertTo are the addresses told when Flowdesk switches the endpoint off for failing (empty:
	// the alert address in Settings).
	AlertTo []string `json:"alert_to,omitempty"`
}

// MaxAlertRecipients caps an endpoint's alert list.
const MaxAlertRecipients = 20

// AlertRecipients returns the alert addresses of a stored endpoint (nil: use the global one).
func AlertRecipients(ep *store.HookEndpoint) []string {
	var c Config
	if err := json.Unmarshal([]byte(ep.Config), &c); err != nil {
		return nil
	}
	return c.AlertTo
}

// Problem is one thing wrong with a configuration or a delivery: Field names it, Message says
// how to fix it (the one problem type, package problem).
type Problem = problem.Problem

// configError is every problem of a configuration.
func configError(ps []Problem) *problem.Error {
	return &problem.Error{Code: problem.CodeHook, Subject: "the webhook endpoint", Problems: ps}
}

var (
	eventTypeRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$`)
	propNameRe   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]{0,127}$`)
	headerNameRe = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_` + "`" + `|~-]{1,64}$`)
	scopeKeyRe   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]{0,63}$`)
)

// reservedHeaders may not carry an API key: they mean something else to HTTP or the signature.
var reservedHeaders = map[string]bool{"content-type": true, "content-length": true, "host": true,
	"webhook-id": true, "webhook-timestamp": true, "webhook-signature": true, "idempotency-key": true,
	"transfer-encoding": true, "connection": true, "cookie": true}

// normalize fills defaults (auth, header, object, match, create, enabled, limits) and trims
// the alert addresses, so an address is stored as it is sent to.
func (c *Config) normalize() {
	c.Name = strings.TrimSpace(c.Name)
	if len(c.AlertTo) > 0 {
		to := make([]string, len(c.AlertTo))
		for i, a := range c.AlertTo {
			to[i] = strings.TrimSpace(a)
		}
		c.AlertTo = to
	}
	if c.Auth == "" {
		c.Auth = AuthSignature
	}
	if c.Auth == AuthAPIKey && c.APIKeyHeader == "" {
		c.APIKeyHeader = DefaultAPIKeyHeader
	}
	if c.Object == "" {
		c.Object = "contact"
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBody
	}
	if c.Enabled == nil {
		t := true
		c.Enabled = &t
	}
	if c.Create == nil {
		t := true
		c.Create = &t
	}
}

// Validate fills defaults and returns every problem at once (nil when the configuration is
// usable). objects, when given, are the known record types.
func (c *Config) Validate(objects []string) []Problem {
	c.normalize()
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.Name == "":
		add("name", "give the endpoint a name, e.g. \"Opt-in form\"")
	case len(c.Name) > MaxNameLen:
		add("name", "the name is %d characters long; keep it under %d", len(c.Name), MaxNameLen)
	}
	switch c.Auth {
	case AuthSignature:
		if c.Secret != "" {
			if _, err := decodeSecret(c.Secret); err != nil {
				add("secret", "%v; leave it out to have one generated", err)
			}
		}
		if c.APIKey != "" {
			add("api_key", "an API key is only used with \"auth\": \"api_key\"; remove it")
		}
	case AuthAPIKey:
		if c.APIKey != "" && (len(c.APIKey) < 16 || len(c.APIKey) > 256 || strings.ContainsAny(c.APIKey, " \t\r\n")) {
			add("api_key", "an API key is 16 to 256 characters without spaces; leave it out to have one generated")
		}
		if !headerNameRe.MatchString(c.APIKeyHeader) {
			add("api_key_header", "%q is not a header name; use letters, digits and -, e.g. \"X-Api-Key\"", c.APIKeyHeader)
		} else if reservedHeaders[strings.ToLower(c.APIKeyHeader)] {
			add("api_key_header", "%q is a reserved header; use another name such as \"X-Api-Key\"", c.APIKeyHeader)
		}
		if c.Secret != "" {
			add("secret", "a signing secret is only used with \"auth\": \"signature\"; remove it")
		}
	case AuthNone:
		if c.Secret != "" || c.APIKey != "" {
			add("auth", "\"none\" takes no secret or API key; remove them or choose \"signature\" or \"api_key\"")
		}
	default:
		add("auth", "%q is not an authentication mode; use \"signature\" (Standard Webhooks), \"api_key\" or \"none\"", c.Auth)
	}
	if c.APIKeyHeader != "" && c.Auth != AuthAPIKey {
		add("api_key_header", "a header name is only used with \"auth\": \"api_key\"; remove it")
	}
	if c.Preset != "" && Presets[c.Preset] == nil {
		add("preset", "%q is not a preset; use one of %s or leave it out", c.Preset, strings.Join(PresetNames(), ", "))
	}
	if len(objects) > 0 && !contains(objects, c.Object) {
		add("object", "%q is not a record type; use one of %s", c.Object, strings.Join(objects, ", "))
	}
	eff := c.Effective()
	switch {
	case eff.Event.Type != "" && eff.Event.Path != "":
		add("event", "give either a fixed event type or {\"path\": ...}, not both")
	case eff.Event.Type != "" && !eventTypeRe.MatchString(eff.Event.Type):
		add("event", "%q is not a valid event type: use letters, digits and . _ : - (at most 128), e.g. \"form.submitted\"", eff.Event.Type)
	case eff.Event.Path != "":
		if _, err := ParsePath(eff.Event.Path); err != nil {
			add("event.path", "%v", err)
		}
		if eff.Event.Prefix != "" && !eventTypeRe.MatchString(eff.Event.Prefix+"x") {
			add("event.prefix", "%q is not a valid event type prefix; use letters, digits and . _ : -", eff.Event.Prefix)
		}
	}
	if eff.OccurredAt != "" {
		if _, err := ParsePath(eff.OccurredAt); err != nil {
			add("occurred_at", "%v", err)
		}
	}
	for k, p := range eff.Scope {
		if !scopeKeyRe.MatchString(k) {
			add("scope."+k, "scope keys start with a letter or _ and use letters, digits, _ or -")
		}
		if _, err := ParsePaths(p); err != nil {
			add("scope."+k, "%v", err)
		}
	}
	if len(eff.Mapping) > MaxMappings {
		add("mapping", "%d mappings; the limit is %d", len(eff.Mapping), MaxMappings)
	}
	seen := map[string][]int{}
	for i, f := range c.Mapping {
		field := fmt.Sprintf("mapping[%d]", i)
		if _, err := ParsePaths(f.Path); err != nil {
			add(field+".path", "%v", err)
		}
		switch {
		case f.Property == "":
			add(field+".property", "say which record property %q fills", f.Path)
		case !propNameRe.MatchString(f.Property):
			add(field+".property", "%q is not a property name; start with a letter or _ and use letters, digits, _ or -", f.Property)
		}
		for _, j := range seen[f.Property] {
			if f.Property != "" && f.overlaps(c.Mapping[j]) {
				add(field+".property", "property %q is already filled by mapping[%d]; map each property once (or give both an \"on\" list of different event types)", f.Property, j)
				break
			}
		}
		seen[f.Property] = append(seen[f.Property], i)
		switch f.Op {
		case "", OpSet:
		case OpAdd, OpRemove:
			if f.Type != "" && f.Type != TypeMulti {
				add(field+".op", "%q works on a multi-value property; use \"type\": \"multi\" or leave the type out", f.Op)
			}
			if f.Property == c.Match || f.Property == "email" {
				add(field+".op", "the property that identifies the record is set, not added to or removed from")
			}
		default:
			add(field+".op", "%q is not an operation; use \"set\", \"add\" or \"remove\"", f.Op)
		}
		for j, t := range f.On {
			if !eventTypeRe.MatchString(t) {
				add(fmt.Sprintf("%s.on[%d]", field, j), "%q is not an event type; use letters, digits and . _ : -", t)
			}
		}
		if f.Type != "" && !contains(Types, f.Type) {
			add(field+".type", "%q is not a type; use one of %s", f.Type, strings.Join(Types, ", "))
		}
		if len(f.Values) > 0 && f.Type != TypeEnum {
			add(field+".values", "allowed values are only used with \"type\": \"enum\"")
		}
		if f.Property == "email" && f.Type != "" && f.Type != TypeString {
			add(field+".type", "email is text; use \"type\": \"string\"")
		}
		if p, err := ParsePaths(f.Path); err == nil && p.multi() && f.Type != TypeMulti && f.Type != "" && f.Type != TypeString {
			add(field+".type", "path %q yields a list; use \"type\": \"multi\"", f.Path)
		}
	}
	if eff.Match != "" && !propNameRe.MatchString(eff.Match) {
		add("match", "%q is not a property name", eff.Match)
	} else if eff.Match != "email" && eff.Match != "" && len(eff.Mapping) > 0 && !eff.maps(eff.Match) {
		add("match", "the match property %q is not filled by the mapping; add a mapping for it or match by email", eff.Match)
	}
	for i, p := range c.Include {
		if err := checkDataPath(p); err != nil {
			add(fmt.Sprintf("include[%d]", i), "%v", err)
		}
	}
	for i, p := range c.Exclude {
		if err := checkDataPath(p); err != nil {
			add(fmt.Sprintf("exclude[%d]", i), "%v", err)
		}
	}
	if c.Filter != nil {
		if _, err := condition.Compile(*c.Filter, condition.Options{}); err != nil {
			if ce, ok := err.(*problem.Error); ok {
				for _, p := range ce.Problems {
					add(joinField("filter", p.Field), "%s", p.Message)
				}
			} else {
				add("filter", "%v", err)
			}
		}
	}
	if c.Body != "" && c.Body != BodyJSON && c.Body != BodyForm {
		add("body", "%q is not a body format; use \"json\" or \"form\" (application/x-www-form-urlencoded)", c.Body)
	}
	if c.DelayDays < 0 || c.DelayDays > MaxDelayDays {
		add("delay_days", "delay enrollment by 0 to %d days, not %d", MaxDelayDays, c.DelayDays)
	}
	if c.MaxFailures < 1 || c.MaxFailures > 1000 {
		add("max_failures", "disable the endpoint after 1 to 1000 consecutive failures, not %d", c.MaxFailures)
	}
	if len(c.AlertTo) > MaxAlertRecipients {
		add("alert_to", "%d alert addresses; the limit is %d", len(c.AlertTo), MaxAlertRecipients)
	}
	alerted := map[string]int{}
	for i, a := range c.AlertTo {
		if err := ident.CheckEmail(a); err != nil {
			add(fmt.Sprintf("alert_to[%d]", i), "%v", err)
			continue
		}
		if j, dup := alerted[ident.EmailKey(a)]; dup {
			add(fmt.Sprintf("alert_to[%d]", i), "%s is already in the list (alert_to[%d]); remove one of them", a, j)
			continue
		}
		alerted[ident.EmailKey(a)] = i
	}
	if c.MaxBodyBytes < MinMaxBody || c.MaxBodyBytes > MaxMaxBody {
		add("max_body_bytes", "the body limit is between %d and %d bytes, not %d", MinMaxBody, MaxMaxBody, c.MaxBodyBytes)
	}
	return ps
}

func joinField(parent, child string) string {
	if child == "" {
		return parent
	}
	return parent + "." + child
}

// checkDataPath validates an include/exclude path: object keys joined by dots.
func checkDataPath(s string) error {
	p, err := ParsePath(s)
	if err != nil {
		return err
	}
	for _, seg := range p.segs {
		if seg.kind != segKey {
			return fmt.Errorf("path %q: include and exclude take object fields only (no [ ])", s)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Config) maps(property string) bool {
	for _, f := range c.Mapping {
		if f.Property == property {
			return true
		}
	}
	return false
}

// Effective returns the configuration with its preset applied: the preset fills event,
// occurred_at, scope and match when they are not set, and its mapping comes first, with the
// endpoint's own mappings added (replacing a preset mapping of the same property).
func (c Config) Effective() Config {
	if c.Match == "" {
		c.Match = "email"
	}
	p := Presets[c.Preset]
	if p == nil {
		return c
	}
	if c.Event.IsZero() {
		c.Event = p.Event
	}
	if c.OccurredAt == "" {
		c.OccurredAt = p.OccurredAt
	}
	if c.Body == "" {
		c.Body = p.Body
	}
	if len(c.Scope) == 0 {
		c.Scope = p.Scope
	}
	if c.Match == "email" && p.Match != "" {
		c.Match = p.Match
	}
	own := map[string]bool{}
	for _, f := range c.Mapping {
		own[f.Property] = true
	}
	var merged []Field
	for _, f := range p.Mapping {
		if !own[f.Property] {
			merged = append(merged, f)
		}
	}
	c.Mapping = append(merged, c.Mapping...)
	return c
}

// Stored returns the configuration as it is persisted and shown: without secrets.
func (c Config) Stored() Config {
	c.Secret, c.APIKey = "", ""
	return c
}
