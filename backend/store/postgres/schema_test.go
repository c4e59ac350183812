package postgres_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
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

// TestIndexesMatchSQLite checks that every index the SQLite migrations create, and every unique
// constraint, exists on PostgreSQL over the same columns in the same order, as unique or not,
// partial or not (names may differ: SQLite names a UNIQUE constraint's index sqlite_autoindex_*).
// The job claim, the one-open-enrollment rule and the idempotency keys rest on them: a missing
// index is a slow claim, a missing unique index a duplicate.
func TestIndexesMatchSQLite(t *testing.T) {
	ctx := context.Background()
	lite := storetest.OpenSQLite(t, "")
	raw, err := sql.Open("sqlite", "file:"+lite.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	want := indexSet(t, func() (*sql.Rows, error) {
		return raw.Query(`SELECT m.name, il."unique", il.partial,
			(SELECT group_concat(COALESCE(ii.name, 'expr'), ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii)
			FROM sqlite_master m, pragma_index_list(m.name) il
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND il.origin != 'pk'`)
	})
	pg := pgtest.Open(t, store.Options{})
	db := stdlibDB(t, pg)
	got := indexSet(t, func() (*sql.Rows, error) {
		return db.QueryContext(ctx, `SELECT tb.relname, ix.indisunique::int, (ix.indpred IS NOT NULL)::int,
			(SELECT string_agg(COALESCE(a.attname, 'expr'), ',' ORDER BY k.ord)
			 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
			 LEFT JOIN pg_attribute a ON a.attrelid = tb.oid AND a.attnum = k.attnum)
			FROM pg_index ix JOIN pg_class tb ON tb.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = tb.relnamespace
			WHERE ns.nspname = current_schema() AND NOT ix.indisprimary AND tb.relname != 'flowdesk_schema'`)
	})
	for tb, idx := range want {
		for sig := range idx {
			if !got[tb][sig] {
				t.Errorf("table %s: SQLite has the index %s, PostgreSQL does not (it has %v): add it in a migration of backend/store/postgres/migrations", tb, sig, keys(got[tb]))
			}
		}
	}
	for tb, idx := range got {
		for sig := range idx {
			if !want[tb][sig] {
				t.Errorf("table %s: PostgreSQL has the index %s, SQLite does not (it has %v)", tb, sig, keys(want[tb]))
			}
		}
	}
}

// TestTriggersArePostgreSQLsNotifications checks that the only triggers and functions on
// PostgreSQL are its own additions (the wake-up notifications and instr()): SQLite has none,
// so any other trigger would be behaviour only one store has.
func TestTriggersArePostgreSQLsNotifications(t *testing.T) {
	ctx := context.Background()
	lite := storetest.OpenSQLite(t, "")
	raw, err := sql.Open("sqlite", "file:"+lite.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var liteTriggers int
	if err := raw.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").Scan(&liteTriggers); err != nil {
		t.Fatal(err)
	}
	if liteTriggers != 0 {
		t.Errorf("SQLite has %d triggers: give each a PostgreSQL twin and list it here", liteTriggers)
	}
	db := stdlibDB(t, pgtest.Open(t, store.Options{}))
	rows, err := db.QueryContext(ctx, `SELECT p.proname FROM pg_proc p JOIN pg_namespace ns ON ns.oid = p.pronamespace
		WHERE ns.nspname = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var funcs []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		funcs = append(funcs, name)
	}
	rows.Close()
	for _, f := range funcs {
		if f != "instr" && !strings.HasPrefix(f, "flowdesk_notify") {
			t.Errorf("function %s on PostgreSQL only: SQLite has no twin for it (funcs: %v)", f, funcs)
		}
	}
	rows, err = db.QueryContext(ctx, `SELECT tg.tgname, p.proname FROM pg_trigger tg JOIN pg_class tb ON tb.oid = tg.tgrelid
		JOIN pg_namespace ns ON ns.oid = tb.relnamespace JOIN pg_proc p ON p.oid = tg.tgfoid
		WHERE ns.nspname = current_schema() AND NOT tg.tgisinternal`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, fn string
		if err := rows.Scan(&name, &fn); err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.HasPrefix(fn, "flowdesk_notify") {
			t.Errorf("trigger %s runs %s: not a wake-up notification, and SQLite has no twin for it", name, fn)
		}
	}
	if n == 0 {
		t.Error("no notification triggers on PostgreSQL: the processes would wake only by polling")
	}
}

// indexSet reads (table, unique, partial, columns) rows into signatures per table.
func indexSet(t *testing.T, query func() (*sql.Rows, error)) map[string]map[string]bool {
	t.Helper()
	rows, err := query()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var tb, cols string
		var unique, partial int
		if err := rows.Scan(&tb, &unique, &partial, &cols); err != nil {
			t.Fatal(err)
		}
		sig := "(" + cols + ")"
		if unique == 1 {
			sig = "UNIQUE " + sig
		}
		if partial == 1 {
			sig += " WHERE ..."
		}
		if out[tb] == nil {
			out[tb] = map[string]bool{}
		}
		out[tb][sig] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// stdlibDB is db's pool as a database/sql handle, so both databases' rows scan alike.
func stdlibDB(t *testing.T, db *postgres.DB) *sql.DB {
	t.Helper()
	s := stdlib.OpenDBFromPool(db.Pool())
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPruneIndexesExist: retention finds ended bulk jobs and imports by status and when they
// ended (SQLite's plans of those statements are read in backend/store); on PostgreSQL the same
// indexes must be there, each leading with the columns retention filters on.
func TestPruneIndexesExist(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Open(t, store.Options{})
	for _, want := range []struct{ table, index, cols string }{
		{"enroll_jobs", "enroll_jobs_finished", "(status, finished_at)"},
		{"retry_jobs", "retry_jobs_finished", "(status, finished_at)"},
		{"list_imports", "list_imports_ended", "(status, updated_at)"},
		{"list_import_errors", "list_import_errors_pkey", "(import_id, \"row\", field)"},
	} {
		var def string
		err := pg.Pool().QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname = $2`,
			want.table, want.index).Scan(&def)
		if err != nil {
			t.Errorf("index %s of %s: %v: add it in a migration of backend/store/postgres/migrations", want.index, want.table, err)
			continue
		}
		if !strings.HasSuffix(def, want.cols) {
			t.Errorf("index %s of %s is %q, want it on %s", want.index, want.table, def, want.cols)
		}
	}
}
