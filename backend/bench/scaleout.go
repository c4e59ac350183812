package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
)

// ModeScaleOut (`flowdesk bench --store postgres`) runs SQLite and PostgreSQL side by side,
// each as real processes: events/s over HTTP into `serve`, p99 ack at the paced rate, and
// steps/s of a backlog drained by serve alone (SQLite, one process) and by 1, 2 and 4
// `flowdesk worker` processes (PostgreSQL).
const ModeScaleOut = "scale-out"

// ScaleWorkers are the worker process counts of the PostgreSQL steps run.
var ScaleWorkers = []int{1, 2, 4}

// scaleOut is the phase of ModeScaleOut.
func (b *bench) scaleOut(ctx context.Context) error {
	if b.cfg.PGAdmin == "" {
		return fmt.Errorf("bench: --store postgres needs a PostgreSQL server (--pg postgres://user@host/postgres, a role that may create databases)")
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		if err := b.scaleHTTP(ctx, kind); err != nil {
			return err
		}
	}
	if err := b.scaleSteps(ctx, "sqlite", 0); err != nil {
		return err
	}
	for _, k := range ScaleWorkers {
		if err := b.scaleSteps(ctx, "postgres", k); err != nil {
			return err
		}
	}
	return nil
}

// scaleDB makes a fresh database of kind for phase name and returns its --db argument and a
// function that drops it.
func (b *bench) scaleDB(ctx context.Context, kind, name string) (string, func(), error) {
	if kind == "sqlite" {
		path := b.cfg.Prefix + "-" + name + ".db"
		if err := removeDB(path); err != nil {
			return "", nil, fmt.Errorf("bench: clear %s: %w", path, err)
		}
		return path, func() { _ = removeDB(path) }, nil
	}
	u, err := url.Parse(b.cfg.PGAdmin)
	if err != nil || !postgres.IsDSN(b.cfg.PGAdmin) {
		return "", nil, fmt.Errorf("bench: --pg %s: want a postgres:// address of a role that may create databases", postgres.Redact(b.cfg.PGAdmin))
	}
	db := fmt.Sprintf("flowdesk_bench_%d_%s", os.Getpid(), strings.ReplaceAll(name, "-", "_"))
	admin, err := pgx.Connect(ctx, b.cfg.PGAdmin)
	if err != nil {
		return "", nil, fmt.Errorf("bench: --pg %s: %w", postgres.Redact(b.cfg.PGAdmin), err)
	}
	defer admin.Close(ctx)
	ident := pgx.Identifier{db}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		return "", nil, fmt.Errorf("bench: create the scratch database %s: %w", db, err)
	}
	u.Path = "/" + db
	drop := func() {
		c, err := pgx.Connect(context.Background(), b.cfg.PGAdmin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	return u.String(), drop, nil
}

// scaleHTTP measures POST /api/events into a serve child on kind: closed loop at the middle
// client concurrency, then paced, with the child's own dispatcher running the 1-step workflow.
func (b *bench) scaleHTTP(ctx context.Context, kind string) error {
	target, drop, err := b.scaleDB(ctx, kind, "http-"+kind)
	if err != nil {
		return err
	}
	defer drop()
	srv, err := b.startServeOn(ctx, "scale-http-"+kind, target)
	if err != nil {
		return err
	}
	defer srv.stop()
	wfID, err := srv.deploy(ctx, extOneStep)
	if err != nil {
		return err
	}
	c := b.levels()[len(b.levels())/2]
	var ended int64
	post := func(run string) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			return srv.call(ctx, http.MethodPost, "/api/events", eventBody(run, i), http.StatusCreated, nil)
		}
	}
	res, exec, cpu, err := b.externalLevel(ctx, srv, fmt.Sprintf("%s: POST /api/events -c %d", kind, c), c, wfID, &ended, post("scale-"+kind))
	if err != nil {
		return err
	}
	b.rep.add(Row{Key: "scale." + kind + ".events", Name: fmt.Sprintf("%s: events/s over HTTP into serve, -c %d, 1-step workflow running", kind, c),
		Value: res.rate(), Unit: "events/s", Note: joinNotes(fmt.Sprintf("%.0f executions/s", exec), cpuPer(cpu, res.done, "event")+" in serve")})

	label := fmt.Sprintf("%s: POST /api/events paced at %d/s", kind, b.cfg.PacedRate)
	p := b.cfg.Progress.phase(label, b.cfg.PacedEvents)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	paced := pacedLoop(pctx, b.cfg.PacedEvents, b.cfg.PacedRate, b.cfg.Concurrency, p, post("scale-paced-"+kind))
	p.done()
	if err := b.checkLoad(label, paced); err != nil {
		return err
	}
	b.addLatency("scale."+kind+".paced.ack", fmt.Sprintf("%s: ack latency at %d events/s", kind, b.cfg.PacedRate), paced.latencies, "", nil)
	return nil
}

// scaleSteps preloads Events enrollments of the 5-step workflow (nothing run yet), then starts
// the processes that run them and measures steps/s until every enrollment completed: serve
// alone on SQLite (workers 0), or that many workers on PostgreSQL.
func (b *bench) scaleSteps(ctx context.Context, kind string, workers int) error {
	name := "steps-" + kind
	if workers > 0 {
		name += "-" + strconv.Itoa(workers)
	}
	target, drop, err := b.scaleDB(ctx, kind, name)
	if err != nil {
		return err
	}
	defer drop()
	if err := b.preload(ctx, kind, target); err != nil {
		return err
	}
	var procs []*exec.Cmd
	var serve *serveChild
	stopAll := func() {
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
		procs = nil
		if serve != nil {
			serve.stop()
		}
	}
	defer stopAll()
	pg0 := postgresCPU()
	var label string
	if workers == 0 {
		label = kind + ": steps/s, serve alone drains the backlog (one process per SQLite file)"
		if serve, err = b.startServeOn(ctx, "scale-"+name, target); err != nil {
			return err
		}
	} else {
		label = fmt.Sprintf("%s: steps/s, %d worker process(es) drain the backlog", kind, workers)
		for i := range workers {
			p, err := b.startWorker(ctx, target, filepath.Base(name)+"-"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			procs = append(procs, p)
		}
	}
	start := time.Now()
	n := int64(b.cfg.Events)
	p := b.cfg.Progress.phase(label, b.cfg.Events)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	done, err := b.drained(pctx, kind, target, serve, n, p)
	p.done()
	elapsed := time.Since(start)
	var cpu time.Duration
	pids := []int{}
	if serve != nil {
		pids = append(pids, serve.cmd.Process.Pid)
	}
	for _, pr := range procs {
		pids = append(pids, pr.Process.Pid)
	}
	for _, pid := range pids {
		cpu += readProc(pid).cpu
	}
	pgCPU := postgresCPU() - pg0
	if err != nil || done < n {
		b.truncated(label)
	}
	steps := float64(done*5) / elapsed.Seconds()
	note := fmt.Sprintf("%s in flowdesk processes", cpuPer(cpu, int(done*5), "step"))
	if kind == "postgres" {
		note += fmt.Sprintf(", %s in PostgreSQL", cpuPer(pgCPU, int(done*5), "step"))
	}
	key := "scale." + kind + ".steps"
	if workers > 0 {
		key += ".w" + strconv.Itoa(workers)
	}
	b.rep.add(Row{Key: key, Name: label, Value: steps, Unit: "steps/s", Note: note})
	return nil
}

// preload opens target in this process and sends Events start events of the 5-step workflow
// through an engine that runs nothing: the backlog the measured processes drain.
func (b *bench) preload(ctx context.Context, kind, target string) error {
	var db *store.DB
	var err error
	if kind == "sqlite" {
		db, err = store.Open(ctx, target, store.Options{Synchronous: b.cfg.Synchronous})
	} else {
		var pdb *postgres.DB
		if pdb, err = postgres.Open(ctx, target, store.Options{}); err == nil {
			db = pdb.DB
		}
	}
	if err != nil {
		return fmt.Errorf("bench: preload: %w", err)
	}
	defer db.Close()
	eng, err := engine.New(ctx, db, engine.Options{Log: b.cfg.Log})
	if err != nil {
		return err
	}
	w, err := eng.Workflows().Create(ctx, []byte(benchWorkflow))
	if err != nil {
		return err
	}
	if _, err := eng.Workflows().Enable(ctx, w.ID); err != nil {
		return err
	}
	p := b.cfg.Progress.phase(kind+": preload the backlog (no step runs)", b.cfg.Events)
	defer p.done()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for range b.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < b.cfg.Events; i = int(next.Add(1)) - 1 {
				if _, err := eng.Ingest(ctx, benchEvent("scale", i)); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				p.add(1)
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// drained polls until n enrollments of the 5-step workflow completed and returns how many did.
func (b *bench) drained(ctx context.Context, kind, target string, serve *serveChild, n int64, p *phaseProgress) (int64, error) {
	var pdb *postgres.DB
	if kind == "postgres" {
		var err error
		if pdb, err = postgres.Open(ctx, target, store.Options{ReadConns: 1}); err != nil {
			return 0, err
		}
		defer pdb.Close()
	}
	var done int64
	for {
		var err error
		if serve != nil {
			done, err = serve.completed(ctx, benchWorkflowID)
		} else {
			err = pdb.Pool().QueryRow(ctx, "SELECT COUNT(*) FROM enrollments WHERE status = 'completed'").Scan(&done)
		}
		if err != nil {
			return done, err
		}
		p.set(int(done))
		if done >= n {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return done, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startWorker starts `flowdesk worker` on dsn and waits for its readiness line.
func (b *bench) startWorker(ctx context.Context, dsn, name string) (*exec.Cmd, error) {
	cmd := exec.Command(b.cfg.ServeBinary, "worker", "--db", dsn, "--log-level", "warn")
	tail := &tailBuffer{}
	cmd.Stderr = tail
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s worker: %w", b.cfg.ServeBinary, err)
	}
	line := make([]byte, 512)
	ready := make(chan error, 1)
	go func() {
		n, err := out.Read(line)
		if err == nil && !strings.Contains(string(line[:n]), "worker running") {
			err = fmt.Errorf("unexpected first line %q", line[:n])
		}
		ready <- err
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("bench: worker %s did not start: %v\n%s", name, err, tail.String())
		}
		return cmd, nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("bench: worker %s printed no readiness line within 30 s:\n%s", name, tail.String())
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return nil, ctx.Err()
	}
}

// postgresCPU is the CPU time of every PostgreSQL server process on this machine (read from
// /proc): the bench's databases are the server's main work while it runs.
func postgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		total += readProc(pid).cpu
	}
	return total
}
