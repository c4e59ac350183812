package api

import (
	"net/http"

	"github.com/flowdesk/flowdesk/backend/simulate"
)

// simulateRun is POST /api/simulate: one record through a workflow (saved or not) over virtual
// time, answered with the timeline and what would have been sent. Nothing is written or sent.
func (s *Server) simulateRun(w http.ResponseWriter, r *http.Request) {
	if !s.simulatorReady(w) {
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

// simulatorReady answers 501 when this server was built without a simulator (every simulator
// route: simulate, scenarios, dry runs).
func (s *Server) simulatorReady(w http.ResponseWriter) bool {
	return s.simulatorSetUp(w, s.simulator != nil)
}

func (s *Server) simulatorSetUp(w http.ResponseWriter, ok bool) bool {
	if !ok {
		writeError(w, apiError(http.StatusNotImplemented, "not_available", "the simulator is not set up in this Flowdesk"))
	}
	return ok
}
