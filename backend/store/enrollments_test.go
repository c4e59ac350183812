package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestEnrollmentLifecycle(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	wf := newWorkflow(t, db, "wf")
	rec := newContact(t, db, "ann@x.com", nil)

	state := func() (open, ever bool) {
		t.Helper()
		mustWrite(t, db, func(tx Tx) error {
			var err error
			open, ever, err = tx.EnrollmentState(wf, rec)
			return err
		})
		return open, ever
	}
	if open, ever := state(); open || ever {
		t.Fatalf("before enrolling: open %v ever %v", open, ever)
	}
	e := &Enrollment{WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusActive, CurrentStep: "a",
		TriggerID: "t-event", EventID: 42, Reason: json.RawMessage(`{"matched":{"city":"Dublin"}}`)}
	mustWrite(t, db, func(tx Tx) error { return tx.InsertEnrollment(e, t0) })
	got, err := db.Enrollment(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &Enrollment{ID: e.ID, WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusActive, CurrentStep: "a",
		TriggerID: "t-event", EventID: 42, Reason: json.RawMessage(`{"matched":{"city":"Dublin"}}`),
		CreatedAt: msTime(t0), UpdatedAt: msTime(t0)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Enrollment = %+v\nwant %+v", got, want)
	}
	if open, ever := state(); !open || !ever {
		t.Fatalf("enrolled: open %v ever %v", open, ever)
	}

	second := &Enrollment{WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusWaiting}
	wantErr(t, tryWrite(db, func(tx Tx) error { return tx.InsertEnrollment(second, t0) }), ErrConflict)

	// Waiting is still open and unfinished.
	t1 := t0.Add(time.Minute)
	mustWrite(t, db, func(tx Tx) error { return tx.UpdateEnrollment(e.ID, StatusWaiting, "wait", 2, "", t1) })
	got, _ = db.Enrollment(ctx, e.ID)
	if got.Status != StatusWaiting || got.CurrentStep != "wait" || got.StepsRun != 2 || got.FinishedAt != nil || !got.UpdatedAt.Equal(msTime(t1)) {
		t.Fatalf("after waiting: %+v", got)
	}

	t2 := t0.Add(time.Hour)
	mustWrite(t, db, func(tx Tx) error { return tx.UpdateEnrollment(e.ID, StatusCompleted, "end", 5, "", t2) })
	got, _ = db.Enrollment(ctx, e.ID)
	if got.Status != StatusCompleted || got.FinishedAt == nil || !got.FinishedAt.Equal(msTime(t2)) {
		t.Fatalf("after completion: %+v", got)
	}
	if open, ever := state(); open || !ever {
		t.Fatalf("completed: open %v ever %v", open, ever)
	}
	// Re-enrollment after completion is allowed.
	again := &Enrollment{WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusActive, CurrentStep: "a"}
	mustWrite(t, db, func(tx Tx) error { return tx.InsertEnrollment(again, t2) })
	if again.ID == e.ID || string(again.Reason) != "{}" {
		t.Fatalf("re-enrollment %+v", again)
	}
	// Reopening the finished one now would make two open enrollments.
	wantErr(t, tryWrite(db, func(tx Tx) error { return tx.UpdateEnrollment(e.ID, StatusActive, "a", 5, "", t2) }), ErrConflict)

	for _, st := range []string{StatusFailed, StatusCancelled} {
		mustWrite(t, db, func(tx Tx) error { return tx.UpdateEnrollment(again.ID, st, "a", 1, "why", t2) })
		got, _ := db.Enrollment(ctx, again.ID)
		if got.Status != st || got.FinishedAt == nil || got.Error != "why" {
			t.Fatalf("after %s: %+v", st, got)
		}
	}
	// Not found, and a version or record that does not exist is refused (foreign keys are on).
	if _, err := db.Enrollment(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing enrollment: %v", err)
	}
	if err := tryWrite(db, func(tx Tx) error {
		return tx.InsertEnrollment(&Enrollment{WorkflowID: wf, Version: 7, RecordID: rec, Status: StatusActive}, t0)
	}); err == nil {
		t.Fatal("enrollment into a missing version accepted")
	}
	if err := tryWrite(db, func(tx Tx) error {
		return tx.InsertEnrollment(&Enrollment{WorkflowID: wf, Version: 1, RecordID: 9999, Status: StatusActive}, t0)
	}); err == nil {
		t.Fatal("enrollment of a missing record accepted")
	}
}

func TestEnrollmentsQuery(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a, b := newWorkflow(t, db, "a"), newWorkflow(t, db, "b")
	r1, r2 := newContact(t, db, "r1@x.com", nil), newContact(t, db, "r2@x.com", nil)
	e1 := newEnrollment(t, db, a, r1, "s", t0).ID
	e2 := newEnrollment(t, db, a, r2, "s", t0).ID
	e3 := newEnrollment(t, db, b, r1, "s", t0).ID
	mustWrite(t, db, func(tx Tx) error { return tx.UpdateEnrollment(e1, StatusCompleted, "", 1, "", t0) })
	e4 := newEnrollment(t, db, a, r1, "s", t0).ID
	e5 := newEnrollment(t, db, b, r2, "s", t0).ID

	scenarios := []struct {
		name string
		q    EnrollmentQuery
		want []int64
	}{
		{"all newest first", EnrollmentQuery{}, []int64{e5, e4, e3, e2, e1}},
		{"workflow", EnrollmentQuery{WorkflowID: a}, []int64{e4, e2, e1}},
		{"record", EnrollmentQuery{RecordID: r1}, []int64{e4, e3, e1}},
		{"status", EnrollmentQuery{Status: StatusCompleted}, []int64{e1}},
		{"workflow and record", EnrollmentQuery{WorkflowID: a, RecordID: r1}, []int64{e4, e1}},
		{"page 1", EnrollmentQuery{Limit: 2}, []int64{e5, e4}},
		{"page 2", EnrollmentQuery{Limit: 2, Before: e4}, []int64{e3, e2}},
		{"page 3", EnrollmentQuery{Limit: 2, Before: e2}, []int64{e1}},
		{"none", EnrollmentQuery{WorkflowID: "zzz"}, nil},
	}
	for _, sc := range scenarios {
		list, err := db.Enrollments(ctx, sc.q)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		var got []int64
		for _, e := range list {
			got = append(got, e.ID)
		}
		if !reflect.DeepEqual(got, sc.want) {
			t.Errorf("%s: got %v, want %v", sc.name, got, sc.want)
		}
	}
}
