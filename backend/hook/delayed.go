package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// held is what a delayed delivery stores until it is due: the mapped event and how to find its
// record. The record is looked up (and, with create off, skipped) when the event is ingested.
type held struct {
	Input          engine.EventInput `json:"input"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Match          string            `json:"match"`
	MatchValue     any               `json:"match_value"`
	Create         bool              `json:"create"`
	Object         string            `json:"object"`
	// Types and Strict are the endpoint's mapping types and strictness when the delivery came
	// (engine.RecordRef keeps them off the wire of POST /api/events, so they are kept here).
	Types  map[string]string `json:"types,omitempty"`
	Strict bool              `json:"strict,omitempty"`
}

// hold stores a delivery of an endpoint with delay_days, answering 202 "delayed". Its values
// are checked first as they would be if it were applied now (types, strictness), so a delivery
// that cannot apply is refused to its sender now, not dropped days later. The request log
// line, the delivery id and the held event commit together.
func (l *Listener) hold(ctx context.Context, d *delivery, plan *Plan, in engine.EventInput, mapped *Mapped) (*Answer, int, *rejection) {
	cfg := plan.Config()
	if err := l.eng.CheckRecordValues("record", in.Record); err != nil {
		var ie *problem.Error
		if errors.As(err, &ie) {
			return nil, 0, eventRejection(ie, mapped.Sources)
		}
		return nil, 0, reject(http.StatusInternalServerError, "internal", false, nil, "internal error")
	}
	if in.OccurredAt == nil {
		t := d.received
		in.OccurredAt = &t
	}
	h := held{Input: in, IdempotencyKey: in.IdempotencyKey, Match: cfg.Match, MatchValue: mapped.MatchValue,
		Create: cfg.Create == nil || *cfg.Create, Object: cfg.Object, Types: in.Record.Types, Strict: in.Record.Strict}
	enc, err := json.Marshal(h)
	if err != nil {
		return nil, 0, reject(http.StatusUnprocessableEntity, "mapping_failed", true, nil, "the mapped event cannot be stored: %v", err)
	}
	due := d.received.Add(time.Duration(cfg.DelayDays) * 24 * time.Hour)
	ans, status, rej := l.finish(ctx, d, OutcomeDelayed, http.StatusAccepted,
		fmt.Sprintf("accepted; the event is applied and enrolls in %d day(s)", cfg.DelayDays),
		func(tx store.Tx, requestID int64) error {
			return tx.HoldHookDelivery(&store.HookDelayed{EndpointID: d.ep.ID, RequestID: requestID, DueAt: due, Payload: string(enc)})
		})
	if ans != nil && ans.Outcome == OutcomeDelayed {
		ans.DueAt = due.UTC().Format(time.RFC3339)
	}
	return ans, status, rej
}

// errReleased means a held delivery was taken by another run.
var errReleased = errors.New("held webhook delivery already released")

// ProcessDue ingests held deliveries whose delay is over and returns how many it handled.
// Each one's event and the release of the held row commit in one transaction.
// A held delivery of an endpoint that is switched off when it comes due is dropped, with a line
// in its request log: switching an endpoint off stops what it sends, held deliveries included
// (the ones still held when it is switched on again apply as usual).
func (l *Listener) ProcessDue(ctx context.Context) (int, error) {
	total := 0
	for {
		due, err := l.db.DueHookDeliveries(ctx, l.clock.Now(), 100)
		if err != nil {
			return total, err
		}
		enabled := map[string]bool{}
		for _, d := range due {
			on, known := enabled[d.EndpointID]
			if !known {
				ep, err := l.db.HookEndpoint(ctx, d.EndpointID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return total, err
				}
				on = err == nil && ep.Enabled
				enabled[d.EndpointID] = on
			}
			if !on {
				if err := l.drop(ctx, d, OutcomeSkipped, "dropped: the endpoint was switched off when this delivery came due"); err != nil {
					return total, err
				}
				l.log.Info("held webhook delivery dropped: endpoint switched off", "endpoint", d.EndpointID, "request", d.RequestID)
				total++
				continue
			}
			if err := l.release(ctx, d); err != nil && !errors.Is(err, errReleased) {
				return total, err
			}
			total++
		}
		if len(due) < 100 {
			return total, nil
		}
	}
}

func (l *Listener) release(ctx context.Context, d *store.HookDelayed) error {
	var h held
	if err := json.Unmarshal([]byte(d.Payload), &h); err != nil {
		return l.drop(ctx, d, OutcomeRejected, "the held event could not be read: "+err.Error())
	}
	in := h.Input
	in.IdempotencyKey = h.IdempotencyKey
	in.Record.Types, in.Record.Strict = h.Types, h.Strict
	cfg := Config{Match: h.Match, Create: &h.Create, Object: h.Object}
	skip, rej := l.resolve(ctx, &in, cfg, h.MatchValue)
	if rej != nil {
		if rej.status >= 500 {
			return errors.New(rej.message)
		}
		return l.drop(ctx, d, OutcomeRejected, rej.code+": "+rej.message)
	}
	if skip {
		return l.drop(ctx, d, OutcomeSkipped, "")
	}
	_, err := l.eng.IngestWith(ctx, in, func(tx store.Tx, res *engine.IngestResult) error {
		ok, err := tx.ReleaseHookDelivery(d.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errReleased
		}
		outcome := OutcomeApplied
		if res.Duplicate {
			outcome = OutcomeDuplicate
		}
		return tx.FinishHookRequest(d.RequestID, outcome, "", res.EventID)
	})
	var ie *problem.Error
	switch {
	case err == nil, errors.Is(err, errReleased):
		return err
	case errors.As(err, &ie):
		return l.drop(ctx, d, OutcomeRejected, "invalid_event: "+ie.Error())
	case errors.Is(err, store.ErrNotFound):
		return l.drop(ctx, d, OutcomeSkipped, "the matched record no longer exists")
	}
	return fmt.Errorf("ingest delayed webhook delivery %d: %w", d.ID, err)
}

// drop releases a held delivery that will not become an event, noting why in its log line.
func (l *Listener) drop(ctx context.Context, d *store.HookDelayed, outcome, msg string) error {
	return l.db.Write(ctx, func(tx store.Tx) error {
		ok, err := tx.ReleaseHookDelivery(d.ID)
		if err != nil || !ok {
			return err
		}
		return tx.FinishHookRequest(d.RequestID, outcome, strings.TrimSpace(msg), 0)
	})
}
