package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/flowdesk/flowdesk/backend/store"
)

// emailRoutes registers the outbox (messages kept locally when no server is set up, and a
// record of sent ones) and the email templates (templates.go).
func (s *Server) emailRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/outbox", s.listOutbox)
	m.HandleFunc("GET /api/outbox/{id}", s.getOutbox)
	m.HandleFunc("DELETE /api/outbox/{id}", s.deleteOutbox)
	s.templateRoutes(m)
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && !slices.Contains(store.OutboxStatuses, status) {
		writeError(w, apiError(http.StatusBadRequest, "bad_query", "status must be one of %s, not %q", strings.Join(store.OutboxStatuses, ", "), status))
		return
	}
	var before, enr int64
	size, err := queryInts(r, map[string]*int64{"before": &before, "enrollment": &enr})
	if err != nil {
		writeError(w, err)
		return
	}
	msgs, err := s.db.Outbox(r.Context(), store.OutboxQuery{Status: status, Channel: q.Get("channel"), EnrollmentID: enr, Before: before, Limit: size})
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"messages": wireAll(msgs, wireOutboxMessage)}
	if len(msgs) == size {
		out["next_before"] = msgs[len(msgs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	m, err := s.db.OutboxMessage(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wireOutboxMessage(m))
}

func (s *Server) deleteOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.DeleteOutboxMessage(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
