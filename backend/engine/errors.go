package engine

import (
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Bad input is a *problem.Error (the one problem type): CodeInput for request fields,
// CodeWorkflow for a definition, every problem at once.

func badInput(field, format string, args ...any) *problem.Error {
	return problem.Field(field, format, args...)
}

// InvalidWorkflow is a definition's problems, and why they stopped what was asked (reason, a
// sentence for the user; empty: the definition cannot be stored at all).
func InvalidWorkflow(reason string, problems []workflow.Problem) *problem.Error {
	return &problem.Error{Code: problem.CodeWorkflow, Subject: "the workflow", Reason: reason, Problems: problems}
}

// The reasons InvalidWorkflow gives when a workflow with problems was stored as a draft but
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
