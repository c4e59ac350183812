package api

import (
	"errors"
	"net/http"

	"github.com/flowdesk/flowdesk/backend/hook"
)

// hookRoutes registers the webhook-endpoint API, the notification centre, the event catalogue
// and the listener itself (POST /hooks/{key}).
func (s *Server) hookRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/hooks", s.listHooks)
	m.HandleFunc("POST /api/hooks", s.createHook)
	m.HandleFunc("GET /api/hooks/presets", s.hookPresets)
	m.HandleFunc("GET /api/hooks/{id}", s.getHook)
	m.HandleFunc("PUT /api/hooks/{id}", s.updateHook)
	m.HandleFunc("DELETE /api/hooks/{id}", s.deleteHook)
	m.HandleFunc("POST /api/hooks/{id}/enable", s.enableHook)
	m.HandleFunc("POST /api/hooks/{id}/disable", s.disableHook)
	m.HandleFunc("POST /api/hooks/{id}/capture", s.captureHook)
	m.HandleFunc("GET /api/hooks/{id}/captured", s.hookCaptured)
	m.HandleFunc("GET /api/hooks/{id}/requests", s.hookRequests)
	m.HandleFunc("POST /api/hooks/{id}/rotate-secret", s.rotateHookSecret)
	m.Handle("/hooks/", s.hooks)
}

// hookError maps the hook package's errors to API answers.
func hookError(err error) error {
	switch {
	case errors.Is(err, hook.ErrNothingCaptured):
		return apiError(http.StatusNotFound, "nothing_captured", "%s", err.Error())
	}
	return err
}

func (s *Server) withURL(r *http.Request, e *hook.Endpoint) *hook.Endpoint {
	e.URL = s.endpoints.URLFor(r, e.Key)
	return e
}

func (s *Server) listHooks(w http.ResponseWriter, r *http.Request) {
	eps, err := s.endpoints.List(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	for _, e := range eps {
		s.withURL(r, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"hooks": eps})
}

func (s *Server) createHook(w http.ResponseWriter, r *http.Request) {
	var cfg hook.Config
	if err := decode(w, r, MaxSmallBody, &cfg); err != nil {
		writeError(w, err)
		return
	}
	c, err := s.endpoints.Create(r.Context(), cfg)
	if err != nil {
		writeError(w, hookError(err))
		return
	}
	s.withURL(r, c.Endpoint)
	w.Header().Set("Location", "/api/hooks/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) hookPresets(w http.ResponseWriter, r *http.Request) {
	out := make([]*hook.Preset, 0, len(hook.Presets))
	for _, n := range hook.PresetNames() {
		out = append(out, hook.Presets[n])
	}
	writeJSON(w, http.StatusOK, map[string]any{"presets": out})
}

func (s *Server) getHook(w http.ResponseWriter, r *http.Request) {
	e, err := s.endpoints.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withURL(r, e))
}

func (s *Server) updateHook(w http.ResponseWriter, r *http.Request) {
	var cfg hook.Config
	if err := decode(w, r, MaxSmallBody, &cfg); err != nil {
		writeError(w, err)
		return
	}
	c, err := s.endpoints.Update(r.Context(), r.PathValue("id"), cfg)
	if err != nil {
		writeError(w, hookError(err))
		return
	}
	s.withURL(r, c.Endpoint)
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request) {
	if err := s.endpoints.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) enableHook(w http.ResponseWriter, r *http.Request) {
	e, err := s.endpoints.Enable(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withURL(r, e))
}

func (s *Server) disableHook(w http.ResponseWriter, r *http.Request) {
	e, err := s.endpoints.Disable(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withURL(r, e))
}

func (s *Server) captureHook(w http.ResponseWriter, r *http.Request) {
	e, err := s.endpoints.ArmCapture(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withURL(r, e))
}

func (s *Server) hookCaptured(w http.ResponseWriter, r *http.Request) {
	c, err := s.endpoints.Captured(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, hookError(err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) hookRequests(w http.ResponseWriter, r *http.Request) {
	before, err := queryInt(r, "before")
	if err != nil {
		writeError(w, err)
		return
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		writeError(w, err)
		return
	}
	reqs, err := s.endpoints.Requests(r.Context(), r.PathValue("id"), before, pageLimit(limit))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": wireAll(reqs, wireHookRequestView)})
}

func (s *Server) rotateHookSecret(w http.ResponseWriter, r *http.Request) {
	c, err := s.endpoints.RotateSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, hookError(err))
		return
	}
	s.withURL(r, c.Endpoint)
	writeJSON(w, http.StatusOK, c)
}
