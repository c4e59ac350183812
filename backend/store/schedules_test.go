package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestScheduleStateAndMarkers(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "flowdesk.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v < 3 {
		t.Fatalf("schema version %d, want the schedules migration applied", v)
	}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	write := func(fn func(Tx) error) {
		t.Helper()
		if err := db.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	var rec, other int64
	write(func(tx Tx) error {
		if err := tx.CreateWorkflow(&Workflow{ID: "wf", Name: "wf", Object: "contact", Definition: []byte(`{}`)}, now); err != nil {
			return err
		}
		for i, email := range []string{"a@example.com", "b@example.com"} {
			ch, err := tx.UpsertRecord("contact", 0, email, nil, now)
			if err != nil {
				return err
			}
			if i == 0 {
				rec = ch.Record.ID
			} else {
				other = ch.Record.ID
			}
		}
		_, err := tx.UpsertRecord("deal", 0, "", map[string]any{"name": "x"}, now)
		return err
	})

	// State round trip.
	st := &ScheduleState{WorkflowID: "wf", TriggerID: "weekly", Spec: "cron 0 9 * * MON UTC", ArmedAt: now, Cursor: now}
	write(func(tx Tx) error { return tx.PutScheduleState(st, now) })
	write(func(tx Tx) error {
		got, err := tx.ScheduleState("wf", "weekly")
		if err != nil {
			return err
		}
		if got.Spec != st.Spec || !got.Cursor.Equal(now) || !got.RunFire.IsZero() || !got.LastFire.IsZero() || got.Runs != 0 {
			t.Errorf("state: %+v", got)
		}
		got.RunFire, got.RunAfter, got.Runs = now.Add(time.Hour), 42, 3
		return tx.PutScheduleState(got, now.Add(time.Minute))
	})
	all, err := db.ScheduleStates(ctx)
	if err != nil || len(all) != 1 || all[0].RunAfter != 42 || !all[0].RunFire.Equal(now.Add(time.Hour)) || all[0].Runs != 3 ||
		!all[0].UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("states: %+v %v", all, err)
	}

	// Markers: once per record and date.
	write(func(tx Tx) error {
		for _, c := range []struct {
			rec  int64
			date string
			want bool
		}{{rec, "2026-06-07", true}, {rec, "2026-06-07", false}, {rec, "2026-06-08", true}, {other, "2026-06-07", true}} {
			first, err := tx.MarkScheduleFired("wf", "renewal", c.rec, c.date, now)
			if err != nil {
				return err
			}
			if first != c.want {
				t.Errorf("mark %d %s: %v, want %v", c.rec, c.date, first, c.want)
			}
		}
		return nil
	})
	if ok, _ := db.ScheduleFired(ctx, "wf", "renewal", rec, "2026-06-07"); !ok {
		t.Error("marker not found")
	}
	if ok, _ := db.ScheduleFired(ctx, "wf", "renewal", rec, "2026-06-09"); ok {
		t.Error("unknown marker found")
	}

	// Pages of one type, in id order, on both connections.
	page, err := db.RecordsPage(ctx, "contact", 0, 1)
	if err != nil || len(page) != 1 || page[0].ID != rec {
		t.Fatalf("page 1: %v %v", page, err)
	}
	write(func(tx Tx) error {
		page, err := tx.RecordsPage("contact", rec, 10)
		if err != nil || len(page) != 1 || page[0].ID != other {
			t.Errorf("page 2: %v %v", page, err)
		}
		return err
	})

	// Disarming; pruning follows the workflow's deletion.
	write(func(tx Tx) error { return tx.DeleteScheduleState("wf", "weekly") })
	write(func(tx Tx) error {
		if _, err := tx.ScheduleState("wf", "weekly"); !errors.Is(err, ErrNotFound) {
			t.Errorf("disarmed state: %v", err)
		}
		n, err := tx.DeleteOrphanScheduleMarks()
		if n != 0 {
			t.Errorf("pruned %d markers of a live workflow", n)
		}
		return err
	})
	write(func(tx Tx) error { return tx.PutScheduleState(st, now) })
	purge(t, db, "wf")
	if n := count(t, db, "SELECT COUNT(*) FROM schedule_fired"); n != 0 {
		t.Errorf("%d markers of a purged workflow left", n)
	}
	if all, _ := db.ScheduleStates(ctx); len(all) != 0 {
		t.Fatalf("state of a deleted workflow kept: %+v", all)
	}
}
