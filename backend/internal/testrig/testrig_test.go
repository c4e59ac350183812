package testrig

import (
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// TestRestartKeepsWhatWasCommitted runs an enrollment into a delay, restarts the rig (new
// engine on the same file and clock) and lets the delay end: nothing is lost, nothing runs twice.
func TestRestartKeepsWhatWasCommitted(t *testing.T) {
	r := New(t, Options{Recover: true})
	id := r.DeployJSON(map[string]any{
		"id": "w", "name": "w", "object": "contact",
		"triggers": []map[string]any{{"id": "go", "type": "event", "event": "start"}},
		"start":    "wait",
		"steps": []map[string]any{
			{"id": "wait", "type": "delay", "duration": "1d", "next": "tag"},
			{"id": "tag", "type": "set_property", "property": "lifecycle", "value": "customer"},
		},
	})
	if id != "w" {
		t.Fatalf("deployed %q, want w", id)
	}
	en := r.Ingest("start", "ann@example.com", nil, map[string]any{"first_name": "Ann"})
	r.RunDue()
	path, before := r.Path, r.DB
	r.Restart()
	if r.Path != path || r.DB == before || !r.Clock.Now().Equal(T0) {
		t.Fatalf("restart: path %s db %p clock %v", r.Path, r.DB, r.Clock.Now())
	}
	r.Advance(24 * time.Hour)
	if got := strings.Join(r.Trail(en), " "); got != "enrolled wait:waiting wait:resumed tag:ok completed" {
		t.Fatalf("history %q", got)
	}
	if en := r.Enrollment(en); en.Status != store.StatusCompleted {
		t.Fatalf("status %s", en.Status)
	}
	if p := r.Record("ann@example.com").Properties; p["lifecycle"] != "customer" || p["first_name"] != "Ann" {
		t.Fatalf("properties %v", p)
	}
}
