package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func subscriptionsLogged(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", ann)
	if subs, err := s.Subscriptions(ctx, ann.ID); err != nil || subs == nil || len(subs) != 0 {
		t.Fatalf("subscriptions of a new record: %#v %v, want an empty, non-nil list", subs, err)
	}
	changes := []*store.SubscriptionChange{
		{RecordID: ann.ID, Subscription: "marketing", Status: store.OptedIn, LegalBasis: "consent", Explanation: "form", Source: "api", At: T0},
		{RecordID: ann.ID, Subscription: "marketing", Status: store.OptedOut, Source: "workflow", EnrollmentID: en.ID, At: T0.Add(time.Hour)},
		{RecordID: ann.ID, Subscription: "billing", Status: store.OptedIn, At: T0.Add(time.Hour)},
	}
	wantPrev := []string{"", store.OptedIn, ""}
	write(t, s, func(tx store.Tx) error {
		for i, c := range changes {
			prev, err := tx.SetSubscription(c)
			if err != nil || prev != wantPrev[i] || c.Previous != wantPrev[i] {
				return fmt.Errorf("change %d: previous %q %v, want %q", i, prev, err, wantPrev[i])
			}
		}
		return nil
	})
	if err := s.Write(ctx, func(tx store.Tx) error {
		_, err := tx.SetSubscription(&store.SubscriptionChange{RecordID: ann.ID, Subscription: "marketing", Status: "maybe", At: T0})
		return err
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an unknown status: %v, want ErrConflict", err)
	}
	subs, err := s.Subscriptions(ctx, ann.ID)
	if err != nil || len(subs) != 2 || subs[0].Subscription != "billing" || subs[1].Status != store.OptedOut || subs[1].Source != "workflow" || !subs[1].UpdatedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("subscriptions %+v %v, want billing then marketing (opted out)", subs, err)
	}
	hist, err := s.SubscriptionHistory(ctx, ann.ID)
	if err != nil || len(hist) != 3 {
		t.Fatalf("history %+v %v, want 3 changes", hist, err)
	}
	if h := hist[1]; h.Previous != store.OptedIn || h.Status != store.OptedOut || h.EnrollmentID != en.ID || !h.At.Equal(T0.Add(time.Hour)) || h.ID != changes[1].ID {
		t.Fatalf("second change %+v", h)
	}
	if h := hist[0]; h.LegalBasis != "consent" || h.Explanation != "form" || h.Previous != "" {
		t.Fatalf("first change %+v", h)
	}
}

func apiTokensHashed(t *testing.T, s store.Store) {
	ctx := context.Background()
	if hashes, err := s.APITokenHashes(ctx); err != nil || len(hashes) != 0 {
		t.Fatalf("hashes of an empty store: %v %v", hashes, err)
	}
	var a, b *store.APIToken
	write(t, s, func(tx store.Tx) error {
		var err error
		if a, err = tx.AddAPIToken("ci", "fd_secret_one", T0); err != nil {
			return err
		}
		b, err = tx.AddAPIToken("laptop", "fd_secret_two", T0)
		return err
	})
	if a.ID == 0 || a.ID == b.ID || a.Name != "ci" || !a.CreatedAt.Equal(T0) {
		t.Fatalf("tokens %+v %+v", a, b)
	}
	hashes, err := s.APITokenHashes(ctx)
	if err != nil || len(hashes) != 2 || hashes[0] != store.HashToken("fd_secret_one") || hashes[1] != store.HashToken("fd_secret_two") {
		t.Fatalf("hashes %v %v, want the two tokens' hashes in order, never the tokens", hashes, err)
	}
}

func ownersRotate(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "w", ann)
	if pos, err := s.OwnerPosition(ctx, "w", "rotate"); err != nil || pos != 0 {
		t.Fatalf("position before any run: %d %v, want 0", pos, err)
	}
	owners := []string{"sam", "kim", "lee"}
	var got []string
	write(t, s, func(tx store.Tx) error {
		for range 4 {
			o, _, err := tx.NextOwner("w", "rotate", owners, T0)
			if err != nil {
				return err
			}
			got = append(got, o)
		}
		return nil
	})
	if fmt.Sprint(got) != "[sam kim lee sam]" {
		t.Fatalf("owners %v, want round robin", got)
	}
	if pos, _ := s.OwnerPosition(ctx, "w", "rotate"); pos != 1 {
		t.Fatalf("position %d, want 1 (kim next)", pos)
	}
	write(t, s, func(tx store.Tx) error {
		o, pos, err := tx.NextOwner("w", "rotate", []string{"kim", "lee"}, T0)
		if err != nil || o != "kim" || pos != 0 {
			return fmt.Errorf("after the list changed: %q at %d %v, want the new list's first", o, pos, err)
		}
		if _, _, err := tx.NextOwner("w", "rotate", nil, T0); err == nil {
			return errors.New("no owners: want an error")
		}
		return nil
	})
}

func actionAttemptsLogged(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", ann)
	key := fmt.Sprintf("enr-%d-step-hook-visit-1", en.ID)
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.LastTry(key); err != nil || n != 0 {
			return fmt.Errorf("last try before any: %d %v", n, err)
		}
		for i, outcome := range []string{store.AttemptFailed, store.AttemptDead} {
			a := &store.ActionAttempt{EnrollmentID: en.ID, WorkflowID: "w", StepID: "hook", StepType: "webhook", IdempotencyKey: key,
				Try: i + 1, Outcome: outcome, Target: "http://127.0.0.1:9/", StatusCode: 500, LatencyMS: 12, Error: "500 Internal Server Error",
				Response: "oops", Request: []byte(`{"method":"POST"}`), At: T0.Add(time.Duration(i) * time.Minute)}
			if err := tx.InsertActionAttempt(a); err != nil {
				return err
			}
		}
		if n, err := tx.LastTry(key); err != nil || n != 2 {
			return fmt.Errorf("last try: %d %v, want 2", n, err)
		}
		return tx.InsertActionAttempt(&store.ActionAttempt{EnrollmentID: en.ID, WorkflowID: "w", StepID: "mail", StepType: "send_email",
			IdempotencyKey: "other", Try: 1, Outcome: "ok", Target: "ann@example.com", At: T0})
	})
	all, err := s.ActionAttempts(ctx, store.AttemptQuery{EnrollmentID: en.ID, Limit: 10})
	if err != nil || len(all) != 3 || all[0].StepID != "mail" {
		t.Fatalf("attempts %+v %v, want 3, newest first", all, err)
	}
	dead, err := s.ActionAttempts(ctx, store.AttemptQuery{WorkflowID: "w", DeadOnly: true})
	if err != nil || len(dead) != 1 || dead[0].Try != 2 || string(dead[0].Request) != `{"method":"POST"}` || dead[0].StatusCode != 500 ||
		dead[0].Response != "oops" || !dead[0].At.Equal(T0.Add(time.Minute)) {
		t.Fatalf("dead letters %+v %v", dead, err)
	}
	if failed, _ := s.ActionAttempts(ctx, store.AttemptQuery{Key: key, FailedOnly: true}); len(failed) != 2 {
		t.Fatalf("failed for good: %d, want 2", len(failed))
	}
	if one, _ := s.ActionAttempts(ctx, store.AttemptQuery{ID: dead[0].ID}); len(one) != 1 || one[0].ID != dead[0].ID {
		t.Fatalf("by id: %+v", one)
	}
}
