package store

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPruneBulkJobsUsesIndexes reads SQLite's plan of every statement retention runs to delete
// ended bulk jobs and import reports: none may read a whole jobs, imports or report table, or
// each retention round would grow with everything ever kept (PostgreSQL's indexes are checked
// in backend/store/postgres).
func TestPruneBulkJobsUsesIndexes(t *testing.T) {
	db := openTest(t)
	stmts := []string{pruneImportsSQL, pruneReportCutSQL, pruneReportSQL, pruneReportBeforeSQL, pruneReportRowSQL, pruneImportSQL, pruneHideImportSQL}
	for _, table := range pruneJobsTables {
		stmts = append(stmts, pruneJobsSQL(table))
	}
	fullScan := regexp.MustCompile(`^SCAN (enroll_jobs|retry_jobs|list_imports|list_import_errors)\b`)
	for _, q := range stmts {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = int64(1)
		}
		rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("plan of %s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		oneLine := strings.Join(strings.Fields(q), " ")
		t.Logf("%s: %s", oneLine, strings.Join(plan, "; "))
		for _, step := range plan {
			if fullScan.MatchString(step) {
				t.Errorf("%s reads the whole table (%s): give it an index in a migration", oneLine, step)
			}
		}
	}
}

// An import whose report is too large for one batch is hidden from the first batch that deletes
// part of it: loading it is ErrNotFound, the list's imports leave it out and its report reads
// empty, while its remaining lines wait for the next batches; the last batch deletes it.
func TestPruneHidesAnImportWhileItsReportGoes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	im := &ListImport{List: "vip", Spec: json.RawMessage(`{}`), Body: []byte("Email\n"), Total: 5}
	var report []ImportError
	for row := 2; row <= 6; row++ {
		report = append(report, ImportError{Row: row, Field: "email", Message: "not an email"})
	}
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.CreateList(&List{ID: "vip", Name: "VIP", Object: "contact"}, t0); err != nil {
			return err
		}
		if err := tx.InsertImport(im, t0); err != nil {
			return err
		}
		if err := tx.AddImportErrors(im.ID, report); err != nil {
			return err
		}
		im.Status = ImportDone
		return tx.SaveImport(im, t0)
	})
	raw := func(q string) int {
		var n int
		if err := db.r.QueryRow(q, im.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := t0.Add(time.Hour)
	b, err := db.PruneBulkJobs(ctx, before, 2)
	if err != nil || b.Rows != 1 || !b.More { // the lines before the 2nd: room is kept for the import
		t.Fatalf("first batch %+v %v, want 1 report line and more", b, err)
	}
	if left := raw("SELECT COUNT(*) FROM list_import_errors WHERE import_id = ?"); left != 4 {
		t.Fatalf("%d report lines after the first batch, want 4", left)
	}
	if raw("SELECT COUNT(*) FROM list_imports WHERE id = ?") != 1 {
		t.Fatal("the import went before its report")
	}
	if got, err := db.Import(ctx, im.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an import being pruned loads: %+v %v, want ErrNotFound", got, err)
	}
	mustWrite(t, db, func(tx Tx) error {
		if got, err := tx.Import(im.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("an import being pruned loads in a write: %+v %v, want ErrNotFound", got, err)
		}
		return nil
	})
	if ims, err := db.Imports(ctx, "vip"); err != nil || len(ims) != 0 {
		t.Fatalf("the list's imports while one is pruned: %+v %v, want none", ims, err)
	}
	if errs, err := db.ImportErrors(ctx, im.ID); err != nil || len(errs) != 0 {
		t.Fatalf("the report of an import being pruned: %+v %v, want none", errs, err)
	}
	for i := 0; b.More; i++ {
		if i == 5 {
			t.Fatal("pruning did not end in 5 more batches")
		}
		if b, err = db.PruneBulkJobs(ctx, before, 2); err != nil {
			t.Fatal(err)
		}
	}
	if raw("SELECT COUNT(*) FROM list_imports WHERE id = ?") != 0 || raw("SELECT COUNT(*) FROM list_import_errors WHERE import_id = ?") != 0 {
		t.Fatal("the import or its report outlived the pruning")
	}
}
