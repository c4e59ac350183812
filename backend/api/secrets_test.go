package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
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

// Credentials in a webhook's URL (user info, token-like query parameters) and in headers with
// credential-like names are masked in every answer: GET, versions, the delivery log, history
// and the retry's answer. Saving the masked copy keeps them, and the requests carry the real
// values. Real receiver on 127.0.0.1, the action stack, the API over HTTP.
func TestWebhookCredentialsMaskedEverywhere(t *testing.T) {
	e := newDeliveryEnv(t)
	var mu sync.Mutex
	var got []*http.Request
	status := http.StatusServiceUnavailable
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Clone(context.Background()))
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	host := strings.TrimPrefix(rc.URL, "http://")
	secrets := []string{"pw-777", "tok-111", "k-222", "sig-333", "pass-444", "pwd-555", "cred-666", "bear-888"}
	url := "http://bob:pw-777@" + host + "/in?access_token=tok-111&list=7&api_key=k-222&sig=sig-333"
	def := fmt.Sprintf(`{"id": "wf", "name": "Hook", "object": "contact",
	  "triggers": [{"type": "event", "event": "sale.completed"}], "start": "hook",
	  "steps": [{"id": "hook", "type": "webhook", "url": %q,
	    "headers": {"X-Pass": "pass-444", "X-Pwd": "pwd-555", "X-Credentials": "cred-666", "X-Custom": "Bearer bear-888", "X-Source": "flowdesk"}}]}`, url)
	noSecrets := func(where string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s answers the credential %q: %s", where, s, body)
			}
		}
	}
	created := e.request("POST", "/api/workflows", def, nil)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	noSecrets("POST /api/workflows", created.body)
	read := e.request("GET", "/api/workflows/wf", "", nil)
	noSecrets("GET /api/workflows/wf", read.body)
	if !strings.Contains(string(read.body), "list=7") || !strings.Contains(string(read.body), `"X-Source":"flowdesk"`) {
		t.Fatalf("plain parts masked too: %s", read.body)
	}
	var wf struct {
		Definition json.RawMessage `json:"definition"`
	}
	if err := json.Unmarshal(read.body, &wf); err != nil {
		t.Fatal(err)
	}
	if res := e.request("PUT", "/api/workflows/wf", string(wf.Definition), nil); res.status != 200 {
		t.Fatalf("save the masked copy: %d %s", res.status, res.body)
	} else {
		noSecrets("PUT /api/workflows/wf", res.body)
	}
	e.call("POST", "/api/workflows/wf/enable", nil, 200)
	version := e.request("GET", "/api/workflows/wf/versions/1", "", nil)
	if version.status != 200 || !strings.Contains(string(version.body), "list=7") {
		t.Fatalf("version 1: %d %s", version.status, version.body)
	}
	noSecrets("GET /api/workflows/wf/versions/1", version.body)

	ing := e.call("POST", "/api/events", `{"type": "sale.completed", "record": {"type": "contact", "email": "ann@example.com"}}`, 201)
	enr := int64(ing["enrollments"].([]any)[0].(float64))
	e.runDue()
	for range 4 {
		e.clock.Advance(time.Minute)
		e.runDue()
	}
	deliveries := e.request("GET", "/api/deliveries?workflow=wf", "", nil)
	noSecrets("GET /api/deliveries", deliveries.body)
	if !strings.Contains(string(deliveries.body), `access_token=[hidden]`) || !strings.Contains(string(deliveries.body), "dead") {
		t.Fatalf("the delivery log does not show the masked address or the dead letter: %s", deliveries.body)
	}
	noSecrets("GET /api/enrollments/{id}", e.request("GET", fmt.Sprintf("/api/enrollments/%d", enr), "", nil).body)

	var dead struct {
		Deliveries []struct {
			ID      int64  `json:"id"`
			Outcome string `json:"outcome"`
		} `json:"deliveries"`
	}
	_ = json.Unmarshal(deliveries.body, &dead)
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	retry := e.request("POST", fmt.Sprintf("/api/deliveries/%d/retry", dead.Deliveries[0].ID), "{}", nil)
	if retry.status != 200 || !strings.Contains(string(retry.body), `"outcome":"ok"`) {
		t.Fatalf("retry: %d %s", retry.status, retry.body)
	}
	noSecrets("POST /api/deliveries/{id}/retry", retry.body)

	// Every request, the manual retry included, carried the real credentials.
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("receiver got %d requests, want 3 tries and the retry", len(got))
	}
	for i, r := range got {
		user, pass, _ := r.BasicAuth()
		q := r.URL.Query()
		if user != "bob" || pass != "pw-777" || q.Get("access_token") != "tok-111" || q.Get("api_key") != "k-222" || q.Get("sig") != "sig-333" ||
			r.Header.Get("X-Pass") != "pass-444" || r.Header.Get("X-Credentials") != "cred-666" || r.Header.Get("X-Custom") != "Bearer bear-888" {
			t.Fatalf("request %d lost a credential: %s %v", i, r.URL, r.Header)
		}
	}
}

// Rows a Flowdesk before the masking rule wrote (a clear URL and headers in the delivery log, a
// clear target in history) are masked when answered.
func TestOldDeliveryRowsAreMaskedWhenAnswered(t *testing.T) {
	e := newDeliveryEnv(t)
	rc := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rc.Close)
	def := fmt.Sprintf(`{"id": "wf", "name": "Hook", "object": "contact",
	  "triggers": [{"type": "event", "event": "sale.completed"}], "start": "hook",
	  "steps": [{"id": "hook", "type": "webhook", "url": %q}]}`, rc.URL+"/in")
	e.call("POST", "/api/workflows", def, 201)
	e.call("POST", "/api/workflows/wf/enable", nil, 200)
	ing := e.call("POST", "/api/events", `{"type": "sale.completed", "record": {"type": "contact", "email": "ann@example.com"}}`, 201)
	enr := int64(ing["enrollments"].([]any)[0].(float64))
	e.runDue()
	old := "http://bob:pw-777@127.0.0.1:9/in?access_token=tok-111"
	err := e.db.Write(e.ctx, func(tx store.Tx) error {
		if err := tx.InsertActionAttempt(&store.ActionAttempt{EnrollmentID: enr, WorkflowID: "wf", StepID: "hook", StepType: "webhook",
			IdempotencyKey: "fd_old", Try: 1, Outcome: store.AttemptFailed, Target: old, At: t0,
			Request: json.RawMessage(fmt.Sprintf(`{"method": "POST", "url": %q, "headers": {"X-Pass": "pass-444", "X-Source": "flowdesk"}}`, old))}); err != nil {
			return err
		}
		return tx.AppendHistory(store.HistoryEntry{EnrollmentID: enr, StepID: "hook", StepType: "webhook", Outcome: "failed",
			Detail: json.RawMessage(fmt.Sprintf(`{"target": %q, "try": 1}`, old)), At: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/deliveries?workflow=wf", fmt.Sprintf("/api/enrollments/%d", enr)} {
		res := e.request("GET", path, "", nil)
		if res.status != 200 || !strings.Contains(string(res.body), "access_token=[hidden]") {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		for _, s := range []string{"pw-777", "tok-111", "pass-444"} {
			if strings.Contains(string(res.body), s) {
				t.Errorf("%s answers %q from an old row: %s", path, s, res.body)
			}
		}
	}
	if res := e.request("GET", "/api/deliveries?workflow=wf", "", nil); !strings.Contains(string(res.body), `"X-Source":"flowdesk"`) {
		t.Fatalf("a plain header of an old row was masked: %s", res.body)
	}
}
