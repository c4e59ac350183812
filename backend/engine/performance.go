package engine

import (
	"context"
	"sort"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// MaxPerformanceDays is the longest range the performance tab reads at once.
const MaxPerformanceDays = 366

// DayCounts are one UTC day of a workflow's enrollments by what happened to them.
type DayCounts struct {
	Day         string `json:"day"` // YYYY-MM-DD
	Enrolled    int64  `json:"enrolled"`
	Completed   int64  `json:"completed"`
	Failed      int64  `json:"failed"`
	GoalReached int64  `json:"goal_reached"`
	Unenrolled  int64  `json:"unenrolled"`
	Cancelled   int64  `json:"cancelled"`
	// GoalConversion is GoalReached over Enrolled (0..1; 0 with none enrolled).
	GoalConversion float64 `json:"goal_conversion"`
}

// StepCounts are how often a step ran and failed over the range (ok includes every path).
type StepCounts struct {
	StepID  string `json:"step_id"`
	OK      int64  `json:"ok"`
	Failed  int64  `json:"failed"`
	Skipped int64  `json:"skipped"`
}

// PathCount is how many records a branch or split sent down one path over the range, and for a
// split path how many of those reached the workflow's goal (counted on the day they did).
type PathCount struct {
	StepID      string `json:"step_id"`
	Path        string `json:"path"`
	N           int64  `json:"n"`
	GoalReached int64  `json:"goal_reached"`
	// GoalConversion is GoalReached over N (0..1; 0 when no record took the path).
	GoalConversion float64 `json:"goal_conversion"`
}

// Performance is the performance tab of a workflow over UTC days From..To, read from the
// rollup the step commit keeps (never from history).
type Performance struct {
	WorkflowID string       `json:"workflow_id"`
	From       string       `json:"from"`
	To         string       `json:"to"`
	Days       []DayCounts  `json:"days"`
	Totals     DayCounts    `json:"totals"`
	Steps      []StepCounts `json:"steps"`
	Paths      []PathCount  `json:"paths"`
}

// Performance reads a workflow's rollup for the UTC days from..to. A zero from is 29 days
// before to; a zero to is today.
func (e *Engine) Performance(ctx context.Context, id string, from, to time.Time) (*Performance, error) {
	if _, err := e.db.Workflow(ctx, id); err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = e.clock.Now()
	}
	to = utcDay(to)
	if from.IsZero() {
		from = to.AddDate(0, 0, -29)
	}
	from = utcDay(from)
	if from.After(to) {
		return nil, badInput("from", "the range starts (%s) after it ends (%s); give from before to", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > MaxPerformanceDays {
		return nil, badInput("from", "the range is %d days; give at most %d", days, MaxPerformanceDays)
	}
	rows, err := e.db.Rollup(ctx, id, from, to)
	if err != nil {
		return nil, err
	}
	p := &Performance{WorkflowID: id, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Steps: []StepCounts{}, Paths: []PathCount{}}
	index := map[string]int{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(p.Days)
		p.Days = append(p.Days, DayCounts{Day: d.Format(time.DateOnly)})
	}
	steps := map[string]*StepCounts{}
	paths := map[[2]string]*PathCount{}
	for _, r := range rows {
		if r.StepID == "" {
			day := &p.Days[index[r.Day.Format(time.DateOnly)]]
			for _, c := range []*DayCounts{day, &p.Totals} {
				switch r.Outcome {
				case store.HistEnrolled:
					c.Enrolled += r.N
				case store.HistCompleted:
					c.Completed += r.N
				case store.HistFailed:
					c.Failed += r.N
				case store.HistGoalReached:
					c.GoalReached += r.N
				case store.HistUnenrolled:
					c.Unenrolled += r.N
				case store.HistCancelled:
					c.Cancelled += r.N
				}
			}
			continue
		}
		st := steps[r.StepID]
		if st == nil {
			st = &StepCounts{StepID: r.StepID}
			steps[r.StepID] = st
		}
		switch r.Outcome {
		case store.HistOK:
			st.OK += r.N
		case store.HistFailed:
			st.Failed += r.N
		case store.HistSkipped:
			st.Skipped += r.N
		}
		if r.Path != "" && (r.Outcome == store.HistOK || r.Outcome == store.HistGoalReached) {
			k := [2]string{r.StepID, r.Path}
			if paths[k] == nil {
				paths[k] = &PathCount{StepID: r.StepID, Path: r.Path}
			}
			if r.Outcome == store.HistOK {
				paths[k].N += r.N
			} else {
				paths[k].GoalReached += r.N
			}
		}
	}
	for _, st := range steps {
		p.Steps = append(p.Steps, *st)
	}
	sort.Slice(p.Steps, func(i, j int) bool { return p.Steps[i].StepID < p.Steps[j].StepID })
	for _, pc := range paths {
		pc.GoalConversion = ratio(pc.GoalReached, pc.N)
		p.Paths = append(p.Paths, *pc)
	}
	p.Totals.GoalConversion = ratio(p.Totals.GoalReached, p.Totals.Enrolled)
	for i := range p.Days {
		p.Days[i].GoalConversion = ratio(p.Days[i].GoalReached, p.Days[i].Enrolled)
	}
	sort.Slice(p.Paths, func(i, j int) bool {
		if p.Paths[i].StepID != p.Paths[j].StepID {
			return p.Paths[i].StepID < p.Paths[j].StepID
		}
		return p.Paths[i].Path < p.Paths[j].Path
	})
	return p, nil
}

// ratio is part over whole, 0 when whole is 0, capped at 1 (a goal reached in the range by a
// record enrolled before it).
func ratio(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return min(1, float64(part)/float64(whole))
}

func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
