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
	for _, header := range []string{"Authorization", "X-Api-Key", "x-auth-token", "Cookie"} {
		if !SecretHeader(header) {
			t.Errorf("%s is a credential header", header)
		}
	}
	if SecretHeader("X-Source") || SecretHeader("Content-Language") {
		t.Error("plain headers taken for credentials")
	}
}
