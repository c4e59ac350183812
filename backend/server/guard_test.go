package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func send(t *testing.T, method, url, host string, headers map[string]string, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Real requests to a real `serve` stack: what a web page could send is refused and changes
// nothing; what the UI sends works; nothing secret reaches the log.
func TestBrowserAttacksAreRefusedOverHTTP(t *testing.T) {
	ctx := context.Background()
	logs := &syncBuffer{}
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0",
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	base := "http://" + s.Addr()
	event := `{"type": "form.submitted", "record": {"email": "victim@example.com", "properties": {"phone": "+31 6 1234 5678"}}}`
	jsonCT := map[string]string{"Content-Type": "application/json"}
	scenarios := []struct {
		name    string
		host    string
		headers map[string]string
		want    int
	}{
		{"DNS rebinding: a foreign Host", "attacker.example:" + strings.Split(s.Addr(), ":")[1], jsonCT, http.StatusForbidden},
		{"a cross-site page", "", map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"a form post from a page", "", map[string]string{"Content-Type": "text/plain", "Origin": "null"}, http.StatusForbidden},
		{"text/plain without an origin", "", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"no content type", "", nil, http.StatusUnsupportedMediaType},
	}
	for _, sc := range scenarios {
		if got := send(t, "POST", base+"/api/events", sc.host, sc.headers, event); got != sc.want {
			t.Errorf("%s: %d, want %d", sc.name, got, sc.want)
		}
	}
	if n, err := s.DB.CountEvents(ctx); err != nil || n != 0 {
		t.Fatalf("refused requests stored %d events (%v)", n, err)
	}
	// The UI's own calls (same origin, JSON) work.
	if got := send(t, "POST", base+"/api/events", "", map[string]string{"Content-Type": "application/json", "Origin": base, "Sec-Fetch-Site": "same-origin"}, event); got != http.StatusCreated {
		t.Fatalf("same-origin event: %d", got)
	}
	// A workflow with a signing secret: saved, served masked, and never logged.
	wf := `{"id": "signed", "name": "Signed", "object": "contact", "triggers": [{"type": "event", "event": "form.submitted"}],
		"start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in", "secret": "whsec_bG9nLXNlY3JldC1rZXk="}]}`
	if got := send(t, "POST", base+"/api/workflows", "", jsonCT, wf); got != http.StatusCreated {
		t.Fatalf("create workflow: %d", got)
	}
	send(t, "GET", base+"/api/workflows/signed", "", nil, "")
	send(t, "GET", base+"/api/records?email=victim@example.com", "", nil, "")
	out := logs.String()
	for _, secret := range []string{"whsec_bG9nLXNlY3JldC1rZXk=", "victim@example.com", "+31 6 1234 5678"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "request_id=") || !strings.Contains(out, "status=403") {
		t.Fatalf("the log lacks request lines:\n%s", out)
	}
}
