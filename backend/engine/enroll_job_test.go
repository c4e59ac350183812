package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// manualFlow is a workflow without triggers (manual enrollment only) whose enrollments wait a
// day, so they stay open while a test looks at them.
func manualFlow(id string) M {
	def := flow(id, M{"id": "wait", "type": "delay", "duration": "1d", "next": "done"}, M{"id": "done", "type": "add_to_list", "list": id + "-done"})
	def["triggers"] = []M{}
	return def
}

// seedContacts creates n contacts c<i>@example.com (ids in creation order), city(i) as city.
func (h *harness) seedContacts(n int, city func(i int) string) []int64 {
	h.t.Helper()
	var ids []int64
	for start := 0; start < n; start += 1000 {
		err := h.db.Write(h.ctx, func(tx store.Tx) error {
			for i := start; i < min(n, start+1000); i++ {
				ch, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%d@example.com", i), map[string]any{"city": city(i)}, h.clock.Now())
				if err != nil {
					return err
				}
				ids = append(ids, ch.Record.ID)
			}
			return nil
		})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return ids
}

// openByRecord returns how many enrollments each record has in a workflow.
func (h *harness) enrollmentsByRecord(workflowID string) map[int64]int {
	h.t.Helper()
	out := map[int64]int{}
	for before := int64(0); ; {
		ens, err := h.db.Enrollments(h.ctx, store.EnrollmentQuery{WorkflowID: workflowID, Before: before, Limit: 1000})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(ens) == 0 {
			return out
		}
		for _, en := range ens {
			out[en.RecordID]++
		}
		before = ens[len(ens)-1].ID
	}
}

func (h *harness) job(id int64) *store.EnrollJob {
	h.t.Helper()
	j, err := h.db.EnrollJob(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

var cityDublin = &condition.Filter{All: []condition.Filter{{Property: "city", Op: "eq", Value: "Dublin"}}}

// TestBulkEnrollByFilterResumesAfterRestart enrolls 5,000 of 6,000 contacts by filter, watches
// the committed progress batch by batch, closes and reopens the database mid-job, and checks
// that the runner of the new engine finishes the job with everyone enrolled exactly once.
func TestBulkEnrollByFilterResumesAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	ids := h.seedContacts(6000, func(i int) string {
		if i%6 == 5 {
			return "Cork"
		}
		return "Dublin"
	})
	if _, err := h.eng.EnrollManually(h.ctx, "w", ids[0]); err != nil {
		t.Fatal(err)
	}
	p, err := h.eng.PreviewEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	if p.Matched != 5000 || p.Enrollable != 4999 || !reflect.DeepEqual(p.Skipped, map[string]int64{SkipAlreadyEnrolled: 1}) {
		t.Fatalf("preview %+v", p)
	}
	job, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != store.EnrollJobRunning || job.Total != 5000 {
		t.Fatalf("job %+v", job)
	}
	for i := 1; i <= 3; i++ {
		if ok, err := h.eng.RunEnrollBatch(h.ctx); !ok || err != nil {
			t.Fatalf("batch %d: %v %v", i, ok, err)
		}
		j := h.job(job.ID)
		// Each batch scans 200 contacts, 1 in 6 of them in Cork.
		dublin := int64(0)
		for k := range 200 * i {
			if k%6 != 5 {
				dublin++
			}
		}
		if j.Status != store.EnrollJobRunning || j.Cursor != ids[200*i-1] || j.Matched != dublin || handled(j) != dublin {
			t.Fatalf("after batch %d: %+v", i, j)
		}
		if got := len(h.enrollmentsByRecord("w")); int64(got) != j.Enrolled+1 {
			t.Fatalf("after batch %d: %d enrollments, job says %d enrolled", i, got, j.Enrolled)
		}
	}
	mid := h.job(job.ID)

	h.restart()
	if j := h.job(job.ID); !reflect.DeepEqual(j, mid) {
		t.Fatalf("progress after reopening %+v, want %+v", j, mid)
	}
	if err := h.eng.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	// A liveness bound, not a speed check: generous so a loaded machine does not fail it.
	deadline := time.Now().Add(5 * time.Minute)
	for h.job(job.ID).Status == store.EnrollJobRunning {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed job did not finish: %+v", h.job(job.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.eng.Stop()
	j := h.job(job.ID)
	if j.Status != store.EnrollJobDone || j.Matched != 5000 || j.Enrolled != 4999 || !reflect.DeepEqual(j.Skipped, map[string]int64{SkipAlreadyEnrolled: 1}) || j.FinishedAt == nil {
		t.Fatalf("finished job %+v", j)
	}
	per := h.enrollmentsByRecord("w")
	if len(per) != 5000 {
		t.Fatalf("%d records enrolled, want 5000", len(per))
	}
	for i, id := range ids {
		switch n := per[id]; {
		case i%6 == 5 && n != 0:
			t.Fatalf("Cork contact %d enrolled", id)
		case i%6 != 5 && n != 1:
			t.Fatalf("contact %d has %d enrollments, want 1", id, n)
		}
	}
	ens, _ := h.db.Enrollments(h.ctx, store.EnrollmentQuery{WorkflowID: "w", Limit: 1})
	if r := h.reason(ens[0].ID); r.TriggerType != "manual" || r.By != fmt.Sprintf("enroll job %d", job.ID) || !strings.Contains(r.Summary, "by filter") {
		t.Fatalf("reason %+v", r)
	}
}

func TestBulkEnrollSkipsAndCounts(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	ids := h.seedContacts(4, func(int) string { return "Dublin" })
	// ids[0] went through before (re-enrollment off); ids[1] is in now.
	first, err := h.eng.EnrollManually(h.ctx, "w", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.advance(24 * time.Hour)
	h.wantStatus(first.ID, store.StatusCompleted)
	if _, err := h.eng.EnrollManually(h.ctx, "w", ids[1]); err != nil {
		t.Fatal(err)
	}
	var company int64
	err = h.db.Write(h.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, h.clock.Now())
		if err != nil {
			return err
		}
		company = ch.Record.ID
		// A company among a contact list's members (as lists before object types could hold).
		if err := tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, h.clock.Now()); err != nil {
			return err
		}
		for _, id := range append(ids, company) {
			if _, err := tx.AddToList("vip", id, h.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	vip := "vip"
	job, err := h.eng.StartEnroll(h.ctx, "w", Selection{List: &vip})
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	j := h.job(job.ID)
	want := map[string]int64{SkipReenrollOff: 1, SkipAlreadyEnrolled: 1, SkipWrongObject: 1}
	if j.Status != store.EnrollJobDone || j.Total != 5 || j.Matched != 5 || j.Enrolled != 2 || !reflect.DeepEqual(j.Skipped, want) {
		t.Fatalf("list job %+v", j)
	}
	// By ids: duplicates count once.
	more := h.seedContacts(6, func(int) string { return "Cork" })[4:]
	job, err = h.eng.StartEnroll(h.ctx, "w", Selection{RecordIDs: []int64{more[1], more[0], more[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if job.Total != 2 {
		t.Fatalf("duplicate ids counted: %+v", job)
	}
	h.run()
	j = h.job(job.ID)
	if j.Status != store.EnrollJobDone || j.Matched != 2 || j.Enrolled != 2 || len(j.Skipped) != 0 {
		t.Fatalf("ids job %+v", j)
	}
	opts, err := h.eng.EnrollOptions(h.ctx, ids[0])
	if err != nil || len(opts) != 1 || opts[0].Available || opts[0].Code != SkipReenrollOff {
		t.Fatalf("options of a record that went through: %+v %v", opts, err)
	}
}

func TestBulkEnrollStopsWhenTheWorkflowIsSwitchedOff(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	h.seedContacts(500, func(int) string { return "Dublin" })
	job, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.RunEnrollBatch(h.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Workflows().Disable(h.ctx, "w", false); err != nil {
		t.Fatal(err)
	}
	h.run()
	j := h.job(job.ID)
	if j.Status != store.EnrollJobFailed || j.Enrolled != 200 || !strings.Contains(j.Error, "200 of 500") {
		t.Fatalf("job %+v", j)
	}
	if n := len(h.enrollmentsByRecord("w")); n != 200 {
		t.Fatalf("%d enrollments after the workflow was switched off, want 200", n)
	}
}

func TestBulkEnrollBadInput(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	off := manualFlow("off")
	if _, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, off)); err != nil {
		t.Fatal(err)
	}
	ids := h.seedContacts(3, func(int) string { return "Dublin" })
	var company int64
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, h.clock.Now())
		company = ch.Record.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	empty, ghost := "", "ghost"
	before := h.counts()
	for _, c := range []struct {
		name, workflow string
		sel            Selection
		field          string
		contains       string
	}{
		{"disabled workflow", "off", Selection{Filter: cityDublin}, "workflow", "switch it on"},
		{"nothing selected", "w", Selection{}, "body", "exactly one"},
		{"two selections", "w", Selection{List: &ghost, Filter: cityDublin}, "body", "exactly one"},
		{"empty ids", "w", Selection{RecordIDs: []int64{}}, "record_ids", "empty"},
		{"bad, missing and wrong-type ids", "w", Selection{RecordIDs: []int64{ids[0], -1, 99999, company}}, "record_ids[1]", "; record_ids[2]: there is no record 99999; record_ids[3]: record 4 is a company"},
		{"company id", "w", Selection{RecordIDs: []int64{company}}, "record_ids[0]", "is a company"},
		{"empty list id", "w", Selection{List: &empty}, "list", "give the id"},
		{"unknown list", "w", Selection{List: &ghost}, "list", `no list "ghost"`},
		{"unknown property", "w", Selection{Filter: &condition.Filter{All: []condition.Filter{{Property: "city", Op: "eq", Value: "Dublin"}, {Property: "citty", Op: "eq", Value: "x"}}}}, "filter.all[1].property", `"citty"`},
		{"bad operator", "w", Selection{Filter: &condition.Filter{Any: []condition.Filter{{Property: "city", Op: "near", Value: "x"}}}}, "filter.any[0]", "not known"},
		{"event field", "w", Selection{Filter: &condition.Filter{All: []condition.Filter{{Property: "event.page", Op: "eq", Value: "x"}}}}, "filter.all[0].property", "no event"},
		{"nobody matches", "w", Selection{Filter: &condition.Filter{All: []condition.Filter{{Property: "city", Op: "eq", Value: "Nowhere"}}}}, "filter", "nothing to enroll"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.eng.StartEnroll(h.ctx, c.workflow, c.sel)
			var ie *problem.Error
			if !errors.As(err, &ie) || ie.FirstField() != c.field || !strings.Contains(ie.Error(), c.contains) {
				t.Fatalf("StartEnroll: %v, want field %q with %q", err, c.field, c.contains)
			}
			if c.name != "nobody matches" {
				if _, err := h.eng.PreviewEnroll(h.ctx, c.workflow, c.sel); !errors.As(err, &ie) || ie.FirstField() != c.field {
					t.Fatalf("PreviewEnroll: %v, want field %q", err, c.field)
				}
			}
		})
	}
	if _, err := h.eng.StartEnroll(h.ctx, "nope", Selection{Filter: cityDublin}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown workflow: %v", err)
	}
	if after := h.counts(); after != before {
		t.Fatalf("bad input changed rows: %+v -> %+v", before, after)
	}
	if jobs, _ := h.db.EnrollJobs(h.ctx, store.EnrollJobQuery{}); len(jobs) != 0 {
		t.Fatalf("bad input stored jobs: %+v", jobs)
	}
}

func TestCancelEnrollment(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	ids := h.seedContacts(2, func(int) string { return "Dublin" })
	en, err := h.eng.EnrollManually(h.ctx, "w", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.wantStatus(en.ID, store.StatusWaiting)
	var ie *problem.Error
	if _, err := h.eng.CancelEnrollment(h.ctx, en.ID, "  "); !errors.As(err, &ie) || ie.FirstField() != "reason" {
		t.Fatalf("cancel without a reason: %v", err)
	}
	if _, err := h.eng.CancelEnrollment(h.ctx, en.ID, strings.Repeat("x", MaxCancelReason+1)); !errors.As(err, &ie) || ie.FirstField() != "reason" {
		t.Fatalf("cancel with a long reason: %v", err)
	}
	h.wantStatus(en.ID, store.StatusWaiting)
	got, err := h.eng.CancelEnrollment(h.ctx, en.ID, "Asked us to stop emailing")
	if err != nil || got.Status != store.StatusCancelled || got.FinishedAt == nil {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if d := h.entry(en.ID, "wait", store.HistCancelled); d["reason"] != "Asked us to stop emailing" || d["by"] != "hand" {
		t.Fatalf("history detail %v", d)
	}
	if n, _ := h.db.PendingJobs(h.ctx); n != 0 {
		t.Fatalf("%d jobs left after cancel", n)
	}
	st, err := h.db.Stats(h.ctx, "w")
	if err != nil || st.Enrollments[store.StatusCancelled] != 1 || st.Enrollments[store.StatusWaiting] != 0 || st.Steps["wait"] != nil && st.Steps["wait"].Waiting != 0 {
		t.Fatalf("stats %+v %v", st, err)
	}
	h.advance(48 * time.Hour)
	h.wantStatus(en.ID, store.StatusCancelled)
	h.wantTrail(en.ID, "enrolled", "wait:waiting", "wait:cancelled")
	if _, err := h.eng.CancelEnrollment(h.ctx, en.ID, "again"); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "is cancelled") {
		t.Fatalf("cancel a cancelled enrollment: %v", err)
	}
	// A finished one is refused too; the record may be enrolled again (re-enrollment is off,
	// and it was enrolled before, so no).
	done, err := h.eng.EnrollManually(h.ctx, "w", ids[1])
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.advance(24 * time.Hour)
	h.wantStatus(done.ID, store.StatusCompleted)
	if _, err := h.eng.CancelEnrollment(h.ctx, done.ID, "too late"); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "is completed") {
		t.Fatalf("cancel a completed enrollment: %v", err)
	}
	if _, err := h.eng.CancelEnrollment(h.ctx, 9999, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cancel a missing enrollment: %v", err)
	}
}

// TestCancelWhileTheStepRuns cancels an enrollment whose job a worker has claimed: the worker's
// result is dropped and the enrollment stays cancelled.
func TestCancelWhileTheStepRuns(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	ids := h.seedContacts(1, func(int) string { return "Dublin" })
	en, err := h.eng.EnrollManually(h.ctx, "w", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if _, err := h.eng.CancelEnrollment(h.ctx, en.ID, "wrong contact"); err != nil {
		t.Fatal(err)
	}
	h.eng.process(h.ctx, claimed[0])
	h.wantStatus(en.ID, store.StatusCancelled)
	h.wantTrail(en.ID, "enrolled", "wait:cancelled")
}

func TestCancelEnrollJob(t *testing.T) {
	h := newHarness(t)
	h.deployM(manualFlow("w"))
	h.seedContacts(500, func(int) string { return "Dublin" })
	job, err := h.eng.StartEnroll(h.ctx, "w", Selection{Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.RunEnrollBatch(h.ctx); err != nil {
		t.Fatal(err)
	}
	got, err := h.eng.CancelEnrollJob(h.ctx, job.ID)
	if err != nil || got.Status != store.EnrollJobCancelled || got.Enrolled != 200 {
		t.Fatalf("stop: %+v %v", got, err)
	}
	h.run()
	if j := h.job(job.ID); j.Status != store.EnrollJobCancelled || j.Enrolled != 200 || j.FinishedAt == nil {
		t.Fatalf("job after stop %+v", j)
	}
	if n := len(h.enrollmentsByRecord("w")); n != 200 {
		t.Fatalf("%d enrollments after the stop, want the 200 made before it", n)
	}
	if _, err := h.eng.CancelEnrollJob(h.ctx, job.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stop a stopped job: %v", err)
	}
	if _, err := h.eng.CancelEnrollJob(h.ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stop a missing job: %v", err)
	}
}
