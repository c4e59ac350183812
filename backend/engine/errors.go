package engine

import (
	"fmt"
	"strings"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// InputError is a bad request: Field names what is wrong and Message says how to fix it.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

func badInput(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ValidationError carries every problem of a workflow definition, and why they stopped what
// was asked (Reason, a sentence for the user; empty: the definition cannot be stored at all).
type ValidationError struct {
	Reason   string
	Problems []workflow.Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msgs = append(msgs, p.Message)
	}
	s := fmt.Sprintf("the workflow has %d problem(s): %s", len(e.Problems), strings.Join(msgs, "; "))
	if e.Reason != "" {
		s = e.Reason + " " + strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// The reasons a ValidationError gives when a workflow with problems was stored as a draft but
// cannot run.
const (
	reasonEnable = "Fix these problems before switching the workflow on."
	reasonLive   = "This workflow is on, so saving would put these problems live; nothing was saved. Fix them, or switch the workflow off to save it as a draft."
)

// ConflictError is a write refused because of another record: a unique property's value that
// record already holds. Field names the property, RecordID the other record.
type ConflictError struct {
	Field    string
	Message  string
	RecordID int64
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }
