package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func goalsAndEndings(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	first := enrollment(t, s, "w1", ann)
	unen := enrollment(t, s, "w2", ann)
	errs := enrollment(t, s, "w3", ann)
	write(t, s, func(tx store.Tx) error {
		// OpenEnrollments lists the open enrollments with a pending job: one without is the
		// one whose pass commits in this very transaction
		for _, en := range []*store.Enrollment{first, errs} {
			if err := tx.PutJob(&store.Job{EnrollmentID: en.ID, RecordID: ann.ID, StepID: "a", Kind: store.JobRun, RunAt: T0}); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		if got, err := tx.OpenEnrollment("w1", ann.ID); err != nil || got.ID != first.ID {
			return fmt.Errorf("open enrollment in w1: %+v %v", got, err)
		}
		if all, err := tx.OpenEnrollments(ann.ID); err != nil || len(all) != 2 || all[0].ID != first.ID || all[1].ID != errs.ID {
			return fmt.Errorf("open enrollments: %+v %v, want the two with a job, oldest first", all, err)
		}
		if err := tx.UpdateEnrollment(first.ID, store.StatusGoalReached, "", 2, "", T0.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(unen.ID, store.StatusUnenrolled, "a", 1, "", T0.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.CountFailedSteps(errs.ID, 2); err != nil {
			return err
		}
		if err := tx.UpdateEnrollment(errs.ID, store.StatusCompleted, "", 4, "", T0.Add(time.Minute)); err != nil {
			return err
		}
		if _, err := tx.OpenEnrollment("w1", ann.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("open enrollment after the goal: %v, want ErrNotFound", err)
		}
		goals, err := tx.GoalsReached(ann.ID)
		if err != nil || !reflect.DeepEqual(goals, []string{"w1"}) {
			return fmt.Errorf("goals reached in the write: %v %v, want [w1]", goals, err)
		}
		if before, err := tx.ReachedGoalBefore("w1", ann.ID, first.ID); err != nil || before {
			return fmt.Errorf("reached the goal before the one that reached it: %v %v, want false", before, err)
		}
		return nil
	})
	for id, want := range map[int64]string{first.ID: store.StatusGoalReached, unen.ID: store.StatusUnenrolled, errs.ID: store.StatusCompletedWithErrors} {
		got, err := s.Enrollment(ctx, id)
		if err != nil || got.Status != want || got.FinishedAt == nil {
			t.Errorf("enrollment %d: %+v %v, want %s and finished", id, got, err, want)
		}
		if want == store.StatusCompletedWithErrors && got.FailedSteps != 2 {
			t.Errorf("failed steps %d, want 2", got.FailedSteps)
		}
	}
	again := enrollment(t, s, "w1", ann)
	write(t, s, func(tx store.Tx) error {
		if before, err := tx.ReachedGoalBefore("w1", ann.ID, again.ID); err != nil || !before {
			return fmt.Errorf("a re-enrollment after the goal: reached before %v %v, want true", before, err)
		}
		return nil
	})
	if goals, err := s.GoalsReached(ctx, ann.ID); err != nil || !reflect.DeepEqual(goals, []string{"w1"}) {
		t.Fatalf("goals reached: %v %v, want [w1]", goals, err)
	}
	stats, err := s.Stats(ctx, "w1")
	if err != nil || stats.Enrollments[store.StatusGoalReached] != 1 || stats.GoalConversion != 0.5 {
		t.Fatalf("stats of w1 %+v %v, want one goal of two enrollments", stats, err)
	}
	if ens, err := s.Enrollments(ctx, store.EnrollmentQuery{RecordID: ann.ID, Status: store.StatusGoalReached, Limit: 10}); err != nil || len(ens) != 1 || ens[0].ID != first.ID {
		t.Fatalf("enrollments that reached a goal: %+v %v", ens, err)
	}
}
