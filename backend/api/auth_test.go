package api

import (
	"net/http/httptest"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

func TestCheckToken(t *testing.T) {
	s := &Server{tokenHashes: []string{store.HashToken("fdt_right")}}
	scenarios := []struct {
		name, path, auth string
		ok               bool
	}{
		{"no header", "/api/workflows", "", false},
		{"wrong scheme", "/api/workflows", "Basic fdt_right", false},
		{"wrong token", "/api/workflows", "Bearer fdt_wrong", false},
		{"empty token", "/api/workflows", "Bearer ", false},
		{"right token", "/api/workflows", "Bearer fdt_right", true},
		{"hooks have their own auth", "/hooks/abc", "", true},
		{"the UI's files are public", "/index.html", "", true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", sc.path, nil)
			if sc.auth != "" {
				r.Header.Set("Authorization", sc.auth)
			}
			err := s.checkToken(r)
			if (err == nil) != sc.ok {
				t.Fatalf("checkToken = %v, want ok=%v", err, sc.ok)
			}
			if err != nil && (err.Status != 401 || err.Code != "unauthorized") {
				t.Fatalf("got %d %s", err.Status, err.Code)
			}
		})
	}
	if err := (&Server{}).checkToken(httptest.NewRequest("GET", "/api/workflows", nil)); err != nil {
		t.Fatalf("a loopback server without tokens refused: %v", err)
	}
}
