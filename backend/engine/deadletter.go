package engine

import (
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/explain"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// DeadLetterKind is the kind of the in-app notification a dead letter adds.
const DeadLetterKind = "delivery_dead"

// deadLetterEvery is how often one step's dead letters may add a notification: the first in an
// hour does, the later ones are on the step's card and the workflow list.
const deadLetterEvery = time.Hour

// deadLetterNotice is the notification of a dead letter of step s: titled by workflow and step
// (one subject per step), its body naming the recipient and the last error in words, linked to the
// enrollment (so an erasure of the record clears the body).
func deadLetterNotice(def *workflow.Definition, s *workflow.Step, enrollmentID int64, email, target string, tries, status int, lastErr string) *store.Notification {
	label := s.Name
	if label == "" {
		label = s.ID
	}
	what := "the " + stepNoun(s.Type)
	switch {
	case s.Type == "send_email" && email != "":
		what += " to " + email
	case target != "":
		what += " to " + target
	}
	body := fmt.Sprintf("%s: %s failed for good after %d tries: %s", def.Name, what, tries, explain.Or(s.Type, status, lastErr))
	return &store.Notification{Kind: DeadLetterKind, Title: fmt.Sprintf("%s: %s failed", def.Name, label), Body: body,
		Link: fmt.Sprintf("/enrollments/%d", enrollmentID)}
}

// stepNoun names what an outbound step sends.
func stepNoun(typ string) string {
	switch typ {
	case "send_email", "internal_email":
		return "email"
	case "sms":
		return "SMS"
	case "slack":
		return "Slack message"
	case "webhook":
		return "webhook"
	}
	return typ
}

// notifyOncePerHour adds n unless a notification of its kind and title came within the hour.
func notifyOncePerHour(tx store.Tx, n *store.Notification, now time.Time) error {
	seen, err := tx.NotifiedSince(n.Kind, n.Title, now.Add(-deadLetterEvery))
	if err != nil || seen {
		return err
	}
	c := *n // a commit may run again after a rollback
	return tx.AddNotification(&c, now)
}
