package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// measureCommitRate measures the disk's durable commit rate, the yardstick every throughput is
// reported against: it opens a scratch database at path with store.Open (the pragmas every
// Flowdesk database uses), commits n one-row writes one after another, so each is its own
// transaction and fsync, removes the files and returns commits per second.
func measureCommitRate(ctx context.Context, path string, n int, synchronous string) (perSec float64, err error) {
	if n <= 0 {
		return 0, fmt.Errorf("measure commit rate: n must be positive, got %d", n)
	}
	if err := removeDB(path); err != nil {
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	db, err := store.Open(ctx, path, store.Options{Synchronous: synchronous})
	if err != nil {
		_ = removeDB(path) // what a failed open left (its lock file); the open error is the news
		return 0, fmt.Errorf("measure commit rate: %w", err)
	}
	defer func() {
		cErr := db.Close()
		if rmErr := removeDB(path); cErr == nil {
			cErr = rmErr
		}
		if cErr != nil && err == nil {
			err = fmt.Errorf("measure commit rate: %w", cErr)
		}
	}()
	value := json.RawMessage(`true`)
	start := time.Now()
	for i := range n {
		key := fmt.Sprintf("bench.commit_probe.%d", i) // a new row each time, as an event is
		if err := db.Write(ctx, func(tx store.Tx) error { return tx.PutSetting(key, value, start) }); err != nil {
			return 0, fmt.Errorf("measure commit rate: commit %d: %w", i, err)
		}
	}
	return float64(n) / max(time.Since(start), time.Nanosecond).Seconds(), nil
}
