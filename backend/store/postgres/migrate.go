package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.up.sql
var migrations embed.FS

// migrateLock is the advisory lock key processes starting at once take, so one migrates and
// the others then see the new version ("flowdesk" in ASCII).
const migrateLock = 0x666c6f776465736b

type migration struct {
	version int
	name    string
}

// all lists the embedded migrations in version order.
func all() ([]migration, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a number", e.Name())
		}
		out = append(out, migration{n, e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Latest is the schema version this flowdesk's migrations reach.
func Latest() int {
	ms, err := all()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the pending migrations in one transaction under the advisory lock: a failure
// (or a newer schema) leaves the database as it was. PostgreSQL's DDL is transactional.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := all()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		current, err := readVersion(ctx, tx)
		if err != nil {
			return err
		}
		latest := ms[len(ms)-1].version
		if current > latest {
			return fmt.Errorf("%w: schema version %d is newer than this flowdesk's (%d); upgrade flowdesk to the version that wrote it, or point --db at another database", ErrSchema, current, latest)
		}
		if current == 0 {
			if err := refuseForeign(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "CREATE TABLE flowdesk_schema (version BIGINT NOT NULL)"); err != nil {
				return fmt.Errorf("create the schema version table: %w", err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO flowdesk_schema (version) VALUES (0)"); err != nil {
				return fmt.Errorf("create the schema version table: %w", err)
			}
		}
		for _, m := range ms {
			if m.version <= current {
				continue
			}
			body, err := migrations.ReadFile("migrations/" + m.name)
			if err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "UPDATE flowdesk_schema SET version = $1", m.version); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
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
