package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestTasksInsertListAndStatus(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rec := newContact(t, db, "ann@example.com", nil)
	due := t0.Add(48 * time.Hour)
	a := &Task{Title: "Call", Owner: "anna", DueAt: &due, RecordID: rec, WorkflowID: "wf", StepID: "call"}
	b := &Task{Title: "Mail", Owner: "bram"}
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.InsertTask(a, t0); err != nil {
			return err
		}
		return tx.InsertTask(b, t0)
	})
	got, err := db.Task(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Call" || got.Owner != "anna" || !got.DueAt.Equal(msTime(due)) || got.RecordID != rec || got.Status != TaskOpen ||
		!got.CreatedAt.Equal(msTime(t0)) || got.DoneAt != nil || got.EnrollmentID != 0 {
		t.Fatalf("task %+v", got)
	}
	if _, err := db.Task(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing task: %v", err)
	}
	mustWrite(t, db, func(tx Tx) error {
		d, err := tx.SetTaskStatus(a.ID, TaskDone, t0.Add(time.Hour))
		if err != nil {
			return err
		}
		if d.Status != TaskDone || !d.DoneAt.Equal(msTime(t0.Add(time.Hour))) {
			t.Errorf("done %+v", d)
		}
		// Done again keeps the first time; reopening clears it.
		if d, err = tx.SetTaskStatus(a.ID, TaskDone, t0.Add(2*time.Hour)); err != nil || !d.DoneAt.Equal(msTime(t0.Add(time.Hour))) {
			t.Errorf("done twice %+v %v", d, err)
		}
		if d, err = tx.SetTaskStatus(b.ID, TaskOpen, t0); err != nil || d.DoneAt != nil {
			t.Errorf("reopen %+v %v", d, err)
		}
		return nil
	})
	if err := tryWrite(db, func(tx Tx) error { _, err := tx.SetTaskStatus(a.ID, "late", t0); return err }); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	if err := tryWrite(db, func(tx Tx) error { _, err := tx.SetTaskStatus(42, TaskDone, t0); return err }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
	for _, tc := range []struct {
		q    TaskQuery
		want []int64
	}{
		{TaskQuery{}, []int64{a.ID, b.ID}},
		{TaskQuery{Status: TaskOpen}, []int64{b.ID}},
		{TaskQuery{Status: TaskDone}, []int64{a.ID}},
		{TaskQuery{Owner: "bram"}, []int64{b.ID}},
		{TaskQuery{RecordID: rec}, []int64{a.ID}},
		{TaskQuery{WorkflowID: "wf"}, []int64{a.ID}},
		{TaskQuery{After: a.ID}, []int64{b.ID}},
		{TaskQuery{Limit: 1}, []int64{a.ID}},
	} {
		ts, err := db.Tasks(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, x := range ts {
			ids = append(ids, x.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Fatalf("%+v: %v, want %v", tc.q, ids, tc.want)
		}
	}
}

func TestNextOwnerRotatesAndPersists(t *testing.T) {
	db := openTest(t)
	owners := []string{"a", "b", "c"}
	var got []string
	for i := 0; i < 4; i++ {
		mustWrite(t, db, func(tx Tx) error {
			o, _, err := tx.NextOwner("wf", "assign", owners, t0)
			got = append(got, o)
			return err
		})
	}
	// Another step of the same workflow keeps its own position.
	mustWrite(t, db, func(tx Tx) error {
		o, _, err := tx.NextOwner("wf", "other", owners, t0)
		got = append(got, o)
		return err
	})
	// A rolled-back write does not use a turn.
	boom := errors.New("boom")
	if err := tryWrite(db, func(tx Tx) error {
		if _, _, err := tx.NextOwner("wf", "assign", owners, t0); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	// Another list starts the rotation over with its first owner, then goes on in it.
	for range 2 {
		mustWrite(t, db, func(tx Tx) error {
			o, _, err := tx.NextOwner("wf", "assign", []string{"x", "y"}, t0)
			got = append(got, o)
			return err
		})
	}
	if want := []string{"a", "b", "c", "a", "a", "x", "y"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("owners %v, want %v", got, want)
	}
	if err := tryWrite(db, func(tx Tx) error { _, _, err := tx.NextOwner("wf", "assign", nil, t0); return err }); err == nil {
		t.Fatal("no owners accepted")
	}
	if pos, err := db.OwnerPosition(context.Background(), "wf", "assign"); err != nil || pos != 0 {
		t.Fatalf("position %d %v", pos, err)
	}
}

func TestSubscriptionsAndHistory(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rec := newContact(t, db, "ann@example.com", nil)
	var prevs []string
	for i, st := range []string{OptedIn, OptedIn, OptedOut} {
		mustWrite(t, db, func(tx Tx) error {
			p, err := tx.SetSubscription(&SubscriptionChange{RecordID: rec, Subscription: "marketing", Status: st, LegalBasis: "consent",
				Explanation: "form", Source: "wf/sub", At: t0.Add(time.Duration(i) * time.Minute)})
			prevs = append(prevs, p)
			return err
		})
	}
	if want := []string{"", OptedIn, OptedIn}; !reflect.DeepEqual(prevs, want) {
		t.Fatalf("previous %v, want %v", prevs, want)
	}
	if err := tryWrite(db, func(tx Tx) error {
		_, err := tx.SetSubscription(&SubscriptionChange{RecordID: rec, Subscription: "marketing", Status: "maybe", At: t0})
		return err
	}); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	subs, err := db.Subscriptions(ctx, rec)
	if err != nil || len(subs) != 1 || subs[0].Status != OptedOut || !subs[0].UpdatedAt.Equal(msTime(t0.Add(2*time.Minute))) || subs[0].Source != "wf/sub" {
		t.Fatalf("subscriptions %+v %v", subs, err)
	}
	hist, err := db.SubscriptionHistory(ctx, rec)
	if err != nil || len(hist) != 3 || hist[2].Previous != OptedIn || hist[2].Status != OptedOut || hist[0].Previous != "" {
		t.Fatalf("history %+v %v", hist, err)
	}
	if none, err := db.Subscriptions(ctx, rec+1); err != nil || len(none) != 0 {
		t.Fatalf("no subscriptions %v %v", none, err)
	}
}

func TestReserveSMSCountsOncePerKeyUpToTheCap(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	reserve := func(key string) SMSReservation {
		t.Helper()
		var r SMSReservation
		mustWrite(t, db, func(tx Tx) error {
			var err error
			r, err = tx.ReserveSMS("2026-03", key, 2, t0)
			return err
		})
		return r
	}
	if r := reserve("k1"); !r.Allowed || r.Sent != 1 || r.Repeat {
		t.Fatalf("first %+v", r)
	}
	if r := reserve("k1"); !r.Allowed || !r.Repeat || r.Sent != 1 {
		t.Fatalf("retry %+v", r)
	}
	if r := reserve("k2"); !r.Allowed || r.Sent != 2 {
		t.Fatalf("second %+v", r)
	}
	if r := reserve("k3"); r.Allowed || !r.Notify || r.Sent != 2 {
		t.Fatalf("over the cap %+v", r)
	}
	if r := reserve("k4"); r.Allowed || r.Notify {
		t.Fatalf("over the cap again (notified once) %+v", r)
	}
	if r := reserve("k2"); !r.Allowed || !r.Repeat {
		t.Fatalf("a retry of a counted message past the cap %+v", r)
	}
	mustWrite(t, db, func(tx Tx) error { return tx.ReleaseSMS("k2") })
	mustWrite(t, db, func(tx Tx) error { return tx.ReleaseSMS("never") })
	if n, err := db.SMSUsage(ctx, "2026-03"); err != nil || n != 1 {
		t.Fatalf("usage after release %d %v", n, err)
	}
	if r := reserve("k5"); !r.Allowed || r.Sent != 2 {
		t.Fatalf("after a release %+v", r)
	}
	if n, _ := db.SMSUsage(ctx, "2026-04"); n != 0 {
		t.Fatalf("April %d", n)
	}
	mustWrite(t, db, func(tx Tx) error {
		r, err := tx.ReserveSMS("2026-04", "k9", 0, t0) // 0: no cap
		if err == nil && !r.Allowed {
			t.Error("no cap refused")
		}
		return err
	})
}

func TestNotificationUser(t *testing.T) {
	db := openTest(t)
	mustWrite(t, db, func(tx Tx) error {
		return tx.AddNotification(&Notification{Kind: "workflow", Title: "t", Body: "b", User: "anna"}, t0)
	})
	ns, err := db.Notifications(context.Background(), false, 10)
	if err != nil || len(ns) != 1 || ns[0].User != "anna" {
		t.Fatalf("notifications %+v %v", ns, err)
	}
}
