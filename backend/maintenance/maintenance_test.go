package maintenance

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
)

// eventually waits (bounded) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("gave up waiting until %s", what)
}

func TestAPeriodicJobRunsOnlyWhileItsProcessLeads(t *testing.T) {
	var leads atomic.Bool
	var asked, ran atomic.Int64
	p := &Periodic{Base: Base{Clock: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Leading: func() bool { asked.Add(1); return leads.Load() }},
		ServiceName: "retention", Interval: time.Hour,
		Round: func(context.Context) error { ran.Add(1); return nil }}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	eventually(t, "the first round asked who leads", func() bool { return asked.Load() >= 1 })
	p.Wake()
	eventually(t, "the woken round asked who leads", func() bool { return asked.Load() >= 2 })
	if n := ran.Load(); n != 0 {
		t.Fatalf("%d rounds ran in a process that does not lead", n)
	}
	leads.Store(true) // the leader died and this process won the election
	p.Wake()
	eventually(t, "a round ran once this process leads", func() bool { return ran.Load() == 1 })
}
