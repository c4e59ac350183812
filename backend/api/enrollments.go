package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": en})
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
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": en})
}

func (s *Server) listEnrollments(w http.ResponseWriter, r *http.Request) {
	q := store.EnrollmentQuery{WorkflowID: r.URL.Query().Get("workflow"), Status: r.URL.Query().Get("status"), Step: r.URL.Query().Get("step")}
	if q.Status != "" && !slices.Contains(store.Statuses, q.Status) {
		writeError(w, apiError(http.StatusBadRequest, "bad_query", "status %q is not one of %s", q.Status, strings.Join(store.Statuses, ", ")))
		return
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{"record": &q.RecordID, "cursor": &q.Before}); err != nil {
		writeError(w, err)
		return
	}
	ens, err := s.eng.DB().Enrollments(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"enrollments": ens}
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
	en, err := s.eng.DB().Enrollment(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	hist, err := s.eng.DB().History(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	var reason engine.Reason
	_ = json.Unmarshal(en.Reason, &reason)
	writeJSON(w, http.StatusOK, map[string]any{"enrollment": en, "history": nonNil(maskedHistory(hist)), "diagnose": diagnose(en, reason)})
}
