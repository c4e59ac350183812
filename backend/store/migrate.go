package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/ident"
)

//go:embed migrations/*.up.sql
var migrations embed.FS

// migrate applies every embedded migration newer than PRAGMA user_version, each in its own
// transaction together with the version bump, so a crash mid-migration leaves the old version.
func (db *DB) migrate(ctx context.Context) error {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var all []mig
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %q: name must start with a number", e.Name())
		}
		all = append(all, mig{n, e.Name()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	var current int
	if err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if len(all) > 0 && current > all[len(all)-1].version {
		return fmt.Errorf("database schema version %d is newer than this flowdesk (%d); upgrade flowdesk", current, all[len(all)-1].version)
	}
	for _, m := range all {
		if m.version <= current {
			continue
		}
		body, err := migrations.ReadFile("migrations/" + m.name)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if step := goSteps[m.version]; step != nil {
			if err := step(ctx, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
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
