package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// workersWorkflow is what the two-worker crash test runs: set -> increment -> 1 s delay -> set.
// The increment shows whether an internal step's effect was applied twice; the delay keeps
// thousands of enrollments in flight when a worker dies.
const workersWorkflow = `{
  "id": "workers", "name": "Two workers", "object": "contact",
  "triggers": [{"type": "event", "event": "workers.start"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "mark",
  "steps": [
    {"id": "mark", "type": "set_property", "property": "stage", "value": "started", "next": "count"},
    {"id": "count", "type": "increment_property", "property": "counter", "by": 1, "next": "wait"},
    {"id": "wait", "type": "delay", "duration": "1s", "next": "finish"},
    {"id": "finish", "type": "set_property", "property": "stage", "value": "done"}
  ]
}`

// workersTrail is the history every enrollment must end with, each line once.
var workersTrail = []string{"enrolled", "mark:ok", "count:ok", "wait:waiting", "wait:resumed", "finish:ok", "completed"}

const (
	workersEnrollments = 10000
	workersLease       = 3 * time.Second
	workersSettle      = 4 * time.Minute
)

var workerReadyRe = regexp.MustCompile(`worker running up to \d+ steps at once`)

// TestKill9OneOfTwoWorkers starts `flowdesk serve` and two `flowdesk worker` processes at
// once on a fresh PostgreSQL schema (they migrate it together, under the migration lock),
// posts 10,000 start events over HTTP into serve and kills one worker with SIGKILL in the
// middle. The survivors rescue the dead worker's jobs when their leases run out (no heartbeat
// renews them), and the commits of anything the dead worker had claimed are fenced: every
// acknowledged event's enrollment completes exactly once, every internal step ran once, and
// the counters are exact.
func TestKill9OneOfTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary and runs 10,000 enrollments through serve and two worker processes")
	}
	dsn := pgtest.Empty(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)

	wargs := []string{"worker", "--db", dsn, "--workers", "64", "--lease", workersLease.String(), "--log-level", "warn"}
	ls := launchProcess(t, bin, filepath.Join(dir, "serve.log"), readyRe, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn")
	la := launchProcess(t, bin, filepath.Join(dir, "a.log"), workerReadyRe, wargs...)
	lb := launchProcess(t, bin, filepath.Join(dir, "b.log"), workerReadyRe, wargs...)
	srv, a, b := ls.wait(ctx, t), la.wait(ctx, t), lb.wait(ctx, t)

	db, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	client := newLoopbackClient()
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows", workersWorkflow, http.StatusCreated, nil); err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows/workers/enable", "", http.StatusOK, nil); err != nil {
		t.Fatalf("enable workflow: %v", err)
	}

	acked := make([]atomic.Bool, workersEnrollments)
	var nAcked, postErrs atomic.Int64
	var next atomic.Int64
	var posters sync.WaitGroup
	for range 16 {
		posters.Go(func() {
			for i := next.Add(1) - 1; i < workersEnrollments; i = next.Add(1) - 1 {
				body := fmt.Sprintf(`{"type": "workers.start", "record": {"type": "contact", "email": %q}}`, workersEmail(int(i)))
				if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/events", body, http.StatusCreated, nil); err != nil {
					if postErrs.Add(1) == 1 {
						t.Logf("a post failed (its event may or may not be stored): %v", err)
					}
					continue
				}
				acked[i].Store(true)
				nAcked.Add(1)
			}
		})
	}

	// Kill worker a once a quarter of the enrollments finished: thousands are then mid-way,
	// some claimed by a, and events may still arrive.
	if err := waitFor(ctx, func() (bool, error) {
		n, err := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
		return n >= workersEnrollments/4, err
	}); err != nil {
		t.Fatalf("before the kill: %v\nworker a:\n%s\nworker b:\n%s\nserve:\n%s", err, logTail(a.logPath), logTail(b.logPath), logTail(srv.logPath))
	}
	a.kill(t)
	held, _ := countRows(ctx, db, "SELECT COUNT(*) FROM jobs WHERE state = 'running'")
	done, _ := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
	t.Logf("killed worker a with %d enrollments completed, %d events acknowledged and %d jobs claimed", done, nAcked.Load(), held)
	posters.Wait()
	stored, err := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events acknowledged, %d posts failed, %d enrollments stored", nAcked.Load(), postErrs.Load(), stored)
	if nAcked.Load() < workersEnrollments*9/10 {
		t.Fatalf("only %d of %d events were acknowledged\nserve:\n%s", nAcked.Load(), workersEnrollments, logTail(srv.logPath))
	}

	start := time.Now()
	settleCtx, cancelSettle := context.WithTimeout(ctx, workersSettle)
	defer cancelSettle()
	if err := waitFor(settleCtx, func() (bool, error) {
		n, err := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
		return n == stored, err
	}); err != nil {
		t.Fatalf("after the kill: %v\nworker b:\n%s", err, logTail(b.logPath))
	}
	t.Logf("the run finished %s after the last event was acknowledged", time.Since(start).Round(time.Millisecond))
	for _, p := range []*serveProc{b, srv} {
		if err := p.terminate(); err != nil {
			t.Fatalf("%v\n%s", err, logTail(p.logPath))
		}
	}
	checkWorkersDatabase(ctx, t, db, stored)
	checkAcked(ctx, t, db, acked)
}

func workersEmail(i int) string { return fmt.Sprintf("w-%05d@example.com", i) }

// checkAcked checks that each acknowledged event's contact has exactly one enrollment, completed.
func checkAcked(ctx context.Context, t *testing.T, db *postgres.DB, acked []atomic.Bool) {
	t.Helper()
	rows, err := db.Pool().Query(ctx, `SELECT r.email, COUNT(e.id), COUNT(e.id) FILTER (WHERE e.status = 'completed')
		FROM records r LEFT JOIN enrollments e ON e.record_id = r.id AND e.workflow_id = 'workers'
		WHERE r.type = 'contact' GROUP BY r.email`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type counts struct{ all, completed int64 }
	got := map[string]counts{}
	for rows.Next() {
		var email string
		var c counts
		if err := rows.Scan(&email, &c.all, &c.completed); err != nil {
			t.Fatal(err)
		}
		got[email] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i := range acked {
		if !acked[i].Load() {
			continue
		}
		if c := got[workersEmail(i)]; c.all != 1 || c.completed != 1 {
			if bad++; bad <= 10 {
				t.Errorf("acknowledged contact %s has %d enrollments, %d completed; want exactly one, completed", workersEmail(i), c.all, c.completed)
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d acknowledged contacts in all without exactly one completed enrollment", bad)
	}
}

func countRows(ctx context.Context, db *postgres.DB, query string) (int64, error) {
	var n int64
	err := db.Pool().QueryRow(ctx, query).Scan(&n)
	return n, err
}

// waitFor polls cond every 200 ms until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// checkWorkersDatabase checks exactly-once: each enrollment's trail, each record's counter,
// the step counters and an empty queue.
func checkWorkersDatabase(ctx context.Context, t *testing.T, db *postgres.DB, n int64) {
	t.Helper()
	check := func(what, query string, want int64) {
		t.Helper()
		n, err := countRows(ctx, db, query)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
	check("enrollments", "SELECT COUNT(*) FROM enrollments", n)
	check("completed enrollments", "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'", n)
	check("history lines", "SELECT COUNT(*) FROM history", n*int64(len(workersTrail)))
	check("history lines written twice", `SELECT COUNT(*) FROM (SELECT 1 FROM history
		GROUP BY enrollment_id, step_id, outcome HAVING COUNT(*) > 1) d`, 0)
	check("records whose counter is not 1", `SELECT COUNT(*) FROM records
		WHERE type = 'contact' AND (properties::jsonb->>'counter')::numeric IS DISTINCT FROM 1`, 0)
	check("records not done", `SELECT COUNT(*) FROM records WHERE type = 'contact' AND properties::jsonb->>'stage' IS DISTINCT FROM 'done'`, 0)
	check("pending jobs", "SELECT COUNT(*) FROM jobs", 0)

	stats, err := db.Stats(ctx, "workers")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"mark", "count", "wait", "finish"} {
		s := stats.Steps[step]
		if s == nil || s.Completed != n || s.Failed != 0 {
			raw, _ := json.Marshal(s)
			t.Errorf("step %s counters %s, want %d completed, none failed", step, raw, n)
		}
	}
	// Spot-check whole trails in order through the store's own read.
	var first, last int64
	if err := db.Pool().QueryRow(ctx, "SELECT MIN(id), MAX(id) FROM enrollments").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{first, (first + last) / 2, last} {
		hist, err := db.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := historyTrail(hist); fmt.Sprint(got) != fmt.Sprint(workersTrail) {
			t.Errorf("enrollment %d trail %v, want %v", id, got, workersTrail)
		}
	}
}
