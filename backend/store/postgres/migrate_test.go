package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// TestProcessesStartingTogetherMigrateOnce opens one fresh schema from several pools at once,
// as serve and its workers do when they start together: each pool is a session of its own, as
// another process's would be. Without the migration lock they all see version 0 and all create
// the tables; one then fails on "already exists" (or the version table gets two rows).
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	ctx := context.Background()
	for round := range 3 {
		dsn := pgtest.Empty(t)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		dbs := make([]*postgres.DB, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				dbs[i], errs[i] = postgres.Open(ctx, dsn, store.Options{ReadConns: 1})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: process %d of %d starting at once could not open the fresh schema: %v", round, i+1, n, err)
			}
			defer dbs[i].Close()
		}
		var rows, version int
		if err := dbs[0].Pool().QueryRow(ctx, "SELECT COUNT(*), MAX(version) FROM flowdesk_schema").Scan(&rows, &version); err != nil {
			t.Fatal(err)
		}
		if rows != 1 || version != postgres.Latest() {
			t.Fatalf("round %d: flowdesk_schema holds %d rows at version %d, want one row at %d", round, rows, version, postgres.Latest())
		}
		if got := recorded(t, dbs[0].Pool()); !slices.Equal(versionsOf(got), shipped(t)) {
			t.Fatalf("round %d: flowdesk_migrations records %v, want each migration once: %v", round, got, shipped(t))
		}
		// Every process works on the one schema.
		for i, db := range dbs {
			if err := db.Write(ctx, func(tx store.Tx) error {
				return tx.PutSetting("started-"+string(rune('a'+i)), json.RawMessage(`true`), time.Now())
			}); err != nil {
				t.Fatalf("round %d: process %d cannot write: %v", round, i+1, err)
			}
		}
	}
}

// migrationRecord is a row of flowdesk_migrations.
type migrationRecord struct {
	Version   int
	Name      string
	AppliedAt int64
}

// recorded reads flowdesk_migrations in version order.
func recorded(t *testing.T, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}) []migrationRecord {
	t.Helper()
	rows, err := q.Query(context.Background(), "SELECT version, name, applied_at FROM flowdesk_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[migrationRecord])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func versionsOf(rs []migrationRecord) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Version)
	}
	return out
}

// shipped lists the numbers of this flowdesk's PostgreSQL migrations, read from the source tree.
func shipped(t *testing.T) []int {
	t.Helper()
	ms, err := store.Migrations(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, m := range ms {
		out = append(out, m.Version)
	}
	return out
}

// schemaVersion reads flowdesk_schema's version.
func schemaVersion(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var v int
	if err := pool.QueryRow(context.Background(), "SELECT version FROM flowdesk_schema").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func newPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestMigrateAdoptsADatabaseWithOnlyItsVersion: a database the old migrator wrote (only
// flowdesk_schema's version, no flowdesk_migrations) opens, keeps its rows, gets the
// migrations above its version, and has every migration recorded with the time it was.
func TestMigrateAdoptsADatabaseWithOnlyItsVersion(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Empty(t)
	pool := newPool(t, dsn)
	ms, err := store.Migrations(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	const old = 5 // 0006 (after it) adds the notification triggers
	var b strings.Builder
	for _, m := range ms {
		if m.Version > old {
			break
		}
		body, err := os.ReadFile("migrations/" + m.Name)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(body)
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, `CREATE TABLE flowdesk_schema (version BIGINT NOT NULL); INSERT INTO flowdesk_schema (version) VALUES (%d);
		INSERT INTO settings (key, value, updated_at) VALUES ('kept', 'true', 0);`, old)
	if _, err := pool.Exec(ctx, b.String()); err != nil {
		t.Fatalf("the old schema: %v", err)
	}

	db, err := postgres.Open(ctx, dsn, store.Options{ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != postgres.Latest() {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, postgres.Latest())
	}
	if raw, err := db.Settings(ctx); err != nil || string(raw["kept"]) != "true" {
		t.Fatalf("the old database's rows after migrating: %v, %v", raw, err)
	}
	var triggers int
	if err := pool.QueryRow(ctx, "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = current_schema()").Scan(&triggers); err != nil || triggers == 0 {
		t.Fatalf("0006, above the old version, was not applied: %d triggers (%v)", triggers, err)
	}
	got := recorded(t, pool)
	if !slices.Equal(versionsOf(got), shipped(t)) {
		t.Fatalf("recorded migrations %v, want %v", got, shipped(t))
	}
	for i, r := range got {
		if r.Name != ms[i].Name || r.AppliedAt < 1_700_000_000_000 {
			t.Fatalf("record %+v, want the file %s and when it was applied (unix ms)", r, ms[i].Name)
		}
	}
}

// TestMigrateRecordsEachPostgreSQLVersion runs the migrator over made-up migrations: a number
// that lands below the highest applied is applied; an applied number this flowdesk does not
// have, or a version above its highest, refuses the database and changes nothing.
func TestMigrateRecordsEachPostgreSQLVersion(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, pgtest.Empty(t))
	files := fstest.MapFS{
		"migrations/0001_a.up.sql": {Data: []byte("CREATE TABLE a (x BIGINT);")},
		"migrations/0003_c.up.sql": {Data: []byte("CREATE TABLE c (x BIGINT);")},
	}
	if err := postgres.MigrateFS(ctx, pool, files); err != nil {
		t.Fatal(err)
	}
	if got := versionsOf(recorded(t, pool)); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("applied %v, want [1 3]", got)
	}
	// 0002 lands after 0003 was applied.
	files["migrations/0002_b.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (x BIGINT);")}
	if err := postgres.MigrateFS(ctx, pool, files); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "SELECT COUNT(*) FROM b"); err != nil {
		t.Fatalf("0002 not applied: %v", err)
	}
	if got := versionsOf(recorded(t, pool)); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("applied %v, want [1 2 3]", got)
	}
	if v := schemaVersion(t, pool); v != 3 {
		t.Fatalf("flowdesk_schema at %d, want 3 (the highest applied)", v)
	}
	// Again: nothing to do, nothing recorded twice.
	if err := postgres.MigrateFS(ctx, pool, files); err != nil {
		t.Fatal(err)
	}
	if got := versionsOf(recorded(t, pool)); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("applied %v after a second run, want [1 2 3]", got)
	}

	// A flowdesk without 0002 (but with a later 0004) refuses the database and applies nothing.
	older := fstest.MapFS{
		"migrations/0001_a.up.sql": files["migrations/0001_a.up.sql"],
		"migrations/0003_c.up.sql": files["migrations/0003_c.up.sql"],
		"migrations/0004_d.up.sql": {Data: []byte("CREATE TABLE d (x BIGINT);")},
	}
	err := postgres.MigrateFS(ctx, pool, older)
	if !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "migration 2 applied") || !strings.Contains(err.Error(), "upgrade flowdesk") {
		t.Fatalf("migrate without 0002 = %v, want an ErrSchema naming migration 2", err)
	}
	// A flowdesk whose migrations stop at 0002 finds version 3: refused as today.
	err = postgres.MigrateFS(ctx, pool, fstest.MapFS{"migrations/0001_a.up.sql": files["migrations/0001_a.up.sql"], "migrations/0002_b.up.sql": files["migrations/0002_b.up.sql"]})
	if !errors.Is(err, postgres.ErrSchema) || !strings.Contains(err.Error(), "schema version 3 is newer than this flowdesk's (2)") {
		t.Fatalf("migrate with migrations up to 0002 = %v, want the newer schema refused", err)
	}
	var d bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('d') IS NOT NULL").Scan(&d); err != nil || d {
		t.Fatalf("a refused database got migration 0004 (%v)", err)
	}
	if got := versionsOf(recorded(t, pool)); !slices.Equal(got, []int{1, 2, 3}) || schemaVersion(t, pool) != 3 {
		t.Fatalf("a refused database changed: records %v, version %d", got, schemaVersion(t, pool))
	}

	// A failing migration changes nothing: not even the one before it in the same run.
	files["migrations/0004_d.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE d (x BIGINT);")}
	files["migrations/0005_bad.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE a (x BIGINT);")} // a exists
	if err := postgres.MigrateFS(ctx, pool, files); err == nil || !strings.Contains(err.Error(), "0005_bad.up.sql") {
		t.Fatalf("a failing migration: %v, want its name in the error", err)
	}
	if got := versionsOf(recorded(t, pool)); !slices.Equal(got, []int{1, 2, 3}) || schemaVersion(t, pool) != 3 {
		t.Fatalf("a failed run changed the database: records %v, version %d", got, schemaVersion(t, pool))
	}
}

// TestChoiceOptionsMigrationKeepsStoredValues: as SQLite's migration 0034, PostgreSQL's 0014
// keeps every value records held for a built-in choice property as one of its options.
func TestChoiceOptionsMigrationKeepsStoredValues(t *testing.T) {
	ctx := context.Background()
	db := legacyChoicesDB(ctx, t, 13, "")
	storetest.CheckLegacyChoices(t, db)
	storetest.CheckChoiceTaken(t, db, "contact", "lifecycle", "vip", "vip")
}

// TestChoiceOptionsRerunSeedsTheRest: as SQLite's 0037, PostgreSQL's 0017 seeds the contact,
// deal and company choice properties on a database 0014 reached while only the ticket's were
// seeded, with the values their records held by then ("vip" stays valid), and leaves the ticket
// ones as they were; a fresh database refuses "vip".
func TestChoiceOptionsRerunSeedsTheRest(t *testing.T) {
	ctx := context.Background()
	// what 0014 left before the four were Seeded
	db := legacyChoicesDB(ctx, t, 16, "UPDATE properties SET options = '[]' WHERE (object, name) IN (('contact', 'lifecycle'), ('contact', 'lead_status'), ('deal', 'stage'), ('company', 'industry'))")
	storetest.CheckLegacyChoices(t, db, "ticket.priority", "ticket.status")
	storetest.CheckChoiceTaken(t, db, "contact", "lifecycle", "VIP", "vip")

	fresh, err := postgres.Open(ctx, pgtest.Empty(t), store.Options{ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	storetest.CheckChoiceRefused(t, fresh, "contact", "lifecycle", "vip")
}

// legacyChoicesDB is a scratch database migrated up to version, changed by prep (SQL, may be
// empty), holding storetest's legacy choice records, then opened (which runs the later
// migrations).
func legacyChoicesDB(ctx context.Context, t *testing.T, version int, prep string) *postgres.DB {
	t.Helper()
	dsn := pgtest.Empty(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.MigrateUpTo(ctx, pool, version); err != nil {
		t.Fatal(err)
	}
	if prep != "" {
		if _, err := pool.Exec(ctx, prep); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range storetest.LegacyChoiceRecords {
		if _, err := pool.Exec(ctx, "INSERT INTO records (type, properties, created_at, updated_at) VALUES ($1, $2, 0, 0)", r.Type, r.Properties); err != nil {
			t.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, dsn, store.Options{ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
