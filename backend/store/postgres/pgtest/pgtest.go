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
}

// Main runs the package's tests (m.Run) and drops the package's database afterwards; call it
// from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if pkg.name != "" {
		if err := exec(context.Background(), admin(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{pkg.name}.Sanitize())); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop the scratch database %s: %v\n", pkg.name, err)
		}
	}
	return code
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

// DSN returns the address of a fresh, empty schema in the package's database (dropped when
// t ends), as a postgres:// URL the command line accepts.
func DSN(t testing.TB) string {
	t.Helper()
	SkipIfOff(t)
	db := database(t)
	schema := fmt.Sprintf("s%d", pkg.n.Add(1))
	cfg, err := pgx.ParseConfig(admin())
	if err != nil {
		t.Fatal(err)
	}
	if err := exec(context.Background(), keyword(admin(), db), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create scratch schema: %v", err)
	}
	t.Cleanup(func() {
		_ = exec(context.Background(), keyword(admin(), db), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	})
	return URL(cfg, db, schema)
}

// keyword is the admin address pointed at database db.
func keyword(adminDSN, db string) string { return adminDSN + " dbname=" + db }

// URL builds a postgres:// address of database db whose connections use schema (search_path).
func URL(cfg *pgx.ConnConfig, db, schema string) string {
	host := cfg.Host
	q := fmt.Sprintf("search_path=%s", schema)
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
