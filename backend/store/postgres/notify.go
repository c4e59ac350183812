package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channels the database notifies on (triggers of the migration notify_jobs), each scoped by
// the schema: "flowdesk.<schema>.<name>".
const (
	// ChannelJobs: a job was scheduled or woken (new enrollments, resumed waits, retries).
	ChannelJobs = "jobs"
	// ChannelChanges: workflows, lists or the property schema changed; the payload is the
	// table. Other processes reload what they cache of them.
	ChannelChanges = "changes"
)

// Listen calls fn for every notification on the named channel (ChannelJobs, ChannelChanges)
// until ctx ends, on a connection of its own taken out of pool. PostgreSQL sends NOTIFY at
// commit, so fn runs after the change is visible. When the connection fails Listen connects
// again and calls fn once (notifications sent meanwhile are lost), so a caller that also polls
// misses nothing for long: LISTEN/NOTIFY is the fast path, polling the fallback.
func Listen(ctx context.Context, pool *pgxpool.Pool, name string, log *slog.Logger, fn func(payload string)) {
	if log == nil {
		log = slog.Default()
	}
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			fn("")
		}
		err := listen(ctx, pool, name, fn)
		if ctx.Err() != nil {
			return
		}
		log.Warn("listen for notifications; connecting again", "channel", name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func listen(ctx context.Context, pool *pgxpool.Pool, name string, fn func(string)) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack() // a listening connection is never handed to anyone else
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel(schema, name)}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}

// channel is the name a schema's notifications of kind name go out on.
func channel(schema, name string) string { return "flowdesk." + schema + "." + name }

// ReloadEvery is how often a process reloads its caches without being notified: the fallback
// for notifications lost while its listening connection was down.
const ReloadEvery = 30 * time.Second

// Follow keeps a process in step with the others on the database until ctx ends: wake runs
// when a job was scheduled or woken (the dispatcher also polls), and reload when workflows,
// lists or the property schema changed, and every ReloadEvery. It returns at once.
func Follow(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, wake func(), reload func(ctx context.Context) error) {
	if log == nil {
		log = slog.Default()
	}
	changed := make(chan struct{}, 1)
	go Listen(ctx, pool, ChannelJobs, log, func(string) { wake() })
	go Listen(ctx, pool, ChannelChanges, log, func(string) {
		select {
		case changed <- struct{}{}:
		default: // a reload is already due; it reads the latest
		}
	})
	go func() {
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-changed:
			case <-time.After(ReloadEvery):
			}
			if err := reload(ctx); err != nil && ctx.Err() == nil {
				log.Warn("reload workflows, lists and properties changed by another process", "err", err)
			}
		}
	}()
}
