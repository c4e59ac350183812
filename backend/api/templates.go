package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/explain"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// templateRoutes registers the email templates: CRUD, duplicate, preview and test send.
func (s *Server) templateRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/email-templates", s.listEmailTemplates)
	m.HandleFunc("POST /api/email-templates", s.createEmailTemplate)
	m.HandleFunc("POST /api/email-templates/preview", s.previewEmailTemplate)
	m.HandleFunc("POST /api/email-templates/test-send", s.testSendEmailTemplate)
	m.HandleFunc("GET /api/email-templates/{name}", s.getEmailTemplate)
	m.HandleFunc("PUT /api/email-templates/{name}", s.putEmailTemplate)
	m.HandleFunc("DELETE /api/email-templates/{name}", s.deleteEmailTemplate)
	m.HandleFunc("POST /api/email-templates/{name}/duplicate", s.duplicateEmailTemplate)
}

// emailTemplateInput is the body of POST and PUT /api/email-templates.
type emailTemplateInput struct {
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Preheader string `json:"preheader"`
	BodyHTML  string `json:"body_html"`
	// BodyText empty: the text part is generated from the HTML body.
	BodyText string `json:"body_text"`
}

// emailTemplateView is a template with the workflows that send it.
type emailTemplateView struct {
	*emailTemplateJSON
	UsedBy []engine.TemplateUser `json:"used_by"`
}

// templateError answers a delete refused while workflows use the template, and the rest as usual.
func templateError(w http.ResponseWriter, err error) {
	var ue *engine.TemplateInUseError
	switch {
	case errors.As(err, &ue):
		writeError(w, &Error{Status: http.StatusConflict, Code: "template_in_use", Message: ue.Error(), Details: map[string]any{"workflows": ue.Workflows}})
	default:
		writeError(w, err)
	}
}

func (s *Server) listEmailTemplates(w http.ResponseWriter, r *http.Request) {
	tpls, err := s.db.EmailTemplates(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	users, err := s.eng.EmailTemplateUsers(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]emailTemplateView, len(tpls))
	for i, t := range tpls {
		out[i] = emailTemplateView{wireEmailTemplate(t), nonNil(users[t.Name])}
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

func (s *Server) getEmailTemplate(w http.ResponseWriter, r *http.Request) {
	tpl, err := s.db.EmailTemplate(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	users, err := s.eng.EmailTemplateUsers(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, emailTemplateView{wireEmailTemplate(tpl), nonNil(users[tpl.Name])})
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
	tpl := &store.EmailTemplate{Name: in.Name, Subject: in.Subject, Preheader: in.Preheader, BodyHTML: in.BodyHTML, BodyText: in.BodyText}
	created, err := s.eng.SaveEmailTemplate(r.Context(), tpl, mustBeNew)
	if errors.Is(err, store.ErrConflict) {
		err = apiError(http.StatusConflict, "conflict", "an email template named %q already exists; change it with PUT /api/email-templates/%s", in.Name, in.Name)
	}
	if err != nil {
		templateError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, wireEmailTemplate(tpl))
}

func (s *Server) deleteEmailTemplate(w http.ResponseWriter, r *http.Request) {
	if err := s.eng.DeleteEmailTemplate(r.Context(), r.PathValue("name")); err != nil {
		templateError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) duplicateEmailTemplate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"` // empty: "<name>-copy"
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, MaxSmallBody, &in); err != nil {
			writeError(w, err)
			return
		}
	}
	tpl, err := s.eng.DuplicateEmailTemplate(r.Context(), r.PathValue("name"), in.Name)
	if errors.Is(err, store.ErrConflict) {
		err = apiError(http.StatusConflict, "conflict", "an email template named %q already exists; choose another name for the copy", in.Name)
	}
	if err != nil {
		templateError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, wireEmailTemplate(tpl))
}

// emailSample is what a preview or test send renders: a stored template by name, or content
// being edited, for a record (and the latest event of a type it had, and a workflow's name).
type emailSample struct {
	Template   string          `json:"template"`
	Content    *action.Content `json:"content"`
	RecordID   int64           `json:"record_id"`
	EventType  string          `json:"event_type"`
	WorkflowID string          `json:"workflow_id"`
}

// resolve loads what the sample names: its content and the data its tokens read.
func (s *Server) resolve(r *http.Request, in emailSample) (action.Content, engineData, error) {
	ctx := r.Context()
	var c action.Content
	var d engineData
	switch {
	case in.Content != nil && in.Template != "":
		return c, d, apiError(http.StatusBadRequest, "bad_request", "give either template (a saved template's name) or content (subject and body being edited), not both")
	case in.Content != nil:
		c = *in.Content
		if strings.TrimSpace(c.Text) == "" && strings.TrimSpace(c.HTML) != "" {
			c.Text = template.Text(c.HTML) // as the save will generate it
		}
	case in.Template != "":
		tpl, err := s.db.EmailTemplate(ctx, in.Template)
		if err != nil {
			return c, d, err
		}
		c = action.TemplateContent(tpl)
	default:
		return c, d, problem.Field("template", "name a template, or give the content to render")
	}
	d.record = map[string]any{}
	if in.RecordID != 0 {
		rec, err := s.db.Record(ctx, in.RecordID)
		if err != nil {
			return c, d, err
		}
		d.record = rec.Properties
		if in.EventType != "" {
			evs, err := s.db.RecordEvents(ctx, rec.ID, 200)
			if err != nil {
				return c, d, err
			}
			for _, ev := range evs {
				if ev.Type == in.EventType {
					d.event = ev.Data
					break
				}
			}
		}
	}
	if in.WorkflowID != "" {
		wf, err := s.db.Workflow(ctx, in.WorkflowID)
		if err != nil {
			return c, d, err
		}
		d.workflow = &workflow.Definition{ID: wf.ID, Name: wf.Name}
	}
	return c, d, nil
}

type engineData struct {
	record, event map[string]any
	workflow      *workflow.Definition
}

// previewEmailTemplate is POST /api/email-templates/preview: the email rendered for a record by
// the send's own code, with tokens that have no value highlighted and listed.
func (s *Server) previewEmailTemplate(w http.ResponseWriter, r *http.Request) {
	var in emailSample
	if err := decode(w, r, MaxWorkflowBody, &in); err != nil {
		writeError(w, err)
		return
	}
	c, d, err := s.resolve(r, in)
	if err != nil {
		writeError(w, err)
		return
	}
	p, err := action.PreviewContent(c, engine.TemplateData(d.workflow, nil, d.record, d.event))
	if err != nil {
		writeError(w, problem.Field("content", "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// testRecipient checks the "to" of a test send (a template's, or the email settings'): one
// plain address, trimmed.
func testRecipient(raw string) (string, error) {
	to := strings.TrimSpace(raw)
	if to == "" {
		return "", problem.Field("to", "give the address to send the test to, like ann@example.com")
	}
	if !workflow.EmailAddress(to) || strings.ContainsAny(to, "<>") {
		return "", problem.Field("to", "%q is not an email address; write one like ann@example.com", to)
	}
	return to, nil
}

// testSendEmailTemplate is POST /api/email-templates/test-send: the email rendered for a record
// and sent to one address, over the configured SMTP server or into the outbox without one.
func (s *Server) testSendEmailTemplate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		emailSample
		To string `json:"to"`
	}
	if err := decode(w, r, MaxWorkflowBody, &in); err != nil {
		writeError(w, err)
		return
	}
	to, err := testRecipient(in.To)
	if err != nil {
		writeError(w, err)
		return
	}
	c, d, err := s.resolve(r, in.emailSample)
	if err != nil {
		writeError(w, err)
		return
	}
	s.sendTestEmail(w, r, to, c, engine.TemplateData(d.workflow, nil, d.record, d.event))
}

// sendTestEmail sends content to one address through the email action's test send (the
// configured SMTP server, or the outbox without one), commits its outbox row through
// Engine.Apply, and answers the outcome: 200 with "delivery" sent or outbox, or 502 send_failed
// whose message says in words what went wrong (explain.Error), the raw error in details.
func (s *Server) sendTestEmail(w http.ResponseWriter, r *http.Request, to string, c action.Content, data template.Data) {
	mailer, ok := s.actions[workflow.StepSendEmail].(*action.Email)
	if !ok {
		writeError(w, apiError(http.StatusNotImplemented, "not_available", "email sending is not set up in this Flowdesk"))
		return
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	res := mailer.SendTest(r.Context(), action.TestSend{To: to, Content: c, Data: data, Key: "test-" + hex.EncodeToString(b[:]), Now: s.eng.Now()})
	if err := s.eng.Apply(r.Context(), &res); err != nil { // the outbox row
		res.Outcome, res.Error = store.AttemptRetry, err.Error()
	}
	out := map[string]any{"to": to, "outcome": res.Outcome, "response": res.Response, "latency_ms": res.Latency.Milliseconds()}
	if id, ok := res.Detail["outbox"]; ok {
		out["outbox_id"] = id
	}
	if mid, ok := res.Detail["message_id"]; ok {
		out["message_id"] = mid
	}
	switch {
	case res.Outcome == store.AttemptOK && res.Detail["delivery"] == "outbox":
		out["delivery"] = "outbox"
		writeJSON(w, http.StatusOK, out)
	case res.Outcome == store.AttemptOK:
		out["delivery"] = "sent"
		writeJSON(w, http.StatusOK, out)
	default:
		words := explain.Or(workflow.StepSendEmail, res.StatusCode, res.Error)
		writeError(w, &Error{Status: http.StatusBadGateway, Code: "send_failed", Message: "the test email was not sent: " + words,
			Details: map[string]any{"outcome": res.Outcome, "status_code": res.StatusCode, "error": res.Error, "error_text": explain.Error(workflow.StepSendEmail, res.StatusCode, res.Error)}})
	}
}
