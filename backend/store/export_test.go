package store

import (
	"context"
	"database/sql"
	"testing/fstest"
)

// ExecLater runs a statement as the store runs one whose answer it does not read (held for the
// next round trip on PostgreSQL), for the pipeline's tests.
func ExecLater(tx Tx, query string, args ...any) error { return tx.(*sqlTx).execLater(query, args...) }

// MigrateSQLiteUpTo applies the shipped migrations up to version (with their Go steps) to a
// plain connection; Open applies the rest.
func MigrateSQLiteUpTo(ctx context.Context, w *sql.DB, version int) error {
	all, err := Migrations(migrations)
	if err != nil {
		return err
	}
	older := fstest.MapFS{}
	for _, m := range all {
		if m.Version > version {
			continue
		}
		b, err := migrations.ReadFile("migrations/" + m.Name)
		if err != nil {
			return err
		}
		older["migrations/"+m.Name] = &fstest.MapFile{Data: b}
	}
	return migrateSQLite(ctx, w, older, goSteps)
}
