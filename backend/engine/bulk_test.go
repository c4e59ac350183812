package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// TestBulkRunnerTakesTurns starts a bulk enrollment of 3,000 contacts (16 batches of 200), then
// a CSV import of 30 rows (1 batch) and a "Retry all" of 50 dead letters (3 batches of 25), and
// runs the bulk runner one batch per call, counting the calls. The runner takes the running
// jobs in turn, so the import ends within the first round and the retry job within its own 3
// rounds (3 calls each at most), long before the enrollment, instead of after its 16 batches.
// The engine is restarted after the small jobs end (the turn starts over, the enrollment
// resumes from its cursor); every job then ends with exact counts: each contact enrolled once,
// each dead letter sent once more and logged once, each row imported once.
func TestBulkRunnerTakesTurns(t *testing.T) {
	const contacts, deadLetters, rows = 3000, 50, 30
	rc := newHookReceiver(t, 0)
	h := retryHarness(t, rc)
	h.deployM(manualFlow("w"))
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "l", Name: "L"}); err != nil {
		t.Fatal(err)
	}
	keys := h.seedDeadLetters(deadLetters)
	ids := h.seedContacts(contacts, func(int) string { return "Dublin" })

	big, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	file.WriteString("E-mail,First name,Score,Plan\n")
	for i := range rows {
		fmt.Fprintf(&file, "i%d@example.org,I%d,%d,free\n", i, i, i)
	}
	im, err := h.eng.StartImport(h.ctx, "l", []byte(file.String()), contactMapping())
	if err != nil {
		t.Fatal(err)
	}
	retry, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	if big.Total != contacts || retry.Total != deadLetters || im.Total != rows {
		t.Fatalf("started %d, %d and %d, want %d, %d and %d", big.Total, retry.Total, im.Total, contacts, deadLetters, rows)
	}

	calls, endedAt := 0, map[string]int{}
	ended := func() {
		t.Helper()
		if _, ok := endedAt["enroll"]; !ok && h.job(big.ID).Status != store.EnrollJobRunning {
			endedAt["enroll"] = calls
		}
		if _, ok := endedAt["retry"]; !ok && h.retryJob(retry.ID).Status != store.EnrollJobRunning {
			endedAt["retry"] = calls
		}
		if _, ok := endedAt["import"]; !ok {
			if got, err := h.db.Import(h.ctx, im.ID); err != nil || got.Status != store.ImportRunning {
				endedAt["import"] = calls
			}
		}
	}
	step := func() bool {
		t.Helper()
		worked, err := h.eng.bulkBatch(h.ctx)
		if err != nil {
			t.Fatalf("batch %d: %v", calls+1, err)
		}
		if worked {
			calls++
			ended()
		}
		return worked
	}
	for len(endedAt) < 2 && step() {
	}
	// three jobs running: a job of n batches ends within n rounds of at most 3 calls
	if at, ok := endedAt["import"]; !ok || at > 3 {
		t.Fatalf("the import ended at call %d (%v), want within the first round (3 calls)", at, ok)
	}
	if at, ok := endedAt["retry"]; !ok || at > 3*3 {
		t.Fatalf("the retry job ended at call %d (%v), want within its 3 rounds (9 calls)", at, ok)
	}
	if _, ok := endedAt["enroll"]; ok {
		t.Fatalf("the enrollment ended first, at call %d", endedAt["enroll"])
	}
	mid := h.job(big.ID)
	if mid.Enrolled == 0 || mid.Enrolled >= contacts {
		t.Fatalf("the enrollment had %d enrolled when the small jobs ended; want it under way", mid.Enrolled)
	}

	h.restartRetry()
	for step() {
	}
	if calls != endedAt["enroll"] {
		t.Fatalf("%d batches ran after the enrollment ended at %d", calls, endedAt["enroll"])
	}
	// 16 enrollment batches (the 16th finds the selection exhausted), 1 import, 3 retry batches
	if want := contacts/200 + 1 + 1 + 3; calls != want {
		t.Fatalf("%d batches in all, want %d", calls, want)
	}

	t.Logf("batches at which each job ended: %v", endedAt)
	j := h.job(big.ID)
	if j.Status != store.EnrollJobDone || j.Matched != contacts || j.Enrolled != contacts || len(j.Skipped) != 0 {
		t.Fatalf("finished enrollment %+v", j)
	}
	per := h.enrollmentsByRecord("w")
	for _, id := range ids {
		if per[id] != 1 {
			t.Fatalf("contact %d has %d enrollments, want 1", id, per[id])
		}
	}
	if len(per) != contacts {
		t.Fatalf("%d contacts enrolled, want %d", len(per), contacts)
	}
	r := h.retryJob(retry.ID)
	if r.Status != store.EnrollJobDone || r.Done != deadLetters || r.OK != deadLetters || r.Failed != 0 || r.Skipped != 0 {
		t.Fatalf("finished retry job %+v", r)
	}
	lines := h.retriesAfter(retry.UpTo, keys)
	_, perID := rc.count()
	for _, k := range keys {
		if len(lines[k]) != 1 || perID[k] != 1 {
			t.Fatalf("dead letter %s: %d retry lines, %d requests; want 1 and 1", k, len(lines[k]), perID[k])
		}
	}
	got, err := h.db.Import(h.ctx, im.ID)
	if err != nil || got.Status != store.ImportDone || got.Created != rows || got.Joined != rows || got.Failed != 0 {
		t.Fatalf("finished import %+v %v", got, err)
	}
	if n := len(h.members("l")); n != rows {
		t.Fatalf("%d members of the list, want %d", n, rows)
	}
}

// TestRetentionPrunesFinishedBulkJobs: with the retention set to 7 days, the maintenance round
// keeps the bulk enrollment, import (with its error report) and "Retry all" job that ended 6
// days ago, deletes them at 8 days, and keeps a bulk enrollment still running however old it
// is; that one then runs to its end.
func TestRetentionPrunesFinishedBulkJobs(t *testing.T) {
	rc := newHookReceiver(t, 0)
	h := retryHarness(t, rc)
	h.eng.opts.Retention = func(context.Context) time.Duration { return 7 * 24 * time.Hour }
	h.deployM(manualFlow("w"))
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "l", Name: "L"}); err != nil {
		t.Fatal(err)
	}
	h.seedDeadLetters(3)
	done, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	im, err := h.eng.StartImport(h.ctx, "l", []byte("E-mail,First name,Score,Plan\nann@example.org,Ann,1,free\nnot-an-address,B,2,free\n"), contactMapping())
	if err != nil {
		t.Fatal(err)
	}
	retry, err := h.eng.StartRetryJob(h.ctx, "shop", "hook")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.eng.drainBulk(h.ctx); err != nil {
		t.Fatal(err)
	}
	if errs, err := h.db.ImportErrors(h.ctx, im.ID); err != nil || len(errs) != 1 {
		t.Fatalf("the import's report: %+v %v, want its bad row", errs, err)
	}
	h.seedContacts(5, func(int) string { return "Dublin" }) // contacts c3..c4 join the selection
	running, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}

	gone := func() (enroll, imp, rj bool) {
		_, e1 := h.db.EnrollJob(h.ctx, done.ID)
		_, e2 := h.db.Import(h.ctx, im.ID)
		_, e3 := h.db.RetryJob(h.ctx, retry.ID)
		return errors.Is(e1, store.ErrNotFound), errors.Is(e2, store.ErrNotFound), errors.Is(e3, store.ErrNotFound)
	}
	h.clock.Advance(6 * 24 * time.Hour)
	h.eng.RunMaintenance(h.ctx)
	if e, i, r := gone(); e || i || r {
		t.Fatalf("jobs that ended 6 days ago pruned (enrollment %v, import %v, retry %v) with a retention of 7", e, i, r)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	h.eng.RunMaintenance(h.ctx)
	if e, i, r := gone(); !e || !i || !r {
		t.Fatalf("jobs that ended 8 days ago kept (enrollment gone %v, import %v, retry %v) with a retention of 7", e, i, r)
	}
	if errs, err := h.db.ImportErrors(h.ctx, im.ID); err != nil || len(errs) != 0 {
		t.Fatalf("the pruned import's report: %+v %v, want it gone with the import", errs, err)
	}
	if j := h.job(running.ID); j.Status != store.EnrollJobRunning {
		t.Fatalf("the running job after pruning: %+v", j)
	}
	if err := h.eng.drainBulk(h.ctx); err != nil {
		t.Fatal(err)
	}
	if j := h.job(running.ID); j.Status != store.EnrollJobDone || j.Total != 5 || j.Enrolled != 2 || j.Skipped[SkipAlreadyEnrolled] != 3 {
		t.Fatalf("the job kept running ended as %+v, want 2 enrolled and the 3 enrolled before skipped", j)
	}
}
