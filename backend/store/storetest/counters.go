package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func stepCountersAndPaths(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil)
	a, b := enrollment(t, s, "w", ann), enrollment(t, s, "w", bob)
	day2 := T0.Add(24 * time.Hour)
	write(t, s, func(tx store.Tx) error {
		if err := tx.CountStep("w", "mail", 2, 1); err != nil {
			return err
		}
		if err := tx.CountStep("w", "mail", 1, 0); err != nil { // adds
			return err
		}
		if err := tx.CountStep("w", store.PathKey("ab", "A"), 1, 0); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(b.ID, store.StatusWaiting, "wait", 2, "", T0); err != nil {
			return err
		}
		return tx.AppendHistory(
			store.HistoryEntry{EnrollmentID: a.ID, WorkflowID: "w", StepID: "br", StepType: "branch", Outcome: store.HistOK, Detail: json.RawMessage(`{"branch":"yes"}`), At: T0},
			store.HistoryEntry{EnrollmentID: b.ID, StepID: "br", StepType: "branch", Outcome: store.HistOK, Detail: json.RawMessage(`{"branch":"no"}`), At: T0},
			store.HistoryEntry{EnrollmentID: b.ID, StepID: "ab", StepType: "split", Outcome: store.HistOK, Detail: json.RawMessage(`{"path":"A"}`), At: day2},
			store.HistoryEntry{EnrollmentID: a.ID, StepID: "br", StepType: "branch", Outcome: store.HistOK, Detail: json.RawMessage(`{"branch":"yes"}`), At: day2},
			store.HistoryEntry{EnrollmentID: a.ID, StepID: "mail", StepType: "send_email", Outcome: store.HistFailed, At: day2},
		)
	})
	stats, err := s.Stats(ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	if m := stats.Steps["mail"]; m == nil || m.Completed != 3 || m.Failed != 1 {
		t.Fatalf("mail counters %+v, want 3 completed and 1 failed", m)
	}
	if st := stats.Steps["a"]; st == nil || st.Active != 1 {
		t.Fatalf("step a %+v, want ann active there", st)
	}
	if stats.OpenWithFailedSteps != 0 {
		t.Fatalf("open with failed steps %d, want 0", stats.OpenWithFailedSteps)
	}
	write(t, s, func(tx store.Tx) error { return tx.CountFailedSteps(b.ID, 1) })
	if again, err := s.Stats(ctx, "w"); err != nil || again.OpenWithFailedSteps != 1 || again.Enrollments[store.StatusWaiting] != 1 {
		t.Fatalf("after bob's failed step: %+v %v, want 1 open with failed steps, still waiting", again, err)
	}
	if st := stats.Steps["wait"]; st == nil || st.Waiting != 1 {
		t.Fatalf("step wait %+v, want bob waiting there", st)
	}
	if br := stats.Steps["br"]; br == nil || br.Paths["yes"] != 2 || br.Paths["no"] != 1 {
		t.Fatalf("branch paths %+v, want yes 2, no 1", br)
	}
	if ab := stats.Steps["ab"]; ab == nil || ab.Paths["A"] != 1 {
		t.Fatalf("split paths %+v, want A 1", ab)
	}
	if len(stats.Enrollments) != len(store.Statuses) || stats.Enrollments[store.StatusActive] != 1 || stats.Enrollments[store.StatusWaiting] != 1 {
		t.Fatalf("enrollment counts %v, want every status, one active and one waiting", stats.Enrollments)
	}
	totals, err := s.PathTotals(ctx, "w")
	if err != nil || totals["br"]["yes"] != 2 || totals["br"]["no"] != 1 || totals["ab"]["A"] != 1 || len(totals) != 2 {
		t.Fatalf("path totals %v %v", totals, err)
	}
	rows, err := s.Rollup(ctx, "w", day2, day2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"ab/A/ok": 1, "br/yes/ok": 1, "mail//failed": 1}
	if len(rows) != len(want) {
		t.Fatalf("the second day's rollup %+v, want %v", rows, want)
	}
	for _, r := range rows {
		if want[r.StepID+"/"+r.Path+"/"+r.Outcome] != r.N || !r.Day.Equal(day2.Truncate(24*time.Hour)) {
			t.Fatalf("rollup row %+v, want %v on %v", r, want, day2)
		}
	}
	if none, _ := s.Stats(ctx, "nope"); none.GoalConversion != 0 || len(none.Steps) != 0 {
		t.Fatalf("stats of an unknown workflow %+v, want zeros", none)
	}
}

// An active enrollment whose run job has earlier tries waits for its next try: the stats count
// it as retrying at the step (not active), with the soonest next try and the last try's error,
// and EnrollmentRetry answers where it stands; a first run or a held retry is not retrying.
func retryingSteps(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob, cy := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil), contact(t, s, "cy@example.com", nil)
	a, b, c := enrollment(t, s, "w", ann), enrollment(t, s, "w", bob), enrollment(t, s, "w", cy)
	next := T0.Add(40 * time.Second)
	write(t, s, func(tx store.Tx) error {
		for _, en := range []*store.Enrollment{a, b} {
			if err := tx.UpdateEnrollment(en.ID, store.StatusActive, "mail", 1, "", T0); err != nil {
				return err
			}
		}
		if err := tx.UpdateEnrollment(c.ID, store.StatusActive, "mail", 1, "", T0); err != nil {
			return err
		}
		if err := tx.PutJob(&store.Job{EnrollmentID: a.ID, RecordID: ann.ID, StepID: "mail", Kind: store.JobRun, RunAt: next, Tries: 3}); err != nil {
			return err
		}
		if err := tx.PutJob(&store.Job{EnrollmentID: b.ID, RecordID: bob.ID, StepID: "mail", Kind: store.JobRun, RunAt: next.Add(time.Minute), Tries: 1}); err != nil {
			return err
		}
		if err := tx.PutJob(&store.Job{EnrollmentID: c.ID, RecordID: cy.ID, StepID: "mail", Kind: store.JobRun, RunAt: T0}); err != nil {
			return err
		}
		for _, at := range []struct {
			en  int64
			try int
			err string
		}{{a.ID, 1, "first"}, {a.ID, 3, "dial tcp 127.0.0.1:1: connect: connection refused"}, {b.ID, 1, "bob's"}} {
			if err := tx.InsertActionAttempt(&store.ActionAttempt{EnrollmentID: at.en, WorkflowID: "w", StepID: "mail", StepType: "send_email",
				IdempotencyKey: "k", Try: at.try, Outcome: store.AttemptRetry, Error: at.err, At: T0}); err != nil {
				return err
			}
		}
		return nil
	})
	stats, err := s.Stats(ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	m := stats.Steps["mail"]
	if m == nil || m.Retrying != 2 || m.Active != 1 || !m.NextTryAt.Equal(next) || stats.Retrying != 2 {
		t.Fatalf("mail %+v (workflow retrying %d), want 2 retrying, cy active, the next try at %v", m, stats.Retrying, next)
	}
	if m.LastError != "bob's" && m.LastError != "dial tcp 127.0.0.1:1: connect: connection refused" {
		t.Fatalf("last error %q, want one of the retrying enrollments' last errors", m.LastError)
	}
	r, err := s.EnrollmentRetry(ctx, a.ID)
	if err != nil || r == nil || r.StepID != "mail" || r.Tries != 3 || !r.NextTryAt.Equal(next) || r.Error != "dial tcp 127.0.0.1:1: connect: connection refused" || !r.LastTryAt.Equal(T0) || r.StepType != "send_email" {
		t.Fatalf("ann's retry %+v %v, want try 3 at mail with its error", r, err)
	}
	if r, err := s.EnrollmentRetry(ctx, c.ID); err != nil || r != nil {
		t.Fatalf("a first run reads as a retry: %+v %v", r, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.UpdateEnrollment(b.ID, store.StatusWaiting, "mail", 1, "", T0) }) // held by business hours
	if r, err := s.EnrollmentRetry(ctx, b.ID); err != nil || r != nil {
		t.Fatalf("a held retry reads as retrying: %+v %v", r, err)
	}
	if stats, _ := s.Stats(ctx, "w"); stats.Steps["mail"].Retrying != 1 || stats.Steps["mail"].LastError != "dial tcp 127.0.0.1:1: connect: connection refused" {
		t.Fatalf("after bob is held: %+v", stats.Steps["mail"])
	}
}
