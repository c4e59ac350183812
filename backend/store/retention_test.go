package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func pragmaInt(t *testing.T, db *DB, name string) int64 {
	t.Helper()
	var v int64
	if err := db.w.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPrune(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := t0
	cutoff := now.Add(-DefaultRetention)
	old, recent := now.Add(-100*24*time.Hour), now.Add(-10*24*time.Hour)
	wf := newWorkflow(t, db, "wf")
	big := json.RawMessage(fmt.Sprintf(`{"body":%q}`, strings.Repeat("x", 3000)))

	type enr struct {
		status   string
		finished time.Time // zero: stays open
		eventAt  time.Time // zero: no triggering event
		history  int
		pruned   bool
	}
	const oldFinished = 30
	var plan []enr
	for i := 0; i < oldFinished; i++ {
		st := []string{StatusCompleted, StatusFailed, StatusCancelled}[i%3]
		plan = append(plan, enr{status: st, finished: old, eventAt: old, history: 5, pruned: true})
	}
	plan = append(plan,
		enr{status: StatusCompleted, finished: recent, eventAt: old, history: 3}, // recent: kept with its old event
		enr{status: StatusWaiting, eventAt: old, history: 2},                     // open for 200 days: kept with its event
		enr{status: StatusActive, history: 1},                                    // open, no event
		enr{status: StatusCompleted, finished: cutoff, history: 1},               // exactly at the cutoff: kept
	)
	type made struct {
		enr
		id, rec, event int64
	}
	var all []made
	for i, p := range plan {
		rec := newContact(t, db, fmt.Sprintf("r%02d@x.com", i), nil)
		m := made{enr: p, rec: rec}
		mustWrite(t, db, func(tx Tx) error {
			if !p.eventAt.IsZero() {
				ev := &Event{Type: "form.submitted", RecordID: rec, Data: map[string]any{"big": strings.Repeat("y", 2000)}, OccurredAt: p.eventAt, ReceivedAt: p.eventAt}
				if err := tx.InsertEvent(ev); err != nil {
					return err
				}
				m.event = ev.ID
			}
			e := &Enrollment{WorkflowID: wf, Version: 1, RecordID: rec, Status: StatusActive, CurrentStep: "a", EventID: m.event}
			if err := tx.InsertEnrollment(e, now.Add(-200*24*time.Hour)); err != nil {
				return err
			}
			m.id = e.ID
			for h := 0; h < p.history; h++ {
				if err := tx.AppendHistory(HistoryEntry{EnrollmentID: e.ID, StepID: "a", Outcome: HistOK, Detail: big, At: old}); err != nil {
					return err
				}
			}
			if p.finished.IsZero() {
				if p.status == StatusWaiting {
					if err := tx.PutJob(&Job{EnrollmentID: e.ID, RecordID: rec, StepID: "a", Kind: JobResume, WaitEvent: "x", RunAt: Forever}); err != nil {
						return err
					}
				}
				return tx.UpdateEnrollment(e.ID, p.status, "a", 1, "", now.Add(-200*24*time.Hour))
			}
			return tx.UpdateEnrollment(e.ID, p.status, "a", 1, "", p.finished)
		})
		all = append(all, m)
	}
	// Loose events: 20 old ones nobody refers to, 2 recent ones; plus one old event that only a
	// pending job refers to (the event that woke a wait).
	anyRec := all[len(all)-1]
	var looseOld, looseRecent []int64
	mustWrite(t, db, func(tx Tx) error {
		for i := 0; i < 22; i++ {
			at := old
			if i >= 20 {
				at = recent
			}
			ev := &Event{Type: "page.viewed", RecordID: anyRec.rec, Data: map[string]any{"big": strings.Repeat("z", 2000)}, OccurredAt: at, ReceivedAt: at}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			if i < 20 {
				looseOld = append(looseOld, ev.ID)
			} else {
				looseRecent = append(looseRecent, ev.ID)
			}
		}
		return nil
	})
	waiting := all[oldFinished+1]
	var wokeBy int64
	mustWrite(t, db, func(tx Tx) error {
		ev := &Event{Type: "x", RecordID: waiting.rec, OccurredAt: old, ReceivedAt: old}
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		wokeBy = ev.ID
		jobs, err := tx.WaitingJobs(ev.RecordID, "x")
		if err != nil || len(jobs) != 1 {
			return fmt.Errorf("waiting jobs %v, %v", jobs, err)
		}
		return tx.WakeJob(jobs[0].ID, OutcomeEvent, ev.ID, now)
	})
	// Webhook request log: 9 old lines with raw bodies, one recent, one old but still held back.
	var heldReq int64
	mustWrite(t, db, func(tx Tx) error {
		if _, err := tx.(*sqlTx).exec(`INSERT INTO hook_endpoints (id, key, name, created_at, updated_at) VALUES ('h1', 'k1', 'Form', 0, 0)`); err != nil {
			return err
		}
		for i := 0; i < 11; i++ {
			at := old
			if i == 9 {
				at = recent
			}
			r, err := tx.(*sqlTx).exec(`INSERT INTO hook_requests (endpoint_id, received_at, status_code, outcome, body) VALUES ('h1', ?, 202, 'applied', ?)`,
				ms(at), strings.Repeat("b", 2000))
			if err != nil {
				return err
			}
			if i == 10 {
				heldReq, _ = r.LastInsertId()
			}
		}
		_, err := tx.(*sqlTx).exec(`INSERT INTO hook_delayed (endpoint_id, request_id, due_at, payload) VALUES ('h1', ?, ?, '{}')`, heldReq, ms(now.Add(time.Hour)))
		return err
	})
	if _, err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	pagesBefore := pragmaInt(t, db, "page_count")

	res, err := db.Prune(ctx, cutoff, 7)
	if err != nil {
		t.Fatal(err)
	}
	if res.Enrollments != oldFinished || res.History != oldFinished*5 || res.Events != int64(oldFinished+len(looseOld)) || res.HookBodies != 9 {
		t.Fatalf("Prune = %+v; want %d enrollments, %d history, %d events, 9 hook bodies", res, oldFinished, oldFinished*5, oldFinished+len(looseOld))
	}
	// Batches of 7: 30 enrollments take 5 writes, 50 events 8, 9 hook lines 2; vacuum at least 1.
	if res.Writes < 5+8+2+1 {
		t.Fatalf("Prune used %d writes, want at least 16 (batches of 7)", res.Writes)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM hook_requests"); n != 2 {
		t.Errorf("%d webhook request lines left, want the recent and the held one", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM hook_requests WHERE id = ?", heldReq); n != 1 {
		t.Error("the held-back request line was pruned")
	}
	for _, m := range all {
		_, err := db.Enrollment(ctx, m.id)
		if gone := err != nil; gone != m.pruned {
			t.Errorf("enrollment %s finished %v: gone %v, want %v (%v)", m.status, m.finished, gone, m.pruned, err)
		}
		h, _ := db.History(ctx, m.id)
		if want := map[bool]int{true: 0, false: m.history}[m.pruned]; len(h) != want {
			t.Errorf("enrollment %d: %d history entries, want %d", m.id, len(h), want)
		}
		if m.event != 0 {
			_, err := db.Event(ctx, m.event)
			if gone := err != nil; gone != m.pruned {
				t.Errorf("event of enrollment %s finished %v: gone %v, want %v", m.status, m.finished, gone, m.pruned)
			}
		}
	}
	for _, id := range looseOld {
		if _, err := db.Event(ctx, id); err == nil {
			t.Errorf("old unreferenced event %d kept", id)
		}
	}
	for _, id := range append(looseRecent, wokeBy) {
		if _, err := db.Event(ctx, id); err != nil {
			t.Errorf("event %d deleted: %v", id, err)
		}
	}
	if n, _ := db.PendingJobs(ctx); n != 1 {
		t.Errorf("%d jobs left, want the waiting one", n)
	}
	// The freed pages went back to the file system.
	if free := pragmaInt(t, db, "freelist_count"); free != 0 {
		t.Errorf("freelist_count = %d after prune, want 0", free)
	}
	pagesAfter := pragmaInt(t, db, "page_count")
	if pagesAfter >= pagesBefore || res.PagesFreed <= 0 {
		t.Errorf("page_count %d -> %d, PagesFreed %d: the file did not shrink", pagesBefore, pagesAfter, res.PagesFreed)
	}
	t.Logf("prune: %+v, pages %d -> %d", res, pagesBefore, pagesAfter)

	// Nothing left to do.
	again, err := db.Prune(ctx, cutoff, 7)
	if err != nil {
		t.Fatal(err)
	}
	if again.Enrollments != 0 || again.History != 0 || again.Events != 0 || again.HookBodies != 0 || again.BulkJobs != 0 || again.PagesFreed != 0 {
		t.Fatalf("second Prune = %+v, want nothing", again)
	}
}
