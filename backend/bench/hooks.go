package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Bench modes (--mode).
const (
	ModeAll      = "all"      // every phase below
	ModeCore     = "core"     // commit rate, engine ingest + execution, POST /api/events, paced
	ModeListener = "listener" // signed webhooks into the incoming-webhook listener
	ModeOutbound = "outbound" // webhook steps delivered to a local receiver
)

// Modes lists every --mode value, ModeAll first.
var Modes = []string{ModeAll, ModeCore, ModeListener, ModeOutbound, ModeDelays, ModeImport, ModeSoak, ModeHTTPExternal, ModeHooksExternal, ModeScaleOut}

// listenerEventType is the systeme.io event type the listener phase sends; the bench workflow
// is switched to it so each delivery also enrolls the contact (as in the HTTP phases).
const listenerEventType = "contact.optin.completed"

// systemePayload is a systeme.io-style opt-in webhook for contact i of run.
func systemePayload(run string, i int, at time.Time) []byte {
	raw, _ := json.Marshal(map[string]any{
		"type": listenerEventType,
		"data": map[string]any{
			"funnel": map[string]any{"id": 4711, "name": "Bench funnel"},
			"contact": map[string]any{"id": 100000 + i, "email": fmt.Sprintf("%s-%d@bench.example.com", run, i),
				"fields": map[string]any{"first_name": "Bench", "surname": fmt.Sprint("Contact ", i), "country": "FR"},
				"tags":   []map[string]any{{"id": 1, "name": "bench"}}},
		},
		"account":    map[string]any{"id": 42},
		"created_at": at.UTC().Format(time.RFC3339),
	})
	return raw
}

// hookTarget is one signature-authenticated endpoint of a running listener.
type hookTarget struct {
	srv    *benchServer
	url    string
	secret string
}

// post sends a Standard Webhooks-signed delivery with a fresh webhook-id; only a 201 counts.
func (h *hookTarget) post(ctx context.Context, run string, i int) error {
	now := time.Now()
	body := systemePayload(run, i, now)
	hdr, err := hook.SignedHeaders(h.secret, fmt.Sprintf("msg_%s_%d", run, i), now, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = hdr
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.srv.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /hooks/…: status %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	return nil
}

// startListener opens a phase database with the bench workflow on event listenerEventType,
// creates a signed systeme.io endpoint and serves the listener on 127.0.0.1.
func (b *bench) startListener(ctx context.Context, name string) (*benchEngine, *hookTarget, error) {
	wf := strings.Replace(benchWorkflow, `"event": "`+benchEventType+`"`, `"event": "`+listenerEventType+`"`, 1)
	be, err := b.openWith(ctx, name, wf, engine.Options{})
	if err != nil {
		return nil, nil, err
	}
	l := hook.New(be.db, be.eng, hook.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	created, err := l.Endpoints().Create(ctx, hook.Config{Name: "bench systeme.io", Auth: hook.AuthSignature, Preset: "systemeio"})
	if err != nil {
		be.close()
		return nil, nil, fmt.Errorf("bench: create the webhook endpoint: %w", err)
	}
	srv, err := startServer(b.cfg.Concurrency, func(string) (http.Handler, error) {
		mux := http.NewServeMux()
		mux.Handle("/hooks/", l) // as `flowdesk serve` mounts it
		return mux, nil
	})
	if err != nil {
		be.close()
		return nil, nil, err
	}
	return be, &hookTarget{srv: srv, url: srv.url + "/hooks/" + created.Key, secret: created.Secret}, nil
}

// listener measures signed webhook deliveries through HTTP into the incoming-webhook listener:
// C keep-alive clients for at most Duration (dispatcher off, as the HTTP phase), then a paced
// run with the dispatcher on.
func (b *bench) listener(ctx context.Context) error {
	const label = "POST /hooks/{key}, signed, systeme.io preset, workflow on"
	be, tgt, err := b.startListener(ctx, "listener")
	if err != nil {
		return err
	}
	commits0 := be.db.Commits()
	p := b.cfg.Progress.phase(label, b.cfg.Events)
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	res := closedLoopUntil(pctx, b.cfg.Events, b.cfg.Concurrency, time.Now().Add(b.cfg.Duration), p, func(ctx context.Context, i int) error {
		return tgt.post(ctx, "listener", i)
	})
	cancel()
	p.done()
	commits := be.db.Commits() - commits0
	tgt.srv.close()
	if err := be.close(); err != nil {
		return err
	}
	if err := b.checkLoad(label, res); err != nil {
		return err
	}
	rate := res.rate()
	b.rep.add(Row{Key: "hooks.listener", Name: label, Value: rate, Unit: "events/s", Ratio: b.ratio(rate),
		Target: ">= 5,000", Met: met(rate >= 5000),
		Note: joinNotes(fmt.Sprintf("%d deliveries in %.1f s", res.done, res.elapsed.Seconds()), perCommit(res.done, commits), cpuPer(res.cpu, res.done, "delivery"))})
	b.addLatency("hooks.listener.ack", "  ack latency", res.latencies, "", nil)

	// Paced, with the dispatcher running as `flowdesk serve` runs it.
	plabel := fmt.Sprintf("POST /hooks/{key} paced at %d/s, engine running", b.cfg.PacedRate)
	be, tgt, err = b.startListener(ctx, "listener-paced")
	if err != nil {
		return err
	}
	defer be.close()
	defer tgt.srv.close()
	if err := be.eng.Start(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	n := b.cfg.PacedEvents
	p = b.cfg.Progress.phase(plabel, n)
	pctx, cancel = context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()
	res = pacedLoop(pctx, n, b.cfg.PacedRate, b.cfg.Concurrency, p, func(ctx context.Context, i int) error {
		return tgt.post(ctx, "listener-paced", i)
	})
	p.done()
	if err := b.checkLoad(plabel, res); err != nil {
		return err
	}
	p99 := percentile(res.latencies, 0.99)
	b.rep.add(Row{Key: "hooks.listener.paced", Name: plabel, Value: res.rate(), Unit: "events/s", Ratio: b.ratio(res.rate()),
		Note: joinNotes(fmt.Sprintf("%d deliveries", res.done), cpuPer(res.cpu, res.done, "delivery incl. execution"))})
	b.addLatency("hooks.listener.paced.ack", "  ack latency", res.latencies, "<= 10", met(msOf(p99) <= 10))
	return nil
}

// benchReceiver is a local Standard Webhooks receiver: it verifies every signature and notes
// when each bench contact's delivery first arrived.
type benchReceiver struct {
	srv      *httptest.Server
	secret   string
	received []atomic.Int64 // unix nanos of the first delivery for contact i; 0: none yet
	got      atomic.Int64   // distinct contacts delivered
	dups     atomic.Int64   // deliveries of a contact already delivered
	badSig   atomic.Int64
	firstBad atomic.Value // string
	p        atomic.Pointer[phaseProgress]
}

func newBenchReceiver(n int) *benchReceiver {
	rv := &benchReceiver{secret: hook.NewSecret(), received: make([]atomic.Int64, n)}
	rv.srv = httptest.NewServer(http.HandlerFunc(rv.serve)) // 127.0.0.1
	return rv
}

func (rv *benchReceiver) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if err := hook.Verify(rv.secret, r.Header, body, at); err != nil {
		rv.badSig.Add(1)
		rv.firstBad.CompareAndSwap(nil, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var env struct {
		Data struct {
			Contact struct {
				Email string `json:"email"`
			} `json:"contact"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	if i, ok := outboundIndex(env.Data.Contact.Email); ok && i < len(rv.received) {
		if rv.received[i].CompareAndSwap(0, at.UnixNano()) {
			rv.got.Add(1)
			if p := rv.p.Load(); p != nil {
				p.add(1)
			}
		} else {
			rv.dups.Add(1)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// outboundIndex reads i back from "<run>-<i>@bench.example.com".
func outboundIndex(email string) (int, bool) {
	local, _, ok := strings.Cut(email, "@")
	if !ok {
		return 0, false
	}
	k := strings.LastIndexByte(local, '-')
	if k < 0 {
		return 0, false
	}
	i, err := strconv.Atoi(local[k+1:])
	return i, err == nil && i >= 0
}

// waitReceived waits until want contacts were delivered or ctx ends.
func (rv *benchReceiver) waitReceived(ctx context.Context, want int) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for rv.got.Load() < int64(want) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func outboundWorkflow(url, secret string) string {
	raw, _ := json.Marshal(map[string]any{
		"id": benchWorkflowID, "name": "Bench: outbound webhook", "object": "contact",
		"triggers": []map[string]any{{"type": "event", "event": benchEventType}},
		"reenroll": map[string]any{"enabled": false, "triggers": []string{}},
		"start":    "notify",
		"steps": []map[string]any{{"id": "notify", "type": workflow.StepWebhook, "url": url, "secret": secret,
			"timeout": "10s"}},
	})
	return string(raw)
}

// outbound measures webhook steps delivered by the engine to a local receiver that verifies
// each signature: first the delivery rate over a backlog of enrollments (ingested with the
// dispatcher off, then run), then event -> receiver latency with events paced at OutboundRate
// and the dispatcher running.
func (b *bench) outbound(ctx context.Context) error {
	for _, paced := range []bool{false, true} {
		if err := b.outboundRun(ctx, paced); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) outboundRun(ctx context.Context, paced bool) error {
	name, label := "outbound", "webhook steps delivered (engine -> 127.0.0.1 receiver)"
	if paced {
		name, label = "outbound-paced", fmt.Sprintf("events paced at %d/s -> webhook delivered", b.cfg.OutboundRate)
	}
	rv := newBenchReceiver(b.cfg.Events)
	defer rv.srv.Close()
	acts := map[string]engine.Action{workflow.StepWebhook: action.NewWebhook(action.Config{Account: action.Account{ID: "bench"}})}
	be, err := b.openWith(ctx, name, outboundWorkflow(rv.srv.URL+"/hook", rv.secret), engine.Options{Actions: acts})
	if err != nil {
		return err
	}
	defer be.close()
	ingestAt := make([]atomic.Int64, b.cfg.Events) // unix nanos when Ingest was called
	ingest := func(ctx context.Context, i int) error {
		ingestAt[i].Store(time.Now().UnixNano())
		_, err := be.eng.Ingest(ctx, benchEvent(name, i))
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, b.cfg.PhaseTimeout)
	defer cancel()

	var sent int
	var cpu0 time.Duration
	var start time.Time
	commits0 := be.db.Commits()
	if !paced {
		// Build the backlog within Duration, then time the dispatcher over it.
		p := b.cfg.Progress.phase("outbound: ingest the backlog", b.cfg.Events)
		res := closedLoopUntil(pctx, b.cfg.Events, b.cfg.Concurrency, time.Now().Add(b.cfg.Duration), p, ingest)
		p.done()
		if err := b.checkLoad("outbound backlog", res); err != nil {
			return err
		}
		sent = res.done
		p = b.cfg.Progress.phase(label, sent)
		rv.p.Store(p)
		commits0, cpu0, start = be.db.Commits(), cpuTime(), time.Now()
		if err := be.eng.Start(ctx); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		rv.waitReceived(pctx, sent)
		p.done()
	} else {
		if err := be.eng.Start(ctx); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		n := min(b.cfg.Events, int(b.cfg.Duration.Seconds()*float64(b.cfg.OutboundRate)))
		n = max(n, 1)
		p := b.cfg.Progress.phase(label, n)
		rv.p.Store(p)
		cpu0, start = cpuTime(), time.Now()
		res := pacedLoop(pctx, n, b.cfg.OutboundRate, b.cfg.Concurrency, NewProgress(io.Discard, false).phase("", 0), ingest)
		if err := b.checkLoad(label, res); err != nil {
			p.done()
			return err
		}
		sent = res.done
		rv.waitReceived(pctx, sent)
		p.done()
	}
	cpu := cpuTime() - cpu0
	commits := be.db.Commits() - commits0
	if pctx.Err() != nil {
		b.truncated(label)
	}
	if bad := rv.badSig.Load(); bad > 0 {
		first, _ := rv.firstBad.Load().(string)
		return fmt.Errorf("bench: %s: the receiver refused %d signatures, first: %s", label, bad, first)
	}
	var lat []time.Duration
	var last int64
	for i := range rv.received {
		at, in := rv.received[i].Load(), ingestAt[i].Load()
		if at == 0 || in == 0 {
			continue
		}
		lat = append(lat, time.Duration(at-in))
		last = max(last, at)
	}
	if len(lat) == 0 {
		return fmt.Errorf("bench: %s: nothing was delivered within %v", label, b.cfg.PhaseTimeout)
	}
	if failed := sent - len(lat); failed > 0 {
		b.cfg.Log.Warn("deliveries missing", "phase", label, "missing", failed)
	}
	elapsed := time.Unix(0, last).Sub(start)
	rate := float64(len(lat)) / elapsed.Seconds()
	note := joinNotes(fmt.Sprintf("%d delivered, every signature verified, %d duplicates, %d commits", len(lat), rv.dups.Load(), commits),
		cpuPer(cpu, len(lat), "delivery"))
	if !paced {
		b.rep.add(Row{Key: "outbound.deliveries", Name: label, Value: rate, Unit: "deliveries/s", Note: note})
		return nil
	}
	b.rep.add(Row{Key: "outbound.paced", Name: label, Value: rate, Unit: "deliveries/s",
		Note: joinNotes(note, "CPU incl. ingest")})
	b.addLatency("outbound.latency", "  event ingest -> receiver got it", lat, "", nil)
	return nil
}
