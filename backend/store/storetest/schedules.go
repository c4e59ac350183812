package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func scheduleStateRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "w", ann)
	st := &store.ScheduleState{WorkflowID: "w", TriggerID: "daily", Spec: "daily@09:00", ArmedAt: T0, Cursor: T0.Add(time.Hour), RunAfter: 0}
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.ScheduleState("w", "daily"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("an unarmed trigger: %v, want ErrNotFound", err)
		}
		if err := tx.PutScheduleState(st, T0); err != nil {
			return err
		}
		st.RunFire, st.RunAfter, st.Runs, st.LastFire = T0.Add(2*time.Hour), ann.ID, 1, T0.Add(2*time.Hour)
		if err := tx.PutScheduleState(st, T0.Add(time.Minute)); err != nil { // replaces
			return err
		}
		if err := tx.PutScheduleState(&store.ScheduleState{WorkflowID: "w", TriggerID: "weekly", Spec: "weekly", ArmedAt: T0}, T0); err != nil {
			return err
		}
		got, err := tx.ScheduleState("w", "daily")
		if err != nil || got.RunAfter != ann.ID || got.Runs != 1 || !got.RunFire.Equal(T0.Add(2*time.Hour)) || !got.UpdatedAt.Equal(T0.Add(time.Minute)) {
			return fmt.Errorf("state in the write: %+v %v", got, err)
		}
		all, err := tx.ScheduleStates()
		if err != nil || len(all) != 2 {
			return fmt.Errorf("states in the write: %+v %v, want 2", all, err)
		}
		_, err = tx.MarkScheduleFired("w", "birthday", ann.ID, "2026-03-02", T0)
		return err
	})
	all, err := s.ScheduleStates(ctx)
	if err != nil || len(all) != 2 || all[0].TriggerID != "daily" || all[1].TriggerID != "weekly" {
		t.Fatalf("states %+v %v, want daily then weekly", all, err)
	}
	if w := all[1]; !w.Cursor.IsZero() || !w.RunFire.IsZero() || !w.LastFire.IsZero() || w.Runs != 0 {
		t.Fatalf("a fresh state %+v, want zero times", w)
	}
	if d := all[0]; d.Spec != "daily@09:00" || !d.ArmedAt.Equal(T0) || !d.Cursor.Equal(T0.Add(time.Hour)) || !d.LastFire.Equal(T0.Add(2*time.Hour)) {
		t.Fatalf("daily %+v", d)
	}
	write(t, s, func(tx store.Tx) error {
		if err := tx.DeleteScheduleState("w", "weekly"); err != nil {
			return err
		}
		if n, err := tx.DeleteOrphanScheduleMarks(); err != nil || n != 0 {
			return fmt.Errorf("orphan marks of a live workflow: %d %v, want none removed", n, err)
		}
		return nil
	})
	if all, _ := s.ScheduleStates(ctx); len(all) != 1 {
		t.Fatalf("states after disarming weekly: %+v", all)
	}
	if fired, _ := s.ScheduleFired(ctx, "w", "birthday", ann.ID, "2026-03-02"); !fired {
		t.Fatal("a live workflow's mark was removed as an orphan")
	}
}

func recordsPaged(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ids []int64
	for i := range 5 {
		ids = append(ids, contact(t, s, fmt.Sprintf("p%d@example.com", i), nil).ID)
	}
	write(t, s, func(tx store.Tx) error {
		_, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, T0)
		if err != nil {
			return err
		}
		_, err = tx.EraseRecord(ids[2], T0)
		return err
	})
	page, err := s.RecordsPage(ctx, "contact", 0, 2)
	if err != nil || len(page) != 2 || page[0].ID != ids[0] || page[1].ID != ids[1] {
		t.Fatalf("first page %+v %v", page, err)
	}
	page, err = s.RecordsPage(ctx, "contact", ids[1], 10)
	if err != nil || len(page) != 2 || page[0].ID != ids[3] || page[1].ID != ids[4] {
		t.Fatalf("next page %+v %v, want the rest without the erased record", page, err)
	}
	write(t, s, func(tx store.Tx) error {
		page, err := tx.RecordsPage("company", 0, 10)
		if err != nil || len(page) != 1 {
			return fmt.Errorf("companies in the write: %+v %v", page, err)
		}
		return nil
	})
}
