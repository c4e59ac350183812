package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMaskAndRestoreSecrets(t *testing.T) {
	def, err := Parse([]byte(`{"id": "w", "name": "W", "object": "contact", "triggers": [], "start": "hook",
	  "steps": [
	    {"id": "hook", "type": "webhook", "url": "https://crm.example/in", "secret": "whsec_c2VjcmV0",
	     "headers": {"Authorization": "Bearer abc123", "X-Source": "flowdesk"}, "next": "tell"},
	    {"id": "tell", "type": "slack", "webhook_url": "https://hooks.slack.com/services/T/B/xyz", "text": "hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	masked := def.MaskSecrets()
	raw, _ := json.Marshal(masked)
	for _, secret := range []string{"whsec_c2VjcmV0", "abc123", "hooks.slack.com"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("masked definition still holds %q: %s", secret, raw)
		}
	}
	if masked.Steps[0].Headers["X-Source"] != "flowdesk" || def.Steps[0].Secret != "whsec_c2VjcmV0" {
		t.Fatal("masking changed a plain header or the original definition")
	}

	// Saving the masked copy back restores every secret from the stored definition.
	edited := masked.MaskSecrets()
	if problems := edited.RestoreSecrets(def); len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	if edited.Steps[0].Secret != "whsec_c2VjcmV0" || edited.Steps[0].Headers["Authorization"] != "Bearer abc123" ||
		edited.Steps[1].WebhookURL != "https://hooks.slack.com/services/T/B/xyz" {
		t.Fatalf("not restored: %+v %+v", edited.Steps[0], edited.Steps[1])
	}

	// A hidden value with nothing to restore from is a problem naming the step and field.
	fresh := def.MaskSecrets()
	problems := fresh.RestoreSecrets(nil)
	if len(problems) != 3 || problems[0].Step != "hook" || problems[0].Field != "secret" {
		t.Fatalf("problems %+v", problems)
	}
}

// The masking rule: header and query parameter names matched broadly, values with an auth
// scheme, and plain names left alone.
func TestCredentialRule(t *testing.T) {
	for _, name := range []string{"Authorization", "X-Api-Key", "x-auth-token", "Cookie", "X-Pass", "X-Pwd", "X-Credentials",
		"access_token", "api_key", "apiKey", "key", "token", "sig", "secret", "client_secret", "X-Hub-Signature", "password",
		"X-Amz-Security-Token", "Ocp-Apim-Subscription-Key", "passwd", "X-Session-Id", "jwt", "otp"} {
		if !Credential(name, "") {
			t.Errorf("%s is a credential", name)
		}
	}
	if !Credential("X-Custom", "Bearer abc") || !Credential("X-Other", "basic dXNlcjpwdw==") {
		t.Error("a value with an auth scheme is a credential whatever its name")
	}
	for _, name := range []string{"X-Source", "Content-Language", "utm_source", "page", "compass", "design", "keyword", "q"} {
		if Credential(name, "plain") {
			t.Errorf("%s is not a credential", name)
		}
	}
}

func TestMaskAndRestoreURL(t *testing.T) {
	for _, c := range []struct{ raw, masked string }{
		{"https://crm.example/in?list=7", "https://crm.example/in?list=7"},
		{"https://bob:s3cr3t@crm.example/in", "https://bob:%5Bhidden%5D@crm.example/in"},
		{"https://tok3n@crm.example/in", "https://%5Bhidden%5D@crm.example/in"},
		{"https://crm.example/in?access_token=t0k&list=7&api_key=k3y&sig=abc&key=x&token=y&secret=z",
			"https://crm.example/in?access_token=[hidden]&list=7&api_key=[hidden]&sig=[hidden]&key=[hidden]&token=[hidden]&secret=[hidden]"},
		{"https://crm.example/cb#access_token=t0k&state=1", "https://crm.example/cb#access_token=[hidden]&state=1"},
		{"not a url ?token=t0k", "not a url ?token=[hidden]"},
	} {
		if got := MaskURL(c.raw); got != c.masked {
			t.Errorf("MaskURL(%q) = %q, want %q", c.raw, got, c.masked)
		}
		if got, ok := restoreURL(c.masked, c.raw); !ok || got != c.raw {
			t.Errorf("restoreURL(%q) = %q %v, want %q", c.masked, got, ok, c.raw)
		}
	}
	// An edit around the hidden parts keeps them; a hidden part with nothing behind it is refused.
	got, ok := restoreURL("https://bob:%5Bhidden%5D@crm2.example/v2?api_key=[hidden]&list=8", "https://bob:pw@crm.example/in?api_key=k3y")
	if !ok || got != "https://bob:pw@crm2.example/v2?api_key=k3y&list=8" {
		t.Fatalf("edited: %q %v", got, ok)
	}
	for _, prev := range []string{"", "https://crm.example/in", "https://ann:pw@crm.example/in"} {
		if _, ok := restoreURL("https://bob:%5Bhidden%5D@crm.example/in?token=[hidden]", prev); ok {
			t.Errorf("restored hidden parts from %q", prev)
		}
	}

	def := &Definition{ID: "w", Steps: []Step{{ID: "hook", Type: StepWebhook, URL: "https://u:pw@crm.example/in?access_token=t0k"}}}
	masked := def.MaskSecrets()
	if strings.Contains(masked.Steps[0].URL, "t0k") || strings.Contains(masked.Steps[0].URL, "pw@") {
		t.Fatalf("masked url %q", masked.Steps[0].URL)
	}
	if probs := masked.RestoreSecrets(def); len(probs) != 0 || masked.Steps[0].URL != def.Steps[0].URL {
		t.Fatalf("restore: %q %+v", masked.Steps[0].URL, probs)
	}
	if probs := def.MaskSecrets().RestoreSecrets(nil); len(probs) != 1 || probs[0].Field != "url" || !strings.Contains(probs[0].Message, "paste the full address") {
		t.Fatalf("fresh: %+v", probs)
	}
}

// A problem about a webhook url quotes it masked.
func TestURLProblemIsMasked(t *testing.T) {
	def := &Definition{ID: "w", Name: "W", Object: "contact", Start: "hook",
		Steps: []Step{{ID: "hook", Type: StepWebhook, URL: "crm.example/in?access_token=t0k-123"}}}
	for _, p := range Validate(def, Options{}) {
		if strings.Contains(p.Message, "t0k-123") {
			t.Fatalf("the problem quotes the token: %s", p.Message)
		}
	}
}
