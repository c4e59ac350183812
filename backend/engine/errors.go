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

// ValidationError carries every problem of a workflow definition.
type ValidationError struct {
	Problems []workflow.Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msgs = append(msgs, p.Message)
	}
	return fmt.Sprintf("the workflow has %d problem(s): %s", len(e.Problems), strings.Join(msgs, "; "))
}
