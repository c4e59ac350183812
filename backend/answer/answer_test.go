package answer

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestJSON(t *testing.T) {
	w := httptest.NewRecorder()
	JSON(w, http.StatusCreated, map[string]string{"url": "http://x/?a=1&b=<2>"})
	if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	if got, want := w.Body.String(), `{"url":"http://x/?a=1&b=<2>"}`+"\n"; got != want {
		t.Fatalf("body %q, want %q (no HTML escaping)", got, want)
	}
}

func TestError(t *testing.T) {
	cases := []struct {
		details any
		want    string
	}{
		{nil, `{"error":{"code":"not_found","message":"no such thing"}}` + "\n"},
		{map[string]string{"field": "email"}, `{"error":{"code":"not_found","message":"no such thing","details":{"field":"email"}}}` + "\n"},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		Error(w, http.StatusNotFound, "not_found", "no such thing", c.details)
		if w.Code != http.StatusNotFound || w.Body.String() != c.want {
			t.Errorf("details %v: %d %q, want 404 %q", c.details, w.Code, w.Body.String(), c.want)
		}
	}
}
