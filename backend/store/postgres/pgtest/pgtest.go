// Package pgtest gives tests scratch PostgreSQL databases: each test package gets a database
// of its own with a unique name (Main creates it lazily and drops it when the package's tests
// end), and each store a fresh schema in it, so cases start empty and packages run in parallel.
//
// The server is the machine's (FLOWDESK_TEST_PG_ADMIN, default "dbname=postgres": the local
// socket as the current user, a superuser on CI). FLOWDESK_TEST_PG=off skips the PostgreSQL
// tests, with the reason in each skip; otherwise a server that does not answer fails them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
)

// Off reports whether PostgreSQL tests are switched off (FLOWDESK_TEST_PG=off).
func Off() bool { return strings.EqualFold(os.Getenv("FLOWDESK_TEST_PG"), "off") }

// SkipIfOff skips t, saying why, when PostgreSQL tests are switched off.
func SkipIfOff(t testing.TB) {
	t.Helper()
	if Off() {
		t.Skip("SKIPPED ON PURPOSE: PostgreSQL tests are off (FLOWDESK_TEST_PG=off); unset it to run them against the machine's PostgreSQL")
	}
}

func admin() string {
	if v := os.Getenv("FLOWDESK_TEST_PG_ADMIN"); v != "" {
		return v
	}
	return "dbname=postgres"
}

var pkg struct {
	once sync.Once
	name string // the package's database
	err  error
	n    atomic.Int64
	main bool // Main runs the package's tests (and drops the database after them)
}

// Main runs the package's tests (m.Run) and drops the package's database afterwards; call it
// from TestMain: os.Exit(pgtest.Main(m)). The tests fail when they left a directory in the
// package's source directory (their working directory): a file of a test belongs in
// t.TempDir(), and a path made of a database's address (a secrets file beside
// "postgres://...") would otherwise go unnoticed.
func Main(m *testing.M) int {
	pkg.main = true
	before := dirs()
	code := m.Run()
	for d := range dirs() {
		if !before[d] {
			fmt.Fprintf(os.Stderr, "pgtest: the tests left the directory %q in the package's source directory; write test files under t.TempDir()\n", d)
			code = max(code, 1)
		}
	}
	if pkg.name != "" {
		if err := exec(context.Background(), admin(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{pkg.name}.Sanitize())); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop the scratch database %s: %v\n", pkg.name, err)
		}
	}
	return code
}

// dirs is the set of the working directory's directories, by name.
func dirs() map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		if e.IsDir() {
			out[e.Name()] = true
		}
	}
	return out
}

func exec(ctx context.Context, dsn, sql string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

var unsafe = regexp.MustCompile(`[^a-z0-9]+`)

// database creates the package's database on first use: flowdesk_test_<binary>_<random>.
func database(t testing.TB) string {
	t.Helper()
	if !pkg.main {
		t.Fatal("pgtest: this package's TestMain must run pgtest.Main(m), which drops the package's scratch database when its tests end")
	}
	pkg.once.Do(func() {
		suffix := make([]byte, 4)
		_, _ = rand.Read(suffix)
		base := unsafe.ReplaceAllString(strings.TrimSuffix(strings.ToLower(filepath.Base(os.Args[0])), ".test"), "_")
		if len(base) > 30 {
			base = base[:30]
		}
		name := "flowdesk_test_" + base + "_" + hex.EncodeToString(suffix)
		// C collation: text sorts by bytes, as on SQLite.
		pkg.err = exec(context.Background(), admin(), fmt.Sprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", pgx.Identifier{name}.Sanitize()))
		if pkg.err == nil {
			pkg.name = name
		}
	})
	if pkg.err != nil {
		t.Fatalf("PostgreSQL for the tests (%s): %v\nstart it (.ci/install does: pg_ctlcluster <version> main start) or set FLOWDESK_TEST_PG=off to skip these tests", admin(), pkg.err)
	}
	return pkg.name
}

// Empty returns the address of a new, empty schema in the package's database (no Flowdesk
// tables yet; dropped when t ends), as a postgres:// URL the command line accepts.
func Empty(t testing.TB) string {
	t.Helper()
	SkipIfOff(t)
	db := database(t)
	schema := fmt.Sprintf("s%d", pkg.n.Add(1))
	if err := exec(context.Background(), keyword(admin(), db), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create scratch schema: %v", err)
	}
	t.Cleanup(func() {
		_ = exec(context.Background(), keyword(admin(), db), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	})
	return address(t, db, schema)
}

// DSN returns the address of a migrated schema holding no data but the migrations' own rows
// (the built-in object types and properties), ids starting at 1 again. Migrating a schema takes
// about a second, so schemas are reused: when t ends the schema is emptied and handed to the
// next test.
func DSN(t testing.TB) string {
	t.Helper()
	SkipIfOff(t)
	db := database(t)
	schema, err := pool.take(db)
	if err != nil {
		t.Fatalf("scratch schema: %v", err)
	}
	t.Cleanup(func() {
		if err := pool.give(db, schema); err != nil {
			t.Errorf("empty scratch schema %s: %v", schema, err)
		}
	})
	return address(t, db, schema)
}

func address(t testing.TB, db, schema string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(admin())
	if err != nil {
		t.Fatal(err)
	}
	return URL(cfg, db, schema)
}

// pool holds the package's migrated schemas not in use, and the statement that empties one.
var pool schemas

type schemas struct {
	mu    sync.Mutex
	free  []string
	reset string // the emptying statement with %[1]s for the schema; "" until the first schema
}

// take returns a free migrated schema, or migrates a new one.
func (p *schemas) take(db string) (string, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()
	ctx := context.Background()
	schema := fmt.Sprintf("s%d", pkg.n.Add(1))
	if err := exec(ctx, keyword(admin(), db), "CREATE SCHEMA "+schema); err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(admin())
	if err != nil {
		return "", err
	}
	sdb, err := postgres.Open(ctx, URL(cfg, db, schema), store.Options{ReadConns: 1})
	if err != nil {
		return "", err
	}
	sdb.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reset == "" {
		if p.reset, err = resetStatement(ctx, db, schema); err != nil {
			return "", err
		}
	}
	return schema, nil
}

// give empties schema and puts it back.
func (p *schemas) give(db, schema string) error {
	p.mu.Lock()
	reset := p.reset
	p.mu.Unlock()
	if err := exec(context.Background(), keyword(admin(), db), fmt.Sprintf(reset, schema)); err != nil {
		return err
	}
	p.mu.Lock()
	p.free = append(p.free, schema)
	p.mu.Unlock()
	return nil
}

// resetStatement copies the rows the migrations left in the freshly migrated schema into the
// schema "seed" and returns the statement that empties a schema back to that state: every
// table deleted (foreign keys off for it: session_replication_role), the seed rows put back,
// the id sequences restarted.
func resetStatement(ctx context.Context, db, schema string) (string, error) {
	c, err := pgx.Connect(ctx, keyword(admin(), db))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.columns c
		WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'id' AND c.is_identity = 'YES')
		FROM information_schema.tables t WHERE t.table_schema = $1 AND t.table_type = 'BASE TABLE' AND t.table_name != 'flowdesk_schema'`, schema)
	if err != nil {
		return "", err
	}
	type table struct {
		name     string
		identity bool
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var tb table
		return tb, r.Scan(&tb.name, &tb.identity)
	})
	if err != nil {
		return "", err
	}
	if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS seed CASCADE; CREATE SCHEMA seed"); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("BEGIN; SET LOCAL session_replication_role = replica;")
	for _, tb := range tables {
		fmt.Fprintf(&b, " DELETE FROM %%[1]s.%s;", tb.name)
	}
	for _, tb := range tables {
		var n int64
		if err := c.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s.%s", schema, tb.name)).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			if _, err := c.Exec(ctx, fmt.Sprintf("CREATE TABLE seed.%[2]s AS SELECT * FROM %[1]s.%[2]s", schema, tb.name)); err != nil {
				return "", err
			}
			fmt.Fprintf(&b, " INSERT INTO %%[1]s.%[1]s SELECT * FROM seed.%[1]s;", tb.name)
		}
		if tb.identity {
			fmt.Fprintf(&b, " SELECT setval(pg_get_serial_sequence('%%[1]s.%[1]s', 'id'), 1, false);", tb.name)
		}
	}
	// A test may have moved the version (to see a newer schema refused); the next one must not
	// inherit it.
	fmt.Fprintf(&b, " UPDATE %%[1]s.flowdesk_schema SET version = %d;", postgres.Latest())
	b.WriteString(" COMMIT;")
	return b.String(), nil
}

// keyword is the admin address pointed at database db.
func keyword(adminDSN, db string) string { return adminDSN + " dbname=" + db }

// URL builds a postgres:// address of database db whose connections use schema (search_path).
func URL(cfg *pgx.ConnConfig, db, schema string) string {
	host := cfg.Host
	// Tests do not pull the power cord (the SQLite tests run with synchronous=NORMAL likewise):
	// a commit need not wait for its WAL flush.
	q := fmt.Sprintf("search_path=%s&synchronous_commit=off", schema)
	if strings.HasPrefix(host, "/") {
		q += "&host=" + host
		host = ""
	} else if cfg.Port != 0 {
		host = fmt.Sprintf("%s:%d", host, cfg.Port)
	}
	user := cfg.User
	if cfg.Password != "" {
		user += ":" + cfg.Password
	}
	return fmt.Sprintf("postgres://%s@%s/%s?%s", user, host, db, q)
}

// Open opens the store on a fresh schema (see DSN) and closes it when t ends.
func Open(t testing.TB, opts store.Options) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), DSN(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
