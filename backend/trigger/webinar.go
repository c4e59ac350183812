package trigger

import (
	"encoding/json"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// WatchPct reads the watch percentage of a webinar event (subscriber.watch_pct).
func WatchPct(env map[string]any) (float64, bool) {
	sub, _ := env["subscriber"].(map[string]any)
	switch x := sub["watch_pct"].(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// IsReplayViewing reports whether a webinar event is a replay viewing: a replay_viewer event,
// or a viewer event that says it was watched as a replay and not live.
func IsReplayViewing(typ string, env map[string]any) bool {
	if typ == workflow.EventWebinarReplayViewer {
		return true
	}
	if typ != workflow.EventWebinarViewer {
		return false
	}
	v, _ := env["viewing"].(map[string]any)
	return v["replay"] == true && v["live"] != true
}

// watchedLiveInEvent reports whether the event itself says the viewer was there live.
func watchedLiveInEvent(env map[string]any) bool {
	v, _ := env["viewing"].(map[string]any)
	return v["live"] == true
}

// watchRule applies a trigger's WebinarGeek watch rules to an event: ok is false when the
// trigger does not take it; note describes the percentage for the enrollment's summary.
func watchRule(t *workflow.Trigger, ev Event) (ok bool, note string) {
	pct, has := WatchPct(ev.Env)
	if t.MinWatchPct != nil {
		if !has || pct < *t.MinWatchPct {
			return false, ""
		}
		// WebinarGeek counts a viewer once: who watched live and then the replay is not a
		// replay viewer meeting the minimum again.
		if IsReplayViewing(ev.Type, ev.Env) && (ev.WatchedLive || watchedLiveInEvent(ev.Env)) {
			return false, ""
		}
		return true, fmt.Sprintf(" (watched %v %%, at least %v %%)", pct, *t.MinWatchPct)
	}
	if t.MaxWatchPct != nil && t.Event == workflow.EventWebinarNonViewer && ev.Type != workflow.EventWebinarNonViewer {
		if !has || pct >= *t.MaxWatchPct {
			return false, ""
		}
		return true, fmt.Sprintf(" (watched %v %%, less than %v %%: counted as a non-viewer)", pct, *t.MaxWatchPct)
	}
	return true, ""
}
