package store

import (
	"context"
	"sort"
	"testing"
	"time"
)

// jobFixture is a database with one workflow and n enrollments, each of its own record.
type jobFixture struct {
	db   *DB
	enrs []*Enrollment
}

func newJobFixture(t *testing.T, n int) *jobFixture {
	t.Helper()
	db := openTest(t)
	wf := newWorkflow(t, db, "wf")
	f := &jobFixture{db: db}
	for i := 0; i < n; i++ {
		rec := newContact(t, db, string(rune('a'+i))+"@x.com", nil)
		f.enrs = append(f.enrs, newEnrollment(t, db, wf, rec, "s1", t0))
	}
	return f
}

func (f *jobFixture) put(t *testing.T, i int, step string, runAt time.Time) *Job {
	t.Helper()
	j := &Job{EnrollmentID: f.enrs[i].ID, RecordID: f.enrs[i].RecordID, StepID: step, Kind: JobRun, RunAt: runAt}
	mustWrite(t, f.db, func(tx Tx) error { return tx.PutJob(j) })
	return j
}

func (f *jobFixture) claim(t *testing.T, now time.Time, lease time.Duration, limit int) []*Job {
	t.Helper()
	var jobs []*Job
	mustWrite(t, f.db, func(tx Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(now, lease, limit)
		return err
	})
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].ID < jobs[b].ID })
	return jobs
}

func (f *jobFixture) finish(t *testing.T, id int64, attempt int) bool {
	t.Helper()
	var ok bool
	mustWrite(t, f.db, func(tx Tx) error {
		var err error
		ok, err = tx.FinishJob(id, attempt)
		return err
	})
	return ok
}

func TestPutJobReplaces(t *testing.T) {
	f := newJobFixture(t, 2)
	first := f.put(t, 0, "s1", t0)
	other := f.put(t, 1, "s1", t0)
	second := f.put(t, 0, "s2", t0.Add(time.Minute)) // replaces first
	if n, _ := f.db.PendingJobs(context.Background()); n != 2 {
		t.Fatalf("%d pending jobs, want 2 (one per enrollment)", n)
	}
	if second.ID == first.ID || second.ID == other.ID {
		t.Fatalf("replacement id %d (first %d, other %d): want a fresh id", second.ID, first.ID, other.ID)
	}
	jobs := f.claim(t, t0.Add(time.Minute), time.Minute, 10)
	if len(jobs) != 2 {
		t.Fatalf("claimed %d jobs, want 2", len(jobs))
	}
	byEnr := map[int64]*Job{}
	for _, j := range jobs {
		byEnr[j.EnrollmentID] = j
	}
	got := byEnr[f.enrs[0].ID]
	if got.ID != second.ID || got.StepID != "s2" || got.Attempt != 1 || !got.RunAt.Equal(t0.Add(time.Minute).Truncate(time.Millisecond)) {
		t.Fatalf("claimed %+v, want the replacement %+v", got, second)
	}
}

func TestClaimJobs(t *testing.T) {
	f := newJobFixture(t, 5)
	past := f.put(t, 0, "past", t0.Add(-time.Hour))
	now := f.put(t, 1, "now", t0)
	f.put(t, 2, "future", t0.Add(time.Second))
	f.put(t, 3, "forever", Forever)
	now2 := f.put(t, 4, "now2", t0)

	if at, ok, err := f.db.NextJobAt(context.Background()); err != nil || !ok || !at.Equal(msTime(t0.Add(-time.Hour))) {
		t.Fatalf("NextJobAt = %v, %v, %v", at, ok, err)
	}
	jobs := f.claim(t, t0, 30*time.Second, 2)
	if len(jobs) != 2 {
		t.Fatalf("limit 2: claimed %d", len(jobs))
	}
	jobs = append(jobs, f.claim(t, t0, 30*time.Second, 10)...)
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].ID < jobs[b].ID })
	if len(jobs) != 3 || jobs[0].ID != past.ID || jobs[1].ID != now.ID || jobs[2].ID != now2.ID {
		t.Fatalf("claimed %+v, want the three due jobs", jobs)
	}
	for _, j := range jobs {
		if j.Attempt != 1 {
			t.Fatalf("job %d attempt %d, want 1", j.ID, j.Attempt)
		}
	}
	var lease int64
	if err := f.db.r.QueryRow("SELECT lease_until FROM jobs WHERE id = ?", past.ID).Scan(&lease); err != nil || lease != ms(t0.Add(30*time.Second)) {
		t.Fatalf("lease_until = %d, %v; want now+30s", lease, err)
	}
	// Running jobs are not "next"; the future one is.
	if at, ok, _ := f.db.NextJobAt(context.Background()); !ok || !at.Equal(msTime(t0.Add(time.Second))) {
		t.Fatalf("NextJobAt after claim = %v, %v", at, ok)
	}
	if got := f.claim(t, t0, 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("claimed %d more at the same time", len(got))
	}
	if got := f.claim(t, t0.Add(time.Second), 30*time.Second, 10); len(got) != 1 || got[0].StepID != "future" {
		t.Fatalf("claim at +1s = %+v, want the future job", got)
	}
	// Forever is never due, even when everything else is.
	late := f.claim(t, time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC), time.Second, 10)
	if len(late) != 4 {
		t.Fatalf("claim in year 9000 took %d jobs, want the 4 others (leases expired)", len(late))
	}
	for _, j := range late {
		if j.StepID == "forever" {
			t.Fatal("claimed the forever job")
		}
	}
}

func TestJobLeaseExpiry(t *testing.T) {
	f := newJobFixture(t, 1)
	j := f.put(t, 0, "s1", t0)
	first := f.claim(t, t0, 30*time.Second, 10)
	if len(first) != 1 || first[0].Attempt != 1 {
		t.Fatalf("first claim %+v", first)
	}
	if got := f.claim(t, t0.Add(29*time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("re-claimed within the lease: %+v", got)
	}
	second := f.claim(t, t0.Add(30*time.Second), 30*time.Second, 10)
	if len(second) != 1 || second[0].ID != j.ID || second[0].Attempt != 2 {
		t.Fatalf("claim after lease expiry %+v, want attempt 2 of job %d", second, j.ID)
	}
	if f.finish(t, j.ID, 1) {
		t.Fatal("FinishJob with the stale attempt succeeded")
	}
	if !f.finish(t, j.ID, 2) {
		t.Fatal("FinishJob with the current attempt failed")
	}
	if f.finish(t, j.ID, 2) {
		t.Fatal("FinishJob twice succeeded")
	}
	if n, _ := f.db.PendingJobs(context.Background()); n != 0 {
		t.Fatalf("%d pending after finish", n)
	}
}

func TestReplacedJobFencesOldClaim(t *testing.T) {
	// A worker holds job J (attempt 1); the job is replaced and the new one claimed (attempt 1).
	// The old worker's FinishJob(J, 1) must fail instead of deleting the new claim's job.
	f := newJobFixture(t, 1)
	f.put(t, 0, "s1", t0)
	old := f.claim(t, t0, time.Minute, 1)[0]
	f.put(t, 0, "s2", t0)
	fresh := f.claim(t, t0, time.Minute, 1)
	if len(fresh) != 1 || fresh[0].StepID != "s2" || fresh[0].Attempt != 1 {
		t.Fatalf("claim of the replacement: %+v", fresh)
	}
	if f.finish(t, old.ID, old.Attempt) {
		t.Fatal("stale claim finished the replacement job")
	}
	if !f.finish(t, fresh[0].ID, fresh[0].Attempt) {
		t.Fatal("the current claim could not finish")
	}
}

func TestReleaseJobs(t *testing.T) {
	f := newJobFixture(t, 2)
	a := f.put(t, 0, "s1", t0)
	f.put(t, 1, "s1", t0)
	claimed := f.claim(t, t0, time.Hour, 10)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d", len(claimed))
	}
	// ReleaseJob: back to available, due later.
	mustWrite(t, f.db, func(tx Tx) error { return tx.ReleaseJob(a.ID, 1, t0.Add(time.Minute)) })
	if got := f.claim(t, t0.Add(59*time.Second), time.Hour, 10); len(got) != 0 {
		t.Fatalf("released job claimed before its run_at: %+v", got)
	}
	// ReleaseAllLeases (start-up rescue): the other running job is due again at once.
	var n int64
	mustWrite(t, f.db, func(tx Tx) error {
		var err error
		n, err = tx.ReleaseAllLeases()
		return err
	})
	if n != 1 {
		t.Fatalf("ReleaseAllLeases released %d, want 1", n)
	}
	got := f.claim(t, t0.Add(time.Minute), time.Hour, 10)
	if len(got) != 2 || got[0].Attempt != 2 || got[1].Attempt != 2 {
		t.Fatalf("after releases: %+v, want both at attempt 2", got)
	}
}

func TestWaitingJobs(t *testing.T) {
	f := newJobFixture(t, 2)
	rec := f.enrs[0].RecordID
	wait := &Job{EnrollmentID: f.enrs[0].ID, RecordID: rec, StepID: "d1", Kind: JobResume, Outcome: OutcomeTimeout,
		WaitEvent: "payment.completed", RunAt: Forever}
	mustWrite(t, f.db, func(tx Tx) error { return tx.PutJob(wait) })
	f.put(t, 1, "s1", t0.Add(time.Hour)) // another record's plain job
	waits := func(recordID int64, typ string) []*Job {
		var out []*Job
		mustWrite(t, f.db, func(tx Tx) error {
			var err error
			out, err = tx.WaitingJobs(recordID, typ)
			return err
		})
		return out
	}
	if got := waits(rec, "payment.completed"); len(got) != 1 || got[0].ID != wait.ID || got[0].WaitEvent != "payment.completed" || !got[0].RunAt.Equal(Forever) {
		t.Fatalf("WaitingJobs = %+v", got)
	}
	if got := waits(rec, "webinar.registered"); len(got) != 0 {
		t.Fatalf("WaitingJobs of another type = %+v", got)
	}
	if got := waits(f.enrs[1].RecordID, "payment.completed"); len(got) != 0 {
		t.Fatalf("WaitingJobs of another record = %+v", got)
	}
	if got := f.claim(t, t0, time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed a waiting job: %+v", got)
	}
	mustWrite(t, f.db, func(tx Tx) error { return tx.WakeJob(wait.ID, OutcomeEvent, 77, t0) })
	if got := waits(rec, "payment.completed"); len(got) != 0 {
		t.Fatalf("still waiting after WakeJob: %+v", got)
	}
	got := f.claim(t, t0, time.Minute, 10)
	if len(got) != 1 || got[0].ID != wait.ID || got[0].Kind != JobResume || got[0].Outcome != OutcomeEvent || got[0].EventID != 77 || got[0].WaitEvent != "" {
		t.Fatalf("woken job claimed as %+v", got)
	}
}

func TestNextJobAtEmpty(t *testing.T) {
	db := openTest(t)
	if _, ok, err := db.NextJobAt(context.Background()); err != nil || ok {
		t.Fatalf("NextJobAt on empty queue: ok %v err %v", ok, err)
	}
}
