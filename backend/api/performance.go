package api

import (
	"net/http"
)

// performanceRoutes registers the performance tab's data: counts per day, step and path.
func (s *Server) performanceRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/workflows/{id}/performance", s.performance)
}

// performance answers ?from=&to= (UTC days, YYYY-MM-DD; default the last 30 days).
func (s *Server) performance(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	from, to, err := queryDays(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, -1) // Performance takes the last day itself
	}
	p, err := s.eng.Performance(r.Context(), id, from, to)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, p)
}
