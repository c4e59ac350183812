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
	set := func(ps ...destPolicy) policySet { return policySet{lists: ps} }
	none := set(destPolicy{})
	noLoop := set(destPolicy{noLoopback: true})
	denyLocal := set(mk(nil, []string{"127.0.0.0/8", "::1", "localhost"}))
	self := policySet{lists: []destPolicy{{}}, self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8787")}}
	selfAny := policySet{lists: []destPolicy{{}}, self: []netip.AddrPort{netip.MustParseAddrPort("[::]:8788")}}
	ip := netip.MustParseAddr
	cases := []struct {
		name string
		ps   policySet
		host string
		port uint16
		ip   netip.Addr
		ok   bool
	}{
		{"loopback allowed", none, "127.0.0.1", 80, netip.Addr{}, true},
		{"metadata literal", none, "169.254.169.254", 80, netip.Addr{}, false},
		{"name resolving to metadata", none, "example.net", 80, ip("169.254.169.254"), false},
		{"metadata name before resolution", none, "metadata.google.internal", 80, netip.Addr{}, false},
		{"aws ipv6 metadata", none, "fd00:ec2::254", 80, netip.Addr{}, false},
		{"gcp ipv6 metadata", none, "fd20:ce::254", 80, netip.Addr{}, false},
		{"alibaba metadata", none, "100.100.100.200", 80, netip.Addr{}, false},
		{"azure wireserver", none, "168.63.129.16", 80, netip.Addr{}, false},
		{"oracle metadata", none, "192.0.0.192", 80, netip.Addr{}, false},
		{"ipv4-mapped metadata", none, "x", 80, ip("::ffff:169.254.169.254"), false},
		{"link-local v6", none, "x", 80, ip("fe80::1"), false},
		{"metadata allowed by cidr", set(mk([]string{"169.254.169.254/32"}, nil)), "169.254.169.254", 80, netip.Addr{}, true},
		{"metadata name pending an allowed ip", set(mk([]string{"169.254.169.254"}, nil)), "metadata.google.internal", 80, netip.Addr{}, true},
		{"metadata not allowed by name", set(mk([]string{"metadata.google.internal"}, nil)), "metadata.google.internal", 80, ip("169.254.169.254"), false},
		{"deny name", set(mk(nil, []string{"Evil.example"})), "evil.example.", 80, netip.Addr{}, false},
		{"deny wildcard", set(mk(nil, []string{"*.evil.example"})), "a.b.evil.example", 80, netip.Addr{}, false},
		{"wildcard not apex", set(mk(nil, []string{"*.evil.example"})), "evil.example", 80, netip.Addr{}, true},
		{"deny cidr at dial", set(mk(nil, []string{"10.0.0.0/8"})), "intranet", 80, ip("10.1.2.3"), false},
		{"allow name", set(mk([]string{"api.example.com"}, nil)), "api.example.com", 443, ip("93.184.216.34"), true},
		{"allow name other host", set(mk([]string{"api.example.com"}, nil)), "other.example.com", 443, netip.Addr{}, false},
		{"allow cidr pending", set(mk([]string{"10.0.0.0/8"}, nil)), "svc.local", 80, netip.Addr{}, true},
		{"allow cidr miss at dial", set(mk([]string{"10.0.0.0/8"}, nil)), "svc.local", 80, ip("192.168.1.1"), false},
		{"global and workflow both apply", set(mk(nil, []string{"a.example"}), mk([]string{"b.example"}, nil)), "a.example", 80, netip.Addr{}, false},
		{"deny wins over allow", set(mk([]string{"127.0.0.0/8"}, []string{"127.0.0.1"})), "127.0.0.1", 80, netip.Addr{}, false},
		// 0.0.0.0 and :: reach this machine: a deny of the loopback addresses covers them.
		{"deny loopback: 0.0.0.0", denyLocal, "0.0.0.0", 80, netip.Addr{}, false},
		{"deny loopback: 0.1.2.3", denyLocal, "0.1.2.3", 80, netip.Addr{}, false},
		{"deny loopback: [::]", denyLocal, "::", 80, netip.Addr{}, false},
		{"deny loopback: mapped 0.0.0.0", denyLocal, "::ffff:0.0.0.0", 80, netip.Addr{}, false},
		{"deny loopback: name to 0.0.0.0", denyLocal, "zero.example", 80, ip("0.0.0.0"), false},
		{"deny localhost by name covers its addresses", set(mk(nil, []string{"localhost"})), "127.0.0.1", 80, netip.Addr{}, false},
		{"deny loopback: other address", denyLocal, "10.0.0.1", 80, netip.Addr{}, true},
		{"allow 127.0.0.1 admits 0.0.0.0", set(mk([]string{"127.0.0.1"}, nil)), "0.0.0.0", 80, netip.Addr{}, true},
		{"loopback false: 127.0.0.1", noLoop, "127.0.0.1", 80, netip.Addr{}, false},
		{"loopback false: 127.9.9.9", noLoop, "x", 80, ip("127.9.9.9"), false},
		{"loopback false: ::1", noLoop, "::1", 80, netip.Addr{}, false},
		{"loopback false: 0.0.0.0", noLoop, "0.0.0.0", 80, netip.Addr{}, false},
		{"loopback false: ::", noLoop, "::", 80, netip.Addr{}, false},
		{"loopback false: localhost before resolution", noLoop, "localhost", 80, netip.Addr{}, false},
		{"loopback false: app.localhost", noLoop, "app.localhost", 80, netip.Addr{}, false},
		{"loopback false: elsewhere", noLoop, "api.example.com", 443, ip("93.184.216.34"), true},
		{"self", self, "127.0.0.1", 8787, netip.Addr{}, false},
		{"self by name", self, "localhost", 8787, ip("127.0.0.1"), false},
		{"self via 0.0.0.0", self, "0.0.0.0", 8787, netip.Addr{}, false},
		{"self via [::]", self, "::", 8787, netip.Addr{}, false},
		{"self: another port", self, "127.0.0.1", 8786, netip.Addr{}, true},
		{"self even when allowed", policySet{lists: []destPolicy{mk([]string{"127.0.0.1"}, nil)}, self: self.self}, "127.0.0.1", 8787, netip.Addr{}, false},
		{"self on [::]: loopback", selfAny, "127.0.0.1", 8788, netip.Addr{}, false},
		{"self on [::]: ::1", selfAny, "::1", 8788, netip.Addr{}, false},
	}
	for _, c := range cases {
		err := c.ps.check(c.host, c.port, c.ip)
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
	if set(mk([]string{"a"}, nil)).key() == set(mk([]string{"b"}, nil)).key() || none.key() == noLoop.key() || none.key() == self.key() {
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
}
