package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// retryCrashDead is how many dead letters the kill -9 test of "Retry all" sends again.
const retryCrashDead = 2000

// TestKill9MidRetryJob starts a "Retry all" of 2,000 dead letters in the real binary, kills it
// with SIGKILL while the job runs, starts it again on the same database and checks that the
// new process finishes the job: every dead letter has exactly one retry line in the delivery
// log, every one reached the receiver, and only the requests of the batch in flight at the kill
// reached it twice (with the same webhook-id).
func TestKill9MidRetryJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	bin := buildFlowdesk(ctx, t, tmp)
	dbPath := filepath.Join(tmp, "f.db")

	var mu sync.Mutex
	perID := map[string]int{}
	hits := 0
	rc := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perID[r.Header.Get("webhook-id")]++
		hits++
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a receiver that takes a moment, so the job is seen running
		fmt.Fprint(w, `{"ok": true}`)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc.Listener = ln
	rc.Start()
	defer rc.Close()
	counts := func() (int, map[string]int) {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range perID {
			out[k] = v
		}
		return hits, out
	}

	// the workflow through the API, then the dead letters straight into the stopped database
	client := newLoopbackClient()
	srv := startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve1.log"))
	def := fmt.Sprintf(`{"id": "shop", "name": "Shop", "object": "contact", "triggers": [{"id": "sold", "type": "event", "event": "sale.completed"}],
	  "reenroll": {"enabled": false, "triggers": []}, "start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": %q}]}`, rc.URL+"/in")
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows", def, http.StatusCreated, nil); err != nil {
		t.Fatal(err)
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows/shop/enable", "", http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.terminate(); err != nil {
		t.Fatal(err)
	}
	keys := seedRetryCrashDeadLetters(ctx, t, dbPath, rc.URL+"/in")

	srv = startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve2.log"))
	var job struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		UpTo     int64  `json:"up_to"`
		Total    int64  `json:"total"`
		Done     int64  `json:"done"`
		OK       int64  `json:"ok"`
		Failed   int64  `json:"failed"`
		Skipped  int64  `json:"skipped"`
		Finished bool   `json:"finished"`
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/deliveries/retry-jobs", `{"workflow": "shop", "step": "hook"}`, http.StatusAccepted, &job); err != nil {
		t.Fatal(err)
	}
	if job.Total != retryCrashDead {
		t.Fatalf("job %+v, want %d dead letters", job, retryCrashDead)
	}
	jobURL := fmt.Sprintf("%s/api/deliveries/retry-jobs/%d", srv.base, job.ID)
	// kill once a few batches have committed, while most of the job is still to do
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &job); err != nil {
			t.Fatal(err)
		}
		if job.Done >= 200 {
			break
		}
		if job.Finished || time.Now().After(deadline) {
			t.Fatalf("the job %+v before the kill; log:\n%s", job, logTail(srv.logPath))
		}
	}
	srv.kill(t)
	atKill, _ := counts()
	if job.Finished || atKill >= retryCrashDead {
		t.Fatalf("the job ended before the kill (%+v, %d requests): nothing was tested", job, atKill)
	}
	t.Logf("killed at %d of %d done, %d requests sent", job.Done, job.Total, atKill)

	beforeKill := job.Done
	srv = startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve3.log"))
	jobURL = fmt.Sprintf("%s/api/deliveries/retry-jobs/%d", srv.base, job.ID)
	start := time.Now()
	if err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &job); err != nil {
		t.Fatal(err)
	}
	if job.Done < beforeKill {
		t.Fatalf("after the restart the job reports %d done, before the kill it reported %d", job.Done, beforeKill)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &job); err != nil {
			t.Fatal(err)
		}
		if job.Finished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resumed job did not finish: %+v; log:\n%s", job, logTail(srv.logPath))
		}
	}
	t.Logf("the restarted process finished the job in %v", time.Since(start))
	if err := srv.terminate(); err != nil {
		t.Fatal(err)
	}
	if job.Status != "done" || job.Done != retryCrashDead || job.OK != retryCrashDead || job.Failed != 0 || job.Skipped != 0 {
		t.Fatalf("finished job %+v", job)
	}

	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	twice := 0
	total, perKey := counts()
	for _, k := range keys {
		atts, err := db.ActionAttempts(ctx, store.AttemptQuery{Key: k, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var retries []*store.ActionAttempt
		for _, a := range atts {
			if a.ID > job.UpTo {
				retries = append(retries, a)
			}
		}
		if len(retries) != 1 || retries[0].Outcome != store.AttemptOK || retries[0].Try != 4 {
			t.Fatalf("dead letter %s has %d retry lines %+v, want one ok line, try 4", k, len(retries), retries)
		}
		switch perKey[k] {
		case 1:
		case 2:
			twice++
		default:
			t.Fatalf("dead letter %s reached the receiver %d times", k, perKey[k])
		}
	}
	// only the batch in flight at the kill was sent again (one batch is 25)
	if twice > 25 || total != retryCrashDead+twice {
		t.Fatalf("%d dead letters reached the receiver twice, %d requests for %d", twice, total, retryCrashDead)
	}
	t.Logf("%d dead letters of the batch in flight at the kill were sent twice (same webhook-id)", twice)
}

// seedRetryCrashDeadLetters stores retryCrashDead completed enrollments of "shop" whose webhook
// delivery went dead after 3 tries, as the dispatcher logs them, and returns their keys.
func seedRetryCrashDeadLetters(ctx context.Context, t *testing.T, dbPath, url string) []string {
	t.Helper()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := db.Workflow(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(map[string]any{"method": "POST", "url": url, "body": `{"order": 1}`, "headers": map[string]string{"content-type": "application/json"}})
	now := time.Now()
	var keys []string
	for start := 0; start < retryCrashDead; start += 500 {
		err := db.Write(ctx, func(tx store.Tx) error {
			for i := start; i < min(retryCrashDead, start+500); i++ {
				ch, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("r%04d@example.com", i), nil, now)
				if err != nil {
					return err
				}
				en := &store.Enrollment{WorkflowID: "shop", Version: w.ActiveVersion, RecordID: ch.Record.ID, Status: store.StatusCompleted, TriggerID: "sold"}
				if err := tx.InsertEnrollment(en, now); err != nil {
					return err
				}
				key := fmt.Sprintf("enr-%d-hook-1", en.ID)
				for try, outcome := range []string{store.AttemptRetry, store.AttemptRetry, store.AttemptDead} {
					if err := tx.InsertActionAttempt(&store.ActionAttempt{EnrollmentID: en.ID, WorkflowID: "shop", StepID: "hook", StepType: "webhook",
						IdempotencyKey: key, Try: try + 1, Outcome: outcome, Target: url, StatusCode: 503, Error: "503 Service Unavailable", Request: req, At: now}); err != nil {
						return err
					}
				}
				keys = append(keys, key)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
