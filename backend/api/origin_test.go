package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAllowedHosts(t *testing.T) {
	got := strings.Join(AllowedHosts("127.0.0.1:8787"), " ")
	want := "127.0.0.1:8787 localhost:8787 127.0.0.1:8787 [::1]:8787"
	if got != want {
		t.Fatalf("AllowedHosts(127.0.0.1:8787) = %q, want %q", got, want)
	}
	if got := AllowedHosts("192.168.1.5:80"); strings.Join(got, " ") != "192.168.1.5:80 192.168.1.5" {
		t.Fatalf("AllowedHosts(192.168.1.5:80) = %q", got)
	}
	for _, wildcard := range []string{"0.0.0.0:8787", "[::]:8787"} {
		if got := AllowedHosts(wildcard); got != nil {
			t.Fatalf("AllowedHosts(%s) = %q, want none (any host; the token guards)", wildcard, got)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	s := &Server{allowedHosts: AllowedHosts("127.0.0.1:8787")}
	scenarios := []struct {
		name    string
		method  string
		path    string
		host    string
		headers map[string]string
		want    string // error code, "" when allowed
	}{
		{"same host, no origin", "GET", "/api/workflows", "127.0.0.1:8787", nil, ""},
		{"localhost alias", "POST", "/api/events", "localhost:8787", map[string]string{"Origin": "http://localhost:8787"}, ""},
		{"same origin fetch", "POST", "/api/events", "127.0.0.1:8787", map[string]string{"Origin": "http://127.0.0.1:8787", "Sec-Fetch-Site": "same-origin"}, ""},
		{"dns rebinding", "GET", "/api/records", "attacker.example:8787", nil, "forbidden_host"},
		{"other port", "GET", "/api/records", "127.0.0.1:9999", nil, "forbidden_host"},
		{"cross-site origin", "POST", "/api/events", "127.0.0.1:8787", map[string]string{"Origin": "https://evil.example"}, "cross_site"},
		{"null origin", "POST", "/api/workflows/x/enable", "127.0.0.1:8787", map[string]string{"Origin": "null"}, "cross_site"},
		{"sec-fetch-site cross-site", "POST", "/api/workflows/x/enable", "127.0.0.1:8787", map[string]string{"Sec-Fetch-Site": "cross-site"}, "cross_site"},
		{"preflight", "OPTIONS", "/api/events", "127.0.0.1:8787", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, "cors_refused"},
		{"hooks are not guarded here", "POST", "/hooks/abc", "example.com", map[string]string{"Origin": "https://evil.example"}, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := httptest.NewRequest(sc.method, "http://"+sc.host+sc.path, nil)
			r.Host = sc.host
			for k, v := range sc.headers {
				r.Header.Set(k, v)
			}
			err := s.checkOrigin(r)
			switch {
			case sc.want == "" && err != nil:
				t.Fatalf("refused with %s: %s", err.Code, err.Message)
			case sc.want != "" && err == nil:
				t.Fatalf("allowed, want %s", sc.want)
			case sc.want != "" && (err.Code != sc.want || err.Status != http.StatusForbidden):
				t.Fatalf("got %d %s, want 403 %s", err.Status, err.Code, sc.want)
			}
		})
	}
	open := &Server{} // desktop asset server: no host list
	r := httptest.NewRequest("GET", "http://wails.localhost/api/workflows", nil)
	if err := open.checkOrigin(r); err != nil {
		t.Fatalf("desktop handler refused: %v", err)
	}
}
