package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// enrollmentRoutes registers the commands on one enrollment.
func (s *Server) enrollmentRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/enrollments/{id}/cancel", s.cancelEnrollment)
	m.HandleFunc("POST /api/enrollments/{id}/rerun", s.rerunEnrollment)
}

// rerunEnrollment runs a failed enrollment again from its failed step (the same enrollment,
// with a history line); anything but a failed enrollment is a 409.
func (s *Server) rerunEnrollment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	en, err := s.eng.RerunEnrollment(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": wireEnrollment(en)})
}

// cancelEnrollment unenrolls a record by hand with a reason (kept in the history); a finished
// enrollment is a 409.
func (s *Server) cancelEnrollment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, MaxSmallBody, &req); err != nil {
		writeError(w, err)
		return
	}
	en, err := s.eng.CancelEnrollment(r.Context(), id, req.Reason)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": wireEnrollment(en)})
}

func (s *Server) listEnrollments(w http.ResponseWriter, r *http.Request) {
	// Enrollments of a workflow in the Trash are left out: their links would answer 404.
	q := store.EnrollmentQuery{WorkflowID: r.URL.Query().Get("workflow"), Status: r.URL.Query().Get("status"), Step: r.URL.Query().Get("step"), SkipTrashed: true}
	if q.Status != "" && !slices.Contains(store.Statuses, q.Status) {
		writeError(w, apiError(http.StatusBadRequest, "bad_query", "status %q is not one of %s", q.Status, strings.Join(store.Statuses, ", ")))
		return
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{"record": &q.RecordID, "cursor": &q.Before}); err != nil {
		writeError(w, err)
		return
	}
	q.Contact = strings.TrimSpace(r.URL.Query().Get("contact"))
	if q.From, q.To, err = queryDays(r); err != nil {
		writeError(w, err)
		return
	}
	ens, err := s.db.Enrollments(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"enrollments": wireAll(ens, wireEnrollment)}
	if len(ens) == q.Limit {
		out["next_cursor"] = strconv.FormatInt(ens[len(ens)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getEnrollment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx := r.Context()
	en, err := s.db.Enrollment(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	hist, err := s.db.History(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	retry, err := s.db.EnrollmentRetry(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	var reason engine.Reason
	_ = json.Unmarshal(en.Reason, &reason)
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": wireEnrollment(en), "history": nonNil(wireAll(maskedHistory(hist), wireHistory)),
		"diagnose": diagnose(en, reason), "retry": wireRetry(retry, s.eng.MaxTries())})
}

// queryDays reads ?from=&to= as UTC days (YYYY-MM-DD, both included): the start of from and
// the end of to, zero when absent. A day that is not one, or a range that ends before it
// starts, is a 400 naming the parameter.
func queryDays(r *http.Request) (from, to time.Time, err error) {
	for _, q := range []struct {
		name string
		into *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := r.URL.Query().Get(q.name)
		if v == "" {
			continue
		}
		t, perr := time.Parse(time.DateOnly, v)
		if perr != nil {
			e := apiError(http.StatusBadRequest, "bad_query", "%s %q is not a day; write it like 2026-03-01", q.name, v)
			e.Details = map[string]any{"field": q.name}
			return time.Time{}, time.Time{}, e
		}
		*q.into = t
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		e := apiError(http.StatusBadRequest, "bad_query", "the range ends (%s) before it starts (%s); give from before to", r.URL.Query().Get("to"), r.URL.Query().Get("from"))
		e.Details = map[string]any{"field": "from"}
		return time.Time{}, time.Time{}, e
	}
	return from, to, nil
}
