package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flowdesk/flowdesk/backend/store"
)

//go:embed migrations/*.up.sql
var migrations embed.FS

// migrateLock is the advisory lock key processes starting at once take, so one migrates and
// the others then see its records ("flowdesk" in ASCII).
const migrateLock = 0x666c6f776465736b

// migrationsTable records each applied migration: its number, file name and when it was
// applied (unix milliseconds, by the server's clock), as SQLite's migrator records its own
// (backend/store/migrate.go). flowdesk_schema's version alone (the highest applied) cannot tell
// that a lower number landed after a higher one was applied, as happens when two branches add
// migrations at once; the table can, and the missing one is applied. flowdesk_schema is still
// kept at the highest applied, so an older flowdesk, which reads only it, refuses a newer
// database as before.
const migrationsTable = "flowdesk_migrations"

// Latest is the schema version this flowdesk's migrations reach.
func Latest() int {
	ms, err := store.Migrations(migrations)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// goSteps run after a migration's SQL in its transaction, for what SQL cannot compute.
var goSteps = map[int]func(context.Context, pgx.Tx) error{
	14: seedChoiceOptions,
	17: seedChoiceOptions, // the properties made Seeded after 0014
}

// seedChoiceOptions is migrations 0014's and 0017's step: the Seeded built-in choice properties
// without options get their standard options plus the values their records hold
// (store.SeedChoiceOptions, as SQLite's 0034 and 0037).
func seedChoiceOptions(ctx context.Context, tx pgx.Tx) error {
	return store.SeedChoiceOptions(
		func(object, name string) (string, string, bool, error) {
			var typ, opts string
			err := tx.QueryRow(ctx, "SELECT type, options FROM properties WHERE object = $1 AND name = $2", object, name).Scan(&typ, &opts)
			if errors.Is(err, pgx.ErrNoRows) {
				return "", "", false, nil
			}
			return typ, opts, err == nil, err
		},
		func(object, name string) ([]string, error) {
			rows, err := tx.Query(ctx, "SELECT DISTINCT properties::jsonb ->> $1 FROM records WHERE type = $2 AND jsonb_typeof(properties::jsonb -> $1) IN ('string', 'number')", name, object)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[string])
		},
		func(object, name, options string) error {
			_, err := tx.Exec(ctx, "UPDATE properties SET options = $1 WHERE object = $2 AND name = $3", options, object, name)
			return err
		})
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrateFS(ctx, pool, migrations, goSteps)
}

// migrateFS applies every migration of fsys not recorded in flowdesk_migrations, in version
// order, all in one transaction under the advisory lock: processes starting together migrate
// once, and a failure (or a newer schema) leaves the database as it was, since PostgreSQL's DDL
// is transactional. A database from before the table (flowdesk_schema's version only) is
// adopted: the migrations up to its version are recorded as applied, as the old migrator
// applied them in order. A version above this flowdesk's highest, or a recorded migration it
// does not have, means a newer flowdesk wrote the database: it is refused.
func migrateFS(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, steps map[int]func(context.Context, pgx.Tx) error) error {
	ms, err := store.Migrations(fsys)
	if err != nil {
		return err
	}
	latest := 0
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
		latest = max(latest, m.Version)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		current, err := readVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > latest {
			return fmt.Errorf("%w: schema version %d is newer than this flowdesk's (%d); upgrade flowdesk to the version that wrote it, or point --db at another database", ErrSchema, current, latest)
		}
		hasSchema, err := tableExists(ctx, tx, "flowdesk_schema")
		if err != nil {
			return err
		}
		if !hasSchema {
			if err := refuseForeign(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "CREATE TABLE flowdesk_schema (version BIGINT NOT NULL); INSERT INTO flowdesk_schema (version) VALUES (0)"); err != nil {
				return fmt.Errorf("create the schema version table: %w", err)
			}
		}
		hasRecords, err := tableExists(ctx, tx, migrationsTable)
		if err != nil {
			return err
		}
		if !hasRecords {
			if err := adopt(ctx, tx, ms, current); err != nil {
				return err
			}
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, v := range applied {
			if !known[v] {
				return fmt.Errorf("%w: the database has migration %d applied, which this flowdesk (migrations up to %d) does not have: a newer flowdesk wrote it; upgrade flowdesk to the version that wrote it, or point --db at another database", ErrSchema, v, latest)
			}
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			body, err := fs.ReadFile(fsys, "migrations/"+m.Name)
			if err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if step := steps[m.Version]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", m.Name, err)
				}
			}
			if err := record(ctx, tx, m); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE flowdesk_schema SET version = GREATEST(version, $1)", m.Version); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// adopt creates flowdesk_migrations and records the migrations up to version as applied.
func adopt(ctx context.Context, tx pgx.Tx, ms []store.Migration, version int) error {
	if _, err := tx.Exec(ctx, "CREATE TABLE "+migrationsTable+" (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	for _, m := range ms {
		if m.Version > version {
			break
		}
		if err := record(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// record notes m as applied now (the transaction's time on the server's clock).
func record(ctx context.Context, tx pgx.Tx, m store.Migration) error {
	if _, err := tx.Exec(ctx, "INSERT INTO "+migrationsTable+" (version, name, applied_at) VALUES ($1, $2, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT)", m.Version, m.Name); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	return nil
}

// appliedVersions lists the recorded migrations' numbers.
func appliedVersions(ctx context.Context, tx pgx.Tx) ([]int, error) {
	rows, err := tx.Query(ctx, "SELECT version FROM "+migrationsTable+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return vs, nil
}

// tableExists reports whether the current schema has the table.
func tableExists(ctx context.Context, tx pgx.Tx, name string) (bool, error) {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look for the table %s: %w", name, err)
	}
	return exists, nil
}

// readVersion is the applied version, 0 for a database Flowdesk has not used yet.
func readVersion(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('flowdesk_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT version FROM flowdesk_schema").Scan(&v); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, nil
		}
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// refuseForeign refuses a database that holds tables of something else: Flowdesk's tables
// would land between them (or clash with them).
func refuseForeign(ctx context.Context, tx pgx.Tx) error {
	var n int
	var sample string
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(table_name), '') FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`).Scan(&n, &sample)
	if err != nil {
		return fmt.Errorf("look at the database's tables: %w", err)
	}
	if n > 0 {
		what := fmt.Sprintf("a table of something else (%s)", sample)
		if n > 1 {
			what = fmt.Sprintf("%d tables of something else (%s, ...)", n, sample)
		}
		return fmt.Errorf("%w: the database holds %s and no Flowdesk schema; create an empty database for Flowdesk (createdb flowdesk) and point --db at it", ErrSchema, what)
	}
	return nil
}

func schemaVersion(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	return readVersion(ctx, pool)
}
