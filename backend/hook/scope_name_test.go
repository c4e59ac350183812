package hook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestScopeNameFromRealPayloads names the scopes of the committed sample payloads (the event's
// data is the payload) as the trigger panel's pickers show them.
func TestScopeNameFromRealPayloads(t *testing.T) {
	for _, c := range []struct{ file, key, value, want string }{
		{"webinargeek/webinar.viewer.json", "webinar", "54072", "Email marketing that converts"},
		{"webinargeek/webinar.viewer.json", "broadcast", "881200", ""}, // a broadcast has no title
		{"systemeio/contact.optin.completed.funnel-step.json", "funnel", "614554", "webhook data structure documentation"},
		{"systemeio/contact.optin.completed.funnel-step.json", "funnel_step", "2102831", "Squeeze page"},
		{"systemeio/contact.optin.completed.funnel-step.json", "funnel", "1", ""},
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "payloads", c.file))
		if err != nil {
			t.Fatal(err)
		}
		var data map[string]any
		if err := json.Unmarshal(b, &data); err != nil {
			t.Fatal(err)
		}
		if got := ScopeName(c.key, c.value, data); got != c.want {
			t.Errorf("%s %s=%s: %q, want %q", c.file, c.key, c.value, got, c.want)
		}
	}
}

// TestScopeNamePrefersTheScopesOwnKey: a webinar and a broadcast with the same id are told
// apart by the key that holds them; a payload nested deeper than any preset's is not walked.
func TestScopeNamePrefersTheScopesOwnKey(t *testing.T) {
	data := map[string]any{
		"broadcast": map[string]any{"id": float64(5), "title": "The broadcast"},
		"webinar":   map[string]any{"id": "5", "name": "The webinar"},
	}
	if got := ScopeName("webinar", "5", data); got != "The webinar" {
		t.Errorf("webinar 5: %q", got)
	}
	if got := ScopeName("broadcast", "5", data); got != "The broadcast" {
		t.Errorf("broadcast 5: %q", got)
	}
	if got := ScopeName("course", "5", data); got != "The broadcast" { // no course: the first by key order
		t.Errorf("course 5: %q", got)
	}
	deep := map[string]any{"id": "9", "name": "deep"}
	for range 10 {
		deep = map[string]any{"x": deep}
	}
	if got := ScopeName("x", "9", deep); got != "" {
		t.Errorf("ten levels down: %q, want no name", got)
	}
}
