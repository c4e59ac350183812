package store

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAppendHistory(t *testing.T) {
	db := openTest(t)
	wf := newWorkflow(t, db, "wf")
	e := newEnrollment(t, db, wf, newContact(t, db, "ann@x.com", nil), "a", t0)
	entries := []HistoryEntry{
		{EnrollmentID: e.ID, Outcome: HistEnrolled, At: t0},
		{EnrollmentID: e.ID, StepID: "a", StepType: "branch", Outcome: HistOK, Detail: json.RawMessage(`{"branch":"Watched"}`), At: t0},
		{EnrollmentID: e.ID, StepID: "b", StepType: "delay", Outcome: HistWaiting, At: t0.Add(time.Second)},
	}
	mustWrite(t, db, func(tx Tx) error { return tx.AppendHistory(entries...) })
	mustWrite(t, db, func(tx Tx) error {
		return tx.AppendHistory(HistoryEntry{EnrollmentID: e.ID, StepID: "b", StepType: "delay", Outcome: HistResumed, At: t0.Add(time.Hour)})
	})
	got, err := db.History(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{HistEnrolled, HistOK, HistWaiting, HistResumed}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, h := range got {
		if h.Outcome != want[i] || h.EnrollmentID != e.ID {
			t.Errorf("entry %d: %+v, want outcome %s", i, h, want[i])
		}
		if i > 0 && h.ID <= got[i-1].ID {
			t.Errorf("entry %d: id %d not after %d", i, h.ID, got[i-1].ID)
		}
	}
	if string(got[0].Detail) != "{}" || string(got[1].Detail) != `{"branch":"Watched"}` {
		t.Errorf("details %s, %s", got[0].Detail, got[1].Detail)
	}
	if got[1].StepID != "a" || got[1].StepType != "branch" || !got[3].At.Equal(msTime(t0.Add(time.Hour))) {
		t.Errorf("fields lost: %+v, %+v", got[1], got[3])
	}
	// A history line for an enrollment that does not exist is refused.
	if err := tryWrite(db, func(tx Tx) error {
		return tx.AppendHistory(HistoryEntry{EnrollmentID: 9999, Outcome: HistOK, At: t0})
	}); err == nil {
		t.Fatal("history of a missing enrollment accepted")
	}
}

func TestStats(t *testing.T) {
	db := openTest(t)
	wf, other := newWorkflow(t, db, "wf"), newWorkflow(t, db, "other")
	var recs []int64
	for _, e := range []string{"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com", "g@x.com", "h@x.com", "i@x.com"} {
		recs = append(recs, newContact(t, db, e, nil))
	}
	newEnrollment(t, db, wf, recs[0], "send", t0)
	newEnrollment(t, db, wf, recs[1], "send", t0)
	w := newEnrollment(t, db, wf, recs[2], "send", t0)
	c := newEnrollment(t, db, wf, recs[3], "send", t0)
	fl := newEnrollment(t, db, wf, recs[4], "send", t0)
	goal := newEnrollment(t, db, wf, recs[5], "send", t0)
	out := newEnrollment(t, db, wf, recs[6], "wait", t0)
	// two completed with errors, with different failure counts: one status, summed
	errs1 := newEnrollment(t, db, wf, recs[7], "send", t0)
	errs2 := newEnrollment(t, db, wf, recs[8], "send", t0)
	newEnrollment(t, db, other, recs[0], "send", t0)
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.UpdateEnrollment(w.ID, StatusWaiting, "wait", 1, "", t0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(c.ID, StatusCompleted, "send", 2, "", t0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(fl.ID, StatusFailed, "send", 2, "boom", t0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(goal.ID, StatusGoalReached, "send", 1, "", t0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(out.ID, StatusUnenrolled, "wait", 1, "", t0); err != nil {
			return err
		}
		for _, e := range []struct {
			id     int64
			failed int
		}{{errs1.ID, 1}, {errs2.ID, 3}} {
			if err := tx.CountFailedSteps(e.id, e.failed); err != nil {
				return err
			}
			if err := tx.UpdateEnrollment(e.id, StatusCompleted, "send", 2, "", t0); err != nil {
				return err
			}
		}
		for _, p := range []struct {
			name string
			n    int
		}{{"A", 3}, {"B", 2}, {"A", 1}} {
			if err := tx.CountStep(wf, PathKey("ab", p.name), p.n, 0); err != nil {
				return err
			}
		}
		for _, cnt := range []struct {
			wf, step string
			ok, bad  int
		}{{wf, "send", 2, 0}, {wf, "send", 1, 1}, {wf, "wait", 3, 0}, {other, "send", 9, 9}} {
			if err := tx.CountStep(cnt.wf, cnt.step, cnt.ok, cnt.bad); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := db.Stats(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	want := &WorkflowStats{
		Enrollments: map[string]int64{StatusActive: 2, StatusWaiting: 1, StatusCompleted: 1, StatusCompletedWithErrors: 2, StatusFailed: 1, StatusCancelled: 0,
			StatusGoalReached: 1, StatusUnenrolled: 1},
		Steps: map[string]*StepStats{
			"send": {Active: 2, Completed: 3, Failed: 1},
			"wait": {Waiting: 1, Completed: 3},
			"ab":   {Paths: map[string]int64{"A": 4, "B": 2}},
		},
		GoalConversion: 1.0 / 9,
	}
	for _, c := range []struct {
		status string
		want   int64
	}{{StatusGoalReached, goal.ID}, {StatusUnenrolled, out.ID}, {StatusCompleted, c.ID}} {
		ens, err := db.Enrollments(context.Background(), EnrollmentQuery{WorkflowID: wf, Status: c.status})
		if err != nil || len(ens) != 1 || ens[0].ID != c.want || ens[0].Status != c.status {
			t.Fatalf("enrollments with status %s: %+v, %v; want only %d", c.status, ens, err, c.want)
		}
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("Stats = %s\nwant %s", gj, wj)
	}
	// The canvas polls this: it must stream the covering index, not sort every enrollment.
	plan, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+statsByStatus, wf)
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	for plan.Next() {
		var id, parent, unused int
		var detail string
		if err := plan.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(detail, "TEMP B-TREE") || !strings.Contains(detail, "COVERING INDEX") {
			t.Errorf("stats query plan step %q: want a covering index scan with no sort", detail)
		}
	}
	empty, err := db.Stats(context.Background(), "none")
	if err != nil || len(empty.Steps) != 0 || empty.Enrollments[StatusActive] != 0 || len(empty.Enrollments) != len(Statuses) {
		t.Fatalf("Stats of an unknown workflow = %+v, %v", empty, err)
	}
}

// Migration 0009's backfill: an enrollment from before the failed_steps column counts the failed
// step entries of its history (not the enrollment-level one), so an old send failure reads
// completed_with_errors after the upgrade.
func TestFailedStepsBackfillCountsFailedStepEntries(t *testing.T) {
	db := openTest(t)
	wf := newWorkflow(t, db, "wf")
	old := newEnrollment(t, db, wf, newContact(t, db, "ann@x.com", nil), "send", t0)
	clean := newEnrollment(t, db, wf, newContact(t, db, "bob@x.com", nil), "send", t0)
	mustWrite(t, db, func(tx Tx) error {
		for _, id := range []int64{old.ID, clean.ID} {
			if err := tx.UpdateEnrollment(id, StatusCompleted, "", 3, "", t0); err != nil {
				return err
			}
		}
		return tx.AppendHistory(
			HistoryEntry{EnrollmentID: old.ID, StepID: "send", StepType: "webhook", Outcome: HistFailed, At: t0},
			HistoryEntry{EnrollmentID: old.ID, StepID: "mail", StepType: "send_email", Outcome: HistFailed, At: t0},
			HistoryEntry{EnrollmentID: old.ID, Outcome: HistFailed, At: t0}, // enrollment-level: not a step
			HistoryEntry{EnrollmentID: clean.ID, StepID: "send", StepType: "webhook", Outcome: HistOK, At: t0},
		)
	})
	body, err := migrations.ReadFile("migrations/0009_failed_steps.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	var backfill string
	for _, stmt := range strings.Split(string(body), ";") {
		if strings.Contains(stmt, "UPDATE enrollments SET failed_steps") {
			backfill = stmt
		}
	}
	if backfill == "" {
		t.Fatal("no backfill statement in migration 0009")
	}
	mustWrite(t, db, func(tx Tx) error {
		if _, err := tx.(*sqlTx).exec("UPDATE enrollments SET failed_steps = 0"); err != nil { // as before the column
			return err
		}
		_, err := tx.(*sqlTx).exec(backfill)
		return err
	})
	ctx := context.Background()
	if e, err := db.Enrollment(ctx, old.ID); err != nil || e.FailedSteps != 2 || e.Status != StatusCompletedWithErrors {
		t.Fatalf("old enrollment after the backfill: %+v %v", e, err)
	}
	if e, err := db.Enrollment(ctx, clean.ID); err != nil || e.FailedSteps != 0 || e.Status != StatusCompleted {
		t.Fatalf("clean enrollment after the backfill: %+v %v", e, err)
	}
}
