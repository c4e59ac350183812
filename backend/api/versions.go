package api

import (
	"net/http"
)

// versionRoutes registers a workflow's version list, the comparison of two of its definitions
// (one stored version is GET /api/workflows/{id}/versions/{version}) and its tags, which are
// not part of any version.
func (s *Server) versionRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/workflows/{id}/versions", s.listVersions)
	m.HandleFunc("GET /api/workflows/{id}/compare", s.compareVersions)
	m.HandleFunc("PUT /api/workflows/{id}/tags", s.setTags)
}

// setTags replaces a workflow's tags ({"tags": [...]}); its definition and revision stay.
func (s *Server) setTags(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var b struct {
		Tags []string `json:"tags"`
	}
	if err := decode(w, r, MaxSmallBody, &b); err != nil {
		writeError(w, err)
		return
	}
	if b.Tags == nil {
		e := apiError(http.StatusUnprocessableEntity, "invalid_input", "tags: give the list of tags, [] for none")
		e.Details = map[string]any{"field": "tags"}
		writeError(w, e)
		return
	}
	wf, err := s.eng.SetTags(r.Context(), id, b.Tags)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, masked(wf))
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	vs, err := s.workflows.Versions(r.Context(), id)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflow_id": id, "versions": vs})
}

// compareVersions answers ?from=&to= (version numbers, draft or live; from defaults to live,
// to to draft): what changed, step by step.
func (s *Server) compareVersions(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		from = "live"
	}
	if to == "" {
		to = "draft"
	}
	d, err := s.workflows.Compare(r.Context(), id, from, to)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflow_id": id, "from": from, "to": to, "changes": d})
}
