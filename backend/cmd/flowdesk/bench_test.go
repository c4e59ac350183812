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
