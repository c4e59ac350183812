package workflow

import (
	"fmt"
	"strings"

	"github.com/flowdesk/flowdesk/backend/template"
)

// tokens checks the personalisation tokens of a message text (an email subject or body): the
// text must parse, and every token must name something the workflow's records, enrollments or
// workflow have. Event fields are free-form and not checked.
func (v *validator) tokens(text, field string, add func(field, format string, args ...any)) {
	if !strings.Contains(text, "{{") && !strings.Contains(text, "}}") {
		return
	}
	tpl, err := template.Parse(text)
	if err != nil {
		add(field, "has a %s that cannot be used: %s", field, err)
		return
	}
	for _, tok := range tpl.Tokens() {
		if tok.Literal != "" {
			continue
		}
		name := tok.Path[0]
		switch tok.Namespace {
		case "event":
		case "enrollment":
			v.fixedField(tok, field, template.EnrollmentFields, "an enrollment", add)
		case "workflow":
			v.fixedField(tok, field, template.WorkflowFields, "a workflow", add)
		default:
			if tok.Namespace != "record" && v.d.Object != "" && tok.Namespace != v.d.Object {
				add(field, "uses %s in the %s, but this workflow works on %s records, not %s records. Write {{%s.%s}} or {{record.%s}}.",
					tok.Source, field, v.d.Object, tok.Namespace, v.d.Object, name, name)
				continue
			}
			if v.schema == nil {
				continue
			}
			if _, ok := v.schema(name); ok {
				continue
			}
			object := v.d.Object
			if object == "" {
				object = "record"
			}
			msg := fmt.Sprintf("uses %s in the %s: %s is not %s property", tok.Source, field, name, article(object))
			if s := v.nearProperty(name); s != "" {
				add(field, "%s; did you mean %s?", msg, s)
				continue
			}
			add(field, "%s. Check the spelling, or pick one of the %s properties.", msg, object)
		}
	}
}

// fixedField checks a token of a namespace with a fixed set of fields.
func (v *validator) fixedField(tok template.Token, field string, fields []string, what string, add func(field, format string, args ...any)) {
	name := tok.Path[0]
	if contains(fields, name) && len(tok.Path) == 1 {
		return
	}
	hint := ""
	if s := template.Suggest(name, fields); s != "" {
		hint = fmt.Sprintf(" Did you mean %s.%s?", tok.Namespace, s)
	}
	add(field, "uses %s in the %s, but %s has no field %q. Use one of: %s.%s", tok.Source, field, what, strings.Join(tok.Path, "."), list(fields), hint)
}

// nearProperty returns a property the schema knows that is one edit (a letter added, dropped,
// changed, or two letters swapped) away from name, or "". The schema is a lookup, not a list,
// so the candidates are generated and looked up.
func (v *validator) nearProperty(name string) string {
	if len(name) > 64 {
		return ""
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
	best := ""
	try := func(c string) {
		if c == name || c == "" {
			return
		}
		if _, ok := v.schema(c); ok && (best == "" || c < best) {
			best = c
		}
	}
	lower := strings.ToLower(name)
	try(lower)
	for i := 0; i <= len(name); i++ {
		if i < len(name) {
			try(name[:i] + name[i+1:])
			if i+1 < len(name) {
				try(name[:i] + string(name[i+1]) + string(name[i]) + name[i+2:])
			}
		}
		for _, r := range alphabet {
			try(name[:i] + string(r) + name[i:])
			if i < len(name) {
				try(name[:i] + string(r) + name[i+1:])
			}
		}
	}
	return best
}
