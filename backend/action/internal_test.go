package action

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPolicySetCheck(t *testing.T) {
	mk := func(allow, deny []string) destPolicy {
		p, err := parsePolicy(allow, deny)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	none := policySet{destPolicy{}}
	ip := netip.MustParseAddr
	cases := []struct {
		name string
		ps   policySet
		host string
		ip   netip.Addr
		ok   bool
	}{
		{"loopback allowed", none, "127.0.0.1", netip.Addr{}, true},
		{"metadata literal", none, "169.254.169.254", netip.Addr{}, false},
		{"name resolving to metadata", none, "metadata.google.internal", ip("169.254.169.254"), false},
		{"name before resolution", none, "metadata.google.internal", netip.Addr{}, true},
		{"aws ipv6 metadata", none, "fd00:ec2::254", netip.Addr{}, false},
		{"ipv4-mapped metadata", none, "x", ip("::ffff:169.254.169.254"), false},
		{"link-local v6", none, "x", ip("fe80::1"), false},
		{"metadata allowed by cidr", policySet{mk([]string{"169.254.169.254/32"}, nil)}, "169.254.169.254", netip.Addr{}, true},
		{"metadata not allowed by name", policySet{mk([]string{"metadata.google.internal"}, nil)}, "metadata.google.internal", ip("169.254.169.254"), false},
		{"deny name", policySet{mk(nil, []string{"Evil.example"})}, "evil.example.", netip.Addr{}, false},
		{"deny wildcard", policySet{mk(nil, []string{"*.evil.example"})}, "a.b.evil.example", netip.Addr{}, false},
		{"wildcard not apex", policySet{mk(nil, []string{"*.evil.example"})}, "evil.example", netip.Addr{}, true},
		{"deny cidr at dial", policySet{mk(nil, []string{"10.0.0.0/8"})}, "intranet", ip("10.1.2.3"), false},
		{"allow name", policySet{mk([]string{"api.example.com"}, nil)}, "api.example.com", ip("93.184.216.34"), true},
		{"allow name other host", policySet{mk([]string{"api.example.com"}, nil)}, "other.example.com", netip.Addr{}, false},
		{"allow cidr pending", policySet{mk([]string{"10.0.0.0/8"}, nil)}, "svc.local", netip.Addr{}, true},
		{"allow cidr miss at dial", policySet{mk([]string{"10.0.0.0/8"}, nil)}, "svc.local", ip("192.168.1.1"), false},
		{"global and workflow both apply", policySet{mk(nil, []string{"a.example"}), mk([]string{"b.example"}, nil)}, "a.example", netip.Addr{}, false},
		{"deny wins over allow", policySet{mk([]string{"127.0.0.0/8"}, []string{"127.0.0.1"})}, "127.0.0.1", netip.Addr{}, false},
	}
	for _, c := range cases {
		err := c.ps.check(c.host, c.ip)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		var pe *PolicyError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("%s: %T is not a PolicyError", c.name, err)
		}
	}
	if _, err := parsePolicy([]string{"10.0.0.0/33"}, nil); err == nil {
		t.Error("a bad CIDR parsed")
	}
	if policySet([]destPolicy{mk([]string{"a"}, nil)}).key() == policySet([]destPolicy{mk([]string{"b"}, nil)}).key() {
		t.Error("different policies share a client")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h    string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := retryAfter(c.h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", c.h, got, ok, c.want, c.ok)
		}
	}
	if timeoutOf("") != DefaultTimeout || timeoutOf("5m") != MaxTimeout || timeoutOf("2s") != 2*time.Second || timeoutOf("junk") != DefaultTimeout {
		t.Error("timeout defaults and cap")
	}
}

// TestSignHeadersVector checks the signer against the Standard Webhooks reference test vector.
func TestSignHeadersVector(t *testing.T) {
	key, err := secretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	h := signHeaders(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if h[HeaderSignature] != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" || h[HeaderTimestamp] != "1614265330" || h[HeaderID] != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Fatalf("headers %v", h)
	}
	for _, bad := range []string{"whsec_", "whsec_***", ""} {
		if _, err := secretKey(bad); err == nil || strings.Contains(err.Error(), "***") {
			t.Errorf("secret %q: %v", bad, err)
		}
	}
}

func TestRenderJSON(t *testing.T) {
	sc := tokenScope{recordType: "deal", record: map[string]any{"amount": 10.5, "name": `A "big" one`, "meta": map[string]any{"k": []any{1.0, "x"}}},
		recordID: 9, fixed: map[string]map[string]any{"enrollment": {"id": int64(4)}}}
	for _, c := range []struct{ tmpl, want string }{
		{`{"a": {{deal.amount}}, "n": "{{record.name}}"}`, `{"a": 10.5, "n": "A \"big\" one"}`},
		{`{"m": {{record.meta}}, "s": "{{record.meta}}"}`, `{"m": {"k":[1,"x"]}, "s": "{\"k\":[1,\"x\"]}"}`},
		{`{"k0": {{record.meta.k.0}}, "id": {{record.id}}, "t": "{{record.type}}"}`, `{"k0": 1, "id": 9, "t": "deal"}`},
		{`{"e": {{event.x}}, "es": "[{{event.x}}]", "d": {{event.x | default 3}}}`, `{"e": null, "es": "[]", "d": 3}`},
		{`{"esc": "\"{{enrollment.id}}\\"}`, `{"esc": "\"4\\"}`},
		{`["{{record.name | default \"x\"}}"]`, `["A \"big\" one"]`},
	} {
		got, err := renderJSON(c.tmpl, sc)
		if err != nil || string(got) != c.want {
			t.Errorf("render %s\n got %s (%v)\nwant %s", c.tmpl, got, err, c.want)
		}
	}
	for _, c := range []struct{ tmpl, want string }{
		{`{"a": {{contact.email}}}`, "this workflow works on deal records"},
		{`{"a": {{enrollment.nope}}}`, `enrollment has no field "nope"`},
		{`{"a": {{nope}}}`, "unknown token {{nope}}"},
		{`{"a": {{record.x | upper}}}`, "only `default <value>`"},
		{`{"a": {{record.x}`, "never closed"},
		{`{"a": {{record.name}} }x`, "not valid JSON"},
		{`{"a": "{{record.amount}}}`, "not valid JSON"},
	} {
		_, err := renderJSON(c.tmpl, sc)
		var te *TemplateError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("render %s: %v, want an error with %q", c.tmpl, err, c.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", SnippetLimit-1) + "é" + "tail"
	if s := snippet([]byte(long)); len(s) != SnippetLimit-1 || strings.ContainsRune(s, '\uFFFD') {
		t.Fatalf("snippet cut a rune: %d bytes", len(s))
	}
	if s := snippet([]byte("\xff\xfe ok")); !strings.HasSuffix(s, " ok") {
		t.Fatalf("invalid UTF-8: %q", s)
	}
	if redactURL("https://u:pw@example.com/x?y=1") != "https://u:xxxxx@example.com/x?y=1" {
		t.Fatal(redactURL("https://u:pw@example.com/x?y=1"))
	}
}
