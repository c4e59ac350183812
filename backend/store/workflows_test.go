package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestWorkflowLifecycle(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	def1 := json.RawMessage(`{"id":"wf","steps":[1]}`)
	def2 := json.RawMessage(`{"id":"wf","steps":[1,2]}`)
	w := &Workflow{ID: "wf", Name: "Follow-up", Object: "contact", Definition: def1}
	mustWrite(t, db, func(tx Tx) error { return tx.CreateWorkflow(w, t0) })
	if w.Revision != 1 || w.Enabled || !w.CreatedAt.Equal(t0) {
		t.Fatalf("after create: %+v", w)
	}
	err := tryWrite(db, func(tx Tx) error {
		return tx.CreateWorkflow(&Workflow{ID: "wf", Name: "Other", Object: "contact", Definition: def2}, t0)
	})
	wantErr(t, err, ErrConflict)
	got, err := db.Workflow(ctx, "wf")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Follow-up" || string(got.Definition) != string(def1) || got.Revision != 1 || got.Enabled || got.ActiveVersion != 0 {
		t.Fatalf("stored workflow %+v", got)
	}

	// Versions: the first snapshot is 1, an unchanged definition reuses it.
	var v1, v1again int
	mustWrite(t, db, func(tx Tx) error {
		var err error
		if v1, err = tx.SnapshotVersion("wf", t0); err != nil {
			return err
		}
		v1again, err = tx.SnapshotVersion("wf", t0.Add(time.Minute))
		return err
	})
	if v1 != 1 || v1again != 1 {
		t.Fatalf("snapshots %d, %d; want 1, 1", v1, v1again)
	}

	// Save with the revision read: accepted, revision 2. A second save from revision 1: stale.
	later := t0.Add(time.Hour)
	upd := &Workflow{ID: "wf", Name: "Follow-up v2", Object: "contact", Definition: def2}
	mustWrite(t, db, func(tx Tx) error { return tx.UpdateWorkflow(upd, 1, later) })
	if upd.Revision != 2 || !upd.CreatedAt.Equal(msTime(t0)) || !upd.UpdatedAt.Equal(later) {
		t.Fatalf("after update: %+v", upd)
	}
	stale := &Workflow{ID: "wf", Name: "Lost edit", Object: "contact", Definition: def1}
	wantErr(t, tryWrite(db, func(tx Tx) error { return tx.UpdateWorkflow(stale, 1, later) }), ErrConflict)
	if got, _ := db.Workflow(ctx, "wf"); got.Name != "Follow-up v2" || got.Revision != 2 {
		t.Fatalf("stale update was written: %+v", got)
	}

	var v2 int
	mustWrite(t, db, func(tx Tx) error {
		var err error
		v2, err = tx.SnapshotVersion("wf", later)
		if err != nil {
			return err
		}
		return tx.SetWorkflowEnabled("wf", true, v2, later)
	})
	if v2 != 2 {
		t.Fatalf("snapshot after change = %d, want 2", v2)
	}
	if got, _ := db.Workflow(ctx, "wf"); !got.Enabled || got.ActiveVersion != 2 {
		t.Fatalf("after enable: %+v", got)
	}
	for v, want := range map[int]json.RawMessage{1: def1, 2: def2} {
		def, err := db.WorkflowVersion(ctx, "wf", v)
		if err != nil || string(def) != string(want) {
			t.Fatalf("version %d = %s, %v; want %s", v, def, err, want)
		}
	}
	if _, err := db.WorkflowVersion(ctx, "wf", 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version 3: %v, want ErrNotFound", err)
	}
	mustWrite(t, db, func(tx Tx) error { return tx.SetWorkflowEnabled("wf", false, 0, later) })
	if got, _ := db.Workflow(ctx, "wf"); got.Enabled || got.ActiveVersion != 2 {
		t.Fatalf("after disable: %+v (the active version is kept for the next enable)", got)
	}
	// A forced save (expectRevision 0) is always accepted.
	mustWrite(t, db, func(tx Tx) error { return tx.UpdateWorkflow(stale, 0, later) })
	if got, _ := db.Workflow(ctx, "wf"); got.Name != "Lost edit" || got.Revision != 3 {
		t.Fatalf("after forced update: %+v", got)
	}

	newWorkflow(t, db, "another")
	list, err := db.Workflows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "another" || list[1].ID != "wf" {
		t.Fatalf("Workflows not ordered by name: %v, %v", list[0].Name, list[1].Name)
	}
}

func TestWorkflowNotFound(t *testing.T) {
	db := openTest(t)
	if _, err := db.Workflow(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Workflow: %v", err)
	}
	scenarios := map[string]func(Tx) error{
		"update":   func(tx Tx) error { return tx.UpdateWorkflow(&Workflow{ID: "nope"}, 0, t0) },
		"snapshot": func(tx Tx) error { _, err := tx.SnapshotVersion("nope", t0); return err },
		"enable":   func(tx Tx) error { return tx.SetWorkflowEnabled("nope", true, 1, t0) },
		"trash":    func(tx Tx) error { return tx.TrashWorkflow("nope", true, t0) },
		"restore":  func(tx Tx) error { return tx.RestoreWorkflow("nope", t0) },
		"purge":    func(tx Tx) error { return tx.RequestPurge("nope", t0) },
		"load":     func(tx Tx) error { _, err := tx.Workflow("nope"); return err },
	}
	for name, fn := range scenarios {
		if err := tryWrite(db, fn); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func TestPurgeWorkflowCascades(t *testing.T) {
	db := openTest(t)
	rec := newContact(t, db, "ann@x.com", nil)
	setup := func(wf string) {
		newWorkflow(t, db, wf)
		e := newEnrollment(t, db, wf, rec, "a", t0)
		mustWrite(t, db, func(tx Tx) error {
			if err := tx.PutJob(&Job{EnrollmentID: e.ID, RecordID: rec, StepID: "a", Kind: JobRun, RunAt: t0}); err != nil {
				return err
			}
			if err := tx.AppendHistory(HistoryEntry{EnrollmentID: e.ID, Outcome: HistEnrolled, At: t0}); err != nil {
				return err
			}
			return tx.CountStep(wf, "a", 1, 0)
		})
	}
	setup("doomed")
	setup("kept")
	purge(t, db, "doomed")
	tables := map[string]string{
		"workflows":         "SELECT COUNT(*) FROM workflows WHERE id = ?",
		"workflow_versions": "SELECT COUNT(*) FROM workflow_versions WHERE workflow_id = ?",
		"enrollments":       "SELECT COUNT(*) FROM enrollments WHERE workflow_id = ?",
		"jobs":              "SELECT COUNT(*) FROM jobs j JOIN enrollments e ON e.id = j.enrollment_id WHERE e.workflow_id = ?",
		"history":           "SELECT COUNT(*) FROM history h JOIN enrollments e ON e.id = h.enrollment_id WHERE e.workflow_id = ?",
		"step_counts":       "SELECT COUNT(*) FROM step_counts WHERE workflow_id = ?",
	}
	for table, q := range tables {
		if n := count(t, db, q, "doomed"); n != 0 {
			t.Errorf("%s: %d rows of the deleted workflow left", table, n)
		}
		if n := count(t, db, q, "kept"); n != 1 {
			t.Errorf("%s: %d rows of the other workflow, want 1", table, n)
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM jobs"); n != 1 {
		t.Errorf("%d jobs left, want 1", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM history"); n != 1 {
		t.Errorf("%d history rows left, want 1", n)
	}
}

// purge moves a workflow to the Trash and purges it in batches of 2.
func purge(t *testing.T, db *DB, id string) {
	t.Helper()
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.TrashWorkflow(id, true, t0); err != nil {
			return err
		}
		return tx.RequestPurge(id, t0)
	})
	for i := 0; ; i++ {
		b, err := db.PurgeWorkflow(context.Background(), id, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !b.More {
			return
		}
		if i > 1000 {
			t.Fatal("purge does not end")
		}
	}
}
