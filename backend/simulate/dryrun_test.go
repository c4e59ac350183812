package simulate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/simulate"
)

// A dry run past its time limit stops with what it has: status "stopped", the reason, and
// every count it made before (here none: the limit is over before the first chunk), and
// cancelling a finished run changes nothing.
func TestDryRunStopsAtItsTimeLimit(t *testing.T) {
	in := newInstall(t)
	def := M{"id": "w", "name": "W", "object": "contact", "triggers": []any{}, "start": "a",
		"steps": []any{M{"id": "a", "type": "delay", "duration": "1d"}}}
	if _, err := in.eng.Workflows().Create(in.ctx, raw(t, def)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "contact.imported", Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("c%d@example.com", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	runs := simulate.NewDryRuns(in.sim)
	runs.TimeLimit = time.Nanosecond
	st, err := runs.Start(in.ctx, "w", simulate.DryRunRequest{Filter: &condition.Filter{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(in.ctx, 30*time.Second)
	defer cancel()
	if st, err = runs.Wait(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if st.Status != "stopped" || st.Total != 3 || st.Simulated != 0 || !strings.Contains(st.Error, "time limit") {
		t.Fatalf("stopped run: %+v", st)
	}
	if again, err := runs.Cancel(st.ID); err != nil || again.Status != "stopped" {
		t.Fatalf("cancel after the end: %+v %v", again, err)
	}
	// With time to run, the same run simulates all three.
	runs.TimeLimit = 0
	st, err = runs.Start(in.ctx, "w", simulate.DryRunRequest{Filter: &condition.Filter{}})
	if err != nil {
		t.Fatal(err)
	}
	if st, err = runs.Wait(ctx, st.ID); err != nil || st.Status != "done" || st.Simulated != 3 || st.Steps["a"].Reached != 3 || st.Outcomes["completed"] != 3 {
		t.Fatalf("full run: %+v %v", st, err)
	}
}
