package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestUpsertRecord(t *testing.T) {
	later := t0.Add(time.Hour)
	type seed struct{ ann, bob int64 }
	scenarios := []struct {
		name      string
		typ       string
		id        func(seed) int64
		email     string
		props     map[string]any
		wantErr   error
		wantID    func(seed) int64 // nil: a new record
		wantEmail string
		wantProps map[string]any
		created   bool
		changed   bool
	}{
		{name: "create", typ: "contact", email: " carl@x.com ", props: map[string]any{"city": "Cork"},
			wantEmail: "carl@x.com", wantProps: map[string]any{"email": "carl@x.com", "city": "Cork"}, created: true, changed: true},
		{name: "create from email property", typ: "contact", props: map[string]any{"email": "dora@x.com"},
			wantEmail: "dora@x.com", wantProps: map[string]any{"email": "dora@x.com"}, created: true, changed: true},
		{name: "create without email", typ: "deal", props: map[string]any{"amount": 5.0},
			wantProps: map[string]any{"amount": 5.0}, created: true, changed: true},
		{name: "merge by email case-insensitively", typ: "contact", email: "ann@x.COM", props: map[string]any{"city": "Dublin"},
			wantID: func(s seed) int64 { return s.ann }, wantEmail: "Ann@X.com",
			wantProps: map[string]any{"email": "Ann@X.com", "first_name": "Ann", "city": "Dublin"}, changed: true},
		{name: "merge by email, nothing new", typ: "contact", email: "ANN@x.com", props: map[string]any{"first_name": "Ann"},
			wantID: func(s seed) int64 { return s.ann }, wantEmail: "Ann@X.com",
			wantProps: map[string]any{"email": "Ann@X.com", "first_name": "Ann"}},
		{name: "merge by id", typ: "contact", id: func(s seed) int64 { return s.bob }, props: map[string]any{"score": 7.0},
			wantID: func(s seed) int64 { return s.bob }, wantEmail: "bob@x.com",
			wantProps: map[string]any{"email": "bob@x.com", "score": 7.0}, changed: true},
		{name: "same email other type is another record", typ: "company", email: "ann@x.com",
			wantEmail: "ann@x.com", wantProps: map[string]any{"email": "ann@x.com"}, created: true, changed: true},
		{name: "id not found", typ: "contact", id: func(seed) int64 { return 999 }, wantErr: ErrNotFound},
		{name: "type mismatch", typ: "company", id: func(s seed) int64 { return s.ann }, wantErr: ErrConflict},
		{name: "email taken by another record", typ: "contact", id: func(s seed) int64 { return s.bob }, email: "ANN@x.com",
			props: map[string]any{"city": "Oslo"}, wantErr: ErrConflict},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t)
			s := seed{
				ann: newContact(t, db, "Ann@X.com", map[string]any{"first_name": "Ann"}),
				bob: newContact(t, db, "bob@x.com", nil),
			}
			var id int64
			if sc.id != nil {
				id = sc.id(s)
			}
			var ch *RecordChange
			err := tryWrite(db, func(tx Tx) error {
				var err error
				ch, err = tx.UpsertRecord(sc.typ, id, sc.email, sc.props, later)
				return err
			})
			wantErr(t, err, sc.wantErr)
			if sc.wantErr != nil {
				// Nothing written: both seeds are as they were and no record was added.
				if n := count(t, db, "SELECT COUNT(*) FROM records"); n != 2 {
					t.Fatalf("%d records after a refused upsert, want 2", n)
				}
				bob, _ := db.Record(context.Background(), s.bob)
				if bob.Email != "bob@x.com" || len(bob.Properties) != 1 || !bob.UpdatedAt.Equal(msTime(t0)) {
					t.Fatalf("bob changed by a refused upsert: %+v", bob)
				}
				return
			}
			if ch.Created != sc.created || ch.Changed != sc.changed {
				t.Fatalf("Created, Changed = %v, %v; want %v, %v", ch.Created, ch.Changed, sc.created, sc.changed)
			}
			if sc.wantID != nil && ch.Record.ID != sc.wantID(s) {
				t.Fatalf("merged into %d, want %d", ch.Record.ID, sc.wantID(s))
			}
			if sc.wantID == nil && (ch.Record.ID == s.ann || ch.Record.ID == s.bob || ch.Old != nil) {
				t.Fatalf("created record %d (old %v) clashes with the seeds", ch.Record.ID, ch.Old)
			}
			got, err := db.Record(context.Background(), ch.Record.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != sc.typ || got.Email != sc.wantEmail || !reflect.DeepEqual(got.Properties, sc.wantProps) {
				t.Fatalf("stored %s %q %v; want %s %q %v", got.Type, got.Email, got.Properties, sc.typ, sc.wantEmail, sc.wantProps)
			}
			if !reflect.DeepEqual(ch.Record.Properties, sc.wantProps) {
				t.Fatalf("returned props %v, want %v", ch.Record.Properties, sc.wantProps)
			}
			wantUpdated := msTime(t0)
			if sc.changed {
				wantUpdated = msTime(later)
			}
			if !got.UpdatedAt.Equal(wantUpdated) {
				t.Fatalf("updated_at %v, want %v", got.UpdatedAt, wantUpdated)
			}
		})
	}
}

func TestUpdateRecord(t *testing.T) {
	db := openTest(t)
	id := newContact(t, db, "ann@x.com", map[string]any{"score": 1.0, "tags": []any{"a"}})
	later := t0.Add(time.Minute)
	scenarios := []struct {
		name    string
		mutate  func(map[string]any) error
		changed bool
		wantErr bool
		want    map[string]any
	}{
		{"same value is no change", func(p map[string]any) error { p["score"] = 1.0; return nil }, false, false,
			map[string]any{"email": "ann@x.com", "score": 1.0, "tags": []any{"a"}}},
		{"new value", func(p map[string]any) error { p["score"] = 2.0; return nil }, true, false,
			map[string]any{"email": "ann@x.com", "score": 2.0, "tags": []any{"a"}}},
		{"mutate error", func(p map[string]any) error { p["score"] = 9.0; return errors.New("nope") }, false, true,
			map[string]any{"email": "ann@x.com", "score": 2.0, "tags": []any{"a"}}},
		{"clearing email", func(p map[string]any) error { delete(p, "email"); return nil }, true, false,
			map[string]any{"score": 2.0, "tags": []any{"a"}}},
	}
	for _, sc := range scenarios {
		var ch *RecordChange
		err := tryWrite(db, func(tx Tx) error {
			rec, err := tx.Record(id)
			if err != nil {
				return err
			}
			ch, err = tx.UpdateRecord(rec, sc.mutate, later)
			return err
		})
		if (err != nil) != sc.wantErr {
			t.Fatalf("%s: err = %v, want error %v", sc.name, err, sc.wantErr)
		}
		if err == nil && ch.Changed != sc.changed {
			t.Fatalf("%s: Changed = %v, want %v", sc.name, ch.Changed, sc.changed)
		}
		got, _ := db.Record(context.Background(), id)
		if !reflect.DeepEqual(got.Properties, sc.want) {
			t.Fatalf("%s: stored %v, want %v", sc.name, got.Properties, sc.want)
		}
	}
	got, _ := db.Record(context.Background(), id)
	if got.Email != "" {
		t.Fatalf("email column %q after the email property was cleared", got.Email)
	}
	if _, err := db.RecordByEmail(context.Background(), "contact", "ann@x.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RecordByEmail after clearing = %v, want ErrNotFound", err)
	}
}

func TestSearchRecords(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ab := newContact(t, db, "a_b@x.com", map[string]any{"note": "100% sure"})
	axb := newContact(t, db, "axb@x.com", map[string]any{"note": "1000 sure"})
	plain := newContact(t, db, "Plain@x.com", map[string]any{"city": "DUBLIN"})
	back := newContact(t, db, `back\slash@x.com`, nil)
	var company int64
	mustWrite(t, db, func(tx Tx) error {
		c, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, t0)
		company = c.Record.ID
		return err
	})
	scenarios := []struct {
		name string
		q    RecordQuery
		want []int64
	}{
		{"all", RecordQuery{}, []int64{ab, axb, plain, back, company}},
		{"by type", RecordQuery{Type: "company"}, []int64{company}},
		{"by email, case-insensitive", RecordQuery{Type: "contact", Email: "plain@X.COM"}, []int64{plain}},
		{"text underscore is literal", RecordQuery{Text: "a_b"}, []int64{ab}},
		{"text percent is literal", RecordQuery{Text: "100%"}, []int64{ab}},
		{"text percent alone", RecordQuery{Text: "%"}, []int64{ab}},
		{"text backslash is literal", RecordQuery{Text: `k\s`}, []int64{back}},
		{"text in properties, case-insensitive", RecordQuery{Text: "dublin"}, []int64{plain}},
		{"text and type", RecordQuery{Type: "company", Text: "acme"}, []int64{company}},
		{"no match", RecordQuery{Text: "zzz"}, nil},
		{"limit", RecordQuery{Limit: 2}, []int64{ab, axb}},
		{"cursor", RecordQuery{Limit: 2, After: axb}, []int64{plain, back}},
	}
	for _, sc := range scenarios {
		recs, err := db.SearchRecords(ctx, sc.q)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		var got []int64
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if !reflect.DeepEqual(got, sc.want) {
			t.Errorf("%s: got %v, want %v", sc.name, got, sc.want)
		}
	}
}

func TestRecordReadsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id := newContact(t, db, "ann@x.com", map[string]any{"score": 3.5, "tags": []any{"x", "y"}, "subscribed": true})
	r, err := db.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := &Record{ID: id, Type: "contact", Email: "ann@x.com", CreatedAt: msTime(t0), UpdatedAt: msTime(t0),
		Properties: map[string]any{"email": "ann@x.com", "score": 3.5, "tags": []any{"x", "y"}, "subscribed": true}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("Record = %+v, want %+v", r, want)
	}
	if r2, err := db.RecordByEmail(ctx, "contact", "ANN@X.COM"); err != nil || r2.ID != id {
		t.Fatalf("RecordByEmail = %v, %v", r2, err)
	}
	if _, err := db.Record(ctx, id+100); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing record: %v, want ErrNotFound", err)
	}
	if _, err := db.RecordByEmail(ctx, "company", "ann@x.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("email of another type: %v, want ErrNotFound", err)
	}
}

// A page asked for above the cap is the cap, not the default: a caller paging with a big limit
// must get full pages until the end.
func TestSearchRecordsCapsTheLimit(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustWrite(t, db, func(tx Tx) error {
		for i := range maxListLimit + 5 {
			if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%d@x.com", i), nil, t0); err != nil {
				return err
			}
		}
		return nil
	})
	var pages []int
	var after int64
	for {
		recs, err := db.SearchRecords(ctx, RecordQuery{Limit: 5000, After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(recs))
		if len(recs) < maxListLimit {
			break
		}
		after = recs[len(recs)-1].ID
	}
	if !reflect.DeepEqual(pages, []int{maxListLimit, 5}) {
		t.Errorf("pages of limit 5000 over %d records: %v, want [%d 5]", maxListLimit+5, pages, maxListLimit)
	}
}
