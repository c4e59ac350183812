package hook

import (
	"fmt"
	"net/http"
	"testing"
	"time"

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
	reqs, err := e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 10)
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
	reqs, _ = e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 1)
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
	reqs, _ = e.l.Endpoints().Requests(e.ctx, ep.ID, 0, 1)
	if q := reqs[0]; q.Outcome != OutcomeApplied || q.ErrorCode != "" || q.ErrorField != "" {
		t.Fatalf("applied line %+v", q.HookRequest)
	}
}

// An endpoint that holds its deliveries (delay_days) keeps its strictness and its mapping's
// types: a delivery that fills a property nobody declared is refused to its sender when it
// arrives, with the path and value, not held and dropped days later; one that applies declares
// a new property with the mapping's type when it is released, as an undelayed one would.
func TestHeldDeliveryKeepsStrictAndTypes(t *testing.T) {
	e := newEnv(t)
	strict := e.create(Config{Name: "strict later", Auth: AuthNone, Event: EventSpec{Type: "trial.started"}, Strict: true, DelayDays: 2,
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "plan.seats", Property: "seats"}}})
	before := e.counts()
	r := e.post(strict.Key, []byte(`{"email": "held@example.com", "plan": {"seats": 12}}`), nil)
	if r.status != http.StatusUnprocessableEntity || r.code() != problem.CodeUndeclared {
		t.Fatalf("a held strict delivery with an undeclared property: %d %s, want 422 %s now", r.status, r.raw, problem.CodeUndeclared)
	}
	if d, _ := r.body["error"].(map[string]any)["details"].(map[string]any); d["field"] != "record.properties.seats" || d["path"] != "plan.seats" || fmt.Sprint(d["value"]) != "12" {
		t.Fatalf("details %v, want field record.properties.seats from plan.seats with 12", d)
	}
	if after := e.counts(); after.delayed != before.delayed || after.records != before.records || after.requests != before.requests+1 {
		t.Fatalf("the refused delivery wrote %+v -> %+v; want only its log line", before, after)
	}
	reqs, _ := e.l.Endpoints().Requests(e.ctx, strict.ID, 0, 1)
	if q := reqs[0]; q.ErrorCode != problem.CodeUndeclared || q.ErrorPath != "plan.seats" || string(q.ErrorValue) != "12" {
		t.Fatalf("logged refusal %+v, want undeclared_property from plan.seats with 12", q.HookRequest)
	}

	// A mapping type declares the new property when the held delivery is applied, days later.
	typed := e.create(Config{Name: "typed later", Auth: AuthNone, Event: EventSpec{Type: "trial.started"}, DelayDays: 2,
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "ends", Property: "trial_ends", Type: TypeDate}}})
	if r := e.post(typed.Key, []byte(`{"email": "held@example.com", "ends": "2027-01-15"}`), nil); r.status != http.StatusAccepted || r.outcome() != OutcomeDelayed {
		t.Fatalf("a typed held delivery: %d %s", r.status, r.raw)
	}
	// ...and a value the mapping's type cannot take is refused now, not held.
	if r := e.post(typed.Key, []byte(`{"email": "held@example.com", "ends": "31-02-2026"}`), nil); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a held delivery with a date that does not parse: %d %s, want 422", r.status, r.raw)
	}
	e.clock.Advance(48 * time.Hour)
	if n, err := e.l.ProcessDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("due: %d %v", n, err)
	}
	p, ok := e.eng.Property("contact", "trial_ends")
	if !ok || p.Type != "date" {
		t.Fatalf("trial_ends declared as %+v (%v), want date", p, ok)
	}
	if got := e.record("held@example.com").Properties["trial_ends"]; got != "2027-01-15" {
		t.Fatalf("trial_ends = %#v, want 2027-01-15", got)
	}
}
