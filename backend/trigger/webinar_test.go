package trigger

import (
	"reflect"
	"testing"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

func pct(v float64) *float64 { return &v }

// TestWebinarWatchRules: WebinarGeek's trigger rules — a minimum watch percentage on viewer
// triggers (a replay by someone who watched live does not count again), and a maximum on the
// non-viewer trigger that also counts viewers below it.
func TestWebinarWatchRules(t *testing.T) {
	ix := build(t,
		def("min50", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.viewer", MinWatchPct: pct(50)}),
		def("replay50", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.replay_viewer", MinWatchPct: pct(50)}),
		def("any-viewer", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.viewer"}),
		def("non10", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.non_viewer", MaxWatchPct: pct(10)}),
		def("non", "contact", workflow.Trigger{ID: "t", Type: workflow.TriggerEvent, Event: "webinar.non_viewer"}),
	)
	watch := func(p any, viewing map[string]any) map[string]any {
		env := map[string]any{"subscriber": map[string]any{"watch_pct": p}}
		if viewing != nil {
			env["viewing"] = viewing
		}
		return env
	}
	live := map[string]any{"live": true}
	replay := map[string]any{"replay": true}
	cases := []struct {
		name        string
		typ         string
		env         map[string]any
		watchedLive bool
		want        []string
	}{
		{"a live viewer at 72 %", "webinar.viewer", watch(72.0, live), false, []string{"any-viewer/t", "min50/t"}},
		{"exactly the minimum", "webinar.viewer", watch(50.0, live), false, []string{"any-viewer/t", "min50/t"}},
		{"below the minimum, above the non-viewer maximum", "webinar.viewer", watch(30.0, live), false, []string{"any-viewer/t"}},
		{"below the non-viewer maximum counts as a non-viewer", "webinar.viewer", watch(5.0, live), false, []string{"any-viewer/t", "non10/t"}},
		{"no watch percentage: only the plain trigger", "webinar.viewer", map[string]any{}, false, []string{"any-viewer/t"}},
		{"a replay viewer who never watched live", "webinar.replay_viewer", watch(60.0, replay), false, []string{"replay50/t"}},
		{"a replay viewer who watched live before", "webinar.replay_viewer", watch(60.0, replay), true, []string{}},
		{"a replay viewing whose body says live too", "webinar.replay_viewer", watch(60.0, map[string]any{"replay": true, "live": true}), false, []string{}},
		{"a viewer event for a replay, watched live before", "webinar.viewer", watch(80.0, replay), true, []string{"any-viewer/t"}},
		{"a non-viewer", "webinar.non_viewer", watch(0.0, nil), false, []string{"non/t", "non10/t"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms, errs := ix.MatchEvent(Event{Type: c.typ, Object: "contact", Env: c.env, WatchedLive: c.watchedLive}, nil, now)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := ids(ms); !reflect.DeepEqual(got, c.want) {
				t.Errorf("enrolls %v, want %v", got, c.want)
			}
		})
	}
}
