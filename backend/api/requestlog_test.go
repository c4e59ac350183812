package api_test

import "testing"

func TestRequestIDHeader(t *testing.T) {
	e := newEnv(t)
	res := e.request("GET", "/api/health", "", nil)
	first := res.header.Get("X-Request-Id")
	if len(first) != 16 {
		t.Fatalf("X-Request-Id %q, want 16 hex digits", first)
	}
	if again := e.request("GET", "/api/health", "", nil).header.Get("X-Request-Id"); again == first {
		t.Fatalf("two requests share the id %q", first)
	}
}
