package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/simulate"
)

// TestScenariosOverHTTP: a simulation saved as a scenario passes; once the workflow changes
// (saved, or only in a draft) it fails with the diff of expected and actual; the exported file
// is the scenario file format; bad input is a 422 naming the field, with nothing written; a
// run writes nothing.
func TestScenariosOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call("PUT", "/api/email-templates/webinar-thanks", map[string]any{"subject": "Thanks for watching, {{contact.first_name}}", "body_text": "Hi"}, http.StatusCreated)
	e.call("PUT", "/api/email-templates/webinar-replay", map[string]any{"subject": "The replay", "body_text": "Watch it"}, http.StatusCreated)
	def := readFile(t, "../backend/demo/workflows/webinar-follow-up.json")
	e.call("POST", "/api/workflows", def, 201)
	// The Test panel's run, then its summary saved as the expectation.
	sim := e.call("POST", "/api/simulate", `{"workflow": "webinar-follow-up", "record": {"properties": {"email": "greta@example.com", "first_name": "Greta", "watch_pct": 62}},
		"events": [{"at": "+0h", "type": "webinar.registered", "scope": {"webinar": "54072"}}], "start": "2026-03-02T09:00:00Z", "horizon": "7d"}`, 200)
	scenario := map[string]any{"name": "A viewer gets the thank-you email", "record": map[string]any{"properties": map[string]any{"email": "greta@example.com", "first_name": "Greta", "watch_pct": 62}},
		"events": []any{map[string]any{"at": "+0h", "type": "webinar.registered", "scope": map[string]any{"webinar": "54072"}}}, "start": "2026-03-02T09:00:00Z", "horizon": "7d", "expect": sim["summary"]}
	saved := e.call("POST", "/api/workflows/webinar-follow-up/scenarios", scenario, 201)
	sidStr := strconv.FormatInt(int64(saved["id"].(float64)), 10)
	if list := e.call("GET", "/api/workflows/webinar-follow-up/scenarios", nil, 200)["scenarios"].([]any); len(list) != 1 {
		t.Fatalf("scenarios %v", list)
	}
	before := e.tableRows()
	run := e.call("POST", "/api/workflows/webinar-follow-up/scenarios/run", nil, 200)
	if run["passed"].(float64) != 1 || run["failed"].(float64) != 0 {
		t.Fatalf("run %v", run)
	}
	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("running scenarios wrote rows:\n%v\n%v", before, after)
	}

	// The exported file is what `flowdesk test` reads, and passes there too.
	res := e.request("GET", "/api/workflows/webinar-follow-up/scenarios/"+sidStr+"/file", "", nil)
	if res.status != 200 || !strings.Contains(res.header.Get("Content-Disposition"), "webinar-follow-up-a-viewer-gets-the-thank-you-email.json") {
		t.Fatalf("file: %d %v", res.status, res.header)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, res.body, 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := simulate.LoadScenario(path)
	if err != nil || file.Workflow != "webinar-follow-up" || file.Expect.Outcome != "completed" {
		t.Fatalf("the exported file: %+v %v", file, err)
	}

	// A draft where the viewer branch wants 90 %: the thank-you email is not sent any more.
	draft := strings.Replace(def, `"value": 50`, `"value": 90`, 1)
	if draft == def {
		t.Fatal("the demo workflow's 50 % rule moved; update the test")
	}
	run = e.call("POST", "/api/workflows/webinar-follow-up/scenarios/run", `{"definition": `+draft+`}`, 200)
	r0 := run["results"].([]any)[0].(map[string]any)
	diff := strings.Join(toStrings(r0["diff"]), "\n")
	if r0["passed"] != false || !strings.Contains(diff, "- +2h thank-you-mail send_email ok: Thanks for watching, Greta") || !strings.Contains(diff, "+ ") {
		t.Fatalf("draft run %v\n%s", r0, diff)
	}
	// Saved, it fails the same way; the saved scenario is unchanged.
	e.request("PUT", "/api/workflows/webinar-follow-up", draft, map[string]string{"If-Match": `"1"`})
	if run := e.call("POST", "/api/workflows/webinar-follow-up/scenarios/run", `{"ids": [`+sidStr+`]}`, 200); run["failed"].(float64) != 1 {
		t.Fatalf("after the save %v", run)
	}

	// Bad input.
	before = e.tableRows()
	good, _ := json.Marshal(scenario)
	with := func(k string, v any) string {
		m := map[string]any{}
		_ = json.Unmarshal(good, &m)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct {
		name, method, url, body string
		status                  int
		want                    string
	}{
		{"no name", "POST", "/api/workflows/webinar-follow-up/scenarios", with("name", " "), 422, `"field":"name"`},
		{"duplicate name", "POST", "/api/workflows/webinar-follow-up/scenarios", string(good), 422, `"field":"name"`},
		{"bad outcome", "POST", "/api/workflows/webinar-follow-up/scenarios", with("expect", map[string]any{"outcome": "done"}), 422, `"field":"expect.outcome"`},
		{"a workflow file", "POST", "/api/workflows/webinar-follow-up/scenarios", with("workflow_file", "x.json"), 422, `"field":"workflow_file"`},
		{"another workflow", "POST", "/api/workflows/webinar-follow-up/scenarios", with("workflow", "other"), 422, `"field":"workflow"`},
		{"event before the start", "POST", "/api/workflows/webinar-follow-up/scenarios", with("events", []any{map[string]any{"at": "-1h", "type": "webinar.registered"}}), 422, `"field":"events[0].at"`},
		{"horizon too long", "POST", "/api/workflows/webinar-follow-up/scenarios", with("horizon", "400d"), 422, `"field":"horizon"`},
		{"unknown field", "POST", "/api/workflows/webinar-follow-up/scenarios", with("expected", 1), 400, `expected`},
		{"unknown workflow", "POST", "/api/workflows/nope/scenarios", string(good), 404, `"field":"id"`},
		{"unknown scenario", "PUT", "/api/workflows/webinar-follow-up/scenarios/999", string(good), 404, `"field":"sid"`},
		{"bad scenario id", "DELETE", "/api/workflows/webinar-follow-up/scenarios/x", "", 400, `"field":"sid"`},
		{"run an unknown id", "POST", "/api/workflows/webinar-follow-up/scenarios/run", `{"ids": [999]}`, 422, `"field":"ids[0]"`},
	} {
		r := e.request(tc.method, tc.url, tc.body, nil)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if after := e.tableRows(); !reflect.DeepEqual(before, after) {
		t.Fatalf("bad input wrote rows:\n%v\n%v", before, after)
	}
	// Accept what it does now (update), then delete.
	actual := r0["actual"]
	e.call("PUT", "/api/workflows/webinar-follow-up/scenarios/"+sidStr, with("expect", actual), 200)
	if run := e.call("POST", "/api/workflows/webinar-follow-up/scenarios/run", nil, 200); run["passed"].(float64) != 1 {
		t.Fatalf("after accepting the actual %v", run)
	}
	e.call("DELETE", "/api/workflows/webinar-follow-up/scenarios/"+sidStr, nil, 204)
	if list := e.call("GET", "/api/workflows/webinar-follow-up/scenarios", nil, 200)["scenarios"].([]any); len(list) != 0 {
		t.Fatalf("after delete %v", list)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
