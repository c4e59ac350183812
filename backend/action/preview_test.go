package action_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// TestPreviewSMSMatchesTheSend: a simulation's SMS fails and skips exactly where a send does,
// because both build the message the same way (an invalid number used to be a skip in the
// preview and a failure in production).
func TestPreviewSMSMatchesTheSend(t *testing.T) {
	s := newStack(t, action.Config{}, engine.RetryPolicy{})
	send := action.New(action.Config{DB: s.db})[workflow.StepSMS]
	preview := action.Preview(action.Config{DB: s.db})[workflow.StepSMS]
	wf := &workflow.Definition{ID: "wf", Name: "WF"}
	for _, c := range []struct {
		name, to, text, want string
	}{
		{"not a phone number", "call me", "Hi", "failed"},
		{"no number for this record", "{{contact.phone}}", "Hi", "skipped"},
		{"empty text", "+31612345678", "{{contact.nothing | default \"\"}}", "skipped"},
		{"a broken token", "+31612345678", "Hi {{contact.first_name", "failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := engine.ActionInput{Step: &workflow.Step{ID: "text", Type: workflow.StepSMS, To: workflow.Strings{c.to}, Text: c.text},
				Workflow: wf, Record: map[string]any{}, IdempotencyKey: "k-" + c.name, Try: 1, Now: time.Now()}
			got, sent := preview.Run(context.Background(), in), send.Run(context.Background(), in)
			if got.Outcome != c.want || sent.Outcome != c.want || got.Error != sent.Error {
				t.Fatalf("preview %s %q, send %s %q; want both %s with one reason", got.Outcome, got.Error, sent.Outcome, sent.Error, c.want)
			}
		})
	}
}
