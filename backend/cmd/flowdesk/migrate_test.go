package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// seedSQLite fills a SQLite file as use does: two workflows switched on, contacts sent through
// them, their first steps run and their delays pending.
func seedSQLite(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, def := range []string{workersWorkflow, crashWorkflow} {
		w, err := eng.Workflows().Create(ctx, []byte(def))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Workflows().Enable(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		for _, typ := range []string{"workers.start", "crash.test"} {
			if _, err := eng.Ingest(ctx, engine.EventInput{Type: typ, Record: engine.RecordRef{Type: "contact",
				Email: fmt.Sprintf("m%02d@example.com", i), Properties: map[string]any{"first_name": "M", "score": i}},
				Data: map[string]any{"form": "demo", "total": 12.5}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := eng.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
}

// dump reads every table's rows, each row formatted and the rows sorted, for comparing two
// databases' contents.
func dump(t *testing.T, target string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db, err := openAny(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.CopyTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		var names []string
		for _, c := range tb.Columns {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		rows := []string{}
		if err := db.ReadRows(ctx, tb.Name, names, 500, func(batch [][]any) error {
			for _, r := range batch {
				for i, v := range r {
					if b, ok := v.([]byte); ok {
						r[i] = string(b)
					}
				}
				rows = append(rows, fmt.Sprint(r...))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(rows)
		out[tb.Name] = rows
	}
	return out
}

func TestMigrateSQLiteToPostgreSQLAndBack(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flowdesk.db")
	seedSQLite(t, file)
	dsn := pgtest.DSN(t)

	stdout, stderr, err := cliRun(t, "migrate", "--from", file, "--to", dsn)
	if err != nil {
		t.Fatalf("migrate to PostgreSQL: %v\n%s\n%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "copied: every table's row count matches") || !strings.Contains(stderr, "copy rows") {
		t.Fatalf("no count check or progress:\n%s\n%s", stdout, stderr)
	}
	before := dump(t, file)
	if got := dump(t, dsn); !reflect.DeepEqual(got, before) {
		t.Fatalf("PostgreSQL holds other rows than the file:\n%s", diffDumps(before, got))
	}

	// A second copy into the same database is refused and changes nothing.
	stdout, _, err = cliRun(t, "migrate", "--from", file, "--to", dsn)
	if err == nil || !strings.Contains(err.Error(), "already holds") || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("copy into a used database: %v\n%s, want a refusal naming --replace", err, stdout)
	}

	// The copy is a working database: new rows get new ids after the copied ones.
	ctx := context.Background()
	pdb, err := postgres.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, pdb, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Ingest(ctx, engine.EventInput{Type: "workers.start", Record: engine.RecordRef{Type: "contact", Email: "new@example.com"}})
	if err != nil {
		t.Fatalf("ingest into the copy: %v", err)
	}
	if _, err := eng.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	pdb.Close()
	if res.RecordID <= 40 {
		t.Fatalf("the new record got id %d, inside the copied ids", res.RecordID)
	}

	// And back into a new file: every row of the PostgreSQL database arrives.
	back := filepath.Join(dir, "back.db")
	if stdout, stderr, err := cliRun(t, "migrate", "--from", dsn, "--to", back); err != nil {
		t.Fatalf("migrate back: %v\n%s\n%s", err, stdout, stderr)
	}
	want := dump(t, dsn)
	if got := dump(t, back); !reflect.DeepEqual(got, want) {
		t.Fatalf("the file holds other rows than PostgreSQL:\n%s", diffDumps(want, got))
	}
	// --replace copies over a used database.
	if stdout, stderr, err := cliRun(t, "migrate", "--from", file, "--to", back, "--replace"); err != nil {
		t.Fatalf("migrate --replace: %v\n%s\n%s", err, stdout, stderr)
	}
	if got := dump(t, back); !reflect.DeepEqual(got, before) {
		t.Fatalf("after --replace the file holds other rows than the original:\n%s", diffDumps(before, got))
	}
}

func TestMigrateBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flowdesk.db")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"--from is missing", "--to is missing"}},
		{[]string{"--from", filepath.Join(dir, "none.db"), "--to", file}, []string{"no such database file"}},
		{[]string{"--from", file, "--to", file}, []string{"same database"}},
		{[]string{"--from", "postgres://nobody@127.0.0.1:1/x", "--to", file}, []string{"cannot connect to PostgreSQL", "127.0.0.1:1"}},
	} {
		if c.args != nil && c.args[1] == file {
			seedEmpty(t, file)
		}
		_, _, err := cliRun(t, append([]string{"migrate"}, c.args...)...)
		if err == nil {
			t.Fatalf("migrate %v succeeded", c.args)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("migrate %v: %v, want it to say %q", c.args, err, w)
			}
		}
	}
}

func seedEmpty(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// diffDumps names the first tables whose rows differ.
func diffDumps(want, got map[string][]string) string {
	var b strings.Builder
	for name, w := range want {
		g := got[name]
		if reflect.DeepEqual(w, g) {
			continue
		}
		fmt.Fprintf(&b, "table %s: %d rows, want %d\n", name, len(g), len(w))
		for i := 0; i < len(w) && i < len(g); i++ {
			if w[i] != g[i] {
				fmt.Fprintf(&b, "  got  %s\n  want %s\n", g[i], w[i])
				break
			}
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "table %s only in the copy\n", name)
		}
	}
	return b.String()
}

// The secrets live beside a SQLite file, outside the database; migrate copies them into the file
// serve on the target reads, refuses (before copying anything) a target file holding another
// value, and overwrites it only with --replace.
func TestMigrateCopiesTheSecrets(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("FLOWDESK_SECRETS", "")
	dir := t.TempDir()
	file := filepath.Join(dir, "flowdesk.db")
	seedSQLite(t, file)
	beside := settings.NewFileSecrets(filepath.Join(dir, settings.SecretsFileName))
	for name, v := range map[string]string{"smtp.password": "s3cret-pw", "sms.token": "tok-123"} {
		if err := beside.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	dsn := pgtest.DSN(t)
	target := settings.NewFileSecrets(filepath.Join(config, "flowdesk", settings.SecretsFileName))

	// The target's file holds another SMTP password: refused, and neither the database nor the
	// file changes.
	if err := target.Set("smtp.password", "other-pw"); err != nil {
		t.Fatal(err)
	}
	_, _, err := cliRun(t, "migrate", "--from", file, "--to", dsn)
	if err == nil || !strings.Contains(err.Error(), "--to-secrets") || !strings.Contains(err.Error(), "smtp.password") || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("a conflicting secret: %v, want a refusal naming --to-secrets, smtp.password and --replace", err)
	}
	if got := dump(t, dsn)["workflows"]; len(got) != 0 {
		t.Fatalf("the refused copy wrote %d workflows", len(got))
	}
	if v, _, _ := target.Get("smtp.password"); v != "other-pw" {
		t.Fatalf("the refused copy changed the target's secret to %q", v)
	}
	if _, ok, _ := target.Get("sms.token"); ok {
		t.Fatal("the refused copy wrote sms.token")
	}

	// --replace overwrites it, keeps the target's other secrets and says where they are.
	if err := target.Set("slack.webhook_url", "https://hooks.example/keep"); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := cliRun(t, "migrate", "--from", file, "--to", dsn, "--replace")
	if err != nil {
		t.Fatalf("migrate --replace: %v\n%s\n%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "sms.token, smtp.password copied") || !strings.Contains(stdout, "--secrets "+target.Path()) {
		t.Fatalf("migrate does not say where the secrets went:\n%s", stdout)
	}
	for name, want := range map[string]string{"smtp.password": "s3cret-pw", "sms.token": "tok-123", "slack.webhook_url": "https://hooks.example/keep"} {
		if v, _, err := target.Get(name); err != nil || v != want {
			t.Errorf("target %s = %q (%v), want %q", name, v, err, want)
		}
	}
	if strings.Contains(stdout+stderr, "s3cret-pw") || strings.Contains(stdout+stderr, "tok-123") {
		t.Fatal("migrate printed a secret")
	}

	// Back into a file beside which serve looks: the same secrets arrive there; a given
	// --to-secrets is where they go instead.
	back := filepath.Join(t.TempDir(), "back.db")
	if stdout, stderr, err := cliRun(t, "migrate", "--from", dsn, "--to", back); err != nil {
		t.Fatalf("migrate back: %v\n%s\n%s", err, stdout, stderr)
	}
	if v, _, _ := settings.NewFileSecrets(filepath.Join(filepath.Dir(back), settings.SecretsFileName)).Get("smtp.password"); v != "s3cret-pw" {
		t.Fatalf("the secrets file beside %s has smtp.password %q", back, v)
	}
	given := filepath.Join(t.TempDir(), "elsewhere.json")
	stdout, _, err = cliRun(t, "migrate", "--from", file, "--to", filepath.Join(t.TempDir(), "third.db"), "--to-secrets", given)
	if err != nil || !strings.Contains(stdout, "--secrets "+given) {
		t.Fatalf("migrate --to-secrets: %v\n%s", err, stdout)
	}
	if v, _, _ := settings.NewFileSecrets(given).Get("sms.token"); v != "tok-123" {
		t.Fatalf("--to-secrets file has sms.token %q", v)
	}

	// The same file for both (FLOWDESK_SECRETS names one): nothing to copy, and migrate says so.
	t.Setenv("FLOWDESK_SECRETS", beside.Path())
	stdout, _, err = cliRun(t, "migrate", "--from", file, "--to", filepath.Join(t.TempDir(), "fourth.db"))
	if err != nil || !strings.Contains(stdout, "nothing to copy") {
		t.Fatalf("one secrets file for both: %v\n%s", err, stdout)
	}
	// A --from-secrets that is a directory is refused before anything is opened.
	_, _, err = cliRun(t, "migrate", "--from", file, "--to", filepath.Join(t.TempDir(), "fifth.db"), "--from-secrets", dir)
	if err == nil || !strings.Contains(err.Error(), "--from-secrets") {
		t.Fatalf("a directory as --from-secrets: %v", err)
	}
	// So is a --to-secrets that is a directory, or that cannot be made because a file stands
	// where its folder would be: refused before the copy, and no target database is made.
	for _, bad := range []string{dir, filepath.Join(given, "secrets.json")} {
		target := filepath.Join(t.TempDir(), "sixth.db")
		_, _, err = cliRun(t, "migrate", "--from", file, "--to", target, "--to-secrets", bad)
		if err == nil || !strings.Contains(err.Error(), "--to-secrets") {
			t.Fatalf("%s as --to-secrets: %v, want a refusal naming --to-secrets", bad, err)
		}
		if _, statErr := os.Stat(target); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatalf("%s as --to-secrets: the refused migrate made %s (%v)", bad, target, statErr)
		}
	}
}
