package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// ModeImport measures a CSV import of --events rows into a static list, with the dispatcher
// running, and what it does to other writes: events are ingested at a paced rate before and
// during the import, and their acknowledgement latencies are compared.
const ModeImport = "import"

const importWorkflow = `{"id": "bench-import", "name": "Bench import", "object": "contact",
  "triggers": [{"type": "event", "event": "bench.tick"}], "start": "mark",
  "steps": [{"id": "mark", "type": "set_property", "property": "ticked", "value": true}]}`

// importTickRate is the events/s ingested beside the import.
const importTickRate = 100

func importFile(rows int) []byte {
	var b strings.Builder
	b.WriteString("Email,First name,Last name,Score,City\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "import-%d@bench.example.com,First %d,Last %d,%d,\"City %d, Region\"\n", i, i, i, i%100, i%50)
	}
	return []byte(b.String())
}

func (b *bench) importCSV(ctx context.Context) error {
	be, err := b.openWith(ctx, "import", importWorkflow, engine.Options{})
	if err != nil {
		return err
	}
	defer be.close()
	if err := be.eng.Start(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if _, err := be.eng.CreateList(ctx, engine.ListInput{ID: "imported", Name: "Imported"}); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	tick := func(run string) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			_, err := be.eng.Ingest(ctx, engine.EventInput{Type: "bench.tick", Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("%s-%d@bench.example.com", run, i)}})
			return err
		}
	}
	// Before: the ack latency of events alone.
	baseN := 3 * importTickRate
	p := b.cfg.Progress.phase(fmt.Sprintf("events at %d/s, no import", importTickRate), baseN)
	base := pacedLoop(pctx, baseN, importTickRate, 4, p, tick("alone"))
	p.done()
	if err := b.checkLoad("events without import", base); err != nil {
		return err
	}

	rows := b.cfg.Events
	file := importFile(rows)
	spec := engine.ImportSpec{Key: "email", Mapping: []engine.ImportColumn{{Column: "Email", Property: "email"},
		{Column: "First name", Property: "first_name"}, {Column: "Last name", Property: "last_name"},
		{Column: "Score", Property: "score"}, {Column: "City", Property: "city"}}}
	label := fmt.Sprintf("CSV import of %d rows into a static list", rows)
	ip := b.cfg.Progress.phase(label, rows)
	t0 := time.Now()
	im, err := be.eng.StartImport(pctx, "imported", file, spec)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	accepted := time.Since(t0)
	// During: the same events while the import's batches run.
	done := make(chan *loadResult, 1)
	duringCtx, stopTicks := context.WithCancel(pctx)
	go func() {
		done <- pacedLoop(duringCtx, importTickRate*int(b.cfg.PhaseTimeout.Seconds()), importTickRate, 4, b.cfg.Progress.phase("events beside the import", 0), tick("beside"))
	}()
	seen := 0
	var finished *store.ListImport
	for pctx.Err() == nil {
		cur, err := be.db.Import(pctx, im.ID)
		if err != nil {
			stopTicks()
			return fmt.Errorf("bench: %w", err)
		}
		ip.add(cur.Cursor - seen)
		seen = cur.Cursor
		if cur.Status != store.ImportRunning {
			finished = cur
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(t0)
	stopTicks()
	during := <-done
	ip.done()
	if finished == nil {
		b.truncated(label)
		finished, _ = be.db.Import(ctx, im.ID)
	}
	rate := float64(finished.Cursor) / elapsed.Seconds()
	b.rep.add(Row{Key: "import.rows", Name: label, Value: rate, Unit: "rows/s", Ratio: b.ratio(rate),
		Note: fmt.Sprintf("%d rows in %.1f s (%d created, %d failed), %d KiB file accepted in %d ms, batches sized to hold the writer %v",
			finished.Cursor, elapsed.Seconds(), finished.Created, finished.Failed, len(file)>>10, accepted.Milliseconds(), engine.ImportHold)})
	b.addLatency("import.ack.alone", fmt.Sprintf("  event ack at %d/s, no import", importTickRate), base.latencies, "", nil)
	b.addLatency("import.ack.during", fmt.Sprintf("  event ack at %d/s during the import", importTickRate), during.latencies, "", nil)
	p99a, p99d := percentile(base.latencies, 0.99), percentile(during.latencies, 0.99)
	ratio := 0.0
	if p99a > 0 {
		ratio = float64(p99d) / float64(p99a)
	}
	b.rep.add(Row{Key: "import.ack.ratio", Name: "  event ack p99 during ÷ without the import", Value: ratio, Unit: "×",
		Note: fmt.Sprintf("%d events acknowledged during the import, %d failed", during.done, during.failed)})
	return nil
}
