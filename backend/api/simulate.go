package api

import (
	"net/http"

	"github.com/flowdesk/flowdesk/backend/simulate"
)

// simulateRun is POST /api/simulate: one record through a workflow (saved or not) over virtual
// time, answered with the timeline and what would have been sent. Nothing is written or sent.
func (s *Server) simulateRun(w http.ResponseWriter, r *http.Request) {
	if s.simulator == nil {
		writeError(w, apiError(http.StatusNotImplemented, "not_available", "the simulator is not set up in this Flowdesk"))
		return
	}
	var req simulate.Request
	if err := decode(w, r, MaxWorkflowBody, &req); err != nil {
		writeError(w, err)
		return
	}
	res, err := s.simulator.Run(r.Context(), req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
