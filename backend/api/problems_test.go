package api_test

import (
	"net/http"
	"testing"
)

// TestEvery422HasOneShape sends bad input of each kind and checks every answer is the one
// problem shape: a code for the kind, and details.problems listing each problem with its field
// and message (details.field names the first); nothing is stored. (A workflow's 422,
// invalid_workflow, has the same shape: see TestBadWorkflowInput.)
func TestEvery422HasOneShape(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, url, body, code string
		fields                        []string // the fields the problems must name, in order
	}{
		{"a bad event", http.MethodPost, "/api/events", `{"type": "", "record": {"type": "contact", "email": "ann@example.com"}}`,
			"invalid_input", []string{"type"}},
		{"a bad property declaration", http.MethodPost, "/api/properties", `{"object": "nope", "name": "9x", "type": "colour"}`,
			"invalid_input", []string{"object", "name", "type"}},
		{"bad settings", http.MethodPut, "/api/settings", `{"smtp": {"host": "a b", "port": 70000, "from": "x"}}`,
			"invalid_settings", []string{"smtp.host", "smtp.port", "smtp.from"}},
		{"a bad webhook endpoint", http.MethodPost, "/api/hooks", `{"name": "", "auth": "magic"}`,
			"invalid_hook", nil},
	}
	before := e.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.request(tc.method, tc.url, tc.body, nil)
			if res.status != http.StatusUnprocessableEntity || res.errorCode() != tc.code {
				t.Fatalf("status %d code %q, want 422 %s\n%s", res.status, res.errorCode(), tc.code, res.body)
			}
			details, _ := res.json(t)["error"].(map[string]any)["details"].(map[string]any)
			probs, _ := details["problems"].([]any)
			if len(probs) == 0 {
				t.Fatalf("no details.problems: %s", res.body)
			}
			var got []string
			for _, p := range probs {
				m, _ := p.(map[string]any)
				if msg, _ := m["message"].(string); msg == "" || m["severity"] != "error" {
					t.Fatalf("problem without a message or severity: %v", m)
				}
				f, _ := m["field"].(string)
				got = append(got, f)
			}
			for i, f := range tc.fields {
				if i >= len(got) || got[i] != f {
					t.Fatalf("problem fields %q, want %q first", got, tc.fields)
				}
			}
			if len(tc.fields) > 0 && details["field"] != tc.fields[0] {
				t.Fatalf("details.field %v, want %q", details["field"], tc.fields[0])
			}
		})
	}
	if after := e.counts(); after != before {
		t.Fatalf("bad input changed rows: %+v -> %+v", before, after)
	}
}
