package api

import (
	"errors"
	"net/http"

	"github.com/flowdesk/flowdesk/backend/settings"
)

// settingsRoutes registers the settings screen's calls. Secrets are write-only: GET shows
// whether each is set ({"set": true}), never its value.
func (s *Server) settingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/settings", s.getSettings)
	m.HandleFunc("PUT /api/settings", s.putSettings)
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	v, err := s.settings.View(r.Context())
	if err != nil {
		writeError(w, settingsError(err))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	var u settings.Update
	if err := decode(w, r, MaxSmallBody, &u); err != nil {
		writeError(w, err)
		return
	}
	st := s.settings
	if err := st.Apply(r.Context(), &u); err != nil {
		writeError(w, settingsError(err))
		return
	}
	s.log.Info("settings updated", "smtp", u.SMTP != nil, "sms", u.SMS != nil, "slack", u.Slack != nil)
	v, err := st.View(r.Context())
	if err != nil {
		writeError(w, settingsError(err))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// settingsError maps settings errors to answers. Their messages never hold secret values.
func settingsError(err error) error {
	if errors.Is(err, settings.ErrSecrets) {
		return apiError(http.StatusInternalServerError, "secrets_unavailable", "%s", err.Error())
	}
	return err
}
