// Package problem is the one shape of "this input is wrong": a list of problems, each naming
// the field at fault and the fix, reported all at once. Workflow validation, filters, webhook
// endpoint configurations and mappings, settings and bad request fields all use it, and the API
// and the webhook listener answer every one with a 422 carrying the list. Pure.
package problem

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Problem is one thing wrong with an input, addressed to a marketer.
type Problem struct {
	Step    string `json:"step,omitempty"`    // the workflow step it concerns
	Trigger string `json:"trigger,omitempty"` // the workflow trigger it concerns
	Field   string `json:"field,omitempty"`   // the path at fault: "next", "branches[1].filter", "mapping.email"
	Message string `json:"message"`           // a plain sentence naming the problem and the fix
	// Token, Line and Column place a problem inside a text (an email template's token).
	Token  string `json:"token,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Severity is SeverityError (the zero value: the input cannot be used) or SeverityWarning
	// (worth a look, but it does not stop anything).
	Severity string `json:"severity"`
}

// The severities of a problem.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// IsWarning reports whether the problem is only a warning.
func (p Problem) IsWarning() bool { return p.Severity == SeverityWarning }

// MarshalJSON always writes the severity, so clients never have to know the zero value.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	q := plain(p)
	if q.Severity == "" {
		q.Severity = SeverityError
	}
	return json.Marshal(q)
}

// Errors returns the problems that are not warnings.
func Errors(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if !p.IsWarning() {
			out = append(out, p)
		}
	}
	return out
}

// The codes of the kinds of input, as the API's error code says them.
const (
	CodeInput    = "invalid_input"    // a request field
	CodeWorkflow = "invalid_workflow" // a workflow definition
	CodeHook     = "invalid_hook"     // a webhook endpoint's configuration
	CodeSettings = "invalid_settings" // settings
	CodeMapping  = "mapping_failed"   // a webhook payload the endpoint's mapping cannot turn into an event
	CodeFilter   = "invalid_filter"   // a filter
	CodeTemplate = "invalid_template" // an email template
	// CodeUndeclared is a write to a property nobody declared where only declared ones may be
	// written (a strict webhook endpoint); the problem's field is record.properties.<name>.
	CodeUndeclared = "undeclared_property"
)

// Error is an input with problems; nothing was changed because of it.
type Error struct {
	Code     string    // one of the Code constants
	Subject  string    // what has the problems, for the message: "the workflow" ("" says none)
	Reason   string    // why the problems stopped what was asked, a sentence ("" says none)
	Problems []Problem // every problem, in the order found
}

// Field is one problem about one field, as an *Error with CodeInput.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: CodeInput, Problems: []Problem{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Add appends a problem about field.
func (e *Error) Add(field, format string, args ...any) {
	e.Problems = append(e.Problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err is e, or nil when it has no problems, so a check can collect and then return.
func (e *Error) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// FirstField is the field of the first problem ("" when there is none).
func (e *Error) FirstField() string {
	if len(e.Problems) == 0 {
		return ""
	}
	return e.Problems[0].Field
}

// Error says the reason, the subject and every problem: "field: message" for a problem about a
// field alone, the message for one about a workflow step or trigger (it names them in words).
func (e *Error) Error() string {
	texts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		if p.Field != "" && p.Step == "" && p.Trigger == "" && e.Code != CodeWorkflow {
			texts = append(texts, p.Field+": "+p.Message)
			continue
		}
		texts = append(texts, p.Message)
	}
	s := strings.Join(texts, "; ")
	if e.Subject == "" {
		if e.Reason != "" {
			s = e.Reason + " " + s
		}
		return strings.TrimSpace(s)
	}
	s = fmt.Sprintf("%s has %d problem(s): %s", e.Subject, len(e.Problems), s)
	if e.Reason != "" {
		s = e.Reason + " " + strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}
