package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/hook"
)

// sendHook posts a body to a listener URL with extra headers over a real client.
func sendHook(t *testing.T, url string, body []byte, h http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m
}

func TestHooksAPI(t *testing.T) {
	e := newEnv(t)
	e.deploy(`{"id": "optin", "name": "Opt-in", "object": "contact", "triggers": [{"type": "event", "event": "contact.campaign.finished"}],
		"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)

	// Bad configuration: every problem at once.
	res := e.request("POST", "/api/hooks", `{"auth": "basic", "delay_days": -1, "mapping": [{"path": "a..b", "property": "x"}]}`, nil)
	if res.status != 422 || res.errorCode() != "invalid_hook" || !strings.Contains(string(res.body), "delay_days") || !strings.Contains(string(res.body), "mapping[0].path") {
		t.Fatalf("bad config: %d %s", res.status, res.body)
	}
	if res := e.request("POST", "/api/hooks", `{"name": "x", "bogus": 1}`, nil); res.status != 400 || res.errorCode() != "unknown_field" {
		t.Fatalf("unknown field: %d %s", res.status, res.body)
	}

	created := e.call("POST", "/api/hooks", map[string]any{"name": "systeme.io funnel", "preset": "systemeio"}, 201)
	id, key, secret := created["id"].(string), created["key"].(string), created["secret"].(string)
	url := created["url"].(string)
	if !strings.HasPrefix(secret, "whsec_") || len(key) < 43 || url != e.srv.URL+"/hooks/"+key || created["has_secret"] != true {
		t.Fatalf("created: %v", created)
	}
	got := e.call("GET", "/api/hooks/"+id, nil, 200)
	if got["secret"] != nil || strings.Contains(mustJSON(t, got), secret) || got["has_secret"] != true {
		t.Fatalf("GET returns the secret: %v", got)
	}
	list := e.call("GET", "/api/hooks", nil, 200)
	if strings.Contains(mustJSON(t, list), secret) || len(list["hooks"].([]any)) != 1 {
		t.Fatalf("list: %v", list)
	}

	// Capture a test event through the same server, then apply a real one.
	e.call("POST", "/api/hooks/"+id+"/capture", nil, 200)
	body := []byte(readFile(t, "payloads/systemeio/contact.campaign.finished.json"))
	h, _ := hook.SignedHeaders(secret, "msg_1", e.clock.Now(), body)
	if st, m := sendHook(t, url, body, h); st != 202 || m["outcome"] != "captured" {
		t.Fatalf("capture: %d %v", st, m)
	}
	cap := e.call("GET", "/api/hooks/"+id+"/captured", nil, 200)
	if !strings.Contains(mustJSON(t, cap["paths"]), `{"path":"data.contact.fields.first_name","sample":"sadkl;","type":"string"}`) {
		t.Fatalf("captured paths: %v", cap["paths"])
	}
	h, _ = hook.SignedHeaders(secret, "msg_2", e.clock.Now(), body)
	st, m := sendHook(t, url, body, h)
	if st != 201 || m["outcome"] != "applied" || len(m["enrollments"].([]any)) != 1 {
		t.Fatalf("apply: %d %v", st, m)
	}
	reqs := e.call("GET", "/api/hooks/"+id+"/requests?limit=10", nil, 200)["requests"].([]any)
	if len(reqs) != 2 || reqs[0].(map[string]any)["outcome"] != "applied" || reqs[1].(map[string]any)["outcome"] != "captured" {
		t.Fatalf("requests: %v", reqs)
	}
	if strings.Contains(mustJSON(t, reqs), h.Get("webhook-signature")) {
		t.Fatal("the request log shows the signature")
	}

	// Rotate: the new secret is shown once.
	rot := e.call("POST", "/api/hooks/"+id+"/rotate-secret", nil, 200)
	if rot["secret"] == secret || !strings.HasPrefix(rot["secret"].(string), "whsec_") {
		t.Fatalf("rotate: %v", rot)
	}

	// Auto-disable with a notification, then re-enable.
	e.call("PUT", "/api/hooks/"+id, map[string]any{"name": "systeme.io funnel", "preset": "systemeio", "max_failures": 2}, 200)
	for i := 0; i < 2; i++ {
		if st, _ := sendHook(t, url, []byte(`{}`), http.Header{}); st != 401 {
			t.Fatalf("unsigned: %d", st)
		}
	}
	if got := e.call("GET", "/api/hooks/"+id, nil, 200); got["enabled"] != false || got["disabled_reason"] == "" {
		t.Fatalf("not disabled: %v", got)
	}
	// Saving the configuration without "enabled" leaves it off.
	if got := e.call("PUT", "/api/hooks/"+id, map[string]any{"name": "systeme.io funnel", "preset": "systemeio", "max_failures": 2}, 200); got["enabled"] != false {
		t.Fatalf("an update without enabled switched the endpoint on: %v", got)
	}
	notes := e.call("GET", "/api/notifications?unread=true", nil, 200)
	items := notes["notifications"].([]any)
	if notes["unread"] != 1.0 || len(items) != 1 {
		t.Fatalf("notifications: %v", notes)
	}
	nid := int64(items[0].(map[string]any)["id"].(float64))
	e.call("POST", "/api/notifications/"+itoa(nid)+"/read", nil, 200)
	if notes := e.call("GET", "/api/notifications", nil, 200); notes["unread"] != 0.0 {
		t.Fatalf("after read: %v", notes)
	}
	e.call("POST", "/api/notifications/999/read", nil, 404)
	if got := e.call("POST", "/api/hooks/"+id+"/enable", nil, 200); got["enabled"] != true || got["consecutive_failures"] != 0.0 {
		t.Fatalf("enable: %v", got)
	}

	cat := e.call("GET", "/api/events/catalogue", nil, 200)["events"].([]any)
	builtIn := 0
	for _, ev := range cat {
		if ev.(map[string]any)["source"] != "seen" {
			builtIn++
		}
	}
	if builtIn != 34 { // 19 WebinarGeek, 10 systeme.io, 2 ActiveCampaign, 1 HubSpot, 2 survey
		t.Fatalf("catalogue has %d built-in events", builtIn)
	}
	e.call("GET", "/api/hooks/presets", nil, 200)
	e.call("DELETE", "/api/hooks/"+id, nil, 204)
	e.call("GET", "/api/hooks/"+id, nil, 404)
	if st, _ := sendHook(t, url, body, h); st != 404 {
		t.Fatalf("deleted endpoint answered %d", st)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestHookEndpointSettings: the endpoint settings the editor's "Endpoint settings" section
// sends (body, strict, alert_to, delay_days, max_failures, max_body_bytes) are stored and shown
// as sent, alert addresses trimmed; each bad value is refused with a 4xx naming its field and
// leaves the stored configuration as it was.
func TestHookEndpointSettings(t *testing.T) {
	e := newEnv(t)
	good := map[string]any{
		"name":           "AC form",
		"auth":           "none",
		"event":          "form.submitted",
		"mapping":        []map[string]any{{"path": "contact.email", "property": "email"}},
		"body":           "form",
		"strict":         true,
		"alert_to":       []string{" ops@acme.example", "sales@acme.example "},
		"delay_days":     0,
		"max_failures":   3,
		"max_body_bytes": 65536,
	}
	created := e.call("POST", "/api/hooks", good, 201)
	id := created["id"].(string)
	cfg := e.call("GET", "/api/hooks/"+id, nil, 200)["config"].(map[string]any)
	if cfg["body"] != "form" || cfg["strict"] != true || mustJSON(t, cfg["alert_to"]) != `["ops@acme.example","sales@acme.example"]` ||
		cfg["max_failures"] != 3.0 || cfg["max_body_bytes"] != 65536.0 {
		t.Fatalf("stored settings: %v", cfg)
	}
	before := mustJSON(t, cfg)

	many := make([]string, hook.MaxAlertRecipients+1)
	for i := range many {
		many[i] = fmt.Sprintf("ops%d@acme.example", i)
	}
	for _, c := range []struct {
		name  string
		set   map[string]any
		field string
	}{
		{"unknown body format", map[string]any{"body": "xml"}, "body"},
		{"body not text", map[string]any{"body": 1}, "body"},
		{"strict not a boolean", map[string]any{"strict": "yes"}, "strict"},
		{"alert address without a domain", map[string]any{"alert_to": []string{"ops@acme.example", "sales@acme"}}, "alert_to[1]"},
		{"empty alert address", map[string]any{"alert_to": []string{""}}, "alert_to[0]"},
		{"alert address twice", map[string]any{"alert_to": []string{"ops@acme.example", "OPS@Acme.example"}}, "alert_to[1]"},
		{"too many alert addresses", map[string]any{"alert_to": many}, "alert_to"},
		{"alert_to not a list", map[string]any{"alert_to": "ops@acme.example"}, "alert_to"},
		{"delay over a year", map[string]any{"delay_days": 366}, "delay_days"},
		{"negative delay", map[string]any{"delay_days": -1}, "delay_days"},
		{"delay not whole", map[string]any{"delay_days": 1.5}, "delay_days"},
		{"no failures allowed", map[string]any{"max_failures": -1}, "max_failures"},
		{"too many failures", map[string]any{"max_failures": 1001}, "max_failures"},
		{"body limit too small", map[string]any{"max_body_bytes": 10}, "max_body_bytes"},
		{"body limit too large", map[string]any{"max_body_bytes": 11 << 20}, "max_body_bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{}
			for k, v := range good {
				body[k] = v
			}
			for k, v := range c.set {
				body[k] = v
			}
			res := e.request("PUT", "/api/hooks/"+id, mustJSON(t, body), nil)
			var answer struct {
				Error struct {
					Message string `json:"message"`
					Details struct {
						Field string `json:"field"`
					} `json:"details"`
				} `json:"error"`
			}
			_ = json.Unmarshal(res.body, &answer)
			if res.status != 400 && res.status != 422 || answer.Error.Details.Field != c.field || answer.Error.Message == "" {
				t.Fatalf("%v: %d %s, want 400 or 422 naming %s", c.set, res.status, res.body, c.field)
			}
			if after := mustJSON(t, e.call("GET", "/api/hooks/"+id, nil, 200)["config"]); after != before {
				t.Fatalf("a refused update changed the endpoint:\n%s\nwas\n%s", after, before)
			}
		})
	}

	// The stored settings work: a form body is taken, and strict refuses an undeclared property.
	url := created["url"].(string)
	post := func(form string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	if st, m := post("contact[email]=ann%40acme.example&contact[first_name]=Ann"); st != 201 || m["outcome"] != "applied" {
		t.Fatalf("form delivery: %d %v", st, m)
	}
	good["mapping"] = []map[string]any{{"path": "contact.email", "property": "email"}, {"path": "contact.score", "property": "ac_score", "type": "number"}}
	e.call("PUT", "/api/hooks/"+id, good, 200)
	if st, m := post("contact[email]=bo%40acme.example&contact[score]=7"); st != 422 || !strings.Contains(mustJSON(t, m), "record.properties.ac_score") {
		t.Fatalf("strict endpoint wrote an undeclared property: %d %v", st, m)
	}
	// The request log answers the refusal's code and field apart from its words.
	logged := e.call("GET", "/api/hooks/"+id+"/requests?limit=1", nil, 200)["requests"].([]any)[0].(map[string]any)
	if logged["error_code"] != "undeclared_property" || logged["error_field"] != "record.properties.ac_score" || logged["error"] == "" {
		t.Fatalf("logged refusal %v, want error_code undeclared_property on record.properties.ac_score", logged)
	}
	// ...and where the refused value came from: the mapping's path and the value there (a
	// form's fields are text).
	if logged["error_path"] != "contact.score" || logged["error_value"] != "7" {
		t.Fatalf("logged refusal %v, want error_path contact.score and error_value \"7\"", logged)
	}
	// The sender's answer names the path and value too.
	good["mapping"] = []map[string]any{{"path": "contact.email", "property": "email"}, {"path": "contact.plan", "property": "ac_plan"}}
	e.call("PUT", "/api/hooks/"+id, good, 200)
	st, m := post("contact[email]=bo%40acme.example&contact[plan]=12")
	details, _ := m["error"].(map[string]any)["details"].(map[string]any)
	if st != 422 || details["path"] != "contact.plan" || details["value"] != "12" {
		t.Fatalf("refusal of ac_plan: %d %v, want 422 with details path contact.plan, value \"12\"", st, m)
	}
	logged = e.call("GET", "/api/hooks/"+id+"/requests?limit=1", nil, 200)["requests"].([]any)[0].(map[string]any)
	if logged["error_field"] != "record.properties.ac_plan" || logged["error_path"] != "contact.plan" || logged["error_value"] != "12" {
		t.Fatalf("logged refusal %v, want ac_plan from contact.plan with value \"12\"", logged)
	}
	// Another refusal has neither.
	if st, _ := post("contact[plan]=12"); st != 422 {
		t.Fatalf("a form without the email: %d, want 422", st)
	}
	logged = e.call("GET", "/api/hooks/"+id+"/requests?limit=1", nil, 200)["requests"].([]any)[0].(map[string]any)
	if _, ok := logged["error_path"]; ok || logged["error_value"] != nil || logged["error_code"] == "undeclared_property" {
		t.Fatalf("a mapping refusal logged %v, want no error_path or error_value", logged)
	}
}
