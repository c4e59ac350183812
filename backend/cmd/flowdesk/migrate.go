package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowdesk/flowdesk/backend/bench"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
)

// dataTables are the tables whose rows mean a database is in use; a fresh database has only
// the rows its migrations seed (object types, properties, association types).
var dataTables = []string{"workflows", "records", "events", "enrollments", "lists", "hook_endpoints", "email_templates", "api_tokens", "settings"}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	from := fs.String("from", "", "the database to copy: a SQLite file (flowdesk.db) or postgres://user:password@host:5432/database")
	to := fs.String("to", "", "the database to copy into: postgres://... or a SQLite file (created if missing)")
	replace := fs.Bool("replace", false, "delete what the target holds first (without it, a target with workflows, records or events is refused)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if *from == "" {
		problems = append(problems, "--from is missing: give the database to copy (a SQLite file or postgres://...)")
	} else if !postgres.IsDSN(*from) {
		if _, err := os.Stat(*from); err != nil {
			problems = append(problems, fmt.Sprintf("--from %s: no such database file; give the path of flowdesk.db (serve prints it when it starts)", *from))
		}
	}
	if *to == "" {
		problems = append(problems, "--to is missing: give the database to copy into (postgres://... or a SQLite file)")
	}
	if *from != "" && *from == *to {
		problems = append(problems, "--to is the same database as --from: copy into another one")
	}
	if len(problems) > 0 {
		return fmt.Errorf("migrate: %s", strings.Join(problems, "; "))
	}
	src, err := openAny(ctx, *from)
	if err != nil {
		return fmt.Errorf("migrate --from: %w", err)
	}
	defer src.Close()
	dst, err := openAny(ctx, *to)
	if err != nil {
		return fmt.Errorf("migrate --to: %w", err)
	}
	defer dst.Close()
	return copyDatabase(ctx, src, dst, *replace, stdout, stderr)
}

// openAny opens a SQLite file or, for a postgres:// address, the PostgreSQL store; both are
// migrated to this flowdesk's schema first.
func openAny(ctx context.Context, target string) (*store.DB, error) {
	if postgres.IsDSN(target) {
		db, err := postgres.Open(ctx, target, store.Options{})
		if err != nil {
			return nil, err
		}
		return db.DB, nil
	}
	return store.Open(ctx, target, store.Options{})
}

// copyDatabase copies every table of src into dst in one transaction of dst, with a progress
// bar, then compares the row counts of every table.
func copyDatabase(ctx context.Context, src, dst *store.DB, replace bool, stdout, stderr io.Writer) error {
	srcTables, err := src.CopyTables(ctx)
	if err != nil {
		return err
	}
	dstTables, err := dst.CopyTables(ctx)
	if err != nil {
		return err
	}
	have := map[string]store.CopyTable{}
	for _, t := range srcTables {
		have[t.Name] = t
	}
	var problems []string
	for _, t := range srcTables {
		if !hasTable(dstTables, t.Name) {
			problems = append(problems, fmt.Sprintf("table %s is not in %s", t.Name, dst.Path()))
		}
	}
	type plan struct {
		table store.CopyTable
		cols  []store.CopyColumn // the target's columns that the source has
		names []string           // their names
		rows  int64
	}
	var plans []plan
	var total int64
	for _, t := range dstTables {
		s, ok := have[t.Name]
		if !ok {
			continue // a table the source does not have stays empty
		}
		p := plan{table: t}
		for _, c := range t.Columns {
			if hasColumn(s, c.Name) {
				p.cols, p.names = append(p.cols, c), append(p.names, c.Name)
			}
		}
		for _, c := range s.Columns {
			if !hasColumn(t, c.Name) {
				problems = append(problems, fmt.Sprintf("column %s.%s is not in %s", t.Name, c.Name, dst.Path()))
			}
		}
		if p.rows, err = src.CountRows(ctx, t.Name); err != nil {
			return err
		}
		total += p.rows
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("migrate: the two databases' schemas differ, nothing was copied (run the same flowdesk version on both): %s", strings.Join(problems, "; "))
	}
	if !replace {
		var used []string
		for _, name := range dataTables {
			if !hasTable(dstTables, name) {
				continue
			}
			n, err := dst.CountRows(ctx, name)
			if err != nil {
				return err
			}
			if n > 0 {
				used = append(used, fmt.Sprintf("%d %s", n, name))
			}
		}
		if len(used) > 0 {
			return fmt.Errorf("migrate --to %s: it already holds %s; nothing was copied. Copy into an empty database, or add --replace to delete what it holds first", dst.Path(), strings.Join(used, ", "))
		}
	}

	fmt.Fprintf(stdout, "copying %s rows in %d tables from %s to %s\n", thousands(total), len(plans), src.Path(), dst.Path())
	progress := bench.NewLabeledProgress(stderr, bench.IsTerminal(stderr), "migrate")
	phase := progress.Phase("copy rows", int(total))
	err = dst.CopyInto(ctx, dstTables, func(w *store.CopyWriter) error {
		if err := w.Clear(dstTables); err != nil {
			return err
		}
		for _, p := range plans {
			if err := src.ReadRows(ctx, p.table.Name, p.names, 1000, func(rows [][]any) error {
				if err := w.Insert(p.table, p.cols, rows); err != nil {
					return err
				}
				phase.Add(len(rows))
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	phase.Done()
	if err != nil {
		return fmt.Errorf("migrate: %w; nothing was copied (%s is as it was)", err, dst.Path())
	}

	// The check: every table holds as many rows in both.
	var mismatched []string
	fmt.Fprintf(stdout, "%-24s %12s %12s\n", "table", "source", "copy")
	for _, p := range plans {
		n, err := dst.CountRows(ctx, p.table.Name)
		if err != nil {
			return err
		}
		mark := ""
		if n != p.rows {
			mark = "  MISMATCH"
			mismatched = append(mismatched, p.table.Name)
		}
		fmt.Fprintf(stdout, "%-24s %12s %12s%s\n", p.table.Name, thousands(p.rows), thousands(n), mark)
	}
	if len(mismatched) > 0 {
		return errors.New("migrate: the row counts differ in " + strings.Join(mismatched, ", ") + " (did a process write to the source meanwhile? stop serve and workers, then copy again with --replace)")
	}
	fmt.Fprintf(stdout, "copied: every table's row count matches (%s rows)\n", thousands(total))
	return nil
}

func hasTable(ts []store.CopyTable, name string) bool {
	for _, t := range ts {
		if t.Name == name {
			return true
		}
	}
	return false
}

func hasColumn(t store.CopyTable, name string) bool {
	for _, c := range t.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// thousands formats n with thousands separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
