package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
)

// ModeSoak runs constant load for --duration of real time with the maintenance rounds
// (retention, vacuum, checkpoint) running every second, and reports the database and WAL file
// sizes over time and how long the maintenance batches held the writer: they must level off once retention starts deleting. Retention is a quarter
// of the run (at least 2 s) so a short run reaches that point.
const ModeSoak = "soak"

const soakWorkflow = `{"id": "bench-soak", "name": "Bench soak", "object": "contact",
  "triggers": [{"id": "go", "type": "event", "event": "bench.soak"}],
  "reenroll": {"enabled": true, "triggers": ["go"]}, "start": "tag",
  "steps": [{"id": "tag", "type": "set_property", "property": "bench_stage", "value": "seen", "next": "wait"},
            {"id": "wait", "type": "delay", "duration": "1s", "next": "score"},
            {"id": "score", "type": "increment_property", "property": "bench_score", "by": 1}]}`

// soakSamples is how many size samples the report shows (evenly over the run).
const soakSamples = 10

func (b *bench) soak(ctx context.Context) error {
	retention := max(b.cfg.Duration/4, 2*time.Second)
	be, err := b.openWith(ctx, "soak", soakWorkflow, engine.Options{Retention: func(context.Context) time.Duration { return retention }})
	if err != nil {
		return err
	}
	defer be.close()
	if err := be.eng.Start(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	start := time.Now()
	deadline := start.Add(b.cfg.Duration)
	label := fmt.Sprintf("soak: constant load for %v, retention %v", b.cfg.Duration, retention)
	p := b.cfg.Progress.phase(label, int(b.cfg.Duration/time.Second))

	var events, failed atomic.Int64
	var firstErr atomic.Value
	pad := strings.Repeat("x", 1000) // a realistic event body
	var wg sync.WaitGroup
	for w := range b.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				_, err := be.eng.Ingest(ctx, engine.EventInput{Type: "bench.soak", Data: map[string]any{"page": pad},
					Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("soak-%d-%d@bench.example.com", w, i%200)}})
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				events.Add(1)
			}
		}()
	}

	type sample struct {
		at      time.Duration
		db, wal int64
		events  int64
	}
	var samples []sample
	var peakDB, peakWAL int64
	for tick := time.NewTicker(time.Second); time.Now().Before(deadline) && ctx.Err() == nil; {
		<-tick.C
		be.eng.RunMaintenance(ctx)
		sz := be.db.Sizes()
		peakDB, peakWAL = max(peakDB, sz.DB), max(peakWAL, sz.WAL)
		samples = append(samples, sample{time.Since(start), sz.DB, sz.WAL, events.Load()})
		p.set(len(samples))
	}
	wg.Wait()
	p.done()
	if failed.Load() > 0 {
		b.cfg.Log.Warn("soak ingests failed", "failed", failed.Load(), "first", firstErr.Load())
	}
	if len(samples) == 0 || events.Load() == 0 {
		return fmt.Errorf("bench: soak: nothing was ingested in %v", b.cfg.Duration)
	}
	elapsed := time.Since(start)
	step := max(len(samples)/soakSamples, 1)
	for i := step - 1; i < len(samples); i += step {
		s := samples[i]
		b.rep.add(Row{Key: fmt.Sprintf("soak.size.%d", i+1), Name: fmt.Sprintf("soak: database file at %v", s.at.Round(100*time.Millisecond)),
			Value: mib(s.db), Unit: "MiB", Note: fmt.Sprintf("WAL %.2f MiB; %d events so far", mib(s.wal), s.events)})
	}
	b.rep.add(Row{Key: "soak.events", Name: "soak: events ingested under constant load", Value: float64(events.Load()) / elapsed.Seconds(), Unit: "events/s",
		Ratio: b.ratio(float64(events.Load()) / elapsed.Seconds()), Note: fmt.Sprintf("%d events in %v, %d failed", events.Load(), elapsed.Round(time.Millisecond), failed.Load())})
	b.rep.add(Row{Key: "soak.db.peak", Name: "soak: largest database file", Value: mib(peakDB), Unit: "MiB"})
	b.rep.add(Row{Key: "soak.wal.peak", Name: "soak: largest WAL file", Value: mib(peakWAL), Unit: "MiB"})
	for _, name := range []string{"retention", "vacuum"} {
		st := be.eng.MaintenanceStats()[name]
		b.rep.add(Row{Key: "soak." + name + ".hold.p99", Name: "soak: " + name + " batch holding the writer, p99", Value: ms(st.P99), Unit: "ms",
			Note: fmt.Sprintf("%d batches, %d rows; median %.2f ms, max %.2f ms", st.Batches, st.Rows, ms(st.Median), ms(st.Longest))})
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
