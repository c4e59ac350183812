package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

var errLeaseLost = errors.New("job lease lost to another claim")

// claim leases due jobs and loads their enrollments and records in the same transaction.
func (e *Engine) claim(ctx context.Context, limit int) ([]claimed, error) {
	var out []claimed
	err := e.db.Write(ctx, func(tx store.Tx) error {
		out = out[:0]
		jobs, err := tx.ClaimJobs(e.clock.Now(), e.opts.Lease, limit)
		if err != nil {
			return err
		}
		// Two queries for the whole batch, not two round trips per job (on PostgreSQL each
		// query is one).
		enrs, recs, err := tx.JobSubjects(jobs)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			out = append(out, claimed{job: j, enr: enrs[j.EnrollmentID], rec: recs[j.RecordID]})
		}
		return nil
	})
	return out, err
}

// process runs one claimed job and commits its plan.
func (e *Engine) process(ctx context.Context, c claimed) {
	p, err := e.makePlan(ctx, c)
	if err == nil {
		err = e.commit(ctx, p)
	}
	if err == nil {
		return
	}
	if errors.Is(err, errLeaseLost) {
		e.log.Warn("step result dropped: its job was claimed again", "enrollment", c.enr.ID, "step", c.job.StepID)
		return
	}
	e.log.Error("step failed to commit", "enrollment", c.enr.ID, "step", c.job.StepID, "attempt", c.job.Attempt, "err", err)
	if ferr := e.commitFailed(ctx, c, err); ferr != nil {
		// The lease will expire and the job will be claimed again.
		e.log.Error("could not record the failure", "enrollment", c.enr.ID, "err", ferr)
	}
}

// commit applies a plan atomically, provided this claim still holds the job.
func (e *Engine) commit(ctx context.Context, p *plan) error {
	var declared []store.Property // properties first seen in this commit, remembered once it lands
	err := e.db.Write(ctx, func(tx store.Tx) error {
		declared, p.declared = nil, nil
		ok, err := tx.FinishJob(p.c.job.ID, p.c.job.Attempt)
		if err != nil {
			return err
		}
		if !ok {
			return errLeaseLost
		}
		if len(p.propOps) > 0 {
			rec, err := tx.Record(p.c.rec.ID)
			if err != nil {
				return err
			}
			change, err := tx.UpdateRecord(rec, func(props map[string]any) error {
				for _, op := range p.propOps {
					if err := op(props); err != nil {
						return err
					}
				}
				return nil
			}, p.now)
			if err != nil {
				return err
			}
			if declared, err = e.declare(tx, rec.Type, change.Record.Properties, nil); err != nil {
				return err
			}
			if err := e.checkUnique(tx, change.Record, changedProps(change), "record.properties"); err != nil {
				return err
			}
			if _, err := e.recordChanged(tx, change, p.now); err != nil {
				return err
			}
		}
		for _, eff := range p.effects {
			if err := eff(tx, p); err != nil {
				return err
			}
		}
		if err := tx.AppendHistory(p.history...); err != nil {
			return err
		}
		for step, c := range p.counts {
			if err := tx.CountStep(p.def.ID, step, c[0], c[1]); err != nil {
				return err
			}
		}
		if err := tx.CountFailedSteps(p.c.enr.ID, p.failed); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(p.c.enr.ID, p.status, p.current, p.stepsRun, p.errText, p.now); err != nil {
			return err
		}
		if p.status == store.StatusGoalReached {
			if err := e.goalReached(tx, p.c.rec.ID, p.def.ID, p.c.enr.ID, p.now); err != nil {
				return err
			}
		}
		if p.next != nil {
			return tx.PutJob(p.next)
		}
		return nil
	})
	if err == nil {
		e.rememberProperties(declared)
		e.rememberProperties(p.declared)
		if len(p.effects) > 0 || len(p.propOps) > 0 {
			e.Wake() // list joins and record changes may have enrolled records elsewhere
		}
		if e.listsStale.CompareAndSwap(true, false) {
			if lerr := e.loadLists(ctx); lerr != nil {
				e.log.Warn("reload lists", "err", lerr)
				e.listsStale.Store(true)
			}
		}
	}
	return err
}

// commitFailed retries a job later with backoff, or fails the enrollment after MaxAttempts.
func (e *Engine) commitFailed(ctx context.Context, c claimed, cause error) error {
	now := e.clock.Now()
	return e.db.Write(ctx, func(tx store.Tx) error {
		if c.job.Attempt < e.opts.MaxAttempts {
			backoff := time.Duration(1<<min(c.job.Attempt, 10)) * time.Second
			return tx.ReleaseJob(c.job.ID, c.job.Attempt, now.Add(backoff))
		}
		ok, err := tx.FinishJob(c.job.ID, c.job.Attempt)
		if err != nil || !ok {
			return err
		}
		msg := fmt.Sprintf("gave up after %d attempts: %v", c.job.Attempt, cause)
		detail := []byte(fmt.Sprintf(`{"step":%q,"error":%q}`, c.job.StepID, msg))
		if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: c.enr.ID, WorkflowID: c.enr.WorkflowID, StepID: c.job.StepID, Outcome: store.HistFailed, Detail: detail, At: now}); err != nil {
			return err
		}
		if err := tx.CountStep(c.enr.WorkflowID, c.job.StepID, 0, 1); err != nil {
			return err
		}
		if err := tx.CountFailedSteps(c.enr.ID, 1); err != nil {
			return err
		}
		return tx.UpdateEnrollment(c.enr.ID, store.StatusFailed, c.job.StepID, c.enr.StepsRun, msg, now)
	})
}

// dispatch claims due jobs whenever workers are free, and sleeps until the next job is due,
// a wake-up arrives, or the poll interval passes.
func (e *Engine) dispatch(ctx context.Context) {
	defer close(e.stopped)
	slots := make(chan struct{}, e.opts.Workers)
	work := context.WithoutCancel(ctx) // steps in flight commit even while stopping
	for ctx.Err() == nil {
		limit := min(e.opts.Workers-len(slots), e.opts.ClaimBatch)
		var jobs []claimed
		if limit > 0 {
			var err error
			jobs, err = e.claim(ctx, limit)
			if err != nil && ctx.Err() == nil {
				e.log.Error("claim jobs", "err", err)
			}
		}
		for _, c := range jobs {
			e.held.add(c.job)
		}
		for _, c := range jobs {
			slots <- struct{}{}
			e.running.Add(1)
			go func(c claimed) {
				defer e.running.Done()
				e.process(work, c)
				e.held.remove(c.job)
				<-slots
				e.Wake() // a free slot may take more work
			}(c)
		}
		if limit > 0 && len(jobs) == limit {
			continue // there may be more due right now
		}
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-e.clock.After(e.sleepFor(ctx)):
		}
	}
}

func (e *Engine) sleepFor(ctx context.Context) time.Duration {
	at, ok, err := e.db.NextJobAt(ctx)
	if err != nil || !ok {
		return e.opts.Poll
	}
	d := at.Sub(e.clock.Now())
	if d < time.Millisecond {
		d = time.Millisecond
	}
	return min(d, e.opts.Poll)
}

// RunDue runs every job that is due now, including the jobs those create, and returns how many
// ran. It is the synchronous form of the dispatcher, for tests and `flowdesk run-once`; it
// first runs bulk enrollments to their end.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	if err := e.drainBulk(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		jobs, err := e.claim(ctx, e.opts.ClaimBatch)
		if err != nil {
			return total, err
		}
		if len(jobs) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, e.opts.Workers)
		for _, c := range jobs {
			wg.Add(1)
			sem <- struct{}{}
			go func(c claimed) {
				defer wg.Done()
				e.process(ctx, c)
				<-sem
			}(c)
		}
		wg.Wait()
		total += len(jobs)
	}
}
