package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// TestServeRefusesUnusablePostgres starts the real binary on PostgreSQL addresses it cannot use:
// each is refused with exit status 2 and a message naming the fix, and the database is left as
// it was. An empty database, the control, is migrated and served.
func TestServeRefusesUnusablePostgres(t *testing.T) {
	pgtest.SkipIfOff(t)
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildFlowdesk(ctx, t, dir)

	newer := pgtest.DSN(t)
	sql(t, newer, fmt.Sprintf("UPDATE flowdesk_schema SET version = %d", postgres.Latest()+1))
	newerBefore := tableRows(t, newer)

	foreign := pgtest.Empty(t)
	sql(t, foreign, "CREATE TABLE customers (id integer PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'Acme')")
	foreignBefore := tableRows(t, foreign)

	for _, c := range []struct {
		name, dsn string
		want      []string
	}{
		{"a server that does not answer", "postgres://nobody@127.0.0.1:1/flowdesk", []string{"cannot connect to PostgreSQL", "127.0.0.1:1", "check that the server runs"}},
		{"an address that does not parse", "postgres://nobody@127.0.0.1:notaport/flowdesk", []string{"does not parse", "postgres://user:password@host:5432/database"}},
		{"a password is not repeated", "postgres://nobody:s3cret@127.0.0.1:1/flowdesk", []string{"cannot connect to PostgreSQL", "nobody:xxxxx@127.0.0.1:1"}},
		{"a schema newer than this flowdesk", newer, []string{fmt.Sprintf("schema version %d is newer than this flowdesk's (%d)", postgres.Latest()+1, postgres.Latest()), "upgrade flowdesk"}},
		{"a database of something else", foreign, []string{"holds a table of something else (customers)", "create an empty database for Flowdesk"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			cmdCtx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			cmd := exec.CommandContext(cmdCtx, bin, "serve", "--db", c.dsn, "--addr", "127.0.0.1:0")
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "FLOWDESK_DB=")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("serve --db %s: %v, want exit status 2\n%s", c.dsn, err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("serve --db %s said %q, want it to say %q", c.dsn, out, w)
				}
			}
			if strings.Contains(string(out), "s3cret") {
				t.Errorf("the password is in the message: %q", out)
			}
			if entries, _ := os.ReadDir(work); len(entries) > 0 {
				t.Errorf("a refused serve left %s in its working directory", entries[0].Name())
			}
		})
	}
	if after := tableRows(t, newer); !equalRows(after, newerBefore) {
		t.Errorf("the newer database changed under a refused serve: %v, was %v", after, newerBefore)
	}
	if after := tableRows(t, foreign); !equalRows(after, foreignBefore) {
		t.Errorf("the foreign database changed under a refused serve: %v, was %v", after, foreignBefore)
	}

	// The control: an empty database is migrated and served, named by --db or by FLOWDESK_DB.
	empty := pgtest.Empty(t)
	p := startServe(ctx, t, bin, empty, filepath.Join(dir, "serve.log"))
	_ = p.cmd.Process.Signal(os.Interrupt)
	<-p.exited
	var v int
	conn := connect(t, empty)
	if err := conn.QueryRow(ctx, "SELECT version FROM flowdesk_schema").Scan(&v); err != nil || v != postgres.Latest() {
		t.Fatalf("served database at schema version %d (%v), want %d", v, err, postgres.Latest())
	}
	byEnv := pgtest.Empty(t)
	t.Setenv("FLOWDESK_DB", byEnv)
	p = startProcess(ctx, t, bin, filepath.Join(dir, "serve-env.log"), readyRe, "serve", "--addr", "127.0.0.1:0", "--log-level", "warn")
	_ = p.cmd.Process.Signal(os.Interrupt)
	<-p.exited
	if err := connect(t, byEnv).QueryRow(ctx, "SELECT version FROM flowdesk_schema").Scan(&v); err != nil || v != postgres.Latest() {
		t.Fatalf("FLOWDESK_DB: the database is at schema version %d (%v), want %d", v, err, postgres.Latest())
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func sql(t *testing.T, dsn, query string) {
	t.Helper()
	if _, err := connect(t, dsn).Exec(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// tableRows counts the rows of each table of the address's schema.
func tableRows(t *testing.T, dsn string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	c := connect(t, dsn)
	rows, err := c.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, n := range names {
		var k int64
		if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM "+pgx.Identifier{n}.Sanitize()).Scan(&k); err != nil {
			t.Fatal(err)
		}
		out[n] = k
	}
	return out
}

func equalRows(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
