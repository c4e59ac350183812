// Package demo holds the templates and sample contacts a fresh install starts with, so an
// offline demo works with no set-up.
package demo

import (
	"context"
	"embed"
	"fmt"
	"path"
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
// returns how many workflows it loaded.
func Load(ctx context.Context, eng *engine.Engine) (int, error) {
	existing, err := eng.DB().Workflows(ctx)
	if err != nil {
		return 0, err
	}
	if len(existing) > 0 {
		return 0, nil
	}
	tpls, err := Templates()
	if err != nil {
		return 0, err
	}
	// Templates may enroll into each other, and validation wants the target to exist: create
	// in passes until every template is in or a pass makes no progress.
	n := 0
	pending := tpls
	for len(pending) > 0 {
		failed := map[string][]byte{}
		var lastErr error
		for name, raw := range pending {
			w, err := eng.CreateWorkflow(ctx, raw)
			if err != nil {
				failed[name], lastErr = raw, fmt.Errorf("template %s: %w", name, err)
				continue
			}
			if _, err := eng.EnableWorkflow(ctx, w.ID); err != nil {
				return n, fmt.Errorf("template %s: %w", name, err)
			}
			n++
		}
		if len(failed) == len(pending) {
			return n, lastErr
		}
		pending = failed
	}
	for i, c := range contacts {
		occurred := eng.Now().Add(-time.Duration(len(contacts)-i) * time.Minute)
		in := engine.EventInput{Type: "webinar.registered", Scope: map[string]string{"webinar": "54072"},
			Record: engine.RecordRef{Type: "contact", Email: c.email, Properties: c.props},
			Data:   map[string]any{"webinar_title": "Automation basics"}, OccurredAt: &occurred}
		if _, err := eng.Ingest(ctx, in); err != nil {
			return n, fmt.Errorf("demo contact %s: %w", c.email, err)
		}
	}
	return n, nil
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
