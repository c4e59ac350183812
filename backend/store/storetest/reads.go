package storetest

import (
	"context"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

// The reads below are shared by the engine's own harness and the test rig above it
// (backend/internal/testrig), which cannot share code otherwise: the rig imports the engine.

// Trail is an enrollment's history as "step:outcome" strings ("outcome" for the lines of no
// step): the path it took, as tests compare it.
func Trail(t testing.TB, s store.Store, id int64) []string {
	t.Helper()
	hist, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range hist {
		line := e.Outcome
		if e.StepID != "" {
			line = e.StepID + ":" + e.Outcome
		}
		out = append(out, line)
	}
	return out
}

// LoadContact loads a contact by email, failing the test when there is none.
func LoadContact(t testing.TB, s store.Store, email string) *store.Record {
	t.Helper()
	rec, err := s.RecordByEmail(context.Background(), "contact", email)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// LoadEnrollment loads an enrollment, failing the test when there is none.
func LoadEnrollment(t testing.TB, s store.Store, id int64) *store.Enrollment {
	t.Helper()
	en, err := s.Enrollment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return en
}
