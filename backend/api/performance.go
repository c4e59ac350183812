package api

import (
	"net/http"
	"time"
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
	var from, to time.Time
	for _, q := range []struct {
		name string
		into *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := r.URL.Query().Get(q.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			e := apiError(http.StatusBadRequest, "bad_query", "%s %q is not a day; write it like 2026-03-01", q.name, v)
			e.Details = map[string]any{"field": q.name}
			writeError(w, e)
			return
		}
		*q.into = t
	}
	p, err := s.eng.Performance(r.Context(), id, from, to)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, p)
}
