package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func TestDelayDuration(t *testing.T) {
	cases := []struct {
		name    string
		advance time.Duration
		want    string
	}{
		{"not before", 2*time.Hour - time.Millisecond, store.StatusWaiting},
		{"exactly at", 2 * time.Hour, store.StatusCompleted},
		{"after", 2*time.Hour + 3*time.Minute, store.StatusCompleted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.deployM(flow("d",
				M{"id": "wait", "type": "delay", "duration": "2h", "next": "mark"},
				M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "connected"}))
			id := h.start("d", "ann@example.com", nil)
			h.run()
			h.wantStatus(id, store.StatusWaiting)
			if got, want := h.nextJobAt(), t0.Add(2*time.Hour); !got.Equal(want) {
				t.Fatalf("resume due at %v, want %v", got, want)
			}
			if got := h.entry(id, "wait", store.HistWaiting)["until"]; got != "2026-03-02T11:00:00Z" {
				t.Fatalf("waiting detail until=%v", got)
			}
			h.advance(tc.advance)
			h.wantStatus(id, tc.want)
			if tc.want == store.StatusWaiting {
				h.wantTrail(id, "enrolled", "wait:waiting")
				if _, ok := h.props("ann@example.com")["lead_status"]; ok {
					t.Fatal("the step after the delay ran early")
				}
				return
			}
			h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "mark:ok", "completed")
			if got := h.entry(id, "wait", store.HistResumed)["outcome"]; got != store.OutcomeElapsed {
				t.Fatalf("resume outcome %v", got)
			}
			if got := h.props("ann@example.com")["lead_status"]; got != "connected" {
				t.Fatalf("lead_status %v", got)
			}
		})
	}
}

func TestDelayUntilWeekdayAndTime(t *testing.T) {
	ams := func(s string) time.Time {
		loc, err := time.LoadLocation("Europe/Amsterdam")
		if err != nil {
			t.Fatal(err)
		}
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name     string
		from     time.Time
		until    M
		defTZ    string
		wantUTC  time.Time
		wantWall string // the due time on the Amsterdam wall clock
	}{
		{"from a Monday", ams("2026-03-23 10:00"), M{"weekdays": []string{"tue"}, "time": "11:00", "timezone": "Europe/Amsterdam"}, "",
			time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC), "Tue 2026-03-24 11:00 CET"},
		{"from a Tuesday before 11:00", ams("2026-03-24 10:59"), M{"weekdays": []string{"tue"}, "time": "11:00", "timezone": "Europe/Amsterdam"}, "",
			time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC), "Tue 2026-03-24 11:00 CET"},
		{"from a Tuesday exactly at 11:00", ams("2026-03-24 11:00"), M{"weekdays": []string{"tue"}, "time": "11:00", "timezone": "Europe/Amsterdam"}, "",
			time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC), "Tue 2026-03-31 11:00 CEST"},
		{"from a Tuesday after 11:00, across the DST change", ams("2026-03-24 12:00"), M{"weekdays": []string{"tue"}, "time": "11:00", "timezone": "Europe/Amsterdam"}, "",
			time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC), "Tue 2026-03-31 11:00 CEST"},
		{"wall time in the spring-forward gap", ams("2026-03-28 12:00"), M{"weekdays": []string{"sun"}, "time": "02:30", "timezone": "Europe/Amsterdam"}, "",
			time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "Sun 2026-03-29 03:00 CEST"},
		{"zone from the workflow", ams("2026-03-23 10:00"), M{"weekdays": []string{"tue", "thu"}, "time": "11:00"}, "Europe/Amsterdam",
			time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC), "Tue 2026-03-24 11:00 CET"},
		{"any day, UTC by default", time.Date(2026, 3, 24, 12, 0, 0, 0, time.UTC), M{"time": "11:00"}, "",
			time.Date(2026, 3, 25, 11, 0, 0, 0, time.UTC), "Wed 2026-03-25 12:00 CET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.clock.Set(tc.from)
			def := flow("u",
				M{"id": "wait", "type": "delay", "until": tc.until, "next": "mark"},
				M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "attempted_to_contact"})
			if tc.defTZ != "" {
				def["timezone"] = tc.defTZ
			}
			h.deployM(def)
			id := h.start("u", "ann@example.com", nil)
			h.run()
			h.wantStatus(id, store.StatusWaiting)
			got := h.nextJobAt()
			if !got.Equal(tc.wantUTC) {
				t.Fatalf("due at %v, want %v", got.UTC(), tc.wantUTC)
			}
			if wall := got.In(ams("2026-01-01 00:00").Location()).Format("Mon 2006-01-02 15:04 MST"); wall != tc.wantWall {
				t.Fatalf("due at %s in Amsterdam, want %s", wall, tc.wantWall)
			}
			h.clock.Set(tc.wantUTC.Add(-time.Millisecond))
			h.run()
			h.wantStatus(id, store.StatusWaiting)
			h.clock.Set(tc.wantUTC)
			h.run()
			h.wantStatus(id, store.StatusCompleted)
			h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "mark:ok", "completed")
		})
	}
}

// paymentFlow waits up to 3 days for a payment of at least 100.
func paymentFlow(timeout bool) M {
	ev := M{"type": "payment.completed", "filter": M{"property": "event.amount", "op": "gte", "value": 100}}
	if timeout {
		ev["timeout"] = "3d"
		ev["timeout_next"] = "remind"
	}
	steps := []M{
		{"id": "wait", "type": "delay", "event": ev, "next": "thanks"},
		{"id": "thanks", "type": "set_property", "property": "lead_status", "value": "open_deal"},
	}
	if timeout {
		steps = append(steps, M{"id": "remind", "type": "set_property", "property": "lead_status", "value": "bad_timing"})
	}
	return flow("pay", steps...)
}

func TestDelayUntilEvent(t *testing.T) {
	pay := func(h *harness, email string, amount float64) *IngestResult {
		return h.event("payment.completed", email, nil, M{"amount": amount}, nil)
	}
	t.Run("event arrives", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(paymentFlow(true))
		id := h.start("pay", "ann@example.com", nil)
		h.start("pay", "bob@example.com", nil)
		h.run()
		h.wantStatus(id, store.StatusWaiting)
		if d := h.entry(id, "wait", store.HistWaiting); d["event"] != "payment.completed" || d["timeout_at"] != "2026-03-05T09:00:00Z" {
			t.Fatalf("waiting detail %v", d)
		}
		h.advance(24 * time.Hour)
		res := pay(h, "ann@example.com", 150)
		if !reflect.DeepEqual(res.Resumed, []int64{id}) {
			t.Fatalf("resumed %v, want [%d] (bob must not resume)", res.Resumed, id)
		}
		h.run()
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "thanks:ok", "completed")
		d := h.entry(id, "wait", store.HistResumed)
		if d["outcome"] != store.OutcomeEvent || d["event_id"] != float64(res.EventID) {
			t.Fatalf("resumed detail %v, want outcome event and event_id %d", d, res.EventID)
		}
		if got := h.props("ann@example.com")["lead_status"]; got != "open_deal" {
			t.Fatalf("lead_status %v", got)
		}
		// The timeout of the finished wait never fires.
		h.advance(5 * 24 * time.Hour)
		h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "thanks:ok", "completed")
	})
	t.Run("event not matching the filter does not resume; timeout path", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(paymentFlow(true))
		id := h.start("pay", "ann@example.com", nil)
		h.run()
		if res := pay(h, "ann@example.com", 50); len(res.Resumed) != 0 {
			t.Fatalf("a payment of 50 resumed %v", res.Resumed)
		}
		if res := h.event("payment.refunded", "ann@example.com", nil, M{"amount": 500}, nil); len(res.Resumed) != 0 {
			t.Fatalf("another event type resumed %v", res.Resumed)
		}
		h.run()
		h.wantStatus(id, store.StatusWaiting)
		h.advance(3*24*time.Hour - time.Second)
		h.wantStatus(id, store.StatusWaiting)
		h.advance(time.Second)
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "remind:ok", "completed")
		if d := h.entry(id, "wait", store.HistResumed); d["outcome"] != store.OutcomeTimeout {
			t.Fatalf("resumed detail %v", d)
		}
		if got := h.props("ann@example.com")["lead_status"]; got != "bad_timing" {
			t.Fatalf("lead_status %v", got)
		}
		// A late payment changes nothing.
		if res := pay(h, "ann@example.com", 500); len(res.Resumed) != 0 {
			t.Fatalf("late payment resumed %v", res.Resumed)
		}
	})
	t.Run("no timeout waits forever and is not claimed", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(paymentFlow(false))
		id := h.start("pay", "ann@example.com", nil)
		h.run()
		if got := h.nextJobAt(); !got.Equal(store.Forever) {
			t.Fatalf("wait due at %v, want Forever", got)
		}
		h.clock.Advance(10 * 365 * 24 * time.Hour)
		if n := h.run(); n != 0 {
			t.Fatalf("%d jobs ran; a wait without timeout must not be claimed", n)
		}
		h.wantStatus(id, store.StatusWaiting)
		h.wantTrail(id, "enrolled", "wait:waiting")
		pay(h, "ann@example.com", 100)
		h.run()
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "thanks:ok", "completed")
	})
}

func TestBranches(t *testing.T) {
	// Each branch's step marks the record in a text property of its own (the built-in lead
	// status takes only its options).
	mark := func(id, value string) M {
		return M{"id": id, "type": "set_property", "property": "branch_taken", "value": value}
	}
	cases := []struct {
		name   string
		branch M
		props  M
		data   M
		want   string // branch_taken set by the branch taken
		taken  string // branch name in history
	}{
		{"first matching branch wins", M{"branches": []M{
			{"name": "Hot", "filter": M{"property": "score", "op": "gte", "value": 50}, "next": "a"},
			{"name": "Warm", "filter": M{"property": "score", "op": "gte", "value": 20}, "next": "b"}}, "else": "c"},
			M{"score": 70}, nil, "A", "Hot"},
		{"second branch", M{"branches": []M{
			{"name": "Hot", "filter": M{"property": "score", "op": "gte", "value": 50}, "next": "a"},
			{"name": "Warm", "filter": M{"property": "score", "op": "gte", "value": 20}, "next": "b"}}, "else": "c"},
			M{"score": 30}, nil, "B", "Warm"},
		{"else", M{"branches": []M{
			{"name": "Hot", "filter": M{"property": "score", "op": "gte", "value": 50}, "next": "a"},
			{"name": "Warm", "filter": M{"property": "score", "op": "gte", "value": 20}, "next": "b"}}, "else": "c"},
			M{"score": 5}, nil, "C", "else"},
		{"value-based", M{"property": "lifecycle", "branches": []M{
			{"name": "Lead", "value": "lead", "next": "a"},
			{"name": "Customer", "value": "customer", "next": "b"}}, "else": "c"},
			M{"lifecycle": "customer"}, nil, "B", "Customer"},
		{"value-based compares text case-insensitively", M{"property": "lifecycle", "branches": []M{
			{"name": "Lead", "value": "lead", "next": "a"},
			{"name": "Customer", "value": "customer", "next": "b"}}, "else": "c"},
			M{"lifecycle": "CUSTOMER"}, nil, "B", "Customer"},
		{"value-based on a number", M{"property": "score", "branches": []M{
			{"name": "Ten", "value": 10, "next": "a"},
			{"name": "Twenty", "value": 20, "next": "b"}}, "else": "c"},
			M{"score": "20"}, nil, "B", "Twenty"},
		{"value-based else", M{"property": "lifecycle", "branches": []M{
			{"name": "Lead", "value": "lead", "next": "a"},
			{"name": "Customer", "value": "customer", "next": "b"}}, "else": "c"},
			M{"lifecycle": "evangelist"}, nil, "C", "else"},
		{"event field of the trigger", M{"branches": []M{
			{"name": "Google", "filter": M{"property": "event.utm.source", "op": "eq", "value": "google"}, "next": "a"},
			{"name": "Pro", "filter": M{"property": "event.plan", "op": "eq", "value": "pro"}, "next": "b"}}, "else": "c"},
			nil, M{"plan": "pro", "utm": M{"source": "newsletter"}}, "B", "Pro"},
		{"nested event field", M{"branches": []M{
			{"name": "Google", "filter": M{"property": "event.utm.source", "op": "eq", "value": "google"}, "next": "a"}}, "else": "c"},
			nil, M{"utm": M{"source": "Google"}}, "A", "Google"},
		{"raw expr", M{"branches": []M{
			{"name": "Engaged", "expr": "(record.score ?? 0) > 10 && event.watch_pct >= 50", "next": "a"}}, "else": "c"},
			M{"score": 11}, M{"watch_pct": 50}, "A", "Engaged"},
		{"raw expr false", M{"branches": []M{
			{"name": "Engaged", "expr": "(record.score ?? 0) > 10 && event.watch_pct >= 50", "next": "a"}}, "else": "c"},
			M{"score": 11}, M{"watch_pct": 49}, "C", "else"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.declareProp(store.Property{Object: "contact", Name: "branch_taken", Type: "string"})
			br := M{"id": "route", "type": "branch"}
			for k, v := range tc.branch {
				br[k] = v
			}
			steps := []M{br, mark("c", "C"), mark("a", "A")}
			if len(tc.branch["branches"].([]M)) > 1 {
				steps = append(steps, mark("b", "B"))
			}
			h.deployM(flow("br", steps...))
			id := h.startWith("br", "ann@example.com", tc.data, tc.props)
			h.run()
			h.wantStatus(id, store.StatusCompleted)
			h.wantTrail(id, "enrolled", "route:ok", strings.ToLower(tc.want)+":ok", "completed")
			if got := h.props("ann@example.com")["branch_taken"]; got != tc.want {
				t.Fatalf("branch_taken %v, want %s", got, tc.want)
			}
			if got := h.entry(id, "route", store.HistOK)["branch"]; got != tc.taken {
				t.Fatalf("history says branch %v, want %s", got, tc.taken)
			}
		})
	}
}

func TestBranchHistoryRecordsEvaluatedValues(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("br",
		M{"id": "route", "type": "branch", "branches": []M{
			{"name": "Engaged", "filter": M{"all": []M{
				{"property": "score", "op": "gte", "value": 10},
				{"property": "event.watch_pct", "op": "gte", "value": 50}}}, "next": "a"}}},
		M{"id": "a", "type": "add_to_list", "list": "engaged"}))
	id := h.startWith("br", "ann@example.com", M{"watch_pct": 75}, M{"score": 12})
	h.run()
	d := h.entry(id, "route", store.HistOK)
	want := map[string]any{"score": float64(12), "event.watch_pct": float64(75)}
	if d["branch"] != "Engaged" || !reflect.DeepEqual(d["values"], want) {
		t.Fatalf("branch detail %v, want branch Engaged and values %v", d, want)
	}
}

// loopFlow counts rounds: increment, wait a day, and go round again until rounds >= 3.
func loopFlow(maxSteps int) M {
	def := flow("loop",
		M{"id": "inc", "type": "increment_property", "property": "rounds", "by": 1, "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "1d", "next": "check"},
		M{"id": "check", "type": "branch", "branches": []M{
			{"name": "Done", "filter": M{"property": "rounds", "op": "gte", "value": 3}, "next": "finish"}}, "else": "again"},
		M{"id": "again", "type": "goto", "target": "inc"},
		M{"id": "finish", "type": "set_property", "property": "lead_status", "value": "unqualified"})
	if maxSteps > 0 {
		def["max_steps"] = maxSteps
	}
	return def
}

func TestGotoLoopExitsAfterThreeRounds(t *testing.T) {
	h := newHarness(t)
	h.deployM(loopFlow(0))
	id := h.start("loop", "ann@example.com", nil)
	h.run()
	for day := 1; day <= 2; day++ {
		h.advance(24 * time.Hour)
		h.wantStatus(id, store.StatusWaiting)
		if got := h.props("ann@example.com")["rounds"]; got != float64(day+1) {
			t.Fatalf("day %d: rounds %v", day, got)
		}
	}
	h.advance(24 * time.Hour)
	h.wantStatus(id, store.StatusCompleted)
	round := []string{"wait:resumed", "check:ok", "again:ok", "inc:ok", "wait:waiting"}
	want := []string{"enrolled", "inc:ok", "wait:waiting"}
	want = append(want, round...)
	want = append(want, round...)
	want = append(want, "wait:resumed", "check:ok", "finish:ok", "completed")
	h.wantTrail(id, want...)
	p := h.props("ann@example.com")
	if p["rounds"] != float64(3) || p["lead_status"] != "unqualified" {
		t.Fatalf("props %v", p)
	}
	if en := h.enrollment(id); en.StepsRun != 12 {
		t.Fatalf("steps run %d, want 12", en.StepsRun)
	}
	st, err := h.db.Stats(h.ctx, "loop")
	if err != nil {
		t.Fatal(err)
	}
	if st.Steps["again"].Completed != 2 || st.Steps["inc"].Completed != 3 || st.Steps["wait"].Completed != 3 || st.Steps["check"].Completed != 3 {
		t.Fatalf("step counters again=%+v inc=%+v wait=%+v check=%+v", st.Steps["again"], st.Steps["inc"], st.Steps["wait"], st.Steps["check"])
	}
}

func TestGotoStepBudgetFailsTheEnrollment(t *testing.T) {
	h := newHarness(t)
	h.deployM(loopFlow(5))
	id := h.start("loop", "ann@example.com", nil)
	h.run()
	h.advance(24 * time.Hour)
	h.wantStatus(id, store.StatusFailed)
	h.wantTrail(id, "enrolled", "inc:ok", "wait:waiting", "wait:resumed", "check:ok", "again:ok", "inc:ok", "wait:failed", "failed")
	en := h.enrollment(id)
	if !strings.Contains(en.Error, "ran 5 steps") || !strings.Contains(en.Error, "loop may be missing an exit") {
		t.Fatalf("error %q does not explain the budget", en.Error)
	}
	if en.CurrentStep != "wait" || en.FinishedAt == nil {
		t.Fatalf("failed at %q finished %v", en.CurrentStep, en.FinishedAt)
	}
	if d := h.entry(id, "", store.HistFailed); d["step"] != "wait" || !strings.Contains(d["error"].(string), "budget") {
		t.Fatalf("failure detail %v", d)
	}
	// Nothing runs afterwards.
	h.advance(7 * 24 * time.Hour)
	if n, _ := h.db.PendingJobs(h.ctx); n != 0 {
		t.Fatalf("%d jobs left after failure", n)
	}
	if got := h.props("ann@example.com")["rounds"]; got != float64(2) {
		t.Fatalf("rounds %v", got)
	}
}

func TestPropertySteps(t *testing.T) {
	cases := []struct {
		name   string
		steps  []M
		props  M
		data   M
		want   M // properties expected afterwards (nil value: absent)
		trail  []string
		detail map[string]M // step -> expected detail keys
	}{
		{"set replace", []M{{"id": "s", "type": "set_property", "property": "lifecycle", "value": "customer", "mode": "replace"}},
			M{"lifecycle": "lead"}, nil, M{"lifecycle": "customer"}, nil,
			map[string]M{"s": {"property": "lifecycle", "value": "customer", "mode": "replace"}}},
		{"set replaces a list", []M{{"id": "s", "type": "set_property", "property": "tags", "value": []string{"x"}}},
			M{"tags": []string{"a", "b"}}, nil, M{"tags": []any{"x"}}, nil,
			map[string]M{"s": {"mode": "replace"}}},
		{"append dedupes case-insensitively", []M{{"id": "s", "type": "set_property", "property": "tags", "value": []string{"b", "c", "C"}, "mode": "append"}},
			M{"tags": []string{"a", "B"}}, nil, M{"tags": []any{"a", "B", "c"}}, nil, nil},
		{"append to a scalar makes a list", []M{{"id": "s", "type": "set_property", "property": "tags", "value": "viewer", "mode": "append"}},
			M{"tags": "lead"}, nil, M{"tags": []any{"lead", "viewer"}}, nil, nil},
		{"append to nothing", []M{{"id": "s", "type": "set_property", "property": "tags", "value": []string{"viewer"}, "mode": "append"}},
			nil, nil, M{"tags": []any{"viewer"}}, nil, nil},
		{"copy from a property", []M{{"id": "cp", "type": "copy_property", "from": "city", "to": "country"}},
			M{"city": "Dublin"}, nil, M{"city": "Dublin", "country": "Dublin"}, nil,
			map[string]M{"cp": {"from": "city", "to": "country", "value": "Dublin"}}},
		{"copy from the event", []M{{"id": "cp", "type": "copy_property", "from": "event.utm.source", "to": "lead_source"}},
			nil, M{"utm": M{"source": "newsletter"}}, M{"lead_source": "newsletter"}, nil,
			map[string]M{"cp": {"from": "event.utm.source", "value": "newsletter"}}},
		{"copy from an empty source is skipped", []M{
			{"id": "cp", "type": "copy_property", "from": "nickname", "to": "first_name", "next": "after"},
			{"id": "after", "type": "set_property", "property": "lead_status", "value": "in_progress"}},
			M{"first_name": "Ann"}, nil, M{"first_name": "Ann", "lead_status": "in_progress"},
			[]string{"enrolled", "cp:skipped", "after:ok", "completed"},
			map[string]M{"cp": {"reason": `"nickname" is empty, nothing to copy`}}},
		{"clear", []M{{"id": "cl", "type": "clear_property", "property": "phone"}},
			M{"phone": "+31 6 1234"}, nil, M{"phone": nil}, nil,
			map[string]M{"cl": {"property": "phone", "previous": "+31 6 1234"}}},
		{"increment a missing value", []M{{"id": "inc", "type": "increment_property", "property": "score", "by": 5}},
			nil, nil, M{"score": float64(5)}, nil,
			map[string]M{"inc": {"by": float64(5), "previous": nil}}},
		{"negative by decrements", []M{{"id": "inc", "type": "increment_property", "property": "score", "by": -3}},
			M{"score": 10}, nil, M{"score": float64(7)}, nil,
			map[string]M{"inc": {"by": float64(-3), "previous": float64(10)}}},
		{"increment a numeric string", []M{{"id": "inc", "type": "increment_property", "property": "score", "by": 1.5}},
			M{"score": "2"}, nil, M{"score": 3.5}, nil, nil},
		{"increment a non-number fails", []M{
			{"id": "first", "type": "set_property", "property": "lead_status", "value": "open", "next": "inc"},
			{"id": "inc", "type": "increment_property", "property": "points", "by": 1, "next": "never"},
			{"id": "never", "type": "set_property", "property": "lifecycle", "value": "evangelist"}},
			M{"points": "lots"}, nil, M{"points": "lots", "lead_status": "open", "lifecycle": nil},
			[]string{"enrolled", "first:ok", "inc:failed", "failed"},
			map[string]M{"inc": {"error": `property "points" holds lots, which is not a number, so it cannot be incremented`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.deployM(flow("p", tc.steps...))
			id := h.startWith("p", "ann@example.com", tc.data, tc.props)
			h.run()
			trail := tc.trail
			if trail == nil {
				trail = []string{"enrolled", tc.steps[0]["id"].(string) + ":ok", "completed"}
			}
			h.wantTrail(id, trail...)
			p := h.props("ann@example.com")
			for k, want := range tc.want {
				got, ok := p[k]
				if want == nil {
					if ok {
						t.Fatalf("%s = %v, want it absent", k, got)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s = %#v, want %#v (all: %v)", k, got, want, p)
				}
			}
			for step, want := range tc.detail {
				outcome := strings.SplitN(trailFor(trail, step), ":", 2)[1]
				d := h.entry(id, step, outcome)
				for k, v := range want {
					if !reflect.DeepEqual(d[k], v) {
						t.Fatalf("step %s detail %s = %#v, want %#v (detail %v)", step, k, d[k], v, d)
					}
				}
			}
		})
	}
}

// trailFor returns the trail entry of step ("step:outcome"), defaulting to ok.
func trailFor(trail []string, step string) string {
	for _, s := range trail {
		if strings.HasPrefix(s, step+":") {
			return s
		}
	}
	return step + ":ok"
}

func TestIncrementFailureIsRecorded(t *testing.T) {
	h := newHarness(t)
	// "points" is declared text by its first value; the step only learns that when it runs.
	h.deployM(flow("p", M{"id": "inc", "type": "increment_property", "property": "points", "by": 1}))
	id := h.start("p", "ann@example.com", M{"points": "lots"})
	h.run()
	en := h.enrollment(id)
	if en.Status != store.StatusFailed || en.CurrentStep != "inc" || !strings.Contains(en.Error, "not a number") {
		t.Fatalf("enrollment %+v", en)
	}
	st, err := h.db.Stats(h.ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if st.Steps["inc"].Failed != 1 || st.Steps["inc"].Completed != 0 || st.Enrollments[store.StatusFailed] != 1 {
		t.Fatalf("stats %+v %+v", st.Enrollments, st.Steps["inc"])
	}
}

func TestListSteps(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("lists",
		M{"id": "add1", "type": "add_to_list", "list": "vip", "next": "add2"},
		M{"id": "add2", "type": "add_to_list", "list": "vip", "next": "other"},
		M{"id": "other", "type": "add_to_list", "list": "newsletter", "next": "rm1"},
		M{"id": "rm1", "type": "remove_from_list", "list": "vip", "next": "rm2"},
		M{"id": "rm2", "type": "remove_from_list", "list": "vip"}))
	id := h.start("lists", "ann@example.com", nil)
	h.run()
	h.wantTrail(id, "enrolled", "add1:ok", "add2:ok", "other:ok", "rm1:ok", "rm2:ok", "completed")
	for step, want := range map[string]bool{"add1": true, "add2": false, "other": true, "rm1": true, "rm2": false} {
		d := h.entry(id, step, store.HistOK)
		if d["changed"] != want {
			t.Errorf("%s: changed %v, want %v (detail %v)", step, d["changed"], want, d)
		}
	}
	lists, err := h.db.RecordLists(h.ctx, h.record("ann@example.com").ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lists, []string{"newsletter"}) {
		t.Fatalf("lists %v", lists)
	}
}

func TestEnrollStep(t *testing.T) {
	target := flow("nurture",
		M{"id": "hold", "type": "delay", "duration": "1h", "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open"})
	router := flow("router",
		M{"id": "enroll", "type": "enroll", "workflow": "nurture", "next": "after"},
		M{"id": "after", "type": "set_property", "property": "lifecycle", "value": "opportunity"})

	t.Run("enrolled", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(target)
		h.deployM(router)
		id := h.start("router", "ann@example.com", nil)
		h.run()
		h.wantTrail(id, "enrolled", "enroll:ok", "after:ok", "completed")
		ens := h.enrollments("nurture")
		if len(ens) != 1 || ens[0].Status != store.StatusWaiting || ens[0].Version != 1 {
			t.Fatalf("nurture enrollments %+v", ens)
		}
		if d := h.entry(id, "enroll", store.HistOK); d["enrollment"] != float64(ens[0].ID) || d["workflow"] != "nurture" {
			t.Fatalf("enroll detail %v", d)
		}
		r := h.reason(ens[0].ID)
		if r.TriggerType != "enroll" || r.Trigger != "enroll" || r.By != "router/enroll" || !strings.Contains(r.Summary, `"router"`) {
			t.Fatalf("reason %+v", r)
		}
		h.advance(time.Hour)
		h.wantStatus(ens[0].ID, store.StatusCompleted)
		if got := h.props("ann@example.com")["lead_status"]; got != "open" {
			t.Fatalf("lead_status %v", got)
		}
	})
	t.Run("already enrolled is logged and the enrollment goes on", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(target)
		h.deployM(router)
		first := h.start("nurture", "ann@example.com", nil)
		h.run()
		id := h.start("router", "ann@example.com", nil)
		h.run()
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "enroll:skipped", "after:ok", "completed")
		if d := h.entry(id, "enroll", store.HistSkipped); d["reason"] != "already enrolled" {
			t.Fatalf("enroll detail %v", d)
		}
		if ens := h.enrollments("nurture"); len(ens) != 1 || ens[0].ID != first {
			t.Fatalf("nurture enrollments %+v", ens)
		}
		if got := h.props("ann@example.com")["lifecycle"]; got != "opportunity" {
			t.Fatalf("lifecycle %v", got)
		}
	})
	t.Run("target off is a failed step and the enrollment goes on", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(target)
		h.deployM(router)
		if _, err := h.eng.Workflows().Disable(h.ctx, "nurture", false); err != nil {
			t.Fatal(err)
		}
		id := h.start("router", "ann@example.com", nil)
		h.run()
		h.wantTrail(id, "enrolled", "enroll:failed", "after:ok", "completed")
		if d := h.entry(id, "enroll", store.HistFailed); !strings.Contains(fmt.Sprint(d["error"]), `the workflow "nurture" is off`) {
			t.Fatalf("enroll detail %v", d)
		}
		h.wantStatus(id, store.StatusCompletedWithErrors)
		if st, err := h.db.Stats(h.ctx, "router"); err != nil || st.Steps["enroll"].Failed != 1 || st.Enrollments[store.StatusCompletedWithErrors] != 1 {
			t.Fatalf("stats %+v, %v", st, err)
		}
		if ens := h.enrollments("nurture"); len(ens) != 0 {
			t.Fatalf("nurture enrollments %+v", ens)
		}
	})
}

// An outbound step with no action set up could not do its job: failed, not skipped.
func TestOutboundStepsWithoutAnActionFail(t *testing.T) {
	steps := []M{
		{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9000/in"},
		{"id": "mail", "type": "send_email", "subject": "Welcome", "body": "Hi"},
		{"id": "imail", "type": "internal_email", "to": []string{"sales@example.com"}, "subject": "New lead", "body": "Look"},
		{"id": "sms", "type": "sms", "to": "+31612345678", "text": "Hi"},
		{"id": "slack", "type": "slack", "webhook_url": "https://hooks.slack.com/services/x", "text": "Hi"},
		{"id": "notify", "type": "notify", "users": []string{"owner"}, "text": "Hi"},
		{"id": "deal", "type": "create_record", "record_type": "deal", "properties": M{"name": "Deal"}},
		{"id": "task", "type": "create_task", "title": "Call"},
		{"id": "owner", "type": "rotate_owner", "owners": []string{"a", "b"}},
		{"id": "sub", "type": "subscription", "subscription": "newsletter", "status": "opted_in"},
		{"id": "last", "type": "set_property", "property": "lead_status", "value": "connected"},
	}
	want := []string{"enrolled"}
	for i := range steps {
		if i+1 < len(steps) {
			steps[i]["next"] = steps[i+1]["id"]
			outcome := ":failed" // no outbound actions are configured in this engine
			if i >= 5 {
				outcome = ":ok" // database steps always run (steps_records.go)
			}
			want = append(want, steps[i]["id"].(string)+outcome)
		}
	}
	want = append(want, "last:ok", "completed")
	h := newHarness(t)
	h.deployM(flow("out", steps...))
	id := h.start("out", "ann@example.com", nil)
	h.run()
	h.wantTrail(id, want...)
	if d := h.entry(id, "hook", store.HistFailed); !strings.Contains(d["error"].(string), "webhook steps are not set up") {
		t.Fatalf("webhook detail %v", d)
	}
	h.wantStatus(id, store.StatusCompletedWithErrors)
	if en := h.enrollment(id); en.FailedSteps != 5 {
		t.Fatalf("failed steps %d, want 5", en.FailedSteps)
	}
	if d := h.entry(id, "", store.HistCompleted); d["failed_steps"] != 5.0 {
		t.Fatalf("completed detail %v", d)
	}
	if got := h.props("ann@example.com")["lead_status"]; got != "connected" {
		t.Fatalf("lead_status %v", got)
	}
	hist, err := h.db.History(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if hist[1].StepType != "webhook" || hist[2].StepType != "send_email" {
		t.Fatalf("step types %q %q", hist[1].StepType, hist[2].StepType)
	}
}
