package api

import "net/http"

// enrollmentRoutes registers the commands on one enrollment.
func (s *Server) enrollmentRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/enrollments/{id}/cancel", s.cancelEnrollment)
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
