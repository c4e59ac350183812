package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesNegativeTuning: a negative --retry-tries, --retry-base or --enroll-batch is
// refused, naming the flag and the fix, before the database is opened (no file is made).
func TestServeRefusesNegativeTuning(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--retry-tries", "-1", "--retry-tries -1: give the number of tries"},
		{"--retry-base", "-5s", "--retry-base -5s: give the first wait"},
		{"--enroll-batch", "-1", "--enroll-batch -1: give the records per batch"},
	} {
		db := filepath.Join(t.TempDir(), "f.db")
		err := runServe(context.Background(), []string{"--db", db, "--addr", "127.0.0.1:0", c.flag, c.value}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.flag, c.value, err, c.want)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Errorf("%s %s: the database file was made (%v)", c.flag, c.value, err)
		}
	}
}
