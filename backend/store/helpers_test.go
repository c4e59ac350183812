package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// t0 is the fixed "now" of the tests (with sub-millisecond noise that storage must drop).
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)

// msTime is t as stored: truncated to the millisecond, in UTC.
func msTime(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

func openAt(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func openTest(t testing.TB) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "flowdesk.db"))
}

// mustWrite runs fn in a write and fails the test on error.
func mustWrite(t testing.TB, db *DB, fn func(Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// tryWrite runs fn in a write and returns its error.
func tryWrite(db *DB, fn func(Tx) error) error {
	return db.Write(context.Background(), fn)
}

func newContact(t testing.TB, db *DB, email string, props map[string]any) int64 {
	t.Helper()
	var id int64
	mustWrite(t, db, func(tx Tx) error {
		c, err := tx.UpsertRecord("contact", 0, email, props, t0)
		if err != nil {
			return err
		}
		id = c.Record.ID
		return nil
	})
	return id
}

// newWorkflow creates an enabled workflow with version 1 and returns its id.
func newWorkflow(t testing.TB, db *DB, id string) string {
	t.Helper()
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.CreateWorkflow(&Workflow{ID: id, Name: id, Object: "contact", Definition: json.RawMessage(`{"id":"` + id + `"}`)}, t0); err != nil {
			return err
		}
		v, err := tx.SnapshotVersion(id, t0)
		if err != nil {
			return err
		}
		return tx.SetWorkflowEnabled(id, true, v, t0)
	})
	return id
}

// newEnrollment enrolls a record (status active at step) at time at and returns the enrollment.
func newEnrollment(t testing.TB, db *DB, wf string, rec int64, step string, at time.Time) *Enrollment {
	t.Helper()
	e := &Enrollment{WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusActive, CurrentStep: step, TriggerID: "t1"}
	mustWrite(t, db, func(tx Tx) error { return tx.InsertEnrollment(e, at) })
	return e
}

// count runs a COUNT(*) style query on the read pool.
func count(t testing.TB, db *DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.r.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantErr checks err against target: nil target means no error.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	switch {
	case target == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case target != nil && !errors.Is(err, target):
		t.Fatalf("error = %v, want %v", err, target)
	}
}
