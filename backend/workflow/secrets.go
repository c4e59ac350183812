package workflow

import (
	"fmt"
	"strings"
)

// Hidden replaces a secret in a definition shown to a person or exported: webhook signing
// secrets, credential-like webhook headers and Slack webhook URLs. Saving a definition that
// still says Hidden keeps the stored value.
const Hidden = "[hidden]"

// SecretHeader reports whether a custom header's value is a credential (Authorization,
// X-Api-Key, a token, a cookie, ...).
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "key", "token", "secret", "cookie", "password", "signature", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
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
		if len(s.Headers) > 0 {
			h := make(map[string]string, len(s.Headers))
			for k, v := range s.Headers {
				if SecretHeader(k) && v != "" {
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
