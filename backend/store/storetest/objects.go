package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

func objectTypesAndProperties(t *testing.T, s store.Store) {
	ctx := context.Background()
	before, err := s.ObjectTypes(ctx)
	if err != nil || !slices.Contains(before, "contact") || !slices.Contains(before, "company") {
		t.Fatalf("built-in object types %v %v, want contact and company among them", before, err)
	}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateObjectType(store.ObjectType{Name: "pet", Label: "Pet", Primary: "name"}, T0); err != nil {
			return err
		}
		if err := tx.AddObjectType("pet", T0); err != nil { // declaring an existing one is a no-op
			return err
		}
		return tx.AddObjectType("boat", T0)
	})
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.CreateObjectType(store.ObjectType{Name: "pet"}, T0) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("create an existing object type: %v, want ErrConflict", err)
	}
	list, err := s.ObjectTypeList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pet *store.ObjectType
	names := []string{}
	for i := range list {
		names = append(names, list[i].Name)
		if list[i].Name == "pet" {
			pet = &list[i]
		}
	}
	if pet == nil || pet.Label != "Pet" || pet.Primary != "name" || pet.Builtin || !slices.IsSorted(names) || len(names) != len(before)+2 {
		t.Fatalf("object types %+v, want pet and boat added, sorted by name", list)
	}
	if got, _ := s.ObjectTypes(ctx); !reflect.DeepEqual(got, names) {
		t.Fatalf("object type names %v, want %v", got, names)
	}

	write(t, s, func(tx store.Tx) error {
		added, err := tx.DeclareProperty(store.Property{Object: "contact", Name: "plan", Type: "enum", Label: "Plan", Options: []string{"free", "pro"}})
		if err != nil || !added {
			return fmt.Errorf("declare plan: %v %v", added, err)
		}
		if added, err := tx.DeclareProperty(store.Property{Object: "contact", Name: "plan", Type: "string"}); err != nil || added {
			return fmt.Errorf("declare plan again: %v %v, want the first declaration to win", added, err)
		}
		p, err := tx.Property("contact", "plan")
		if err != nil || p.Type != "enum" || !reflect.DeepEqual(p.Options, []string{"free", "pro"}) || p.Unique {
			return fmt.Errorf("plan: %+v %v", p, err)
		}
		_, err = tx.DeclareProperty(store.Property{Object: "contact", Name: "member_no", Type: "string", Label: "Member no."})
		return err
	})
	write(t, s, func(tx store.Tx) error {
		for i, v := range []string{"M-1", "M-2", "M-2"} {
			if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("m%d@example.com", i), map[string]any{"member_no": v}, T0); err != nil {
				return err
			}
		}
		_, err := tx.UpsertRecord("contact", 0, "none@example.com", map[string]any{"member_no": nil}, T0)
		return err
	})
	var first int64
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.PropertyValueCount("contact", "member_no"); err != nil || n != 3 {
			return fmt.Errorf("records with a member number: %d %v, want 3 (null is no value)", n, err)
		}
		if n, err := tx.DuplicateValues("contact", "member_no"); err != nil || n != 1 {
			return fmt.Errorf("duplicate values: %d %v, want 1 (M-2)", n, err)
		}
		m0, err := tx.RecordByEmail("contact", "m0@example.com")
		if err != nil {
			return err
		}
		first = m0.ID
		if id, err := tx.RecordWithValue("contact", "member_no", "M-1", 0); err != nil || id != first {
			return fmt.Errorf("the record with M-1: %d %v, want %d", id, err, first)
		}
		if id, err := tx.RecordWithValue("contact", "member_no", "M-1", first); err != nil || id != 0 {
			return fmt.Errorf("another record with M-1: %d %v, want none", id, err)
		}
		if id, err := tx.RecordWithValue("company", "member_no", "M-1", 0); err != nil || id != 0 {
			return fmt.Errorf("a company with M-1: %d %v, want none", id, err)
		}
		return tx.UpdateProperty(store.Property{Object: "contact", Name: "plan", Type: "enum", Label: "Plan", Options: []string{"free", "pro", "team"}, Unique: true})
	})
	props, err := s.Properties(ctx)
	if err != nil || len(props) < 2 {
		t.Fatalf("properties %+v %v", props, err)
	}
	var plan *store.Property
	for i := range props {
		if props[i].Object == "contact" && props[i].Name == "plan" {
			plan = &props[i]
		}
	}
	if plan == nil || !plan.Unique || len(plan.Options) != 3 {
		t.Fatalf("plan after the update: %+v", plan)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteProperty("contact", "plan") })
	for what, err := range map[string]error{
		"load": s.Write(ctx, func(tx store.Tx) error { _, err := tx.Property("contact", "plan"); return err }),
		"update": s.Write(ctx, func(tx store.Tx) error {
			return tx.UpdateProperty(store.Property{Object: "contact", Name: "plan", Type: "string"})
		}),
		"delete": s.Write(ctx, func(tx store.Tx) error { return tx.DeleteProperty("contact", "plan") }),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted property, %s: %v, want ErrNotFound", what, err)
		}
	}
	if rec, _ := s.Record(ctx, first); rec.Properties["member_no"] != "M-1" {
		t.Fatalf("a record's values after another property was deleted: %v", rec.Properties)
	}
}
