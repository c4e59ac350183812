package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func workflowVersionsTagsDefinitions(t *testing.T, s store.Store) {
	ctx := context.Background()
	later := T0.Add(time.Hour)
	write(t, s, func(tx store.Tx) error {
		for _, w := range []*store.Workflow{
			{ID: "b", Name: "beta", Object: "contact", Definition: json.RawMessage(`{"v":1}`)},
			{ID: "a", Name: "Alpha", Object: "contact", Definition: json.RawMessage(`{"draft":true}`)},
		} {
			if err := tx.CreateWorkflow(w, T0); err != nil {
				return err
			}
		}
		if _, err := tx.SnapshotVersion("b", T0); err != nil {
			return err
		}
		if err := tx.SetWorkflowEnabled("b", true, 1, T0); err != nil {
			return err
		}
		if err := tx.UpdateWorkflow(&store.Workflow{ID: "b", Name: "beta", Object: "contact", Definition: json.RawMessage(`{"v":2}`)}, 0, later); err != nil {
			return err
		}
		if _, err := tx.SnapshotVersion("b", later); err != nil {
			return err
		}
		return tx.SetWorkflowTags("a", []string{"onboarding", "q3"})
	})
	vs, err := s.WorkflowVersions(ctx, "b")
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || string(vs[0].Definition) != `{"v":1}` || vs[1].Version != 2 || !vs[1].CreatedAt.Equal(later) {
		t.Fatalf("versions %+v %v, want 1 then 2", vs, err)
	}
	if vs, err := s.WorkflowVersions(ctx, "a"); err != nil || len(vs) != 0 {
		t.Fatalf("versions of a draft %+v %v, want none", vs, err)
	}
	a, err := s.Workflow(ctx, "a")
	if err != nil || !reflect.DeepEqual(a.Tags, []string{"onboarding", "q3"}) || a.Revision != 1 {
		t.Fatalf("tagged workflow %+v %v, want its tags and its revision unchanged", a, err)
	}
	if b, _ := s.Workflow(ctx, "b"); b.Tags == nil || len(b.Tags) != 0 {
		t.Fatalf("an untagged workflow's tags: %#v, want an empty, non-nil list", b.Tags)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.SetWorkflowTags("nope", nil) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("tag a missing workflow: %v, want ErrNotFound", err)
	}
	check := func(defs []store.WorkflowDefinitions) {
		t.Helper()
		if len(defs) != 2 || defs[0].ID != "a" || defs[1].ID != "b" {
			t.Fatalf("definitions %+v, want a then b (by name, ignoring case)", defs)
		}
		if defs[0].Live != nil || string(defs[0].Draft) != `{"draft":true}` || string(defs[1].Live) != `{"v":1}` || string(defs[1].Draft) != `{"v":2}` {
			t.Fatalf("definitions %+v: a never went live; b runs version 1 with a newer draft", defs)
		}
	}
	defs, err := s.WorkflowDefinitions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(defs)
	write(t, s, func(tx store.Tx) error {
		defs, err := tx.WorkflowDefinitions()
		if err == nil {
			check(defs)
		}
		if err := tx.TrashWorkflow("a", false, later); err != nil {
			return err
		}
		if defs, err := tx.WorkflowDefinitions(); err != nil || len(defs) != 1 {
			t.Errorf("definitions after a is trashed, in the write: %+v %v, want b only", defs, err)
		}
		return err
	})
}
