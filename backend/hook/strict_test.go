package hook

import (
	"net/http"
	"testing"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// A strict endpoint's refusal of a property nobody declared is logged with its own code and the
// field it names, apart from the words, so the Webhooks screen can offer to declare it; a value
// that does not convert is another code. Once the property is declared the same delivery applies.
func TestStrictRefusalNamesTheProperty(t *testing.T) {
	e := newEnv(t)
	if _, err := e.eng.CreateProperty(e.ctx, store.Property{Object: "contact", Name: "age", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	ep := e.create(Config{Name: "strict", Auth: AuthNone, Event: EventSpec{Type: "signup"}, Strict: true,
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "age", Property: "age", Type: TypeNumber}, {Path: "plan.seats", Property: "seats"}}})
	body := []byte(`{"email": "ann@example.com", "age": 41, "plan": {"seats": 12}}`)

	before := e.counts()
	r := e.post(ep.Key, body, nil)
	if r.status != http.StatusUnprocessableEntity || r.code() != problem.CodeUndeclared {
		t.Fatalf("strict delivery: %d %s, want 422 %s", r.status, r.raw, problem.CodeUndeclared)
	}
	if d, _ := r.body["error"].(map[string]any)["details"].(map[string]any); d["field"] != "record.properties.seats" {
		t.Fatalf("details %v, want field record.properties.seats", d)
	}
	after := e.counts()
	if after.records != before.records || after.events != before.events || after.requests != before.requests+1 {
		t.Fatalf("a refused delivery wrote %+v -> %+v; want only its log line", before, after)
	}
	if _, ok := e.eng.Property("contact", "seats"); ok {
		t.Fatal("the refusal declared the property")
	}
	reqs, err := e.l.Requests(e.ctx, ep.ID, 0, 10)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests %v %v", reqs, err)
	}
	if q := reqs[0]; q.Outcome != OutcomeRejected || q.ErrorCode != problem.CodeUndeclared || q.ErrorField != "record.properties.seats" || q.Error == "" || string(q.Body) != string(body) {
		t.Fatalf("logged refusal %+v, want code %s and field record.properties.seats with the text and body", q.HookRequest, problem.CodeUndeclared)
	}

	// A declared property's value that does not convert is not "undeclared".
	if r := e.post(ep.Key, []byte(`{"email": "ann@example.com", "age": "old", "plan": {"seats": 12}}`), nil); r.status != http.StatusUnprocessableEntity || r.code() != "mapping_failed" {
		t.Fatalf("a bad number: %d %s", r.status, r.raw)
	}
	reqs, _ = e.l.Requests(e.ctx, ep.ID, 0, 1)
	if q := reqs[0]; q.ErrorCode != "mapping_failed" || q.ErrorField != "age" {
		t.Fatalf("logged conversion refusal: code %q field %q, want mapping_failed on age", q.ErrorCode, q.ErrorField)
	}

	// Declared (as the screen's "Declare seats" does), the same delivery applies; its line has no refusal.
	if _, err := e.eng.CreateProperty(e.ctx, store.Property{Object: "contact", Name: "seats", Label: "Seats", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	if r := e.post(ep.Key, body, nil); r.status != http.StatusCreated || r.outcome() != OutcomeApplied {
		t.Fatalf("after declaring: %d %s", r.status, r.raw)
	}
	if got := e.record("ann@example.com").Properties["seats"]; got != float64(12) && got != int64(12) {
		t.Fatalf("seats = %#v, want 12", got)
	}
	reqs, _ = e.l.Requests(e.ctx, ep.ID, 0, 1)
	if q := reqs[0]; q.Outcome != OutcomeApplied || q.ErrorCode != "" || q.ErrorField != "" {
		t.Fatalf("applied line %+v", q.HookRequest)
	}
}

