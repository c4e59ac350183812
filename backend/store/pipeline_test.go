package store_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestAHeldStatementsErrorStaysWithItsWrite: on PostgreSQL a statement run with ExecLater is
// sent with the next statement that needs an answer, possibly the next write's. Two writes are
// made to share one batch (they queue while a slow write holds the writer); the first's held
// INSERT breaks a foreign key. It must fail alone, whether its held statement is its last one
// (the flush before its savepoint is released reports it) or another statement follows.
func TestAHeldStatementsErrorStaysWithItsWrite(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"sqlite", func(t *testing.T) store.Store { return storetest.OpenSQLite(t, "") }},
		{"postgres", func(t *testing.T) store.Store { return pgtest.Open(t, store.Options{}) }},
	} {
		for _, last := range []bool{true, false} {
			name := db.name + "/held statement followed by another"
			if last {
				name = db.name + "/held statement last"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				s := db.open(t)
				hold := make(chan struct{})
				slow, bad, good := make(chan error, 1), make(chan error, 1), make(chan error, 1)
				go func() { slow <- s.Write(ctx, func(tx store.Tx) error { <-hold; return nil }) }()
				time.Sleep(30 * time.Millisecond) // the slow write holds the writer
				go func() {
					bad <- s.Write(ctx, func(tx store.Tx) error {
						if err := store.ExecLater(tx, "INSERT INTO history (enrollment_id, outcome, at) VALUES (?, 'ok', 0)", 987654); err != nil {
							return err
						}
						if last {
							return nil
						}
						_, err := tx.UpsertRecord("contact", 0, "bad@example.com", nil, storetest.T0)
						return err
					})
				}()
				time.Sleep(30 * time.Millisecond) // queued first
				go func() {
					good <- s.Write(ctx, func(tx store.Tx) error {
						_, err := tx.UpsertRecord("contact", 0, "good@example.com", nil, storetest.T0)
						return err
					})
				}()
				time.Sleep(30 * time.Millisecond)
				close(hold)
				if err := <-slow; err != nil {
					t.Fatal(err)
				}
				if err := <-bad; err == nil {
					t.Error("the write whose held INSERT broke a foreign key was reported committed")
				}
				if err := <-good; err != nil {
					t.Errorf("the write batched after it failed with it: %v", err)
				}
				if _, err := s.RecordByEmail(ctx, "contact", "good@example.com"); err != nil {
					t.Errorf("the good write's record: %v", err)
				}
				if _, err := s.RecordByEmail(ctx, "contact", "bad@example.com"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the failed write's record: %v, want none", err)
				}
			})
		}
	}
}
