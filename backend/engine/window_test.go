package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// businessHours is Monday to Friday, 09:00 to 17:00 in Amsterdam.
var businessHours = M{"timezone": "Europe/Amsterdam", "days": []string{"mon", "tue", "wed", "thu", "fri"}, "from": "09:00", "to": "17:00"}

func TestBusinessHoursHoldAWebhookOverAWeekendAndADSTChange(t *testing.T) {
	h := newHarness(t)
	act := &scriptedAction{script: []string{"ok"}, db: h.db}
	h.eng.opts.Actions = map[string]Action{"webhook": act}
	ams, _ := workflow.LoadLocation("Europe/Amsterdam")
	// Friday 23 October 2026, 17:30 in Amsterdam (CEST); the clocks go back on Sunday the 25th.
	h.clock.Set(time.Date(2026, 10, 23, 17, 30, 0, 0, ams))
	def := flow("hours",
		M{"id": "mark", "type": "set_property", "property": "stage", "value": "lead", "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "check"},
		M{"id": "check", "type": "branch", "branches": []M{{"name": "Lead", "filter": M{"property": "stage", "op": "eq", "value": "lead"}, "next": "hook"}}, "else": "hook"},
		M{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in", "next": "after"},
		M{"id": "after", "type": "set_property", "property": "synced", "value": true},
	)
	def["execution_window"] = businessHours
	h.deployM(def)
	id := h.start("hours", "ann@example.com", nil)
	h.run()
	// Record changes and the delay are not held: the delay counts from 17:30, outside the window.
	if got := h.props("ann@example.com")["stage"]; got != "lead" {
		t.Fatalf("set_property was held: stage %v", got)
	}
	if want := time.Date(2026, 10, 23, 16, 30, 0, 0, time.UTC); !h.nextJobAt().Equal(want) {
		t.Fatalf("the delay ends %s, want %s (delays keep their own time)", h.nextJobAt().UTC(), want)
	}
	h.advance(time.Hour)
	// The branch ran at 18:30; the webhook is held for Monday 09:00 CET (08:00 UTC), not 07:00 UTC.
	en := h.enrollment(id)
	if en.Status != store.StatusWaiting || en.CurrentStep != "hook" || len(act.keys) != 0 {
		t.Fatalf("after the delay: %s at %q, %d calls; history %q", en.Status, en.CurrentStep, len(act.keys), h.trail(id))
	}
	held := h.entry(id, "hook", store.HistHeld)
	until, err := time.Parse(time.RFC3339Nano, held["until"].(string))
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)
	if until.Before(monday) || !until.Before(monday.Add(workflow.WindowSpread)) {
		t.Fatalf("held until %s, want within 15 minutes of %s", until.UTC(), monday)
	}
	if local := held["until_local"].(string); !strings.HasPrefix(local, "Mon 09:") || local != until.In(ams).Format("Mon 15:04") {
		t.Fatalf("history says held until %q (%s)", local, until.In(ams))
	}
	if !h.nextJobAt().Equal(until) {
		t.Fatalf("next job at %s, want %s", h.nextJobAt(), until)
	}
	// Saturday, Sunday and early Monday pass without the call.
	for _, d := range []time.Duration{12 * time.Hour, 24 * time.Hour, 24 * time.Hour} {
		h.advance(d)
	}
	h.clock.Set(until.Add(-time.Second))
	h.run()
	if len(act.keys) != 0 {
		t.Fatalf("the webhook ran %d times before the window opened", len(act.keys))
	}
	h.clock.Set(until)
	h.run()
	if len(act.keys) != 1 {
		t.Fatalf("the webhook ran %d times at the window start", len(act.keys))
	}
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "mark:ok", "wait:waiting", "wait:resumed", "check:ok", "hook:held", "hook:ok", "after:ok", "completed")
	if en := h.enrollment(id); en.StepsRun != 5 {
		t.Fatalf("steps run %d, want 5 (holding is not a step)", en.StepsRun)
	}
	stats, err := h.db.Stats(h.ctx, "hours")
	if err != nil {
		t.Fatal(err)
	}
	if c := stats.Steps["hook"]; c.Completed != 1 || c.Failed != 0 {
		t.Fatalf("hook counters %+v, want one completed visit", c)
	}
}

func TestBusinessHoursHoldARetryThatFallsAfterClosingWithItsTryCount(t *testing.T) {
	h := newHarness(t)
	act := &scriptedAction{script: []string{"retry", "ok"}, db: h.db}
	h.eng.opts.Actions = map[string]Action{"webhook": act}
	h.eng.opts.Retry = RetryPolicy{MaxTries: 5, Base: 20 * time.Minute, Max: 20 * time.Minute}
	ams, _ := workflow.LoadLocation("Europe/Amsterdam")
	h.clock.Set(time.Date(2026, 3, 3, 16, 50, 0, 0, ams)) // Tuesday
	def := flow("retry-hours", M{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in"})
	def["execution_window"] = businessHours
	h.deployM(def)
	id := h.start("retry-hours", "bob@example.com", nil)
	h.run()
	// The retry comes due between 17:00 and 17:10: it is held for Wednesday morning.
	h.advance(20 * time.Minute)
	h.wantTrail(id, "enrolled", "hook:retrying", "hook:held")
	h.advance(20 * time.Minute)
	if len(act.tries) != 1 {
		t.Fatalf("tries %v before the window", act.tries)
	}
	h.clock.Set(time.Date(2026, 3, 4, 9, 15, 0, 0, ams))
	h.run()
	if !reflect.DeepEqual(act.tries, []int{1, 2}) || act.keys[0] != act.keys[1] {
		t.Fatalf("tries %v keys %v: the held retry must be try 2 with the same key", act.tries, act.keys)
	}
	h.wantStatus(id, store.StatusCompleted)
}

func TestBusinessHoursHoldInAppNotificationsButNotRecordSteps(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)) // Saturday
	def := flow("notify-hours",
		M{"id": "task", "type": "create_task", "title": "Call", "next": "tell"},
		M{"id": "tell", "type": "notify", "users": []string{"sam"}, "text": "hello"},
	)
	def["execution_window"] = M{"days": []string{"mon"}, "from": "09:00", "to": "10:00"}
	h.deployM(def)
	id := h.start("notify-hours", "cy@example.com", nil)
	h.run()
	h.wantTrail(id, "enrolled", "task:ok", "tell:held")
	held := h.entry(id, "tell", store.HistHeld)
	if w := held["window"]; w != "mon 09:00–10:00 UTC" {
		t.Fatalf("window described as %q", w)
	}
	h.clock.Set(time.Date(2026, 3, 9, 9, 15, 0, 0, time.UTC))
	h.run()
	h.wantTrail(id, "enrolled", "task:ok", "tell:held", "tell:ok", "completed")
}

// TestBusinessHoursOverMidnightAcrossSpringForward: a night window (fri, sat 22:00–06:00 in
// Amsterdam) on the weekend the clocks go forward. A notification reached on Saturday 28 March
// 2026 at 07:00 is held until that evening's 22:00 CET, and one reached at 03:30 CEST on the
// Sunday (inside the shortened night) runs at once.
func TestBusinessHoursOverMidnightAcrossSpringForward(t *testing.T) {
	h := newHarness(t)
	ams, _ := workflow.LoadLocation("Europe/Amsterdam")
	def := flow("night", M{"id": "tell", "type": "notify", "users": []string{"sam"}, "text": "night shift"})
	def["execution_window"] = M{"timezone": "Europe/Amsterdam", "days": []string{"fri", "sat"}, "from": "22:00", "to": "06:00"}
	h.deployM(def)
	h.clock.Set(time.Date(2026, 3, 28, 7, 0, 0, 0, ams))
	id := h.start("night", "ann@example.com", nil)
	h.run()
	h.wantTrail(id, "enrolled", "tell:held")
	held := h.entry(id, "tell", store.HistHeld)
	if w := held["window"]; w != "fri, sat 22:00–06:00 the next day Europe/Amsterdam" {
		t.Fatalf("window described as %q", w)
	}
	until, err := time.Parse(time.RFC3339Nano, held["until"].(string))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC) // 22:00 CET
	if until.Before(start) || !until.Before(start.Add(workflow.WindowSpread)) {
		t.Fatalf("held until %s, want within 15 minutes of %s", until.In(ams), start.In(ams))
	}
	if local := held["until_local"].(string); !strings.HasPrefix(local, "Sat 22:") {
		t.Fatalf("history says held until %q", local)
	}
	h.clock.Set(until)
	h.run()
	h.wantTrail(id, "enrolled", "tell:held", "tell:ok", "completed")

	// 03:30 CEST on Sunday 29 March (01:30 UTC): still inside Saturday's night.
	h.clock.Set(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	bob := h.start("night", "bob@example.com", nil)
	h.run()
	h.wantTrail(bob, "enrolled", "tell:ok", "completed")
	// 06:00 CEST on Sunday: the night is over; held until Friday 3 April 22:00 CEST.
	h.clock.Set(time.Date(2026, 3, 29, 4, 0, 0, 0, time.UTC))
	cy := h.start("night", "cy@example.com", nil)
	h.run()
	h.wantTrail(cy, "enrolled", "tell:held")
	if local := h.entry(cy, "tell", store.HistHeld)["until_local"].(string); !strings.HasPrefix(local, "Fri 22:") {
		t.Fatalf("cy held until %q", local)
	}
}
