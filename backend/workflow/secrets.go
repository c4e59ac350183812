package workflow

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Hidden replaces a secret in a definition shown to a person or exported: webhook signing
// secrets, credential-like webhook headers, the credential parts of webhook URLs and Slack
// webhook URLs. Saving a definition that still says Hidden keeps the stored value.
const Hidden = "[hidden]"

// hiddenUserinfo is Hidden as it stands in a URL's user info, where "[" and "]" must be escaped
// for the URL to stay parseable.
const hiddenUserinfo = "%5Bhidden%5D"

// The masking rule, used for definitions shown or exported, the delivery log, history and the
// capture of incoming webhooks: a header or query parameter is a credential when its name has
// one of secretParts anywhere in it, or one of secretWords as a whole word (words split at
// punctuation and camelCase, so "X-Pass" and "sig" match but "compass" and "design" do not), or
// when its value starts with an HTTP auth scheme. Broad on purpose: a plain value taken for a
// secret only reads Hidden, and saving Hidden back keeps it.
var (
	secretParts = []string{"auth", "token", "secret", "passw", "passphrase", "pwd", "credential", "cookie", "session",
		"signature", "private", "bearer", "jwt", "hmac", "apikey", "accesskey"}
	secretWords   = []string{"pass", "pw", "sig", "key", "keys", "otp", "pin", "cred", "creds"}
	secretSchemes = []string{"bearer ", "basic ", "token ", "digest ", "negotiate "}
)

// Credential reports whether a header or query parameter (name, value) carries a credential,
// by the masking rule above. value may be "" when only the name is known.
func Credential(name, value string) bool {
	n := strings.ToLower(name)
	for _, p := range secretParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	for _, w := range nameWords(name) {
		for _, s := range secretWords {
			if w == s {
				return true
			}
		}
		if strings.HasSuffix(w, "key") { // apikey, accesskey, subscriptionkey
			return true
		}
	}
	v := strings.ToLower(strings.TrimSpace(value))
	for _, s := range secretSchemes {
		if strings.HasPrefix(v, s) {
			return true
		}
	}
	return false
}

// nameWords splits a name into lower-case words at punctuation and lower-to-upper changes.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}

// urlParts is a URL cut into the pieces the masking rule looks at, as text, so that even an
// address that does not parse is masked.
type urlParts struct {
	head     string // scheme and "//", or "" when there is no authority
	userinfo string // raw, without the "@"
	hasUser  bool
	rest     string // host, port and path
	query    string // raw, without the "?"
	hasQuery bool
	fragment string // raw, without the "#"
	hasFrag  bool
}

func splitURL(raw string) urlParts {
	var p urlParts
	s, frag, hasFrag := strings.Cut(raw, "#")
	p.fragment, p.hasFrag = frag, hasFrag
	s, p.query, p.hasQuery = strings.Cut(s, "?")
	if i := strings.Index(s, "//"); i >= 0 {
		p.head, s = s[:i+2], s[i+2:]
		end := strings.IndexByte(s, '/')
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			p.userinfo, p.hasUser, s = s[:at], true, s[at+1:]
		}
	}
	p.rest = s
	return p
}

func (p urlParts) String() string {
	var b strings.Builder
	b.WriteString(p.head)
	if p.hasUser {
		b.WriteString(p.userinfo)
		b.WriteByte('@')
	}
	b.WriteString(p.rest)
	if p.hasQuery {
		b.WriteByte('?')
		b.WriteString(p.query)
	}
	if p.hasFrag {
		b.WriteByte('#')
		b.WriteString(p.fragment)
	}
	return b.String()
}

// unescape decodes a URL piece, keeping it as it is when it does not decode.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// mapParams rewrites the values of a query (or fragment) string, keeping its order and raw form.
func mapParams(q string, f func(name, rawValue string) string) string {
	if q == "" {
		return q
	}
	pairs := strings.Split(q, "&")
	for i, pair := range pairs {
		name, val, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		pairs[i] = name + "=" + f(unescape(name), val)
	}
	return strings.Join(pairs, "&")
}

// MaskURL hides the credentials in an address: the password of its user info (or the whole
// user info when it is a single token), and every query or fragment parameter that the masking
// rule takes for a credential ("access_token", "api_key", "sig", ...). The rest stays readable.
func MaskURL(raw string) string {
	p := splitURL(raw)
	if p.hasUser && p.userinfo != "" {
		if user, pass, ok := strings.Cut(p.userinfo, ":"); ok {
			if pass != "" {
				p.userinfo = user + ":" + hiddenUserinfo
			}
		} else {
			p.userinfo = hiddenUserinfo
		}
	}
	mask := func(name, val string) string {
		if val != "" && Credential(name, unescape(val)) {
			return Hidden
		}
		return val
	}
	p.query = mapParams(p.query, mask)
	p.fragment = mapParams(p.fragment, mask)
	return p.String()
}

// hasHidden reports whether a URL still holds a masked part.
func hasHidden(raw string) bool {
	return strings.Contains(raw, Hidden) || strings.Contains(strings.ToLower(raw), strings.ToLower(hiddenUserinfo))
}

// restoreURL puts back the masked parts of raw from prev (the stored address): the user info or
// its password, and each parameter whose value reads Hidden, from the parameter of the same
// name. It reports false when a masked part has nothing to come from.
func restoreURL(raw, prev string) (string, bool) {
	if !hasHidden(raw) {
		return raw, true
	}
	p, old := splitURL(raw), splitURL(prev)
	ok := true
	if p.hasUser {
		user, pass, hasPass := strings.Cut(p.userinfo, ":")
		oldUser, oldPass, oldHasPass := strings.Cut(old.userinfo, ":")
		switch {
		case unescape(p.userinfo) == Hidden:
			if !old.hasUser || old.userinfo == "" {
				ok = false
			} else {
				p.userinfo = old.userinfo
			}
		case hasPass && unescape(pass) == Hidden:
			if !oldHasPass || oldPass == "" || unescape(oldUser) != unescape(user) {
				ok = false
			} else {
				p.userinfo = user + ":" + oldPass
			}
		}
	}
	restore := func(q, oldQ string) string {
		oldVals := map[string]string{}
		mapParams(oldQ, func(name, val string) string {
			if _, seen := oldVals[name]; !seen {
				oldVals[name] = val
			}
			return val
		})
		return mapParams(q, func(name, val string) string {
			if unescape(val) != Hidden {
				return val
			}
			if v, found := oldVals[name]; found && v != "" && unescape(v) != Hidden {
				return v
			}
			ok = false
			return val
		})
	}
	p.query = restore(p.query, old.query)
	p.fragment = restore(p.fragment, old.fragment)
	return p.String(), ok
}

// MaskSecrets returns a copy of d whose secrets read Hidden.
func (d *Definition) MaskSecrets() *Definition {
	out := *d
	out.Steps = make([]Step, len(d.Steps))
	for i, s := range d.Steps {
		if s.Secret != "" {
			s.Secret = Hidden
		}
		if s.WebhookURL != "" {
			s.WebhookURL = Hidden
		}
		if s.URL != "" {
			s.URL = MaskURL(s.URL)
		}
		if len(s.Headers) > 0 {
			h := make(map[string]string, len(s.Headers))
			for k, v := range s.Headers {
				if v != "" && Credential(k, v) {
					v = Hidden
				}
				h[k] = v
			}
			s.Headers = h
		}
		out.Steps[i] = s
	}
	return &out
}

// RestoreSecrets puts back the secrets that read Hidden from the stored definition prev (same
// step id and field). It returns a problem for each Hidden value it cannot restore: a new step
// or a new workflow must be given the real secret.
func (d *Definition) RestoreSecrets(prev *Definition) []Problem {
	var problems []Problem
	for i := range d.Steps {
		s := &d.Steps[i]
		var old *Step
		if prev != nil {
			old = prev.Step(s.ID)
		}
		restore := func(field string, v *string, from func(*Step) string) {
			if *v != Hidden {
				return
			}
			if old != nil && from(old) != "" {
				*v = from(old)
				return
			}
			problems = append(problems, Problem{Step: s.ID, Field: field,
				Message: fmt.Sprintf("Step %q has a hidden %s that Flowdesk does not know; paste the real value.", s.ID, field)})
		}
		restore("secret", &s.Secret, func(o *Step) string { return o.Secret })
		restore("webhook_url", &s.WebhookURL, func(o *Step) string { return o.WebhookURL })
		if hasHidden(s.URL) {
			prevURL := ""
			if old != nil {
				prevURL = old.URL
			}
			u, ok := restoreURL(s.URL, prevURL)
			if ok {
				s.URL = u
			} else {
				problems = append(problems, Problem{Step: s.ID, Field: "url",
					Message: fmt.Sprintf("Step %q has a hidden part in its url (a password or token) that Flowdesk does not know; paste the full address.", s.ID)})
			}
		}
		for k, v := range s.Headers {
			if v != Hidden {
				continue
			}
			name := k
			restore("headers."+k, &v, func(o *Step) string { return o.Headers[name] })
			s.Headers[k] = v
		}
	}
	return problems
}

// WebhookSecretKey decodes a webhook signing secret: "whsec_" followed by the base64 of the key,
// as Standard Webhooks secrets are (the prefix may be left out). It is the one reading of the
// format, used at save (validation) and when signing. The error never quotes the secret.
func WebhookSecretKey(secret string) ([]byte, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(raw)
	}
	switch {
	case err != nil:
		return nil, errors.New(`is not "whsec_" followed by base64`)
	case len(key) < minSecretBytes:
		return nil, fmt.Errorf("decodes to %d bytes; a signing key needs at least %d", len(key), minSecretBytes)
	}
	return key, nil
}

// minSecretBytes is the shortest signing key accepted (Standard Webhooks asks for 24 to 64).
const minSecretBytes = 8

// webhookSecret checks the format of a webhook step's signing secret, so that a bad one is
// refused at save rather than failing every delivery (a Hidden secret is checked once restored).
func (v *validator) webhookSecret(s *Step, add func(field, format string, args ...any)) {
	if s.Secret == "" || s.Secret == Hidden {
		return
	}
	if _, err := WebhookSecretKey(s.Secret); err != nil {
		add("secret", "has a signing secret that %s. Paste the secret as the receiver gave it, like \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\", or leave it empty to send unsigned.", err)
	}
}
