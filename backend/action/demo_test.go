package action_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
)

// The demo database as `serve --demo` fills it, with every template workflow besides (the
// demo's own, testdata/workflows, and so the editor's template gallery, which imports them):
// each validates with no problem at all, not even a warning, against that database (its
// email templates, webhook endpoints, workflows and the presets' event types), and then runs.
// Events arrive as the outside systems send them: WebinarGeek and systeme.io payloads posted
// to the demo endpoints, a manual enrollment, the schedules. Email goes to a real SMTP server.
// Over 18 days of the fake clock no step fails, every workflow completes enrollments and
// every message is personalised.
func TestDemoAndTemplateWorkflowsRunCleanOnTheDemoDatabase(t *testing.T) {
	s := newMailStackWith(t, action.Config{}, func(db *store.DB, o *engine.Options) {
		o.EventTypes = func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, db) }
	})
	mb := newMailbox(t, "", "", nil)
	s.useSMTP(mb, "", "")
	n, drafts, err := demo.Load(s.ctx, s.db, s.eng, hook.New(s.db, s.eng, hook.Options{Clock: s.clock}).Endpoints())
	if err != nil || len(drafts) != 0 {
		t.Fatalf("demo.Load: %d on, drafts %v, %v", n, drafts, err)
	}
	// The built-in choice properties offer their options (the steps below write only those).
	for _, p := range s.eng.PropertyList("contact") {
		if want := store.BuiltinChoiceOptions("contact", p.Name); want != nil && strings.Join(p.Options, ",") != strings.Join(want, ",") {
			t.Errorf("demo property %s has options %v, want %v", p.Name, p.Options, want)
		}
	}
	demoFiles, err := demo.Templates()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(demoFiles) {
		t.Fatalf("%d demo workflows switched on, want %d", n, len(demoFiles))
	}

	// The demo's workflows are the same files as testdata/workflows (the gallery's source).
	for name, raw := range demoFiles {
		td, err := os.ReadFile(filepath.Join("../../testdata/workflows", name))
		if err != nil || !bytes.Equal(td, raw) {
			t.Errorf("testdata/workflows/%s differs from backend/demo/workflows/%s (%v): keep them one file", name, name, err)
		}
	}
	files, err := filepath.Glob("../../testdata/workflows/*.json")
	if err != nil || len(files) < len(demoFiles) {
		t.Fatalf("testdata workflows %v %v", files, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		problems, err := s.eng.Workflows().Validate(s.ctx, raw)
		if err != nil || len(problems) != 0 {
			t.Errorf("%s against the demo database: %v %+v", filepath.Base(f), err, problems)
		}
		if _, ok := demoFiles[filepath.Base(f)]; !ok {
			deployJSON(t, s, string(raw)) // the template-only ones run on the demo database too
		}
	}
	wfs, err := s.db.Workflows(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wfs {
		if problems, err := s.eng.Workflows().Validate(s.ctx, []byte(w.Definition)); err != nil || len(problems) != 0 || !w.Enabled {
			t.Errorf("stored workflow %s (on: %v): %v %+v", w.ID, w.Enabled, err, problems)
		}
	}

	listener := hook.New(s.db, s.eng, hook.Options{Clock: s.clock})
	srv := httptest.NewServer(listener)
	t.Cleanup(srv.Close)
	post := func(endpoint, payloadFile string, edit func(map[string]any)) {
		t.Helper()
		ep, err := listener.Endpoints().Get(s.ctx, endpoint)
		if err != nil {
			t.Fatalf("demo endpoint %s: %v", endpoint, err)
		}
		raw, err := os.ReadFile("../../testdata/payloads/" + payloadFile)
		if err != nil {
			t.Fatal(err)
		}
		var payload map[string]any
		if err := json.Unmarshal(raw, &payload); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(payload)
		}
		body, _ := json.Marshal(payload)
		res, err := http.Post(srv.URL+"/hooks/"+ep.Key, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s to %s: %d", payloadFile, endpoint, res.StatusCode)
		}
	}
	asSanne := func(p map[string]any) {
		sub := p["subscriber"].(map[string]any)
		sub["email"], sub["first_name"] = "sanne.bakker0@example.nl", "Sanne"
	}

	// Contacts the workflows need that no event brings: a dormant subscriber, a renewal.
	for email, props := range map[string]map[string]any{
		"dora.dormant@example.com": {"first_name": "Dora", "tags": []string{"dormant"}, "subscribed": true},
		"rik.renews@example.com":   {"first_name": "Rik", "renewal_date": "2026-04-05"},
	} {
		if _, err := s.eng.Ingest(s.ctx, engine.EventInput{Type: "contact.created", Record: engine.RecordRef{Type: "contact", Email: email, Properties: props}}); err != nil {
			t.Fatal(err)
		}
	}
	post("webinargeek", "webinargeek/webinar.registered.json", nil)               // Sanne registers
	post("optin-form", "systemeio/contact.optin.completed.funnel-step.json", nil) // a newsletter opt-in
	ann, err := s.db.RecordByEmail(s.ctx, "contact", "ann.devries@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.EnrollManually(s.ctx, "sales-handoff", ann.ID); err != nil {
		t.Fatal(err)
	}
	s.run()
	hour := func() {
		s.clock.Advance(time.Hour)
		if _, err := s.eng.RunSchedules(s.ctx); err != nil {
			t.Fatal(err)
		}
		s.run()
	}
	for range 3 {
		hour()
	}
	post("webinargeek", "webinargeek/webinar.replay_viewer.json", asSanne) // Sanne watches the replay
	s.run()
	for range 18 * 24 {
		hour()
	}

	// No step failed anywhere, and every workflow finished enrollments.
	for _, w := range wfs {
		ens, err := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: w.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		completed := 0
		for _, en := range ens {
			if en.FailedSteps != 0 || en.Status == store.StatusFailed || en.Status == store.StatusCompletedWithErrors {
				hist, _ := s.db.History(s.ctx, en.ID)
				t.Errorf("%s: enrollment %d reads %s with %d failed steps: %s", w.ID, en.ID, en.Status, en.FailedSteps, historyText(hist))
			}
			if en.Status == store.StatusCompleted {
				completed++
			}
		}
		if completed == 0 {
			t.Errorf("%s: no enrollment completed (%d enrollments)", w.ID, len(ens))
		}
		st, err := s.db.Stats(s.ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		for step, c := range st.Steps {
			if c.Failed != 0 {
				t.Errorf("%s: step %s failed %d times", w.ID, step, c.Failed)
			}
		}
	}
	if failed, err := s.db.ActionAttempts(s.ctx, store.AttemptQuery{FailedOnly: true}); err != nil || len(failed) != 0 {
		t.Errorf("failed deliveries: %+v %v", failed, err)
	}

	// The mail: every demo template was sent, personalised, through the SMTP server.
	subjects := map[string]bool{}
	for _, m := range mb.messages() {
		p := parseMessage(t, m.Data)
		subj := p.header.Get("Subject")
		subjects[subj] = true
		if strings.Contains(subj, " ,") || strings.HasSuffix(subj, ", ") || strings.Contains(p.text+p.html, "{{") {
			t.Errorf("an unrendered or empty token in %q:\n%s", subj, p.text)
		}
	}
	for _, want := range []string{
		"Thanks for watching, Ann",                              // a demo contact who watched
		"Your replay of Automation basics is ready",             // demo contacts who did not
		"Your replay of Email marketing that converts is ready", // Sanne, registered over the webhook
		"Thanks for watching, Sanne",                            // ... who then watched the replay
		"Welcome to the newsletter, friend",                     // the opt-in has no first name
		"New newsletter subscriber: temochkaykvlv+aslkfkvmk@gmail.com",
		"We miss you, Dora",
		"Renewal coming up",
	} {
		if !subjects[want] {
			t.Errorf("no message with subject %q; got %v", want, keys(subjects))
		}
	}
}

func historyText(hist []store.HistoryEntry) string {
	var b strings.Builder
	for _, h := range hist {
		b.WriteString("\n  " + h.StepID + " " + h.Outcome + " " + string(h.Detail))
	}
	return b.String()
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
