package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
)

// whyNot is GET /api/workflows/{id}/why-not?record_id=N: why a record is not (or is) in a
// workflow, workflow-wide rule by rule and trigger by trigger, with the values each condition
// read. It only reads.
func (s *Server) whyNot(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("record_id"))
	rid, perr := strconv.ParseInt(q, 10, 64)
	if q == "" || perr != nil || rid <= 0 {
		writeError(w, problem.Field("record_id", "%q is not a record id; give ?record_id= with the record's id, like ?record_id=42", q))
		return
	}
	res, err := s.eng.WhyNot(r.Context(), id, rid)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, wireWhyNot(res))
}
