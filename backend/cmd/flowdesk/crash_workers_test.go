package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
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

// TestKill9OneOfTwoWorkers runs two `flowdesk worker` processes on one PostgreSQL database
// through 10,000 enrollments and kills one with SIGKILL in the middle. The survivor rescues the
// dead worker's jobs when their leases run out (no heartbeat renews them), and the commits of
// anything the dead worker had claimed are fenced: every enrollment completes exactly once,
// every internal step ran once, and the counters are exact.
func TestKill9OneOfTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary and runs 10,000 enrollments through two worker processes")
	}
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)

	db, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seedWorkers(ctx, t, db)

	args := func(name string) []string {
		return []string{"worker", "--db", dsn, "--workers", "64", "--lease", workersLease.String(), "--log-level", "warn"}
	}
	a := startProcess(ctx, t, bin, filepath.Join(dir, "a.log"), workerReadyRe, args("a")...)
	b := startProcess(ctx, t, bin, filepath.Join(dir, "b.log"), workerReadyRe, args("b")...)

	// Kill worker a once a quarter of the enrollments finished: thousands are then mid-way,
	// some claimed by a.
	if err := waitFor(ctx, func() (bool, error) {
		n, err := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
		return n >= workersEnrollments/4, err
	}); err != nil {
		t.Fatalf("before the kill: %v\nworker a:\n%s\nworker b:\n%s", err, logTail(a.logPath), logTail(b.logPath))
	}
	a.kill(t)
	held, _ := countRows(ctx, db, "SELECT COUNT(*) FROM jobs WHERE state = 'running'")
	done, _ := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
	t.Logf("killed worker a with %d of %d enrollments completed and %d jobs claimed", done, workersEnrollments, held)

	start := time.Now()
	settleCtx, cancelSettle := context.WithTimeout(ctx, workersSettle)
	defer cancelSettle()
	if err := waitFor(settleCtx, func() (bool, error) {
		n, err := countRows(ctx, db, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'")
		return n == workersEnrollments, err
	}); err != nil {
		t.Fatalf("after the kill: %v\nworker b:\n%s", err, logTail(b.logPath))
	}
	t.Logf("worker b finished the run %s after the kill", time.Since(start).Round(time.Millisecond))
	if err := b.terminate(); err != nil {
		t.Fatalf("worker b: %v\n%s", err, logTail(b.logPath))
	}
	checkWorkersDatabase(ctx, t, db)
}

// seedWorkers creates and enables the workflow and sends the 10,000 start events through an
// engine in the test process (as serve's API would), without running any step.
func seedWorkers(ctx context.Context, t *testing.T, db *postgres.DB) {
	t.Helper()
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := eng.CreateWorkflow(ctx, []byte(workersWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.EnableWorkflow(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= workersEnrollments; i = next.Add(1) {
				res, err := eng.Ingest(ctx, engine.EventInput{Type: "workers.start",
					Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("w-%05d@example.com", i)}})
				if err == nil && len(res.Enrollments) != 1 {
					err = fmt.Errorf("event %d enrolled %v, want one enrollment", i, res.Enrollments)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
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
func checkWorkersDatabase(ctx context.Context, t *testing.T, db *postgres.DB) {
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
	check("enrollments", "SELECT COUNT(*) FROM enrollments", workersEnrollments)
	check("completed enrollments", "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'", workersEnrollments)
	check("history lines", "SELECT COUNT(*) FROM history", int64(workersEnrollments*len(workersTrail)))
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
		if s == nil || s.Completed != workersEnrollments || s.Failed != 0 {
			raw, _ := json.Marshal(s)
			t.Errorf("step %s counters %s, want %d completed, none failed", step, raw, workersEnrollments)
		}
	}
	// Spot-check whole trails in order through the store's own read.
	for _, id := range []int64{1, workersEnrollments / 2, workersEnrollments} {
		hist, err := db.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := historyTrail(hist); fmt.Sprint(got) != fmt.Sprint(workersTrail) {
			t.Errorf("enrollment %d trail %v, want %v", id, got, workersTrail)
		}
	}
}
