package workflow

import (
	"strings"
	"testing"
)

func TestValidateEmailTemplateLookup(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact", "triggers": [{"type": "event", "event": "x"}],
		"reenroll": {"enabled": false, "triggers": []}, "start": "a", "steps": [
		{"id": "a", "type": "send_email", "template": "welcome", "next": "b"},
		{"id": "b", "type": "internal_email", "to": "ops@example.com", "template": "nope"}]}`)
	opts := testOptions()
	if p := Validate(d, opts); len(p) != 0 {
		t.Fatalf("without a lookup template names are not checked: %v", p)
	}
	opts.Template = func(name string) bool { return name == "welcome" }
	p := Validate(d, opts)
	if len(p) != 1 || p[0].Step != "b" || p[0].Field != "template" || !strings.Contains(p[0].Message, `"nope", which does not exist`) {
		t.Fatalf("problems %+v", p)
	}
}

func TestValidateEmailTokensWithoutSchema(t *testing.T) {
	d := mustParse(t, `{"id": "t", "name": "T", "object": "contact", "triggers": [{"type": "event", "event": "x"}],
		"reenroll": {"enabled": false, "triggers": []}, "start": "a", "steps": [
		{"id": "a", "type": "send_email", "subject": "Hi {{contact.anything}}", "body": "{{workflow.nme}}"}]}`)
	p := Validate(d, Options{})
	if len(p) != 1 || p[0].Field != "body" || !strings.Contains(p[0].Message, "Did you mean workflow.name?") {
		t.Fatalf("problems %+v", p)
	}
}

func mustParse(t *testing.T, raw string) *Definition {
	t.Helper()
	d, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
