package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Delivery status: a provider that accepts a message ("queued") has not delivered it yet. As in
// HubSpot, the step waits for the provider's status report (an SMS provider's status callback)
// and then goes on as sent or failed; with no report by the deadline it goes on as failed. The
// wait is a job like a delay's, so it survives a restart, and a report that arrives before the
// wait commits is kept (store.SMSStatus) and found when it does.

// DefaultStatusTimeout is how long a step waits for a delivery status (HubSpot's 72 hours).
const DefaultStatusTimeout = 72 * time.Hour

// Await says an ok try's outcome is reported later by the outside system; the step waits for it
// until Until.
type Await struct {
	Until time.Time
	// What is waited for, for the history and the timeout's message ("a delivery status from
	// the SMS provider").
	What string
}

// Final delivery statuses, as Twilio's MessageStatus names them. Every other status it sends
// (queued, accepted, scheduled, sending) is on the way.
var (
	deliveredStatuses = map[string]bool{"sent": true, "delivered": true, "read": true}
	failedStatuses    = map[string]bool{"failed": true, "undelivered": true, "canceled": true}
	interimStatuses   = map[string]bool{"queued": true, "accepted": true, "scheduled": true, "sending": true}
)

// DeliveryStatus classifies a provider's status: final (sent or failed) or on the way; known
// is false for a status no provider sends.
func DeliveryStatus(status string) (final, delivered, known bool) {
	s := strings.ToLower(strings.TrimSpace(status))
	switch {
	case deliveredStatuses[s]:
		return true, true, true
	case failedStatuses[s]:
		return true, false, true
	case interimStatuses[s]:
		return false, false, true
	}
	return false, false, false
}

// StatusToken names one waiting send in its status callback address: the enrollment and the
// step visit's idempotency key.
func StatusToken(enrollmentID int64, key string) string {
	return strconv.FormatInt(enrollmentID, 10) + "." + key
}

// ParseStatusToken reads a StatusToken.
func ParseStatusToken(tok string) (enrollmentID int64, key string, ok bool) {
	id, key, found := strings.Cut(tok, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !found || err != nil || n <= 0 || !strings.HasPrefix(key, "fd_") || len(key) > 64 {
		return 0, "", false
	}
	return n, key, true
}

// ErrUnknownMessage means a status report names no message Flowdesk sent.
var ErrUnknownMessage = errors.New("no message Flowdesk sent has this status address")

// StatusReport is what a provider reported about one message.
type StatusReport struct {
	Status string // the provider's status ("delivered", "undelivered", ...)
	Code   string // its error code with a failure ("30003")
}

// StatusResult says what a report did.
type StatusResult struct {
	Final  bool   // the report was a final status (an interim one changes nothing)
	Status string // the final status kept: the first one reported
	Woke   bool   // a waiting step goes on with it now
}

// ReportDeliveryStatus records a provider's status report for the send that the token names and
// wakes the step waiting for it. Only the first final status counts; interim ones are noted
// and change nothing.
func (e *Engine) ReportDeliveryStatus(ctx context.Context, enrollmentID int64, key string, r StatusReport) (StatusResult, error) {
	final, _, known := DeliveryStatus(r.Status)
	if !known {
		return StatusResult{}, badInput("MessageStatus", "%q is not a message status; expected one of queued, sending, sent, delivered, undelivered, failed", r.Status)
	}
	status := strings.ToLower(strings.TrimSpace(r.Status))
	now := e.clock.Now()
	var res StatusResult
	err := e.db.Write(ctx, func(tx store.Tx) error {
		res = StatusResult{Final: final}
		var st store.SMSStatus
		var err error
		if final {
			st, err = tx.SetSMSStatus(key, status, strings.TrimSpace(r.Code), now)
		} else {
			st, err = tx.SMSStatus(key)
		}
		if err != nil {
			return err
		}
		en, err := tx.Enrollment(enrollmentID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !st.Found) {
			return ErrUnknownMessage
		}
		if err != nil || !final {
			return err
		}
		res.Status = st.Status
		jobs, err := tx.WaitingJobs(en.RecordID, awaitEvent(key))
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.EnrollmentID != enrollmentID {
				continue
			}
			if err := tx.WakeJob(j.ID, statusOutcome(st), 0, now); err != nil {
				return err
			}
			res.Woke = true
		}
		return nil
	})
	if err != nil {
		return StatusResult{}, err
	}
	if res.Woke {
		e.Wake()
	}
	return res, nil
}

// awaitEvent is the wait_event of a step waiting for the status of its send.
func awaitEvent(key string) string { return "delivery_status:" + key }

// statusOutcome is a waiting job's outcome for a kept status: "status:<status>[/<code>]".
func statusOutcome(st store.SMSStatus) string {
	out := "status:" + st.Status
	if st.Code != "" {
		out += "/" + st.Code
	}
	return out
}

// await makes the plan wait at s for the outcome of its ok try: its history line says so, and a
// resume job brings it back when the status arrives, or at the deadline as timed out.
func (p *plan) await(s *workflow.Step, key string, try int, a *Await, detail map[string]any) {
	detail["awaiting"], detail["timeout_at"] = a.What, a.Until
	p.status, p.current = store.StatusWaiting, s.ID
	job := &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.ID, Kind: store.JobResume,
		Outcome: store.OutcomeTimeout + "/" + waitLength(a.Until.Sub(p.now)), WaitEvent: awaitEvent(key), RunAt: a.Until, Tries: try}
	p.next = job
	// A report that came in while the try was in flight is already kept: go on with it at once.
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		st, err := tx.SMSStatus(key)
		if err != nil || st.Status == "" {
			return err
		}
		job.RunAt, job.Outcome, job.WaitEvent = p.now, statusOutcome(st), ""
		return nil
	})
}

// resumeDelivery ends the wait of an outbound step for its delivery status: ok when the provider
// reported it sent, failed when it reported a failure or nothing came in time. It returns the
// step that follows.
func (p *plan) resumeDelivery(s *workflow.Step, outcome string) string {
	detail := map[string]any{}
	if wait, ok := strings.CutPrefix(outcome, store.OutcomeTimeout); ok {
		detail["error"] = fmt.Sprintf("no delivery status from the provider after %s; the message may not have arrived", strings.TrimPrefix(wait, "/"))
		p.stepFailed(s, detail)
		p.failedAttempt(s, detail["error"].(string))
		p.outboxOutcome(s, store.OutboxFailed, detail["error"].(string))
		return s.Next
	}
	status, code, _ := strings.Cut(strings.TrimPrefix(outcome, "status:"), "/")
	detail["provider_status"] = status
	if code != "" {
		detail["error_code"] = code
	}
	if _, delivered, _ := DeliveryStatus(status); delivered {
		p.log(s, store.HistOK, detail)
		p.count(s.ID, 1, 0)
		if status != "sent" { // "sent" is as far as some carriers report; the row reads sent already
			p.outboxOutcome(s, store.OutboxDelivered, "")
		}
		return s.Next
	}
	msg := fmt.Sprintf("the provider reported the message %s", status)
	if code != "" {
		msg += fmt.Sprintf(" (error %s)", code)
	}
	detail["error"] = msg
	p.stepFailed(s, detail)
	p.failedAttempt(s, msg)
	p.outboxOutcome(s, store.OutboxFailed, msg)
	return s.Next
}

// outboxOutcome makes the outbox row of the send read what became of it, in the write that
// logs the step's outcome, so the outbox never says sent for a message the step failed.
func (p *plan) outboxOutcome(s *workflow.Step, status, reason string) {
	key, now := actionKey(p.c.enr.ID, s.ID, p.stepsRun), p.now
	p.effects = append(p.effects, func(tx store.Tx, _ *plan) error {
		_, err := tx.SetOutboxStatus(key, status, reason, now)
		return err
	})
}

// failedAttempt adds the failure to the step's delivery log, next to the try the provider
// accepted, so the log does not show a failed send as ok.
func (p *plan) failedAttempt(s *workflow.Step, msg string) {
	attempt := &store.ActionAttempt{EnrollmentID: p.c.enr.ID, WorkflowID: p.def.ID, StepID: s.ID, StepType: s.Type,
		IdempotencyKey: actionKey(p.c.enr.ID, s.ID, p.stepsRun), Try: p.c.job.Tries, Outcome: store.AttemptFailed, Error: msg, At: p.now}
	p.effects = append(p.effects, func(tx store.Tx, _ *plan) error { return tx.InsertActionAttempt(attempt) })
}

// waitLength says a wait's length in hours or minutes ("72 hours").
func waitLength(d time.Duration) string {
	if h := d.Round(time.Hour); h >= time.Hour && d%time.Hour == 0 {
		if h == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", int(h.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Round(time.Minute).Minutes()))
}
