package api_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// stepCounts reads GET /api/workflows/{id}/stats as {"enrollments": {...}, "steps": {...}}
// with integer counters.
func (e *env) stats(id string) (map[string]int, map[string]map[string]int) {
	e.t.Helper()
	m := e.call("GET", "/api/workflows/"+id+"/stats", nil, 200)
	if len(m) != 5 || m["goal_conversion"] == nil || m["retrying"] == nil || m["open_with_failed_steps"] == nil {
		e.t.Fatalf("stats has keys %v, want enrollments, retrying, open_with_failed_steps, steps and goal_conversion", m)
	}
	ens := map[string]int{}
	for k, v := range m["enrollments"].(map[string]any) {
		ens[k] = int(v.(float64))
	}
	steps := map[string]map[string]int{}
	for id, st := range m["steps"].(map[string]any) {
		steps[id] = map[string]int{}
		for k, v := range st.(map[string]any) {
			if k == "paths" || k == "next_try_at" || k == "last_error" {
				continue // a branch's or split's path counts, a retry's time and error (checked where they matter)
			}
			steps[id][k] = int(v.(float64))
		}
	}
	return ens, steps
}

func step(active, waiting, completed, failed int) map[string]int {
	return map[string]int{"active": active, "waiting": waiting, "retrying": 0, "completed": completed, "failed": failed}
}

func enrollments(active, waiting, completed, withErrors, failed, cancelled int) map[string]int {
	return map[string]int{"active": active, "waiting": waiting, "completed": completed, "completed_with_errors": withErrors, "failed": failed, "cancelled": cancelled,
		"goal_reached": 0, "unenrolled": 0}
}

// trail is an enrollment's history from GET /api/enrollments/{id} as "step:outcome".
func (e *env) trail(id int64) []string {
	e.t.Helper()
	var out []string
	for _, h := range e.call("GET", fmt.Sprintf("/api/enrollments/%d", id), nil, 200)["history"].([]any) {
		h := h.(map[string]any)
		s := h["outcome"].(string)
		if st, _ := h["step_id"].(string); st != "" {
			s = st + ":" + s
		}
		out = append(out, s)
	}
	return out
}

// The webinar follow-up from testdata, end to end over HTTP: three registrants of webinar 54072
// enroll (a registrant of another webinar does not), the 2h delay is fast-forwarded, viewers are
// thanked, the others get the replay and wait for it; one watches it, one times out after 3 days.
func TestWebinarFollowUpOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emailTemplate("webinar-thanks")
	e.emailTemplate("webinar-replay")
	res := e.request("POST", "/api/workflows", readFile(t, "workflows/webinar-follow-up.json"), nil)
	if res.status != 201 || res.header.Get("Location") != "/api/workflows/webinar-follow-up" {
		t.Fatalf("create: %d %v %s", res.status, res.header, res.body)
	}
	e.call("POST", "/api/workflows/webinar-follow-up/enable", nil, 200)

	register := func(email, webinar string, props string) map[string]any {
		return e.ingest(fmt.Sprintf(`{"type": "webinar.registered", "record": {"email": %q, "properties": %s}, "scope": {"webinar": %q}}`, email, props, webinar))
	}
	ann := register("ann@example.com", "54072", `{"watch_pct": 80}`)
	bob := register("bob@example.com", "54072", `{"watch_pct": 10}`)
	cy := register("cy@example.com", "54072", `{}`)
	dan := register("dan@example.com", "99", `{"watch_pct": 100}`)
	enr := func(m map[string]any) []any { return m["enrollments"].([]any) }
	if len(enr(ann)) != 1 || len(enr(bob)) != 1 || len(enr(cy)) != 1 || len(enr(dan)) != 0 {
		t.Fatalf("enrollments: ann %v bob %v cy %v dan (other webinar) %v", enr(ann), enr(bob), enr(cy), enr(dan))
	}
	annE, bobE, cyE := idOf(enr(ann)[0]), idOf(enr(bob)[0]), idOf(enr(cy)[0])

	if n := e.runDue(); n != 3 {
		t.Fatalf("ran %d jobs, want 3 (one start each)", n)
	}
	ens, steps := e.stats("webinar-follow-up")
	if want := enrollments(0, 3, 0, 0, 0, 0); !reflect.DeepEqual(ens, want) {
		t.Fatalf("enrollments after start %v, want %v", ens, want)
	}
	if want := map[string]map[string]int{"wait-2h": step(0, 3, 0, 0)}; !reflect.DeepEqual(steps, want) {
		t.Fatalf("steps after start %v, want %v", steps, want)
	}

	// An hour in, nothing is due.
	if n := e.advance(time.Hour); n != 0 {
		t.Fatalf("ran %d jobs after 1h", n)
	}
	// Past the 2h delay: Ann (80%) is thanked, Bob (10%) and Cy (unknown) get the replay.
	if n := e.advance(time.Hour + time.Second); n != 3 {
		t.Fatalf("ran %d jobs after 2h, want 3", n)
	}
	ens, steps = e.stats("webinar-follow-up")
	if want := enrollments(0, 2, 0, 1, 0, 0); !reflect.DeepEqual(ens, want) {
		t.Fatalf("enrollments after 2h %v, want %v", ens, want)
	}
	wantSteps := map[string]map[string]int{
		"wait-2h":         step(0, 0, 3, 0),
		"watched?":        step(0, 0, 3, 0),
		"tag-viewer":      step(0, 0, 1, 0),
		"thank-you-mail":  step(0, 0, 0, 1),
		"replay-needed":   step(0, 0, 2, 0),
		"replay-mail":     step(0, 0, 0, 2),
		"wait-for-replay": step(0, 2, 0, 0),
	}
	if !reflect.DeepEqual(steps, wantSteps) {
		t.Fatalf("steps after 2h:\n%v\nwant\n%v", steps, wantSteps)
	}

	// A replay of another webinar wakes nobody; Bob's replay of 54072 does.
	other := e.ingest(`{"type": "webinar.replay_viewer", "record": {"email": "bob@example.com"}, "scope": {"webinar": "99"}}`)
	if got := other["resumed"].([]any); len(got) != 0 {
		t.Fatalf("replay of webinar 99 resumed %v", got)
	}
	watched := e.ingest(`{"type": "webinar.replay_viewer", "record": {"email": "bob@example.com"}, "scope": {"webinar": "54072"}}`)
	if got := watched["resumed"].([]any); len(got) != 1 || idOf(got[0]) != bobE {
		t.Fatalf("replay of 54072 resumed %v, want [%d]", got, bobE)
	}
	e.runDue()
	// Cy never watches: after 3 days the owner is told.
	e.advance(72 * time.Hour)

	ens, steps = e.stats("webinar-follow-up")
	if want := enrollments(0, 0, 0, 3, 0, 0); !reflect.DeepEqual(ens, want) {
		t.Fatalf("final enrollments %v, want %v", ens, want)
	}
	wantSteps = map[string]map[string]int{
		"wait-2h":         step(0, 0, 3, 0),
		"watched?":        step(0, 0, 3, 0),
		"tag-viewer":      step(0, 0, 2, 0),
		"thank-you-mail":  step(0, 0, 0, 2),
		"replay-needed":   step(0, 0, 2, 0),
		"replay-mail":     step(0, 0, 0, 2),
		"wait-for-replay": step(0, 0, 2, 0),
		"tell-owner":      step(0, 0, 1, 0),
	}
	if !reflect.DeepEqual(steps, wantSteps) {
		t.Fatalf("final steps:\n%v\nwant\n%v", steps, wantSteps)
	}

	for _, c := range []struct {
		id   int64
		want []string
	}{
		{annE, []string{"enrolled", "wait-2h:waiting", "wait-2h:resumed", "watched?:ok", "tag-viewer:ok", "thank-you-mail:failed", "completed"}},
		{bobE, []string{"enrolled", "wait-2h:waiting", "wait-2h:resumed", "watched?:ok", "replay-needed:ok", "replay-mail:failed",
			"wait-for-replay:waiting", "wait-for-replay:resumed", "tag-viewer:ok", "thank-you-mail:failed", "completed"}},
		{cyE, []string{"enrolled", "wait-2h:waiting", "wait-2h:resumed", "watched?:ok", "replay-needed:ok", "replay-mail:failed",
			"wait-for-replay:waiting", "wait-for-replay:resumed", "tell-owner:ok", "completed"}},
	} {
		if got := e.trail(c.id); !reflect.DeepEqual(got, c.want) {
			t.Errorf("history of enrollment %d:\n%v\nwant\n%v", c.id, got, c.want)
		}
	}

	// The branch logged what it evaluated; the diagnose view says why Ann enrolled.
	en := e.call("GET", fmt.Sprintf("/api/enrollments/%d", annE), nil, 200)
	for _, h := range en["history"].([]any) {
		h := h.(map[string]any)
		if h["step_id"] == "watched?" {
			d := h["detail"].(map[string]any)
			if d["branch"] != "Watched" || !reflect.DeepEqual(d["values"], map[string]any{"watch_pct": 80.0}) {
				t.Errorf("branch detail %v", d)
			}
		}
	}
	d := en["diagnose"].(map[string]any)
	if d["trigger"] != "registered" || d["trigger_type"] != "event" || d["summary"] != "Event webinar.registered in webinar 54072" {
		t.Errorf("diagnose %v", d)
	}
	if got := d["matched"]; !reflect.DeepEqual(got, map[string]any{"email": "ann@example.com", "event.type": "webinar.registered"}) {
		t.Errorf("matched %v", got)
	}
	if ev := d["event"].(map[string]any); ev["env"].(map[string]any)["scope"].(map[string]any)["webinar"] != "54072" {
		t.Errorf("diagnose event %v", ev)
	}

	// The records show the results: Bob is a viewer on the replay list; Dan enrolled nowhere.
	bobRec := e.call("GET", fmt.Sprintf("/api/records/%d", idOf(bob["record_id"])), nil, 200)
	if got := bobRec["lists"]; !reflect.DeepEqual(got, []any{"replay-needed"}) {
		t.Errorf("bob's lists %v", got)
	}
	if got := bobRec["record"].(map[string]any)["properties"].(map[string]any)["tags"]; !reflect.DeepEqual(got, []any{"viewer"}) {
		t.Errorf("bob's tags %v", got)
	}
	if got := len(bobRec["events"].([]any)); got != 3 {
		t.Errorf("bob has %d events, want 3", got)
	}
	danRec := e.call("GET", fmt.Sprintf("/api/records/%d", idOf(dan["record_id"])), nil, 200)
	if got := danRec["enrollments"].([]any); len(got) != 0 {
		t.Errorf("dan's enrollments %v", got)
	}
	// No email action is set up in this engine: every enrollment ran a send that failed, so none
	// reads plain "completed".
	list := e.call("GET", "/api/enrollments?workflow=webinar-follow-up&status=completed_with_errors", nil, 200)
	if got := len(list["enrollments"].([]any)); got != 3 {
		t.Errorf("%d completed_with_errors enrollments listed, want 3", got)
	}
	if got := len(e.call("GET", "/api/enrollments?workflow=webinar-follow-up&status=completed", nil, 200)["enrollments"].([]any)); got != 0 {
		t.Errorf("%d plain completed enrollments listed, want 0", got)
	}
}
