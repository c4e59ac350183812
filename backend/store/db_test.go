package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// latestMigration is the number of the newest embedded migration file.
func latestMigration(t *testing.T) int {
	t.Helper()
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	latest := 0
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %q: %v", e.Name(), err)
		}
		latest = max(latest, n)
	}
	return latest
}

// rawPragma reads a pragma through a plain connection that sets nothing itself.
func rawPragma(t *testing.T, path, pragma string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v string
	if err := raw.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", pragma, err)
	}
	return v
}

func TestOpenFreshDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "flowdesk.db") // parent dirs are created
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != latestMigration(t) || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latestMigration(t))
	}
	types, err := db.ObjectTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"company", "contact", "deal", "ticket"}; !slices.Equal(types, want) {
		t.Fatalf("ObjectTypes = %v, want %v", types, want)
	}
	props, err := db.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != 26 {
		t.Fatalf("got %d builtin properties, want 26", len(props))
	}
	want := map[string]string{"contact.email": "string", "contact.score": "number", "contact.tags": "multi", "deal.close_date": "date", "contact.subscribed": "bool"}
	for _, p := range props {
		if typ, ok := want[p.Object+"."+p.Name]; ok {
			if p.Type != typ {
				t.Errorf("%s.%s type %q, want %q", p.Object, p.Name, p.Type, typ)
			}
			delete(want, p.Object+"."+p.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing builtin properties %v", want)
	}
	if db.Path() != path {
		t.Errorf("Path = %q, want %q", db.Path(), path)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The file format settings Open promises, read back by a connection that sets nothing.
	if got := rawPragma(t, path, "auto_vacuum"); got != "2" {
		t.Errorf("auto_vacuum = %s, want 2 (INCREMENTAL)", got)
	}
	if got := rawPragma(t, path, "journal_mode"); got != "wal" {
		t.Errorf("journal_mode = %s, want wal", got)
	}
}

func TestReopenIsNoop(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flowdesk.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, db, func(tx Tx) error { return tx.AddObjectType("invoice", t0) })
	id := newContact(t, db, "ann@x.com", nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path)
	if v, err := db.SchemaVersion(ctx); err != nil || v != latestMigration(t) {
		t.Fatalf("SchemaVersion after reopen = %d, %v; want %d", v, err, latestMigration(t))
	}
	types, _ := db.ObjectTypes(ctx)
	if want := []string{"company", "contact", "deal", "invoice", "ticket"}; !slices.Equal(types, want) {
		t.Fatalf("ObjectTypes after reopen = %v, want %v", types, want)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM properties"); n != 26 {
		t.Fatalf("%d properties after reopen, want 26 (seed ran twice?)", n)
	}
	if r, err := db.Record(ctx, id); err != nil || r.Email != "ann@x.com" {
		t.Fatalf("record after reopen = %+v, %v", r, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flowdesk.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for i := 0; i < 2; i++ { // the second try proves the failed Open released the lock
		_, err = Open(ctx, path, Options{})
		if err == nil {
			t.Fatal("Open accepted a database from a newer flowdesk")
		}
		if errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "99") || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("error %q does not explain the version clash", err)
		}
	}
	if got := rawPragma(t, path, "user_version"); got != "99" {
		t.Fatalf("user_version = %s after refused open, want 99 untouched", got)
	}
}

func TestOpenLocksTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flowdesk.db")
	first, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	// Another spelling of the same path is the same database.
	rel, err := filepath.Rel(mustGetwd(t), path)
	if err == nil {
		if _, err := Open(ctx, rel, Options{}); !errors.Is(err, ErrLocked) {
			t.Fatalf("Open via relative path = %v, want ErrLocked", err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestOpenPathWithURICharacters(t *testing.T) {
	// '%', '#' and '?' mean something in a SQLite URI; the database must still land at path.
	dir := filepath.Join(t.TempDir(), "100% sure #1?x=y")
	path := filepath.Join(dir, "flow desk.db")
	db := openAt(t, path)
	newContact(t, db, "ann@x.com", nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, "flow desk.db") {
		t.Fatalf("database not created at %q; directory holds %v", path, names)
	}
	db = openAt(t, path)
	if r, err := db.RecordByEmail(context.Background(), "contact", "ann@x.com"); err != nil || r.Email != "ann@x.com" {
		t.Fatalf("record not found after reopen: %v", err)
	}
}

func TestOpenSynchronousOption(t *testing.T) {
	scenarios := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"default is FULL", "", "2", false},
		{"normal lowercase", "normal", "1", false},
		{"extra", "EXTRA", "3", false},
		{"typo refused", "FUL", "", true},
		{"injection refused", "FULL);ATTACH 'x.db' AS x;--", "", true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			db, err := Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), Options{Synchronous: sc.in})
			if sc.wantErr {
				if err == nil {
					db.Close()
					t.Fatalf("Open accepted synchronous %q", sc.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var got string
			if err := db.w.QueryRow("PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != sc.want {
				t.Fatalf("synchronous = %s, want %s", got, sc.want)
			}
		})
	}
}

func TestCloseTwice(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close = %v, want the first result (nil)", err)
	}
}
