package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

// refOptions know one endpoint, one template and the event types of a small catalogue.
func refOptions() Options {
	o := testOptions()
	o.Hook = func(id string) bool { return id == "optin-form" }
	o.Template = func(name string) bool { return name == "welcome" }
	o.EventTypes = []string{"webinar.registered", "webinar.viewer", "webinar.replay_viewer", "contact.optin.completed"}
	return o
}

// refDefinition is a valid workflow whose one trigger and one step the cases replace.
func refDefinition(t *testing.T, trigger, step string) *Definition {
	t.Helper()
	raw := `{"id": "refs", "name": "References", "object": "contact",
		"triggers": [` + trigger + `], "reenroll": {"enabled": false, "triggers": []},
		"start": "s1", "steps": [` + step + `]}`
	d, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidateReferences(t *testing.T) {
	const okTrigger = `{"id": "t1", "type": "event", "event": "webinar.registered"}`
	const okStep = `{"id": "s1", "type": "send_email", "template": "welcome"}`
	cases := []struct {
		name, trigger, step string
		field, severity     string
		contains            []string
	}{
		{name: "known references are fine", trigger: okTrigger, step: okStep},
		{name: "webhook trigger naming a missing endpoint", trigger: `{"id": "t1", "type": "webhook", "hook": "no-such-hook"}`, step: okStep,
			field: "hook", severity: SeverityError, contains: []string{`"no-such-hook"`, "does not exist", "Webhooks"}},
		{name: "webhook trigger naming an existing endpoint", trigger: `{"id": "t1", "type": "webhook", "hook": "optin-form"}`, step: okStep},
		{name: "send_email naming a missing template", trigger: okTrigger, step: `{"id": "s1", "type": "send_email", "template": "webinar-thanks"}`,
			field: "template", severity: SeverityError, contains: []string{`"webinar-thanks"`, "does not exist"}},
		{name: "internal_email naming a missing template", trigger: okTrigger, step: `{"id": "s1", "type": "internal_email", "to": ["sales@example.com"], "template": "lead-alert"}`,
			field: "template", severity: SeverityError, contains: []string{`"lead-alert"`, "does not exist"}},
		{name: "recipient that is not an address", trigger: okTrigger, step: `{"id": "s1", "type": "internal_email", "to": ["sales@example.com", "not-an-email"], "template": "welcome"}`,
			field: "to[1]", severity: SeverityError, contains: []string{`"not-an-email"`, "not an email address", "sales@example.com"}},
		{name: "recipient without a domain dot", trigger: okTrigger, step: `{"id": "s1", "type": "internal_email", "to": ["sales@acme"], "template": "welcome"}`,
			field: "to[0]", severity: SeverityError, contains: []string{`"sales@acme"`, "not an email address"}},
		{name: "recipient with a display name", trigger: okTrigger, step: `{"id": "s1", "type": "internal_email", "to": ["Sales <sales@acme.example>"], "template": "welcome"}`},
		{name: "event type nothing sends, with a likely one", trigger: `{"id": "t1", "type": "event", "event": "webinar.replay_watched"}`, step: okStep,
			field: "event", severity: SeverityWarning, contains: []string{`"webinar.replay_watched"`, `Did you mean "webinar.replay_viewer"?`}},
		{name: "event type typo", trigger: `{"id": "t1", "type": "event", "event": "webinar.registred"}`, step: okStep,
			field: "event", severity: SeverityWarning, contains: []string{`Did you mean "webinar.registered"?`}},
		{name: "event type nothing sends, nothing close", trigger: `{"id": "t1", "type": "event", "event": "invoice.paid"}`, step: okStep,
			field: "event", severity: SeverityWarning, contains: []string{`"invoice.paid"`, "ignore this warning"}},
		{name: "a wait for an event nothing sends", trigger: okTrigger,
			step:  `{"id": "s1", "type": "delay", "event": {"type": "webinar.replay_watched", "timeout": "3d"}}`,
			field: "event.type", severity: SeverityWarning, contains: []string{`Step "s1" waits for the event "webinar.replay_watched"`, `"webinar.replay_viewer"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := Validate(refDefinition(t, c.trigger, c.step), refOptions())
			if c.field == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problems, got %+v", ps)
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("want one problem on %s, got %+v", c.field, ps)
			}
			p := ps[0]
			sev := p.Severity
			if sev == "" {
				sev = SeverityError
			}
			if p.Field != c.field || sev != c.severity {
				t.Errorf("problem on %q (%s), want %q (%s): %s", p.Field, sev, c.field, c.severity, p.Message)
			}
			if (p.Trigger == "") == (p.Step == "") {
				t.Errorf("problem names trigger %q and step %q; want exactly one", p.Trigger, p.Step)
			}
			for _, s := range c.contains {
				if !strings.Contains(p.Message, s) {
					t.Errorf("message %q does not contain %q", p.Message, s)
				}
			}
			if len(Errors(ps)) != map[string]int{SeverityError: 1, SeverityWarning: 0}[c.severity] {
				t.Errorf("Errors(%+v) = %d problems", ps, len(Errors(ps)))
			}
		})
	}
}

func TestReferencesNotCheckedWithoutOptions(t *testing.T) {
	d := refDefinition(t, `{"id": "t1", "type": "webhook", "hook": "no-such-hook"}`, `{"id": "s1", "type": "send_email", "template": "missing"}`)
	if ps := Validate(d, testOptions()); len(ps) != 0 {
		t.Fatalf("without Hook and Template options nothing is checked, got %+v", ps)
	}
}

func TestProblemJSONAlwaysHasSeverity(t *testing.T) {
	b, err := json.Marshal([]Problem{{Field: "name", Message: "x"}, {Field: "event", Message: "y", Severity: SeverityWarning}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"field":"name","message":"x","severity":"error"},{"field":"event","message":"y","severity":"warning"}]`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
}

func TestEmailAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"sales@example.com": true, "Sales <sales@example.com>": true, "a.b+c@mail.example.org": true,
		"not-an-email": false, "sales@acme": false, "sales@": false, "@example.com": false, "sales@example.": false,
		"two@example.com, three@example.com": false, "": false,
	} {
		if got := EmailAddress(s); got != want {
			t.Errorf("EmailAddress(%q) = %v, want %v", s, got, want)
		}
	}
}
