// Package demo holds the templates and sample contacts a fresh install starts with, so an
// offline demo works with no set-up.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

//go:embed workflows/*.json
var templates embed.FS

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

// Load fills an empty database with the templates (enabled) and a handful of contacts whose
// events run through them. It does nothing when the database already has workflows, and
// returns how many workflows it switched on and the ids of those left off because they have
// problems.
func Load(ctx context.Context, eng *engine.Engine) (n int, drafts []string, err error) {
	existing, err := eng.DB().Workflows(ctx)
	if err != nil {
		return 0, nil, err
	}
	if len(existing) > 0 {
		return 0, nil, nil
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
		w, err := eng.CreateWorkflow(ctx, tpls[name])
		if err != nil {
			return 0, nil, fmt.Errorf("template %s: %w", name, err)
		}
		ids = append(ids, w.ID)
	}
	for i, id := range ids {
		if _, err := eng.EnableWorkflow(ctx, id); err != nil {
			var ve *engine.ValidationError
			if errors.As(err, &ve) {
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
		in := engine.EventInput{Type: "webinar.registered", Scope: map[string]string{"webinar": "54072"},
			Record: engine.RecordRef{Type: "contact", Email: c.email, Properties: c.props},
			Data:   map[string]any{"webinar_title": "Automation basics"}, OccurredAt: &occurred}
		if _, err := eng.Ingest(ctx, in); err != nil {
			return n, drafts, fmt.Errorf("demo contact %s: %w", c.email, err)
		}
	}
	return n, drafts, nil
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
