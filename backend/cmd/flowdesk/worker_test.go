package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkerBadInputIsRefusedAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flowdesk.db")
	seedEmpty(t, file)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "none.db")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--db", file}, []string{"a worker needs a PostgreSQL database", "a SQLite file has one process", "flowdesk migrate --from " + file}},
		{[]string{"--db", missing}, []string{"a worker needs a PostgreSQL database"}},
		{nil, []string{"--db is missing"}},
		{[]string{"--db", "postgres://nobody@127.0.0.1:1/flowdesk"}, []string{"cannot connect to PostgreSQL", "127.0.0.1:1"}},
		{[]string{"--db", "postgres://x@127.0.0.1/x", "--workers", "0"}, []string{"--workers 0"}},
		{[]string{"--db", "postgres://x@127.0.0.1/x", "--lease", "1s"}, []string{"--lease 1s", "at least 3s"}},
	} {
		t.Setenv("FLOWDESK_DB", "")
		_, _, err := cliRun(t, append([]string{"worker"}, c.args...)...)
		if err == nil {
			t.Fatalf("worker %v started", c.args)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("worker %v: %v, want it to say %q", c.args, err, w)
			}
		}
	}
	if after, err := os.ReadFile(file); err != nil || string(after) != string(before) {
		t.Fatalf("the SQLite file changed under a refused worker (%v)", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("a refused worker created %s (%v)", missing, err)
	}
}
