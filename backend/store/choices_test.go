package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// TestChoiceOptionsMigrationKeepsStoredValues: a database whose records hold values outside the
// standard options (sent while the built-in choice properties had none) keeps each of them as an
// option after migration 0034, beside the standard ones. PostgreSQL's 0014 is tested the same
// way (storetest.CheckLegacyChoices on both).
func TestChoiceOptionsMigrationKeepsStoredValues(t *testing.T) {
	ctx := context.Background()
	db := legacyChoicesDB(ctx, t, 33, "")
	storetest.CheckLegacyChoices(t, db)
	storetest.CheckChoiceTaken(t, db, "contact", "lifecycle", "vip", "vip")

	// The options now decide what a write may hold: the value an integration sent before is
	// still taken, a new one outside the list is not (engine.TestBuiltinChoiceWritesAreChecked
	// checks the refusal names the field).
	p, err := db.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range p {
		if q.Object != "ticket" || q.Name != "priority" {
			continue
		}
		if v, err := property.Convert("p1", q.Type, q.Options); err != nil || v != "P1" {
			t.Fatalf("the old value P1 after the migration: %v, %v; want it taken", v, err)
		}
		if _, err := property.Convert("P9", q.Type, q.Options); err == nil {
			t.Fatal("a value outside the options was taken after the migration")
		}
	}
}

// TestChoiceOptionsRerunSeedsTheRest: a database migration 0034 reached while only the ticket's
// priority and status were seeded (the contact, deal and company ones kept no options, "[]", and
// took any text) gets the others seeded by 0037: the standard options plus every value their
// records held by then, so a "vip" lifecycle sent before stays valid; the ticket ones, which had
// options already, are left as they were. A fresh database refuses "vip" (storetest's
// builtinChoicesOffered and engine.TestBuiltinChoiceWritesAreChecked check the fresh lists and
// the refusal naming the field).
func TestChoiceOptionsRerunSeedsTheRest(t *testing.T) {
	ctx := context.Background()
	// what 0034 left before the four were Seeded
	db := legacyChoicesDB(ctx, t, 36, "UPDATE properties SET options = '[]' WHERE (object, name) IN (('contact', 'lifecycle'), ('contact', 'lead_status'), ('deal', 'stage'), ('company', 'industry'))")
	storetest.CheckLegacyChoices(t, db, "ticket.priority", "ticket.status")
	storetest.CheckChoiceTaken(t, db, "contact", "lifecycle", "VIP", "vip")

	fresh, err := store.Open(ctx, filepath.Join(t.TempDir(), "fresh.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	storetest.CheckChoiceRefused(t, fresh, "contact", "lifecycle", "vip")
}

// TestMergeChoiceOptions: stored values that are a standard option in another case, blank or
// repeated add nothing; the rest follow the standard ones, sorted; too many leave the list out.
func TestMergeChoiceOptions(t *testing.T) {
	got, ok := store.MergeChoiceOptions([]string{"lead", "customer"}, []string{"zeta", " Customer ", "", "alpha", "zeta", "ALPHA"})
	if !ok || len(got) != 4 || got[0] != "lead" || got[1] != "customer" || got[2] != "alpha" || got[3] != "zeta" {
		t.Fatalf("merged %q %v, want [lead customer alpha zeta] true", got, ok)
	}
	many := make([]string, store.MaxSeededOptions)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if _, ok := store.MergeChoiceOptions([]string{"lead"}, many); ok {
		t.Fatal("a list longer than MaxSeededOptions was accepted")
	}
}

// legacyChoicesDB is a SQLite file migrated up to version, changed by prep (SQL, may be empty),
// holding storetest's legacy choice records, then opened (which runs the later migrations).
func legacyChoicesDB(ctx context.Context, t *testing.T, version int, prep string) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	if err := store.MigrateSQLiteUpTo(ctx, raw, version); err != nil {
		t.Fatal(err)
	}
	if prep != "" {
		if _, err := raw.Exec(prep); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range storetest.LegacyChoiceRecords {
		if _, err := raw.Exec("INSERT INTO records (type, properties, created_at, updated_at) VALUES (?, ?, 0, 0)", r.Type, r.Properties); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
