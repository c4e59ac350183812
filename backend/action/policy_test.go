package action_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
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
		"http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/latest/meta-data/", "http://168.63.129.16/",
		"http://192.0.0.192/opc/v1/", "http://[fd20:ce::254]/", "http://metadata.google.internal/computeMetadata/v1/", "http://metadata/"} {
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

// listenV6 serves h on [::1] (the IPv6 loopback), or falls back to IPv4 (fallback, or h on
// 127.0.0.1) when this machine has no IPv6 loopback: the refusals are asserted either way.
func listenV6(t *testing.T, h http.Handler, fallback *httptest.Server) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Logf("no IPv6 loopback (%v); the [::] rows use IPv4", err)
		if fallback == nil {
			fallback = httptest.NewServer(h)
			t.Cleanup(fallback.Close)
		}
		return fallback
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func portOf(srv *httptest.Server) string { return srv.URL[strings.LastIndex(srv.URL, ":")+1:] }

// Every way around a loopback deny, "loopback": false and the metadata list is refused, and the
// delivery log (and history) says why: 0.0.0.0 and [::] directly and by redirect, localhost, and
// the cloud metadata addresses, those without any network attempt.
func TestPolicyBypassesRefusedInTheDeliveryLog(t *testing.T) {
	var hits sync.Map // path -> count, for every receiver and redirector below
	hit := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := hits.LoadOrStore(name, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		})
	}
	count := func(name string) int64 {
		if n, ok := hits.Load(name); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	v4 := httptest.NewServer(hit("v4"))
	t.Cleanup(v4.Close)
	v6 := listenV6(t, hit("v6"), v4)
	redirect := func(name, to string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hit(name).ServeHTTP(httptest.NewRecorder(), r)
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		})
	}
	// A redirector on ::1 into 0.0.0.0 (reaching the IPv4 receiver), and one on 127.0.0.1 into [::]
	// (reaching the IPv6 one): each redirector is itself allowed by the policy of its row.
	toZero := listenV6(t, redirect("to-zero", "http://0.0.0.0:"+portOf(v4)+"/in"), nil)
	toAny := httptest.NewServer(redirect("to-any", "http://[::]:"+portOf(v6)+"/in"))
	t.Cleanup(toAny.Close)
	toMeta := httptest.NewServer(redirect("to-meta", "http://100.100.100.200/latest/meta-data/"))
	t.Cleanup(toMeta.Close)

	denyLoop := `{"deny": ["127.0.0.0/8", "::1", "localhost"]}`
	noLoop := `{"loopback": false}`
	cases := []struct {
		name, policy, url, want string
		offline                 bool // refused before any connection: no latency at all
	}{
		{"0.0.0.0, loopback denied", denyLoop, "http://0.0.0.0:" + portOf(v4) + "/in", "deny list", false},
		{"[::], loopback denied", denyLoop, "http://[::]:" + portOf(v6) + "/in", "deny list", false},
		{"redirect to 0.0.0.0, 127.0.0.0/8 denied", `{"deny": ["127.0.0.0/8"]}`, toZero.URL + "/start", "deny list", false},
		{"redirect to [::], ::1 denied", `{"deny": ["::1"]}`, toAny.URL + "/start", "deny list", false},
		{"loopback false: 127.0.0.1", noLoop, v4.URL + "/in", `"loopback": false`, true},
		{"loopback false: localhost", noLoop, "http://localhost:" + portOf(v4) + "/in", `"loopback": false`, true},
		{"loopback false: 0.0.0.0", noLoop, "http://0.0.0.0:" + portOf(v4) + "/in", `"loopback": false`, true},
		{"loopback false: [::]", noLoop, "http://[::]:" + portOf(v6) + "/in", `"loopback": false`, true},
		{"loopback false: [::1]", noLoop, "http://[::1]:" + portOf(v6) + "/in", `"loopback": false`, true},
		{"redirect to Alibaba metadata", `{}`, toMeta.URL + "/start", "cloud metadata", false},
		{"AWS/GCP/Azure metadata", `{}`, "http://169.254.169.254/latest/meta-data/", "cloud metadata", true},
		{"AWS IPv6 metadata", `{}`, "http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata", true},
		{"GCP metadata name", `{}`, "http://metadata.google.internal/computeMetadata/v1/", "cloud metadata", true},
		{"GCP IPv6 metadata", `{}`, "http://[fd20:ce::254]/computeMetadata/v1/", "cloud metadata", true},
		{"Alibaba metadata", `{}`, "http://100.100.100.200/latest/meta-data/", "cloud metadata", true},
		{"Azure WireServer", `{}`, "http://168.63.129.16/machine?comp=goalstate", "cloud metadata", true},
		{"Oracle metadata", `{}`, "http://192.0.0.192/opc/v1/instance/", "cloud metadata", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t, action.Config{}, engine.RetryPolicy{MaxTries: 3, Base: time.Second, Max: time.Second})
			s.deploy(wfPolicy(c.policy, fmt.Sprintf(`"url": %q`, c.url)))
			enr := s.event("sale.completed", "ann@example.com", nil, nil)
			s.run()
			atts := s.attempts(enr)
			if len(atts) != 1 || atts[0].Outcome != store.AttemptFailed || atts[0].StatusCode != 0 || !strings.Contains(atts[0].Error, c.want) ||
				!strings.Contains(atts[0].Error, "is not allowed") {
				t.Fatalf("attempts %+v, want one failure saying %q", atts, c.want)
			}
			if c.offline && atts[0].LatencyMS != 0 {
				t.Fatalf("refused after %d ms: it tried the network", atts[0].LatencyMS)
			}
			if tr := s.trail(enr); !reflect.DeepEqual(tr, []string{"enrolled", "hook:failed", "done:ok", "completed"}) {
				t.Fatalf("trail %v", tr)
			}
		})
	}
	if count("v4")+count("v6") != 0 {
		t.Fatalf("a refused destination was reached: v4 %d, v6 %d", count("v4"), count("v6"))
	}
	if count("to-zero") != 1 || count("to-any") != 1 || count("to-meta") != 1 {
		t.Fatalf("redirectors got %d, %d, %d requests, want 1 each", count("to-zero"), count("to-any"), count("to-meta"))
	}
}

// A redirect to another origin (port, host or scheme) drops credentials and custom headers; a
// redirect within the origin keeps them.
func TestPolicyRedirectToAnotherOriginDropsCredentials(t *testing.T) {
	type seen struct {
		header http.Header
		user   string
	}
	var mu sync.Mutex
	got := map[string]seen{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			user, _, _ := r.BasicAuth()
			mu.Lock()
			got[name] = seen{r.Header.Clone(), user}
			mu.Unlock()
		}
	}
	other := httptest.NewServer(record("other-port"))
	t.Cleanup(other.Close)
	var home *httptest.Server
	home = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/landed", http.StatusTemporaryRedirect)
		case "/port":
			http.Redirect(w, r, other.URL+"/landed", http.StatusTemporaryRedirect)
		case "/host":
			http.Redirect(w, r, strings.Replace(home.URL, "127.0.0.1", "localhost", 1)+"/host-landed", http.StatusTemporaryRedirect)
		case "/landed":
			record("same-origin")(w, r)
		case "/host-landed":
			record("other-host")(w, r)
		}
	}))
	t.Cleanup(home.Close)
	creds := map[string]string{"Authorization": "Bearer tok-1", "X-Api-Key": "k-2", "X-Pass": "p-3", "X-Plain": "plain-4"}
	base := strings.Replace(home.URL, "http://", "http://bob:pw@", 1)
	for _, c := range []struct {
		path, landed string
		keep         bool
	}{{"/same", "same-origin", true}, {"/port", "other-port", false}, {"/host", "other-host", false}} {
		res := runOnce(t, action.Config{}, base+c.path, nil, func(s *workflow.Step) { s.Headers = creds })
		if res.Outcome != store.AttemptOK {
			t.Fatalf("%s: %s %q", c.path, res.Outcome, res.Error)
		}
		mu.Lock()
		g, ok := got[c.landed]
		mu.Unlock()
		if !ok {
			t.Fatalf("%s: the redirect target got nothing", c.path)
		}
		if g.header.Get("webhook-id") != "fd_test" || g.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Flowdesk's own headers lost: %v", c.path, g.header)
		}
		for k, v := range creds {
			if kept := g.header.Get(k) == v; kept != c.keep {
				t.Errorf("%s: header %s kept=%v, want %v", c.path, k, kept, c.keep)
			}
		}
		if (g.user == "bob") != c.keep && c.path != "/same" {
			t.Errorf("%s: user info %q carried across origins", c.path, g.user)
		}
	}
}
