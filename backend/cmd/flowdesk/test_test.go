package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shipped scenarios pass; a scenario whose expectation is wrong fails with a diff and an
// error; --update rewrites its expectation so that it passes.
func TestCLITestScenarios(t *testing.T) {
	shipped := filepath.Join("..", "..", "..", "testdata", "scenarios")
	out, _, err := cliRun(t, "test", shipped)
	if err != nil || !strings.Contains(out, "scenarios passed") || strings.Contains(out, "FAIL") {
		t.Fatalf("shipped scenarios: %v\n%s", err, out)
	}
	t.Log(out)

	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(shipped, "webinar-viewer.json"))
	if err != nil {
		t.Fatal(err)
	}
	// A marketer's expectation that the viewer gets the replay instead: wrong.
	wrong := strings.Replace(string(raw), `"+2h watched?:ok → Watched"`, `"+2h watched?:ok → else"`, 1)
	if wrong == string(raw) {
		t.Fatal("the shipped scenario changed shape; update this test")
	}
	path := filepath.Join(dir, "wrong.json")
	if err := os.WriteFile(path, []byte(wrong), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = cliRun(t, "test", dir)
	if err == nil || !strings.Contains(err.Error(), "1 of 1 scenarios failed") {
		t.Fatalf("a wrong expectation passed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "FAIL Webinar") || !strings.Contains(out, "- +2h watched?:ok → else") || !strings.Contains(out, "+ +2h watched?:ok → Watched") {
		t.Fatalf("no diff on failure:\n%s", out)
	}
	if out, _, err = cliRun(t, "test", "--update", path); err != nil || !strings.Contains(out, "updated") {
		t.Fatalf("--update: %v\n%s", err, out)
	}
	if out, _, err = cliRun(t, "test", path); err != nil || !strings.HasPrefix(out, "ok ") {
		t.Fatalf("after --update: %v\n%s", err, out)
	}
	if _, _, err := cliRun(t, "test", filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing path passed")
	}
	if _, _, err := cliRun(t, "test", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no scenario files") {
		t.Fatalf("an empty folder: %v", err)
	}
}
