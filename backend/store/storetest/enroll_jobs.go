package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func enrollJobsProgress(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "w", ann)
	first := &store.EnrollJob{WorkflowID: "w", Source: store.SourceFilter, Selection: json.RawMessage(`{"all":[]}`), MaxRecordID: ann.ID, Total: 1}
	second := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`[1]`)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertEnrollJob(first, T0); err != nil {
			return err
		}
		return tx.InsertEnrollJob(second, T0)
	})
	if first.ID == 0 || first.Status != store.EnrollJobRunning || first.Skipped == nil {
		t.Fatalf("inserted job %+v, want an id, running, empty skipped counts", first)
	}
	if ids, err := s.RunningEnrollJobs(ctx); err != nil || fmt.Sprint(ids) != fmt.Sprint([]int64{first.ID, second.ID}) {
		t.Fatalf("running jobs %v %v, want both, oldest first", ids, err)
	}
	later := T0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error {
		j, err := tx.EnrollJob(first.ID)
		if err != nil {
			return err
		}
		j.Cursor, j.Matched, j.Enrolled, j.Skipped = ann.ID, 1, 0, map[string]int64{"already_enrolled": 1}
		if err := tx.SaveEnrollJob(j, later); err != nil {
			return err
		}
		j.Status = store.EnrollJobDone
		return tx.SaveEnrollJob(j, later)
	})
	got, err := s.EnrollJob(ctx, first.ID)
	if err != nil || got.Status != store.EnrollJobDone || got.Cursor != ann.ID || got.MaxRecordID != ann.ID || got.Matched != 1 ||
		got.Skipped["already_enrolled"] != 1 || got.FinishedAt == nil || !got.FinishedAt.Equal(later) || string(got.Selection) != `{"all":[]}` {
		t.Fatalf("finished job %+v %v", got, err)
	}
	if ids, _ := s.RunningEnrollJobs(ctx); len(ids) != 1 || ids[0] != second.ID {
		t.Fatalf("running jobs %v, want the second", ids)
	}
	if all, err := s.EnrollJobs(ctx, store.EnrollJobQuery{WorkflowID: "w", Limit: 10}); err != nil || len(all) != 2 || all[0].ID != second.ID {
		t.Fatalf("jobs %+v %v, want newest first", all, err)
	}
	if done, _ := s.EnrollJobs(ctx, store.EnrollJobQuery{Status: store.EnrollJobDone}); len(done) != 1 || done[0].ID != first.ID {
		t.Fatalf("done jobs %+v", done)
	}
	if _, err := s.EnrollJob(ctx, 404); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a missing job: %v, want ErrNotFound", err)
	}
}

func recordsSelected(t *testing.T, s store.Store) {
	ctx := context.Background()
	if n, err := s.MaxRecordID(ctx); err != nil || n != 0 {
		t.Fatalf("highest id of an empty store: %d %v", n, err)
	}
	var ids []int64
	for i := range 5 {
		ids = append(ids, contact(t, s, fmt.Sprintf("s%d@example.com", i), nil).ID)
	}
	var acme int64
	write(t, s, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, T0)
		if err != nil {
			return err
		}
		acme = ch.Record.ID
		if err := tx.CreateList(&store.List{ID: "l", Name: "L", Object: "contact"}, T0); err != nil {
			return err
		}
		for _, id := range []int64{ids[1], ids[3]} {
			if _, err := tx.AddToList("l", id, T0); err != nil {
				return err
			}
		}
		_, err = tx.EraseRecord(ids[4], T0)
		return err
	})
	if n, _ := s.MaxRecordID(ctx); n < acme {
		t.Fatalf("highest id %d, want at least %d", n, acme)
	}
	idsOf := func(recs []*store.Record) string {
		var out []int64
		for _, r := range recs {
			out = append(out, r.ID)
		}
		return fmt.Sprint(out)
	}
	for name, c := range map[string]struct {
		sel  store.RecordSelect
		want []int64
	}{
		"by type, without the erased": {store.RecordSelect{Type: "contact", Limit: 10}, ids[:4]},
		"after and up to":             {store.RecordSelect{Type: "contact", After: ids[0], UpTo: ids[2], Limit: 10}, ids[1:3]},
		"a list's members":            {store.RecordSelect{List: "l", Limit: 10}, []int64{ids[1], ids[3]}},
		"given ids":                   {store.RecordSelect{IDs: []int64{ids[3], ids[0], ids[4]}, Limit: 10}, []int64{ids[0], ids[3]}},
		"no ids":                      {store.RecordSelect{IDs: []int64{}, Limit: 10}, nil},
		"limited":                     {store.RecordSelect{Type: "contact", Limit: 2}, ids[:2]},
	} {
		got, err := s.SelectRecords(ctx, c.sel)
		if err != nil || idsOf(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %s %v, want %v", name, idsOf(got), err, c.want)
		}
	}
	write(t, s, func(tx store.Tx) error {
		got, err := tx.SelectRecords(store.RecordSelect{Type: "company", Limit: 10})
		if err != nil || len(got) != 1 || got[0].ID != acme {
			return fmt.Errorf("companies in the write: %s %v", idsOf(got), err)
		}
		return nil
	})
}

func enrollStates(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob, cy := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil), contact(t, s, "cy@example.com", nil)
	enrollment(t, s, "w", ann)
	done := enrollment(t, s, "w", bob)
	enrollment(t, s, "other", bob)
	write(t, s, func(tx store.Tx) error { return tx.UpdateEnrollment(done.ID, store.StatusCompleted, "", 1, "", T0) })
	got, err := s.EnrollStates(ctx, "w", []int64{ann.ID, bob.ID, cy.ID})
	want := map[int64]store.EnrollState{ann.ID: {Open: true, Ever: true}, bob.ID: {Ever: true}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("states in w %v %v, want %v (cy absent)", got, err, want)
	}
	if got, err := s.EnrollStates(ctx, "w", nil); err != nil || len(got) != 0 {
		t.Fatalf("states of no records: %v %v", got, err)
	}
	byWF, err := s.RecordEnrollStates(ctx, bob.ID)
	wantWF := map[string]store.EnrollState{"w": {Ever: true}, "other": {Open: true, Ever: true}}
	if err != nil || fmt.Sprint(byWF) != fmt.Sprint(wantWF) {
		t.Fatalf("bob's states %v %v, want %v", byWF, err, wantWF)
	}
}
