package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// enrollCrashWorkflow takes manual enrollment only; its enrollments wait a day.
const enrollCrashWorkflow = `{
  "id": "bulk", "name": "Bulk", "object": "contact", "triggers": [],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "wait",
  "steps": [{"id": "wait", "type": "delay", "duration": "1d"}]
}`

const enrollCrashContacts = 12000

// enrollJob is the part of GET /api/enroll-jobs/{id} the test reads.
type enrollJob struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Total     int64  `json:"total"`
	Matched   int64  `json:"matched"`
	Enrolled  int64  `json:"enrolled"`
	Processed int64  `json:"processed"`
	Done      bool   `json:"done"`
}

// TestKill9MidBulkEnroll kills `flowdesk serve` with SIGKILL while a bulk enrollment of 12,000
// contacts runs, restarts it on the same database and checks that the job resumes from its
// committed progress (never behind what the API reported before the kill) and finishes with
// every contact enrolled exactly once. While the job runs, events are posted and their
// acknowledgement times reported (ingest must not wait for the job).
func TestKill9MidBulkEnroll(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // the build and 12,000 records on a busy machine
	defer cancel()
	tmp := t.TempDir()
	bin := buildFlowdesk(ctx, t, tmp)
	dbPath := filepath.Join(tmp, "f.db")
	seedBulkDatabase(ctx, t, dbPath)

	// Batches of 10 (not 200) give the job 1,200 commits, so it is still running when the
	// watch below sees a quarter done, however the machine schedules the two processes.
	srv := startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve1.log"), "--enroll-batch", "10")
	client := newLoopbackClient()
	postEvent := func(name string) time.Duration {
		t.Helper()
		start := time.Now()
		body := fmt.Sprintf(`{"type": "page.viewed", "record": {"type": "contact", "email": "visitor-%s@example.com"}}`, name)
		if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/events", body, http.StatusCreated, nil); err != nil {
			t.Fatalf("post an event: %v", err)
		}
		return time.Since(start)
	}
	var idle []time.Duration // the same posts with no job running, for comparison
	for i := range 50 {
		idle = append(idle, postEvent(fmt.Sprintf("idle-%d", i)))
		time.Sleep(5 * time.Millisecond)
	}
	var job enrollJob
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows/bulk/enroll", `{"filter": {"all": [{"property": "city", "op": "eq", "value": "Dublin"}]}}`, http.StatusAccepted, &job); err != nil {
		t.Fatalf("start the bulk enrollment: %v", err)
	}
	if job.Total != enrollCrashContacts {
		t.Fatalf("job %+v, want %d selected", job, enrollCrashContacts)
	}
	jobURL := fmt.Sprintf("%s/api/enroll-jobs/%d", srv.base, job.ID)

	// Watch the progress and post events meanwhile; kill once a good part is committed.
	var acks []time.Duration
	var seen enrollJob
	for i := 0; ; i++ {
		if err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &seen); err != nil {
			t.Fatal(err)
		}
		if seen.Done {
			t.Fatalf("the job finished before the kill (%+v); make it bigger", seen)
		}
		if seen.Processed >= enrollCrashContacts/4 {
			break
		}
		acks = append(acks, postEvent(fmt.Sprint(i)))
		time.Sleep(5 * time.Millisecond)
	}
	srv.kill(t)
	t.Logf("SIGKILL with %d of %d processed (API); %d events posted meanwhile, acknowledged in %s (with no job running: %s)",
		seen.Processed, seen.Total, len(acks), percentiles(acks), percentiles(idle))

	srv2 := startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve2.log"))
	var resumed enrollJob
	if err := apiCall(ctx, client, http.MethodGet, fmt.Sprintf("%s/api/enroll-jobs/%d", srv2.base, job.ID), "", http.StatusOK, &resumed); err != nil {
		t.Fatal(err)
	}
	if resumed.Processed < seen.Processed {
		t.Fatalf("after the restart the job reports %d processed, less than the %d reported before the kill", resumed.Processed, seen.Processed)
	}
	began := time.Now()
	for !resumed.Done {
		if ctx.Err() != nil {
			t.Fatalf("the resumed job did not finish: %+v; log:\n%s", resumed, logTail(srv2.logPath))
		}
		time.Sleep(20 * time.Millisecond)
		if err := apiCall(ctx, client, http.MethodGet, fmt.Sprintf("%s/api/enroll-jobs/%d", srv2.base, job.ID), "", http.StatusOK, &resumed); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("resumed and finished the remaining %d in %s", enrollCrashContacts-seen.Processed, time.Since(began).Round(time.Millisecond))
	if err := srv2.terminate(); err != nil {
		t.Fatalf("stop the second server: %v", err)
	}
	if resumed.Status != "done" || resumed.Matched != enrollCrashContacts || resumed.Enrolled != enrollCrashContacts {
		t.Fatalf("finished job %+v", resumed)
	}

	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every contact has an open enrollment, and there are as many enrollments as contacts (at
	// most one open enrollment per record is a unique index): so each has exactly one.
	st, err := db.Stats(ctx, "bulk")
	if err != nil {
		t.Fatal(err)
	}
	if total := st.Enrollments[store.StatusActive] + st.Enrollments[store.StatusWaiting]; total != enrollCrashContacts || st.Enrollments[store.StatusCompleted] != 0 {
		t.Fatalf("enrollments by status %v, want %d open", st.Enrollments, enrollCrashContacts)
	}
	contacts := 0
	for after := int64(0); ; {
		recs, err := db.SelectRecords(ctx, store.RecordSelect{Type: "contact", After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		var ids []int64
		for _, r := range recs {
			if strings.HasPrefix(r.Email, "bulk-") {
				ids = append(ids, r.ID)
			}
		}
		states, err := db.EnrollStates(ctx, "bulk", ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if !states[id].Open {
				t.Fatalf("contact %d is not enrolled", id)
			}
		}
		contacts += len(ids)
		after = recs[len(recs)-1].ID
	}
	if contacts != enrollCrashContacts {
		t.Fatalf("checked %d contacts, want %d", contacts, enrollCrashContacts)
	}
}

// seedBulkDatabase creates the workflow (on) and the contacts before any server runs.
func seedBulkDatabase(ctx context.Context, t *testing.T, dbPath string) {
	t.Helper()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Workflows().Create(ctx, []byte(enrollCrashWorkflow)); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Workflows().Enable(ctx, "bulk"); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < enrollCrashContacts; start += 2000 {
		err := db.Write(ctx, func(tx store.Tx) error {
			for i := start; i < start+2000; i++ {
				if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("bulk-%05d@example.com", i), map[string]any{"city": "Dublin"}, eng.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// percentiles formats the median and the 99th percentile of ds.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "(none)"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("p50 %s, p99 %s, max %s", s[len(s)/2].Round(time.Microsecond), s[len(s)*99/100].Round(time.Microsecond), s[len(s)-1].Round(time.Microsecond))
}
