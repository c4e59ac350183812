package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

func scenariosNamed(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := &store.Scenario{WorkflowID: "w1", Name: "viewer", Body: json.RawMessage(`{"name":"viewer"}`)}
	write(t, s, func(tx store.Tx) error { return tx.PutScenario(a, T0) })
	if a.ID == 0 {
		t.Fatal("a new scenario got no id")
	}
	// the same name in another workflow is fine; in the same one it is a conflict
	write(t, s, func(tx store.Tx) error {
		return tx.PutScenario(&store.Scenario{WorkflowID: "w2", Name: "viewer", Body: json.RawMessage(`{}`)}, T0)
	})
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutScenario(&store.Scenario{WorkflowID: "w1", Name: "viewer", Body: json.RawMessage(`{}`)}, T0)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second scenario named viewer in w1: %v, want ErrConflict", err)
	}
	a.Body = json.RawMessage(`{"name":"viewer","v":2}`)
	write(t, s, func(tx store.Tx) error { return tx.PutScenario(a, T0) })
	got, err := s.Scenario(ctx, a.ID)
	if err != nil || string(got.Body) != `{"name":"viewer","v":2}` || got.WorkflowID != "w1" {
		t.Fatalf("scenario read back: %+v %v", got, err)
	}
	list, err := s.Scenarios(ctx, "w1")
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("scenarios of w1: %+v %v", list, err)
	}
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.PutScenario(&store.Scenario{ID: a.ID + 100, WorkflowID: "w1", Name: "x", Body: json.RawMessage(`{}`)}, T0)
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replacing a missing scenario: %v, want ErrNotFound", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteScenario("w1", a.ID) })
	if _, err := s.Scenario(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted scenario: %v, want ErrNotFound", err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteScenario("w1", a.ID) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting it again: %v", fmt.Sprint(err))
	}
}
