package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// post sends a JSON body to the running server and decodes the answer.
func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	res, err := (&http.Client{Timeout: 10 * time.Second}).Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// A workflow cannot be turned against Flowdesk's own API: a webhook to the API's address, to
// 0.0.0.0 or [::] on its port, or a receiver's 307 into /api/events is refused before any
// request reaches the API, and the delivery log says why. Real serve stack, real clock.
func TestWebhookToFlowdeskItselfIsRefused(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	api := "http://" + s.Addr()
	port := s.Addr()[strings.LastIndex(s.Addr(), ":")+1:]
	redirects := 0
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirects++
		http.Redirect(w, r, api+"/api/events", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()

	for i, target := range []string{api + "/api/events", "http://0.0.0.0:" + port + "/api/events", "http://[::]:" + port + "/api/events",
		"http://localhost:" + port + "/api/events", redirector.URL + "/in"} {
		id := fmt.Sprintf("self-%d", i)
		evil := fmt.Sprintf("evil%d@example.com", i)
		tmpl, _ := json.Marshal(fmt.Sprintf(`{"type": "pwned", "record": {"type": "contact", "email": %q}}`, evil))
		def := fmt.Sprintf(`{"id": %q, "name": "Self %d", "object": "contact",
			"triggers": [{"type": "event", "event": "go.%d"}], "start": "hook",
			"steps": [{"id": "hook", "type": "webhook", "url": %q, "template": %s}]}`, id, i, i, target, tmpl)
		if status, body := post(t, api+"/api/workflows", def); status != http.StatusCreated {
			t.Fatalf("%s: create: %d %s", target, status, body)
		}
		if status, body := post(t, api+"/api/workflows/"+id+"/enable", "{}"); status != http.StatusOK {
			t.Fatalf("%s: enable: %d %s", target, status, body)
		}
		if status, body := post(t, api+"/api/events", fmt.Sprintf(`{"type": "go.%d", "record": {"type": "contact", "email": "ann@example.com"}}`, i)); status != http.StatusCreated {
			t.Fatalf("%s: event: %d %s", target, status, body)
		}
		var got struct {
			Deliveries []struct {
				Outcome, Error, Target string
			} `json:"deliveries"`
		}
		deadline := time.Now().Add(15 * time.Second)
		for len(got.Deliveries) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no delivery logged", target)
			}
			time.Sleep(20 * time.Millisecond)
			_, body := get(t, api+"/api/deliveries?workflow="+id, "", "")
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("deliveries: %v %s", err, body)
			}
		}
		d := got.Deliveries[0]
		if d.Outcome != "failed" || !strings.Contains(d.Error, "Flowdesk's own address") {
			t.Errorf("%s: delivery %+v, want a refusal naming Flowdesk's own address", target, d)
		}
		if _, body := get(t, api+"/api/records?email="+evil, "", ""); strings.Contains(body, evil) {
			t.Errorf("%s: the call reached Flowdesk's API and created %s: %s", target, evil, body)
		}
	}
	if redirects != 1 {
		t.Fatalf("the redirector got %d requests, want 1", redirects)
	}
}
