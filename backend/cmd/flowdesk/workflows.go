package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// openStore opens the database, explaining a lock held by a running flowdesk.
func openStore(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w: stop the running flowdesk (or use its API) first", err)
	}
	return db, err
}

// mustExist refuses to work on a database file that is not there (a mistyped --db would
// otherwise create an empty one).
func mustExist(path string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database at %s (check --db)", path)
		}
		return err
	}
	return nil
}

func openEngine(ctx context.Context, path string) (*store.DB, *engine.Engine, error) {
	db, err := openStore(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(ctx, db, engine.Options{EventTypes: func(ctx context.Context) ([]string, error) { return hook.EventTypes(ctx, db) }})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, eng, nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file (created if missing)")
	enable := fs.Bool("enable", false, "switch the imported workflows on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("import: name one or more workflow JSON files")
	}
	// Read and parse every file before touching the database, so a typo in the last file
	// does not leave the first ones imported.
	files := make([]importFile, 0, fs.NArg())
	for _, path := range fs.Args() {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		def, err := workflow.Parse(raw)
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		files = append(files, importFile{path: path, raw: raw, def: def})
	}
	db, eng, err := openEngine(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, f := range importOrder(files) {
		w, err := importOne(ctx, db, eng, f.raw)
		if err != nil {
			return fmt.Errorf("import %s: %w", f.path, describe(err))
		}
		if *enable {
			if _, err := eng.Workflows().Enable(ctx, w.ID); err != nil {
				return fmt.Errorf("enable %s: %w", w.ID, describe(err))
			}
		}
		fmt.Fprintf(stdout, "imported %s (%s) revision %d\n", w.ID, w.Name, w.Revision)
		for _, p := range w.Problems { // only warnings: importOne refuses errors
			fmt.Fprintf(stdout, "  warning: %s%s\n", where(p), p.Message)
		}
	}
	return nil
}

// importFile is one workflow file named on the command line.
type importFile struct {
	path string
	raw  []byte
	def  *workflow.Definition
}

// importOrder sorts files so a workflow comes after the workflows its enroll steps name (which
// must exist for it to validate), keeping the command-line order otherwise. Workflows that
// enroll into each other in a cycle keep their order; validation then names the missing one.
func importOrder(files []importFile) []importFile {
	index := map[string]int{}
	for i, f := range files {
		if f.def.ID != "" {
			index[f.def.ID] = i
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(files))
	out := make([]importFile, 0, len(files))
	var visit func(i int)
	visit = func(i int) {
		if state[i] != unvisited {
			return
		}
		state[i] = visiting
		for _, s := range files[i].def.Steps {
			if s.Type != workflow.StepEnroll {
				continue
			}
			if j, ok := index[s.Workflow]; ok && j != i {
				visit(j)
			}
		}
		state[i] = done
		out = append(out, files[i])
	}
	for i := range files {
		visit(i)
	}
	return out
}

// importOne creates the workflow, or replaces the definition of an existing one with its id.
// Unlike a save in the editor, an import never stores a draft: a file with errors is refused
// (warnings are printed), so a script learns at once that a file needs fixing.
func importOne(ctx context.Context, db *store.DB, eng *engine.Engine, raw []byte) (*engine.Saved, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, err
	}
	problems, err := eng.Workflows().Validate(ctx, raw)
	if err != nil {
		return nil, err
	}
	if len(workflow.Errors(problems)) > 0 {
		return nil, engine.InvalidWorkflow("", problems)
	}
	if def.ID != "" {
		if _, err := db.Workflow(ctx, def.ID); err == nil {
			return eng.Workflows().Update(ctx, def.ID, raw, 0)
		}
	}
	return eng.Workflows().Create(ctx, raw)
}

// describe spells out every validation problem, one per line.
func describe(err error) error {
	var ve *problem.Error
	if !errors.As(err, &ve) || ve.Code != problem.CodeWorkflow {
		return err
	}
	msg := fmt.Sprintf("%d problem(s):", len(ve.Problems))
	if ve.Reason != "" {
		msg = ve.Reason + " " + msg
	}
	for _, p := range ve.Problems {
		w := where(p)
		if p.IsWarning() {
			w = "warning: " + w
		}
		msg += "\n  - " + w + p.Message
	}
	return errors.New(msg)
}

// where is "[step or trigger id] " for a problem that concerns one, else "".
func where(p workflow.Problem) string {
	w := p.Step
	if w == "" {
		w = p.Trigger
	}
	if w == "" {
		return ""
	}
	return "[" + w + "] "
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file (must exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("export: name exactly one workflow id")
	}
	if err := mustExist(*dbPath); err != nil {
		return err
	}
	db, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := db.Workflow(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	def, err := workflow.Parse(w.Definition)
	if err != nil {
		return fmt.Errorf("export %s: %w", w.ID, err)
	}
	// Secrets are written as "[hidden]": importing the file over the same workflow keeps them;
	// a fresh import asks for them.
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(def.MaskSecrets())
}

func runOnce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run-once", stderr)
	dbPath := fs.String("db", defaultDB(), "SQLite database file (must exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := mustExist(*dbPath); err != nil {
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
	enrolled, err := eng.RunSchedules(ctx) // schedules that came due while nothing ran
	if err != nil {
		return err
	}
	n, err := eng.RunDue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled %d record(s) by schedule, ran %d job(s)\n", enrolled, n)
	return nil
}
