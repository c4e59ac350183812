package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// schedEnv is an engine over a real SQLite file driven by a fake clock, which can be
// "restarted": the database closed and opened again under a new Engine.
type schedEnv struct {
	t     *testing.T
	ctx   context.Context
	path  string
	db    *store.DB
	eng   *Engine
	clock *clock.Fake
}

func newSchedEnv(t *testing.T, start string) *schedEnv {
	t.Helper()
	s := &schedEnv{t: t, ctx: context.Background(), path: filepath.Join(t.TempDir(), "flowdesk.db"), clock: clock.NewFake(schedTime(start))}
	s.open()
	t.Cleanup(func() { s.close() })
	return s
}

func schedTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func (s *schedEnv) open() {
	s.t.Helper()
	db := storetest.Open(s.t, s.path)
	s.path = db.Path() // on PostgreSQL the scratch schema's address, for the reopen
	eng, err := New(s.ctx, db, Options{Clock: s.clock})
	if err != nil {
		s.t.Fatal(err)
	}
	s.db, s.eng = db, eng
}

func (s *schedEnv) close() {
	if s.db == nil {
		return
	}
	s.eng.Stop()
	s.db.Close()
	s.db, s.eng = nil, nil
}

// restart closes the database and opens it again with a new Engine (the app was quit and
// started again).
func (s *schedEnv) restart() {
	s.t.Helper()
	s.close()
	s.open()
}

func (s *schedEnv) deploy(def string) {
	s.t.Helper()
	w, err := s.eng.Workflows().Create(s.ctx, []byte(def))
	if err != nil {
		s.t.Fatalf("create workflow: %v", err)
	}
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		s.t.Fatalf("enable workflow: %v", err)
	}
}

// contact creates or updates a contact with the given properties.
func (s *schedEnv) contact(email string, props map[string]any) int64 {
	s.t.Helper()
	var id int64
	err := s.db.Write(s.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("contact", 0, email, props, s.clock.Now())
		if err != nil {
			return err
		}
		id = ch.Record.ID
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// tick runs due schedules and then the steps they started; it returns how many records the
// schedules enrolled.
func (s *schedEnv) tick() int {
	s.t.Helper()
	n, err := s.eng.RunSchedules(s.ctx)
	if err != nil {
		s.t.Fatalf("run schedules: %v", err)
	}
	if _, err := s.eng.RunDue(s.ctx); err != nil {
		s.t.Fatalf("run due: %v", err)
	}
	return n
}

// enrolledEmails returns, per email, how many enrollments the workflow has for it.
func (s *schedEnv) enrolledEmails(workflowID string) map[string]int {
	s.t.Helper()
	ens, err := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: workflowID, Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]int{}
	for _, en := range ens {
		r, err := s.db.Record(s.ctx, en.RecordID)
		if err != nil {
			s.t.Fatal(err)
		}
		out[r.Email]++
	}
	return out
}

// walk advances the clock in steps until end, ticking at every step, and returns the clock
// times (UTC, RFC 3339) at which schedules enrolled someone, with how many.
func (s *schedEnv) walk(step time.Duration, end string) map[string]int {
	s.t.Helper()
	fires := map[string]int{}
	stop := schedTime(end)
	for !s.clock.Now().After(stop) {
		if n := s.tick(); n > 0 {
			fires[s.clock.Now().UTC().Format(time.RFC3339)] += n
		}
		s.clock.Advance(step)
	}
	return fires
}

func schedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scheduleWF is a workflow with the given triggers JSON whose only step finishes at once.
func schedWF(id, triggers, reenroll string) string {
	if reenroll == "" {
		reenroll = `{"enabled": false, "triggers": []}`
	}
	return fmt.Sprintf(`{"id": %q, "name": %q, "object": "contact", "timezone": "Europe/Amsterdam",
		"triggers": %s, "reenroll": %s, "start": "note",
		"steps": [{"id": "note", "type": "notify", "users": ["owner"], "text": "scheduled"}]}`, id, id, triggers, reenroll)
}

const schedWeekly = `[{"id": "weekly", "type": "schedule", "cron": "0 9 * * MON", "timezone": "Europe/Amsterdam"}]`

var schedReenrollOn = `{"enabled": true, "triggers": ["weekly"]}`

func TestScheduleWeeklyOverWeeksAndSpringForward(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T06:00:00Z") // Monday 07:00 CET
	s.deploy(schedWF("weekly", schedWeekly, schedReenrollOn))
	s.contact("ann@example.com", nil)
	s.contact("bob@example.com", nil)
	// Six Mondays, the fifth right after the 2026-03-29 change to summer time; 15-minute steps.
	fires := s.walk(15*time.Minute, "2026-04-07T00:00:00Z")
	want := []string{"2026-03-02T08:00:00Z", "2026-03-09T08:00:00Z", "2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z",
		"2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"}
	if got := schedKeys(fires); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("fired at %v, want %v", got, want)
	}
	for at, n := range fires {
		if n != 2 {
			t.Errorf("%s enrolled %d records, want 2", at, n)
		}
	}
	got := s.enrolledEmails("weekly")
	if got["ann@example.com"] != 6 || got["bob@example.com"] != 6 {
		t.Fatalf("enrollments per contact: %v", got)
	}
	ens, _ := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "weekly", Limit: 1})
	var r Reason
	if err := json.Unmarshal(ens[0].Reason, &r); err != nil {
		t.Fatal(err)
	}
	if r.Trigger != "weekly" || r.TriggerType != "schedule" || r.Summary != "Scheduled: every Monday 09:00 Europe/Amsterdam" ||
		r.Matched["schedule.fire_at"] != "2026-04-06T09:00:00+02:00" {
		t.Fatalf("reason: %+v", r)
	}
	if ens[0].Status != store.StatusCompleted {
		t.Fatalf("enrollment did not run: %s", ens[0].Status)
	}
}

func TestScheduleDailyAcrossDaylightSaving(t *testing.T) {
	for _, c := range []struct {
		name, start, end string
		cron             string
		want             []string
	}{
		{"09:00 over spring forward", "2026-03-27T12:00:00Z", "2026-03-31T00:00:00Z", "0 9 * * *",
			[]string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{"09:00 over fall back", "2026-10-23T12:00:00Z", "2026-10-27T00:00:00Z", "0 9 * * *",
			[]string{"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
		{"02:30 inside the spring gap fires once at 03:00", "2026-03-27T12:00:00Z", "2026-03-31T00:00:00Z", "30 2 * * *",
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"02:30 that happens twice fires once", "2026-10-23T12:00:00Z", "2026-10-27T00:00:00Z", "30 2 * * *",
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"weekly on the change day", "2026-10-18T12:00:00Z", "2026-11-02T00:00:00Z", "0 9 * * SUN",
			[]string{"2026-10-25T08:00:00Z", "2026-11-01T08:00:00Z"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSchedEnv(t, c.start)
			s.deploy(schedWF("daily", `[{"id": "daily", "type": "schedule", "cron": "`+c.cron+`"}]`, `{"enabled": true, "triggers": []}`))
			s.contact("ann@example.com", nil)
			fires := s.walk(15*time.Minute, c.end)
			if got := schedKeys(fires); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("fired at %v, want %v", got, c.want)
			}
			for at, n := range fires {
				if n != 1 {
					t.Errorf("%s: %d enrollments", at, n)
				}
			}
		})
	}
}

func TestScheduleRestartRunsMissedOccurrencesOnce(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:30:00Z")
	s.deploy(schedWF("weekly", schedWeekly, schedReenrollOn))
	s.contact("ann@example.com", nil)
	s.contact("bob@example.com", nil)
	s.clock.Set(schedTime("2026-03-02T08:00:00Z"))
	if n := s.tick(); n != 2 {
		t.Fatalf("first Monday enrolled %d, want 2", n)
	}
	s.close()
	// Closed for three more Mondays (9, 16, 23 March).
	s.clock.Set(schedTime("2026-03-25T10:00:00Z"))
	s.open()
	if n := s.tick(); n != 2 {
		t.Fatalf("after restart enrolled %d, want 2 (one run for three missed occurrences)", n)
	}
	if n := s.tick(); n != 0 {
		t.Fatalf("second pass enrolled %d", n)
	}
	s.restart()
	if n := s.tick(); n != 0 {
		t.Fatalf("another restart enrolled %d", n)
	}
	if got := s.enrolledEmails("weekly"); got["ann@example.com"] != 2 || got["bob@example.com"] != 2 {
		t.Fatalf("enrollments: %v", got)
	}
	states, _ := s.db.ScheduleStates(s.ctx)
	if len(states) != 1 || states[0].Runs != 2 || !states[0].LastFire.Equal(schedTime("2026-03-23T08:00:00Z")) {
		t.Fatalf("state: %+v", states[0])
	}
	// The catch-up run said which occurrence it stood for.
	ens, _ := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "weekly", Limit: 1})
	var r Reason
	_ = json.Unmarshal(ens[0].Reason, &r)
	if r.Matched["schedule.fire_at"] != "2026-03-23T09:00:00+01:00" {
		t.Fatalf("reason: %+v", r)
	}
	// And the schedule carries on normally.
	s.clock.Set(schedTime("2026-03-30T06:59:00Z"))
	if n := s.tick(); n != 0 {
		t.Fatalf("fired early: %d", n)
	}
	s.clock.Set(schedTime("2026-03-30T07:00:00Z"))
	if n := s.tick(); n != 2 {
		t.Fatalf("next Monday enrolled %d", n)
	}
}

func TestScheduleLoopRunsMissedOnStartAndOnTime(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:30:00Z")
	s.deploy(schedWF("weekly", schedWeekly, schedReenrollOn))
	s.contact("ann@example.com", nil)
	s.close()
	s.clock.Set(schedTime("2026-03-24T00:00:00Z")) // three Mondays missed
	s.open()
	if err := s.eng.Start(s.ctx); err != nil {
		t.Fatal(err)
	}
	schedWaitFor(t, func() bool { return s.enrolledEmails("weekly")["ann@example.com"] == 1 })
	// Nothing more until the next Monday; then the loop wakes at the fire time.
	time.Sleep(50 * time.Millisecond)
	if got := s.enrolledEmails("weekly")["ann@example.com"]; got != 1 {
		t.Fatalf("burst after start: %d enrollments", got)
	}
	schedWaitFor(t, func() bool {
		switch now := s.clock.Now(); {
		case now.Before(schedTime("2026-03-30T07:00:00Z")):
			s.clock.Advance(time.Hour)
		case now.Before(schedTime("2026-03-30T07:05:00Z")):
			// The loop's fake timer needs the clock to move; past the fire time it only waits
			// for the enrollment's commit, however long the database takes, without moving
			// the clock on (on a loaded machine it would pass the 10 minutes checked below).
			s.clock.Advance(time.Minute)
		}
		return s.enrolledEmails("weekly")["ann@example.com"] == 2
	})
	if at := s.clock.Now(); at.Before(schedTime("2026-03-30T07:00:00Z")) || at.After(schedTime("2026-03-30T07:10:00Z")) {
		t.Fatalf("fired at %s, want 2026-03-30T07:00:00Z", at)
	}
	// The dispatcher runs what the scheduler enrolled.
	schedWaitFor(t, func() bool {
		ens, _ := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "weekly", Status: store.StatusCompleted, Limit: 10})
		return len(ens) == 2
	})
	s.eng.Stop()
}

func schedWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestScheduleAtFiresOnceEvenAcrossRestarts(t *testing.T) {
	s := newSchedEnv(t, "2026-04-30T12:00:00Z")
	s.deploy(schedWF("launch", `[{"id": "launch", "type": "schedule", "at": "2026-05-01T09:00:00+02:00"}]`, `{"enabled": true, "triggers": []}`))
	s.contact("ann@example.com", nil)
	s.clock.Set(schedTime("2026-05-01T06:59:59Z"))
	if n := s.tick(); n != 0 {
		t.Fatalf("fired early: %d", n)
	}
	s.clock.Set(schedTime("2026-05-01T07:00:00Z"))
	if n := s.tick(); n != 1 {
		t.Fatalf("at enrolled %d, want 1", n)
	}
	s.clock.Advance(time.Hour)
	if n := s.tick(); n != 0 {
		t.Fatalf("at fired again: %d", n)
	}
	s.restart()
	s.clock.Advance(30 * 24 * time.Hour)
	if n := s.tick(); n != 0 {
		t.Fatalf("at fired again after restart: %d", n)
	}
	if got := s.enrolledEmails("launch"); got["ann@example.com"] != 1 {
		t.Fatalf("enrollments: %v", got)
	}
}

func TestScheduleAtMissedWhileClosedRunsOnStart(t *testing.T) {
	s := newSchedEnv(t, "2026-04-30T12:00:00Z")
	s.deploy(schedWF("launch", `[{"id": "launch", "type": "schedule", "at": "2026-05-01T09:00:00+02:00"}]`, ""))
	s.contact("ann@example.com", nil)
	s.close()
	s.clock.Set(schedTime("2026-05-03T12:00:00Z"))
	s.open()
	if n := s.tick(); n != 1 {
		t.Fatalf("missed at enrolled %d, want 1", n)
	}
	if n := s.tick(); n != 0 {
		t.Fatalf("again: %d", n)
	}
}

func TestScheduleDatePropertyAcrossZones(t *testing.T) {
	s := newSchedEnv(t, "2026-06-01T00:00:00Z")
	s.deploy(schedWF("renewal", `[{"id": "renewal", "type": "schedule", "date_property": "renewal_date", "offset": "-3d", "time": "09:00"}]`,
		`{"enabled": true, "triggers": []}`))
	s.contact("ams@example.com", map[string]any{"renewal_date": "2026-06-10"})                                            // workflow zone: 06-07 07:00Z
	s.contact("ny@example.com", map[string]any{"renewal_date": "2026-06-10", "timezone": "America/New_York"})             // 06-07 13:00Z
	s.contact("tokyo@example.com", map[string]any{"renewal_date": "2026-06-10T10:00:00+09:00", "timezone": "Asia/Tokyo"}) // 06-07 00:00Z
	s.contact("moved@example.com", map[string]any{"renewal_date": "2026-06-12"})                                          // moved to 06-20 below
	s.contact("tzlater@example.com", map[string]any{"renewal_date": "2026-06-10"})                                        // zone set after it fired
	s.contact("pastlater@example.com", map[string]any{"renewal_date": "2026-07-01"})                                      // moved into the past below
	s.contact("nodate@example.com", map[string]any{"city": "Utrecht"})
	s.contact("bad@example.com", map[string]any{"renewal_date": "soon"})

	fires := map[string][]string{}
	record := func(before map[string]int) {
		for email, n := range s.enrolledEmails("renewal") {
			if n > before[email] {
				fires[email] = append(fires[email], s.clock.Now().UTC().Format(time.RFC3339))
			}
		}
	}
	for !s.clock.Now().After(schedTime("2026-06-22T00:00:00Z")) {
		now := s.clock.Now().UTC().Format(time.RFC3339)
		switch now {
		case "2026-06-05T00:00:00Z":
			s.contact("moved@example.com", map[string]any{"renewal_date": "2026-06-20"}) // fires 06-17 instead of 06-09
		case "2026-06-07T08:00:00Z":
			s.contact("tzlater@example.com", map[string]any{"timezone": "America/New_York"}) // same date, later instant
		case "2026-06-08T00:00:00Z":
			s.contact("pastlater@example.com", map[string]any{"renewal_date": "2026-06-09"}) // 06-06: already passed
			s.contact("late@example.com", map[string]any{"renewal_date": "2026-06-10"})      // created after its fire time
		}
		before := s.enrolledEmails("renewal")
		s.tick()
		record(before)
		s.clock.Advance(time.Hour)
	}
	want := map[string][]string{
		"tokyo@example.com":   {"2026-06-07T00:00:00Z"},
		"ams@example.com":     {"2026-06-07T07:00:00Z"},
		"tzlater@example.com": {"2026-06-07T07:00:00Z"},
		"ny@example.com":      {"2026-06-07T13:00:00Z"},
		"moved@example.com":   {"2026-06-17T07:00:00Z"},
	}
	if fmt.Sprint(fires) != fmt.Sprint(want) {
		t.Fatalf("fires:\n got %v\nwant %v", fires, want)
	}
	ny := s.enrolledEmails("renewal")
	if ny["ny@example.com"] != 1 {
		t.Fatal("ny enrolled more than once")
	}
	ens, _ := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "renewal", Limit: 1})
	var r Reason
	_ = json.Unmarshal(ens[0].Reason, &r)
	if r.TriggerType != "schedule" || r.Summary != "3 days before renewal_date at 09:00" || r.Matched["renewal_date"] != "2026-06-20" {
		t.Fatalf("reason: %+v", r)
	}
	// A restart re-runs nothing, and a record that fired keeps its marker.
	s.restart()
	s.clock.Advance(time.Hour)
	if n := s.tick(); n != 0 {
		t.Fatalf("restart enrolled %d", n)
	}
}

func TestScheduleDatePropertyMissedWhileClosed(t *testing.T) {
	s := newSchedEnv(t, "2026-06-01T00:00:00Z")
	s.deploy(schedWF("renewal", `[{"id": "renewal", "type": "schedule", "date_property": "renewal_date", "offset": "-3d", "time": "09:00"}]`, ""))
	s.contact("ann@example.com", map[string]any{"renewal_date": "2026-06-10"}) // 06-07 07:00Z
	s.contact("old@example.com", map[string]any{"renewal_date": "2026-05-20"}) // fired before the workflow was on
	if n := s.tick(); n != 0 {
		t.Fatalf("retroactive fire: %d", n)
	}
	s.close()
	s.clock.Set(schedTime("2026-06-09T00:00:00Z"))
	s.open()
	if n := s.tick(); n != 1 {
		t.Fatalf("missed date enrolled %d, want 1", n)
	}
	if got := s.enrolledEmails("renewal"); got["ann@example.com"] != 1 || got["old@example.com"] != 0 {
		t.Fatalf("enrollments: %v", got)
	}
}

func TestScheduleFilterPicksRecords(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	s.deploy(schedWF("customers", `[{"id": "weekly", "type": "schedule", "cron": "0 9 * * MON",
		"filter": {"all": [{"property": "lifecycle", "op": "eq", "value": "customer"}]}}]`, ""))
	s.contact("c1@example.com", map[string]any{"lifecycle": "customer"})
	s.contact("c2@example.com", map[string]any{"lifecycle": "customer"})
	s.contact("lead@example.com", map[string]any{"lifecycle": "lead"})
	s.contact("none@example.com", nil)
	s.clock.Set(schedTime("2026-03-02T08:00:00Z"))
	if n := s.tick(); n != 2 {
		t.Fatalf("enrolled %d, want 2", n)
	}
	got := s.enrolledEmails("customers")
	if len(got) != 2 || got["c1@example.com"] != 1 || got["c2@example.com"] != 1 {
		t.Fatalf("enrolled: %v", got)
	}
	ens, _ := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "customers", Limit: 1})
	var r Reason
	_ = json.Unmarshal(ens[0].Reason, &r)
	if r.Matched["lifecycle"] != "customer" {
		t.Fatalf("matched: %v", r.Matched)
	}
}

func TestScheduleReenrollment(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	s.deploy(schedWF("off", schedWeekly, ""))
	s.deploy(schedWF("on", schedWeekly, schedReenrollOn))
	// "other" lets only its event trigger re-enroll.
	s.deploy(schedWF("other", `[{"id": "weekly", "type": "schedule", "cron": "0 9 * * MON", "timezone": "Europe/Amsterdam"},
		{"id": "ev", "type": "event", "event": "x.happened"}]`, `{"enabled": true, "triggers": ["ev"]}`))
	// "waiting" re-enrollment is on, but its enrollments are still open next week.
	s.deploy(`{"id": "waiting", "name": "waiting", "object": "contact", "timezone": "Europe/Amsterdam",
		"triggers": ` + schedWeekly + `, "reenroll": ` + schedReenrollOn + `, "start": "wait",
		"steps": [{"id": "wait", "type": "delay", "duration": "30d"}]}`)
	s.contact("ann@example.com", nil)
	s.contact("bob@example.com", nil)
	s.walk(time.Hour, "2026-03-17T00:00:00Z") // Mondays 2, 9 and 16 March
	for wf, want := range map[string]int{"off": 1, "on": 3, "other": 1, "waiting": 1} {
		got := s.enrolledEmails(wf)
		if got["ann@example.com"] != want || got["bob@example.com"] != want {
			t.Errorf("%s: %v, want %d each", wf, got, want)
		}
	}
}

func TestScheduleDisabledAndNewlyEnabled(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	w, err := s.eng.Workflows().Create(s.ctx, []byte(schedWF("weekly", schedWeekly, schedReenrollOn)))
	if err != nil {
		t.Fatal(err)
	}
	s.contact("ann@example.com", nil)
	// Never enabled: nothing.
	s.walk(time.Hour, "2026-03-03T00:00:00Z")
	if got := s.enrolledEmails("weekly"); len(got) != 0 {
		t.Fatalf("draft fired: %v", got)
	}
	// Enabled after Monday 9 March 09:00: that occurrence does not fire; 16 March does.
	s.clock.Set(schedTime("2026-03-09T12:00:00Z"))
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.tick(); n != 0 {
		t.Fatalf("newly enabled workflow fired for an earlier occurrence: %d", n)
	}
	s.clock.Set(schedTime("2026-03-16T08:00:00Z"))
	if n := s.tick(); n != 1 {
		t.Fatalf("16 March enrolled %d", n)
	}
	// Disabled: Monday 23 March passes silently.
	if _, err := s.eng.Workflows().Disable(s.ctx, w.ID, false); err != nil {
		t.Fatal(err)
	}
	s.clock.Set(schedTime("2026-03-23T09:00:00Z"))
	if n := s.tick(); n != 0 {
		t.Fatalf("disabled workflow fired: %d", n)
	}
	// Enabling again does not catch up on 23 March.
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.tick(); n != 0 {
		t.Fatalf("re-enabled workflow caught up on an occurrence while it was off: %d", n)
	}
	s.clock.Set(schedTime("2026-03-30T07:00:00Z"))
	if n := s.tick(); n != 1 {
		t.Fatalf("30 March enrolled %d", n)
	}
	// Deleting the workflow removes its schedule state.
	if err := s.eng.Workflows().Delete(s.ctx, w.ID, true); err != nil {
		t.Fatal(err)
	}
	if states, _ := s.db.ScheduleStates(s.ctx); len(states) != 0 {
		t.Fatalf("state left behind: %+v", states)
	}
}

func TestScheduleEditRearms(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	s.deploy(schedWF("weekly", schedWeekly, schedReenrollOn))
	s.contact("ann@example.com", nil)
	s.clock.Set(schedTime("2026-03-04T12:00:00Z")) // Wednesday; Monday's occurrence was missed (not ticked)
	// Moving the schedule to Tuesdays re-arms it from now: neither Monday nor Tuesday fires late.
	if _, err := s.eng.Workflows().Update(s.ctx, "weekly", []byte(schedWF("weekly", `[{"id": "weekly", "type": "schedule", "cron": "0 9 * * TUE"}]`, schedReenrollOn)), 0); err != nil {
		t.Fatal(err)
	}
	if n := s.tick(); n != 0 {
		t.Fatalf("edit caught up: %d", n)
	}
	s.clock.Set(schedTime("2026-03-10T08:00:00Z"))
	if n := s.tick(); n != 1 {
		t.Fatalf("Tuesday enrolled %d", n)
	}
}

func TestSchedulePagesAndResumesARun(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	s.eng.sched.page = 2
	s.deploy(schedWF("weekly", schedWeekly, ""))
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, s.contact(fmt.Sprintf("c%d@example.com", i), nil))
	}
	// Simulate a crash after the first page of the 2 March run: the state says the run got
	// through the second record.
	err := s.db.Write(s.ctx, func(tx store.Tx) error {
		st, err := tx.ScheduleState("weekly", "weekly")
		if err != nil {
			return err
		}
		st.RunFire, st.RunAfter, st.Cursor = schedTime("2026-03-02T08:00:00Z"), ids[1], schedTime("2026-03-02T08:00:00Z")
		return tx.PutScheduleState(st, s.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Set(schedTime("2026-03-02T08:00:30Z"))
	s.restart()
	s.eng.sched.page = 2
	if n := s.tick(); n != 3 {
		t.Fatalf("resumed run enrolled %d, want the remaining 3", n)
	}
	got := s.enrolledEmails("weekly")
	if got["c0@example.com"] != 0 || got["c2@example.com"] != 1 || got["c4@example.com"] != 1 {
		t.Fatalf("enrolled: %v", got)
	}
	// A full run over several pages.
	s.clock.Set(schedTime("2026-03-09T08:00:00Z"))
	if n := s.tick(); n != 2 { // re-enrollment is off: only the two the crashed run skipped
		t.Fatalf("second run enrolled %d", n)
	}
	states, _ := s.db.ScheduleStates(s.ctx)
	if !states[0].RunFire.IsZero() || states[0].Runs != 2 {
		t.Fatalf("state: %+v", states[0])
	}
}

// TestScheduleAndPublishReadLists: a list rule in a schedule trigger's filter picks the list's
// members, and the publish review counts the records that meet a list filter trigger now and
// enrolls exactly those (the memberships are loaded for every way in).
func TestScheduleAndPublishReadLists(t *testing.T) {
	s := newSchedEnv(t, "2026-03-02T07:00:00Z")
	if _, err := s.eng.CreateList(s.ctx, ListInput{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	ann := s.contact("ann@example.com", map[string]any{"lifecycle": "customer"})
	bob := s.contact("bob@example.com", map[string]any{"lifecycle": "customer"})
	s.contact("cat@example.com", nil)
	if _, err := s.eng.AddListMembers(s.ctx, "vip", []int64{ann, bob}); err != nil {
		t.Fatal(err)
	}
	s.deploy(schedWF("vips", `[{"id": "weekly", "type": "schedule", "cron": "0 9 * * MON",
		"filter": {"all": [{"list": "vip", "op": "member"}, {"property": "lifecycle", "op": "eq", "value": "customer"}]}}]`, ""))
	s.clock.Set(schedTime("2026-03-02T08:00:00Z"))
	if n := s.tick(); n != 2 {
		t.Fatalf("the schedule enrolled %d, want the 2 members", n)
	}
	if got := s.enrolledEmails("vips"); len(got) != 2 || got["ann@example.com"] != 1 || got["bob@example.com"] != 1 {
		t.Fatalf("enrolled: %v", got)
	}

	// A filter trigger on not being in the list: the review counts cat only, and publishing
	// with "enroll those now" enrolls cat only.
	w, err := s.eng.Workflows().Create(s.ctx, []byte(`{"id": "outsiders", "name": "Outsiders", "object": "contact",
		"triggers": [{"id": "t", "type": "filter", "filter": {"list": "vip", "op": "not_member"}}],
		"start": "note", "steps": [{"id": "note", "type": "notify", "users": ["owner"], "text": "hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := s.eng.Workflows().Review(s.ctx, w.ID, nil)
	if err != nil || rv.Existing.Matching != 1 || rv.Existing.Enrollable != 1 {
		t.Fatalf("review %+v, %v", rv, err)
	}
	if _, err := s.eng.Workflows().Publish(s.ctx, w.ID, nil, w.Revision, true); err != nil {
		t.Fatal(err)
	}
	if got := s.enrolledEmails("outsiders"); len(got) != 1 || got["cat@example.com"] != 1 {
		t.Fatalf("published with enroll existing: %v", got)
	}
	// A suppression list: the review counts its members apart from the enrollable ones.
	def := `{"id": "vip-news", "name": "VIP news", "object": "contact", "suppress": ["stop"],
		"triggers": [{"id": "t", "type": "filter", "filter": {"list": "vip", "op": "member"}}],
		"start": "note", "steps": [{"id": "note", "type": "notify", "users": ["owner"], "text": "hi"}]}`
	if _, err := s.eng.CreateList(s.ctx, ListInput{ID: "stop", Name: "Stop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.AddListMembers(s.ctx, "stop", []int64{bob}); err != nil {
		t.Fatal(err)
	}
	w2, err := s.eng.Workflows().Create(s.ctx, []byte(def))
	if err != nil {
		t.Fatal(err)
	}
	rv, err = s.eng.Workflows().Review(s.ctx, w2.ID, nil)
	if err != nil || rv.Existing.Matching != 2 || rv.Existing.Enrollable != 1 || rv.Existing.Suppressed != 1 {
		t.Fatalf("review with a suppression list %+v, %v", rv, err)
	}
}
