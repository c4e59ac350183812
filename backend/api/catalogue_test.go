package api_test

import (
	"net/http"
	"testing"
)

// The catalogue lists the built-in events by source, the event types seen on this machine, and
// the fields of their latest payloads beyond the listed ones, each with a type.
func TestEventCatalogueHasSeenTypesAndPayloadFields(t *testing.T) {
	e := newEnv(t)
	e.ingest(`{"type": "webinar.viewer", "record": {"type": "contact", "email": "ann@example.com"},
		"data": {"subscriber": {"watch_pct": 80, "device": "mobile"}, "webinar": {"title": "Growth"}}}`)
	e.ingest(`{"type": "order.paid", "record": {"type": "contact", "email": "ann@example.com"},
		"data": {"amount": 12.5, "paid_at": "2026-03-01T10:00:00Z", "gift": false, "tags": ["a", "b"], "items": [{"sku": "X1"}]}}`)
	got := e.call(http.MethodGet, "/api/events/catalogue", nil, http.StatusOK)
	sources := map[string]bool{}
	for _, s := range got["sources"].([]any) {
		sources[s.(map[string]any)["id"].(string)] = true
	}
	for _, want := range []string{"webinargeek", "systemeio", "survey", "seen"} {
		if !sources[want] {
			t.Errorf("no source %q in %v", want, got["sources"])
		}
	}
	byType := map[string]map[string]any{}
	for _, ev := range got["events"].([]any) {
		m := ev.(map[string]any)
		byType[m["type"].(string)] = m
	}
	fields := func(typ string) map[string]string {
		out := map[string]string{}
		for _, p := range byType[typ]["properties"].([]any) {
			pm := p.(map[string]any)
			key := pm["type"].(string)
			if pm["seen"] == true {
				key += " seen"
			}
			out[pm["path"].(string)] = key
		}
		return out
	}
	viewer := fields("webinar.viewer")
	if viewer["subscriber.watch_pct"] != "number" || viewer["subscriber.device"] != "string seen" || byType["webinar.viewer"]["last_seen"] == nil {
		t.Fatalf("webinar.viewer fields %v", viewer)
	}
	if byType["order.paid"]["source"] != "seen" {
		t.Fatalf("order.paid %v", byType["order.paid"])
	}
	want := map[string]string{"amount": "number seen", "paid_at": "date seen", "gift": "bool seen", "tags": "multi seen", "items[].sku": "string seen"}
	if got := fields("order.paid"); len(got) != len(want) {
		t.Fatalf("order.paid fields %v, want %v", got, want)
	} else {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("order.paid %s = %q, want %q", k, got[k], v)
			}
		}
	}
	if byType["survey.response.completed"]["source"] != "survey" || byType["webinar.registered"]["last_seen"] != nil {
		t.Fatalf("survey %v / registered %v", byType["survey.response.completed"], byType["webinar.registered"])
	}
}
