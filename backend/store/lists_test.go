package store

import (
	"context"
	"reflect"
	"testing"
)

func TestLists(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ann, bob := newContact(t, db, "ann@x.com", nil), newContact(t, db, "bob@x.com", nil)
	steps := []struct {
		op     string
		list   string
		rec    int64
		result bool
	}{
		{"add", "vip", ann, true},
		{"add", "vip", ann, false},
		{"add", "newsletter", ann, true},
		{"add", "vip", bob, true},
		{"remove", "vip", bob, true},
		{"remove", "vip", bob, false},
		{"remove", "never", ann, false},
	}
	for i, s := range steps {
		var got bool
		mustWrite(t, db, func(tx *Tx) error {
			var err error
			if s.op == "add" {
				got, err = tx.AddToList(s.list, s.rec, t0)
			} else {
				got, err = tx.RemoveFromList(s.list, s.rec)
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
	if err := tryWrite(db, func(tx *Tx) error { _, err := tx.AddToList("vip", 9999, t0); return err }); err == nil {
		t.Fatal("a missing record was added to a list")
	}
}

func TestObjectTypesAndProperties(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustWrite(t, db, func(tx *Tx) error {
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
		mustWrite(t, db, func(tx *Tx) error {
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
		if err := tryWrite(db, func(tx *Tx) error { _, err := tx.DeclareProperty(bad); return err }); err == nil {
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
