package api

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
)

// emailRoutes registers the outbox (messages kept locally when no server is set up, and a
// record of sent ones) and the email templates.
func (s *Server) emailRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/outbox", s.listOutbox)
	m.HandleFunc("GET /api/outbox/{id}", s.getOutbox)
	m.HandleFunc("DELETE /api/outbox/{id}", s.deleteOutbox)
	m.HandleFunc("GET /api/email-templates", s.listEmailTemplates)
	m.HandleFunc("POST /api/email-templates", s.createEmailTemplate)
	m.HandleFunc("GET /api/email-templates/{name}", s.getEmailTemplate)
	m.HandleFunc("PUT /api/email-templates/{name}", s.putEmailTemplate)
	m.HandleFunc("DELETE /api/email-templates/{name}", s.deleteEmailTemplate)
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	switch status {
	case "", store.OutboxQueued, store.OutboxSent:
	default:
		writeError(w, apiError(http.StatusBadRequest, "bad_query", "status must be %q or %q, not %q", store.OutboxQueued, store.OutboxSent, status))
		return
	}
	var before, enr int64
	size, err := queryInts(r, map[string]*int64{"before": &before, "enrollment": &enr})
	if err != nil {
		writeError(w, err)
		return
	}
	msgs, err := s.eng.DB().Outbox(r.Context(), store.OutboxQuery{Status: status, Channel: q.Get("channel"), EnrollmentID: enr, Before: before, Limit: size})
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"messages": msgs}
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
	m, err := s.eng.DB().OutboxMessage(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) deleteOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.DB().Write(r.Context(), func(tx *store.Tx) error { return tx.DeleteOutbox(id) }); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var templateNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// emailTemplateInput is the body of POST and PUT /api/email-templates.
type emailTemplateInput struct {
	Name     string `json:"name"`
	Subject  string `json:"subject"`
	BodyHTML string `json:"body_html"`
	BodyText string `json:"body_text"`
}

// check validates a template: a name, a subject, a body, and tokens that parse.
func (in *emailTemplateInput) check() error {
	var problems []map[string]any
	add := func(field, msg string, extra map[string]any) {
		p := map[string]any{"field": field, "message": msg}
		for k, v := range extra {
			p[k] = v
		}
		problems = append(problems, p)
	}
	if !templateNameRe.MatchString(in.Name) {
		add("name", "The name must be 1-64 lowercase letters, digits, - or _, like \"webinar-replay\".", nil)
	}
	if strings.TrimSpace(in.Subject) == "" {
		add("subject", "The template has no subject. Write one.", nil)
	}
	if strings.TrimSpace(in.BodyHTML) == "" && strings.TrimSpace(in.BodyText) == "" {
		add("body_html", "The template has no body. Write an HTML body, a text body, or both.", nil)
	}
	for _, f := range []struct{ field, src string }{{"subject", in.Subject}, {"body_html", in.BodyHTML}, {"body_text", in.BodyText}} {
		if _, err := template.Parse(f.src); err != nil {
			var te *template.Error
			extra := map[string]any{}
			if errors.As(err, &te) {
				extra["line"], extra["column"] = te.Line, te.Col
			}
			add(f.field, "The "+strings.ReplaceAll(f.field, "_", " ")+" cannot be used: "+err.Error(), extra)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p["message"].(string)
	}
	e := apiError(http.StatusUnprocessableEntity, "invalid_template", "%s", strings.Join(msgs, " "))
	e.Details = map[string]any{"problems": problems}
	return e
}

func (s *Server) listEmailTemplates(w http.ResponseWriter, r *http.Request) {
	tpls, err := s.eng.DB().EmailTemplates(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": tpls})
}

func (s *Server) getEmailTemplate(w http.ResponseWriter, r *http.Request) {
	tpl, err := s.eng.DB().EmailTemplate(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tpl)
}

func (s *Server) createEmailTemplate(w http.ResponseWriter, r *http.Request) {
	var in emailTemplateInput
	if err := decode(w, r, MaxWorkflowBody, &in); err != nil {
		writeError(w, err)
		return
	}
	s.saveEmailTemplate(w, r, in, true)
}

func (s *Server) putEmailTemplate(w http.ResponseWriter, r *http.Request) {
	var in emailTemplateInput
	if err := decode(w, r, MaxWorkflowBody, &in); err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	if in.Name != "" && in.Name != name {
		writeError(w, apiError(http.StatusBadRequest, "name_mismatch", "the body names the template %q but the address names %q; templates cannot be renamed", in.Name, name))
		return
	}
	in.Name = name
	s.saveEmailTemplate(w, r, in, false)
}

func (s *Server) saveEmailTemplate(w http.ResponseWriter, r *http.Request, in emailTemplateInput, mustBeNew bool) {
	if err := in.check(); err != nil {
		writeError(w, err)
		return
	}
	tpl := &store.EmailTemplate{Name: in.Name, Subject: in.Subject, BodyHTML: in.BodyHTML, BodyText: in.BodyText}
	var created bool
	err := s.eng.DB().Write(r.Context(), func(tx *store.Tx) error {
		var err error
		if created, err = tx.PutEmailTemplate(tpl, s.eng.Now()); err != nil {
			return err
		}
		if mustBeNew && !created { // rolled back: the existing template stays as it was
			return apiError(http.StatusConflict, "conflict", "an email template named %q already exists; change it with PUT /api/email-templates/%s", in.Name, in.Name)
		}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, tpl)
}

func (s *Server) deleteEmailTemplate(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.eng.DB().Write(r.Context(), func(tx *store.Tx) error { return tx.DeleteEmailTemplate(name) }); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
