package postgres_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// TestSchemaMatchesSQLite checks that PostgreSQL's migrations give every table and column the
// SQLite migrations give, so the store's queries, written once, find them on both. A SQLite
// migration without its PostgreSQL twin (backend/store/postgres/migrations) fails here.
func TestSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite := storetest.OpenSQLite(t, "")
	raw, err := sql.Open("sqlite", "file:"+lite.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	want := columns(t, raw, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)

	pg := pgtest.Open(t, store.Options{})
	rows, err := pg.Pool().Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name != 'flowdesk_schema'`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			t.Fatal(err)
		}
		got[tb] = append(got[tb], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for tb, cols := range want {
		slices.Sort(got[tb])
		if !slices.Equal(cols, got[tb]) {
			t.Errorf("table %s: SQLite has columns %s, PostgreSQL %s: add a migration to backend/store/postgres/migrations",
				tb, strings.Join(cols, ", "), strings.Join(got[tb], ", "))
		}
	}
	for tb := range got {
		if _, ok := want[tb]; !ok {
			t.Errorf("table %s is on PostgreSQL only", tb)
		}
	}
}

func columns(t *testing.T, db *sql.DB, query string) map[string][]string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			t.Fatal(err)
		}
		out[tb] = append(out[tb], col)
	}
	for tb := range out {
		slices.Sort(out[tb])
	}
	return out
}
