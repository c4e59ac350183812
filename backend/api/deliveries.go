package api

import (
	"fmt"
	"net/http"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// deliveryRoutes registers the delivery log of outbound steps and the manual retry of a dead
// letter.
func (s *Server) deliveryRoutes(m *http.ServeMux) {
	if s.actions == nil {
		s.actions = action.New(action.Config{})
	}
	m.HandleFunc("GET /api/deliveries", s.listDeliveries)
	m.HandleFunc("POST /api/deliveries/{id}/retry", s.retryDelivery)
}

// delivery is a delivery-log line; a dead letter or failed attempt says whether a manual retry
// has since succeeded.
type delivery struct {
	*store.ActionAttempt
	Resolved bool `json:"resolved,omitempty"`
}

// listDeliveries: GET /api/deliveries?workflow=&enrollment=&key=&dead=true&failed=true&limit=,
// newest first. failed=true lists what failed for good (refused, or dead after retries).
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	q := store.AttemptQuery{WorkflowID: qs.Get("workflow"), Key: qs.Get("key")}
	for name, flag := range map[string]*bool{"dead": &q.DeadOnly, "failed": &q.FailedOnly} {
		switch qs.Get(name) {
		case "", "false", "0":
		case "true", "1":
			*flag = true
		default:
			writeError(w, apiError(http.StatusBadRequest, "bad_query", "query parameter %q must be true or false, not %q", name, qs.Get(name)))
			return
		}
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{"enrollment": &q.EnrollmentID}); err != nil {
		writeError(w, err)
		return
	}
	atts, err := s.eng.DB().ActionAttempts(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]delivery, 0, len(atts))
	for _, a := range atts {
		d := delivery{ActionAttempt: maskedAttempt(a)}
		if a.Outcome == store.AttemptDead || a.Outcome == store.AttemptFailed {
			latest, err := s.eng.DB().ActionAttempts(r.Context(), store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
			if err != nil {
				writeError(w, err)
				return
			}
			d.Resolved = len(latest) == 1 && latest[0].ID > a.ID && latest[0].Outcome == store.AttemptOK
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}

// retryDelivery: POST /api/deliveries/{id}/retry re-sends a logged request now (re-signed, the
// same webhook-id) and appends the outcome (ok or failed) to the log. The enrollment does not
// move: it went on when the step was dead-lettered.
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx := r.Context()
	db := s.eng.DB()
	atts, err := db.ActionAttempts(ctx, store.AttemptQuery{ID: id, Limit: 1})
	if err != nil {
		writeError(w, err)
		return
	}
	if len(atts) == 0 {
		writeError(w, apiError(http.StatusNotFound, "not_found", "delivery %d not found", id))
		return
	}
	a := atts[0]
	rs, ok := s.actions[a.StepType].(action.Resender)
	if !ok {
		writeError(w, &problem.Error{Code: "not_resendable", Problems: []problem.Problem{{Field: "id", Message: fmt.Sprintf("%s steps cannot be sent again by hand", a.StepType)}}})
		return
	}
	enr, err := db.Enrollment(ctx, a.EnrollmentID)
	if err != nil {
		writeError(w, err)
		return
	}
	raw, err := db.WorkflowVersion(ctx, enr.WorkflowID, enr.Version)
	if err != nil {
		writeError(w, err)
		return
	}
	def, err := workflow.Parse(raw)
	if err != nil {
		writeError(w, err)
		return
	}
	now := s.eng.Now()
	res := rs.Resend(ctx, action.ResendInput{Attempt: a, Workflow: def, Now: now})
	outcome := store.AttemptOK
	if res.Outcome != store.AttemptOK {
		outcome = store.AttemptFailed
	}
	latest, err := db.ActionAttempts(ctx, store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
	if err != nil {
		writeError(w, err)
		return
	}
	try := a.Try + 1
	if len(latest) == 1 && latest[0].Try >= try {
		try = latest[0].Try + 1
	}
	next := &store.ActionAttempt{EnrollmentID: a.EnrollmentID, WorkflowID: a.WorkflowID, StepID: a.StepID, StepType: a.StepType,
		IdempotencyKey: a.IdempotencyKey, Try: try, Outcome: outcome, Target: res.Target, StatusCode: res.StatusCode,
		LatencyMS: res.Latency.Milliseconds(), Error: res.Error, Response: res.Response, Request: res.Request, At: now}
	if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertActionAttempt(next) }); err != nil {
		writeError(w, err)
		return
	}
	s.log.Info("manual redelivery", "attempt", a.ID, "new_attempt", next.ID, "workflow", a.WorkflowID, "outcome", outcome, "status", res.StatusCode)
	writeJSON(w, http.StatusOK, map[string]any{"delivery": next})
}
