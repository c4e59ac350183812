package store

import (
	"context"
	"os"
	"testing"
)

func TestMeasureCommitRate(t *testing.T) {
	dir := t.TempDir()
	rate, err := MeasureCommitRate(context.Background(), dir, 20, "normal")
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("rate %v, want > 0", rate)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("scratch files left behind: %v", entries)
	}
	scenarios := []struct {
		name string
		ctx  func() context.Context
		n    int
		sync string
	}{
		{"bad synchronous", context.Background, 10, "SOMETIMES"},
		{"no commits", context.Background, 0, ""},
		{"cancelled", func() context.Context { c, cancel := context.WithCancel(context.Background()); cancel(); return c }, 10, ""},
	}
	for _, sc := range scenarios {
		if _, err := MeasureCommitRate(sc.ctx(), dir, sc.n, sc.sync); err == nil {
			t.Errorf("%s: no error", sc.name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("scratch files left behind after failures: %v", entries)
	}
}
