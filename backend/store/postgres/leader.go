package postgres

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// leaderClass is the first key of the leadership's advisory lock ("fdlead" in ASCII); the
// second is the schema's hash, so databases in separate schemas (tests) elect separately.
const leaderClass = 0x66646c65

// ElectEvery is how often a follower tries to become the leader and the leader checks that its
// lock's connection is alive: a dead leader is replaced within about this long.
const ElectEvery = 2 * time.Second

// Leader is this process's part in electing the one process that runs the cluster-wide work
// (schedule triggers, bulk enrollments, maintenance). The leader holds a session advisory lock
// (pg_try_advisory_lock) on a connection of its own: when the process dies its connection
// closes and PostgreSQL releases the lock, and another process takes it at its next try. River
// elects with a leader row and an expiry because it must work through connection poolers in
// transaction mode; Flowdesk connects directly, so the lock is the simpler fence.
type Leader struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	every   time.Duration
	leading atomic.Bool
	stop    context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// Elect starts campaigning for the leadership on pool and returns at once; Leading tells the
// current answer. Close resigns.
func Elect(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) *Leader {
	return elect(ctx, pool, log, ElectEvery)
}

func elect(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, every time.Duration) *Leader {
	if log == nil {
		log = slog.Default()
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &Leader{pool: pool, log: log, every: every, stop: cancel, done: make(chan struct{})}
	go l.campaign(runCtx)
	return l
}

// Leading reports whether this process holds the leadership now.
func (l *Leader) Leading() bool { return l.leading.Load() }

// Close resigns (the lock's connection closes) and stops campaigning.
func (l *Leader) Close() {
	l.once.Do(func() {
		l.stop()
		<-l.done
	})
}

func (l *Leader) campaign(ctx context.Context) {
	defer close(l.done)
	defer l.leading.Store(false)
	for ctx.Err() == nil {
		l.hold(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(l.every):
		}
	}
}

// hold takes a connection out of the pool, tries for the lock on it until it wins, then keeps
// the connection (pinging it) while it leads. It returns when the connection fails or ctx
// ends, and closes the connection, so the lock cannot outlive the leadership.
func (l *Leader) hold(ctx context.Context) {
	pc, err := l.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("leader election: no connection", "err", err)
		}
		return
	}
	conn := pc.Hijack() // the lock's connection is never handed to anyone else
	defer func() {
		l.leading.Store(false)
		_ = conn.Close(context.WithoutCancel(ctx))
	}()
	for ctx.Err() == nil {
		// A slow answer is not a dead connection: give it a few rounds before stepping down.
		q, cancel := context.WithTimeout(ctx, max(3*l.every, 3*time.Second))
		if l.leading.Load() {
			_, err = conn.Exec(q, "SELECT 1")
		} else {
			var won bool
			err = conn.QueryRow(q, "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))", leaderClass).Scan(&won)
			if err == nil && won {
				l.leading.Store(true)
				l.log.Info("this process leads: it runs schedules, bulk work and maintenance")
			}
		}
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				l.log.Warn("leader election: the lock's connection failed; campaigning again", "err", err)
			}
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.every):
		}
	}
}
