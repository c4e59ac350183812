package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// crashWorkflow is the workflow the kill -9 test runs: an event trigger, then set -> 2 s delay
// (real clock) -> increment -> set. The increment shows whether a step's effect was applied
// twice.
const crashWorkflow = `{
  "id": "crash", "name": "Crash test", "object": "contact",
  "triggers": [{"type": "event", "event": "crash.test"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "mark",
  "steps": [
    {"id": "mark", "type": "set_property", "property": "crash_stage", "value": "started", "next": "wait"},
    {"id": "wait", "type": "delay", "duration": "2s", "next": "count"},
    {"id": "count", "type": "increment_property", "property": "crash_counter", "by": 1, "next": "finish"},
    {"id": "finish", "type": "set_property", "property": "crash_stage", "value": "done"}
  ]
}`

// crashTrail is the history every enrollment must end with: each step's outcome exactly once.
var crashTrail = []string{"enrolled", "mark:ok", "wait:waiting", "wait:resumed", "count:ok", "finish:ok", "completed"}

const (
	crashEvents      = 2000
	crashPosters     = 16
	crashPacing      = 2 * time.Millisecond // at most 500 events/s, so posting outlasts the delay
	crashKillAfter   = 2500 * time.Millisecond
	crashSettleLimit = 60 * time.Second
)

// TestKill9MidRun kills a running `flowdesk serve` with SIGKILL while events arrive and
// enrollments sit in (or have just left) a delay, restarts it on the same database and checks
// the guarantees: every acknowledged event is stored, every acknowledged contact has exactly
// one enrollment, every enrollment completes, and no step's effect or history is doubled.
func TestKill9MidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	bin := buildFlowdesk(ctx, t, tmp)
	dbPath := filepath.Join(tmp, "f.db")

	// First run: set up the workflow, post events, kill -9 mid-run.
	srv := startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve1.log"))
	client := newLoopbackClient()
	var created struct {
		ID string `json:"id"`
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows", crashWorkflow, http.StatusCreated, &created); err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/workflows/"+created.ID+"/enable", "", http.StatusOK, nil); err != nil {
		t.Fatalf("enable workflow: %v", err)
	}

	acked := make([]atomic.Bool, crashEvents)
	var nAcked atomic.Int64
	firstAck := make(chan struct{})
	var firstAckOnce sync.Once
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	next := make(chan int)
	go func() { // paced feeder: one event index per tick
		defer close(next)
		tick := time.NewTicker(crashPacing)
		defer tick.Stop()
		for i := 0; i < crashEvents; i++ {
			select {
			case <-feedCtx.Done():
				return
			case <-tick.C:
			}
			select {
			case <-feedCtx.Done():
				return
			case next <- i:
			}
		}
	}()
	var posters sync.WaitGroup
	var postErrs atomic.Int64
	for range crashPosters {
		posters.Add(1)
		go func() {
			defer posters.Done()
			for i := range next {
				body := fmt.Sprintf(`{"type": "crash.test", "record": {"type": "contact", "email": %q}, "data": {"n": %d}}`, crashEmail(i), i)
				if err := apiCall(ctx, client, http.MethodPost, srv.base+"/api/events", body, http.StatusCreated, nil); err != nil {
					postErrs.Add(1)
					continue
				}
				acked[i].Store(true)
				nAcked.Add(1)
				firstAckOnce.Do(func() { close(firstAck) })
			}
		}()
	}

	select {
	case <-firstAck:
	case <-time.After(30 * time.Second):
		t.Fatalf("no event acknowledged within 30 s; server log:\n%s", logTail(srv.logPath))
	}
	// Kill once the first enrollments have left their 2 s delay while later ones still wait
	// and events still arrive.
	select {
	case <-time.After(crashKillAfter):
	case <-ctx.Done():
		t.Fatal("test deadline passed before the kill")
	}
	var pre store.WorkflowStats
	if err := apiCall(ctx, client, http.MethodGet, srv.base+"/api/workflows/"+created.ID+"/stats", "", http.StatusOK, &pre); err != nil {
		t.Fatalf("stats before the kill: %v", err)
	}
	before := nAcked.Load()
	srv.kill(t)
	stopFeed() // no new posts; those in flight fail fast (or deliver an answer already sent)
	posters.Wait()
	ackedAtKill := nAcked.Load()
	t.Logf("SIGKILL after %d acknowledged events (%d when the kill was sent); %d posts failed, %d never sent",
		ackedAtKill, before, postErrs.Load(), crashEvents-int(ackedAtKill)-int(postErrs.Load()))
	t.Logf("just before the kill: %v enrollments by status", pre.Enrollments)
	if ackedAtKill == 0 {
		t.Fatal("no event was acknowledged before the kill")
	}

	// Second run on the same database: everything must finish.
	srv2 := startServe(ctx, t, bin, dbPath, filepath.Join(tmp, "serve2.log"))
	stats, err := waitSettled(ctx, client, srv2.base, created.ID, ackedAtKill)
	if err != nil {
		t.Fatalf("after restart: %v; server log:\n%s", err, logTail(srv2.logPath))
	}
	for _, step := range []string{"mark", "wait", "count", "finish"} {
		if got, want := stats.Steps[step].Completed, stats.Enrollments[store.StatusCompleted]; got != want {
			t.Errorf("step %q counted %d completions for %d completed enrollments", step, got, want)
		}
	}
	if err := srv2.terminate(); err != nil {
		t.Fatalf("stop the second server: %v; log:\n%s", err, logTail(srv2.logPath))
	}

	checkCrashDatabase(t, dbPath, created.ID, acked)
}

func crashEmail(i int) string { return fmt.Sprintf("crash-%04d@example.com", i) }

// checkCrashDatabase opens the database after the server exited and checks every guarantee.
func checkCrashDatabase(t *testing.T, dbPath, workflowID string, acked []atomic.Bool) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		t.Fatalf("reopen database: %v", err)
	}
	defer db.Close()

	byRecord := map[int64][]*store.Enrollment{}
	var total int
	var cursor int64
	for {
		page, err := db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: workflowID, Limit: 1000, Before: cursor})
		if err != nil {
			t.Fatalf("list enrollments: %v", err)
		}
		for _, en := range page {
			byRecord[en.RecordID] = append(byRecord[en.RecordID], en)
		}
		total += len(page)
		if len(page) < 1000 {
			break
		}
		cursor = page[len(page)-1].ID
	}

	var nAcked, unackedStored, problems int
	fail := func(format string, args ...any) {
		problems++
		if problems <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i := range acked {
		email, ack := crashEmail(i), acked[i].Load()
		if ack {
			nAcked++
		}
		rec, err := db.RecordByEmail(ctx, "contact", email)
		if errors.Is(err, store.ErrNotFound) {
			if ack {
				fail("acknowledged contact %s is missing", email)
			}
			continue
		}
		if err != nil {
			t.Fatalf("load %s: %v", email, err)
		}
		if !ack {
			unackedStored++
		}
		// Ingest is one transaction: a stored record has its event and its enrollment.
		events, err := db.RecordEvents(ctx, rec.ID, 10)
		if err != nil {
			t.Fatalf("events of %s: %v", email, err)
		}
		if len(events) != 1 {
			fail("%s has %d stored events, want 1 (acknowledged: %v)", email, len(events), ack)
		}
		ens := byRecord[rec.ID]
		if len(ens) != 1 {
			fail("%s has %d enrollments, want 1 (acknowledged: %v)", email, len(ens), ack)
			continue
		}
		en := ens[0]
		if en.Status != store.StatusCompleted || en.FinishedAt == nil {
			fail("%s: enrollment %d is %s, want completed", email, en.ID, en.Status)
		}
		if got := rec.Properties["crash_counter"]; got != float64(1) {
			fail("%s: crash_counter = %v, want exactly 1 (the increment ran once)", email, got)
		}
		if got := rec.Properties["crash_stage"]; got != "done" {
			fail("%s: crash_stage = %v, want done", email, got)
		}
		hist, err := db.History(ctx, en.ID)
		if err != nil {
			t.Fatalf("history of enrollment %d: %v", en.ID, err)
		}
		if got := historyTrail(hist); !reflect.DeepEqual(got, crashTrail) {
			fail("%s: enrollment %d history %v, want %v", email, en.ID, got, crashTrail)
		}
	}
	if total != nAcked+unackedStored {
		fail("%d enrollments in the workflow, want %d (%d acknowledged + %d stored without acknowledgement)", total, nAcked+unackedStored, nAcked, unackedStored)
	}
	events, err := db.CountEvents(ctx)
	if err != nil {
		t.Fatalf("count events: %v", err)
	}
	if int(events) != nAcked+unackedStored {
		fail("%d events stored, want %d", events, nAcked+unackedStored)
	}
	if n, err := db.PendingJobs(ctx); err != nil || n != 0 {
		fail("%d jobs still pending (err %v), want 0", n, err)
	}
	if problems > 20 {
		t.Errorf("... and %d more problems", problems-20)
	}
	t.Logf("checked %d acknowledged contacts; %d unacknowledged posts were stored anyway, %d were not", nAcked, unackedStored, len(acked)-nAcked-unackedStored)
}

func historyTrail(hist []store.HistoryEntry) []string {
	out := make([]string, 0, len(hist))
	for _, h := range hist {
		if h.StepID == "" {
			out = append(out, h.Outcome)
			continue
		}
		out = append(out, h.StepID+":"+h.Outcome)
	}
	return out
}

// waitSettled polls the workflow's stats until no enrollment is open and at least minCompleted
// completed.
func waitSettled(ctx context.Context, client *http.Client, base, id string, minCompleted int64) (*store.WorkflowStats, error) {
	deadline := time.Now().Add(crashSettleLimit)
	var st store.WorkflowStats
	for {
		if err := apiCall(ctx, client, http.MethodGet, base+"/api/workflows/"+id+"/stats", "", http.StatusOK, &st); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		e := st.Enrollments
		if e[store.StatusActive] == 0 && e[store.StatusWaiting] == 0 && e[store.StatusCompleted] >= minCompleted {
			if e[store.StatusFailed] != 0 || e[store.StatusCancelled] != 0 {
				return nil, fmt.Errorf("enrollments settled with failures: %v", e)
			}
			return &st, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("enrollments not finished after %v: %v", crashSettleLimit, e)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// moduleRoot finds the directory holding go.mod, walking up from the test's working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's working directory")
		}
		dir = parent
	}
}

// buildFlowdesk builds the real binary (without -race) into dir.
func buildFlowdesk(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "flowdesk")
	buildCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(buildCtx, goBin, "build", "-o", bin, "./backend/cmd/flowdesk")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is a running `flowdesk serve`.
type serveProc struct {
	cmd     *exec.Cmd
	base    string
	logPath string
	exited  chan struct{}
	waitErr error
}

var readyRe = regexp.MustCompile(`listening on (http://\S+) \(database `)

// startServe starts `flowdesk serve` on a free loopback port and waits for its readiness line.
// t.Cleanup kills it if the test did not stop it.
func startServe(ctx context.Context, t *testing.T, bin, dbPath, logPath string, extra ...string) *serveProc {
	t.Helper()
	args := append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	p := startProcess(ctx, t, bin, logPath, readyRe, args...)
	if !strings.HasPrefix(p.base, "http://127.0.0.1:") {
		t.Fatalf("server listens on %s, want a 127.0.0.1 address", p.base)
	}
	return p
}

// startProcess runs the flowdesk binary with args, its stderr to logPath, and waits until
// stdout prints a line matching ready; p.base is the line's first submatch (if any).
// t.Cleanup kills the process if the test did not stop it.
func startProcess(ctx context.Context, t *testing.T, bin, logPath string, ready *regexp.Regexp, args ...string) *serveProc {
	t.Helper()
	return launchProcess(t, bin, logPath, ready, args...).wait(ctx, t)
}

// launching is a started process not yet ready (see wait), so several can start at once.
type launching struct {
	p      *serveProc
	readyc chan string
	args   []string
}

// launchProcess starts the flowdesk binary as startProcess does, without waiting for it. Its
// config directory is a temp dir: no test reads or writes the user's (where a PostgreSQL
// database's secrets are kept by default).
func launchProcess(t *testing.T, bin, logPath string, ready *regexp.Regexp, args ...string) *launching {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	return launchCmd(t, cmd, logPath, ready)
}

// launchCmd is launchProcess of a command the test prepared (its directory, its environment).
func launchCmd(t *testing.T, cmd *exec.Cmd, logPath string, ready *regexp.Regexp) *launching {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	args := cmd.Args[1:]
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &serveProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	readyc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				m = append(m, "")
				select {
				case readyc <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	return &launching{p: p, readyc: readyc, args: args}
}

// wait waits for the readiness line of a launched process.
func (l *launching) wait(ctx context.Context, t *testing.T) *serveProc {
	t.Helper()
	p, readyc, args, logPath := l.p, l.readyc, l.args, l.p.logPath
	select {
	case base := <-readyc:
		p.base = base
		return p
	case <-p.exited:
		t.Fatalf("flowdesk %s exited before it was ready: %v; log:\n%s", args[0], p.waitErr, logTail(logPath))
	case <-time.After(30 * time.Second):
		t.Fatalf("flowdesk %s printed no readiness line within 30 s; log:\n%s", args[0], logTail(logPath))
	case <-ctx.Done():
		t.Fatalf("test deadline passed while starting flowdesk %s", args[0])
	}
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the process did not die within 30 s of SIGKILL")
	}
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *serveProc) terminate() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("exit after SIGTERM: %w", p.waitErr)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("no exit within 30 s of SIGTERM")
	}
}

// newLoopbackClient is an HTTP client that only dials 127.0.0.1 and never waits long.
func newLoopbackClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if host != "127.0.0.1" {
					return nil, fmt.Errorf("refusing to dial %s: tests talk to 127.0.0.1 only", addr)
				}
				return dialer.DialContext(ctx, network, addr)
			},
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
}

// apiCall sends a JSON request and decodes the answer into out when the status is want.
func apiCall(ctx context.Context, client *http.Client, method, url, body string, want int, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json") // the API takes commands only as JSON
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, url, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, url, err)
		}
	}
	return nil
}

// tail returns the last few KiB of a log file for failure messages.
func logTail(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(raw) > 4096 {
		raw = raw[len(raw)-4096:]
	}
	return string(raw)
}
