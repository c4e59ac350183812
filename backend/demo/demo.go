// Package demo holds the workflow templates, the email templates, the webhook endpoints and the
// sample contacts a fresh install starts with, so an offline demo works with no set-up: every
// step of every demo workflow can run (emails land in the local outbox until an SMTP server is
// set up).
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

//go:embed workflows/*.json
var templates embed.FS

//go:embed emails/*.html emails/*.txt
var emails embed.FS

// emailSubjects are the demo email templates by name; each has emails/<name>.html (the body,
// wrapped in emails/layout.html) and emails/<name>.txt (the plain-text part).
var emailSubjects = map[string]string{
	"webinar-thanks":     `Thanks for watching, {{contact.first_name | default "there"}}`,
	"webinar-replay":     `Your replay of {{event.webinar.title | default "the webinar"}} is ready`,
	"newsletter-welcome": `Welcome to the newsletter, {{contact.first_name | default "friend"}}`,
	"we-miss-you":        `We miss you, {{contact.first_name | default "friend"}}`,
}

// EmailTemplates returns the demo email templates, checked: every part parses as a template.
func EmailTemplates() ([]store.EmailTemplate, error) {
	layout, err := emails.ReadFile("emails/layout.html")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(emailSubjects))
	for name := range emailSubjects {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []store.EmailTemplate
	for _, name := range names {
		body, err := emails.ReadFile("emails/" + name + ".html")
		if err != nil {
			return nil, err
		}
		text, err := emails.ReadFile("emails/" + name + ".txt")
		if err != nil {
			return nil, err
		}
		subject := emailSubjects[name]
		html := strings.Replace(strings.Replace(string(layout), "<!--content-->", strings.TrimSpace(string(body)), 1), "<!--subject-->", subject, 1)
		tpl := store.EmailTemplate{Name: name, Subject: subject, BodyHTML: html, BodyText: string(text)}
		for part, src := range map[string]string{"subject": tpl.Subject, "HTML body": tpl.BodyHTML, "text body": tpl.BodyText} {
			if _, err := template.Parse(src); err != nil {
				return nil, fmt.Errorf("demo email %s, %s: %w", name, part, err)
			}
		}
		out = append(out, tpl)
	}
	return out, nil
}

// Endpoint is a demo incoming-webhook endpoint, created under a fixed id so the demo workflows'
// webhook triggers can name it.
type Endpoint struct {
	ID     string
	Config hook.Config
}

// Endpoints are the demo's incoming webhooks: a WebinarGeek account (its registrations and
// replay views run "Webinar follow-up") and a systeme.io opt-in form ("Newsletter opt-in").
// They take deliveries without authentication, as a local demo may; switch on signatures
// (Webhooks, endpoint settings) before exposing the listener beyond this machine.
func Endpoints() []Endpoint {
	on := true
	return []Endpoint{
		{ID: "webinargeek", Config: hook.Config{Name: "WebinarGeek (demo)", Auth: hook.AuthNone, Preset: "webinargeek", Create: &on, Enabled: &on}},
		{ID: "optin-form", Config: hook.Config{Name: "Newsletter opt-in form (demo)", Auth: hook.AuthNone, Preset: "systemeio", Create: &on, Enabled: &on}},
	}
}

// Templates returns the built-in workflow templates as raw JSON, by file name.
func Templates() (map[string][]byte, error) {
	entries, err := templates.ReadDir("workflows")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := templates.ReadFile(path.Join("workflows", e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = b
	}
	return out, nil
}

type contact struct {
	email string
	props map[string]any
}

var contacts = []contact{
	{"ann.devries@example.com", map[string]any{"first_name": "Ann", "last_name": "de Vries", "city": "Amsterdam", "lifecycle": "lead", "watch_pct": 82}},
	{"bram.jansen@example.com", map[string]any{"first_name": "Bram", "last_name": "Jansen", "city": "Utrecht", "lifecycle": "lead", "watch_pct": 12}},
	{"ciara.byrne@example.com", map[string]any{"first_name": "Ciara", "last_name": "Byrne", "city": "Dublin", "lifecycle": "mql"}},
	{"dmitri.ivanov@example.com", map[string]any{"first_name": "Dmitri", "last_name": "Ivanov", "city": "Berlin", "lifecycle": "customer"}},
	{"elif.sahin@example.com", map[string]any{"first_name": "Elif", "last_name": "Şahin", "city": "Rotterdam", "lifecycle": "lead"}},
}

// Load fills an empty database with the email templates, the webhook endpoints, the workflow
// templates (enabled) and a handful of contacts whose events run through them; what the
// workflows name comes first, so each validates against it. It does nothing when the database
// already has workflows, and returns how many workflows it switched on and the ids of those
// left off because they have problems.
func Load(ctx context.Context, db store.Store, eng *engine.Engine, hooks *hook.Endpoints) (n int, drafts []string, err error) {
	existing, err := db.Workflows(ctx)
	if err != nil {
		return 0, nil, err
	}
	if len(existing) > 0 {
		return 0, nil, nil
	}
	if err := loadReferences(ctx, db, eng, hooks); err != nil {
		return 0, nil, err
	}
	tpls, err := Templates()
	if err != nil {
		return 0, nil, err
	}
	// Create every template first (a draft until the workflows it enrolls into exist), then
	// switch them on: enabling needs every template valid.
	names := make([]string, 0, len(tpls))
	for name := range tpls {
		names = append(names, name)
	}
	sort.Strings(names)
	ids := make([]string, 0, len(names))
	for _, name := range names {
		w, err := eng.Workflows().Create(ctx, tpls[name])
		if err != nil {
			return 0, nil, fmt.Errorf("template %s: %w", name, err)
		}
		ids = append(ids, w.ID)
	}
	for i, id := range ids {
		if _, err := eng.Workflows().Enable(ctx, id); err != nil {
			var ve *problem.Error
			if errors.As(err, &ve) && ve.Code == problem.CodeWorkflow {
				// It stays off, a draft whose problems the editor lists, rather than
				// keeping the whole demo from starting.
				drafts = append(drafts, id)
				continue
			}
			return n, drafts, fmt.Errorf("template %s: %w", names[i], err)
		}
		n++
	}
	for i, c := range contacts {
		occurred := eng.Now().Add(-time.Duration(len(contacts)-i) * time.Minute)
		// Shaped as the WebinarGeek preset delivers a registration, so the emails' tokens
		// ({{event.webinar.title}}) read the same whether the event came from here or the webhook.
		in := engine.EventInput{Type: "webinar.registered", Scope: map[string]string{"webinar": "54072"},
			Record: engine.RecordRef{Type: "contact", Email: c.email, Properties: c.props},
			Data:   map[string]any{"event": "registered", "webinar": map[string]any{"id": 54072, "title": "Automation basics"}}, OccurredAt: &occurred}
		if _, err := eng.Ingest(ctx, in); err != nil {
			return n, drafts, fmt.Errorf("demo contact %s: %w", c.email, err)
		}
	}
	return n, drafts, nil
}

// loadReferences stores the demo email templates and webhook endpoints (ones already there,
// by name or id, are left as they are).
func loadReferences(ctx context.Context, db store.Store, eng *engine.Engine, hooks *hook.Endpoints) error {
	tpls, err := EmailTemplates()
	if err != nil {
		return err
	}
	if err := eng.SeedEmailTemplates(ctx, tpls); err != nil {
		return fmt.Errorf("demo email templates: %w", err)
	}
	for _, ep := range Endpoints() {
		if _, err := hooks.Get(ctx, ep.ID); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("demo webhook endpoint %s: %w", ep.ID, err)
		}
		if _, err := hooks.CreateAs(ctx, ep.ID, ep.Config); err != nil {
			return fmt.Errorf("demo webhook endpoint %s: %w", ep.ID, err)
		}
	}
	return nil
}

// Check reports whether every template parses; used by tests.
func Check() error {
	tpls, err := Templates()
	if err != nil {
		return err
	}
	for name, raw := range tpls {
		if _, err := workflow.Parse(raw); err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
	}
	return nil
}
