package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/demo"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// runTest runs workflow test scenarios through the simulator: a line per scenario, a diff of
// expected and actual on failure, and an error (exit code 2) when any fails.
func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("test", stderr)
	dbPath := fs.String("db", "", "test against this database's workflows, email templates and properties (only read; default: a scratch database with the demo loaded)")
	secrets := secretsFlag(fs)
	update := fs.Bool("update", false, "rewrite each scenario's \"expect\" with what it produced")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("test: give scenario files or folders, like testdata/scenarios/")
	}
	files, err := scenarioFiles(fs.Args())
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("test: no scenario files (*.json) in %s", strings.Join(fs.Args(), " "))
	}

	var db *store.DB
	if *dbPath != "" {
		if err := mustExist(*dbPath); err != nil {
			return err
		}
		if db, err = openStore(ctx, *dbPath); err != nil {
			return err
		}
	} else {
		dir, err := os.MkdirTemp("", "flowdesk-test-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if db, err = store.Open(ctx, filepath.Join(dir, "flowdesk.db"), store.Options{Synchronous: "OFF"}); err != nil {
			return err
		}
	}
	defer db.Close()
	eventTypes := func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, db) }
	eng, err := engine.New(ctx, db, engine.Options{EventTypes: eventTypes})
	if err != nil {
		return err
	}
	if *dbPath == "" {
		if _, _, err := demo.Load(ctx, db, eng, hook.New(db, eng, hook.Options{}).Endpoints()); err != nil {
			return fmt.Errorf("load the demo: %w", err)
		}
	}
	st, err := settings.Open(db, *secrets)
	if err != nil {
		return secretsFlagErr(err)
	}
	sim := simulate.New(simulate.Options{DB: db, Engine: eng, Actions: action.Config{DB: db, Settings: st}, EventTypes: eventTypes})

	failed := 0
	for _, path := range files {
		sc, err := simulate.LoadScenario(path)
		if err != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", path, err)
			failed++
			continue
		}
		actual, err := sim.Actual(ctx, path, sc)
		if err != nil {
			fmt.Fprintf(stdout, "FAIL %s (%s): %v\n", sc.Name, path, err)
			failed++
			continue
		}
		if *update {
			sc.Expect = actual
			if err := simulate.WriteScenario(path, sc); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "updated %s (%s): %s, %d steps\n", sc.Name, path, actual.Outcome, len(actual.Timeline))
			continue
		}
		if d := simulate.Diff(sc.Expect, actual); len(d) > 0 {
			fmt.Fprintf(stdout, "FAIL %s (%s)\n", sc.Name, path)
			for _, l := range d {
				fmt.Fprintln(stdout, "    "+l)
			}
			failed++
			continue
		}
		fmt.Fprintf(stdout, "ok   %s (%s): %s\n", sc.Name, path, actual.Outcome)
	}
	if failed > 0 {
		return fmt.Errorf("test: %d of %d scenarios failed", failed, len(files))
	}
	fmt.Fprintf(stdout, "%d scenarios passed\n", len(files))
	return nil
}

// scenarioFiles expands folders to the *.json files in them, sorted.
func scenarioFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("test: %w", err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}
