package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// bulkJobsListed: the running bulk enrollments, imports and retry jobs are listed in one read,
// by kind and oldest first; a finished one is not.
func bulkJobsListed(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.RunningBulkJobs(ctx); err != nil || len(got) != 0 {
		t.Fatalf("running bulk jobs of an empty store: %v %v", got, err)
	}
	e1 := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`{"record_ids":[1]}`), Total: 1}
	e2 := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`{"record_ids":[2]}`), Total: 1}
	im := &store.ListImport{List: "vip", Spec: json.RawMessage(`{}`), Body: []byte("Email\n"), Total: 1}
	r1 := &store.RetryJob{WorkflowID: "w", StepID: "hook", UpTo: 1, Total: 1}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, T0); err != nil {
			return err
		}
		if err := tx.InsertRetryJob(r1, T0); err != nil { // the kinds are listed in their order, not by time
			return err
		}
		if err := tx.InsertEnrollJob(e1, T0); err != nil {
			return err
		}
		if err := tx.InsertImport(im, T0); err != nil {
			return err
		}
		return tx.InsertEnrollJob(e2, T0)
	})
	want := []store.BulkJob{{Kind: store.BulkEnroll, ID: e1.ID}, {Kind: store.BulkEnroll, ID: e2.ID}, {Kind: store.BulkImport, ID: im.ID}, {Kind: store.BulkRetry, ID: r1.ID}}
	if got, err := s.RunningBulkJobs(ctx); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("running bulk jobs %v %v, want %v", got, err, want)
	}
	write(t, s, func(tx store.Tx) error {
		e1.Status = store.EnrollJobDone
		return tx.SaveEnrollJob(e1, T0)
	})
	if got, _ := s.RunningBulkJobs(ctx); fmt.Sprint(got) != fmt.Sprint(want[1:]) {
		t.Fatalf("after the first finished: %v, want %v", got, want[1:])
	}
}

// bulkJobsPruned: finished bulk enrollments, retry jobs and imports that ended before the cut
// are deleted in batches of at most the limit, an import with its error report and never a
// report line without its import, nor an import shown with part of its report; running jobs
// (however old) and recent ones stay.
func bulkJobsPruned(t *testing.T, s store.Store) {
	ctx := context.Background()
	before := T0.Add(24 * time.Hour)
	recent := before.Add(time.Hour)
	enroll := func(status string, at time.Time) *store.EnrollJob {
		j := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`{"record_ids":[1]}`), Total: 1}
		write(t, s, func(tx store.Tx) error {
			if err := tx.InsertEnrollJob(j, T0); err != nil || status == store.EnrollJobRunning {
				return err
			}
			j.Status = status
			return tx.SaveEnrollJob(j, at)
		})
		return j
	}
	retry := func(step, status string, at time.Time) *store.RetryJob {
		j := &store.RetryJob{WorkflowID: "w", StepID: step, UpTo: 1, Total: 1}
		write(t, s, func(tx store.Tx) error {
			if err := tx.InsertRetryJob(j, T0); err != nil || status == store.EnrollJobRunning {
				return err
			}
			j.Status = status
			return tx.SaveRetryJob(j, at)
		})
		return j
	}
	imp := func(status string, at time.Time, errs ...store.ImportError) *store.ListImport {
		im := &store.ListImport{List: "vip", Spec: json.RawMessage(`{}`), Body: []byte("Email\na@x.com\n"), Total: 1}
		write(t, s, func(tx store.Tx) error {
			if err := tx.InsertImport(im, T0); err != nil {
				return err
			}
			if err := tx.AddImportErrors(im.ID, errs); err != nil || status == store.ImportRunning {
				return err
			}
			im.Status = status
			return tx.SaveImport(im, at)
		})
		return im
	}
	write(t, s, func(tx store.Tx) error {
		return tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, T0)
	})

	oldEnroll := []*store.EnrollJob{enroll(store.EnrollJobDone, T0), enroll(store.EnrollJobFailed, T0), enroll(store.EnrollJobCancelled, T0)}
	keptEnroll := []*store.EnrollJob{enroll(store.EnrollJobRunning, T0), enroll(store.EnrollJobDone, recent)}
	oldRetry := retry("a", store.EnrollJobDone, T0)
	keptRetry := []*store.RetryJob{retry("b", store.EnrollJobRunning, T0), retry("c", store.EnrollJobFailed, recent)}
	report := []store.ImportError{{Row: 2, Field: "email", Message: "not an email"}, {Row: 3, Field: "age", Message: "not a number"},
		{Row: 3, Field: "email", Message: "not an email"}, {Row: 4, Field: "email", Message: "not an email"}}
	// the failed import's 2 lines and its row are 3 rows: more than a batch of 2
	oldImports := []*store.ListImport{imp(store.ImportDone, T0, report...), imp(store.ImportFailed, T0, report[0], report[3]), imp(store.ImportCancelled, T0)}
	reportOf := map[int64]int{oldImports[0].ID: len(report), oldImports[1].ID: 2, oldImports[2].ID: 0}
	running := imp(store.ImportRunning, T0, report[:1]...) // its rows so far were written long ago
	keptImports := []*store.ListImport{running, imp(store.ImportDone, recent, report[:2]...)}

	const limit = 2
	var rows int64
	for i := 0; ; i++ {
		if i == 20 {
			t.Fatal("pruning did not end in 20 batches")
		}
		b, err := s.PruneBulkJobs(ctx, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		if b.Rows > limit {
			t.Fatalf("batch %d deleted %d rows, more than the limit %d", i, b.Rows, limit)
		}
		rows += b.Rows
		listed := map[int64]bool{}
		if ims, err := s.Imports(ctx, "vip"); err == nil {
			for _, im := range ims {
				listed[im.ID] = true
			}
		} else {
			t.Fatal(err)
		}
		for _, im := range oldImports {
			// an import shows with its whole report or not at all: one whose report is going
			// in batches is hidden from the first of them (listed, loaded and its report read)
			_, err := s.Import(ctx, im.ID)
			left, lerr := s.ImportErrors(ctx, im.ID)
			if lerr != nil {
				t.Fatal(lerr)
			}
			switch {
			case errors.Is(err, store.ErrNotFound):
				if len(left) != 0 || listed[im.ID] {
					t.Fatalf("after batch %d import %d is gone but %d lines of its report show (listed %v)", i, im.ID, len(left), listed[im.ID])
				}
			case err != nil:
				t.Fatal(err)
			case len(left) != reportOf[im.ID] || !listed[im.ID]:
				t.Fatalf("after batch %d import %d shows (listed %v) with %d of its %d report lines", i, im.ID, listed[im.ID], len(left), reportOf[im.ID])
			}
		}
		if !b.More {
			break
		}
	}
	if want := int64(len(oldEnroll) + 1 + len(oldImports) + len(report) + 2); rows != want {
		t.Fatalf("pruned %d rows, want %d (3 enrollments, 1 retry job, 3 imports, 6 report lines)", rows, want)
	}
	for _, j := range oldEnroll {
		if _, err := s.EnrollJob(ctx, j.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finished enroll job %d (%s) before the cut: %v, want it pruned", j.ID, j.Status, err)
		}
	}
	if _, err := s.RetryJob(ctx, oldRetry.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("finished retry job before the cut: %v, want it pruned", err)
	}
	for _, im := range oldImports {
		if _, err := s.Import(ctx, im.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("import %d (%s) before the cut: %v, want it pruned", im.ID, im.Status, err)
		}
		if left, err := s.ImportErrors(ctx, im.ID); err != nil || len(left) != 0 {
			t.Fatalf("the report of pruned import %d: %d lines %v", im.ID, len(left), err)
		}
	}
	for _, j := range keptEnroll {
		if got, err := s.EnrollJob(ctx, j.ID); err != nil || got.Status != j.Status {
			t.Fatalf("enroll job %d (%s) was pruned: %v", j.ID, j.Status, err)
		}
	}
	for _, j := range keptRetry {
		if got, err := s.RetryJob(ctx, j.ID); err != nil || got.Status != j.Status {
			t.Fatalf("retry job %d (%s) was pruned: %v", j.ID, j.Status, err)
		}
	}
	for i, im := range keptImports {
		if got, err := s.Import(ctx, im.ID); err != nil || got.Status != im.Status {
			t.Fatalf("import %d (%s) was pruned: %v", im.ID, im.Status, err)
		}
		if left, err := s.ImportErrors(ctx, im.ID); err != nil || len(left) != i+1 {
			t.Fatalf("the report of kept import %d: %d lines %v, want %d", im.ID, len(left), err, i+1)
		}
	}
	if body, err := s.ImportBody(ctx, running.ID); err != nil || len(body) == 0 {
		t.Fatalf("the running import's file: %q %v", body, err)
	}
	if got, _ := s.RunningBulkJobs(ctx); len(got) != 3 {
		t.Fatalf("running bulk jobs after pruning: %v, want the 3 running ones", got)
	}
	if b, err := s.PruneBulkJobs(ctx, before, limit); err != nil || b.Rows != 0 || b.More {
		t.Fatalf("pruning again: %+v %v, want nothing", b, err)
	}
}
