package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// External modes: the bench starts `flowdesk serve` as a child process on a scratch database
// and drives it over HTTP from this process, with the dispatcher running, as a real client
// would see it. These are the headline figures of docs/performance.md.
const (
	ModeHTTPExternal  = "http-external"  // POST /api/events at -c 8, 32, 64
	ModeHooksExternal = "hooks-external" // signed POST /hooks/{key}, systeme.io preset
)

// DefaultLevels are the client concurrencies of the external modes.
var DefaultLevels = []int{8, 32, 64}

const extOneStepID = "bench-one-step"

// extOneStep is the one-step workflow of the external run: event -> set a property.
var extOneStep = `{"id": "` + extOneStepID + `", "name": "Bench: one step", "object": "contact",
  "triggers": [{"type": "event", "event": "` + benchEventType + `"}],
  "start": "stage", "steps": [{"id": "stage", "type": "set_property", "property": "bench_stage", "value": "new"}]}`

var serveReadyRe = regexp.MustCompile(`^flowdesk \S+ listening on (http://\S+) \(database `)

// serveChild is a `flowdesk serve` child process.
type serveChild struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client
	exited chan struct{}
	stderr *tailBuffer
}

// tailBuffer keeps the last bytes a child wrote (its log), for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8<<10 {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-4<<10:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// startServe starts bin serve on a fresh database and waits for its readiness line.
func (b *bench) startServe(ctx context.Context, name string) (*serveChild, error) {
	path := b.cfg.Prefix + "-" + name + ".db"
	if err := removeDB(path); err != nil {
		return nil, fmt.Errorf("bench: clear %s: %w", path, err)
	}
	return b.startServeOn(ctx, name, path)
}

// startServeOn starts bin serve on the database db (a file or a postgres:// address) and waits
// for its readiness line.
func (b *bench) startServeOn(ctx context.Context, name, db string) (*serveChild, error) {
	if b.cfg.ServeBinary == "" {
		return nil, errors.New("bench: the external modes need the flowdesk binary to start (Config.ServeBinary)")
	}
	args := []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}
	if b.cfg.ServeCPUProfile != "" {
		args = append(args, "--cpuprofile", b.cfg.ServeCPUProfile+"-"+name+".prof")
	}
	cmd := exec.Command(b.cfg.ServeBinary, args...)
	tail := &tailBuffer{}
	cmd.Stderr = tail
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s serve: %w", b.cfg.ServeBinary, err)
	}
	c := &serveChild{cmd: cmd, exited: make(chan struct{}), stderr: tail,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := serveReadyRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		close(c.exited)
	}()
	select {
	case c.base = <-ready:
		return c, nil
	case <-c.exited:
		return nil, fmt.Errorf("bench: flowdesk serve exited before it was ready:\n%s", tail.String())
	case <-time.After(30 * time.Second):
		c.stop()
		return nil, fmt.Errorf("bench: flowdesk serve printed no readiness line within 30 s:\n%s", tail.String())
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

// stop ends the child gracefully (SIGINT lets it commit and close), then kills it.
func (c *serveChild) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// call sends a JSON request to the child's API and decodes the answer into out (when not nil).
func (c *serveChild) call(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// deploy creates and enables a workflow through the API.
func (c *serveChild) deploy(ctx context.Context, def string) (string, error) {
	var w struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/workflows", []byte(def), http.StatusCreated, &w); err != nil {
		return "", fmt.Errorf("bench: create workflow: %w", err)
	}
	if err := c.call(ctx, http.MethodPost, "/api/workflows/"+w.ID+"/enable", []byte("{}"), http.StatusOK, nil); err != nil {
		return "", fmt.Errorf("bench: enable workflow: %w", err)
	}
	return w.ID, nil
}

// completed reads how many enrollments of a workflow have ended, whatever the outcome.
func (c *serveChild) completed(ctx context.Context, workflowID string) (int64, error) {
	var st struct {
		Enrollments map[string]int64 `json:"enrollments"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/workflows/"+workflowID+"/stats", nil, http.StatusOK, &st); err != nil {
		return 0, err
	}
	var n int64
	for status, k := range st.Enrollments {
		if status != store.StatusActive && status != store.StatusWaiting {
			n += k
		}
	}
	return n, nil
}

// waitCompleted polls the stats until want enrollments ended; it returns when they did.
func (c *serveChild) waitCompleted(ctx context.Context, workflowID string, want int64) (time.Time, error) {
	for {
		n, err := c.completed(ctx, workflowID)
		if err != nil {
			return time.Time{}, err
		}
		if n >= want {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d of %d enrollments ended: %w", n, want, ctx.Err())
		// Every 100 ms: the stats scan the workflow's enrollments, and polling harder would
		// measure the poll (at 20 ms it took a tenth of the server's CPU while draining).
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// procStat reads a process's CPU time (user + system) and resident memory from /proc.
type procStat struct {
	cpu        time.Duration
	rssMiB     float64
	peakRSSMiB float64
}

func readProc(pid int) procStat {
	var ps procStat
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command name (which may hold spaces) start after the last ")".
		s := string(raw)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				ps.cpu = time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
			}
		}
	}
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			var kb float64
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
					ps.rssMiB = kb / 1024
				}
			}
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
					ps.peakRSSMiB = kb / 1024
				}
			}
		}
	}
	return ps
}

func (b *bench) levels() []int {
	if len(b.cfg.Levels) > 0 {
		return b.cfg.Levels
	}
	return DefaultLevels
}

// httpExternal measures POST /api/events against a serve child with the one-step workflow on,
// at each client concurrency, then the five-step workflow at the middle one.
func (b *bench) httpExternal(ctx context.Context) error {
	srv, err := b.startServe(ctx, "external")
	if err != nil {
		return err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	idle := readProc(pid)
	b.rep.add(Row{Key: "external.idle_rss", Name: "flowdesk serve idle RSS", Value: idle.rssMiB, Unit: "MiB", Target: "<= 50", Met: met(idle.rssMiB <= 50)})
	wfID, err := srv.deploy(ctx, extOneStep)
	if err != nil {
		return err
	}
	var ended int64
	for _, c := range b.levels() {
		run := fmt.Sprintf("ext-c%d", c)
		post := func(ctx context.Context, i int) error {
			return srv.call(ctx, http.MethodPost, "/api/events", eventBody(run, i), http.StatusCreated, nil)
		}
		res, exec, cpu, err := b.externalLevel(ctx, srv, "POST /api/events -c "+strconv.Itoa(c), c, wfID, &ended, post)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("external.events.c%d", c)
		label := fmt.Sprintf("POST /api/events from another process, -c %d, 1-step workflow, dispatcher on", c)
		target, ok := "", (*bool)(nil)
		if c == 32 {
			target, ok = ">= 7,500", met(res.rate() >= 7500)
		}
		b.rep.add(Row{Key: key, Name: label, Value: res.rate(), Unit: "events/s", Ratio: b.ratio(res.rate()), Target: target, Met: ok,
			Note: cpuPer(cpu, res.done, "event") + " in the server"})
		p99Target, p99Met := "", (*bool)(nil)
		if c == 32 {
			p99Target, p99Met = "<= 20", met(msOf(percentile(res.latencies, 0.99)) <= 20)
		}
		b.addLatency(key+".ack", fmt.Sprintf("ack latency at -c %d", c), res.latencies, p99Target, p99Met)
		b.rep.add(Row{Key: key + ".executions", Name: fmt.Sprintf("executions/s until all %d completed, -c %d", res.done, c), Value: exec,
			Unit: "executions/s", Target: ">= 0.9 x events/s", Met: met(exec >= 0.9*res.rate())})
	}
	// The five-step workflow at the middle concurrency: steps executed per second.
	if err := srv.call(ctx, http.MethodPost, "/api/workflows/"+wfID+"/disable", []byte("{}"), http.StatusOK, nil); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	five, err := srv.deploy(ctx, benchWorkflow)
	if err != nil {
		return err
	}
	c := b.levels()[len(b.levels())/2]
	ended = 0
	post := func(ctx context.Context, i int) error {
		return srv.call(ctx, http.MethodPost, "/api/events", eventBody("ext-five", i), http.StatusCreated, nil)
	}
	res, exec, _, err := b.externalLevel(ctx, srv, "5-step workflow -c "+strconv.Itoa(c), c, five, &ended, post)
	if err != nil {
		return err
	}
	b.rep.add(Row{Key: "external.five_steps", Name: fmt.Sprintf("steps/s, 5-step workflow, events from another process at -c %d", c),
		Value: exec * 5, Unit: "steps/s", Target: ">= 10,000", Met: met(exec*5 >= 10000), Note: fmt.Sprintf("%.0f events/s ingested", res.rate())})
	peak := readProc(pid).peakRSSMiB
	b.rep.add(Row{Key: "external.peak_rss", Name: "flowdesk serve peak RSS under load", Value: peak, Unit: "MiB", Target: "<= 150", Met: met(peak <= 150)})
	return nil
}

// externalLevel sends Events calls from c clients, then waits until every enrollment they
// caused ended. It returns the load result, the executions per second from the first call to
// the last enrollment ended, and the server's CPU time over both.
func (b *bench) externalLevel(ctx context.Context, srv *serveChild, label string, c int, workflowID string, ended *int64,
	call func(ctx context.Context, i int) error) (*loadResult, float64, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	p := b.cfg.Progress.phase(label, b.cfg.Events)
	cpu0 := readProc(srv.cmd.Process.Pid).cpu
	start := time.Now()
	res := closedLoop(ctx, b.cfg.Events, c, p, call)
	p.done()
	if err := b.checkLoad(label, res); err != nil {
		return nil, 0, 0, err
	}
	*ended += int64(res.done)
	done, err := srv.waitCompleted(ctx, workflowID, *ended)
	if err != nil {
		b.truncated(label)
		return res, 0, readProc(srv.cmd.Process.Pid).cpu - cpu0, nil
	}
	exec := float64(res.done) / done.Sub(start).Seconds()
	return res, exec, readProc(srv.cmd.Process.Pid).cpu - cpu0, nil
}

// hooksExternal measures signed POST /hooks/{key} (systeme.io preset, the five-step workflow on)
// against a serve child at each client concurrency.
func (b *bench) hooksExternal(ctx context.Context) error {
	srv, err := b.startServe(ctx, "external-hooks")
	if err != nil {
		return err
	}
	defer srv.stop()
	wf := strings.Replace(benchWorkflow, `"event": "`+benchEventType+`"`, `"event": "`+listenerEventType+`"`, 1)
	wfID, err := srv.deploy(ctx, wf)
	if err != nil {
		return err
	}
	var ep struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	cfg := []byte(`{"name": "bench systeme.io", "auth": "signature", "preset": "systemeio"}`)
	if err := srv.call(ctx, http.MethodPost, "/api/hooks", cfg, http.StatusCreated, &ep); err != nil {
		return fmt.Errorf("bench: create the webhook endpoint: %w", err)
	}
	target := &hookTarget{srv: &benchServer{client: srv.client}, url: ep.URL, secret: ep.Secret}
	var ended int64
	for _, c := range b.levels() {
		run := fmt.Sprintf("exthook-c%d", c)
		post := func(ctx context.Context, i int) error { return target.post(ctx, run, i) }
		res, exec, cpu, err := b.externalLevel(ctx, srv, "POST /hooks/{key} -c "+strconv.Itoa(c), c, wfID, &ended, post)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("external.hooks.c%d", c)
		tgt, ok := "", (*bool)(nil)
		if c == 32 {
			tgt, ok = ">= 5,000", met(res.rate() >= 5000)
		}
		b.rep.add(Row{Key: key, Name: fmt.Sprintf("POST /hooks/{key} from another process, signed, systeme.io preset, 5-step workflow, -c %d", c),
			Value: res.rate(), Unit: "deliveries/s", Ratio: b.ratio(res.rate()), Target: tgt, Met: ok, Note: cpuPer(cpu, res.done, "delivery") + " in the server"})
		b.addLatency(key+".ack", fmt.Sprintf("webhook ack latency at -c %d", c), res.latencies, "", nil)
		b.rep.add(Row{Key: key + ".steps", Name: fmt.Sprintf("steps/s until all %d completed, -c %d", res.done, c), Value: exec * 5, Unit: "steps/s"})
	}
	peak := readProc(srv.cmd.Process.Pid).peakRSSMiB
	b.rep.add(Row{Key: "external.hooks.peak_rss", Name: "flowdesk serve peak RSS under webhook load", Value: peak, Unit: "MiB", Target: "<= 150", Met: met(peak <= 150)})
	return nil
}
