package workflow

import (
	"reflect"
	"testing"
	"time"
)

func TestParseCron(t *testing.T) {
	cases := []struct {
		expr     string
		times    []int
		weekdays []time.Weekday
		dowRestr bool
	}{
		{"0 9 * * MON", []int{9 * 60}, []time.Weekday{time.Monday}, true},
		{"0 9 * * 7", []int{9 * 60}, []time.Weekday{time.Sunday}, true},
		{"0 9 * * 0,7", []int{9 * 60}, []time.Weekday{time.Sunday}, true},
		{"*/20 8-9 * * *", []int{480, 500, 520, 540, 560, 580}, []time.Weekday{0, 1, 2, 3, 4, 5, 6}, false},
		{"5/20 1 * * mon-fri", []int{65, 85, 105}, []time.Weekday{1, 2, 3, 4, 5}, true},
		{"0 0 1-31/10 * *", []int{0}, []time.Weekday{0, 1, 2, 3, 4, 5, 6}, false},
	}
	for _, c := range cases {
		cr, err := ParseCron(c.expr)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		if got := cr.Times(); !reflect.DeepEqual(got, c.times) {
			t.Errorf("%q: times %v, want %v", c.expr, got, c.times)
		}
		wd, restricted := cr.Weekdays()
		if !reflect.DeepEqual(wd, c.weekdays) || restricted != c.dowRestr {
			t.Errorf("%q: weekdays %v %v, want %v %v", c.expr, wd, restricted, c.weekdays, c.dowRestr)
		}
	}
	if _, err := ParseCron("0 0 31 2 *"); err == nil {
		t.Error("31 February accepted")
	}
	if _, err := ParseCron("0 0 30 2 MON"); err != nil {
		t.Errorf("30 February OR Monday refused: %v", err) // runs on Mondays in February
	}
	if _, err := ParseCron("0 0 29 2 *"); err != nil {
		t.Errorf("29 February refused: %v", err)
	}
	if cr, _ := ParseCron(" 0   9 * *  MON "); cr.String() != "0 9 * * MON" {
		t.Errorf("String = %q", cr.String())
	}
}

func TestCronDay(t *testing.T) {
	cases := []struct {
		expr string
		day  string
		want bool
	}{
		{"0 9 * * MON", "2026-03-02", true},
		{"0 9 * * MON", "2026-03-03", false},
		{"0 9 1 * *", "2026-03-01", true},
		{"0 9 1 * *", "2026-03-02", false},
		{"0 9 1 * MON", "2026-03-01", true},    // the 1st (a Sunday): day of month matches
		{"0 9 1 * MON", "2026-03-09", true},    // a Monday: weekday matches
		{"0 9 1 * MON", "2026-03-10", false},   // neither
		{"0 9 */2 * MON", "2026-03-03", false}, // "*/2" starts with "*": both must match (classic cron)
		{"0 9 */2 * MON", "2026-03-09", true},
		{"0 9 * 3 *", "2026-04-01", false},
		{"0 9 1-7 * *", "2026-03-07", true},
	}
	for _, c := range cases {
		cr, err := ParseCron(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := time.Parse(time.DateOnly, c.day)
		if got := cr.Day(d.Year(), d.Month(), d.Day()); got != c.want {
			t.Errorf("%q on %s: %v, want %v", c.expr, c.day, got, c.want)
		}
	}
}

func TestWallInstant(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	cases := []struct {
		y     int
		m     time.Month
		d     int
		hh    int
		mm    int
		want  string
		label string
	}{
		{2026, 3, 29, 2, 30, "2026-03-29T01:00:00Z", "inside the spring gap: the gap's end"},
		{2026, 3, 29, 3, 0, "2026-03-29T01:00:00Z", "the gap's end itself"},
		{2026, 10, 25, 2, 30, "2026-10-25T00:30:00Z", "repeated on fall back: the first"},
		{2026, 10, 25, 9, 0, "2026-10-25T08:00:00Z", "after fall back: CET"},
	}
	for _, c := range cases {
		got := WallInstant(c.y, c.m, c.d, c.hh, c.mm, ams)
		if got.UTC().Format(time.RFC3339) != c.want {
			t.Errorf("%s: %s, want %s", c.label, got.UTC().Format(time.RFC3339), c.want)
		}
	}
}
