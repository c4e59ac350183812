package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestMeasureCommitRate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "probe.db")
	rate, err := measureCommitRate(context.Background(), path, 20, "normal")
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("rate %v, want > 0", rate)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("scratch files left behind: %v", entries)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, sc := range []struct {
		name string
		ctx  context.Context
		n    int
		sync string
	}{
		{"bad synchronous", context.Background(), 10, "SOMETIMES"},
		{"no commits", context.Background(), 0, ""},
		{"cancelled", cancelled, 10, ""},
	} {
		if _, err := measureCommitRate(sc.ctx, path, sc.n, sc.sync); err == nil {
			t.Errorf("%s: no error", sc.name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("scratch files left behind after failures: %v", entries)
	}
}
