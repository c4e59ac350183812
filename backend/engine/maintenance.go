package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/maintenance"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Maintenance intervals: how often each of the engine's maintenance services runs a round.
const (
	RetentionEvery  = time.Hour
	VacuumEvery     = 10 * time.Minute
	CheckpointEvery = 30 * time.Second
	TrashEvery      = time.Minute
)

// DefaultBatchHold is how long one maintenance batch aims to hold the writer.
const DefaultBatchHold = 2 * time.Millisecond

// MaintenanceStat is what one maintenance service has done so far.
type MaintenanceStat struct {
	Rounds  int64         `json:"rounds"`
	Batches int64         `json:"batches"`
	Rows    int64         `json:"rows"`         // rows (vacuum: pages) removed
	Longest time.Duration `json:"longest_hold"` // longest time one batch held the writer
	Median  time.Duration `json:"median_hold"`  // of the last holdWindow batches
	P99     time.Duration `json:"p99_hold"`     // of the last holdWindow batches
}

// holdWindow is how many recent batch holds the percentiles are taken over.
const holdWindow = 4096

type maintStat struct {
	mu sync.Mutex
	MaintenanceStat
	holds []time.Duration // ring of the last holdWindow holds
}

func (s *maintStat) add(b store.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.holds) < holdWindow {
		s.holds = append(s.holds, b.Hold)
	} else {
		s.holds[s.Batches%holdWindow] = b.Hold
	}
	s.Batches++
	s.Rows += b.Rows
	s.Longest = max(s.Longest, b.Hold)
}

func (s *maintStat) round() {
	s.mu.Lock()
	s.Rounds++
	s.mu.Unlock()
}

func (s *maintStat) get() MaintenanceStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.MaintenanceStat
	if n := len(s.holds); n > 0 {
		sorted := slices.Clone(s.holds)
		slices.Sort(sorted)
		out.Median, out.P99 = sorted[n/2], sorted[min(n-1, n*99/100)]
	}
	return out
}

// engineMaintenance holds the engine's maintenance services and what they did.
type engineMaintenance struct {
	retention, vacuum, checkpoint, trash *maintenance.Periodic
	stats                                struct{ retention, vacuum, checkpoint, trash maintStat }
	files                                store.FileUpkeep // nil: no vacuum or checkpoint services
}

// newMaintenance builds the services. Vacuum and checkpoint exist only for a store kept in a
// file (store.FileUpkeep): a database server returns free space and checkpoints by itself.
func (e *Engine) newMaintenance() {
	base := maintenance.Base{Clock: e.clock, Log: e.log, Leading: e.opts.Leading}
	m := &e.maint
	m.retention = &maintenance.Periodic{Base: base, ServiceName: "retention", Interval: RetentionEvery, Round: e.retentionRound}
	m.trash = &maintenance.Periodic{Base: base, ServiceName: "trash", Interval: TrashEvery, Round: e.trashRound}
	if files, ok := e.db.(store.FileUpkeep); ok {
		m.files = files
		m.vacuum = &maintenance.Periodic{Base: base, ServiceName: "vacuum", Interval: VacuumEvery, Round: e.vacuumRound}
		m.checkpoint = &maintenance.Periodic{Base: base, ServiceName: "checkpoint", Interval: CheckpointEvery, Round: e.checkpointRound}
	}
}

// MaintenanceServices are the engine's periodic jobs (retention, trash purge and, for a store
// kept in a file, incremental vacuum and WAL checkpoints), for the one maintenance.Maintainer
// that runs every periodic job.
func (e *Engine) MaintenanceServices() []maintenance.Service {
	var out []maintenance.Service
	for _, p := range e.maint.periodic() {
		out = append(out, p)
	}
	return out
}

// periodic lists the services the store has, in the order RunMaintenance runs them.
func (m *engineMaintenance) periodic() []*maintenance.Periodic {
	out := []*maintenance.Periodic{m.trash, m.retention}
	if m.files != nil {
		out = append(out, m.vacuum, m.checkpoint)
	}
	return out
}

// MaintenanceStats reports what each of the engine's maintenance services has done.
func (e *Engine) MaintenanceStats() map[string]MaintenanceStat {
	s := &e.maint.stats
	return map[string]MaintenanceStat{"retention": s.retention.get(), "vacuum": s.vacuum.get(),
		"checkpoint": s.checkpoint.get(), "trash": s.trash.get()}
}

// RunMaintenance runs one round of every engine maintenance service now, in order (tests, the
// soak benchmark).
func (e *Engine) RunMaintenance(ctx context.Context) {
	for _, p := range e.maint.periodic() {
		p.RunOnce(ctx)
	}
}

// batches runs one maintenance job batch after batch until it is done, sizing each batch so it
// holds the writer for about BatchHold, and stops between batches when ctx ends.
func (e *Engine) batches(ctx context.Context, st *maintStat, run func(limit int) (store.Batch, error)) error {
	size := maintenance.NewBatch(50, 2000, e.opts.BatchHold)
	for {
		if ctx.Err() != nil {
			return errStopped
		}
		b, err := run(size.Size)
		if err != nil {
			return err
		}
		st.add(b)
		size.Took(b.Hold)
		if !b.More {
			return nil
		}
	}
}

// retentionRound deletes what is older than the retention: finished enrollments with their
// history, then events nothing refers to, then raw webhook bodies, then bulk jobs (bulk
// enrollments, imports with their error reports, retry jobs) that ended before it.
func (e *Engine) retentionRound(ctx context.Context) error {
	st := &e.maint.stats.retention
	defer st.round()
	keep := store.DefaultRetention
	if e.opts.Retention != nil {
		if d := e.opts.Retention(ctx); d > 0 {
			keep = d
		}
	}
	before := e.clock.Now().Add(-keep)
	if err := e.batches(ctx, st, func(limit int) (store.Batch, error) {
		b, _, err := e.db.PruneEnrollments(ctx, before, limit)
		return b, err
	}); err != nil {
		return err
	}
	var after int64
	if err := e.batches(ctx, st, func(limit int) (store.Batch, error) {
		b, last, err := e.db.PruneEvents(ctx, before, after, limit)
		after = last
		return b, err
	}); err != nil {
		return err
	}
	if err := e.batches(ctx, st, func(limit int) (store.Batch, error) { return e.db.PruneHookRequests(ctx, before, limit) }); err != nil {
		return err
	}
	return e.batches(ctx, st, func(limit int) (store.Batch, error) { return e.db.PruneBulkJobs(ctx, before, limit) })
}

// vacuumRound returns the free pages to the file system, a small chunk per write.
func (e *Engine) vacuumRound(ctx context.Context) error {
	st := &e.maint.stats.vacuum
	defer st.round()
	err := e.batches(ctx, st, func(pages int) (store.Batch, error) { return e.maint.files.Vacuum(ctx, pages) })
	if errors.Is(err, store.ErrFileOnly) {
		return nil // a database server (PostgreSQL) vacuums itself
	}
	return err
}

// checkpointRound copies the WAL back into the database file beside the writer (it holds the
// writer for no time: its stat counts frames copied, with zero hold).
func (e *Engine) checkpointRound(ctx context.Context) error {
	st := &e.maint.stats.checkpoint
	defer st.round()
	res, err := e.maint.files.Checkpoint(ctx)
	if errors.Is(err, store.ErrFileOnly) {
		return nil // a database server (PostgreSQL) checkpoints its own WAL
	}
	if err != nil {
		return err
	}
	st.add(store.Batch{Rows: res.Checkpointed})
	return nil
}
