package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func listsAndMembers(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", map[string]any{"city": "Dublin"})
	bob := contact(t, s, "bob@example.com", map[string]any{"city": "Cork"})
	day2 := T0.Add(24 * time.Hour)
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, T0); err != nil {
			return err
		}
		if err := tx.CreateList(&store.List{ID: "dublin", Name: "Dublin", Object: "contact", Filter: json.RawMessage(`{"all":[]}`)}, T0); err != nil {
			return err
		}
		for i, r := range []*store.Record{ann, bob, ann} {
			added, err := tx.AddToList("vip", r.ID, T0)
			if err != nil {
				return err
			}
			if added != (i < 2) {
				return fmt.Errorf("add %s (time %d): added %v", r.Email, i+1, added)
			}
		}
		_, err := tx.AddToList("dublin", ann.ID, T0)
		return err
	})
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CreateList(&store.List{ID: "vip", Name: "x", Object: "contact"}, T0)
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second list with the id: %v, want ErrConflict", err)
	}
	l, err := s.List(ctx, "vip")
	if err != nil || l.Name != "VIP" || l.Members != 2 || l.Active() || !l.CreatedAt.Equal(T0) {
		t.Fatalf("list %+v %v, want VIP, static, 2 members", l, err)
	}
	if all, err := s.Lists(ctx); err != nil || len(all) != 2 || all[0].ID != "dublin" || !all[0].Active() || all[1].Members != 2 {
		t.Fatalf("lists %+v %v, want dublin (active) then vip", all, err)
	}
	if got, err := s.RecordLists(ctx, ann.ID); err != nil || !reflect.DeepEqual(got, []string{"dublin", "vip"}) {
		t.Fatalf("ann's lists %v %v", got, err)
	}
	if got, err := s.RecordLists(ctx, 404); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("lists of a record in none: %#v %v, want an empty, non-nil list", got, err)
	}
	if ids, err := s.ListMembers(ctx, "vip"); err != nil || !reflect.DeepEqual(ids, []int64{ann.ID, bob.ID}) {
		t.Fatalf("members %v %v", ids, err)
	}
	if recs, err := s.ListMemberRecords(ctx, store.MemberQuery{List: "vip", Text: "CORK", Limit: 10}); err != nil || len(recs) != 1 || recs[0].ID != bob.ID {
		t.Fatalf("members matching a property value: %+v %v, want bob", recs, err)
	}
	if recs, err := s.ListMemberRecords(ctx, store.MemberQuery{List: "vip", Text: "ann@", Limit: 10}); err != nil || len(recs) != 1 || recs[0].ID != ann.ID {
		t.Fatalf("members matching an email: %+v %v, want ann", recs, err)
	}
	if recs, err := s.ListMemberRecords(ctx, store.MemberQuery{List: "vip", After: ann.ID, Limit: 10}); err != nil || len(recs) != 1 || recs[0].ID != bob.ID {
		t.Fatalf("members after ann: %+v %v, want bob", recs, err)
	}

	write(t, s, func(tx store.Tx) error {
		if l, err := tx.List("vip"); err != nil || l.Name != "VIP" || l.Members != 0 {
			return fmt.Errorf("list in the write: %+v %v, want it without a member count", l, err)
		}
		if removed, err := tx.RemoveFromList("vip", ann.ID, day2); err != nil || !removed {
			return fmt.Errorf("remove ann: %v %v", removed, err)
		}
		if removed, err := tx.RemoveFromList("vip", ann.ID, day2); err != nil || removed {
			return fmt.Errorf("remove ann again: %v %v, want not removed", removed, err)
		}
		if got, err := tx.RecordLists(ann.ID); err != nil || !reflect.DeepEqual(got, []string{"dublin"}) {
			return fmt.Errorf("ann's lists in the write: %v %v", got, err)
		}
		return tx.UpdateList(&store.List{ID: "vip", Name: "Very important", Filter: json.RawMessage(`{"any":[]}`)}, day2)
	})
	days, err := s.ListDays(ctx, "vip")
	want := []store.ListDay{{Day: T0.Truncate(24 * time.Hour), Joins: 2, Members: 2}, {Day: day2.Truncate(24 * time.Hour), Leaves: 1, Members: 1}}
	if err != nil || !reflect.DeepEqual(days, want) {
		t.Fatalf("list days %+v %v, want %+v", days, err, want)
	}
	if l, _ := s.List(ctx, "vip"); l.Name != "Very important" || !l.Active() || l.Object != "contact" || !l.UpdatedAt.Equal(day2) {
		t.Fatalf("updated list %+v", l)
	}
	if n, m, err := s.CountLists(ctx); err != nil || n != 2 || m != 2 {
		t.Fatalf("count lists %d, members %d, %v; want 2 and 2", n, m, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteList("vip") })
	for what, err := range map[string]error{
		"load":   func() error { _, err := s.List(ctx, "vip"); return err }(),
		"delete": s.Write(ctx, func(tx store.Tx) error { return tx.DeleteList("vip") }),
		"update": s.Write(ctx, func(tx store.Tx) error { return tx.UpdateList(&store.List{ID: "vip", Name: "x"}, T0) }),
		"in a write": s.Write(ctx, func(tx store.Tx) error {
			_, err := tx.List("vip")
			return err
		}),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted list, %s: %v, want ErrNotFound", what, err)
		}
	}
	if n, m, _ := s.CountLists(ctx); n != 1 || m != 1 {
		t.Fatalf("after the delete: %d lists, %d members; want its members gone with it", n, m)
	}
}

func importsProgress(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		return tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, T0)
	})
	if _, err := s.RunningImportID(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a running import before any: %v, want ErrNotFound", err)
	}
	first := &store.ListImport{List: "vip", Spec: json.RawMessage(`{"email":"Email"}`), Body: []byte("Email\nann@example.com\n"), Total: 1}
	second := &store.ListImport{List: "vip", Spec: json.RawMessage(`{}`), Body: []byte("Email\n"), Total: 0}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertImport(first, T0); err != nil {
			return err
		}
		return tx.InsertImport(second, T0)
	})
	if first.ID == 0 || first.Status != store.ImportRunning {
		t.Fatalf("inserted import %+v, want an id and running", first)
	}
	if id, err := s.RunningImportID(ctx); err != nil || id != first.ID {
		t.Fatalf("running import %d %v, want the oldest, %d", id, err, first.ID)
	}
	if body, err := s.ImportBody(ctx, first.ID); err != nil || string(body) != string(first.Body) {
		t.Fatalf("import file %q %v", body, err)
	}
	write(t, s, func(tx store.Tx) error { // erasing a record rewrites the files of running imports
		bodies, err := tx.RunningImportBodies()
		if err != nil || len(bodies) != 2 || string(bodies[first.ID]) != string(first.Body) || string(bodies[second.ID]) != string(second.Body) {
			return fmt.Errorf("running import files %d %v, want both", len(bodies), err)
		}
		return tx.PutImportBody(first.ID, []byte("Email\n\n"))
	})
	if body, err := s.ImportBody(ctx, first.ID); err != nil || string(body) != "Email\n\n" {
		t.Fatalf("rewritten import file %q %v", body, err)
	}
	later := T0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error {
		im, err := tx.Import(first.ID)
		if err != nil {
			return err
		}
		im.Cursor, im.Created, im.Joined, im.Failed = 1, 1, 1, 1
		if err := tx.AddImportErrors(im.ID, []store.ImportError{{Row: 3, Field: "email", Message: "not an email"}, {Row: 2, Field: "age", Message: "not a number"}}); err != nil {
			return err
		}
		if err := tx.SaveImport(im, later); err != nil {
			return err
		}
		im.Status = store.ImportDone
		return tx.SaveImport(im, later)
	})
	got, err := s.Import(ctx, first.ID)
	if err != nil || got.Status != store.ImportDone || got.Cursor != 1 || got.Created != 1 || got.Joined != 1 || got.Failed != 1 ||
		string(got.Spec) != `{"email":"Email"}` || !got.UpdatedAt.Equal(later) || len(got.Body) != 0 {
		t.Fatalf("finished import %+v %v", got, err)
	}
	if _, err := s.ImportBody(ctx, first.ID); err == nil {
		t.Fatal("a finished import still has its file")
	}
	errs, err := s.ImportErrors(ctx, first.ID)
	if err != nil || len(errs) != 2 || errs[0].Row != 2 || errs[1].Field != "email" {
		t.Fatalf("import errors %+v %v, want rows 2 then 3", errs, err)
	}
	if id, _ := s.RunningImportID(ctx); id != second.ID {
		t.Fatalf("running import %d, want the second", id)
	}
	if all, err := s.Imports(ctx, "vip"); err != nil || len(all) != 2 || all[0].ID != second.ID {
		t.Fatalf("imports %+v %v, want newest first", all, err)
	}
	if _, err := s.Import(ctx, 404); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a missing import: %v, want ErrNotFound", err)
	}
}

func savepointUndoesAPart(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("bad row")
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.UpsertRecord("contact", 0, "kept@example.com", nil, T0); err != nil {
			return err
		}
		err := tx.Savepoint(func() error {
			if _, err := tx.UpsertRecord("contact", 0, "undone@example.com", nil, T0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			return fmt.Errorf("savepoint answered %v, want the part's error", err)
		}
		return tx.Savepoint(func() error {
			_, err := tx.UpsertRecord("contact", 0, "after@example.com", nil, T0)
			return err
		})
	})
	for email, want := range map[string]bool{"kept@example.com": true, "undone@example.com": false, "after@example.com": true} {
		_, err := s.RecordByEmail(ctx, "contact", email)
		if got := err == nil; got != want {
			t.Errorf("%s stored %v (%v), want %v", email, got, err, want)
		}
	}
}
