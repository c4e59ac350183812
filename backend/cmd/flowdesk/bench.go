package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/bench"
)

// runBench is `flowdesk bench`: a thin CLI over bench.Run.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	dbArg := fs.String("db", "", "directory (or file name prefix) for the bench databases (default: a temp dir, removed after)")
	events := fs.Int("events", 20000, "events per ingest phase and enrollments in the execution phase; the most the listener and outbound modes send; pending delays in the delays mode")
	conc := fs.Int("concurrency", 64, "concurrent ingest callers and HTTP clients")
	sync := fs.String("synchronous", "FULL", "SQLite synchronous mode: FULL or NORMAL")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	paced := fs.Int("paced-rate", 1000, "events/s of the paced HTTP runs (at most 10 s of events, and at most --events)")
	phaseTimeout := fs.Duration("phase-timeout", 3*time.Minute, "each phase stops after this and reports what finished")
	mode := fs.String("mode", bench.ModeAll, "phases to run: "+strings.Join(bench.Modes, ", "))
	duration := fs.Duration("duration", 10*time.Second, "the listener's closed-loop run and the outbound backlog stop taking new work after this; the soak mode runs this long (e.g. --duration 30m)")
	outRate := fs.Int("outbound-rate", 500, "events/s of the outbound latency run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof); the external modes also write the server's as <file>-serve-<phase>.prof")
	levels := fs.String("levels", "8,32,64", "client concurrencies of the external modes, comma-separated")
	storeKind := fs.String("store", "sqlite", "sqlite, or postgres: measure SQLite and PostgreSQL side by side as real processes (serve, 1, 2 and 4 workers; mode scale-out)")
	pgAdmin := fs.String("pg", "postgres:///postgres", "with --store postgres: the PostgreSQL server, as a role that may create the scratch databases")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	switch s := strings.ToUpper(*sync); s {
	case "FULL", "NORMAL":
		*sync = s
	default:
		return fmt.Errorf("bench: --synchronous %q: want FULL or NORMAL", *sync)
	}
	if *events <= 0 || *conc <= 0 || *paced <= 0 || *outRate <= 0 || *duration <= 0 {
		return errors.New("bench: --events, --concurrency, --paced-rate, --outbound-rate and --duration must be positive")
	}
	switch strings.ToLower(*storeKind) {
	case "sqlite":
	case "postgres":
		*mode = bench.ModeScaleOut
	default:
		return fmt.Errorf("bench: --store %q: want sqlite or postgres", *storeKind)
	}
	*mode = strings.ToLower(*mode)
	if !slices.Contains(bench.Modes, *mode) {
		return fmt.Errorf("bench: --mode %q: want one of %s", *mode, strings.Join(bench.Modes, ", "))
	}
	var lv []int
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("bench: --levels %q: want positive numbers separated by commas, like 8,32,64", *levels)
		}
		lv = append(lv, n)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the flowdesk binary for the external modes: %w", err)
	}
	prefix, cleanup, err := benchPrefix(*dbArg)
	if err != nil {
		return err
	}
	defer cleanup()
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	var serveProfile string
	if *cpuProfile != "" && strings.HasSuffix(*mode, "-external") {
		// The server is the process worth profiling in the external modes.
		serveProfile = strings.TrimSuffix(*cpuProfile, filepath.Ext(*cpuProfile)) + "-serve"
	}

	cfg := bench.Config{Prefix: prefix, Events: *events, Concurrency: *conc, Synchronous: *sync, PacedRate: *paced,
		PhaseTimeout: *phaseTimeout, Mode: *mode, Duration: *duration, OutboundRate: *outRate, ServeBinary: self, ServeCPUProfile: serveProfile, Levels: lv, PGAdmin: *pgAdmin, Progress: bench.NewProgress(stderr, bench.IsTerminal(stderr)),
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Version: version}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("bench: write report: %w", err)
		}
		return nil
	}
	return rep.WriteTable(stdout)
}

// benchPrefix turns --db into the path prefix of the phase databases. A directory holds
// bench-*.db files; anything else is a file name whose extension is replaced by -<phase>.db, so
// the named file itself is never touched. With no --db a temp dir is used and removed after.
func benchPrefix(arg string) (prefix string, cleanup func(), err error) {
	if arg == "" {
		dir, err := os.MkdirTemp("", "flowdesk-bench-")
		if err != nil {
			return "", nil, fmt.Errorf("bench: temp dir: %w", err)
		}
		return filepath.Join(dir, "bench"), func() { _ = os.RemoveAll(dir) }, nil
	}
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return filepath.Join(arg, "bench"), func() {}, nil
	}
	if strings.HasSuffix(arg, string(os.PathSeparator)) {
		if err := os.MkdirAll(arg, 0o755); err != nil {
			return "", nil, fmt.Errorf("bench: --db: %w", err)
		}
		return filepath.Join(arg, "bench"), func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(arg), 0o755); err != nil {
		return "", nil, fmt.Errorf("bench: --db: %w", err)
	}
	return strings.TrimSuffix(arg, filepath.Ext(arg)), func() {}, nil
}

// startCPUProfile writes a CPU profile to path until the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
