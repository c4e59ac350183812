package trigger

import (
	"fmt"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Schedule kinds.
const (
	ScheduleCron = "cron"
	ScheduleAt   = "at"
	ScheduleDate = "date_property"
)

// RecordTimezoneProperty is the record property that, when it holds a known IANA zone name,
// sets the zone of a date-property schedule for that record.
const RecordTimezoneProperty = "timezone"

// Spec is the timing of one schedule trigger, compiled: when a cron or `at` trigger fires,
// and when a date-property trigger fires for a given record. It is pure and immutable.
type Spec struct {
	Kind string
	Cron *workflow.Cron // ScheduleCron
	At   time.Time      // ScheduleAt
	// ScheduleDate: the property, the offset split into whole calendar days and a remainder,
	// and the wall time of day.
	DateProperty string
	OffsetDays   int
	OffsetRest   time.Duration
	Hour, Minute int
	// Loc is the trigger's zone, else the workflow's, else UTC. A date-property trigger uses
	// the record's `timezone` property instead when it names a known zone.
	Loc *time.Location

	offsetText string
	key        string
}

// CompileSpec compiles a schedule trigger's timing; workflowTZ is the workflow's default zone.
func CompileSpec(t *workflow.Trigger, workflowTZ string) (*Spec, error) {
	tz := t.Timezone
	if tz == "" {
		tz = workflowTZ
	}
	loc, err := workflow.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	s := &Spec{Loc: loc}
	switch {
	case t.Cron != "":
		c, err := workflow.ParseCron(t.Cron)
		if err != nil {
			return nil, fmt.Errorf("cron %q: %w", t.Cron, err)
		}
		s.Kind, s.Cron = ScheduleCron, c
		s.key = "cron " + c.String() + " " + loc.String()
	case t.At != "":
		at, err := time.Parse(time.RFC3339, t.At)
		if err != nil {
			return nil, fmt.Errorf("at %q: %w", t.At, err)
		}
		s.Kind, s.At = ScheduleAt, at
		s.key = "at " + at.UTC().Format(time.RFC3339)
	case t.DateProperty != "":
		off := time.Duration(0)
		if t.Offset != "" {
			if off, err = workflow.ParseOffset(t.Offset); err != nil {
				return nil, err
			}
		}
		h, m, err := workflow.ParseClock(t.Time)
		if err != nil {
			return nil, err
		}
		s.Kind, s.DateProperty, s.Hour, s.Minute = ScheduleDate, t.DateProperty, h, m
		s.OffsetDays = int(off / workflow.Day) // truncates toward zero: "-36h" is -1 day -12h
		s.OffsetRest = off - time.Duration(s.OffsetDays)*workflow.Day
		s.offsetText = t.Offset
		s.key = fmt.Sprintf("date %s %dd%s %02d:%02d %s", t.DateProperty, s.OffsetDays, s.OffsetRest, h, m, loc)
	default:
		return nil, fmt.Errorf("schedule trigger %q has no cron, at or date_property", t.ID)
	}
	return s, nil
}

// Key identifies the timing: it changes exactly when an edit changes when the trigger fires.
func (s *Spec) Key() string { return s.key }

// cronHorizon bounds the search for the next cron day: a 29 February schedule may wait eight
// years (1900-style century gaps) plus a week.
const cronHorizon = 366*8 + 7

// Next returns the first fire instant strictly after after, for cron and `at` schedules; ok is
// false when there is none (an `at` that has passed, or a date-property schedule).
//
// Cron times are wall times in Loc. A day contributes each of its listed wall times once: on a
// fall-back day a wall time that happens twice fires at its first occurrence only; on a
// spring-forward day a wall time inside the gap fires at the first instant after the gap (at
// most once, even when several listed times or the gap's end collapse onto that instant).
func (s *Spec) Next(after time.Time) (time.Time, bool) {
	switch s.Kind {
	case ScheduleAt:
		if s.At.After(after) {
			return s.At, true
		}
		return time.Time{}, false
	case ScheduleCron:
	default:
		return time.Time{}, false
	}
	times := s.Cron.Times()
	local := after.In(s.Loc)
	y, m, d := local.Date()
	// Wall times more than a few hours before after's wall time cannot come after it, whatever
	// the day's offset changes (no zone shifts by more than 3 hours in one day).
	skipBelow := local.Hour()*60 + local.Minute() - 3*60
	for i := 0; i < cronHorizon; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC) // calendar arithmetic only
		dy, dm, dd := day.Date()
		if !s.Cron.Day(dy, dm, dd) {
			continue
		}
		for _, tm := range times {
			if i == 0 && tm < skipBelow {
				continue
			}
			inst := workflow.WallInstant(dy, dm, dd, tm/60, tm%60, s.Loc)
			if inst.After(after) {
				return inst, true
			}
		}
	}
	return time.Time{}, false
}

// Latest returns the last fire instant in (after, until], for cron and `at` schedules, and how
// many there were (counting stops at limit). ok is false when there is none.
func (s *Spec) Latest(after, until time.Time, limit int) (last time.Time, n int, ok bool) {
	cur := after
	for n < limit {
		next, found := s.Next(cur)
		if !found || next.After(until) {
			break
		}
		last, cur, ok = next, next, true
		n++
	}
	return last, n, ok
}

// Last returns the last fire instant in (after, until] for cron and `at` schedules, quickly even
// when after is years back for a schedule that fires every minute: it looks back over growing
// windows from until, so the cost depends on the schedule's frequency, not on the gap.
func (s *Spec) Last(after, until time.Time) (time.Time, bool) {
	for _, w := range []time.Duration{time.Hour, workflow.Day, 8 * workflow.Day, 32 * workflow.Day, 367 * workflow.Day, cronHorizon * workflow.Day} {
		from := until.Add(-w)
		if !from.After(after) {
			from = after
		}
		if last, _, ok := s.Latest(from, until, 1<<20); ok {
			return last, true
		}
		if from.Equal(after) {
			break
		}
	}
	return time.Time{}, false
}

// DateFire is when a date-property schedule fires for one record.
type DateFire struct {
	At       time.Time // the fire instant
	FireDate string    // the local calendar day it fires on, "YYYY-MM-DD" (the once-per-date key)
	Date     string    // the property's date as read, "YYYY-MM-DD"
	Zone     string    // the zone used
}

// FireFor returns when a date-property schedule fires for a record with the given properties.
// ok is false when the record has no usable date. The property may hold "YYYY-MM-DD" or an RFC
// 3339 timestamp (whose calendar date in the zone is used). The zone is the record's `timezone`
// property when it names a known zone, else Loc. The fire instant is the wall time Hour:Minute
// on the date moved by OffsetDays calendar days, plus OffsetRest ("-3d" = 3 days before at the
// time; "2h" = on the day, 2 hours after the time).
func (s *Spec) FireFor(props map[string]any) (DateFire, bool) {
	if s.Kind != ScheduleDate {
		return DateFire{}, false
	}
	loc := s.Loc
	if tz, ok := props[RecordTimezoneProperty].(string); ok && tz != "" {
		if l, err := workflow.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	raw, ok := props[s.DateProperty].(string)
	if !ok {
		return DateFire{}, false
	}
	y, m, d, ok := parseDateValue(strings.TrimSpace(raw), loc)
	if !ok {
		return DateFire{}, false
	}
	day := time.Date(y, m, d+s.OffsetDays, 12, 0, 0, 0, time.UTC)
	fy, fm, fd := day.Date()
	at := workflow.WallInstant(fy, fm, fd, s.Hour, s.Minute, loc).Add(s.OffsetRest)
	return DateFire{At: at, FireDate: at.In(loc).Format(time.DateOnly),
		Date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), Zone: loc.String()}, true
}

// parseDateValue reads "YYYY-MM-DD" or an RFC 3339 timestamp as a calendar date in loc.
func parseDateValue(s string, loc *time.Location) (int, time.Month, int, bool) {
	if len(s) == len(time.DateOnly) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, 0, 0, false
		}
		y, m, d := t.Date()
		return y, m, d, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, 0, 0, false
	}
	y, m, d := t.In(loc).Date()
	return y, m, d, true
}

// Summary describes the schedule for the diagnose view: "Scheduled: every Monday 09:00
// Europe/Amsterdam", "Scheduled: once at 2026-05-01 09:00 Europe/Amsterdam", "3 days before
// renewal_date at 09:00".
func (s *Spec) Summary() string {
	switch s.Kind {
	case ScheduleCron:
		return "Scheduled: " + describeCron(s.Cron) + " " + s.Loc.String()
	case ScheduleAt:
		return "Scheduled: once at " + s.At.In(s.Loc).Format("2006-01-02 15:04") + " " + s.Loc.String()
	case ScheduleDate:
		return fmt.Sprintf("%s %s at %02d:%02d", describeOffset(s.OffsetDays, s.OffsetRest, s.offsetText), s.DateProperty, s.Hour, s.Minute)
	}
	return "Scheduled"
}

func describeOffset(days int, rest time.Duration, text string) string {
	if rest != 0 {
		t := strings.TrimLeft(text, "+-")
		if days < 0 || rest < 0 {
			return t + " before"
		}
		return t + " after"
	}
	switch {
	case days == 0:
		return "on"
	case days == -1:
		return "1 day before"
	case days == 1:
		return "1 day after"
	case days < 0:
		return fmt.Sprintf("%d days before", -days)
	default:
		return fmt.Sprintf("%d days after", days)
	}
}

// describeCron renders common expressions in words and the rest as `cron "..."`.
func describeCron(c *workflow.Cron) string {
	times := c.Times()
	if len(times) != 1 || !c.EveryDayOfMonth() {
		return fmt.Sprintf("cron %q", c.String())
	}
	at := fmt.Sprintf("%02d:%02d", times[0]/60, times[0]%60)
	days, restricted := c.Weekdays()
	if !restricted || len(days) == 7 {
		return "every day " + at
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	return "every " + strings.Join(names, ", ") + " " + at
}

// Schedule is one schedule trigger of an enabled workflow, compiled.
type Schedule struct {
	Workflow *Workflow
	Trigger  *workflow.Trigger
	Spec     *Spec
	Filter   *condition.Program // nil: every record of the object type
}

// Match tells whether a record is picked by the schedule's filter, with the values the filter
// read (for the enrollment reason). env is the record as rules see it: properties, and lists
// and associated records when the filter reads them (Filter.UsesLists, Filter.Associations).
func (s *Schedule) Match(env condition.Env) (bool, map[string]any, error) {
	if s.Filter == nil {
		return true, map[string]any{}, nil
	}
	ok, err := s.Filter.Match(env)
	if err != nil || !ok {
		return false, nil, err
	}
	return true, snapshot(s.Filter, env), nil
}

// Schedules returns the schedule triggers of the enabled workflows, ordered by workflow id
// and trigger position.
func (ix *Index) Schedules() []*Schedule {
	if ix == nil {
		return nil
	}
	return ix.schedules
}

// addSchedule compiles a schedule trigger into the index.
func (ix *Index) addSchedule(c compiled) error {
	spec, err := CompileSpec(c.trigger, c.wf.Def.Timezone)
	if err != nil {
		return fmt.Errorf("workflow %q trigger %q: %w", c.wf.ID, c.trigger.ID, err)
	}
	ix.schedules = append(ix.schedules, &Schedule{Workflow: c.wf, Trigger: c.trigger, Spec: spec, Filter: c.filter})
	return nil
}
