package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// SchedulePoll is the longest the scheduler sleeps between passes. Cron and `at` triggers wake
// it at their exact fire time; the poll bounds how late a date-property trigger notices a
// record whose date changed so that its fire time is already near (see docs/schedules.md).
const SchedulePoll = time.Minute

// schedulePage is how many records one scheduler transaction enrolls.
const schedulePage = 500

// scheduler is the engine's schedule-trigger state. Its zero value is ready to use.
type scheduler struct {
	mu       sync.Mutex // one pass at a time
	wakeOnce sync.Once
	wakeCh   chan struct{}
	page     int // records per transaction; 0 means schedulePage (tests lower it)
}

func (s *scheduler) wake() chan struct{} {
	s.wakeOnce.Do(func() { s.wakeCh = make(chan struct{}, 1) })
	return s.wakeCh
}

func (s *scheduler) pageSize() int {
	if s.page > 0 {
		return s.page
	}
	return schedulePage
}

// wakeScheduler tells the scheduler loop that workflows changed.
func (e *Engine) wakeScheduler() {
	select {
	case e.sched.wake() <- struct{}{}:
	default:
	}
}

// startScheduler runs the scheduler loop until ctx ends; Stop waits for it.
func (e *Engine) startScheduler(ctx context.Context) {
	e.running.Add(1)
	go func() {
		defer e.running.Done()
		e.scheduleLoop(ctx)
	}()
}

// scheduleLoop runs a pass, then sleeps until the next known fire time (at most SchedulePoll)
// or until workflows change.
func (e *Engine) scheduleLoop(ctx context.Context) {
	wake := e.sched.wake()
	for ctx.Err() == nil {
		if !e.leading() {
			select { // another process runs the schedules; look again soon in case it is gone
			case <-ctx.Done():
			case <-e.clock.After(followerPoll):
			}
			continue
		}
		_, next, err := e.schedulePass(ctx)
		d := SchedulePoll
		if !next.IsZero() {
			if w := next.Sub(e.clock.Now()); w < d {
				d = max(w, time.Millisecond)
			}
		}
		if err != nil && ctx.Err() == nil {
			e.log.Error("run schedules", "err", err)
			d = max(d, e.opts.Poll) // do not spin on a failing database
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-e.clock.After(d):
		}
	}
}

// RunSchedules runs every schedule trigger whose fire time has passed and returns how many
// records it enrolled. It is the synchronous form of the scheduler loop, for tests and
// `flowdesk run-once`; the enrolled records' first steps run with RunDue or the dispatcher.
func (e *Engine) RunSchedules(ctx context.Context) (int, error) {
	n, _, err := e.schedulePass(ctx)
	return n, err
}

// schedulePass goes over every schedule trigger once; next is the earliest future fire time
// it knows of (zero: none).
func (e *Engine) schedulePass(ctx context.Context) (enrolled int, next time.Time, err error) {
	e.sched.mu.Lock()
	defer e.sched.mu.Unlock()
	ix := e.index.Load()
	scheds := ix.Schedules()
	if len(scheds) == 0 {
		return 0, time.Time{}, nil
	}
	states, err := e.scheduleStates(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	if !armedAsIndexed(scheds, states) {
		if err := e.armSchedules(ctx, ix); err != nil {
			return 0, time.Time{}, err
		}
		if states, err = e.scheduleStates(ctx); err != nil {
			return 0, time.Time{}, err
		}
	}
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	now := e.clock.Now()
	var errs []error
	for _, s := range scheds {
		st := states[stateKey{s.Workflow.ID, s.Trigger.ID}]
		if st == nil || st.Spec != s.Spec.Key() {
			continue // switched off or edited meanwhile; the next pass sees the new state
		}
		var n int
		var upcoming time.Time
		var err error
		if s.Spec.Kind == trigger.ScheduleDate {
			n, upcoming, err = e.fireDates(ctx, s, st, now)
		} else {
			n, upcoming, err = e.fireRecurring(ctx, s, st, now)
		}
		enrolled += n
		soonest(upcoming)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflow %q trigger %q: %w", s.Workflow.ID, s.Trigger.ID, err))
		}
	}
	if enrolled > 0 {
		e.Wake()
	}
	return enrolled, next, errors.Join(errs...)
}

type stateKey struct{ workflow, trigger string }

func (e *Engine) scheduleStates(ctx context.Context) (map[stateKey]*store.ScheduleState, error) {
	list, err := e.db.ScheduleStates(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[stateKey]*store.ScheduleState, len(list))
	for _, st := range list {
		out[stateKey{st.WorkflowID, st.TriggerID}] = st
	}
	return out, nil
}

// armedAsIndexed reports whether the stored states are exactly the indexed triggers' timings.
func armedAsIndexed(scheds []*trigger.Schedule, states map[stateKey]*store.ScheduleState) bool {
	if len(scheds) != len(states) {
		return false
	}
	for _, s := range scheds {
		st := states[stateKey{s.Workflow.ID, s.Trigger.ID}]
		if st == nil || st.Spec != s.Spec.Key() {
			return false
		}
	}
	return true
}

// armSchedules makes the stored schedule state match the index: a trigger seen for the first
// time (its workflow was just switched on, or the trigger added) is armed at now, so it never
// fires for earlier occurrences; a trigger whose timing was edited is re-armed at now; state of
// triggers no longer enabled is dropped (switching a workflow off and on again starts afresh),
// and fired markers of deleted workflows are pruned. It runs after every index rebuild.
func (e *Engine) armSchedules(ctx context.Context, ix *trigger.Index) error {
	err := e.db.Write(ctx, func(tx store.Tx) error {
		if e.index.Load() != ix {
			return nil // a newer index was built; its own arming wins
		}
		now := e.clock.Now()
		list, err := tx.ScheduleStates()
		if err != nil {
			return err
		}
		states := map[stateKey]*store.ScheduleState{}
		for _, st := range list {
			states[stateKey{st.WorkflowID, st.TriggerID}] = st
		}
		for _, s := range ix.Schedules() {
			k := stateKey{s.Workflow.ID, s.Trigger.ID}
			st := states[k]
			delete(states, k)
			if st != nil && st.Spec == s.Spec.Key() {
				continue
			}
			fresh := &store.ScheduleState{WorkflowID: k.workflow, TriggerID: k.trigger, Spec: s.Spec.Key(), ArmedAt: now, Cursor: now}
			if st != nil {
				fresh.LastFire, fresh.Runs = st.LastFire, st.Runs
			}
			if err := tx.PutScheduleState(fresh, now); err != nil {
				return err
			}
		}
		for k := range states {
			if err := tx.DeleteScheduleState(k.workflow, k.trigger); err != nil {
				return err
			}
		}
		_, err = tx.DeleteOrphanScheduleMarks()
		return err
	})
	if err != nil {
		return fmt.Errorf("arm schedules: %w", err)
	}
	return nil
}

// schedulesChanged arms the schedule triggers of a freshly built index and wakes the loop.
func (e *Engine) schedulesChanged(ctx context.Context, ix *trigger.Index) error {
	if err := e.armSchedules(ctx, ix); err != nil {
		return err
	}
	e.wakeScheduler()
	return nil
}

// errStopRun ends a scheduler run whose trigger was switched off or edited meanwhile.
var errStopRun = errors.New("schedule no longer armed")

// loadArmed reads a trigger's state inside tx and checks it still has the timing s.
func loadArmed(tx store.Tx, s *trigger.Schedule) (*store.ScheduleState, error) {
	st, err := tx.ScheduleState(s.Workflow.ID, s.Trigger.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errStopRun
	}
	if err != nil {
		return nil, err
	}
	if st.Spec != s.Spec.Key() {
		return nil, errStopRun
	}
	return st, nil
}

// fireRecurring runs a cron or `at` trigger if an occurrence passed since its cursor. Missed
// occurrences collapse into one run. The run enrolls the matching records page by page; each
// page's transaction also records how far the run got, so a crash resumes it without enrolling
// anyone twice. upcoming is the next fire time after now.
func (e *Engine) fireRecurring(ctx context.Context, s *trigger.Schedule, st *store.ScheduleState, now time.Time) (enrolled int, upcoming time.Time, err error) {
	if st.RunFire.IsZero() {
		next, ok := s.Spec.Next(st.Cursor)
		if !ok {
			return 0, time.Time{}, nil
		}
		if next.After(now) {
			return 0, next, nil
		}
	}
	page := e.sched.pageSize()
	summary := s.Spec.Summary()
	for done := false; !done; {
		n := 0
		err := e.db.Write(ctx, func(tx store.Tx) error {
			n = 0
			st, err := loadArmed(tx, s)
			if err != nil {
				return err
			}
			if st.RunFire.IsZero() {
				first, ok := s.Spec.Next(st.Cursor)
				if !ok || first.After(now) {
					done = true // another pass ran it
					return nil
				}
				last, _ := s.Spec.Last(st.Cursor, now)
				if last.After(first) {
					e.log.Info("schedule missed occurrences; running once for the latest", "workflow", s.Workflow.ID, "trigger", s.Trigger.ID, "first", first, "latest", last)
				}
				st.RunFire, st.RunAfter, st.Cursor = last, 0, now
			}
			recs, err := tx.RecordsPage(s.Workflow.Def.Object, st.RunAfter, page)
			if err != nil {
				return err
			}
			fireAt := st.RunFire.In(s.Spec.Loc).Format(time.RFC3339)
			for _, r := range recs {
				env, err := ruleEnv(tx, r, now, s.Filter.UsesLists(), s.Filter.Associations())
				if err != nil {
					return err
				}
				ok, matched, err := s.Match(env)
				if err != nil {
					e.log.Warn("schedule filter failed", "workflow", s.Workflow.ID, "trigger", s.Trigger.ID, "record", r.ID, "err", err)
					continue
				}
				if !ok {
					continue
				}
				matched["schedule.fire_at"] = fireAt
				res, err := e.enroll(tx, s.Workflow, r.ID, scheduleReason(s, summary, matched), 0, false, now)
				if err != nil {
					return err
				}
				if res.enrollment != nil {
					n++
				}
			}
			if len(recs) < page {
				st.LastFire, st.RunFire, st.RunAfter = st.RunFire, time.Time{}, 0
				st.Runs++
				done = true
			} else {
				st.RunAfter = recs[len(recs)-1].ID
			}
			return tx.PutScheduleState(st, now)
		})
		if errors.Is(err, errStopRun) {
			return enrolled, time.Time{}, nil
		}
		if err != nil {
			return enrolled, time.Time{}, err
		}
		enrolled += n
	}
	next, _ := s.Spec.Next(now)
	return enrolled, next, nil
}

// fireDates runs a date-property trigger: every record whose fire time (its date + offset at
// the time of day, in its zone) fell in (cursor, now] and that has not fired for that date yet
// enrolls, if the filter picks it. A fire time at or before the cursor was either handled by an
// earlier pass or only appeared later (a new record, a date moved into the past): it never
// fires retroactively. upcoming is the earliest future fire time among the records.
func (e *Engine) fireDates(ctx context.Context, s *trigger.Schedule, st *store.ScheduleState, now time.Time) (enrolled int, upcoming time.Time, err error) {
	// Find the candidates on the read pool; each is checked again inside the write.
	var due []int64
	var after int64
	for {
		recs, err := e.db.RecordsPage(ctx, s.Workflow.Def.Object, after, 1000)
		if err != nil {
			return 0, time.Time{}, err
		}
		for _, r := range recs {
			f, ok := s.Spec.FireFor(r.Properties)
			switch {
			case !ok:
			case f.At.After(now):
				if upcoming.IsZero() || f.At.Before(upcoming) {
					upcoming = f.At
				}
			case f.At.After(st.Cursor):
				due = append(due, r.ID)
			}
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].ID
	}
	if len(due) == 0 && !now.After(st.Cursor) {
		return 0, upcoming, nil
	}
	page := e.sched.pageSize()
	summary := s.Spec.Summary()
	for start := 0; start == 0 || start < len(due); start += page {
		batch := due[start:min(start+page, len(due))]
		last := start+page >= len(due)
		n := 0
		err := e.db.Write(ctx, func(tx store.Tx) error {
			n = 0
			st, err := loadArmed(tx, s)
			if err != nil {
				return err
			}
			for _, id := range batch {
				r, err := tx.Record(id)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				f, ok := s.Spec.FireFor(r.Properties)
				if !ok || f.At.After(now) || !f.At.After(st.Cursor) {
					continue // the date changed since the scan
				}
				env, err := ruleEnv(tx, r, now, s.Filter.UsesLists(), s.Filter.Associations())
				if err != nil {
					return err
				}
				ok, matched, err := s.Match(env)
				if err != nil {
					e.log.Warn("schedule filter failed", "workflow", s.Workflow.ID, "trigger", s.Trigger.ID, "record", r.ID, "err", err)
					continue
				}
				if !ok {
					continue
				}
				first, err := tx.MarkScheduleFired(s.Workflow.ID, s.Trigger.ID, r.ID, f.FireDate, now)
				if err != nil {
					return err
				}
				if !first {
					continue // this date already fired for the record
				}
				matched[s.Spec.DateProperty] = r.Properties[s.Spec.DateProperty]
				matched["schedule.fire_at"] = f.At.In(time.UTC).Format(time.RFC3339)
				matched["schedule.timezone"] = f.Zone
				res, err := e.enroll(tx, s.Workflow, r.ID, scheduleReason(s, summary, matched), 0, false, now)
				if err != nil {
					return err
				}
				if res.enrollment != nil {
					n++
				}
			}
			if !last || !now.After(st.Cursor) {
				return nil
			}
			st.Cursor = now
			if len(due) > 0 {
				st.LastFire = now
				st.Runs++
			}
			return tx.PutScheduleState(st, now)
		})
		if errors.Is(err, errStopRun) {
			return enrolled, time.Time{}, nil
		}
		if err != nil {
			return enrolled, upcoming, err
		}
		enrolled += n
	}
	return enrolled, upcoming, nil
}

func scheduleReason(s *trigger.Schedule, summary string, matched map[string]any) Reason {
	return Reason{Trigger: s.Trigger.ID, TriggerType: workflow.TriggerSchedule, Summary: summary, Matched: matched}
}
