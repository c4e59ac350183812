package api

import (
	"net/http"

	"github.com/flowdesk/flowdesk/backend/store"
)

// trashRoutes serves the Trash: deleted workflows, restorable until purged.
// DELETE /api/workflows/{id} (moving a workflow to the Trash) is registered with the workflow
// routes; its handler is here.
func (s *Server) trashRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/trash", s.listTrash)
	m.HandleFunc("GET /api/trash/{id}", s.getTrashed)
	m.HandleFunc("DELETE /api/trash/{id}", s.purgeTrashed)
	m.HandleFunc("POST /api/workflows/{id}/restore", s.restoreWorkflow)
}

// trashedView is a workflow in the Trash as the API shows it: when it will be purged, and the
// purge's progress once it has begun.
type trashedView struct {
	*trashedJSON
	PurgeBy string     `json:"purge_by"` // when the maintenance service purges it (RFC 3339)
	Purge   *purgeView `json:"purge,omitempty"`
}

type purgeView struct {
	Total   int64 `json:"total"`   // enrollments when the purge began
	Removed int64 `json:"removed"` // removed so far
}

func (s *Server) trashView(t *store.TrashedWorkflow) trashedView {
	v := trashedView{trashedJSON: wireTrashedWorkflow(t), PurgeBy: t.DeletedAt.Add(s.workflows.TrashFor()).UTC().Format("2006-01-02T15:04:05Z")}
	if t.PurgeAt != nil {
		v.Purge = &purgeView{Total: t.PurgeTotal, Removed: max(t.PurgeTotal-t.Enrollments, 0)}
	}
	return v
}

// deleteWorkflow moves a workflow to the Trash. ?enrollments=cancel (the default) cancels its
// open enrollments in the background; keep lets them run to their end.
func (s *Server) deleteWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	cancel := true
	switch v := r.URL.Query().Get("enrollments"); v {
	case "", "cancel":
	case "keep":
		cancel = false
	default:
		e := apiError(http.StatusBadRequest, "bad_query", "enrollments must be cancel (stop the open enrollments) or keep (let them finish), not %q", v)
		e.Details = map[string]any{"field": "enrollments"}
		writeError(w, e)
		return
	}
	if err := s.workflows.Delete(r.Context(), id, cancel); err != nil {
		writeError(w, err)
		return
	}
	t, err := s.db.TrashedWorkflow(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.trashView(t))
}

func (s *Server) listTrash(w http.ResponseWriter, r *http.Request) {
	ts, err := s.db.Trash(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]trashedView, 0, len(ts))
	for _, t := range ts {
		out = append(out, s.trashView(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"trash": out, "keep_days": int(s.workflows.TrashFor().Hours() / 24)})
}

func (s *Server) getTrashed(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.db.TrashedWorkflow(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.trashView(t))
}

// purgeTrashed starts the purge of a workflow in the Trash: 202 with its progress, which
// GET /api/trash/{id} follows until it answers 404 (purged).
func (s *Server) purgeTrashed(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.workflows.Purge(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, s.trashView(t))
}

func (s *Server) restoreWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	wf, err := s.workflows.Restore(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusOK, masked(wf))
}
