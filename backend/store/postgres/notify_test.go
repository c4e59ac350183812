package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

func TestAScheduledJobNotifiesTheOtherProcesses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := pgtest.Open(t, store.Options{})
	jobs := make(chan string, 16)
	changes := make(chan string, 16)
	postgres.Follow(ctx, db.Pool(), nil, func() { jobs <- "wake" }, func(context.Context) error { changes <- "reload"; return nil })
	if err := db.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateWorkflow(&store.Workflow{ID: "w", Name: "W", Object: "contact", Definition: []byte(`{}`)}, time.Now()); err != nil {
			return err
		}
		_, err := tx.SnapshotVersion("w", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Follow's listeners connect in the background: write until the first wake arrives.
	put := func(email string) {
		t.Helper()
		if err := db.Write(ctx, func(tx store.Tx) error {
			rec, err := tx.UpsertRecord("contact", 0, email, nil, time.Now())
			if err != nil {
				return err
			}
			en := &store.Enrollment{WorkflowID: "w", Version: 1, RecordID: rec.Record.ID, Status: store.StatusActive}
			if err := tx.InsertEnrollment(en, time.Now()); err != nil {
				return err
			}
			return tx.PutJob(&store.Job{EnrollmentID: en.ID, RecordID: rec.Record.ID, StepID: "a", Kind: store.JobRun, RunAt: time.Now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	woke := false
	for i := 0; i < 100 && !woke; i++ {
		put(fmt.Sprintf("p%d@example.com", i))
		select {
		case <-jobs:
			woke = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !woke {
		t.Fatal("scheduling jobs never woke the listener")
	}
	// A claim does not wake anyone: it changes no run_at.
	drain(jobs)
	if err := db.Write(ctx, func(tx store.Tx) error { _, err := tx.ClaimJobs(time.Now(), time.Minute, 100); return err }); err != nil {
		t.Fatal(err)
	}
	// A workflow change makes the other processes reload.
	drain(changes)
	if err := db.Write(ctx, func(tx store.Tx) error {
		return tx.CreateWorkflow(&store.Workflow{ID: "w2", Name: "W2", Object: "contact", Definition: []byte(`{}`)}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
	case <-time.After(5 * time.Second):
		t.Fatal("a workflow change did not make the listener reload")
	}
	select {
	case <-jobs:
		t.Fatal("a claim or a workflow change woke the dispatcher")
	case <-time.After(100 * time.Millisecond):
	}
}

func drain(ch chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
