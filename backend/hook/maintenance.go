package hook

import (
	"context"
	"time"

	"github.com/flowdesk/flowdesk/backend/maintenance"
	"github.com/flowdesk/flowdesk/backend/store"
)

// HousekeepingEvery is how often delivery ids past the replay window are forgotten and request
// logs trimmed.
const HousekeepingEvery = 10 * time.Minute

// MaintenanceServices are the listener's periodic jobs, for the one maintenance.Maintainer:
// ingesting delayed deliveries as they come due (every Options.Poll; one that came due while
// Flowdesk was closed goes in at start) and housekeeping. The listener itself only handles
// requests.
func (l *Listener) MaintenanceServices() []maintenance.Service {
	base := maintenance.Base{Clock: l.clock, Log: l.log}
	return []maintenance.Service{
		&maintenance.Periodic{Base: base, ServiceName: "delayed-deliveries", Interval: l.opts.Poll,
			Round: func(ctx context.Context) error { _, err := l.ProcessDue(ctx); return err }},
		&maintenance.Periodic{Base: base, ServiceName: "hook-housekeeping", Interval: HousekeepingEvery, Round: l.Maintain},
	}
}

// Maintain forgets delivery ids older than the replay window and trims request logs to
// KeepRequests lines per endpoint, one endpoint per write so no write holds the writer long.
func (l *Listener) Maintain(ctx context.Context) error {
	eps, err := l.db.HookEndpoints(ctx)
	if err != nil {
		return err
	}
	if err := l.db.Write(ctx, func(tx store.Tx) error {
		_, err := tx.PruneHookDeliveries(l.clock.Now().Add(-l.opts.ReplayWindow))
		return err
	}); err != nil {
		return err
	}
	for _, ep := range eps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := l.db.Write(ctx, func(tx store.Tx) error {
			_, err := tx.TrimHookRequests(ep.ID, l.opts.KeepRequests)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}
