package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// TestSoakWeekStaysBounded pushes a simulated week of constant load through a workflow with
// the fake clock, running the maintenance services every simulated hour, and checks that the
// database and WAL files stop growing once retention starts deleting (retention is one day here
// so the week reaches the steady state).
func TestSoakWeekStaysBounded(t *testing.T) {
	h := newHarnessOn(t, storetest.OpenSQLite(t, "")) // it measures the SQLite file and its WAL
	h.eng.opts.Retention = func(context.Context) time.Duration { return 24 * time.Hour }
	def := flow("soak",
		M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open", "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "30m", "next": "score"},
		M{"id": "score", "type": "increment_property", "property": "score", "by": 1})
	def["reenroll"] = M{"enabled": true, "triggers": []string{"go"}}
	h.deployM(def)

	const (
		days     = 7
		perHour  = soakPerHour // events per simulated hour: 10,080 in the week (1,680 with -race)
		contacts = 300         // they re-enroll, so records stop growing too
	)
	pad := strings.Repeat("x", 1500) // a realistic event body
	type sample struct{ db, wal int64 }
	var daily []sample
	var peak sample
	seq := 0
	for hour := 0; hour < days*24; hour++ {
		for i := 0; i < perHour; i++ {
			seq++
			h.event("start.soak", fmt.Sprintf("c%03d@example.com", seq%contacts), nil, M{"page": pad, "n": seq}, nil)
		}
		h.run()
		h.advance(time.Hour)
		h.eng.RunMaintenance(h.ctx)
		s := h.db.Sizes()
		peak.db, peak.wal = max(peak.db, s.DB), max(peak.wal, s.WAL)
		if (hour+1)%24 == 0 {
			daily = append(daily, sample{s.DB, s.WAL})
		}
	}
	t.Logf("simulated %d days, %d events (%d/hour), retention 1 day", days, seq, perHour)
	for d, s := range daily {
		t.Logf("day %d: database %6.2f MiB, WAL %6.2f MiB", d+1, mib(s.db), mib(s.wal))
	}
	stats := h.eng.MaintenanceStats()
	for _, name := range []string{"retention", "vacuum", "checkpoint", "trash"} {
		st := stats[name]
		t.Logf("%-10s rounds %4d batches %5d rows %7d  writer hold per batch: median %v, p99 %v, max %v",
			name, st.Rounds, st.Batches, st.Rows, st.Median, st.P99, st.Longest)
	}
	// Steady state: after retention starts (day 2), the file grows no more than a quarter over
	// what day 2 reached, whatever the week adds; the WAL stays below its bound.
	bound := daily[1].db + daily[1].db/4
	const walBound = 8 << 20
	t.Logf("bound: database %.2f MiB (day 2 + 25%%), WAL %.2f MiB; peak database %.2f MiB, WAL %.2f MiB",
		mib(bound), mib(walBound), mib(peak.db), mib(peak.wal))
	for d := 2; d < len(daily); d++ {
		if daily[d].db > bound {
			t.Errorf("day %d: the database grew to %.2f MiB, over the %.2f MiB bound: retention or vacuum is not keeping up", d+1, mib(daily[d].db), mib(bound))
		}
	}
	if peak.wal > walBound {
		t.Errorf("the WAL reached %.2f MiB, over %.2f MiB: checkpoints are not keeping up", mib(peak.wal), mib(walBound))
	}
	if st := h.eng.MaintenanceStats()["retention"]; st.Rows == 0 || st.Batches < 2 {
		t.Errorf("retention deleted %d rows in %d batches: it did not run in batches", st.Rows, st.Batches)
	}
	if st := h.eng.MaintenanceStats()["vacuum"]; st.Rows == 0 {
		t.Error("the vacuum returned no pages to the file system")
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
