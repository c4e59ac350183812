package trigger

import (
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustSpec(t *testing.T, tr workflow.Trigger, wfTZ string) *Spec {
	t.Helper()
	s, err := CompileSpec(&tr, wfTZ)
	if err != nil {
		t.Fatalf("compile %+v: %v", tr, err)
	}
	return s
}

func TestNextCron(t *testing.T) {
	const ams, ny = "Europe/Amsterdam", "America/New_York"
	cases := []struct {
		name, cron, tz, wfTZ string
		after                string
		want                 string // "" = none
	}{
		{"monday 09:00 CET, same day", "0 9 * * MON", ams, "", "2026-03-02T07:00:00Z", "2026-03-02T08:00:00Z"},
		{"monday 09:00, strictly after", "0 9 * * MON", ams, "", "2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z"},
		{"monday 09:00 across spring forward", "0 9 * * MON", ams, "", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"},
		{"monday 09:00 across fall back", "0 9 * * MON", ams, "", "2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z"},
		{"workflow zone is the default", "0 9 * * MON", "", ams, "2026-03-02T07:00:00Z", "2026-03-02T08:00:00Z"},
		{"trigger zone beats workflow zone", "0 9 * * MON", ny, ams, "2026-03-02T07:00:00Z", "2026-03-02T14:00:00Z"},
		{"utc without zones", "0 9 * * MON", "", "", "2026-03-02T07:00:00Z", "2026-03-02T09:00:00Z"},
		{"daily 09:00 on the fall-back day", "0 9 * * *", ams, "", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"},
		{"daily 09:00 on the spring-forward day", "0 9 * * *", ams, "", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"},
		{"02:30 inside the spring gap fires at 03:00 CEST", "30 2 * * *", ams, "", "2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"},
		{"after the gap run, the next day is normal", "30 2 * * *", ams, "", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		{"02:30 on fall back fires at the first 02:30", "30 2 * * *", ams, "", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"not again at the second 02:30", "30 2 * * *", ams, "", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		{"two gap times collapse into one instant", "0,30 2 * * *", ams, "", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00Z"},
		{"and the collapsed instant fires once", "0,30 2 * * *", ams, "", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"},
		{"a gap time, then 03:30 as usual", "30 2,3 * * *", ams, "", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"},
		{"02:00 in the gap and a listed 03:00 collapse", "0 2,3 * * *", ams, "", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00Z"},
		{"and fire once", "0 2,3 * * *", ams, "", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"},
		{"new york spring gap", "0 2 * * *", ny, "", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"},
		{"hourly through fall back skips the repeated hour", "0 * * * *", ams, "", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"},
		{"29 February waits for a leap year", "0 0 29 2 *", "", "", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"day of month OR weekday", "0 9 1 * MON", "", "", "2026-03-02T10:00:00Z", "2026-03-09T09:00:00Z"},
		{"day of month OR weekday, the 1st", "0 9 1 * MON", "", "", "2026-03-30T10:00:00Z", "2026-04-01T09:00:00Z"},
		{"weekdays skip the weekend", "0 9 * * 1-5", "", "", "2026-03-06T10:00:00Z", "2026-03-09T09:00:00Z"},
		{"sunday as 7", "0 9 * * 7", "", "", "2026-03-02T10:00:00Z", "2026-03-08T09:00:00Z"},
		{"every 15 minutes", "*/15 * * * *", "", "", "2026-03-02T10:07:00Z", "2026-03-02T10:15:00Z"},
		{"every 15 from 5", "5/15 * * * *", "", "", "2026-03-02T10:21:00Z", "2026-03-02T10:35:00Z"},
		{"month names", "0 0 1 JAN *", "", "", "2026-03-02T10:00:00Z", "2027-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustSpec(t, workflow.Trigger{Type: "schedule", Cron: c.cron, Timezone: c.tz}, c.wfTZ)
			got, ok := s.Next(utc(c.after))
			if c.want == "" {
				if ok {
					t.Fatalf("want none, got %s", got.UTC().Format(time.RFC3339))
				}
				return
			}
			if !ok || !got.Equal(utc(c.want)) {
				t.Fatalf("Next(%s) = %s (%v), want %s", c.after, got.UTC().Format(time.RFC3339), ok, c.want)
			}
		})
	}
}

// TestCronDSTWeeks walks a daily and a weekly schedule over both 2026 changes and checks each
// day (week) has exactly one fire at 09:00 local.
func TestCronDSTWeeks(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	for _, cron := range []string{"0 9 * * *", "0 9 * * SUN", "30 2 * * *"} {
		s := mustSpec(t, workflow.Trigger{Type: "schedule", Cron: cron, Timezone: "Europe/Amsterdam"}, "")
		for _, window := range [][2]string{{"2026-03-20T00:00:00Z", "2026-04-10T00:00:00Z"}, {"2026-10-15T00:00:00Z", "2026-11-05T00:00:00Z"}} {
			cur, end := utc(window[0]), utc(window[1])
			days := map[string]int{}
			for {
				next, ok := s.Next(cur)
				if !ok || next.After(end) {
					break
				}
				if !next.After(cur) {
					t.Fatalf("%s: Next(%s) = %s does not move forward", cron, cur, next)
				}
				local := next.In(ams)
				days[local.Format(time.DateOnly)]++
				want := "09:00"
				if cron == "30 2 * * *" {
					want = "02:30"
					if local.Format(time.DateOnly) == "2026-03-29" {
						want = "03:00" // inside the gap: the first instant after it
					}
				}
				if got := local.Format("15:04"); got != want {
					t.Errorf("%s: fired at %s local, want %s", cron, local.Format(time.RFC3339), want)
				}
				cur = next
			}
			wantDays := 21
			if cron == "0 9 * * SUN" {
				wantDays = 3
			}
			if len(days) != wantDays {
				t.Errorf("%s in %v: fired on %d days, want %d: %v", cron, window, len(days), wantDays, days)
			}
			for d, n := range days {
				if n != 1 {
					t.Errorf("%s: %s fired %d times", cron, d, n)
				}
			}
		}
	}
}

func TestNextAtAndLatest(t *testing.T) {
	at := mustSpec(t, workflow.Trigger{Type: "schedule", At: "2026-05-01T09:00:00+02:00"}, "")
	if got, ok := at.Next(utc("2026-04-01T00:00:00Z")); !ok || !got.Equal(utc("2026-05-01T07:00:00Z")) {
		t.Fatalf("at: got %s %v", got, ok)
	}
	if _, ok := at.Next(utc("2026-05-01T07:00:00Z")); ok {
		t.Fatal("at: fired again at its own instant")
	}
	if last, n, ok := at.Latest(utc("2026-04-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"), 100); !ok || n != 1 || !last.Equal(utc("2026-05-01T07:00:00Z")) {
		t.Fatalf("at latest: %s %d %v", last, n, ok)
	}

	weekly := mustSpec(t, workflow.Trigger{Type: "schedule", Cron: "0 9 * * MON", Timezone: "Europe/Amsterdam"}, "")
	last, n, ok := weekly.Latest(utc("2026-03-02T08:00:00Z"), utc("2026-03-24T00:00:00Z"), 100)
	if !ok || n != 3 || !last.Equal(utc("2026-03-23T08:00:00Z")) {
		t.Fatalf("weekly latest: %s %d %v", last, n, ok)
	}
	if _, n, ok := weekly.Latest(utc("2026-03-02T08:00:00Z"), utc("2026-03-09T07:59:00Z"), 100); ok || n != 0 {
		t.Fatalf("weekly latest with nothing due: %d %v", n, ok)
	}
	if _, n, _ := weekly.Latest(utc("2026-03-02T08:00:00Z"), utc("2027-03-02T08:00:00Z"), 5); n != 5 {
		t.Fatalf("limit not honoured: %d", n)
	}
}

func TestFireFor(t *testing.T) {
	base := workflow.Trigger{Type: "schedule", DateProperty: "renewal_date", Offset: "-3d", Time: "09:00"}
	cases := []struct {
		name     string
		tr       func(workflow.Trigger) workflow.Trigger
		wfTZ     string
		props    map[string]any
		want     string // "" = no fire
		fireDate string
	}{
		{"utc default", nil, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-07T09:00:00Z", "2026-06-07"},
		{"workflow zone", nil, "Europe/Amsterdam", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-07T07:00:00Z", "2026-06-07"},
		{"record zone beats workflow zone", nil, "Europe/Amsterdam", map[string]any{"renewal_date": "2026-06-10", "timezone": "America/New_York"}, "2026-06-07T13:00:00Z", "2026-06-07"},
		{"record zone beats trigger zone", func(tr workflow.Trigger) workflow.Trigger { tr.Timezone = "Asia/Tokyo"; return tr },
			"", map[string]any{"renewal_date": "2026-06-10", "timezone": "Europe/London"}, "2026-06-07T08:00:00Z", "2026-06-07"},
		{"trigger zone", func(tr workflow.Trigger) workflow.Trigger { tr.Timezone = "Asia/Tokyo"; return tr },
			"Europe/Amsterdam", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-07T00:00:00Z", "2026-06-07"},
		{"unknown record zone falls back", nil, "Europe/Amsterdam", map[string]any{"renewal_date": "2026-06-10", "timezone": "Mars/Olympus"}, "2026-06-07T07:00:00Z", "2026-06-07"},
		{"rfc 3339 value uses its local date", nil, "Europe/Amsterdam", map[string]any{"renewal_date": "2026-06-10T23:30:00Z"}, "2026-06-08T07:00:00Z", "2026-06-08"},
		{"three days across spring forward", nil, "Europe/Amsterdam", map[string]any{"renewal_date": "2026-04-01"}, "2026-03-29T07:00:00Z", "2026-03-29"},
		{"on the day", func(tr workflow.Trigger) workflow.Trigger { tr.Offset = "0d"; return tr }, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-10T09:00:00Z", "2026-06-10"},
		{"no offset", func(tr workflow.Trigger) workflow.Trigger { tr.Offset = ""; return tr }, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-10T09:00:00Z", "2026-06-10"},
		{"hours after", func(tr workflow.Trigger) workflow.Trigger { tr.Offset = "2h"; return tr }, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-10T11:00:00Z", "2026-06-10"},
		{"a day and a half before", func(tr workflow.Trigger) workflow.Trigger { tr.Offset = "-36h"; return tr }, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-08T21:00:00Z", "2026-06-08"},
		{"a week after", func(tr workflow.Trigger) workflow.Trigger { tr.Offset = "1w"; return tr }, "", map[string]any{"renewal_date": "2026-06-10"}, "2026-06-17T09:00:00Z", "2026-06-17"},
		{"missing property", nil, "", map[string]any{}, "", ""},
		{"not a date", nil, "", map[string]any{"renewal_date": "next week"}, "", ""},
		{"not a string", nil, "", map[string]any{"renewal_date": 20260610.0}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := base
			if c.tr != nil {
				tr = c.tr(tr)
			}
			s := mustSpec(t, tr, c.wfTZ)
			f, ok := s.FireFor(c.props)
			if c.want == "" {
				if ok {
					t.Fatalf("want no fire, got %+v", f)
				}
				return
			}
			if !ok || !f.At.Equal(utc(c.want)) || f.FireDate != c.fireDate {
				t.Fatalf("got %s %q (%v), want %s %q", f.At.UTC().Format(time.RFC3339), f.FireDate, ok, c.want, c.fireDate)
			}
		})
	}
}

func TestSpecKeyAndSummary(t *testing.T) {
	cases := []struct {
		tr      workflow.Trigger
		wfTZ    string
		summary string
	}{
		{workflow.Trigger{Cron: "0 9 * * MON", Timezone: "Europe/Amsterdam"}, "", "Scheduled: every Monday 09:00 Europe/Amsterdam"},
		{workflow.Trigger{Cron: "0 9 * * *"}, "", "Scheduled: every day 09:00 UTC"},
		{workflow.Trigger{Cron: "30 8 * * mon,wed"}, "Europe/Amsterdam", "Scheduled: every Monday, Wednesday 08:30 Europe/Amsterdam"},
		{workflow.Trigger{Cron: "*/15 * * * *"}, "", `Scheduled: cron "*/15 * * * *" UTC`},
		{workflow.Trigger{At: "2026-05-01T09:00:00+02:00", Timezone: "Europe/Amsterdam"}, "", "Scheduled: once at 2026-05-01 09:00 Europe/Amsterdam"},
		{workflow.Trigger{DateProperty: "renewal_date", Offset: "-3d", Time: "09:00"}, "", "3 days before renewal_date at 09:00"},
		{workflow.Trigger{DateProperty: "renewal_date", Offset: "-1d", Time: "09:00"}, "", "1 day before renewal_date at 09:00"},
		{workflow.Trigger{DateProperty: "birthday", Time: "08:00"}, "", "on birthday at 08:00"},
		{workflow.Trigger{DateProperty: "trial_end", Offset: "2d", Time: "10:30"}, "", "2 days after trial_end at 10:30"},
		{workflow.Trigger{DateProperty: "webinar_date", Offset: "-2h", Time: "19:00"}, "", "2h before webinar_date at 19:00"},
	}
	for _, c := range cases {
		c.tr.Type = "schedule"
		s := mustSpec(t, c.tr, c.wfTZ)
		if got := s.Summary(); got != c.summary {
			t.Errorf("%+v: summary %q, want %q", c.tr, got, c.summary)
		}
	}
	a := mustSpec(t, workflow.Trigger{Cron: "0 9 * * MON", Timezone: "Europe/Amsterdam"}, "")
	b := mustSpec(t, workflow.Trigger{Cron: "0  9 * * MON"}, "Europe/Amsterdam")
	c := mustSpec(t, workflow.Trigger{Cron: "0 9 * * TUE"}, "Europe/Amsterdam")
	if a.Key() != b.Key() || a.Key() == c.Key() {
		t.Errorf("keys: %q %q %q", a.Key(), b.Key(), c.Key())
	}
	if _, err := CompileSpec(&workflow.Trigger{ID: "x", Type: "schedule"}, ""); err == nil {
		t.Error("a schedule without timing compiled")
	}
	if _, err := CompileSpec(&workflow.Trigger{Type: "schedule", Cron: "0 9 * *"}, ""); err == nil {
		t.Error("a four-field cron compiled")
	}
}

func TestIndexSchedules(t *testing.T) {
	def := &workflow.Definition{ID: "renewals", Object: "contact", Timezone: "Europe/Amsterdam", Triggers: []workflow.Trigger{
		{ID: "weekly", Type: "schedule", Cron: "0 9 * * MON",
			Filter: &condition.Filter{All: []condition.Filter{{Property: "lifecycle", Op: "eq", Value: "customer"}}}},
		{ID: "ev", Type: "event", Event: "x"},
		{ID: "renewal", Type: "schedule", DateProperty: "renewal_date", Offset: "-3d", Time: "09:00"},
	}}
	ix, err := Build([]*Workflow{{ID: "renewals", Version: 1, Def: def}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss := ix.Schedules()
	if len(ss) != 2 || ss[0].Trigger.ID != "weekly" || ss[1].Trigger.ID != "renewal" {
		t.Fatalf("schedules: %+v", ss)
	}
	now := utc("2026-03-02T08:00:00Z")
	if ok, m, err := ss[0].Match(condition.Env{Record: map[string]any{"lifecycle": "customer"}, Now: now}); err != nil || !ok || m["lifecycle"] != "customer" {
		t.Fatalf("match customer: %v %v %v", ok, m, err)
	}
	if ok, _, err := ss[0].Match(condition.Env{Record: map[string]any{"lifecycle": "lead"}, Now: now}); err != nil || ok {
		t.Fatalf("lead matched: %v %v", ok, err)
	}
	if ok, _, _ := ss[1].Match(condition.Env{Record: map[string]any{}, Now: now}); !ok {
		t.Fatal("a schedule without filter picks every record")
	}
	bad := &workflow.Definition{ID: "bad", Object: "contact", Triggers: []workflow.Trigger{{ID: "t", Type: "schedule", Cron: "nope"}}}
	if _, err := Build([]*Workflow{{ID: "bad", Version: 1, Def: bad}}, nil); err == nil {
		t.Fatal("a broken cron built")
	}
	var nilIx *Index
	if nilIx.Schedules() != nil {
		t.Fatal("nil index has schedules")
	}
}

func TestLastIsQuickOverLongGaps(t *testing.T) {
	minutely := mustSpec(t, workflow.Trigger{Type: "schedule", Cron: "* * * * *", Timezone: "Europe/Amsterdam"}, "")
	start := time.Now()
	last, ok := minutely.Last(utc("2020-01-01T00:00:00Z"), utc("2026-03-02T08:00:30Z"))
	if !ok || !last.Equal(utc("2026-03-02T08:00:00Z")) {
		t.Fatalf("minutely: %s %v", last, ok)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %s", d)
	}
	cases := []struct{ cron, after, until, want string }{
		{"0 9 * * MON", "2026-03-02T08:00:00Z", "2026-03-25T10:00:00Z", "2026-03-23T08:00:00Z"},
		{"0 9 * * MON", "2026-03-02T08:00:00Z", "2026-03-09T07:59:00Z", ""},
		{"0 0 1 1 *", "2020-01-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"0 0 29 2 *", "2020-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"0 0 29 2 *", "2024-03-01T00:00:00Z", "2026-03-02T00:00:00Z", ""},
	}
	for _, c := range cases {
		s := mustSpec(t, workflow.Trigger{Type: "schedule", Cron: c.cron}, "")
		if c.cron == "0 9 * * MON" {
			s = mustSpec(t, workflow.Trigger{Type: "schedule", Cron: c.cron, Timezone: "Europe/Amsterdam"}, "")
		}
		got, ok := s.Last(utc(c.after), utc(c.until))
		if c.want == "" {
			if ok {
				t.Errorf("%s: want none, got %s", c.cron, got)
			}
			continue
		}
		if !ok || !got.Equal(utc(c.want)) {
			t.Errorf("%s (%s, %s]: got %s %v, want %s", c.cron, c.after, c.until, got, ok, c.want)
		}
	}
	at := mustSpec(t, workflow.Trigger{Type: "schedule", At: "2026-05-01T09:00:00+02:00"}, "")
	if got, ok := at.Last(utc("2026-01-01T00:00:00Z"), utc("2030-01-01T00:00:00Z")); !ok || !got.Equal(utc("2026-05-01T07:00:00Z")) {
		t.Errorf("at: %s %v", got, ok)
	}
}
