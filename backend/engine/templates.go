package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

var templateNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// TemplateProblem is one problem of an email template (the one problem type): the part it is
// in (Field: subject, preheader, body_html, body_text or name), the token it names when it is
// about one, and where. A template refused at save is a *problem.Error with CodeTemplate.
type TemplateProblem = problem.Problem

// TemplateInUseError refuses deleting a template that workflows send.
type TemplateInUseError struct {
	Name      string
	Workflows []TemplateUser
}

func (e *TemplateInUseError) Error() string {
	names := make([]string, len(e.Workflows))
	for i, w := range e.Workflows {
		names[i] = fmt.Sprintf("%q", w.Name)
	}
	return fmt.Sprintf("the email template %q is used by %s; pick another template in %s first, then delete it",
		e.Name, strings.Join(names, ", "), map[bool]string{true: "that workflow", false: "those workflows"}[len(names) == 1])
}

// TemplateUser is a workflow that sends a template, and its steps that do.
type TemplateUser struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Steps []string `json:"steps"`
	Live  bool     `json:"live"` // the version new enrollments start on sends it
}

// CheckEmailTemplate returns every problem of a template, each naming its part and token: a
// name, a subject and a body; tokens that parse and name a property, enrollment or workflow
// field that exists; an HTML body whose tags are closed.
func (e *Engine) CheckEmailTemplate(tpl *store.EmailTemplate) []TemplateProblem {
	var out []TemplateProblem
	add := func(field, token string, line, col int, format string, args ...any) {
		out = append(out, TemplateProblem{Field: field, Message: fmt.Sprintf(format, args...), Token: token, Line: line, Column: col})
	}
	if !templateNameRe.MatchString(tpl.Name) {
		add("name", "", 0, 0, "The name must be 1-64 lowercase letters, digits, - or _, like \"webinar-replay\".")
	}
	if strings.TrimSpace(tpl.Subject) == "" {
		add("subject", "", 0, 0, "The template has no subject. Write one.")
	}
	if strings.TrimSpace(tpl.BodyHTML) == "" && strings.TrimSpace(tpl.BodyText) == "" {
		add("body_html", "", 0, 0, "The template has no body. Write an HTML body, a text body, or both.")
	}
	parts := []struct{ field, label, src string }{
		{"subject", "subject", tpl.Subject}, {"preheader", "preheader", tpl.Preheader},
		{"body_html", "HTML body", tpl.BodyHTML}, {"body_text", "text body", tpl.BodyText},
	}
	for _, p := range parts {
		if p.field == "body_text" && tpl.TextGenerated {
			continue // made from the HTML body, whose problems are reported there
		}
		t, err := template.Parse(p.src)
		if err != nil {
			var te *template.Error
			if errors.As(err, &te) {
				add(p.field, tokenAt(p.src, te.Pos), te.Line, te.Col, "The %s cannot be used: %s", p.label, err)
			} else {
				add(p.field, "", 0, 0, "The %s cannot be used: %s", p.label, err)
			}
			continue
		}
		for _, tok := range t.Tokens() {
			if msg := e.tokenProblem(tok); msg != "" {
				add(p.field, tok.Source, tok.Line, tok.Col, "The %s uses %s: %s", p.label, tok.Source, msg)
			}
		}
	}
	if tpl.BodyHTML != "" {
		if err := template.CheckHTML(tpl.BodyHTML); err != nil {
			var te *template.Error
			if errors.As(err, &te) {
				add("body_html", "", te.Line, te.Col, "The HTML body is not valid HTML: %s", err)
			} else {
				add("body_html", "", 0, 0, "The HTML body is not valid HTML: %s", err)
			}
		}
	}
	return out
}

// tokenAt returns the token text starting at pos ("{{...}}" up to its end or the line's end).
func tokenAt(src string, pos int) string {
	if pos < 0 || pos >= len(src) || !strings.HasPrefix(src[pos:], "{{") {
		return ""
	}
	rest := src[pos:]
	if i := strings.Index(rest, "}}"); i >= 0 && !strings.Contains(rest[:i], "\n") {
		return rest[:i+2]
	}
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		return rest[:i]
	}
	return rest
}

// tokenProblem says what is wrong with a parsed token's reference, or "". A template is not
// tied to one object type: contact.x must be a contact property, record.x a property of some
// object; event fields are free-form.
func (e *Engine) tokenProblem(tok template.Token) string {
	if tok.Literal != "" {
		return ""
	}
	name := tok.Path[0]
	fixed := func(fields []string, what string) string {
		if len(tok.Path) == 1 && slices.Contains(fields, name) {
			return ""
		}
		hint := ""
		if s := template.Suggest(name, fields); s != "" {
			hint = fmt.Sprintf(" Did you mean %s.%s?", tok.Namespace, s)
		}
		return fmt.Sprintf("%s has no field %q. Use one of: %s.%s", what, strings.Join(tok.Path, "."), strings.Join(fields, ", "), hint)
	}
	switch tok.Namespace {
	case "event":
		return ""
	case "enrollment":
		return fixed(template.EnrollmentFields, "an enrollment")
	case "workflow":
		return fixed(template.WorkflowFields, "a workflow")
	case "record":
		var all []string
		for _, o := range e.Objects() {
			if _, ok := e.Property(o, name); ok {
				return ""
			}
			all = append(all, e.PropertyNames(o)...)
		}
		if s := template.Suggest(name, all); s != "" {
			return fmt.Sprintf("no record type has a property %q; did you mean record.%s?", name, s)
		}
		return fmt.Sprintf("no record type has a property %q. Check the spelling, or declare it under Properties.", name)
	}
	if !e.knownObject(tok.Namespace) {
		return fmt.Sprintf("there are no %s records here. Use contact, company, deal or ticket, or record for the enrolled record.", tok.Namespace)
	}
	if _, ok := e.Property(tok.Namespace, name); ok {
		return ""
	}
	if s := template.Suggest(name, e.PropertyNames(tok.Namespace)); s != "" {
		return fmt.Sprintf("%s is not %s property; did you mean %s.%s?", name, article(tok.Namespace), tok.Namespace, s)
	}
	return fmt.Sprintf("%s is not %s property. Check the spelling, or pick one of the %s properties.", name, article(tok.Namespace), tok.Namespace)
}

// SaveEmailTemplate checks and stores a template (a new one when mustBeNew: an existing name is
// a conflict, and nothing changes). An empty text part is generated from the HTML body.
func (e *Engine) SaveEmailTemplate(ctx context.Context, tpl *store.EmailTemplate, mustBeNew bool) (created bool, err error) {
	tpl.TextGenerated = strings.TrimSpace(tpl.BodyText) == "" && strings.TrimSpace(tpl.BodyHTML) != ""
	if tpl.TextGenerated {
		tpl.BodyText = template.Text(tpl.BodyHTML)
	}
	if problems := e.CheckEmailTemplate(tpl); len(problems) > 0 {
		return false, &problem.Error{Code: problem.CodeTemplate, Problems: problems}
	}
	err = e.db.Write(ctx, func(tx store.Tx) error {
		var err error
		if created, err = tx.PutEmailTemplate(tpl, e.Now()); err != nil {
			return err
		}
		if mustBeNew && !created { // rolled back: the existing template stays as it was
			return fmt.Errorf("an email template named %q already exists: %w", tpl.Name, store.ErrConflict)
		}
		return nil
	})
	return created, err
}

// DuplicateEmailTemplate copies a template under a new name: the name given, or "<name>-copy"
// (then -copy-2, -copy-3, ...) when to is empty.
func (e *Engine) DuplicateEmailTemplate(ctx context.Context, from, to string) (*store.EmailTemplate, error) {
	src, err := e.db.EmailTemplate(ctx, from)
	if err != nil {
		return nil, err
	}
	if to == "" {
		all, err := e.db.EmailTemplates(ctx)
		if err != nil {
			return nil, err
		}
		taken := map[string]bool{}
		for _, t := range all {
			taken[t.Name] = true
		}
		base := strings.TrimSuffix(from[:min(len(from), 59)], "-")
		to = base + "-copy"
		for i := 2; taken[to]; i++ {
			to = fmt.Sprintf("%s-copy-%d", base, i)
		}
	}
	cp := *src
	cp.Name = to
	if cp.TextGenerated {
		cp.BodyText = ""
	}
	if _, err := e.SaveEmailTemplate(ctx, &cp, true); err != nil {
		return nil, err
	}
	return &cp, nil
}

// DeleteEmailTemplate deletes a template, refused (TemplateInUseError) while a workflow's draft
// or live version sends it. The check and the delete are one transaction.
func (e *Engine) DeleteEmailTemplate(ctx context.Context, name string) error {
	return e.db.Write(ctx, func(tx store.Tx) error {
		defs, err := tx.WorkflowDefinitions()
		if err != nil {
			return err
		}
		if users := templateUsers(defs, name); len(users) > 0 {
			return &TemplateInUseError{Name: name, Workflows: users}
		}
		return tx.DeleteEmailTemplate(name)
	})
}

// EmailTemplateUsers lists, by template name, the workflows whose draft or live version sends it.
func (e *Engine) EmailTemplateUsers(ctx context.Context) (map[string][]TemplateUser, error) {
	out := map[string][]TemplateUser{}
	defs, err := e.db.WorkflowDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		for _, name := range templateNames(d) {
			out[name] = append(out[name], templateUsers([]store.WorkflowDefinitions{d}, name)...)
		}
	}
	return out, nil
}

// templateNames lists the templates a workflow's draft or live version sends.
func templateNames(d store.WorkflowDefinitions) []string {
	seen := map[string]bool{}
	for _, raw := range [][]byte{d.Draft, d.Live} {
		if def, err := workflow.Parse(raw); err == nil && raw != nil {
			for _, s := range def.Steps {
				if s.Template != "" && (s.Type == workflow.StepSendEmail || s.Type == workflow.StepInternalEmail) {
					seen[s.Template] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// templateUsers lists the workflows (of defs) that send the template, with the steps.
func templateUsers(defs []store.WorkflowDefinitions, name string) []TemplateUser {
	var out []TemplateUser
	for _, d := range defs {
		u := TemplateUser{ID: d.ID, Name: d.Name}
		steps := map[string]bool{}
		for i, raw := range [][]byte{d.Draft, d.Live} {
			if raw == nil {
				continue
			}
			def, err := workflow.Parse(raw)
			if err != nil {
				continue
			}
			for _, s := range def.Steps {
				if s.Template == name && (s.Type == workflow.StepSendEmail || s.Type == workflow.StepInternalEmail) {
					steps[s.ID] = true
					u.Live = u.Live || i == 1
				}
			}
		}
		if len(steps) == 0 {
			continue
		}
		for id := range steps {
			u.Steps = append(u.Steps, id)
		}
		sort.Strings(u.Steps)
		out = append(out, u)
	}
	return out
}

// article puts "a" or "an" before a name: "a contact", "an order".
func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}
