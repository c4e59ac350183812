package workflow

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// weekdayNames maps the weekday names a definition uses to time.Weekday.
var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Weekdays lists the weekday names accepted in Until.Weekdays, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ParseClock parses a 24-hour "HH:MM" wall time (e.g. "09:00", "23:59").
func ParseClock(s string) (hour, minute int, err error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, 0, fmt.Errorf("%q is not a time of day; write it as HH:MM on a 24-hour clock, like \"09:00\" or \"17:30\"", s)
	}
	hour = int(s[0]-'0')*10 + int(s[1]-'0')
	minute = int(s[3]-'0')*10 + int(s[4]-'0')
	if hour > 23 || minute > 59 {
		return 0, 0, fmt.Errorf("%q is not a time of day; hours go from 00 to 23 and minutes from 00 to 59", s)
	}
	return hour, minute, nil
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// locations caches loaded time zones: time.LoadLocation reads the zone database on every call.
var locations sync.Map // string -> *time.Location

// LoadLocation is time.LoadLocation with a cache; "" means UTC.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	// "Local" would make results depend on the machine; a definition must name a real zone.
	if strings.EqualFold(name, "local") {
		return nil, fmt.Errorf("time zone %q depends on the computer; name a zone like \"Europe/Amsterdam\"", name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q; use a name like \"Europe/Amsterdam\" or \"America/New_York\"", name)
	}
	locations.Store(name, l)
	return l, nil
}

// Next returns the first instant strictly after after that falls on one of u.Weekdays (any
// day when empty) at wall time u.Time in u.Timezone, else defaultTZ, else UTC.
//
// Daylight-saving changes: when the wall time does not exist that day (spring forward), the
// day's instant is the first instant after the gap; when it exists twice (fall back), the
// day's instant is the first occurrence. Each day contributes at most one instant.
func (u Until) Next(after time.Time, defaultTZ string) (time.Time, error) {
	hour, minute, err := ParseClock(u.Time)
	if err != nil {
		return time.Time{}, err
	}
	days := map[time.Weekday]bool{}
	for _, w := range u.Weekdays {
		wd, ok := weekdayNames[strings.ToLower(w)]
		if !ok {
			return time.Time{}, fmt.Errorf("%q is not a weekday; use mon, tue, wed, thu, fri, sat or sun", w)
		}
		days[wd] = true
	}
	tz := u.Timezone
	if tz == "" {
		tz = defaultTZ
	}
	loc, err := LoadLocation(tz)
	if err != nil {
		return time.Time{}, err
	}
	local := after.In(loc)
	y, m, d := local.Date()
	// Two weeks covers any weekday set even if a zone skips a whole calendar day.
	for i := 0; i < 15; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC) // calendar arithmetic only
		if len(days) > 0 && !days[day.Weekday()] {
			continue
		}
		t := wallInstant(day.Year(), day.Month(), day.Day(), hour, minute, loc)
		if t.After(after) {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("no matching day found after %s", after.Format(time.RFC3339))
}

// wallInstant returns the earliest instant showing the wall time y-m-d hh:mm in loc, or, when
// that wall time falls in a daylight-saving gap, the first instant after the gap.
func wallInstant(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, hh, mm, 0, 0, time.UTC) // the wall time read as UTC
	t := time.Date(y, m, d, hh, mm, 0, 0, loc)
	// Collect the UTC offsets in effect around that day and try each reading of the wall time.
	offsets := map[int]bool{}
	for _, probe := range []time.Time{t.Add(-Day), t, t.Add(Day)} {
		_, off := probe.Zone()
		offsets[off] = true
	}
	var best, latest time.Time
	for off := range offsets {
		inst := naive.Add(-time.Duration(off) * time.Second)
		if latest.IsZero() || inst.After(latest) {
			latest = inst
		}
		l := inst.In(loc)
		if l.Year() == y && l.Month() == m && l.Day() == d && l.Hour() == hh && l.Minute() == mm {
			if best.IsZero() || inst.Before(best) {
				best = inst
			}
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// In a gap: every reading lands after the transition or before it; the zone that holds the
	// latest reading began at the end of the gap.
	start, _ := latest.In(loc).ZoneBounds()
	if start.IsZero() {
		return t
	}
	return start.In(loc)
}
