package workflow

import (
	"strings"
	"testing"
	"time"
)

func TestUntilNext(t *testing.T) {
	const ams = "Europe/Amsterdam"
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name      string
		until     Until
		defaultTZ string
		after     string
		want      string
	}{
		{"later the same day", Until{Time: "11:00", Timezone: ams}, "", "2026-05-05T08:00:00Z", "2026-05-05T09:00:00Z"},
		{"already past today", Until{Time: "11:00", Timezone: ams}, "", "2026-05-05T10:00:00Z", "2026-05-06T09:00:00Z"},
		{"exactly at the time is not after", Until{Time: "11:00", Timezone: ams}, "", "2026-05-05T09:00:00Z", "2026-05-06T09:00:00Z"},
		{"one nanosecond before", Until{Time: "11:00", Timezone: ams}, "", "2026-05-05T08:59:59.999999999Z", "2026-05-05T09:00:00Z"},
		{"next tuesday", Until{Weekdays: []string{"tue"}, Time: "11:00", Timezone: ams}, "", "2026-05-06T12:00:00Z", "2026-05-12T09:00:00Z"},
		{"tuesday after tuesday's time", Until{Weekdays: []string{"tue"}, Time: "11:00", Timezone: ams}, "", "2026-05-12T09:30:00Z", "2026-05-19T09:00:00Z"},
		{"first of several weekdays", Until{Weekdays: []string{"fri", "mon"}, Time: "09:00", Timezone: ams}, "", "2026-05-06T12:00:00Z", "2026-05-08T07:00:00Z"},
		{"weekday names ignore case", Until{Weekdays: []string{"MON"}, Time: "09:00", Timezone: ams}, "", "2026-05-06T12:00:00Z", "2026-05-11T07:00:00Z"},
		{"zone decides the day", Until{Weekdays: []string{"wed"}, Time: "00:30", Timezone: "Asia/Tokyo"}, "", "2026-05-05T14:00:00Z", "2026-05-05T15:30:00Z"},
		{"default zone", Until{Time: "11:00"}, ams, "2026-05-05T08:00:00Z", "2026-05-05T09:00:00Z"},
		{"step zone beats default", Until{Time: "11:00", Timezone: "UTC"}, ams, "2026-05-05T08:00:00Z", "2026-05-05T11:00:00Z"},
		{"no zone means UTC", Until{Time: "11:00"}, "", "2026-05-05T08:00:00Z", "2026-05-05T11:00:00Z"},
		{"midnight", Until{Time: "00:00", Timezone: ams}, "", "2026-05-05T08:00:00Z", "2026-05-05T22:00:00Z"},
		{"across new year", Until{Weekdays: []string{"fri"}, Time: "09:00", Timezone: ams}, "", "2026-12-31T12:00:00Z", "2027-01-01T08:00:00Z"},

		// Spring forward: 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00 UTC).
		{"spring: ordinary time keeps its wall clock", Until{Weekdays: []string{"tue"}, Time: "11:00", Timezone: ams}, "", "2026-03-28T11:00:00Z", "2026-03-31T09:00:00Z"},
		{"spring: day before the change", Until{Time: "11:00", Timezone: ams}, "", "2026-03-28T10:00:00Z", "2026-03-29T09:00:00Z"},
		{"spring: missing time goes to end of gap", Until{Time: "02:30", Timezone: ams}, "", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		{"spring: missing 02:00 goes to end of gap", Until{Time: "02:00", Timezone: ams}, "", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		{"spring: 03:00 is the first instant after the gap", Until{Time: "03:00", Timezone: ams}, "", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		{"spring: after the gap instant, next day", Until{Time: "02:30", Timezone: ams}, "", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		{"spring: 01:59 still exists", Until{Time: "01:59", Timezone: ams}, "", "2026-03-28T12:00:00Z", "2026-03-29T00:59:00Z"},

		// Fall back: 2026-10-25 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:xx happens twice.
		{"fall: ordinary time keeps its wall clock", Until{Weekdays: []string{"tue"}, Time: "11:00", Timezone: ams}, "", "2026-10-24T11:00:00Z", "2026-10-27T10:00:00Z"},
		{"fall: day of the change", Until{Time: "11:00", Timezone: ams}, "", "2026-10-24T12:00:00Z", "2026-10-25T10:00:00Z"},
		{"fall: repeated time uses first occurrence", Until{Time: "02:30", Timezone: ams}, "", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"fall: between occurrences goes to next day", Until{Time: "02:30", Timezone: ams}, "", "2026-10-25T00:45:00Z", "2026-10-26T01:30:00Z"},
		{"fall: 03:00 after the change", Until{Time: "03:00", Timezone: ams}, "", "2026-10-24T12:00:00Z", "2026-10-25T02:00:00Z"},

		// New York changes on other dates (2026-03-08 and 2026-11-01).
		{"new york spring gap", Until{Time: "02:15", Timezone: "America/New_York"}, "", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"},
		{"new york fall repeat", Until{Time: "01:30", Timezone: "America/New_York"}, "", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.until.Next(utc(c.after), c.defaultTZ)
			if err != nil {
				t.Fatal(err)
			}
			if want := utc(c.want); !got.Equal(want) {
				t.Fatalf("got %s (%s), want %s", got.UTC().Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
			}
			if !got.After(utc(c.after)) {
				t.Fatal("result is not strictly after the input")
			}
		})
	}
}

func TestUntilNextInputZoneIrrelevant(t *testing.T) {
	u := Until{Weekdays: []string{"tue"}, Time: "11:00", Timezone: "Europe/Amsterdam"}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	after := time.Date(2026, 5, 6, 12, 0, 0, 0, time.UTC)
	a, err := u.Next(after, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := u.Next(after.In(tokyo), "")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Equal(b) {
		t.Fatalf("%s != %s", a, b)
	}
}

func TestUntilNextErrors(t *testing.T) {
	after := time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		until Until
		tz    string
		want  string
	}{
		{Until{Time: "25:00"}, "", "not a time of day"},
		{Until{Time: "9:00"}, "", "not a time of day"},
		{Until{Time: ""}, "", "not a time of day"},
		{Until{Time: "09:60"}, "", "not a time of day"},
		{Until{Time: "09:00", Weekdays: []string{"funday"}}, "", "not a weekday"},
		{Until{Time: "09:00", Timezone: "Mars/Olympus"}, "", "unknown time zone"},
		{Until{Time: "09:00"}, "Mars/Olympus", "unknown time zone"},
		{Until{Time: "09:00"}, "Local", "depends on the computer"},
	}
	for _, c := range cases {
		_, err := c.until.Next(after, c.tz)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v tz %q: want error containing %q, got %v", c.until, c.tz, c.want, err)
		}
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string][2]int{"00:00": {0, 0}, "09:05": {9, 5}, "23:59": {23, 59}} {
		h, m, err := ParseClock(in)
		if err != nil || h != want[0] || m != want[1] {
			t.Errorf("%q: got %d:%d %v", in, h, m, err)
		}
	}
	for _, bad := range []string{"24:00", "9:00", "09:0", "0900", "ab:cd", "09:00:00", " 9:00"} {
		if _, _, err := ParseClock(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
