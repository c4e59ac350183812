package action_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// runOnce runs the webhook action once, outside the engine, for a step posting to url.
func runOnce(t *testing.T, cfg action.Config, url string, policy *workflow.OutboundPolicy, step func(*workflow.Step)) engine.ActionResult {
	t.Helper()
	s := &workflow.Step{ID: "hook", Type: "webhook", URL: url, Headers: map[string]string{"X-Api-Key": "k-123"}}
	if step != nil {
		step(s)
	}
	def := &workflow.Definition{ID: "wf", Name: "WF", Object: "contact", Policy: policy, Steps: []workflow.Step{*s}}
	in := engine.ActionInput{Step: s, Workflow: def, Enrollment: &store.Enrollment{ID: 7, WorkflowID: "wf", Version: 1},
		RecordID: 3, RecordType: "contact", Record: map[string]any{"email": "ann@example.com"}, IdempotencyKey: "fd_test", Try: 1, Now: time.Now()}
	return action.NewWebhook(cfg).Run(context.Background(), in)
}

func expectRefused(t *testing.T, res engine.ActionResult, want string) {
	t.Helper()
	if res.Outcome != store.AttemptFailed || res.StatusCode != 0 || !strings.Contains(res.Error, want) {
		t.Fatalf("outcome %s status %d error %q, want a refusal mentioning %q", res.Outcome, res.StatusCode, res.Error, want)
	}
}

func redirector(t *testing.T, to func(r *http.Request) string, code int) *receiver {
	t.Helper()
	rc := &receiver{t: t, script: func(int) answer { return answer{} }}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.serve(httptest.NewRecorder(), r) // record it
		http.Redirect(w, r, to(r), code)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func TestPolicyRefusesMetadataAddressesWithoutARequest(t *testing.T) {
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://169.254.10.1:8080/", "http://[fd00:ec2::254]/latest",
		"http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"} {
		start := time.Now()
		res := runOnce(t, action.Config{}, u, nil, nil)
		expectRefused(t, res, "link-local or cloud metadata")
		if time.Since(start) > time.Second || res.Latency != 0 {
			t.Fatalf("%s: the refusal took %s (latency %s); it must not try to connect", u, time.Since(start), res.Latency)
		}
	}
}

func TestPolicyLocalhostAllowedByDefault(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	if res := runOnce(t, action.Config{}, rc.srv.URL, nil, nil); res.Outcome != store.AttemptOK {
		t.Fatalf("127.0.0.1: %s %q", res.Outcome, res.Error)
	}
}

func TestPolicyDenyCheckedAtDialAfterResolution(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	url := strings.Replace(rc.srv.URL, "127.0.0.1", "localhost", 1)
	res := runOnce(t, action.Config{}, url, &workflow.OutboundPolicy{Deny: []string{"127.0.0.0/8", "::1"}}, nil)
	expectRefused(t, res, "deny list")
	// The same through the global policy.
	res = runOnce(t, action.Config{Deny: []string{"127.0.0.0/8", "::1/128"}}, url, nil, nil)
	expectRefused(t, res, "deny list")
	if n := len(rc.deliveries()); n != 0 {
		t.Fatalf("the receiver got %d requests from a denied address", n)
	}
}

func TestPolicyAllowList(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	expectRefused(t, runOnce(t, action.Config{}, rc.srv.URL, &workflow.OutboundPolicy{Allow: []string{"api.example.com", "*.example.org"}}, nil),
		"not on the allow list")
	expectRefused(t, runOnce(t, action.Config{}, strings.Replace(rc.srv.URL, "127.0.0.1", "localhost", 1),
		&workflow.OutboundPolicy{Allow: []string{"10.0.0.0/8"}}, nil), "not on the allow list")
	for _, allow := range []string{"127.0.0.1", "127.0.0.0/8"} {
		if res := runOnce(t, action.Config{}, rc.srv.URL, &workflow.OutboundPolicy{Allow: []string{allow}}, nil); res.Outcome != store.AttemptOK {
			t.Fatalf("allow %s: %s %q", allow, res.Outcome, res.Error)
		}
	}
	if res := runOnce(t, action.Config{}, strings.Replace(rc.srv.URL, "127.0.0.1", "localhost", 1),
		&workflow.OutboundPolicy{Allow: []string{"localhost"}}, nil); res.Outcome != store.AttemptOK {
		t.Fatalf("allow localhost by name: %s %q", res.Outcome, res.Error)
	}
	if n := len(rc.deliveries()); n != 3 {
		t.Fatalf("receiver got %d requests, want 3", n)
	}
}

func TestPolicyRedirectToMetadataRefused(t *testing.T) {
	rc := redirector(t, func(*http.Request) string { return "http://169.254.169.254/latest/meta-data/iam" }, http.StatusFound)
	expectRefused(t, runOnce(t, action.Config{}, rc.srv.URL, nil, nil), "link-local or cloud metadata")
	if n := len(rc.deliveries()); n != 1 {
		t.Fatalf("redirector got %d requests", n)
	}
}

func TestPolicyRedirectToDeniedHostRefused(t *testing.T) {
	target := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	rc := redirector(t, func(*http.Request) string { return strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1) }, http.StatusTemporaryRedirect)
	expectRefused(t, runOnce(t, action.Config{}, rc.srv.URL, &workflow.OutboundPolicy{Deny: []string{"localhost"}}, nil), "deny list")
	if n := len(target.deliveries()); n != 0 {
		t.Fatalf("the denied target got %d requests", n)
	}
}

func TestPolicyRedirectHTTPSToHTTPRefused(t *testing.T) {
	plain := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.srv.URL+"/in", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(tlsSrv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	cfg := action.Config{TLS: &tls.Config{RootCAs: pool}}
	expectRefused(t, runOnce(t, cfg, tlsSrv.URL, nil, nil), "from https to http")
	if n := len(plain.deliveries()); n != 0 {
		t.Fatalf("the http target got %d requests", n)
	}
	// https to https is fine.
	okSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/final" {
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		}
	}))
	t.Cleanup(okSrv.Close)
	pool.AddCert(okSrv.Certificate())
	if res := runOnce(t, cfg, okSrv.URL, nil, nil); res.Outcome != store.AttemptOK {
		t.Fatalf("https redirect: %s %q", res.Outcome, res.Error)
	}
}

func TestPolicyRedirectLimitAndHeadersAcrossHosts(t *testing.T) {
	var loop *receiver
	loop = redirector(t, func(r *http.Request) string { return loop.srv.URL + r.URL.Path + "x" }, http.StatusTemporaryRedirect)
	expectRefused(t, runOnce(t, action.Config{}, loop.srv.URL+"/", nil, nil), "more than 5 redirects")
	if n := len(loop.deliveries()); n != 1+action.MaxRedirects {
		t.Fatalf("redirect loop: %d requests, want %d", n, 1+action.MaxRedirects)
	}

	target := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	rc := redirector(t, func(*http.Request) string {
		return strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1) + "/moved"
	},
		http.StatusTemporaryRedirect)
	if res := runOnce(t, action.Config{}, rc.srv.URL, nil, nil); res.Outcome != store.AttemptOK {
		t.Fatalf("cross-host redirect: %s %q", res.Outcome, res.Error)
	}
	first, moved := rc.deliveries()[0], target.deliveries()[0]
	if first.Header.Get("X-Api-Key") != "k-123" || moved.Header.Get("X-Api-Key") != "" || moved.ID != "fd_test" || moved.Method != http.MethodPost ||
		string(moved.Body) != string(first.Body) {
		t.Fatalf("across hosts: first %v, moved %v %s %q", first.Header, moved.Header, moved.Method, moved.Body)
	}
}

func TestWebhookRefusesReservedHeaders(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	for _, h := range []string{"Host", "connection", "Transfer-Encoding", "webhook-signature", "Content-Length"} {
		res := runOnce(t, action.Config{}, rc.srv.URL, nil, func(s *workflow.Step) { s.Headers = map[string]string{h: "x"} })
		if res.Outcome != store.AttemptFailed || !strings.Contains(res.Error, fmt.Sprintf("%q", h)) {
			t.Fatalf("header %s: %s %q", h, res.Outcome, res.Error)
		}
		// Validation reports it too, before the workflow is ever enabled.
		def := &workflow.Definition{ID: "wf", Name: "WF", Object: "contact", Start: "hook",
			Steps: []workflow.Step{{ID: "hook", Type: "webhook", URL: rc.srv.URL, Headers: map[string]string{h: "x"}}}}
		if probs := workflow.Validate(def, workflow.Options{}); len(probs) != 1 || probs[0].Field != "headers" {
			t.Fatalf("validation of header %s: %+v", h, probs)
		}
	}
	if n := len(rc.deliveries()); n != 0 {
		t.Fatalf("receiver got %d requests", n)
	}
}

func TestWebhookMethodsAndPolicyValidation(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{status: 200} })
	for _, m := range []string{"PUT", "PATCH", ""} {
		if res := runOnce(t, action.Config{}, rc.srv.URL, nil, func(s *workflow.Step) { s.Method = m }); res.Outcome != store.AttemptOK {
			t.Fatalf("%s: %s", m, res.Error)
		}
	}
	var methods []string
	for _, d := range rc.deliveries() {
		methods = append(methods, d.Method)
	}
	if strings.Join(methods, ",") != "PUT,PATCH,POST" {
		t.Fatalf("methods %v", methods)
	}
	def := &workflow.Definition{ID: "wf", Name: "WF", Object: "contact", Start: "hook",
		Policy: &workflow.OutboundPolicy{Allow: []string{"api.example.com", "*.example.org", "10.0.0.0/8", "::1"}, Deny: []string{"10.0.0.0/33", "bad host!"}},
		Steps:  []workflow.Step{{ID: "hook", Type: "webhook", URL: rc.srv.URL, ResponseMap: map[string]string{"data.id": "", "..": "x"}}}}
	probs := workflow.Validate(def, workflow.Options{})
	var fields []string
	for _, p := range probs {
		fields = append(fields, p.Field)
	}
	if strings.Join(fields, ",") != "policy.deny,policy.deny,response_map,response_map" {
		t.Fatalf("problems %+v", probs)
	}
	if err := (action.Config{Deny: []string{"300.1.1.1/8"}}).Validate(); err == nil {
		t.Fatal("an invalid global policy passed Config.Validate")
	}
}
