package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/ident"
)

//go:embed migrations/*.up.sql
var migrations embed.FS

// migrationsTable records each applied migration: its number, file name and when it was applied
// (applied_at, unix milliseconds by SQLite's clock; 0 for a record made before the column was
// kept). PostgreSQL's migrator keeps the same table. PRAGMA user_version alone (the
// highest applied) cannot tell that a lower number landed after a higher one was applied, as
// happens when two branches add migrations at once; the table can, and the missing one is
// applied. user_version is still kept at the highest applied, so an older flowdesk, which reads
// only it, refuses a newer database as before.
const migrationsTable = "flowdesk_migrations"

// recordMigration notes a migration (version, name) as applied now.
const recordMigration = "INSERT INTO " + migrationsTable + " (version, name, applied_at) VALUES (?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"

// Migration is one migration file of a "migrations" directory: NNNN_what.up.sql.
type Migration struct {
	Version int    // its number, NNNN
	Name    string // its file name
}

// Migrations lists the migrations of fsys (a "migrations" directory) in version order, and
// refuses a name without a number or two files with one number. SQLite's migrator and
// PostgreSQL's (backend/store/postgres) both list theirs with it.
func Migrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var all []Migration
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a number", e.Name())
		}
		all = append(all, Migration{n, e.Name()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Version < all[j].Version })
	for i := 1; i < len(all); i++ {
		if all[i].Version == all[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share the number %d", all[i-1].Name, all[i].Name, all[i].Version)
		}
	}
	return all, nil
}

func (db *DB) migrate(ctx context.Context) error {
	return migrateSQLite(ctx, db.w, migrations, goSteps)
}

// migrateSQLite applies every migration of fsys not recorded in flowdesk_migrations, in version
// order, each in its own transaction together with its record, so a crash mid-migration leaves
// it unapplied. A database from before the table (user_version set, no table) is adopted: the
// migrations up to its user_version are recorded as applied, since the old migrator applied
// them in order. A recorded migration this flowdesk does not have means a newer flowdesk wrote
// the database: it is refused and left untouched.
func migrateSQLite(ctx context.Context, w *sql.DB, fsys fs.FS, steps map[int]func(context.Context, *sql.Tx) error) error {
	all, err := Migrations(fsys)
	if err != nil {
		return err
	}
	latest := 0
	known := map[int]bool{}
	for _, m := range all {
		known[m.Version] = true
		latest = max(latest, m.Version)
	}
	var current int
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("database schema version %d is newer than this flowdesk (%d); upgrade flowdesk", current, latest)
	}
	var hasTable int
	if err := w.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", migrationsTable).Scan(&hasTable); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	if hasTable == 0 {
		if err := adopt(ctx, w, all, current); err != nil {
			return err
		}
	}
	applied := map[int]bool{}
	rows, err := w.QueryContext(ctx, "SELECT version FROM "+migrationsTable)
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read applied migrations: %w", err)
		}
		applied[v] = true
		if !known[v] {
			rows.Close()
			return fmt.Errorf("database has migration %d applied, which this flowdesk (migrations up to %d) does not have: a newer flowdesk wrote it; upgrade flowdesk", v, latest)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	// The table as the first recording migrator made it, without applied_at.
	var hasAppliedAt int
	if err := w.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = 'applied_at'", migrationsTable).Scan(&hasAppliedAt); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	if hasAppliedAt == 0 {
		if _, err := w.ExecContext(ctx, "ALTER TABLE "+migrationsTable+" ADD COLUMN applied_at INTEGER NOT NULL DEFAULT 0"); err != nil {
			return fmt.Errorf("add applied_at to the migrations table: %w", err)
		}
	}
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		if err := apply(ctx, w, fsys, m, steps[m.Version], max(current, m.Version)); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		current = max(current, m.Version)
	}
	return nil
}

// adopt creates flowdesk_migrations and records the migrations up to userVersion as applied.
func adopt(ctx context.Context, w *sql.DB, all []Migration, userVersion int) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE "+migrationsTable+" (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"); err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	for _, m := range all {
		if m.Version > userVersion {
			break
		}
		if _, err := tx.ExecContext(ctx, recordMigration, m.Version, m.Name); err != nil {
			return fmt.Errorf("record migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	return nil
}

// apply runs one migration, its Go step and its record in one transaction, and sets
// user_version to the highest applied.
func apply(ctx context.Context, w *sql.DB, fsys fs.FS, m Migration, step func(context.Context, *sql.Tx) error, highest int) error {
	body, err := fs.ReadFile(fsys, "migrations/"+m.Name)
	if err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if step != nil {
		if err := step(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, recordMigration, m.Version, m.Name); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", highest)); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the applied migration version.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if db.server != nil {
		return db.server.SchemaVersion(ctx)
	}
	var v int
	if err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// goSteps run after a migration's SQL in its transaction, for what SQL cannot compute.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	12: backfillEmailKeys,
	34: seedChoiceOptions,
	37: seedChoiceOptions, // the properties made Seeded after 0034
}

// backfillEmailKeys gives non-ASCII addresses their Unicode-folded key. An address whose key
// another record of its type already holds keeps its ASCII key, so no record is lost; the two
// stay separate, as they were before.
func backfillEmailKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, type, email FROM records WHERE email IS NOT NULL AND email GLOB '*[^ -~]*'")
	if err != nil {
		return err
	}
	type row struct {
		id         int64
		typ, email string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.typ, &r.email); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range todo {
		var taken int
		key := ident.EmailKey(r.email)
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM records WHERE type = ? AND email_key = ? AND id != ?", r.typ, key, r.id).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE records SET email_key = ? WHERE id = ?", key, r.id); err != nil {
			return err
		}
	}
	return nil
}
