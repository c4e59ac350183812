package workflow

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// ExecutionWindow is a workflow's business hours: its communication steps (HeldStep) run only
// on Days between From and To in Timezone; reached outside, they wait for the next window start.
// A To before From runs over midnight: "fri 22:00–06:00" is Friday 22:00 to Saturday 06:00.
type ExecutionWindow struct {
	Timezone string   `json:"timezone,omitempty"` // IANA zone; empty: the workflow's, else UTC
	Days     []string `json:"days"`               // "mon".."sun": the days a window starts on
	From     string   `json:"from"`               // "HH:MM", 24h
	To       string   `json:"to"`                 // "HH:MM"; before From: the next day's
}

// Overnight tells whether the window runs over midnight (To before From).
func (w ExecutionWindow) Overnight() bool {
	fh, fm, err1 := ParseClock(w.From)
	th, tm, err2 := ParseClock(w.To)
	return err1 == nil && err2 == nil && th*60+tm < fh*60+fm
}

// WindowSpread is how far into a window held steps are spread, so a weekend's backlog does not
// all go out at 09:00 sharp (as HubSpot does).
const WindowSpread = 15 * time.Minute

// heldSteps are the step types that reach people or other systems: they keep to the window.
// Delays, branches and record changes are never held.
var heldSteps = map[string]bool{StepWebhook: true, StepSendEmail: true, StepInternalEmail: true,
	StepSMS: true, StepSlack: true, StepNotify: true}

// HeldStep reports whether steps of this type wait for a workflow's execution window.
func HeldStep(stepType string) bool { return heldSteps[stepType] }

// HeldStepTypes lists the step types an execution window holds, in palette order.
func HeldStepTypes() []string {
	var out []string
	for _, t := range StepTypes {
		if heldSteps[t] {
			out = append(out, t)
		}
	}
	return out
}

// window is an execution window in parsed form.
type window struct {
	days     map[time.Weekday]bool
	from, to int // minutes after midnight, wall time
	loc      *time.Location
}

func (w ExecutionWindow) parse(defaultTZ string) (window, error) {
	var pw window
	fh, fm, err := ParseClock(w.From)
	if err != nil {
		return pw, fmt.Errorf("from: %w", err)
	}
	th, tm, err := ParseClock(w.To)
	if err != nil {
		return pw, fmt.Errorf("to: %w", err)
	}
	pw.from, pw.to = fh*60+fm, th*60+tm
	if pw.to == pw.from {
		return pw, fmt.Errorf("to: the window ends at %s, the time it starts", w.To)
	}
	if len(w.Days) == 0 {
		return pw, fmt.Errorf("days: the window has no days")
	}
	pw.days = map[time.Weekday]bool{}
	for _, d := range w.Days {
		wd, ok := weekdayNames[strings.ToLower(d)]
		if !ok {
			return pw, fmt.Errorf("days: %q is not a weekday; use mon, tue, wed, thu, fri, sat or sun", d)
		}
		pw.days[wd] = true
	}
	tz := w.Timezone
	if tz == "" {
		tz = defaultTZ
	}
	if pw.loc, err = LoadLocation(tz); err != nil {
		return pw, fmt.Errorf("timezone: %w", err)
	}
	return pw, nil
}

// Contains reports whether t falls inside the window (From inclusive, To exclusive).
func (w ExecutionWindow) Contains(t time.Time, defaultTZ string) (bool, error) {
	pw, err := w.parse(defaultTZ)
	if err != nil {
		return false, err
	}
	return pw.contains(t), nil
}

func (pw window) contains(t time.Time) bool {
	l := t.In(pw.loc)
	m := l.Hour()*60 + l.Minute()
	if pw.to > pw.from {
		return pw.days[l.Weekday()] && m >= pw.from && m < pw.to
	}
	// Over midnight: the evening part of a listed day, or the early part of the day after one
	// (wall-clock times, so a daylight-saving change makes that night an hour shorter or longer).
	yesterday := (l.Weekday() + 6) % 7
	return pw.days[l.Weekday()] && m >= pw.from || pw.days[yesterday] && m < pw.to
}

// length is the window's length on the wall clock.
func (pw window) length() time.Duration {
	return time.Duration((pw.to-pw.from+24*60)%(24*60)) * time.Minute
}

// Hold says when a held step reached at now may run: now itself when now is inside the window
// (held false), else the next window start plus a spread within its first WindowSpread that
// is the same for every call with the same key (an enrollment id), so one record's steps stay
// in order and a backlog leaves evenly. Daylight-saving changes follow Until.Next.
func (w ExecutionWindow) Hold(now time.Time, defaultTZ string, key int64) (time.Time, bool, error) {
	pw, err := w.parse(defaultTZ)
	if err != nil {
		return time.Time{}, false, err
	}
	if pw.contains(now) {
		return now, false, nil
	}
	start, err := Until{Weekdays: w.Days, Time: w.From, Timezone: pw.loc.String()}.Next(now, "")
	if err != nil {
		return time.Time{}, false, err
	}
	spread := min(WindowSpread, pw.length())
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(key, 10)))
	offset := time.Duration(h.Sum64()%uint64(spread/time.Second)) * time.Second
	return start.Add(offset), true, nil
}

// Describe says the window in words: "mon, tue, wed, thu, fri 09:00–17:00 Europe/Amsterdam",
// "fri, sat 22:00–06:00 the next day UTC".
func (w ExecutionWindow) Describe(defaultTZ string) string {
	tz := w.Timezone
	if tz == "" {
		tz = defaultTZ
	}
	if tz == "" {
		tz = "UTC"
	}
	next := ""
	if w.Overnight() {
		next = " the next day"
	}
	return fmt.Sprintf("%s %s–%s%s %s", strings.Join(w.Days, ", "), w.From, w.To, next, tz)
}

// Location returns the window's zone (its own, else defaultTZ, else UTC).
func (w ExecutionWindow) Location(defaultTZ string) (*time.Location, error) {
	tz := w.Timezone
	if tz == "" {
		tz = defaultTZ
	}
	return LoadLocation(tz)
}
