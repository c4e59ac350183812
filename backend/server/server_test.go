package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func get(t *testing.T, url, host, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestStartOnLoopbackServesAPIAndHooks(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0", Demo: true, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	status, body := get(t, "http://"+s.Addr()+"/api/workflows", "", "")
	if status != 200 || strings.Count(body, `"id"`) < 3 {
		t.Fatalf("GET /api/workflows: %d %s", status, body)
	}
	if status, _ := get(t, "http://"+s.Addr()+"/hooks/nope", "", ""); status != http.StatusMethodNotAllowed && status != http.StatusNotFound {
		t.Fatalf("the webhook listener is not mounted: GET /hooks/nope = %d", status)
	}
	if s.HooksURL() != "http://"+s.Addr() {
		t.Fatalf("hooks URL %q", s.HooksURL())
	}
}

func TestStartBeyondLoopbackNeedsAToken(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	_, err := Start(ctx, Config{DBPath: path, Addr: "0.0.0.0:0", Log: quietLog()})
	if !errors.Is(err, ErrNeedsToken) || !strings.Contains(err.Error(), "flowdesk token create") {
		t.Fatalf("start on 0.0.0.0 without a token: %v", err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("the refused start left the database locked: %v", err)
	}
	if err := db.Write(ctx, func(tx store.Tx) error { _, err := tx.AddAPIToken("test", "fdt_secret", time.Now()); return err }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Start(ctx, Config{DBPath: path, Addr: "0.0.0.0:0", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	port := s.Addr()[strings.LastIndex(s.Addr(), ":"):]
	url := "http://127.0.0.1" + port + "/api/health"
	if status, _ := get(t, url, "office-pc"+port, ""); status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", status)
	}
	if status, _ := get(t, url, "office-pc"+port, "fdt_wrong"); status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", status)
	}
	status, body := get(t, url, "office-pc"+port, "fdt_secret")
	if status != 200 || !strings.Contains(body, `"exposed":true`) {
		t.Fatalf("right token: %d %s", status, body)
	}
}
