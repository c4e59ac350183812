// Package maintenance runs Flowdesk's periodic jobs (retention, vacuum, WAL checkpoints, webhook
// housekeeping, delayed deliveries, trash purge) as small start/stop services under one
// Maintainer, after river's maintenance services: each service has a name, an interval with
// jitter, the injected clock and a logger, and does one round of work in small batches.
package maintenance

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
)

// Service is one periodic job: Start launches it, Stop ends it and waits until it has.
type Service interface {
	Name() string
	Start(ctx context.Context) error
	Stop()
}

// Round is one pass of a periodic job. It works in small batches (each its own write) and
// returns when there is nothing left to do for now.
type Round func(ctx context.Context) error

// Base is what every service shares: the clock that paces it and the log it reports to.
type Base struct {
	Clock clock.Clock  // default: the wall clock
	Log   *slog.Logger // default: slog.Default()
	// Leading tells whether this process does the work (nil: always). Processes sharing one
	// database elect one leader, so each round runs once cluster-wide; the others skip rounds.
	Leading func() bool
}

func (b Base) withDefaults() Base {
	if b.Clock == nil {
		b.Clock = clock.Real{}
	}
	if b.Log == nil {
		b.Log = slog.Default()
	}
	return b
}

// Periodic runs Round once at start and then every Interval (± Jitter of it, so services
// started together do not all wake at once), until stopped. Wake makes it run a round now.
type Periodic struct {
	Base
	ServiceName string
	Interval    time.Duration
	Jitter      float64 // fraction of Interval, 0..1 (default 0.1)
	Round       Round

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}
	rounds int64
}

// Name implements Service.
func (p *Periodic) Name() string { return p.ServiceName }

// Start implements Service. The service runs until Stop, whatever happens to ctx's deadline.
func (p *Periodic) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		return errors.New("maintenance service " + p.ServiceName + " already started")
	}
	if p.Interval <= 0 || p.Round == nil {
		return errors.New("maintenance service " + p.ServiceName + " needs an interval and a round")
	}
	p.Base = p.Base.withDefaults()
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel, p.done = cancel, make(chan struct{})
	go p.loop(runCtx, p.done)
	return nil
}

func (p *Periodic) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for {
		if p.Leading == nil || p.Leading() {
			p.RunOnce(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-p.Clock.After(p.next()):
		}
	}
}

// RunOnce runs one round now and logs its failure (tests drive services this way).
func (p *Periodic) RunOnce(ctx context.Context) {
	p.Base = p.Base.withDefaults()
	if err := p.Round(ctx); err != nil && ctx.Err() == nil {
		p.Log.Warn("maintenance round failed", "service", p.ServiceName, "err", err)
	}
	p.mu.Lock()
	p.rounds++
	p.mu.Unlock()
}

// Rounds tells how many rounds have run.
func (p *Periodic) Rounds() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rounds
}

// Wake asks a started service to run a round now (a no-op when one is already asked for).
func (p *Periodic) Wake() {
	p.mu.Lock()
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	ch := p.wake
	p.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

// next is the interval with jitter.
func (p *Periodic) next() time.Duration {
	j := p.Jitter
	if j <= 0 {
		j = 0.1
	}
	j = min(j, 1)
	spread := float64(p.Interval) * j
	return p.Interval + time.Duration((rand.Float64()*2-1)*spread)
}

// Stop implements Service: it cancels the round in progress between batches and waits for it.
func (p *Periodic) Stop() {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel = nil
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Maintainer owns every maintenance service: it starts them together and stops them together.
type Maintainer struct {
	Base
	services []Service
	started  []Service
}

// New returns a maintainer over services.
func New(base Base, services ...Service) *Maintainer {
	return &Maintainer{Base: base.withDefaults(), services: services}
}

// Services lists the maintainer's services.
func (m *Maintainer) Services() []Service { return m.services }

// Start starts every service; when one fails the ones started are stopped again. A periodic
// service without its own Leading follows the maintainer's.
func (m *Maintainer) Start(ctx context.Context) error {
	for _, s := range m.services {
		if p, ok := s.(*Periodic); ok && p.Leading == nil {
			p.Leading = m.Leading
		}
		if err := s.Start(ctx); err != nil {
			m.Stop()
			return err
		}
		m.started = append(m.started, s)
	}
	m.Log.Debug("maintenance services started", "services", len(m.started))
	return nil
}

// Stop stops the started services, last started first.
func (m *Maintainer) Stop() {
	for i := len(m.started) - 1; i >= 0; i-- {
		m.started[i].Stop()
	}
	m.started = nil
}

// Batch sizes work so one batch holds the writer for about Target: it halves after a batch that
// took longer and doubles (up to Max) after one that took less than half of it.
type Batch struct {
	Size, Min, Max int
	Target         time.Duration
	// Longest is the longest hold seen, for tests and logs.
	Longest time.Duration
}

// NewBatch starts at size, between 10 and max rows, aiming at target per batch.
func NewBatch(size, max int, target time.Duration) *Batch {
	return &Batch{Size: size, Min: 10, Max: max, Target: target}
}

// Took records how long a batch held the writer and adapts the next size.
func (b *Batch) Took(hold time.Duration) {
	b.Longest = max(b.Longest, hold)
	switch {
	case hold > b.Target:
		b.Size = max(b.Size/2, b.Min)
	case hold < b.Target/2:
		b.Size = min(b.Size*2, b.Max)
	}
}
