package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/flowdesk/flowdesk/backend/ident"
)

// TestBackfillEmailKeys: the email-key migration gives non-ASCII addresses their folded key, and
// leaves an address whose key another record already holds as it was (no record is lost).
func TestBackfillEmailKeys(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// As an older version stored them: the key folded ASCII only (what LOWER gives).
	for _, email := range []string{"jörg@bücher.de", "ann@example.com", "ÅSA@EXAMPLE.SE", "åsa@example.se"} {
		if _, err := db.w.ExecContext(ctx, "INSERT INTO records (type, email, email_key, properties, created_at, updated_at) VALUES ('contact', ?, LOWER(?), '{}', 0, 0)", email, email); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := backfillEmailKeys(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	rows, err := db.r.QueryContext(ctx, "SELECT email, email_key FROM records")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, k string
		if err := rows.Scan(&e, &k); err != nil {
			t.Fatal(err)
		}
		keys[e] = k
	}
	if keys["jörg@bücher.de"] != ident.EmailKey("JÖRG@BÜCHER.DE") || keys["ann@example.com"] != "ann@example.com" {
		t.Errorf("keys %v", keys)
	}
	// "ÅSA@EXAMPLE.SE" and "åsa@example.se" fold to one key: only one of them may take it.
	if keys["ÅSA@EXAMPLE.SE"] == keys["åsa@example.se"] {
		t.Errorf("two records share the key %q", keys["åsa@example.se"])
	}
	if n := len(keys); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}

// TestListsMigration: a database from before lists were objects keeps its members, and every
// list a member row or a workflow step named becomes a static list of that id.
func TestListsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, _ := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); n >= 16 {
			continue
		}
		body, _ := migrations.ReadFile("migrations/" + e.Name())
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
	}
	day := int64(1_740_830_400_000) // 2025-03-01T12:00Z
	for _, q := range []string{
		"PRAGMA user_version = 15",
		"INSERT INTO records (id, type, email, email_key, properties, created_at, updated_at) VALUES (1, 'contact', 'a@x.com', 'a@x.com', '{}', 0, 0), (2, 'company', NULL, NULL, '{}', 0, 0)",
		fmt.Sprintf("INSERT INTO list_members (list, record_id, added_at) VALUES ('vip', 1, %d), ('partners', 2, %d)", day, day),
		`INSERT INTO workflows (id, name, object, definition, created_at, updated_at) VALUES ('w', 'W', 'contact', '{"steps": [{"id": "a", "type": "add_to_list", "list": "replay"}, {"id": "b", "type": "remove_from_list", "list": "vip"}, {"id": "c", "type": "delay"}]}', 5, 5)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db := openAt(t, path)
	ls, err := db.Lists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range ls {
		got[l.ID] = fmt.Sprintf("%s/%s/%d/%v", l.Name, l.Object, l.Members, l.Active())
	}
	want := map[string]string{"vip": "vip/contact/1/false", "partners": "partners/company/1/false", "replay": "replay/contact/0/false"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lists after migrating: %v, want %v", got, want)
	}
	days, err := db.ListDays(ctx, "vip")
	if err != nil || len(days) != 1 || days[0].Joins != 1 || days[0].Members != 1 {
		t.Fatalf("ListDays(vip) = %+v, %v", days, err)
	}
}

// TestOutboxOutcomeMigration: SMS messages that failed before the outbox knew outcomes (a failed
// line in the delivery log with the send's key) read failed with that reason, a reported
// delivery reads delivered, and the rest keep their status.
func TestOutboxOutcomeMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n, _ := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); n >= 28 {
			continue
		}
		body, _ := migrations.ReadFile("migrations/" + e.Name())
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
	}
	for _, q := range []string{
		"PRAGMA user_version = 27",
		`INSERT INTO outbox (id, channel, status, idempotency_key, to_addr, created_at, sent_at) VALUES
			(1, 'sms', 'sent', 'fd_failed', '+31612345678', 1000, 1000), (2, 'sms', 'sent', 'fd_delivered', '+31612345679', 1000, 1000),
			(3, 'sms', 'sent', 'fd_waiting', '+31612345670', 1000, 1000), (4, 'email', 'sent', 'fd_mail', 'ann@example.com', 1000, 1000),
			(5, 'sms', 'outbox', 'fd_kept', '+31612345671', 1000, NULL)`,
		`INSERT INTO action_attempts (enrollment_id, workflow_id, step_id, step_type, idempotency_key, try, outcome, error, at) VALUES
			(1, 'w', 'text', 'sms', 'fd_failed', 1, 'ok', '', 1000), (1, 'w', 'text', 'sms', 'fd_failed', 1, 'failed', 'the provider reported the message undelivered (error 30003)', 2000),
			(2, 'w', 'text', 'sms', 'fd_delivered', 1, 'ok', '', 1000), (3, 'w', 'text', 'sms', 'fd_waiting', 1, 'ok', '', 1000)`,
		`INSERT INTO sms_sends (idempotency_key, month, at, status, status_at) VALUES ('fd_failed', '2026-03', 1000, 'undelivered', 2000),
			('fd_delivered', '2026-03', 1000, 'delivered', 3000), ('fd_waiting', '2026-03', 1000, NULL, NULL)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db := openAt(t, path)
	got := map[int64]string{}
	msgs, err := db.Outbox(ctx, OutboxQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		at := int64(0)
		if m.StatusAt != nil {
			at = m.StatusAt.UnixMilli()
		}
		got[m.ID] = fmt.Sprintf("%s %q %d", m.Status, m.Reason, at)
	}
	want := map[int64]string{1: `failed "the provider reported the message undelivered (error 30003)" 2000`, 2: `delivered "" 3000`,
		3: `sent "" 0`, 4: `sent "" 0`, 5: `outbox "" 0`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outbox after migrating: %v, want %v", got, want)
	}
}

// appliedMigrations reads flowdesk_migrations of the database file at path.
func appliedMigrations(t *testing.T, raw *sql.DB) []int {
	t.Helper()
	rows, err := raw.Query("SELECT version FROM flowdesk_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func embeddedVersions(t *testing.T) []int {
	t.Helper()
	all, err := Migrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, m := range all {
		out = append(out, m.Version)
	}
	return out
}

// TestMigrateAdoptsADatabaseFromBeforeTheTable: a database the old migrator wrote (only
// PRAGMA user_version, no flowdesk_migrations) opens, keeps its rows, gets the migrations above
// its version, and has every migration recorded.
func TestMigrateAdoptsADatabaseFromBeforeTheTable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	const old = 24
	all, err := Migrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Version > old {
			break
		}
		body, _ := migrations.ReadFile("migrations/" + m.Name)
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
	}
	for _, q := range []string{
		fmt.Sprintf("PRAGMA user_version = %d", old),
		"INSERT INTO records (id, type, email, email_key, properties, created_at, updated_at) VALUES (1, 'contact', 'a@x.com', 'a@x.com', '{}', 0, 0)",
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db := openAt(t, path)
	if r, err := db.Record(ctx, 1); err != nil || r.Email != "a@x.com" {
		t.Fatalf("record after migrating = %+v, %v", r, err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != latestMigration(t) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latestMigration(t))
	}
	// 0027 (after the old version) made enrollment_refusals.
	if _, err := db.r.ExecContext(ctx, "SELECT COUNT(*) FROM enrollment_refusals"); err != nil {
		t.Fatalf("a migration above the old version was not applied: %v", err)
	}
	if got, want := appliedMigrations(t, db.r), embeddedVersions(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded migrations %v, want %v", got, want)
	}
}

// TestMigrateAppliesAMissingMiddleMigration: a database that has every migration but one in the
// middle (as when a branch with a lower number lands after a higher one was applied) gets that
// one at open, although its user_version is already the highest.
func TestMigrateAppliesAMissingMiddleMigration(t *testing.T) {
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
	// Undo 0021 (two template columns and an index) and its record, as if it had never run.
	for _, q := range []string{"ALTER TABLE email_templates DROP COLUMN preheader", "ALTER TABLE email_templates DROP COLUMN text_generated",
		"DROP INDEX events_type", "DELETE FROM flowdesk_migrations WHERE version = 21"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	if got := rawPragma(t, path, "user_version"); got != strconv.Itoa(latestMigration(t)) {
		t.Fatalf("user_version = %s, want %d (the highest is applied)", got, latestMigration(t))
	}

	db = openAt(t, path)
	if _, err := db.r.ExecContext(ctx, "SELECT preheader FROM email_templates"); err != nil {
		t.Fatalf("the missing migration 0021 was not applied: %v", err)
	}
	if got, want := appliedMigrations(t, db.r), embeddedVersions(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded migrations %v, want %v", got, want)
	}
}

// TestMigrateRecordsEachVersion runs the migrator over made-up migrations: a number that lands
// below the highest applied is applied; an applied number this flowdesk does not have refuses
// the database and changes nothing; a duplicate number is refused.
func TestMigrateRecordsEachVersion(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	files := fstest.MapFS{
		"migrations/0001_a.up.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"migrations/0003_c.up.sql": {Data: []byte("CREATE TABLE c (x INTEGER);")},
	}
	if err := migrateSQLite(ctx, raw, files, nil); err != nil {
		t.Fatal(err)
	}
	if got := appliedMigrations(t, raw); !reflect.DeepEqual(got, []int{1, 3}) {
		t.Fatalf("applied %v, want [1 3]", got)
	}
	// 0002 lands after 0003 was applied.
	files["migrations/0002_b.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (x INTEGER);")}
	if err := migrateSQLite(ctx, raw, files, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("SELECT COUNT(*) FROM b"); err != nil {
		t.Fatalf("0002 not applied: %v", err)
	}
	if got := appliedMigrations(t, raw); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("applied %v, want [1 2 3]", got)
	}
	var uv int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&uv); err != nil || uv != 3 {
		t.Fatalf("user_version = %d, %v; want 3 (the highest applied)", uv, err)
	}
	// A flowdesk without 0002 (but with a later 0004) refuses the database and applies nothing.
	older := fstest.MapFS{
		"migrations/0001_a.up.sql": files["migrations/0001_a.up.sql"],
		"migrations/0003_c.up.sql": files["migrations/0003_c.up.sql"],
		"migrations/0004_d.up.sql": {Data: []byte("CREATE TABLE d (x INTEGER);")},
	}
	err = migrateSQLite(ctx, raw, older, nil)
	if err == nil || !strings.Contains(err.Error(), "migration 2") || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("migrate without 0002 = %v, want a refusal naming migration 2", err)
	}
	if _, err := raw.Exec("SELECT COUNT(*) FROM d"); err == nil {
		t.Fatal("a refused database got migration 0004")
	}
	files["migrations/0003_again.up.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	if err := migrateSQLite(ctx, raw, files, nil); err == nil || !strings.Contains(err.Error(), "share the number 3") {
		t.Fatalf("two migrations numbered 3: %v", err)
	}
}

// TestMigrateKeepsWhenEachWasApplied: every record says when its migration was applied, and a
// table the first recording migrator made (no applied_at) gets the column, its old records 0.
func TestMigrateKeepsWhenEachWasApplied(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for _, q := range []string{"CREATE TABLE a (x INTEGER)", "CREATE TABLE flowdesk_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"INSERT INTO flowdesk_migrations (version, name) VALUES (1, '0001_a.up.sql')", "PRAGMA user_version = 1"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	files := fstest.MapFS{
		"migrations/0001_a.up.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"migrations/0002_b.up.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
	}
	if err := migrateSQLite(ctx, raw, files, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := raw.Query("SELECT version, name, applied_at FROM flowdesk_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v, at int64
		var name string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		when := "0"
		if at > 1_700_000_000_000 { // a time of this database's life, in unix milliseconds
			when = "set"
		}
		got = append(got, fmt.Sprintf("%d %s %s", v, name, when))
	}
	if want := []string{"1 0001_a.up.sql 0", "2 0002_b.up.sql set"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
}
