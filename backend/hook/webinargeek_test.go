package hook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
)

// TestWebinarGeekReplayAfterLive: through the real listener and engine, a replay viewer who
// watched live before is not enrolled by a replay trigger with a minimum watch percentage; one
// who only watched the replay is.
func TestWebinarGeekReplayAfterLive(t *testing.T) {
	e := newEnv(t)
	ep := e.create(Config{Name: "WebinarGeek", Preset: "webinargeek"})
	e.deploy(`{"id": "replay", "name": "Replay viewers", "object": "contact",
		"triggers": [{"type": "event", "event": "webinar.replay_viewer", "scope": {"webinar": "54072"}, "min_watch_pct": 40}],
		"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	sample := func(name, email string) []byte {
		b, err := os.ReadFile("../../testdata/payloads/webinargeek/webinar." + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["subscriber"].(map[string]any)["email"] = email
		out, _ := json.Marshal(m)
		return out
	}
	n := 0
	post := func(body []byte) []any {
		n++
		r := e.post(ep.Key, body, e.signed(ep.Secret, fmt.Sprintf("m%d", n), body))
		if r.status != http.StatusCreated {
			t.Fatalf("status %d %s", r.status, r.raw)
		}
		ens, _ := r.body["enrollments"].([]any)
		return ens
	}
	if got := post(sample("live_viewer", "lena@example.nl")); len(got) != 0 {
		t.Fatalf("a live viewing enrolled in the replay workflow: %v", got)
	}
	if got := post(sample("replay_viewer", "lena@example.nl")); len(got) != 0 {
		t.Errorf("Lena watched live, then the replay: enrolled %v, want none", got)
	}
	if got := post(sample("replay_viewer", "ruud@example.nl")); len(got) != 1 {
		t.Errorf("Ruud watched only the replay (45 %% >= 40 %%): enrolled %v, want one", got)
	}
}
