package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// deliveryRoutes registers the delivery log of outbound steps, the manual retry of a dead
// letter, and "Retry all" of a step as a job.
func (s *Server) deliveryRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/deliveries", s.listDeliveries)
	m.HandleFunc("POST /api/deliveries/{id}/retry", s.retryDelivery)
	m.HandleFunc("POST /api/deliveries/retry-jobs", s.startRetryJob)
	m.HandleFunc("GET /api/deliveries/retry-jobs", s.listRetryJobs)
	m.HandleFunc("GET /api/deliveries/retry-jobs/{id}", s.getRetryJob)
	m.HandleFunc("POST /api/deliveries/retry-jobs/{id}/cancel", s.cancelRetryJob)
}

// delivery is a delivery-log line; a dead letter or failed attempt says whether a manual retry
// has since succeeded.
type delivery struct {
	*attemptJSON
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
	atts, err := s.db.ActionAttempts(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]delivery, 0, len(atts))
	for _, a := range atts {
		d := delivery{attemptJSON: wireActionAttempt(maskedAttempt(a))}
		if a.Outcome == store.AttemptDead || a.Outcome == store.AttemptFailed {
			latest, err := s.db.ActionAttempts(r.Context(), store.AttemptQuery{Key: a.IdempotencyKey, Limit: 1})
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
// same webhook-id) and appends the outcome (ok or failed) to the log (engine.Redeliver).
func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	next, err := s.eng.Redeliver(r.Context(), id)
	var nr *engine.NotResendableError
	switch {
	case errors.As(err, &nr):
		writeError(w, &problem.Error{Code: "not_resendable", Problems: []problem.Problem{{Field: "id", Message: nr.Error()}}})
		return
	case errors.Is(err, store.ErrNotFound):
		writeError(w, apiError(http.StatusNotFound, "not_found", "delivery %d not found", id))
		return
	case err != nil:
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": wireActionAttempt(next)})
}

// retryJobBody is the body of POST /api/deliveries/retry-jobs.
type retryJobBody struct {
	Workflow string `json:"workflow"`
	Step     string `json:"step"`
}

// startRetryJob: POST /api/deliveries/retry-jobs {"workflow", "step"} stores a "Retry all" of
// the step's dead letters as a job (engine.StartRetryJob) and answers 202 with it; poll
// GET /api/deliveries/retry-jobs/{id} for its progress.
func (s *Server) startRetryJob(w http.ResponseWriter, r *http.Request) {
	var b retryJobBody
	if err := decode(w, r, 4<<10, &b); err != nil {
		writeError(w, err)
		return
	}
	j, err := s.eng.StartRetryJob(r.Context(), b.Workflow, b.Step)
	var busy *engine.RetryJobRunningError
	switch {
	case errors.As(err, &busy):
		e := apiError(http.StatusConflict, "conflict", "%s", busy.Error())
		e.Details = map[string]any{"field": "step", "job": wireRetryJob(busy.Job)}
		writeError(w, e)
		return
	case errors.Is(err, store.ErrNotFound):
		e := apiError(http.StatusNotFound, "not_found", "there is no workflow %q; give the id of an existing workflow", b.Workflow)
		e.Details = map[string]any{"field": "workflow"}
		writeError(w, e)
		return
	case err != nil:
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/deliveries/retry-jobs/"+strconv.FormatInt(j.ID, 10))
	writeJSON(w, http.StatusAccepted, wireRetryJob(j))
}

// listRetryJobs: GET /api/deliveries/retry-jobs?workflow=&step=&status=&limit=, newest first.
func (s *Server) listRetryJobs(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	q := store.RetryJobQuery{WorkflowID: qs.Get("workflow"), StepID: qs.Get("step"), Status: qs.Get("status")}
	if err := jobStatusQuery(q.Status); err != nil {
		writeError(w, err)
		return
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{}); err != nil {
		writeError(w, err)
		return
	}
	jobs, err := s.db.RetryJobs(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": wireAll(jobs, wireRetryJob)})
}

func (s *Server) getRetryJob(w http.ResponseWriter, r *http.Request) {
	answerByID(w, r, s.db.RetryJob, func(j *store.RetryJob) any { return wireRetryJob(j) })
}

// cancelRetryJob stops a running retry job after its current batch (409 once it has ended).
func (s *Server) cancelRetryJob(w http.ResponseWriter, r *http.Request) {
	answerByID(w, r, s.eng.CancelRetryJob, func(j *store.RetryJob) any { return wireRetryJob(j) })
}
