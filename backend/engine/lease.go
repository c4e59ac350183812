package engine

import (
	"context"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// held is the set of claims this process's dispatcher is running. On a database shared by
// several processes there is no process lock to prove a worker dead, so a live worker renews
// its leases by heartbeat and a dead one's run out, and any live process claims them again.
type held struct {
	mu     sync.Mutex
	claims map[int64]int // job id -> attempt
}

func (h *held) add(j *store.Job) {
	h.mu.Lock()
	if h.claims == nil {
		h.claims = map[int64]int{}
	}
	h.claims[j.ID] = j.Attempt
	h.mu.Unlock()
}

func (h *held) remove(j *store.Job) {
	h.mu.Lock()
	if h.claims[j.ID] == j.Attempt {
		delete(h.claims, j.ID)
	}
	h.mu.Unlock()
}

func (h *held) list() []store.JobClaim {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]store.JobClaim, 0, len(h.claims))
	for id, attempt := range h.claims {
		out = append(out, store.JobClaim{ID: id, Attempt: attempt})
	}
	return out
}

// heartbeat extends the leases of the running claims every third of the lease until ctx ends.
// A claim whose lease was lost is not extended (the store fences by attempt), and its commit
// is refused as before.
func (e *Engine) heartbeat(ctx context.Context) {
	defer e.running.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.clock.After(e.opts.Lease / 3):
		}
		if err := e.renewLeases(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("extend job leases", "err", err)
		}
	}
}

// renewLeases is one heartbeat: the leases of the running claims run a full Lease from now.
func (e *Engine) renewLeases(ctx context.Context) error {
	claims := e.held.list()
	if len(claims) == 0 {
		return nil
	}
	until := e.clock.Now().Add(e.opts.Lease)
	return e.db.Write(ctx, func(tx store.Tx) error {
		_, err := tx.ExtendLeases(claims, until)
		return err
	})
}

// leading tells whether this process runs the cluster-wide work (schedules, bulk enrollments,
// imports, maintenance): always on one SQLite file; on a shared database only while it holds
// the leadership (Options.Leading).
func (e *Engine) leading() bool {
	return e.opts.Leading == nil || e.opts.Leading()
}

// followerPoll is how often a process that does not lead checks whether it leads now.
const followerPoll = 5 * time.Second

// sharedPoll fires after followerPoll on a shared database, where work may be started by
// another process that cannot wake this one; on one SQLite file it never fires.
func (e *Engine) sharedPoll() <-chan time.Time {
	if !e.opts.Shared {
		return nil
	}
	return e.clock.After(followerPoll)
}
