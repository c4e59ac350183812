// Package bench measures Flowdesk from outside the way `flowdesk bench` reports it: durable
// ingest, step execution, the webhook listener, outbound deliveries and pending delays, each
// against real SQLite files and real HTTP servers on 127.0.0.1, with rates related to the
// disk's own commit rate measured in the same run.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Config is what one bench run measures and where.
type Config struct {
	// Prefix is the path prefix of the phase databases: Prefix+"-ingest.db" and so on.
	Prefix      string
	Events      int    // events per ingest phase, enrollments in the execution phase
	Concurrency int    // concurrent ingest callers / HTTP clients
	Synchronous string // FULL or NORMAL
	// PacedRate and PacedEvents shape the paced HTTP run (target: p99 ack ≤ 10 ms at 1,000 events/s).
	PacedRate   int
	PacedEvents int
	// CommitProbes is how many single-row commits measure SQLite's raw rate.
	CommitProbes int
	// PhaseTimeout bounds each phase; a phase that runs out reports what it finished.
	PhaseTimeout time.Duration
	// Mode selects the phases: one of Modes (ModeAll by default).
	Mode string
	// Duration bounds the closed-loop runs of the listener and outbound modes (default 10s):
	// they stop taking new work after it even if Events are not all sent.
	Duration time.Duration
	// OutboundRate is the events/s of the outbound latency run (default 500).
	OutboundRate int
	// ServeBinary is the flowdesk executable the external modes start as `serve`.
	ServeBinary string
	// ServeCPUProfile, when set, makes each external serve child write its CPU profile to
	// <ServeCPUProfile>-<phase>.prof.
	ServeCPUProfile string
	// Levels are the client concurrencies of the external modes (default DefaultLevels).
	Levels []int
	// PGAdmin is the PostgreSQL server of ModeScaleOut: a postgres:// address of a role that may
	// create databases; each phase creates a scratch database there and drops it after.
	PGAdmin  string
	Progress *Progress
	Log      *slog.Logger
	Version  string // the binary's version, answered by the API under test
}

// Row is one line of the report.
type Row struct {
	Key    string  `json:"key"`
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Ratio  float64 `json:"ratio_to_commit_rate,omitempty"` // value ÷ SQLite's single-row commit rate
	Target string  `json:"target,omitempty"`
	Met    *bool   `json:"target_met,omitempty"`
	Note   string  `json:"note,omitempty"`
}

// Report is the result of one bench run.
type Report struct {
	Started     time.Time `json:"started"`
	GoVersion   string    `json:"go_version"`
	OS          string    `json:"os"`
	CPUs        int       `json:"cpus"`
	Revision    string    `json:"revision,omitempty"`
	Events      int       `json:"events"`
	Concurrency int       `json:"concurrency"`
	Synchronous string    `json:"synchronous"`
	Mode        string    `json:"mode"`
	Rows        []Row     `json:"rows"`
	Truncated   []string  `json:"truncated,omitempty"` // phases that hit their time limit
	LoadBefore  float64   `json:"load_average_before"` // 1-minute load average: other work on the machine skews figures
	LoadAfter   float64   `json:"load_average_after"`
	Elapsed     float64   `json:"elapsed_seconds"`
}

func (r *Report) add(row Row) { r.Rows = append(r.Rows, row) }

// benchWorkflowID is the 5-step workflow every workflow phase runs: an event trigger, then
// set -> increment -> branch -> set -> add_to_list, no delays.
const benchWorkflowID = "bench-five-steps"

const benchEventType = "bench.signup"

var benchWorkflow = `{
  "id": "` + benchWorkflowID + `", "name": "Bench: five steps", "object": "contact",
  "triggers": [{"type": "event", "event": "` + benchEventType + `"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "stage",
  "steps": [
    {"id": "stage", "type": "set_property", "property": "bench_stage", "value": "new", "next": "score"},
    {"id": "score", "type": "increment_property", "property": "bench_score", "by": 10, "next": "hot"},
    {"id": "hot", "type": "branch",
     "branches": [{"name": "Hot", "filter": {"all": [{"property": "bench_score", "op": "gte", "value": 5}]}, "next": "mark-hot"}],
     "else": "mark-hot"},
    {"id": "mark-hot", "type": "set_property", "property": "bench_stage", "value": "hot", "next": "list"},
    {"id": "list", "type": "add_to_list", "list": "bench-hot"}
  ]
}`

// Run runs every phase and returns the report. Each phase has its own database next
// to cfg.Prefix, so one phase's leftovers do not slow the next.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Events <= 0 || cfg.Concurrency <= 0 {
		return nil, fmt.Errorf("bench: events and concurrency must be positive (got %d and %d)", cfg.Events, cfg.Concurrency)
	}
	if cfg.PacedRate <= 0 {
		cfg.PacedRate = 1000
	}
	if cfg.PacedEvents <= 0 {
		cfg.PacedEvents = min(cfg.Events, 10*cfg.PacedRate)
	}
	if cfg.CommitProbes <= 0 {
		cfg.CommitProbes = min(max(cfg.Events/20, 50), 1000)
	}
	if cfg.PhaseTimeout <= 0 {
		cfg.PhaseTimeout = 3 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Progress == nil {
		cfg.Progress = NewProgress(io.Discard, false)
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeAll
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.OutboundRate <= 0 {
		cfg.OutboundRate = 500
	}
	rep := &Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		CPUs: runtime.NumCPU(), Revision: buildRevision(), Events: cfg.Events, Concurrency: cfg.Concurrency, Synchronous: cfg.Synchronous,
		Mode: cfg.Mode}
	rep.LoadBefore = loadAvg()
	start := time.Now()
	b := &bench{cfg: cfg, rep: rep}
	phases := []func(context.Context) error{b.commitRate}
	switch cfg.Mode {
	case ModeAll:
		phases = append(phases, b.engineIngest, b.httpIngest, b.pacedHTTP, b.listener, b.outbound)
	case ModeCore:
		phases = append(phases, b.engineIngest, b.httpIngest, b.pacedHTTP)
	case ModeListener:
		phases = append(phases, b.listener)
	case ModeOutbound:
		phases = append(phases, b.outbound)
	case ModeDelays: // not in "all": it is meant for --events 1000000
		phases = append(phases, b.delays)
	case ModeImport: // not in "all": it is meant for --events 100000
		phases = append(phases, b.importCSV)
	case ModeSoak: // not in "all": it runs for --duration
		phases = append(phases, b.soak)
	case ModeHTTPExternal:
		phases = append(phases, b.httpExternal)
	case ModeHooksExternal:
		phases = append(phases, b.hooksExternal)
	case ModeScaleOut:
		phases = append(phases, b.scaleOut)
	default:
		return nil, fmt.Errorf("bench: mode %q: want one of %s", cfg.Mode, strings.Join(Modes, ", "))
	}
	for _, phase := range phases {
		if err := phase(ctx); err != nil {
			return rep, err
		}
	}
	rep.add(Row{Key: "memory.peak_rss", Name: "peak RSS (VmHWM, whole run)", Value: peakRSSMiB(), Unit: "MiB",
		Target: "<= 250", Met: met(peakRSSMiB() <= 250)})
	rep.Elapsed = time.Since(start).Seconds()
	rep.LoadAfter = loadAvg()
	return rep, nil
}

type bench struct {
	cfg     Config
	rep     *Report
	rawRate float64 // SQLite's raw single-row commits/s, measured first
}

func met(ok bool) *bool { return &ok }

func (b *bench) truncated(phase string) {
	b.rep.Truncated = append(b.rep.Truncated, phase)
}

// ratio relates a rate to SQLite's own single-row commit rate.
func (b *bench) ratio(v float64) float64 {
	if b.rawRate <= 0 {
		return 0
	}
	return v / b.rawRate
}

// commitRate measures sequential single-row transactions on a scratch database beside the
// phase databases.
func (b *bench) commitRate(ctx context.Context) error {
	p := b.cfg.Progress.phase("SQLite single-row commits", 0)
	defer p.done()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	rate, err := measureCommitRate(ctx, b.cfg.Prefix+"-commitrate.db", b.cfg.CommitProbes, b.cfg.Synchronous)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	b.rawRate = rate
	b.rep.add(Row{Key: "sqlite.commit_rate", Name: "SQLite single-row commits (" + strings.ToUpper(b.cfg.Synchronous) + ")",
		Value: rate, Unit: "commits/s", Ratio: 1, Note: fmt.Sprintf("%d sequential transactions", b.cfg.CommitProbes)})
	return nil
}

// benchEngine is one phase's database and engine.
type benchEngine struct {
	db  *store.DB
	eng *engine.Engine
}

func (b *bench) open(ctx context.Context, name string, withWorkflow bool) (*benchEngine, error) {
	wf := ""
	if withWorkflow {
		wf = benchWorkflow
	}
	return b.openWith(ctx, name, wf, engine.Options{})
}

// openWith opens a fresh phase database and an engine with opts (the bench's log), and creates
// and enables the workflow wf (JSON) unless it is empty.
func (b *bench) openWith(ctx context.Context, name, wf string, opts engine.Options) (*benchEngine, error) {
	path := b.cfg.Prefix + "-" + name + ".db"
	if err := removeDB(path); err != nil {
		return nil, fmt.Errorf("bench: clear %s: %w", path, err)
	}
	db, err := store.Open(ctx, path, store.Options{Synchronous: b.cfg.Synchronous})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	opts.Log = b.cfg.Log
	eng, err := engine.New(ctx, db, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: %w", err)
	}
	if wf != "" {
		w, err := eng.Workflows().Create(ctx, []byte(wf))
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("bench: create the bench workflow: %w", err)
		}
		if _, err := eng.Workflows().Enable(ctx, w.ID); err != nil {
			db.Close()
			return nil, fmt.Errorf("bench: enable the bench workflow: %w", err)
		}
	}
	return &benchEngine{db: db, eng: eng}, nil
}

func (be *benchEngine) close() error {
	be.eng.Stop()
	if err := be.db.Close(); err != nil {
		return fmt.Errorf("bench: close %s: %w", be.db.Path(), err)
	}
	return nil
}

// removeDB deletes a database file and its WAL companions if they exist.
func removeDB(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal", path + ".lock"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func benchEvent(run string, i int) engine.EventInput {
	return engine.EventInput{Type: benchEventType,
		Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("%s-%d@bench.example.com", run, i), Properties: map[string]any{"bench_source": "bench"}},
		Data:   map[string]any{"n": i}}
}

// loadResult is what a load generator measured.
type loadResult struct {
	done      int             // calls that succeeded
	failed    int             // calls that failed
	firstErr  error           // the first failure
	elapsed   time.Duration   // from the first call to the last answer
	latencies []time.Duration // of the successful calls
	cpu       time.Duration   // CPU time of the whole process (load generator included)
	timedOut  bool
}

func (r *loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.done) / r.elapsed.Seconds()
}

// closedLoop runs n calls from c goroutines, each starting its next call when the last answered.
func closedLoop(ctx context.Context, n, c int, p *phaseProgress, call func(ctx context.Context, i int) error) *loadResult {
	return closedLoopUntil(ctx, n, c, time.Time{}, p, call)
}

// closedLoopUntil is closedLoop that also stops starting calls at until (zero: no limit); calls
// in flight then finish normally, and the run does not count as timed out.
func closedLoopUntil(ctx context.Context, n, c int, until time.Time, p *phaseProgress, call func(ctx context.Context, i int) error) *loadResult {
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next atomic.Int64
	var failed atomic.Int64
	var errOnce sync.Once
	res := &loadResult{}
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if !until.IsZero() && time.Now().After(until) {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := call(ctx, i); err != nil {
					failed.Add(1)
					errOnce.Do(func() { res.firstErr = err })
					continue
				}
				lat[i], ok[i] = time.Since(t0), true
				p.add(1)
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuTime() - cpu0
	res.timedOut = ctx.Err() != nil
	res.failed = int(failed.Load())
	for i := range lat {
		if ok[i] {
			res.latencies = append(res.latencies, lat[i])
		}
	}
	res.done = len(res.latencies)
	return res
}

// percentile returns the q-quantile (0..1) of ds, nearest rank.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s)) + 0.5)
	i = min(max(i-1, 0), len(s)-1)
	return s[i]
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// addLatency adds p50 and p99 rows for a latency sample.
func (b *bench) addLatency(key, name string, ds []time.Duration, p99Target string, p99Met *bool) {
	b.rep.add(Row{Key: key + ".p50", Name: name + " p50", Value: msOf(percentile(ds, 0.50)), Unit: "ms"})
	b.rep.add(Row{Key: key + ".p99", Name: name + " p99", Value: msOf(percentile(ds, 0.99)), Unit: "ms", Target: p99Target, Met: p99Met})
}

func (b *bench) checkLoad(phase string, r *loadResult) error {
	if r.timedOut {
		b.truncated(phase)
	}
	if r.done == 0 {
		if r.firstErr != nil {
			return fmt.Errorf("bench: %s: nothing succeeded: %w", phase, r.firstErr)
		}
		return fmt.Errorf("bench: %s: nothing finished within %v", phase, b.cfg.PhaseTimeout)
	}
	if r.failed > 0 {
		b.cfg.Log.Warn("calls failed", "phase", phase, "failed", r.failed, "first", r.firstErr)
	}
	return nil
}

// engineIngest measures engine.Ingest from C goroutines, without and with the 5-step workflow,
// then lets the dispatcher execute the enrollments the second run created.
func (b *bench) engineIngest(ctx context.Context) error {
	for _, withWF := range []bool{false, true} {
		name, key, label := "ingest", "ingest.engine", "engine.Ingest, no workflow"
		if withWF {
			name, key, label = "ingest-workflow", "ingest.engine_workflow", "engine.Ingest, 5-step workflow on"
		}
		be, err := b.open(ctx, name, withWF)
		if err != nil {
			return err
		}
		commits0 := be.db.Commits()
		p := b.cfg.Progress.phase(label, b.cfg.Events)
		pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
		res := closedLoop(pctx, b.cfg.Events, b.cfg.Concurrency, p, func(ctx context.Context, i int) error {
			_, err := be.eng.Ingest(ctx, benchEvent(name, i))
			return err
		})
		cancel()
		p.done()
		commits := be.db.Commits() - commits0
		if err := b.checkLoad(label, res); err != nil {
			be.close()
			return err
		}
		rate := res.rate()
		b.rep.add(Row{Key: key, Name: label, Value: rate, Unit: "events/s", Ratio: b.ratio(rate),
			Target: ">= 5,000", Met: met(rate >= 5000), Note: joinNotes(perCommit(res.done, commits), cpuPer(res.cpu, res.done, "event"))})
		b.addLatency(key+".latency", "  Ingest latency", res.latencies, "", nil)
		if withWF {
			if err := b.execute(ctx, be, res.done); err != nil {
				be.close()
				return err
			}
		}
		if err := be.close(); err != nil {
			return err
		}
	}
	return nil
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func perCommit(writes int, commits int64) string {
	if commits <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f events per commit", float64(writes)/float64(commits))
}

// execute starts the dispatcher over n pre-created enrollments and measures steps/s from the
// start to the last completion (the latest finished_at).
func (b *bench) execute(ctx context.Context, be *benchEngine, n int) error {
	const label = "execute 5-step enrollments"
	p := b.cfg.Progress.phase(label, n)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	commits0 := be.db.Commits()
	cpu0 := cpuTime()
	start := time.Now()
	if err := be.eng.Start(pctx); err != nil {
		p.done()
		return fmt.Errorf("bench: %w", err)
	}
	err := waitDrained(pctx, be.db, n, p)
	p.done()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("bench: %s: %w", label, err)
	}
	if err != nil {
		b.truncated(label)
	}
	be.eng.Stop()
	cpu := cpuTime() - cpu0
	commits := be.db.Commits() - commits0
	ens, err := workflowEnrollments(ctx, be.db)
	if err != nil {
		return err
	}
	var steps, completed, failed int
	var last time.Time
	for _, en := range ens {
		switch en.Status {
		case store.StatusCompleted:
			completed++
			steps += en.StepsRun
		case store.StatusFailed:
			failed++
		}
		if en.FinishedAt != nil && en.FinishedAt.After(last) {
			last = *en.FinishedAt
		}
	}
	elapsed := last.Sub(start)
	if steps == 0 || elapsed <= 0 {
		return fmt.Errorf("bench: %s: no enrollment completed within %v", label, b.cfg.PhaseTimeout)
	}
	if failed > 0 {
		b.cfg.Log.Warn("enrollments failed", "phase", label, "failed", failed)
	}
	rate := float64(steps) / elapsed.Seconds()
	b.rep.add(Row{Key: "execute.steps", Name: "steps executed (dispatcher, 5-step workflow)", Value: rate, Unit: "steps/s",
		Target: ">= 10,000", Met: met(rate >= 10000), Note: joinNotes(fmt.Sprintf("%d steps, %.1f enrollments per commit", steps, float64(completed)/float64(max(commits, 1))), cpuPer(cpu, steps, "step"))})
	b.rep.add(Row{Key: "execute.enrollments", Name: "  enrollments completed", Value: float64(completed) / elapsed.Seconds(), Unit: "executions/s",
		Note: "n8n: ~21/s"})
	return nil
}

// waitDrained polls the job queue (a cheap count, so the poller does not compete with the
// engine for CPU) until no job is pending; the progress shows n minus the pending jobs.
func waitDrained(ctx context.Context, db *store.DB, n int, p *phaseProgress) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		pending, err := db.PendingJobs(ctx)
		if err != nil {
			return fmt.Errorf("count pending jobs: %w", err)
		}
		p.set(n - int(pending))
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// workflowEnrollments loads every enrollment of the bench workflow.
func workflowEnrollments(ctx context.Context, db *store.DB) ([]*store.Enrollment, error) {
	var out []*store.Enrollment
	var cursor int64
	for {
		page, err := db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: benchWorkflowID, Limit: 1000, Before: cursor})
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		out = append(out, page...)
		if len(page) < 1000 {
			return out, nil
		}
		cursor = page[len(page)-1].ID
	}
}

// benchServer is the API on a loopback listener plus a keep-alive client for it.
type benchServer struct {
	srv    *http.Server
	url    string
	client *http.Client
}

func startAPI(be *benchEngine, conns int, version string) (*benchServer, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := settings.Open(be.db, "")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return startServer(conns, func(addr string) (http.Handler, error) {
		return api.New(api.Options{DB: be.db, Engine: be.eng, Log: quiet, Version: version,
			Hooks: hook.New(be.db, be.eng, hook.Options{Log: quiet}), Settings: st, AllowedHosts: api.AllowedHosts(addr)})
	})
}

// startServer serves the handler built for its address on a 127.0.0.1 listener, with a
// keep-alive client of conns connections.
func startServer(conns int, handler func(addr string) (http.Handler, error)) (*benchServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen on 127.0.0.1: %w", err)
	}
	h, err := handler(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("bench: %w", err)
	}
	srv := &http.Server{Handler: h,
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	return &benchServer{srv: srv, url: "http://" + ln.Addr().String(), client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

func (s *benchServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.client.CloseIdleConnections()
}

// postEvent sends one event and returns the enrollments it created; only a 201 counts.
func (s *benchServer) postEvent(ctx context.Context, body []byte) ([]int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/events", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("POST /api/events: status %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var out struct {
		Enrollments []int64 `json:"enrollments"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return out.Enrollments, nil
}

func eventBody(run string, i int) []byte {
	raw, _ := json.Marshal(benchEvent(run, i))
	return raw
}

// httpIngest measures POST /api/events from C keep-alive clients, the workflow on and the
// dispatcher off (ingest only).
func (b *bench) httpIngest(ctx context.Context) error {
	const label = "POST /api/events, 5-step workflow on"
	be, err := b.open(ctx, "http", true)
	if err != nil {
		return err
	}
	defer be.close()
	srv, err := startAPI(be, b.cfg.Concurrency, b.cfg.Version)
	if err != nil {
		return err
	}
	defer srv.close()
	commits0 := be.db.Commits()
	p := b.cfg.Progress.phase(label, b.cfg.Events)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	res := closedLoop(pctx, b.cfg.Events, b.cfg.Concurrency, p, func(ctx context.Context, i int) error {
		_, err := srv.postEvent(ctx, eventBody("http", i))
		return err
	})
	cancel()
	p.done()
	if err := b.checkLoad(label, res); err != nil {
		return err
	}
	rate := res.rate()
	b.rep.add(Row{Key: "ingest.http", Name: label, Value: rate, Unit: "events/s", Ratio: b.ratio(rate),
		Target: ">= 5,000", Met: met(rate >= 5000), Note: joinNotes(perCommit(res.done, be.db.Commits()-commits0), cpuPer(res.cpu, res.done, "event"))})
	b.addLatency("ingest.http.ack", "  ack latency", res.latencies, "", nil)
	return nil
}

// pacedHTTP posts events at a fixed rate to a running server (dispatcher on, as `serve` runs)
// and measures ack latency from each request's scheduled time, then how long each enrollment
// took from its event to its completion.
func (b *bench) pacedHTTP(ctx context.Context) error {
	label := fmt.Sprintf("POST /api/events paced at %d/s, engine running", b.cfg.PacedRate)
	be, err := b.open(ctx, "paced", true)
	if err != nil {
		return err
	}
	defer be.close()
	if err := be.eng.Start(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	srv, err := startAPI(be, b.cfg.Concurrency, b.cfg.Version)
	if err != nil {
		return err
	}
	defer srv.close()

	n := b.cfg.PacedEvents
	p := b.cfg.Progress.phase(label, n)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	var mu sync.Mutex
	var enrollments []int64
	res := pacedLoop(pctx, n, b.cfg.PacedRate, b.cfg.Concurrency, p, func(ctx context.Context, i int) error {
		ids, err := srv.postEvent(ctx, eventBody("paced", i))
		if err == nil {
			mu.Lock()
			enrollments = append(enrollments, ids...)
			mu.Unlock()
		}
		return err
	})
	p.done()
	if err := b.checkLoad(label, res); err != nil {
		return err
	}
	p99 := percentile(res.latencies, 0.99)
	b.rep.add(Row{Key: "ingest.paced", Name: label, Value: res.rate(), Unit: "events/s", Ratio: b.ratio(res.rate()),
		Note: joinNotes(fmt.Sprintf("%d events", res.done), cpuPer(res.cpu, res.done, "event incl. execution"))})
	b.addLatency("ingest.paced.ack", "  ack latency", res.latencies, "<= 10", met(msOf(p99) <= 10))

	// Event -> completion of the 5-step workflow under this load.
	p2 := b.cfg.Progress.phase("finish the paced enrollments", len(enrollments))
	err = waitDrained(pctx, be.db, len(enrollments), p2)
	p2.done()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("bench: %s: %w", label, err)
	}
	ens, err := workflowEnrollments(context.WithoutCancel(ctx), be.db)
	if err != nil {
		return err
	}
	var e2c []time.Duration
	for _, en := range ens {
		if en.FinishedAt != nil {
			e2c = append(e2c, en.FinishedAt.Sub(en.CreatedAt))
		}
	}
	if len(e2c) == 0 {
		return fmt.Errorf("bench: %s: no enrollment completed within %v", label, b.cfg.PhaseTimeout)
	}
	if len(e2c) < len(enrollments) {
		b.truncated("event to completion")
	}
	b.addLatency("latency.event_to_completion", "event -> 5 steps completed (at the paced load)", e2c, "", nil)
	// The stored times have millisecond resolution; below 1 ms shows as 0.5.
	for i := len(b.rep.Rows) - 2; i < len(b.rep.Rows); i++ {
		b.rep.Rows[i].Value = max(b.rep.Rows[i].Value, 0.5)
		b.rep.Rows[i].Note = "ms resolution"
	}
	return nil
}

// pacedLoop makes n calls at rate per second from c goroutines. Each call's latency counts
// from when it was due, so a slow answer that delays the next calls shows in theirs too.
func pacedLoop(ctx context.Context, n, rate, c int, p *phaseProgress, call func(ctx context.Context, i int) error) *loadResult {
	type shot struct {
		i  int
		at time.Time // when the call was due
	}
	shots := make(chan shot, n)
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var failed atomic.Int64
	res := &loadResult{}
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range shots {
				if err := call(ctx, s.i); err != nil {
					failed.Add(1)
					errOnce.Do(func() { res.firstErr = err })
					continue
				}
				lat[s.i], ok[s.i] = time.Since(s.at), true
				p.add(1)
			}
		}()
	}
	interval := time.Second / time.Duration(rate)
	cpu0 := cpuTime()
	start := time.Now()
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			res.timedOut = true
			break
		}
		shots <- shot{i: i, at: due}
	}
	close(shots)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpuTime() - cpu0
	res.timedOut = res.timedOut || ctx.Err() != nil
	res.failed = int(failed.Load())
	for i := range lat {
		if ok[i] {
			res.latencies = append(res.latencies, lat[i])
		}
	}
	res.done = len(res.latencies)
	return res
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPer describes CPU time spent per unit of work, e.g. "0.41 ms CPU/event".
func cpuPer(cpu time.Duration, n int, unit string) string {
	if n <= 0 || cpu <= 0 {
		return ""
	}
	return fmt.Sprintf("%.3f ms CPU/%s", msOf(cpu)/float64(n), unit)
}

// loadAvg reads the 1-minute load average, a hint of how much else ran on the machine.
func loadAvg() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	if _, err := fmt.Sscanf(string(raw), "%f", &l); err != nil {
		return 0
	}
	return l
}

// peakRSSMiB reads the process's peak resident set (VmHWM) from /proc; elsewhere it falls back
// to the memory the Go runtime obtained from the OS.
func peakRSSMiB() float64 {
	if raw, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				var kb float64
				if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
					return kb / 1024
				}
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}
