package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// TestDeleteBigWorkflowDuringIngest deletes a live workflow with deleteIngestEnrollments open
// enrollments (100,000; fewer under -race) while clients post events over real HTTP, then purges
// it from the Trash, and checks that no request got a 5xx. It prints the ingest latency before
// and during the delete, the cancellation and the purge; wall-clock figures are printed, never
// asserted.
func TestDeleteBigWorkflowDuringIngest(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0", Synchronous: "NORMAL", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	base := "http://" + s.Addr()
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			r = bytes.NewReader(raw)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}

	// The big workflow enrolls every record of the segment that exists when it is switched on,
	// and they wait a day; the live one enrolls each pinged contact.
	n := deleteIngestEnrollments
	seedStart := time.Now()
	for i := 0; i < n; i += 2000 {
		if err := s.DB.Write(ctx, func(tx store.Tx) error {
			for j := i; j < min(i+2000, n); j++ {
				if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("big%06d@example.com", j), map[string]any{"lifecycle": "lead"}, time.Now()); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	big := map[string]any{"id": "big", "name": "Big", "object": "contact",
		"triggers": []any{map[string]any{"id": "leads", "type": "filter", "enroll_existing": true,
			"filter": map[string]any{"all": []any{map[string]any{"property": "lifecycle", "op": "in", "value": []string{"lead"}}}}}},
		"start": "wait", "steps": []any{
			map[string]any{"id": "wait", "type": "delay", "duration": "1d", "next": "mark"},
			map[string]any{"id": "mark", "type": "set_property", "property": "lead_status", "value": "open"}}}
	live := map[string]any{"id": "live", "name": "Live", "object": "contact",
		"triggers": []any{map[string]any{"id": "ping", "type": "event", "event": "ping"}},
		"start":    "mark", "steps": []any{map[string]any{"id": "mark", "type": "set_property", "property": "lead_status", "value": "connected"}}}
	for _, def := range []map[string]any{big, live} {
		if st, b := call("POST", "/api/workflows", def); st != 201 {
			t.Fatalf("create %s: %d %s", def["id"], st, b)
		}
		if st, b := call("POST", fmt.Sprintf("/api/workflows/%s/enable", def["id"]), nil); st != 200 {
			t.Fatalf("enable %s: %d %s", def["id"], st, b)
		}
	}
	waitFor(t, 10*time.Minute, "every enrollment of the big workflow waiting", func() bool {
		st, err := s.DB.Stats(ctx, "big")
		return err == nil && st.Enrollments[store.StatusWaiting] == int64(n)
	})
	t.Logf("seeded %d records and %d waiting enrollments in %v", n, n, time.Since(seedStart).Round(time.Millisecond))

	// ingest posts events from ingestClients clients until stop closes, and returns their latencies and
	// the number of 5xx answers.
	var seq atomic.Int64
	ingest := func(stop <-chan struct{}) (lat []time.Duration, fivexx int64) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var bad atomic.Int64
		for range ingestClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					body, _ := json.Marshal(map[string]any{"type": "ping", "record": map[string]any{"type": "contact", "email": fmt.Sprintf("p%d@example.com", seq.Add(1))}})
					start := time.Now()
					res, err := client.Post(base+"/api/events", "application/json", bytes.NewReader(body))
					d := time.Since(start)
					if err != nil {
						bad.Add(1)
						t.Errorf("POST /api/events: %v", err)
						continue
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode >= 500 {
						bad.Add(1)
						t.Errorf("POST /api/events answered %d: %s", res.StatusCode, b)
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return lat, bad.Load()
	}

	stop := make(chan struct{})
	go func() { time.Sleep(3 * time.Second); close(stop) }()
	normal, bad := ingest(stop)

	stop = make(chan struct{})
	done := make(chan struct{})
	var during []time.Duration
	var badDuring int64
	go func() { during, badDuring = ingest(stop); close(done) }()
	time.Sleep(300 * time.Millisecond)
	delStart := time.Now()
	if st, b := call("DELETE", "/api/workflows/big", nil); st != 200 {
		t.Fatalf("delete: %d %s", st, b)
	}
	delTook := time.Since(delStart)
	// Failing while the clients run would report from their goroutines after the test ended.
	fail := func(format string, args ...any) {
		t.Helper()
		close(stop)
		<-done
		t.Fatalf(format, args...)
	}
	if !eventually(5*time.Minute, func() bool {
		tr, err := s.DB.TrashedWorkflow(ctx, "big")
		return err == nil && tr.Open == 0
	}) {
		fail("timed out waiting for the open enrollments to be cancelled")
	}
	cancelTook := time.Since(delStart)
	purgeStart := time.Now()
	if st, b := call("DELETE", "/api/trash/big", nil); st != 202 {
		fail("purge: %d %s", st, b)
	}
	if !eventually(5*time.Minute, func() bool {
		st, _ := call("GET", "/api/trash/big", nil)
		return st == 404
	}) {
		fail("timed out waiting for the purge")
	}
	purgeTook := time.Since(purgeStart)
	close(stop)
	<-done

	if bad+badDuring != 0 {
		t.Fatalf("%d requests failed with a 5xx or a transport error", bad+badDuring)
	}
	if ens, _ := s.DB.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: "big", Limit: 1}); len(ens) != 0 {
		t.Fatal("enrollments of the purged workflow are left")
	}
	p := func(l []time.Duration, q float64) time.Duration {
		s := slices.Clone(l)
		slices.Sort(s)
		return s[min(len(s)-1, int(float64(len(s))*q))]
	}
	t.Logf("DELETE /api/workflows/big with %d open enrollments answered in %v; cancelled in the background in %v; purged in %v",
		n, delTook.Round(time.Millisecond), cancelTook.Round(time.Millisecond), purgeTook.Round(time.Millisecond))
	t.Logf("ingest before: %d events, p50 %v, p99 %v", len(normal), p(normal, .5), p(normal, .99))
	t.Logf("ingest during the delete, cancellation and purge: %d events, p50 %v, p99 %v (p99 ratio %.1fx), max %v, no 5xx",
		len(during), p(during, .5), p(during, .99), float64(p(during, .99))/float64(p(normal, .99)), p(during, 1))
	st := s.Engine.MaintenanceStats()["trash"]
	t.Logf("trash service: %d batches, %d rows; writer hold per batch: median %v, p99 %v, max %v", st.Batches, st.Rows, st.Median, st.P99, st.Longest)
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	if !eventually(limit, ok) {
		t.Fatalf("timed out after %v waiting for %s", limit, what)
	}
}

// eventually polls ok until it holds (true) or limit passes (false).
func eventually(limit time.Duration, ok func() bool) bool {
	end := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
