package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

const signedWF = `{"id": "signed", "name": "Signed", "object": "contact",
	"triggers": [{"type": "event", "event": "signed.up"}],
	"start": "hook", "steps": [
		{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in", "secret": "whsec_c2VjcmV0c2VjcmV0",
		 "headers": {"X-Api-Key": "key-123", "X-Source": "flowdesk"}, "next": "tell"},
		{"id": "tell", "type": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/abcdef", "text": "signed up"}]}`

// Secrets in a definition are accepted once and never answered back; a save of the masked
// copy keeps them, and a hidden value with nothing behind it is refused.
func TestWorkflowSecretsAreNeverEchoed(t *testing.T) {
	e := newEnv(t)
	secrets := []string{"whsec_c2VjcmV0c2VjcmV0", "key-123", "hooks.slack.com"}
	noSecrets := func(where string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Fatalf("%s answers the secret %q: %s", where, s, body)
			}
		}
	}
	created := e.request("POST", "/api/workflows", signedWF, nil)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	noSecrets("POST /api/workflows", created.body)
	got := e.request("GET", "/api/workflows/signed", "", nil)
	noSecrets("GET /api/workflows/signed", got.body)
	if !strings.Contains(string(got.body), `"X-Source":"flowdesk"`) || !strings.Contains(string(got.body), workflow.Hidden) {
		t.Fatalf("plain header lost or secrets not marked hidden: %s", got.body)
	}
	var wf struct {
		Revision   int             `json:"revision"`
		Definition json.RawMessage `json:"definition"`
	}
	if err := json.Unmarshal(got.body, &wf); err != nil {
		t.Fatal(err)
	}
	// The editor saves what it was given (secrets hidden) with a changed name.
	edited := strings.Replace(string(wf.Definition), `"name":"Signed"`, `"name":"Signed v2"`, 1)
	res := e.request("PUT", "/api/workflows/signed", edited, map[string]string{"If-Match": `"1"`})
	if res.status != 200 {
		t.Fatalf("save masked copy: %d %s", res.status, res.body)
	}
	noSecrets("PUT /api/workflows/signed", res.body)
	stored, err := e.db.Workflow(e.ctx, "signed")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if !strings.Contains(string(stored.Definition), s) {
			t.Fatalf("the save lost the secret %q: %s", s, stored.Definition)
		}
	}
	// A save whose body leaves the id out (the path names it) restores them just the same.
	noID := strings.Replace(edited, `"id":"signed",`, "", 1)
	if noID == edited {
		t.Fatal("the test body had no id to remove")
	}
	if res := e.request("PUT", "/api/workflows/signed", noID, nil); res.status != 200 {
		t.Fatalf("save without an id: %d %s", res.status, res.body)
	}
	if stored, _ := e.db.Workflow(e.ctx, "signed"); !strings.Contains(string(stored.Definition), "whsec_c2VjcmV0c2VjcmV0") {
		t.Fatalf("the save without an id lost the secret: %s", stored.Definition)
	}
	e.call("POST", "/api/workflows/signed/enable", nil, 200)
	noSecrets("GET /api/workflows/signed/versions/1", e.request("GET", "/api/workflows/signed/versions/1", "", nil).body)
	noSecrets("POST /api/workflows/validate", e.request("POST", "/api/workflows/validate", edited, nil).body)

	// A new workflow cannot say [hidden]: there is nothing to restore.
	copyDef := strings.Replace(string(wf.Definition), `"id":"signed"`, `"id":"copy"`, 1)
	res = e.request("POST", "/api/workflows", copyDef, nil)
	if res.status != 422 || !strings.Contains(string(res.body), `"field":"secret"`) || !strings.Contains(string(res.body), "paste the real value") {
		t.Fatalf("create with hidden secrets: %d %s", res.status, res.body)
	}
}
