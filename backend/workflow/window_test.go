package workflow

import (
	"strings"
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWindowHoldsUntilTheNextStartAcrossAWeekendAndADSTChange(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	w := ExecutionWindow{Timezone: "Europe/Amsterdam", Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:00"}
	// Friday 23 October 2026 17:30 CEST; the clocks go back on Sunday the 25th.
	fri := time.Date(2026, 10, 23, 17, 30, 0, 0, ams)
	at, held, err := w.Hold(fri, "", 42)
	if err != nil || !held {
		t.Fatalf("Friday evening: held %v err %v", held, err)
	}
	start := time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC) // Monday 09:00 CET (UTC+1 after the change)
	if at.Before(start) || !at.Before(start.Add(WindowSpread)) {
		t.Fatalf("held until %s, want within 15 minutes of %s", at.UTC(), start)
	}
	again, _, _ := w.Hold(fri.Add(36*time.Hour), "", 42) // Sunday morning, same enrollment
	if !again.Equal(at) {
		t.Fatalf("the spread is not stable per key: %s then %s", at, again)
	}
	if ok, _ := w.Contains(at, ""); !ok {
		t.Fatalf("the held time %s is outside the window", at.In(ams))
	}
	// Inside the window nothing is held.
	if got, held, _ := w.Hold(start.Add(3*time.Hour), "", 42); held || !got.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("Monday noon: held %v until %s", held, got)
	}
	// Before the window on a weekday: today's start, not tomorrow's.
	early := time.Date(2026, 10, 27, 7, 0, 0, 0, ams)
	if got, held, _ := w.Hold(early, "", 42); !held || got.In(ams).Day() != 27 || got.In(ams).Hour() != 9 {
		t.Fatalf("Tuesday 07:00: held %v until %s", held, got.In(ams))
	}
	// To is exclusive.
	if ok, _ := w.Contains(time.Date(2026, 10, 27, 17, 0, 0, 0, ams), ""); ok {
		t.Fatal("17:00 counted inside a window that ends at 17:00")
	}
}

func TestWindowStartInASpringForwardGapIsTheFirstInstantAfterIt(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	w := ExecutionWindow{Days: []string{"sun"}, From: "02:30", To: "04:00"}
	// Sunday 8 March 2026: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist.
	before := time.Date(2026, 3, 8, 1, 0, 0, 0, ny)
	at, held, err := w.Hold(before, "America/New_York", 7)
	if err != nil || !held {
		t.Fatalf("held %v err %v", held, err)
	}
	gapEnd := time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC) // 03:00 EDT
	if at.Before(gapEnd) || !at.Before(gapEnd.Add(WindowSpread)) {
		t.Fatalf("held until %s, want within 15 minutes after %s", at.In(ny), gapEnd.In(ny))
	}
}

func TestWindowSpreadCoversTheFirstFifteenMinutes(t *testing.T) {
	w := ExecutionWindow{Days: []string{"mon"}, From: "09:00", To: "17:00"}
	sun := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	minutes := map[int]int{}
	for key := int64(1); key <= 3000; key++ {
		at, _, err := w.Hold(sun, "", key)
		if err != nil {
			t.Fatal(err)
		}
		off := at.Sub(start)
		if off < 0 || off >= WindowSpread {
			t.Fatalf("key %d held %s after the start", key, off)
		}
		minutes[int(off/time.Minute)]++
	}
	for m := 0; m < 15; m++ {
		if n := minutes[m]; n < 3000/15/2 {
			t.Fatalf("minute %d got %d of 3000 held steps: %v", m, n, minutes)
		}
	}
	// A window shorter than the spread keeps held steps inside it.
	short := ExecutionWindow{Days: []string{"mon"}, From: "09:00", To: "09:05"}
	for key := int64(1); key <= 200; key++ {
		at, _, _ := short.Hold(sun, "", key)
		if at.Sub(start) >= 5*time.Minute {
			t.Fatalf("key %d held until %s, past a 5-minute window", key, at)
		}
	}
}

func TestValidateExecutionWindowNamesEachField(t *testing.T) {
	d := validDefinition()
	d.ExecutionWindow = &ExecutionWindow{Timezone: "Mars/Base", Days: []string{"mon", "funday", "mon"}, From: "9am", To: ""}
	got := map[string]string{}
	for _, p := range Validate(d, Options{}) {
		got[p.Field] = p.Message
	}
	for field, want := range map[string]string{
		"execution_window.timezone": `"Mars/Base" is not known`,
		"execution_window.days[1]":  `"funday" is not a weekday`,
		"execution_window.days[2]":  "listed twice",
		"execution_window.from":     `"9am", which is not a time of day`,
		"execution_window.to":       "do not say when they end",
	} {
		if !strings.Contains(got[field], want) {
			t.Errorf("%s: got %q, want it to say %q", field, got[field], want)
		}
	}
	d.ExecutionWindow = &ExecutionWindow{Days: nil, From: "17:00", To: "17:00"}
	got = map[string]string{}
	for _, p := range Validate(d, Options{}) {
		got[p.Field] = p.Message
	}
	if !strings.Contains(got["execution_window.days"], "no days") || !strings.Contains(got["execution_window.to"], "the time they start") {
		t.Fatalf("problems %v", got)
	}
	for _, good := range []ExecutionWindow{{Days: []string{"mon", "fri"}, From: "09:00", To: "17:00"}, {Days: []string{"fri"}, From: "22:00", To: "06:00"}} {
		d.ExecutionWindow = &good
		if ps := Validate(d, Options{}); len(ps) != 0 {
			t.Fatalf("a good window %+v: %v", good, ps)
		}
	}
}

// TestWindowOverMidnight: "fri, sat 22:00–06:00" is Friday 22:00 to Saturday 06:00 and Saturday
// 22:00 to Sunday 06:00; a step reached outside waits for the next 22:00 of a listed day, and
// the nights of the daylight-saving changes are an hour shorter or longer on the clock.
func TestWindowOverMidnight(t *testing.T) {
	ams := mustZone(t, "Europe/Amsterdam")
	w := ExecutionWindow{Timezone: "Europe/Amsterdam", Days: []string{"fri", "sat"}, From: "22:00", To: "06:00"}
	in := func(y int, mo time.Month, d, h, m int) bool {
		ok, err := w.Contains(time.Date(y, mo, d, h, m, 0, 0, ams), "")
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// Friday 6 March 2026.
	for _, c := range []struct {
		d, h, m int
		want    bool
	}{
		{6, 21, 59, false}, {6, 22, 0, true}, {6, 23, 59, true}, {7, 0, 0, true}, {7, 5, 59, true}, {7, 6, 0, false},
		{7, 12, 0, false}, {7, 22, 30, true}, {8, 3, 0, true}, {8, 6, 0, false}, {8, 22, 0, false}, {9, 2, 0, false},
		{5, 23, 0, false}, {6, 2, 0, false}, // Thursday night is not listed; Friday early belongs to Thursday
	} {
		if got := in(2026, time.March, c.d, c.h, c.m); got != c.want {
			t.Errorf("March %d %02d:%02d: inside %v, want %v", c.d, c.h, c.m, got, c.want)
		}
	}
	// Reached on Sunday 8 March 07:00: held until Friday 13 March 22:00 CET, within the spread.
	at, held, err := w.Hold(time.Date(2026, 3, 8, 7, 0, 0, 0, ams), "", 9)
	start := time.Date(2026, 3, 13, 22, 0, 0, 0, ams)
	if err != nil || !held || at.Before(start) || !at.Before(start.Add(WindowSpread)) {
		t.Fatalf("held %v until %s (%v), want within 15 minutes of %s", held, at.In(ams), err, start)
	}
	// Inside the early part of the night nothing is held.
	sat3 := time.Date(2026, 3, 7, 3, 0, 0, 0, ams)
	if got, held, _ := w.Hold(sat3, "", 9); held || !got.Equal(sat3) {
		t.Fatalf("Saturday 03:00: held %v until %s", held, got.In(ams))
	}
	// Spring forward: the night of Saturday 28 March 2026 loses 02:00–03:00, so it lasts 7 hours
	// (22:00 CET to 06:00 CEST); the fall-back night of Saturday 24 October lasts 9.
	for _, c := range []struct {
		day   int
		month time.Month
		hours time.Duration
	}{{28, time.March, 7}, {24, time.October, 9}} {
		first := time.Date(2026, c.month, c.day, 22, 0, 0, 0, ams)
		n := 0
		for at := first; at.Before(first.Add(12 * time.Hour)); at = at.Add(time.Minute) {
			if ok, _ := w.Contains(at, ""); ok {
				n++
			}
		}
		if time.Duration(n)*time.Minute != c.hours*time.Hour {
			t.Errorf("the night of %s %d: %d minutes inside, want %v", c.month, c.day, n, c.hours*time.Hour)
		}
	}
	if got := w.Describe(""); got != "fri, sat 22:00–06:00 the next day Europe/Amsterdam" {
		t.Errorf("Describe: %q", got)
	}
}

// validDefinition is a small workflow with no problems.
func validDefinition() *Definition {
	d, err := Parse([]byte(`{"id": "w", "name": "W", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []},
		"start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": "https://example.com/in"}]}`))
	if err != nil {
		panic(err)
	}
	return d
}
