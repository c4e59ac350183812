package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/bench"
	"github.com/flowdesk/flowdesk/backend/settings"
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
	replace := fs.Bool("replace", false, "delete what the target holds first (without it, a target with workflows, records or events is refused); a secret the target's file holds with another value is overwritten")
	fromSecrets := fs.String("from-secrets", os.Getenv("FLOWDESK_SECRETS"), "the secrets file of --from, as serve finds it (default $FLOWDESK_SECRETS, else secrets.json beside a SQLite file, else flowdesk/secrets.json in the user's config directory)")
	toSecrets := fs.String("to-secrets", os.Getenv("FLOWDESK_SECRETS"), "the secrets file that serve and workers of --to will read; the secrets are copied into it (default: found as for --from-secrets)")
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
	// The secrets (SMTP password, SMS token, Slack webhook) are not in the database; a conflict
	// is found before anything is copied.
	secrets, err := planSecrets(*from, *to, *fromSecrets, *toSecrets, *replace)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
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
	if err := copyDatabase(ctx, src, dst, *replace, stdout, stderr); err != nil {
		return err
	}
	return secrets.copy(stdout)
}

// secretsCopy is the plan for the secrets file: the values to write into the target's file.
type secretsCopy struct {
	from, to *settings.FileSecrets
	values   map[string]string // what to write (the source's secrets the target lacks or holds otherwise)
	names    []string          // every secret the source has, sorted
}

// planSecrets finds both secrets files as serve would and what copying means, refusing (before
// anything is written) a target file that holds another value for one of the source's secrets
// unless replace says to overwrite it.
func planSecrets(from, to, fromGiven, toGiven string, replace bool) (*secretsCopy, error) {
	src, err := settings.OpenSecrets(from, postgres.IsDSN(from), fromGiven)
	if err != nil {
		return nil, fmt.Errorf("--from-secrets: %w", err)
	}
	dst, err := settings.OpenSecrets(to, postgres.IsDSN(to), toGiven)
	if err != nil {
		return nil, fmt.Errorf("--to-secrets: %w", err)
	}
	plan := &secretsCopy{from: src, to: dst, values: map[string]string{}}
	if src.Path() == dst.Path() {
		return plan, nil
	}
	have, err := src.All()
	if err != nil {
		return nil, fmt.Errorf("--from-secrets: %w", err)
	}
	there, err := dst.All()
	if err != nil {
		return nil, fmt.Errorf("--to-secrets: %w", err)
	}
	var differ []string
	for name, v := range have {
		plan.names = append(plan.names, name)
		old, ok := there[name]
		switch {
		case !ok:
			plan.values[name] = v
		case old != v && replace:
			plan.values[name] = v
		case old != v:
			differ = append(differ, name)
		}
	}
	sort.Strings(plan.names)
	if len(differ) > 0 {
		sort.Strings(differ)
		return nil, fmt.Errorf("--to-secrets %s already holds another %s than %s; nothing was copied. Add --replace to overwrite it, or give --to-secrets a file of its own", dst.Path(), strings.Join(differ, ", "), src.Path())
	}
	return plan, nil
}

// copy writes the planned secrets in one atomic write and says where serve will find them.
func (p *secretsCopy) copy(stdout io.Writer) error {
	switch {
	case p.from.Path() == p.to.Path():
		fmt.Fprintf(stdout, "secrets: both databases read %s; nothing to copy\n", p.to.Path())
		return nil
	case len(p.names) == 0:
		fmt.Fprintf(stdout, "secrets: none are set in %s; nothing to copy\n", p.from.Path())
		return nil
	}
	if len(p.values) > 0 {
		if err := p.to.Merge(p.values); err != nil {
			return fmt.Errorf("migrate: the database was copied, the secrets were not: %w; copy %s by hand or run migrate again with --replace", err, p.from.Path())
		}
	}
	fmt.Fprintf(stdout, "secrets: %s copied from %s to %s; start serve and every worker of the copy with --secrets %s\n",
		strings.Join(p.names, ", "), p.from.Path(), p.to.Path(), p.to.Path())
	return nil
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
