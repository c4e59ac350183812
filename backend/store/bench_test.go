package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// benchDB opens a database with a one-row-per-write table for the commit benchmarks.
func benchDB(b *testing.B, synchronous string) *DB {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), Options{Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.w.Exec("CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	return db
}

func insertOne(tx Tx) error {
	_, err := tx.(*sqlTx).exec("INSERT INTO bench (v) VALUES (?)", "event payload")
	return err
}

// BenchmarkWriteGroupCommit measures durable writes/s when many goroutines write at once and the
// writer groups them into shared transactions.
func BenchmarkWriteGroupCommit(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) {
			db := benchDB(b, sync)
			ctx := context.Background()
			b.SetParallelism(32) // 32 writers per GOMAXPROCS
			commits0 := db.commits.Load()
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.Write(ctx, insertOne); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			sec := time.Since(start).Seconds()
			commits := db.commits.Load() - commits0
			b.ReportMetric(float64(b.N)/sec, "writes/s")
			b.ReportMetric(float64(commits)/sec, "commits/s")
			if commits > 0 {
				b.ReportMetric(float64(b.N)/float64(commits), "writes/commit")
			}
		})
	}
}

// BenchmarkSingleCommit measures durable writes/s of one writer: every write is its own commit,
// the disk's commit rate that group commit is compared with.
func BenchmarkSingleCommit(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) {
			db := benchDB(b, sync)
			ctx := context.Background()
			start := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := db.Write(ctx, insertOne); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}

// BenchmarkHookEndpointByKey compares the listener's per-request endpoint look-up through the
// read-statement cache with the same query parsed on every call (as before the cache).
func BenchmarkHookEndpointByKey(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, "NORMAL")
	ep := &HookEndpoint{ID: "ep", Key: "k3y", Name: "bench", Config: "{}", Enabled: true, MaxFailures: 10}
	if err := db.Write(ctx, func(tx Tx) error { return tx.CreateHookEndpoint(ep, time.Now()) }); err != nil {
		b.Fatal(err)
	}
	q := "SELECT " + hookCols + " FROM hook_endpoints WHERE key = ?"
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.HookEndpointByKey(ctx, "k3y"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parsed-each-time", func(b *testing.B) {
		for b.Loop() {
			if _, err := scanHook(db.r.QueryRowContext(ctx, q, "k3y")); err != nil {
				b.Fatal(err)
			}
		}
	})
}
