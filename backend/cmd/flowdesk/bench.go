package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// runBench is `flowdesk bench`: a thin CLI over runBenchmark.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	dbArg := fs.String("db", "", "directory (or file name prefix) for the bench databases (default: a temp dir, removed after)")
	events := fs.Int("events", 20000, "events per ingest phase and enrollments in the execution phase; the most the listener and outbound modes send; pending delays in the delays mode")
	conc := fs.Int("concurrency", 64, "concurrent ingest callers and HTTP clients")
	sync := fs.String("synchronous", "FULL", "SQLite synchronous mode: FULL or NORMAL")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	paced := fs.Int("paced-rate", 1000, "events/s of the paced HTTP runs (at most 10 s of events, and at most --events)")
	phaseTimeout := fs.Duration("phase-timeout", 3*time.Minute, "each phase stops after this and reports what finished")
	mode := fs.String("mode", ModeAll, "phases to run: "+strings.Join(benchModes, ", "))
	duration := fs.Duration("duration", 10*time.Second, "the listener's closed-loop run and the outbound backlog stop taking new work after this")
	outRate := fs.Int("outbound-rate", 500, "events/s of the outbound latency run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
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
	*mode = strings.ToLower(*mode)
	if !slices.Contains(benchModes, *mode) {
		return fmt.Errorf("bench: --mode %q: want one of %s", *mode, strings.Join(benchModes, ", "))
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

	cfg := benchConfig{Prefix: prefix, Events: *events, Concurrency: *conc, Synchronous: *sync, PacedRate: *paced,
		PhaseTimeout: *phaseTimeout, Mode: *mode, Duration: *duration, OutboundRate: *outRate, Progress: newProgress(stderr, isTerminal(stderr)),
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	rep, err := runBenchmark(ctx, cfg)
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
	return printReport(stdout, rep)
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

// printReport writes the report as an aligned table.
func printReport(w io.Writer, rep *benchReport) error {
	header := fmt.Sprintf("flowdesk bench  %s  mode=%s events=%d concurrency=%d synchronous=%s  %s, %d CPUs, %s",
		rep.Started.Format("2006-01-02 15:04 UTC"), rep.Mode, rep.Events, rep.Concurrency, rep.Synchronous, rep.OS, rep.CPUs, rep.GoVersion)
	if rep.Revision != "" {
		header += ", commit " + rep.Revision
	}
	cols := [][]string{{"measure", "value", "unit", "x commit rate", "target", "", "note"}}
	for _, r := range rep.Rows {
		ratio := ""
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.2fx", r.Ratio)
		}
		verdict := ""
		if r.Met != nil {
			verdict = "ok"
			if !*r.Met {
				verdict = "MISS"
			}
		}
		cols = append(cols, []string{r.Name, thousands(r.Value), r.Unit, ratio, r.Target, verdict, r.Note})
	}
	widths := make([]int, len(cols[0]))
	for _, row := range cols {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	b.WriteString(header + "\n\n")
	for ri, row := range cols {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch i {
			case 1, 3: // numbers right-aligned
				b.WriteString(pad + c)
			default:
				b.WriteString(c + pad)
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			b.WriteString(strings.Repeat("-", sumInts(widths)+2*(len(widths)-1)) + "\n")
		}
	}
	if len(rep.Truncated) > 0 {
		fmt.Fprintf(&b, "\nphases stopped by --phase-timeout (figures cover what finished): %s\n", strings.Join(rep.Truncated, "; "))
	}
	fmt.Fprintf(&b, "\nwhole run: %.1f s; load average %.2f before, %.2f after (on %d CPUs: above that, other work competed for them)\n",
		rep.Elapsed, rep.LoadBefore, rep.LoadAfter, rep.CPUs)
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	if err != nil {
		return fmt.Errorf("bench: write report: %w", err)
	}
	return nil
}

func sumInts(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// thousands formats a figure for the table: small values with decimals, large ones grouped.
func thousands(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	s := fmt.Sprintf("%d", int64(math.Round(v)))
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// startCPUProfile writes a CPU profile to path until the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// buildRevision is the VCS commit stamped into the binary, if any.
func buildRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	return rev
}
