package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Action performs an outbound step (a webhook, an email, ...). It runs outside any database
// transaction and may run more than once for one step visit (a retry, or a crash before the
// result committed), so it must pass Input.IdempotencyKey on to the outside system. It never
// writes to the database itself: what a try stores comes back in ActionResult.Writes and
// commits with the pass that logs the try.
type Action interface {
	Run(ctx context.Context, in ActionInput) ActionResult
}

// Write is a database effect of an action's try (an outbox row, SMS usage, a notification),
// run in the transaction of the pass that logs the try. It may add to the try's history detail
// (the id of the outbox row it stored, say).
type Write func(tx store.Tx, detail map[string]any) error

// Reserver is an Action that must hold something in the database before its outbound call: an
// SMS counts against the month's cap before it leaves. At the start of each try the engine
// asks Reserve; writes it returns commit with a pass of their own, and the try runs in the next
// pass, where Reserve finds them and returns none.
type Reserver interface {
	Reserve(ctx context.Context, in ActionInput) ([]Write, error)
}

// ActionFunc adapts a function to Action.
type ActionFunc func(ctx context.Context, in ActionInput) ActionResult

// Run calls f.
func (f ActionFunc) Run(ctx context.Context, in ActionInput) ActionResult { return f(ctx, in) }

// ActionInput is what an action gets to work with.
type ActionInput struct {
	Step       *workflow.Step
	Workflow   *workflow.Definition
	Enrollment *store.Enrollment
	RecordID   int64
	RecordType string
	Record     map[string]any // properties as the enrollment sees them
	Event      map[string]any // the triggering event (may be nil)
	// IdempotencyKey is the same on every try of one visit of one step, and differs between
	// visits (a go-to loop that comes back), e.g. for a webhook-id or a Message-ID.
	IdempotencyKey string
	Try            int // 1 for the first try
	Now            time.Time
}

// ActionResult says how an action went.
type ActionResult struct {
	Outcome    string // store.AttemptOK, AttemptSkipped, AttemptRetry or AttemptFailed
	RetryAfter time.Duration
	Target     string // URL, address or channel, for the delivery log; never a secret
	StatusCode int
	Latency    time.Duration
	Error      string
	Response   string          // a short snippet of the answer
	Request    json.RawMessage // what was sent, kept for a manual retry
	Detail     map[string]any  // extra history detail
	// Set lists record properties to set from the answer (e.g. mapped webhook response fields).
	Set map[string]any
	// Writes are the try's database effects, committed with the pass that logs it (or, for an
	// action run outside a workflow, by Engine.Apply).
	Writes []Write
	// Await, on an ok try, means the outside system reports later whether it worked (an SMS
	// provider's delivery status): the step waits for that report (see delivery.go).
	Await *Await
}

// Apply commits the writes of an action run outside a workflow (an email template's test send,
// one of Flowdesk's own alerts) in one write, adding what they report to res.Detail.
func (e *Engine) Apply(ctx context.Context, res *ActionResult) error {
	if len(res.Writes) == 0 {
		return nil
	}
	detail := map[string]any{}
	err := e.db.Write(ctx, func(tx store.Tx) error {
		clear(detail)
		return runWrites(tx, res.Writes, detail)
	})
	if err != nil {
		return err
	}
	if res.Detail == nil {
		res.Detail = map[string]any{}
	}
	for k, v := range detail {
		res.Detail[k] = v
	}
	res.Writes = nil
	return nil
}

func runWrites(tx store.Tx, writes []Write, detail map[string]any) error {
	for _, w := range writes {
		if err := w(tx, detail); err != nil {
			return err
		}
	}
	return nil
}

// RetryPolicy bounds retries of outbound steps.
type RetryPolicy struct {
	MaxTries int           // tries before a dead letter (default 8)
	Base     time.Duration // first backoff (default 10s)
	Max      time.Duration // backoff cap (default 1h)
}

func (rp RetryPolicy) withDefaults() RetryPolicy {
	if rp.MaxTries <= 0 {
		rp.MaxTries = 8
	}
	if rp.Base <= 0 {
		rp.Base = 10 * time.Second
	}
	if rp.Max <= 0 {
		rp.Max = time.Hour
	}
	return rp
}

// MaxTries is how many tries an outbound step gets before its dead letter.
func (e *Engine) MaxTries() int { return e.opts.Retry.withDefaults().MaxTries }

// backoff is exponential with full jitter in its upper half, never below retryAfter.
func (rp RetryPolicy) backoff(try int, retryAfter time.Duration) time.Duration {
	d := rp.Base << min(try-1, 20)
	if d > rp.Max || d <= 0 {
		d = rp.Max
	}
	d = d/2 + rand.N(d/2+1)
	return max(d, min(retryAfter, 24*time.Hour))
}

// actionKey identifies one visit of a step by an enrollment.
func actionKey(enrollmentID int64, stepID string, visit int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s/%d", enrollmentID, stepID, visit))
	return "fd_" + hex.EncodeToString(sum[:12])
}

// runAction performs an outbound step for a plan and records its outcome. It returns the next
// step, or (in p.next) a retry job.
func (e *Engine) runAction(ctx context.Context, p *plan, s *workflow.Step, act Action) string {
	try := p.c.job.Tries + 1
	in := p.actionInput(s, p.stepsRun, try)
	res := safeRun(ctx, act, in)
	outcome := res.Outcome
	rp := e.opts.Retry.withDefaults()
	if outcome == store.AttemptRetry && try >= rp.MaxTries {
		outcome = store.AttemptDead
	}
	attempt := &store.ActionAttempt{EnrollmentID: p.c.enr.ID, WorkflowID: p.def.ID, StepID: s.ID, StepType: s.Type,
		IdempotencyKey: in.IdempotencyKey, Try: try, Outcome: outcome, Target: res.Target, StatusCode: res.StatusCode,
		LatencyMS: res.Latency.Milliseconds(), Error: res.Error, Response: res.Response, Request: res.Request, At: p.now}
	p.effects = append(p.effects, func(tx store.Tx, _ *plan) error { return tx.InsertActionAttempt(attempt) })
	detail := map[string]any{"try": try}
	for k, v := range res.Detail {
		detail[k] = v
	}
	if res.Target != "" {
		detail["target"] = res.Target
	}
	if res.StatusCode != 0 {
		detail["status"] = res.StatusCode
	}
	if res.Error != "" {
		detail["error"] = res.Error
	}
	// The try's history line; with writes, its detail is completed by them at commit.
	logTry := func(outcome string) {
		if len(res.Writes) == 0 {
			p.log(s, outcome, detail)
			return
		}
		slot, writes := p.reserve(s), res.Writes
		p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
			d := maps.Clone(detail) // a commit may run again after a rollback
			if err := runWrites(tx, writes, d); err != nil {
				return err
			}
			p.fill(slot, outcome, d)
			return nil
		})
	}
	switch outcome {
	case store.AttemptRetry:
		wait := rp.backoff(try, res.RetryAfter)
		detail["retry_at"] = p.now.Add(wait)
		logTry("retrying")
		p.next = &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.ID, Kind: store.JobRun, RunAt: p.now.Add(wait), Tries: try}
		return ""
	case store.AttemptOK, store.AttemptSkipped:
		if res.Await != nil && outcome == store.AttemptOK {
			p.await(s, in.IdempotencyKey, try, res.Await, detail)
			logTry(store.HistWaiting)
			return ""
		}
		for k, v := range res.Set {
			op := setOp(k, v, workflow.ModeReplace)
			_ = op(p.props)
			p.propOps = append(p.propOps, op)
		}
		hist := store.HistOK
		if outcome == store.AttemptSkipped {
			hist = store.HistSkipped
		}
		logTry(hist)
		p.count(s.ID, 1, 0)
	default: // failed or dead: logged, counted, and the enrollment goes on (as in HubSpot)
		if outcome == store.AttemptDead {
			detail["dead_letter"] = true
			n := deadLetterNotice(p.def, s, p.c.enr.ID, p.c.rec.Email, res.Target, try, res.StatusCode, res.Error)
			p.effects = append(p.effects, func(tx store.Tx, p *plan) error { return notifyOncePerHour(tx, n, p.now) })
		}
		logTry(store.HistFailed)
		p.count(s.ID, 0, 1)
	}
	return s.Next
}

// actionInput is what an action gets for a try of step s in visit (the enrollment's step count
// at that visit) of this plan's enrollment.
func (p *plan) actionInput(s *workflow.Step, visit, try int) ActionInput {
	return ActionInput{Step: s, Workflow: p.def, Enrollment: p.c.enr, RecordID: p.c.rec.ID, RecordType: p.c.rec.Type,
		Record: p.props, Event: p.event, IdempotencyKey: actionKey(p.c.enr.ID, s.ID, visit), Try: try, Now: p.now}
}

// reserveFor asks a Reserver what its try must hold before the call. With writes to commit first,
// it ends the pass with them and a job that runs the step again at once (the same try, the same
// visit), and reports true.
func (e *Engine) reserveFor(ctx context.Context, p *plan, s *workflow.Step, act Action, visit int) (bool, error) {
	r, ok := act.(Reserver)
	if !ok {
		return false, nil
	}
	writes, err := r.Reserve(ctx, p.actionInput(s, visit, p.c.job.Tries+1))
	if err != nil {
		return false, fmt.Errorf("prepare the %s step %q: %w", s.Type, s.ID, err)
	}
	if len(writes) == 0 {
		return false, nil
	}
	p.effects = append(p.effects, func(tx store.Tx, _ *plan) error { return runWrites(tx, writes, map[string]any{}) })
	p.current = s.ID
	p.next = &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.ID, Kind: store.JobRun, RunAt: p.now, Tries: p.c.job.Tries}
	return true, nil
}

// safeRun turns an action's panic into a failed attempt.
func safeRun(ctx context.Context, act Action, in ActionInput) (res ActionResult) {
	defer func() {
		if r := recover(); r != nil {
			res = ActionResult{Outcome: store.AttemptFailed, Error: fmt.Sprintf("the action crashed: %v", r)}
		}
	}()
	res = act.Run(ctx, in)
	switch res.Outcome {
	case store.AttemptOK, store.AttemptSkipped, store.AttemptRetry, store.AttemptFailed:
	default:
		res.Error = fmt.Sprintf("the action returned an unknown outcome %q", res.Outcome)
		res.Outcome = store.AttemptFailed
	}
	return res
}
