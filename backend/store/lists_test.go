package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestLists(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ann, bob := newContact(t, db, "ann@x.com", nil), newContact(t, db, "bob@x.com", nil)
	mustWrite(t, db, func(tx Tx) error {
		for _, id := range []string{"vip", "newsletter"} {
			if err := tx.CreateList(&List{ID: id, Name: id, Object: "contact"}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err := tryWrite(db, func(tx Tx) error { return tx.CreateList(&List{ID: "vip", Name: "again", Object: "contact"}, t0) }); !errors.Is(err, ErrConflict) {
		t.Fatalf("CreateList(vip) twice = %v, want ErrConflict", err)
	}
	day2 := t0.Add(24 * time.Hour)
	steps := []struct {
		op     string
		list   string
		rec    int64
		at     time.Time
		result bool
	}{
		{"add", "vip", ann, t0, true},
		{"add", "vip", ann, t0, false},
		{"add", "newsletter", ann, t0, true},
		{"add", "vip", bob, t0, true},
		{"remove", "vip", bob, day2, true},
		{"remove", "vip", bob, day2, false},
		{"remove", "never", ann, day2, false},
	}
	for i, s := range steps {
		var got bool
		mustWrite(t, db, func(tx Tx) error {
			var err error
			if s.op == "add" {
				got, err = tx.AddToList(s.list, s.rec, s.at)
			} else {
				got, err = tx.RemoveFromList(s.list, s.rec, s.at)
			}
			return err
		})
		if got != s.result {
			t.Fatalf("step %d %s %s/%d = %v, want %v", i, s.op, s.list, s.rec, got, s.result)
		}
	}
	if got, err := db.RecordLists(ctx, ann); err != nil || !reflect.DeepEqual(got, []string{"newsletter", "vip"}) {
		t.Fatalf("RecordLists(ann) = %v, %v", got, err)
	}
	if got, err := db.RecordLists(ctx, bob); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("RecordLists(bob) = %#v, %v; want empty, non-nil", got, err)
	}
	if got, err := db.ListMembers(ctx, "vip"); err != nil || !reflect.DeepEqual(got, []int64{ann}) {
		t.Fatalf("ListMembers(vip) = %v, %v", got, err)
	}
	if err := tryWrite(db, func(tx Tx) error { _, err := tx.AddToList("vip", 9999, t0); return err }); err == nil {
		t.Fatal("a missing record was added to a list")
	}
	if err := tryWrite(db, func(tx Tx) error { _, err := tx.AddToList("no-such-list", ann, t0); return err }); err == nil {
		t.Fatal("a record was added to a list that does not exist")
	}
	days, err := db.ListDays(ctx, "vip")
	if err != nil {
		t.Fatal(err)
	}
	want := []ListDay{{Day: t0.Truncate(24 * time.Hour), Joins: 2, Members: 2}, {Day: day2.Truncate(24 * time.Hour), Leaves: 1, Members: 1}}
	if !reflect.DeepEqual(days, want) {
		t.Fatalf("ListDays(vip) = %+v, want %+v", days, want)
	}
	l, err := db.List(ctx, "vip")
	if err != nil || l.Members != 1 || l.Active() {
		t.Fatalf("List(vip) = %+v, %v", l, err)
	}
	page, err := db.ListMemberRecords(ctx, MemberQuery{List: "newsletter", Text: "ANN"})
	if err != nil || len(page) != 1 || page[0].ID != ann {
		t.Fatalf("ListMemberRecords(newsletter, ANN) = %v, %v", page, err)
	}
	mustWrite(t, db, func(tx Tx) error { return tx.DeleteList("vip") })
	if got, _ := db.RecordLists(ctx, ann); !reflect.DeepEqual(got, []string{"newsletter"}) {
		t.Fatalf("after deleting vip, ann is in %v", got)
	}
	if days, _ := db.ListDays(ctx, "vip"); len(days) != 0 {
		t.Fatalf("a deleted list keeps its days: %v", days)
	}
}

func TestObjectTypesAndProperties(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.AddObjectType("invoice", t0); err != nil {
			return err
		}
		return tx.AddObjectType("contact", t0) // existing: no-op
	})
	scenarios := []struct {
		p     Property
		added bool
	}{
		{Property{Object: "invoice", Name: "total", Type: "number", Label: "Total"}, true},
		{Property{Object: "invoice", Name: "total", Type: "string", Label: "Other"}, false},
		{Property{Object: "contact", Name: "email", Type: "number"}, false},
	}
	for _, sc := range scenarios {
		var added bool
		mustWrite(t, db, func(tx Tx) error {
			var err error
			added, err = tx.DeclareProperty(sc.p)
			return err
		})
		if added != sc.added {
			t.Fatalf("DeclareProperty(%+v) added %v, want %v", sc.p, added, sc.added)
		}
	}
	for _, bad := range []Property{
		{Object: "nosuchtype", Name: "x", Type: "string"},
		{Object: "invoice", Name: "x", Type: "colour"},
	} {
		if err := tryWrite(db, func(tx Tx) error { _, err := tx.DeclareProperty(bad); return err }); err == nil {
			t.Errorf("DeclareProperty(%+v) accepted", bad)
		}
	}
	props, _ := db.Properties(ctx)
	found := 0
	for _, p := range props {
		if p.Object == "invoice" {
			found++
			if p.Type != "number" || p.Label != "Total" {
				t.Fatalf("invoice.total = %+v; the first declaration must win", p)
			}
		}
		if p.Object == "contact" && p.Name == "email" && p.Type != "string" {
			t.Fatalf("builtin contact.email redeclared as %s", p.Type)
		}
	}
	if found != 1 || len(props) != 27 {
		t.Fatalf("%d invoice props, %d total; want 1, 27", found, len(props))
	}
}
