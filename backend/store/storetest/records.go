package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func recordsSearched(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", map[string]any{"city": "Dublin"})
	bob := contact(t, s, "bob@example.com", map[string]any{"city": "Cork"})
	gone := contact(t, s, "gone@example.com", map[string]any{"city": "Dublin"})
	var acme int64
	write(t, s, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Dublin Docks"}, T0)
		if err != nil {
			return err
		}
		acme = ch.Record.ID
		_, err = tx.EraseRecord(gone.ID, T0)
		return err
	})
	idsOf := func(recs []*store.Record) string {
		var out []int64
		for _, r := range recs {
			out = append(out, r.ID)
		}
		return fmt.Sprint(out)
	}
	for name, c := range map[string]struct {
		q    store.RecordQuery
		want []int64
	}{
		"by type":                         {store.RecordQuery{Type: "contact", Limit: 10}, []int64{ann.ID, bob.ID}},
		"by email, any case":              {store.RecordQuery{Email: "BOB@example.com", Limit: 10}, []int64{bob.ID}},
		"by text in a property":           {store.RecordQuery{Text: "dublin", Limit: 10}, []int64{ann.ID, acme}},
		"by text and type":                {store.RecordQuery{Text: "dublin", Type: "company", Limit: 10}, []int64{acme}},
		"by text in the email":            {store.RecordQuery{Text: "ann@", Limit: 10}, []int64{ann.ID}},
		"after a cursor":                  {store.RecordQuery{Type: "contact", After: ann.ID, Limit: 10}, []int64{bob.ID}},
		"a literal % matches only itself": {store.RecordQuery{Text: "%", Limit: 10}, nil},
	} {
		got, err := s.SearchRecords(ctx, c.q)
		if err != nil || idsOf(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %s %v, want %v", name, idsOf(got), err, c.want)
		}
	}
}

func recordsUpdated(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", map[string]any{"city": "Dublin"})
	contact(t, s, "bob@example.com", nil)
	later := T0.Add(time.Hour)
	write(t, s, func(tx store.Tx) error {
		rec, err := tx.Record(ann.ID)
		if err != nil {
			return err
		}
		same, err := tx.UpdateRecord(rec, func(p map[string]any) error { p["city"] = "Dublin"; return nil }, later)
		if err != nil || same.Changed {
			return fmt.Errorf("an update that changes nothing: %+v %v, want not changed", same, err)
		}
		ch, err := tx.UpdateRecord(rec, func(p map[string]any) error { p["city"] = "Cork"; p["email"] = "Ann.New@example.com"; return nil }, later)
		if err != nil || !ch.Changed || ch.Old["city"] != "Dublin" || ch.Record.Properties["city"] != "Cork" || rec.Properties["city"] != "Dublin" {
			return fmt.Errorf("update: %+v %v, want changed, the old values kept apart and the loaded record untouched", ch, err)
		}
		return nil
	})
	got, err := s.Record(ctx, ann.ID)
	if err != nil || got.Properties["city"] != "Cork" || got.Email != "Ann.New@example.com" || !got.UpdatedAt.Equal(later) {
		t.Fatalf("updated record %+v %v", got, err)
	}
	if byNew, err := s.RecordByEmail(ctx, "contact", "ann.new@EXAMPLE.com"); err != nil || byNew.ID != ann.ID {
		t.Fatalf("by the new email: %+v %v", byNew, err)
	}
	if _, err := s.RecordByEmail(ctx, "contact", "ann@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("by the old email: %v, want ErrNotFound", err)
	}
	boom := errors.New("refused")
	err = s.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.Record(ann.ID)
		if err != nil {
			return err
		}
		if _, err := tx.UpdateRecord(rec, func(map[string]any) error { return boom }, later); !errors.Is(err, boom) {
			return fmt.Errorf("a failing mutation: %v, want its error", err)
		}
		_, err = tx.UpdateRecord(rec, func(p map[string]any) error { p["email"] = "bob@example.com"; return nil }, later)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taking another contact's email: %v, want ErrConflict", err)
	}
}

func associationTypes(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		if err := tx.AddObjectType("pet", T0); err != nil {
			return err
		}
		if ok, err := tx.AssociationAllowed("contact", "pet"); err != nil || ok {
			return fmt.Errorf("contact-pet before it is added: %v %v, want not allowed", ok, err)
		}
		if err := tx.AddAssociationType("pet", "contact"); err != nil {
			return err
		}
		if err := tx.AddAssociationType("contact", "pet"); err != nil { // again, the other way: no-op
			return err
		}
		ok, err := tx.AssociationAllowed("contact", "pet")
		if err != nil || !ok {
			return fmt.Errorf("contact-pet after it is added: %v %v", ok, err)
		}
		return nil
	})
	types, err := s.AssociationTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, a := range types {
		if i > 0 && (types[i-1].From > a.From || types[i-1].From == a.From && types[i-1].To >= a.To) {
			t.Fatalf("association types %+v are not sorted once each", types)
		}
		if a.From == "pet" && a.To == "contact" || a.From == "contact" && a.To == "pet" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("association types %+v, want contact-pet both ways", types)
	}
}
