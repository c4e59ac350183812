package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

func openEngine(ctx context.Context, path string) (*store.DB, *engine.Engine, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, nil, fmt.Errorf("%w: stop the running flowdesk (or use its API) first", err)
		}
		return nil, nil, err
	}
	eng, err := engine.New(ctx, db, engine.Options{})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, eng, nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file")
	enable := fs.Bool("enable", false, "switch the imported workflows on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("import: name one or more workflow JSON files")
	}
	db, eng, err := openEngine(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		w, err := importOne(ctx, eng, raw)
		if err != nil {
			return fmt.Errorf("import %s: %w", file, describe(err))
		}
		if *enable {
			if _, err := eng.EnableWorkflow(ctx, w.ID); err != nil {
				return fmt.Errorf("enable %s: %w", w.ID, describe(err))
			}
		}
		fmt.Fprintf(stdout, "imported %s (%s) revision %d\n", w.ID, w.Name, w.Revision)
	}
	return nil
}

// importOne creates the workflow, or replaces the definition of an existing one with its id.
func importOne(ctx context.Context, eng *engine.Engine, raw []byte) (*store.Workflow, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, err
	}
	if def.ID != "" {
		if _, err := eng.DB().Workflow(ctx, def.ID); err == nil {
			return eng.UpdateWorkflow(ctx, def.ID, raw, 0)
		}
	}
	return eng.CreateWorkflow(ctx, raw)
}

// describe spells out every validation problem, one per line.
func describe(err error) error {
	var ve *engine.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	msg := fmt.Sprintf("%d problem(s):", len(ve.Problems))
	for _, p := range ve.Problems {
		where := p.Step
		if where == "" {
			where = p.Trigger
		}
		if where != "" {
			where = "[" + where + "] "
		}
		msg += "\n  - " + where + p.Message
	}
	return errors.New(msg)
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("export: name exactly one workflow id")
	}
	db, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := db.Workflow(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(w.Definition, &v); err != nil {
		return fmt.Errorf("export %s: %w", w.ID, err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runOnce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run-once", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, eng, err := openEngine(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := eng.Recover(ctx); err != nil {
		return err
	}
	n, err := eng.RunDue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ran %d job(s)\n", n)
	return nil
}
