package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// ModeDelays measures the target "1,000,000 pending delays with < 300 MB RSS; a due delay fires
// within 1 s": --events enrollments wait in a 30-day delay while short delays come due.
const ModeDelays = "delays"

const delaysWorkflow = `{"id": "bench-delays", "name": "Bench delays", "object": "contact",
  "triggers": [{"type": "event", "event": "bench.delay"}], "start": "wait",
  "steps": [{"id": "wait", "type": "delay", "duration": "30d", "next": "done"},
            {"id": "done", "type": "set_property", "property": "bench_done", "value": true}]}`

const dueWorkflow = `{"id": "bench-due", "name": "Bench due", "object": "contact",
  "triggers": [{"type": "event", "event": "bench.due"}], "start": "wait",
  "steps": [{"id": "wait", "type": "delay", "duration": "2s", "next": "done"},
            {"id": "done", "type": "set_property", "property": "bench_done", "value": true}]}`

// dueProbes is how many 2-second delays are timed against their due time.
const dueProbes = 200

func (b *bench) delays(ctx context.Context) error {
	be, err := b.openWith(ctx, "delays", delaysWorkflow, engine.Options{})
	if err != nil {
		return err
	}
	defer be.close()
	w, err := be.eng.Workflows().Create(ctx, []byte(dueWorkflow))
	if err == nil {
		_, err = be.eng.Workflows().Enable(ctx, w.ID)
	}
	if err != nil {
		return fmt.Errorf("bench: the due-delay workflow: %w", err)
	}
	if err := be.eng.Start(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()

	// Fill: every event enrolls a contact that then waits 30 days.
	label := "enroll contacts into a 30-day delay"
	p := b.cfg.Progress.phase(label, b.cfg.Events)
	res := closedLoop(pctx, b.cfg.Events, b.cfg.Concurrency, p, func(ctx context.Context, i int) error {
		_, err := be.eng.Ingest(ctx, engine.EventInput{Type: "bench.delay",
			Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("delay-%d@bench.example.com", i)}})
		return err
	})
	p.done()
	if err := b.checkLoad(label, res); err != nil {
		return err
	}
	waiting, err := waitFor(pctx, be.db, "bench-delays", store.StatusWaiting, int64(res.done))
	if err != nil {
		b.truncated("pending delays")
	}

	// Time short delays against their due time while the long ones stay pending.
	for i := 0; i < dueProbes; i++ {
		if _, err := be.eng.Ingest(pctx, engine.EventInput{Type: "bench.due",
			Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("due-%d@bench.example.com", i)}}); err != nil {
			return fmt.Errorf("bench: due probe: %w", err)
		}
		time.Sleep(5 * time.Millisecond) // spread the due times over a second
	}
	if _, err := waitFor(pctx, be.db, "bench-due", store.StatusCompleted, dueProbes); err != nil {
		b.truncated("due delays")
	}
	var lags []time.Duration
	ens, err := be.db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: "bench-due", Status: store.StatusCompleted, Limit: dueProbes})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	for _, e := range ens {
		if e.FinishedAt != nil {
			lags = append(lags, max(e.FinishedAt.Sub(e.CreatedAt)-2*time.Second, 0))
		}
	}

	runtime.GC()
	debug.FreeOSMemory()
	rss := currentRSSMiB()
	b.rep.add(Row{Key: "delays.pending", Name: "pending delays (30 days) held by the engine", Value: float64(waiting), Unit: "enrollments",
		Note: fmt.Sprintf("enrolled at %.0f/s", res.rate())})
	b.rep.add(Row{Key: "delays.rss", Name: "RSS with those delays pending (after GC)", Value: rss, Unit: "MiB",
		Target: "< 300", Met: met(rss < 300), Note: "whole bench process, load generator included"})
	p99 := percentile(lags, 0.99)
	b.addLatency("delays.lag", "  due delay fired after its due time", lags, "<= 1000", met(p99 <= time.Second))
	return nil
}

// waitFor polls a workflow's enrollment counts until status reaches want (or ctx ends) and
// returns the last count.
func waitFor(ctx context.Context, db *store.DB, workflowID, status string, want int64) (int64, error) {
	for {
		st, err := db.Stats(ctx, workflowID)
		if err != nil {
			return 0, err
		}
		if n := st.Enrollments[status]; n >= want {
			return n, nil
		} else if ctx.Err() != nil {
			return n, ctx.Err()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// currentRSSMiB reads VmRSS (resident memory now, not the peak).
func currentRSSMiB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
