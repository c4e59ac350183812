package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowdesk/flowdesk/backend/bench"
)

// TestBenchReportsEveryFigure runs the whole bench with tiny numbers and checks that every row
// has a positive figure and the expected rows exist. It asserts nothing about speed.
// TestBenchCLI checks the flag handling of `flowdesk bench` without running a full bench.
func TestBenchCLI(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"--synchronous", "OFF"},
		{"--events", "0"},
		{"extra"},
		{"--mode", "sideways"},
		{"--duration", "0s"},
	} {
		if err := runBench(ctx, args, &out, &errb); err == nil {
			t.Errorf("bench %v: want an error", args)
		}
	}
	if testing.Short() {
		return
	}
	dir := t.TempDir()
	out.Reset()
	args := []string{"--db", dir, "--events", "50", "--concurrency", "4", "--synchronous", "normal", "--json", "--paced-rate", "500"}
	if err := runBench(ctx, args, &out, &errb); err != nil {
		t.Fatalf("bench %v: %v\n%s", args, err, errb.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if rep.Events != 50 || rep.Synchronous != "NORMAL" || len(rep.Rows) == 0 {
		t.Fatalf("report %+v", rep)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "bench-*.db")); len(m) == 0 {
		t.Errorf("--db %s: no bench databases were kept there", dir)
	}
}

func TestBenchPrefix(t *testing.T) {
	dir := t.TempDir()
	p, cleanup, err := benchPrefix(dir)
	if err != nil || p != filepath.Join(dir, "bench") {
		t.Fatalf("dir: %q %v", p, err)
	}
	cleanup()
	p, cleanup, err = benchPrefix(filepath.Join(dir, "sub", "mine.db"))
	if err != nil || p != filepath.Join(dir, "sub", "mine") {
		t.Fatalf("file: %q %v", p, err)
	}
	cleanup()
	p, cleanup, err = benchPrefix("")
	if err != nil || p == "" {
		t.Fatalf("temp: %q %v", p, err)
	}
	cleanup()
	if _, err := os.Stat(filepath.Dir(p)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temp dir %s outlived cleanup: %v", filepath.Dir(p), err)
	}
}

// TestBenchHookModes runs the listener, outbound and delays modes with tiny numbers and checks their
// rows carry positive figures (no timing assertions).

// TestBenchExternalModes runs the external modes with tiny numbers against the real binary (a
// `flowdesk serve` child) and checks that every figure they report is positive. It asserts
// nothing about speed.
func TestBenchExternalModes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx := context.Background()
	bin := buildFlowdesk(ctx, t, t.TempDir())
	for _, mode := range []string{bench.ModeHTTPExternal, bench.ModeHooksExternal} {
		t.Run(mode, func(t *testing.T) {
			rep, err := bench.Run(ctx, bench.Config{Prefix: filepath.Join(t.TempDir(), "bench"), Events: 60, Concurrency: 4,
				Synchronous: "NORMAL", Mode: mode, ServeBinary: bin, Levels: []int{2, 4}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Truncated) > 0 {
				t.Fatalf("phases ran out of time: %v", rep.Truncated)
			}
			keys := map[string]bool{}
			for _, r := range rep.Rows {
				keys[r.Key] = true
				if r.Value <= 0 {
					t.Errorf("%s (%s) = %v, want a positive figure", r.Key, r.Name, r.Value)
				}
			}
			want := []string{"external.events.c4", "external.events.c4.ack.p99", "external.events.c4.executions", "external.five_steps", "external.peak_rss", "external.idle_rss"}
			if mode == bench.ModeHooksExternal {
				want = []string{"external.hooks.c2", "external.hooks.c4.steps", "external.hooks.peak_rss"}
			}
			for _, k := range want {
				if !keys[k] {
					t.Errorf("no %s row in %v", k, keys)
				}
			}
		})
	}
}
