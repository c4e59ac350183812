package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// syncBuffer is an io.Writer a test reads while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestWorkerKnowsServesAddresses starts serve on a PostgreSQL database, stops it, and puts a
// listener of the test's own on serve's API address. A workflow posts there from a step that
// only a worker runs: the worker must refuse it as serve's own address (serve recorded it in
// the database), so the listener sees no request.
func TestWorkerKnowsServesAddresses(t *testing.T) {
	dsn := pgtest.DSN(t)
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	serveCtx, stopServe := context.WithCancel(ctx)
	var serveOut, serveErr syncBuffer
	served := make(chan error, 1)
	go func() {
		served <- run(serveCtx, []string{"serve", "--db", dsn, "--secrets", secrets, "--addr", "127.0.0.1:0", "--log-level", "warn"}, &serveOut, &serveErr)
	}()
	ready := regexp.MustCompile(`listening on http://(\S+) `)
	var addr string
	for addr == "" {
		if m := ready.FindStringSubmatch(serveOut.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-served:
			t.Fatalf("serve ended: %v\n%s", err, serveErr.String())
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("serve printed no address:\n%s", serveErr.String())
		}
	}
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v\n%s", err, serveErr.String())
	}

	db, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := settings.Open(db, secrets)
	if err != nil {
		t.Fatal(err)
	}
	rec, ok, err := st.Serve(ctx)
	if err != nil || !ok {
		t.Fatalf("serve's addresses in the database: %+v %v %v", rec, ok, err)
	}
	if !slices.Contains(rec.Self, netip.MustParseAddrPort(addr)) || rec.HooksURL != "http://"+addr {
		t.Fatalf("serve recorded %+v, want its listener %s and hooks URL http://%s", rec, addr, addr)
	}

	// The test's listener on serve's address: a request reaching it was not refused.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := eng.Workflows().Create(ctx, []byte(`{"id": "self", "name": "Self", "object": "contact",
	  "triggers": [{"type": "event", "event": "self.call"}], "start": "hook",
	  "steps": [{"id": "hook", "type": "webhook", "url": "http://`+addr+`/api/events"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Workflows().Enable(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	res, err := eng.Ingest(ctx, engine.EventInput{Type: "self.call", Record: engine.RecordRef{Type: "contact", Email: "self@example.com"}})
	if err != nil || len(res.Enrollments) != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}

	workCtx, stopWorker := context.WithCancel(ctx)
	var workOut, workErr syncBuffer
	worked := make(chan error, 1)
	go func() {
		worked <- run(workCtx, []string{"worker", "--db", dsn, "--secrets", secrets, "--log-level", "warn"}, &workOut, &workErr)
	}()
	defer func() {
		stopWorker()
		if err := <-worked; err != nil {
			t.Errorf("worker: %v\n%s", err, workErr.String())
		}
	}()
	var detail string
	if err := waitFor(ctx, func() (bool, error) {
		hist, err := db.History(ctx, res.Enrollments[0])
		if err != nil {
			return false, err
		}
		for _, h := range hist {
			if h.StepID == "hook" {
				detail = string(h.Detail)
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		t.Fatalf("the worker did not run the step: %v\n%s", err, workErr.String())
	}
	if hits.Load() != 0 {
		t.Fatalf("the worker's step reached serve's address %s (%d requests): %s", addr, hits.Load(), detail)
	}
	if !strings.Contains(detail, "own address") {
		t.Fatalf("the step's history %s, want it refused as Flowdesk's own address", detail)
	}
}
