package postgres

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ElectEveryFor is Elect with its own pace, so tests need not wait whole seconds per round.
var ElectEveryFor = elect

// MigrateFS is the migrator over migrations of the test's own (without Go steps).
func MigrateFS(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) error {
	return migrateFS(ctx, pool, fsys, nil)
}

// MigrateUpTo applies the shipped migrations up to version, with their Go steps; Migrate (at
// open) applies the rest.
func MigrateUpTo(ctx context.Context, pool *pgxpool.Pool, version int) error {
	ms, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return err
	}
	sub := map[string]bool{}
	for _, e := range ms {
		var n int
		for _, c := range e.Name() {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if n <= version {
			sub[e.Name()] = true
		}
	}
	return migrateFS(ctx, pool, filtered{migrations, sub}, goSteps)
}

// filtered is an fs.FS showing only some of the migrations.
type filtered struct {
	fs.ReadDirFS
	keep map[string]bool
}

func (f filtered) ReadDir(name string) ([]fs.DirEntry, error) {
	all, err := f.ReadDirFS.ReadDir(name)
	var out []fs.DirEntry
	for _, e := range all {
		if f.keep[e.Name()] {
			out = append(out, e)
		}
	}
	return out, err
}
