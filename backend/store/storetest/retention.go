package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func retentionPrunes(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob, cy := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil), contact(t, s, "cy@example.com", nil)
	var events []*store.Event
	write(t, s, func(tx store.Tx) error {
		for i := range 4 {
			ev := &store.Event{Type: "form.submitted", RecordID: ann.ID, OccurredAt: T0, ReceivedAt: T0.Add(time.Duration(i) * time.Minute)}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			events = append(events, ev)
		}
		return nil
	})
	old := enrollment(t, s, "w", ann)
	open := enrollment(t, s, "w", bob)
	recent := enrollment(t, s, "w", cy)
	write(t, s, func(tx store.Tx) error {
		if err := tx.AppendHistory(store.HistoryEntry{EnrollmentID: old.ID, StepID: "a", StepType: "delay", Outcome: store.HistOK, At: T0},
			store.HistoryEntry{EnrollmentID: old.ID, Outcome: store.HistCompleted, At: T0}); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(old.ID, store.StatusCompleted, "", 1, "", T0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(recent.ID, store.StatusFailed, "a", 1, "boom", T0.Add(48*time.Hour)); err != nil {
			return err
		}
		// an event a pending job refers to stays
		return tx.PutJob(&store.Job{EnrollmentID: open.ID, RecordID: bob.ID, StepID: "a", Kind: store.JobResume, Outcome: store.OutcomeEvent, EventID: events[1].ID, RunAt: T0})
	})
	before := T0.Add(24 * time.Hour)
	b, history, err := s.PruneEnrollments(ctx, before, 10)
	if err != nil || b.Rows != 1 || history != 2 || b.More {
		t.Fatalf("prune enrollments: %+v, %d history lines, %v; want the one finished before the cut with its 2 lines", b, history, err)
	}
	if _, err := s.Enrollment(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a pruned enrollment: %v", err)
	}
	for _, en := range []*store.Enrollment{open, recent} {
		if _, err := s.Enrollment(ctx, en.ID); err != nil {
			t.Fatalf("an open or recent enrollment was pruned: %v", err)
		}
	}
	var pruned int64
	after := int64(0)
	for range 10 {
		b, last, err := s.PruneEvents(ctx, before, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if last < after {
			t.Fatalf("the cursor went back from %d to %d", after, last)
		}
		pruned, after = pruned+b.Rows, last
		if !b.More {
			break
		}
	}
	if pruned != 3 {
		t.Fatalf("pruned %d events, want 3 (the one a job refers to stays)", pruned)
	}
	if _, err := s.Event(ctx, events[1].ID); err != nil {
		t.Fatalf("the event a pending job refers to: %v", err)
	}
	if n, _ := s.CountEvents(ctx); n != 1 {
		t.Fatalf("%d events left, want 1", n)
	}

	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateHookEndpoint(&store.HookEndpoint{ID: "h", Key: "k", Name: "h", Config: "{}"}, T0); err != nil {
			return err
		}
		var reqs []*store.HookRequest
		for i := range 3 {
			r := &store.HookRequest{EndpointID: "h", ReceivedAt: T0.Add(time.Duration(i) * time.Minute), Outcome: "applied"}
			if err := tx.InsertHookRequest(r); err != nil {
				return err
			}
			reqs = append(reqs, r)
		}
		return tx.HoldHookDelivery(&store.HookDelayed{EndpointID: "h", RequestID: reqs[0].ID, DueAt: T0.Add(72 * time.Hour), Payload: "{}"})
	})
	hb, err := s.PruneHookRequests(ctx, before, 1)
	if err != nil || hb.Rows != 1 || !hb.More {
		t.Fatalf("first batch %+v %v, want 1 and more", hb, err)
	}
	hb, _ = s.PruneHookRequests(ctx, before, 1)
	if hb.Rows != 1 {
		t.Fatalf("second batch %+v, want 1", hb)
	}
	if hb, _ = s.PruneHookRequests(ctx, before, 1); hb.Rows != 0 || hb.More {
		t.Fatalf("third batch %+v, want none: the held delivery's line stays", hb)
	}
	if left, _ := s.HookRequests(ctx, "h", 0, 10); len(left) != 1 {
		t.Fatalf("%d lines left, want the held one", len(left))
	}
}

func jobsDroppedAndReleased(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil)
	a, b := job(t, s, ann, "w1", T0), job(t, s, bob, "w2", T0)
	held := claim(t, s, T0, 10)
	if len(held) != 2 {
		t.Fatalf("claimed %d, want 2", len(held))
	}
	heldA, heldB := held[0], held[1]
	if heldA.ID != a.ID {
		heldA, heldB = heldB, heldA
	}
	write(t, s, func(tx store.Tx) error {
		if tx.Context() == nil {
			return errors.New("a transaction without a context")
		}
		return tx.DeleteJob(a.EnrollmentID)
	})
	if finish(t, s, heldA) {
		t.Fatal("a claim on a dropped job finished")
	}
	var n int64
	write(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.ReleaseAllLeases()
		return err
	})
	if n != 1 {
		t.Fatalf("released %d leases, want the one still running", n)
	}
	got := claim(t, s, T0.Add(time.Second), 10)
	if len(got) != 1 || got[0].ID != b.ID || got[0].Attempt != heldB.Attempt+1 {
		t.Fatalf("after the release %+v, want b claimable again within its old lease, at the next attempt", got)
	}
	if finish(t, s, heldB) {
		t.Fatal("the claim from before the release finished the job")
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v <= 0 {
		t.Fatalf("schema version %d %v, want the migrations applied", v, err)
	}
	if c := s.Commits(); c <= 0 {
		t.Fatalf("commits %d after several writes", c)
	}
}
