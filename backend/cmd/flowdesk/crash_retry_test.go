package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
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

	rc, counts := slowReceiver(t)

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
	seedDB, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys := seedRetryCrashDeadLetters(ctx, t, seedDB, rc.URL+"/in")
	if err := seedDB.Close(); err != nil {
		t.Fatal(err)
	}

	srv = startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve2.log"))
	var job retryCrashJob
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
	total, perKey := counts()
	twice := checkRetriedOnce(ctx, t, db, keys, job.UpTo, perKey)
	// only the batch in flight at the kill was sent again (one batch is 25)
	if twice > 25 || total != retryCrashDead+twice {
		t.Fatalf("%d dead letters reached the receiver twice, %d requests for %d", twice, total, retryCrashDead)
	}
	t.Logf("%d dead letters of the batch in flight at the kill were sent twice (same webhook-id)", twice)
}

// retryCrashJob is the part of GET /api/deliveries/retry-jobs/{id} the tests read.
type retryCrashJob struct {
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

// slowReceiver is a webhook receiver on 127.0.0.1 that takes 2 ms per request (so a job is seen
// running) and answers 200; counts returns its requests, in all and per webhook-id.
func slowReceiver(t *testing.T) (*httptest.Server, func() (int, map[string]int)) {
	t.Helper()
	var mu sync.Mutex
	perID := map[string]int{}
	hits := 0
	rc := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perID[r.Header.Get("webhook-id")]++
		hits++
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		fmt.Fprint(w, `{"ok": true}`)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc.Listener = ln
	rc.Start()
	t.Cleanup(rc.Close)
	return rc, func() (int, map[string]int) {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range perID {
			out[k] = v
		}
		return hits, out
	}
}

// checkRetriedOnce checks that each dead letter has exactly one retry line after upTo (ok, try
// 4) and reached the receiver once or twice, and returns how many reached it twice.
func checkRetriedOnce(ctx context.Context, t *testing.T, db store.Store, keys []string, upTo int64, perKey map[string]int) int {
	t.Helper()
	twice := 0
	for _, k := range keys {
		atts, err := db.ActionAttempts(ctx, store.AttemptQuery{Key: k, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var retries []*store.ActionAttempt
		for _, a := range atts {
			if a.ID > upTo {
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
	return twice
}

// seedRetryCrashDeadLetters stores retryCrashDead completed enrollments of "shop" whose webhook
// delivery went dead after 3 tries, as the dispatcher logs them, and returns their keys.
func seedRetryCrashDeadLetters(ctx context.Context, t *testing.T, db store.Store, url string) []string {
	t.Helper()
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

// TestRetryJobOnTwoServesRunsOnTheLeader runs two `flowdesk serve` processes on one PostgreSQL
// database: a "Retry all" of 2,000 dead letters started through the process that does not lead
// is run by the leader alone; when the leader is killed with SIGKILL mid-job, the other process
// takes over and finishes it, and every dead letter has exactly one retry line.
func TestRetryJobOnTwoServesRunsOnTheLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary and runs two serve processes")
	}
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)
	rc, counts := slowReceiver(t)
	serve := func(name string) *serveProc {
		return startProcess(ctx, t, bin, filepath.Join(dir, name+".log"), readyRe, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "info")
	}
	a, b := serve("a"), serve("b")
	if err := waitFor(ctx, func() (bool, error) { return leads(t, a)+leads(t, b) >= 1, nil }); err != nil {
		t.Fatalf("no serve process leads: %v", err)
	}
	leader, other := a, b
	if leads(t, b) == 1 {
		leader, other = b, a
	}
	client := newLoopbackClient()
	def := fmt.Sprintf(`{"id": "shop", "name": "Shop", "object": "contact", "triggers": [{"id": "sold", "type": "event", "event": "sale.completed"}],
	  "reenroll": {"enabled": false, "triggers": []}, "start": "hook", "steps": [{"id": "hook", "type": "webhook", "url": %q}]}`, rc.URL+"/in")
	if err := apiCall(ctx, client, http.MethodPost, other.base+"/api/workflows", def, http.StatusCreated, nil); err != nil {
		t.Fatal(err)
	}
	if err := apiCall(ctx, client, http.MethodPost, other.base+"/api/workflows/shop/enable", "", http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	pdb, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	keys := seedRetryCrashDeadLetters(ctx, t, pdb.DB, rc.URL+"/in")

	var job retryCrashJob
	if err := apiCall(ctx, client, http.MethodPost, other.base+"/api/deliveries/retry-jobs", `{"workflow": "shop", "step": "hook"}`, http.StatusAccepted, &job); err != nil {
		t.Fatal(err)
	}
	jobURL := fmt.Sprintf("%s/api/deliveries/retry-jobs/%d", other.base, job.ID)
	running := fmt.Sprintf(`msg="retry job running" job=%d `, job.ID)
	if err := waitFor(ctx, func() (bool, error) {
		err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &job)
		return job.Done >= 200, err
	}); err != nil || job.Finished {
		t.Fatalf("the job before the kill %+v: %v\n%s", job, err, logTail(leader.logPath))
	}
	if !logHas(t, leader, running) || logHas(t, other, running) {
		t.Fatalf("the leader's log says %v, the other's %v that they run the job; want the leader only\n%s\n%s",
			logHas(t, leader, running), logHas(t, other, running), logTail(leader.logPath), logTail(other.logPath))
	}
	leader.kill(t)
	t.Logf("killed the leader at %d of %d done", job.Done, job.Total)
	takeover := time.Now()
	if err := waitFor(ctx, func() (bool, error) {
		err := apiCall(ctx, client, http.MethodGet, jobURL, "", http.StatusOK, &job)
		return job.Finished, err
	}); err != nil {
		t.Fatalf("the other process did not finish the job: %+v %v\n%s", job, err, logTail(other.logPath))
	}
	if !logHas(t, other, running) || job.Status != "done" || job.OK != retryCrashDead {
		t.Fatalf("after the takeover: job %+v; log:\n%s", job, logTail(other.logPath))
	}
	if err := other.terminate(); err != nil {
		t.Fatal(err)
	}
	total, perKey := counts()
	twice := checkRetriedOnce(ctx, t, pdb.DB, keys, job.UpTo, perKey)
	if twice > 25 || total != retryCrashDead+twice {
		t.Fatalf("%d dead letters reached the receiver twice, %d requests for %d", twice, total, retryCrashDead)
	}
	t.Logf("the other process took over and finished in %v; %d sent twice (same webhook-id)", time.Since(takeover), twice)
}

// logHas tells whether a process's log holds s.
func logHas(t *testing.T, p *serveProc, s string) bool {
	t.Helper()
	raw, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(raw), s)
}
