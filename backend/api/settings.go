package api

import (
	"errors"
	"net/http"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/template"
)

// settingsRoutes registers the settings screen's calls. Secrets are write-only: GET shows
// whether each is set ({"set": true}), never its value.
func (s *Server) settingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/settings", s.getSettings)
	m.HandleFunc("PUT /api/settings", s.putSettings)
	m.HandleFunc("POST /api/settings/email/test", s.testEmailSettings)
}

// testEmailSettings is POST /api/settings/email/test {"to": "ann@example.com"}: a short email
// sent through the configured SMTP server now, by the same test send as a template's, so the
// answer says whether the settings work, in words when they do not. Without a server it is
// refused (a message kept in the outbox would prove nothing).
func (s *Server) testEmailSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To string `json:"to"`
	}
	if err := decode(w, r, MaxSmallBody, &in); err != nil {
		writeError(w, err)
		return
	}
	to, err := testRecipient(in.To)
	if err != nil {
		writeError(w, err)
		return
	}
	conf, err := s.settings.Load(r.Context())
	if err != nil {
		writeError(w, settingsError(err))
		return
	}
	if !conf.SMTP.Configured() {
		writeError(w, problem.Field("smtp.host", "no SMTP server is set up: fill in the host under Settings → Email and save, then send the test"))
		return
	}
	c := action.Content{Subject: "Flowdesk test email",
		Text: "This is a test email from Flowdesk. If you read this, the email settings work: messages go out through " + conf.SMTP.Host + "."}
	s.sendTestEmail(w, r, to, c, template.Data{})
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
