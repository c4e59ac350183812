package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func trashCancelRestorePurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil)
	open := []*store.Enrollment{enrollment(t, s, "w", ann), enrollment(t, s, "w", bob)}
	enrollment(t, s, "keep", ann)
	write(t, s, func(tx store.Tx) error { return tx.SetWorkflowEnabled("w", true, 1, T0) })
	now := T0.Add(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.TrashWorkflow("w", true, now) })
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.TrashWorkflow("w", true, now) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("trash a workflow twice: %v, want ErrNotFound", err)
	}
	if _, err := s.Workflow(ctx, "w"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a trashed workflow is still loaded: %v", err)
	}
	if all, _ := s.Workflows(ctx); len(all) != 1 || all[0].ID != "keep" {
		t.Fatalf("workflows %+v, want only keep", all)
	}
	tw, err := s.TrashedWorkflow(ctx, "w")
	if err != nil || !tw.CancelOpen || tw.Open != 2 || tw.Enrollments != 2 || tw.PurgeAt != nil || !tw.DeletedAt.Equal(now) || tw.Versions != 1 {
		t.Fatalf("trashed workflow %+v %v", tw, err)
	}
	if _, err := s.TrashedWorkflow(ctx, "keep"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a workflow not in the Trash: %v, want ErrNotFound", err)
	}
	if ids, err := s.CancellingWorkflows(ctx); err != nil || !reflect.DeepEqual(ids, []string{"w"}) {
		t.Fatalf("cancelling workflows %v %v, want [w]", ids, err)
	}
	if cancel, purge, err := s.TrashToWork(ctx); err != nil || !reflect.DeepEqual(cancel, []string{"w"}) || len(purge) != 0 {
		t.Fatalf("trash work: cancel %v purge %v %v, want cancel [w]", cancel, purge, err)
	}
	var total int64
	for {
		b, err := s.CancelTrashedEnrollments(ctx, "w", 1, now)
		if err != nil {
			t.Fatal(err)
		}
		total += b.Rows
		if !b.More {
			break
		}
	}
	if total != 2 {
		t.Fatalf("cancelled %d, want 2", total)
	}
	wantCancelled(t, s, open, "the workflow was deleted", now)
	if n := rollupCount(t, s, "w", store.HistCancelled); n != 2 {
		t.Fatalf("the rollup counts %d cancellations, want 2", n)
	}
	if cancel, purge, _ := s.TrashToWork(ctx); len(cancel) != 0 || len(purge) != 0 {
		t.Fatalf("trash work after the cancel: %v %v, want none", cancel, purge)
	}

	write(t, s, func(tx store.Tx) error { return tx.RestoreWorkflow("w", now) })
	got, err := s.Workflow(ctx, "w")
	if err != nil || got.Enabled {
		t.Fatalf("restored workflow %+v %v, want it back and off", got, err)
	}
	if trash, _ := s.Trash(ctx); len(trash) != 0 {
		t.Fatalf("the Trash after the restore: %+v", trash)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.RestoreWorkflow("w", now) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("restore a workflow not in the Trash: %v, want ErrNotFound", err)
	}

	write(t, s, func(tx store.Tx) error {
		if err := tx.TrashWorkflow("w", false, now); err != nil {
			return err
		}
		return tx.RequestPurge("w", now)
	})
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.RestoreWorkflow("w", now) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("restore a workflow being purged: %v, want ErrConflict", err)
	}
	if trash, err := s.Trash(ctx); err != nil || len(trash) != 1 || trash[0].PurgeAt == nil || trash[0].PurgeTotal != 2 {
		t.Fatalf("the Trash %+v %v, want w with its purge asked for over 2 enrollments", trash, err)
	}
	if _, purge, _ := s.TrashToWork(ctx); !reflect.DeepEqual(purge, []string{"w"}) {
		t.Fatalf("purge work %v, want [w]", purge)
	}
	for range 10 {
		b, err := s.PurgeWorkflow(ctx, "w", 1)
		if err != nil {
			t.Fatal(err)
		}
		if !b.More {
			break
		}
	}
	if _, err := s.TrashedWorkflow(ctx, "w"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a purged workflow is still in the Trash: %v", err)
	}
	for _, en := range open {
		if _, err := s.Enrollment(ctx, en.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a purged workflow's enrollment %d: %v, want ErrNotFound", en.ID, err)
		}
	}
	if rows, _ := s.Rollup(ctx, "w", T0, now); len(rows) != 0 {
		t.Fatalf("a purged workflow's rollup: %+v", rows)
	}
	if ens, _ := s.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: "keep", Limit: 10}); len(ens) != 1 {
		t.Fatalf("another workflow's enrollments after the purge: %+v", ens)
	}
}

func trashExpires(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "old", ann)
	enrollment(t, s, "new", ann)
	write(t, s, func(tx store.Tx) error {
		if err := tx.TrashWorkflow("old", false, T0); err != nil {
			return err
		}
		return tx.TrashWorkflow("new", false, T0.Add(48*time.Hour))
	})
	now := T0.Add(72 * time.Hour)
	if n, err := s.ExpireTrash(ctx, T0.Add(24*time.Hour), now); err != nil || n != 1 {
		t.Fatalf("expired %d %v, want 1", n, err)
	}
	trash, err := s.Trash(ctx)
	if err != nil || len(trash) != 2 || trash[0].ID != "new" || trash[0].PurgeAt != nil || trash[1].ID != "old" || trash[1].PurgeAt == nil || !trash[1].PurgeAt.Equal(now) {
		t.Fatalf("the Trash %+v %v, want new (kept) then old (purge asked for at %v)", trash, err, now)
	}
	if n, _ := s.ExpireTrash(ctx, T0.Add(24*time.Hour), now); n != 0 {
		t.Fatalf("expired again: %d, want 0", n)
	}
}
