package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBenchReportsEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every bench phase; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{Prefix: filepath.Join(t.TempDir(), "bench"), Events: 200, Concurrency: 8, Synchronous: "NORMAL",
		PacedRate: 1000, PacedEvents: 100, CommitProbes: 20, PhaseTimeout: time.Minute}
	cfg.Duration, cfg.OutboundRate = 5*time.Second, 200
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	if len(rep.Truncated) > 0 {
		t.Fatalf("phases ran out of time: %v", rep.Truncated)
	}
	want := []string{"sqlite.commit_rate", "hooks.listener", "hooks.listener.paced.ack.p99", "outbound.deliveries", "outbound.latency.p99", "ingest.engine", "ingest.engine_workflow", "execute.steps", "execute.enrollments",
		"ingest.http", "ingest.http.ack.p99", "ingest.paced", "ingest.paced.ack.p99",
		"latency.event_to_completion.p50", "latency.event_to_completion.p99", "memory.peak_rss"}
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		seen[r.Key] = true
		if !(r.Value > 0) {
			t.Errorf("row %q (%s) has value %v, want a positive figure", r.Key, r.Name, r.Value)
		}
		if r.Unit == "" {
			t.Errorf("row %q has no unit", r.Key)
		}
		if strings.HasSuffix(r.Unit, "events/s") && r.Key != "sqlite.commit_rate" && !(r.Ratio > 0) {
			t.Errorf("row %q has no ratio to the commit rate", r.Key)
		}
	}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("the report has no %q row", k)
		}
	}

	// Both output forms render.
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"events/s", "steps/s", "x commit rate", "MiB"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("the table lacks %q:\n%s", s, table.String())
		}
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || len(back.Rows) != len(rep.Rows) {
		t.Fatalf("JSON report does not round-trip: %v", err)
	}
}

func TestPercentileAndFormatting(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	if got := percentile(ds, 0.5); got != 5 {
		t.Errorf("p50 = %v, want 5", got)
	}
	if got := percentile(ds, 0.99); got != 10 {
		t.Errorf("p99 = %v, want 10", got)
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("p50 of nothing = %v", got)
	}
	for v, want := range map[float64]string{1234567: "1,234,567", 999: "999", 42.26: "42.3", 3.14159: "3.14"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestBenchHookModes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the listener and outbound phases; skipped in -short mode")
	}
	for mode, want := range map[string][]string{
		ModeListener: {"hooks.listener", "hooks.listener.ack.p50", "hooks.listener.ack.p99", "hooks.listener.paced", "hooks.listener.paced.ack.p99"},
		ModeOutbound: {"outbound.deliveries", "outbound.paced", "outbound.latency.p50", "outbound.latency.p99"},
		ModeDelays:   {"delays.pending", "delays.rss"}, // lag rows may be 0 ms: checked below
		ModeSoak:     {"soak.events", "soak.db.peak", "soak.size.1"},
	} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cfg := Config{Prefix: filepath.Join(t.TempDir(), "bench"), Events: 60, Concurrency: 4, Synchronous: "NORMAL",
				PacedRate: 500, PacedEvents: 30, CommitProbes: 10, PhaseTimeout: time.Minute, Mode: mode,
				Duration: 5 * time.Second, OutboundRate: 200}
			rep, err := Run(ctx, cfg)
			if err != nil {
				t.Fatalf("bench --mode %s: %v", mode, err)
			}
			if len(rep.Truncated) > 0 {
				t.Fatalf("phases ran out of time: %v", rep.Truncated)
			}
			rows := map[string]Row{}
			for _, r := range rep.Rows {
				rows[r.Key] = r
			}
			for _, k := range want {
				r, ok := rows[k]
				switch {
				case !ok:
					t.Errorf("the report has no %q row", k)
				case !(r.Value > 0):
					t.Errorf("row %q has value %v, want a positive figure", k, r.Value)
				}
			}
			if _, ok := rows["ingest.engine"]; ok {
				t.Errorf("--mode %s ran the core phases too", mode)
			}
			if mode == ModeDelays {
				if r := rows["delays.pending"]; r.Value != 60 {
					t.Errorf("pending delays %v, want all 60 enrollments waiting", r.Value)
				}
				if _, ok := rows["delays.lag.p99"]; !ok {
					t.Error("no due-delay lag row")
				}
			}
		})
	}
	if _, err := Run(context.Background(), Config{Prefix: filepath.Join(t.TempDir(), "b"), Events: 1, Concurrency: 1, Mode: "nope"}); err == nil {
		t.Error("an unknown mode: want an error")
	}
}
