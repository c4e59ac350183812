package postgres_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// TestProcessesStartingTogetherMigrateOnce opens one fresh schema from several pools at once,
// as serve and its workers do when they start together: each pool is a session of its own, as
// another process's would be. Without the migration lock they all see version 0 and all create
// the tables; one then fails on "already exists" (or the version table gets two rows).
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	ctx := context.Background()
	for round := range 3 {
		dsn := pgtest.Empty(t)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		dbs := make([]*postgres.DB, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				dbs[i], errs[i] = postgres.Open(ctx, dsn, store.Options{ReadConns: 1})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: process %d of %d starting at once could not open the fresh schema: %v", round, i+1, n, err)
			}
			defer dbs[i].Close()
		}
		var rows, version int
		if err := dbs[0].Pool().QueryRow(ctx, "SELECT COUNT(*), MAX(version) FROM flowdesk_schema").Scan(&rows, &version); err != nil {
			t.Fatal(err)
		}
		if rows != 1 || version != postgres.Latest() {
			t.Fatalf("round %d: flowdesk_schema holds %d rows at version %d, want one row at %d", round, rows, version, postgres.Latest())
		}
		// Every process works on the one schema.
		for i, db := range dbs {
			if err := db.Write(ctx, func(tx store.Tx) error {
				return tx.PutSetting("started-"+string(rune('a'+i)), json.RawMessage(`true`), time.Now())
			}); err != nil {
				t.Fatalf("round %d: process %d cannot write: %v", round, i+1, err)
			}
		}
	}
}
