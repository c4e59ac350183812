package engine

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// Switching a workflow off with cancel cancels its open enrollments in several short writes,
// each with a history line, and leaves no job behind; a step that comes due meanwhile is
// cancelled, not run.
func TestDisableWithCancelCancelsInBatches(t *testing.T) {
	h := newHarness(t)
	h.eng.opts.BatchHold = time.Millisecond
	var logs bytes.Buffer
	h.eng.log = slog.New(slog.NewTextHandler(&logs, nil))
	h.deployM(waitThenMark("w"))
	due := h.start("w", "early@example.com", nil)
	h.run()
	h.advance(30 * time.Minute)
	const n = 400
	for i := range n {
		h.start("w", fmt.Sprintf("c%03d@example.com", i), nil)
	}
	h.run()
	h.eng.switchingOff.Store("w", true) // as while a switch-off is under way
	h.advance(31 * time.Minute)         // the early one's delay is over
	h.eng.switchingOff.Delete("w")
	if st := h.status(due); st != store.StatusCancelled {
		t.Fatalf("a step that came due during the switch-off ran: %s", st)
	}
	if _, err := h.eng.Workflows().Disable(h.ctx, "w", true); err != nil {
		t.Fatal(err)
	}
	for _, en := range h.enrollments("w") {
		if en.Status != store.StatusCancelled {
			t.Fatalf("enrollment %d is %s after the switch-off", en.ID, en.Status)
		}
	}
	if jobs, _ := h.db.PendingJobs(h.ctx); jobs != 0 {
		t.Fatalf("%d jobs left", jobs)
	}
	m := regexp.MustCompile(`enrollments=(\d+) batches=(\d+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no switch-off log line:\n%s", logs.String())
	}
	rows, _ := strconv.Atoi(m[1])
	batches, _ := strconv.Atoi(m[2])
	if rows != n || batches < 2 {
		t.Fatalf("cancelled %d enrollments in %d batches; want %d in several", rows, batches, n)
	}
	t.Logf("cancelled %d enrollments in %d batches", rows, batches)
}
