package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

const leadsLine = "this process leads"

// leads counts how often a process's log says it took the leadership.
func leads(t *testing.T, p *serveProc) int {
	t.Helper()
	raw, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(raw), leadsLine)
}

// TestTwoServesShareOnePostgreSQLDatabase runs two `flowdesk serve` processes on one database,
// as behind a load balancer: exactly one leads (schedules, bulk work, maintenance); a workflow
// published through one is live in the other as soon as the database notifies it; and when
// the leader is killed with SIGKILL the other takes over.
func TestTwoServesShareOnePostgreSQLDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED ON PURPOSE in -short mode: builds the binary and runs two serve processes")
	}
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)
	serve := func(name string) *serveProc {
		p := startProcess(ctx, t, bin, filepath.Join(dir, name+".log"), readyRe, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "info")
		if !strings.HasPrefix(p.base, "http://127.0.0.1:") {
			t.Fatalf("serve %s listens on %s", name, p.base)
		}
		return p
	}
	a, b := serve("a"), serve("b")
	both := func() int { return leads(t, a) + leads(t, b) }
	if err := waitFor(ctx, func() (bool, error) { return both() >= 1, nil }); err != nil {
		t.Fatalf("no serve process leads: %v\n%s\n%s", err, logTail(a.logPath), logTail(b.logPath))
	}
	time.Sleep(3 * time.Second) // a few election rounds: nobody else takes it meanwhile
	if n := both(); n != 1 {
		t.Fatalf("%d leaderships taken by two live processes, want 1\n%s\n%s", n, logTail(a.logPath), logTail(b.logPath))
	}
	leader, other := a, b
	if leads(t, b) == 1 {
		leader, other = b, a
	}

	// Publish through the leader; the other process enrolls from its next event on.
	client := newLoopbackClient()
	if err := apiCall(ctx, client, http.MethodPost, leader.base+"/api/workflows", workersWorkflow, http.StatusCreated, nil); err != nil {
		t.Fatal(err)
	}
	if err := apiCall(ctx, client, http.MethodPost, leader.base+"/api/workflows/workers/enable", "{}", http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	enrolled := 0
	for i := 0; i < 50 && enrolled == 0; i++ {
		var res struct {
			Enrollments []int64 `json:"enrollments"`
		}
		body := fmt.Sprintf(`{"type": "workers.start", "record": {"type": "contact", "email": "s%02d@example.com"}}`, i)
		if err := apiCall(ctx, client, http.MethodPost, other.base+"/api/events", body, http.StatusCreated, &res); err != nil {
			t.Fatal(err)
		}
		enrolled = len(res.Enrollments)
		if enrolled == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if enrolled != 1 {
		t.Fatal("the other serve process never enrolled into the workflow published through the leader")
	}

	// The leader dies; the other process takes over.
	leader.kill(t)
	if err := waitFor(ctx, func() (bool, error) { return leads(t, other) == 1, nil }); err != nil {
		t.Fatalf("nobody took over from the killed leader: %v\n%s", err, logTail(other.logPath))
	}
	// And runs the enrollments through, delay included, on its own dispatcher.
	if err := waitFor(ctx, func() (bool, error) {
		var st struct {
			Enrollments map[string]int64 `json:"enrollments"`
		}
		err := apiCall(ctx, client, http.MethodGet, other.base+"/api/workflows/workers/stats", "", http.StatusOK, &st)
		return st.Enrollments["completed"] >= 1 && st.Enrollments["active"]+st.Enrollments["waiting"] == 0, err
	}); err != nil {
		t.Fatalf("the enrollments did not complete after the leader died: %v\n%s", err, logTail(other.logPath))
	}
	if err := other.terminate(); err != nil {
		t.Fatal(err)
	}
}
