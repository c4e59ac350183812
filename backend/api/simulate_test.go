package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// The demo webinar workflow over HTTP: a viewer who watched 62 % gets the thank-you email
// (rendered, not sent), an unknown event type is a warning with a suggestion, and bad input is
// a 422 naming the field, with nothing written.
func TestSimulateOverHTTP(t *testing.T) {
	e := newEnv(t)
	def := readFile(t, "../backend/demo/workflows/webinar-follow-up.json")
	e.call("PUT", "/api/email-templates/webinar-thanks", map[string]any{"subject": "Thanks for watching, {{contact.first_name}}", "body_text": "Hi {{contact.first_name}}"}, http.StatusCreated)
	e.call("PUT", "/api/email-templates/webinar-replay", map[string]any{"subject": "The replay", "body_text": "Watch it"}, http.StatusCreated)
	before := e.counts()
	body := `{"definition": ` + def + `, "record": {"properties": {"email": "greta@example.com", "first_name": "Greta", "watch_pct": 62}},
		"events": [{"at": "+0h", "type": "webinar.registered", "scope": {"webinar": "54072"}}, {"at": "+1h", "type": "webinar.viewr"}],
		"start": "2026-03-02T09:00:00Z", "horizon": "7d"}`
	res := e.call("POST", "/api/simulate", body, http.StatusOK)
	if res["outcome"] != "completed" {
		t.Fatalf("outcome %v: %v", res["outcome"], res["timeline"])
	}
	var steps []string
	for _, x := range res["timeline"].([]any) {
		en := x.(map[string]any)
		step, _ := en["step"].(string)
		steps = append(steps, en["offset"].(string)+" "+step+":"+en["outcome"].(string))
	}
	want := "+0 :enrolled|+0 wait-2h:waiting|+2h wait-2h:resumed|+2h watched?:ok|+2h tag-viewer:ok|+2h thank-you-mail:ok|+2h :completed"
	if got := strings.Join(steps, "|"); got != want {
		t.Fatalf("timeline\n got %s\nwant %s", got, want)
	}
	effects := res["effects"].([]any)
	if len(effects) != 1 {
		t.Fatalf("effects %v", effects)
	}
	mail := effects[0].(map[string]any)["would_send"].(map[string]any)
	if mail["subject"] != "Thanks for watching, Greta" {
		t.Fatalf("would send %v", mail)
	}
	warnings := res["warnings"].([]any)
	if len(warnings) != 1 || !strings.Contains(warnings[0].(map[string]any)["message"].(string), `did you mean "webinar.viewer"`) {
		t.Fatalf("warnings %v", warnings)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"definition": ` + def + `, "record": {"properties": {}}, "horizon": "400d"}`, "horizon"},
		{`{"definition": ` + def + `, "record": {"properties": {}}, "events": [{"at": "-2h", "type": "webinar.registered"}]}`, "events[0].at"},
		{`{"workflow": "nope", "record": {"properties": {}}}`, "workflow"},
	} {
		r := e.request("POST", "/api/simulate", tc.body, nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"field":"`+tc.field) {
			t.Fatalf("%s: %d %s", tc.field, r.status, r.body)
		}
	}
	r := e.request("POST", "/api/simulate", `{"definition": {"id": "x", "name": "x", "object": "contact", "triggers": [], "start": "a", "steps": [{"id": "a", "type": "goto", "target": "zz"}]}, "record": {"properties": {}}}`, nil)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "problems") {
		t.Fatalf("definition with problems: %d %s", r.status, r.body)
	}
	if after := e.counts(); after != before {
		t.Fatalf("simulating changed the database: %+v then %+v", before, after)
	}
}
