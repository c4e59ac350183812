package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ListImport is a CSV import into a static list and how far it got.
type ListImport struct {
	ID        int64
	List      string
	Status    string
	Spec      json.RawMessage
	Body      []byte
	Total     int
	Cursor    int
	Created   int
	Updated   int
	Unchanged int
	Joined    int
	Failed    int
	Error     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Import statuses.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
	// ImportCancelled is an import stopped by hand: the rows before Cursor are written, the
	// rest was not read. Stored as done with cancelled_at (see migration 0027).
	ImportCancelled = "cancelled"
)

// ImportError is one row of an import that was not written, and why.
type ImportError struct {
	Row     int
	Field   string
	Message string
}

const importCols = "id, list, status, spec, total, cursor, created, updated, unchanged, joined, failed, error, created_at, updated_at, cancelled_at IS NOT NULL"

func scanImport(row rowScanner) (*ListImport, error) {
	var im ListImport
	var spec string
	var created, updated int64
	var cancelled bool
	if err := row.Scan(&im.ID, &im.List, &im.Status, &spec, &im.Total, &im.Cursor, &im.Created, &im.Updated, &im.Unchanged, &im.Joined, &im.Failed, &im.Error, &created, &updated, &cancelled); err != nil {
		return nil, err
	}
	if cancelled {
		im.Status = ImportCancelled
	}
	im.Spec = json.RawMessage(spec)
	im.CreatedAt, im.UpdatedAt = fromMS(created), fromMS(updated)
	return &im, nil
}

// InsertImport stores a new import and sets its ID.
func (t *sqlTx) InsertImport(im *ListImport, now time.Time) error {
	newID, err := t.insert("INSERT INTO list_imports (list, status, spec, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		im.List, ImportRunning, string(im.Spec), im.Total, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store import into list %q: %w", im.List, err)
	}
	im.ID = newID
	if _, err := t.exec("INSERT INTO list_import_files (import_id, body) VALUES (?, ?)", im.ID, im.Body); err != nil {
		return fmt.Errorf("store the file of import %d: %w", im.ID, err)
	}
	im.Status, im.CreatedAt, im.UpdatedAt = ImportRunning, fromMS(ms(now)), fromMS(ms(now))
	return nil
}

// Import loads an import (without its file). One whose report retention is deleting (pruning,
// see PruneBulkJobs) is ErrNotFound already, as are all reads of it below.
func (db *DB) Import(ctx context.Context, id int64) (*ListImport, error) {
	im, err := scanImport(db.r.QueryRowContext(ctx, "SELECT "+importCols+" FROM list_imports WHERE id = ? AND pruning = 0", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load import %d: %w", id, err)
	}
	return im, nil
}

// Imports lists a list's imports, newest first.
func (db *DB) Imports(ctx context.Context, list string) ([]*ListImport, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+importCols+" FROM list_imports WHERE list = ? AND pruning = 0 ORDER BY id DESC LIMIT 100", list)
	if err != nil {
		return nil, fmt.Errorf("imports of list %q: %w", list, err)
	}
	return collect(rows, "imports", scanImport)
}

// Import loads an import (without its file) inside the transaction.
func (t *sqlTx) Import(id int64) (*ListImport, error) {
	im, err := scanImport(t.queryRow("SELECT "+importCols+" FROM list_imports WHERE id = ? AND pruning = 0", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load import %d: %w", id, err)
	}
	return im, nil
}

// RunningImportID returns the id of the oldest running import, or ErrNotFound.
func (db *DB) RunningImportID(ctx context.Context) (int64, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, "SELECT id FROM list_imports WHERE status = 'running' ORDER BY id LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("running import: %w", ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("find a running import: %w", err)
	}
	return id, nil
}

// ImportBody reads an import's file.
func (db *DB) ImportBody(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	if err := db.r.QueryRowContext(ctx, "SELECT body FROM list_import_files WHERE import_id = ?", id).Scan(&b); err != nil {
		return nil, fmt.Errorf("read the file of import %d: %w", id, err)
	}
	return b, nil
}

// RunningImportBodies returns the files of the running imports by import id (erasing a record
// takes its rows out of them).
func (t *sqlTx) RunningImportBodies() (map[int64][]byte, error) {
	rows, err := t.query("SELECT f.import_id, f.body FROM list_import_files f JOIN list_imports i ON i.id = f.import_id WHERE i.status = 'running'")
	if err != nil {
		return nil, fmt.Errorf("files of running imports: %w", err)
	}
	out := map[int64][]byte{}
	_, err = collect(rows, "files of running imports", func(r rowScanner) (struct{}, error) {
		var id int64
		var b []byte
		err := r.Scan(&id, &b)
		out[id] = b
		return struct{}{}, err
	})
	return out, err
}

// ImportBody reads an import's file inside the transaction.
func (t *sqlTx) ImportBody(id int64) ([]byte, error) {
	var b []byte
	if err := t.queryRow("SELECT body FROM list_import_files WHERE import_id = ?", id).Scan(&b); err != nil {
		return nil, fmt.Errorf("read the file of import %d: %w", id, err)
	}
	return b, nil
}

// PutImportBody replaces the file of a running import (same rows, some emptied).
func (t *sqlTx) PutImportBody(id int64, body []byte) error {
	if _, err := t.exec("UPDATE list_import_files SET body = ? WHERE import_id = ?", body, id); err != nil {
		return fmt.Errorf("rewrite the file of import %d: %w", id, err)
	}
	return nil
}

// SaveImport stores an import's progress; an ended import drops its file.
func (t *sqlTx) SaveImport(im *ListImport, now time.Time) error {
	status, cancelled := im.Status, any(nil)
	if status == ImportCancelled {
		status, cancelled = ImportDone, ms(now)
	}
	if _, err := t.exec("UPDATE list_imports SET status = ?, cursor = ?, created = ?, updated = ?, unchanged = ?, joined = ?, failed = ?, error = ?, updated_at = ?, cancelled_at = ? WHERE id = ?",
		status, im.Cursor, im.Created, im.Updated, im.Unchanged, im.Joined, im.Failed, im.Error, ms(now), cancelled, im.ID); err != nil {
		return fmt.Errorf("save import %d: %w", im.ID, err)
	}
	if im.Status != ImportRunning {
		if _, err := t.exec("DELETE FROM list_import_files WHERE import_id = ?", im.ID); err != nil {
			return fmt.Errorf("drop the file of import %d: %w", im.ID, err)
		}
	}
	im.UpdatedAt = fromMS(ms(now))
	return nil
}

// AddImportErrors keeps the rows of an import that were not written.
func (t *sqlTx) AddImportErrors(id int64, errs []ImportError) error {
	for _, e := range errs {
		if _, err := t.exec("INSERT INTO list_import_errors (import_id, row, field, message) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", id, e.Row, e.Field, e.Message); err != nil {
			return fmt.Errorf("keep an error of import %d: %w", id, err)
		}
	}
	return nil
}

// ImportErrors returns an import's failed rows in file order: none for an import being pruned,
// read in the same statement, so a report is whole or not there.
func (db *DB) ImportErrors(ctx context.Context, id int64) ([]ImportError, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT e.row, e.field, e.message FROM list_import_errors e JOIN list_imports i ON i.id = e.import_id
		WHERE e.import_id = ? AND i.pruning = 0 ORDER BY e.row, e.field`, id)
	if err != nil {
		return nil, fmt.Errorf("errors of import %d: %w", id, err)
	}
	return collect(rows, "import errors", func(r rowScanner) (ImportError, error) {
		var e ImportError
		return e, r.Scan(&e.Row, &e.Field, &e.Message)
	})
}

// Savepoint runs fn so that, when it fails, only what it wrote is undone (one row of an import)
// and the rest of the transaction stands.
func (t *sqlTx) Savepoint(fn func() error) error {
	if _, err := t.exec("SAVEPOINT part"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.exec("ROLLBACK TO part"); rerr != nil {
			return fmt.Errorf("roll back a part after %v: %w", err, rerr)
		}
		if _, rerr := t.exec("RELEASE part"); rerr != nil {
			return fmt.Errorf("release a part after %v: %w", err, rerr)
		}
		return err
	}
	if _, err := t.exec("RELEASE part"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// Timed wraps a write so that took receives how long it held the writer (wall time, for
// sizing batches; the engine's clock may be a fake one).
func Timed(fn func(Tx) error, took func(time.Duration)) func(Tx) error {
	return func(tx Tx) error {
		start := time.Now()
		defer func() { took(time.Since(start)) }()
		return fn(tx)
	}
}
