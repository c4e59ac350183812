package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The kinds of job the bulk runner runs, in the order RunningBulkJobs lists them.
const (
	BulkEnroll = "enroll" // a bulk enrollment (enroll_jobs)
	BulkImport = "import" // a CSV import into a list (list_imports)
	BulkRetry  = "retry"  // a "Retry all" of a step's dead letters (retry_jobs)
)

// BulkKinds are the kinds of bulk job, in the order RunningBulkJobs lists them.
var BulkKinds = []string{BulkEnroll, BulkImport, BulkRetry}

// BulkJob names one running bulk job: its kind and its id in that kind's table.
type BulkJob struct {
	Kind string
	ID   int64
}

// RunningBulkJobs lists every running bulk job in one read: bulk enrollments, then CSV imports,
// then "Retry all" jobs, each kind oldest first.
func (db *DB) RunningBulkJobs(ctx context.Context) ([]BulkJob, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT 0, id FROM enroll_jobs WHERE status = 'running'
		UNION ALL SELECT 1, id FROM list_imports WHERE status = 'running'
		UNION ALL SELECT 2, id FROM retry_jobs WHERE status = 'running'
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("running bulk jobs: %w", err)
	}
	return collect(rows, "running bulk jobs", func(r rowScanner) (BulkJob, error) {
		var kind int
		var j BulkJob
		if err := r.Scan(&kind, &j.ID); err != nil {
			return j, err
		}
		if kind < 0 || kind >= len(BulkKinds) {
			return j, fmt.Errorf("bulk job %d of unknown kind %d", j.ID, kind)
		}
		j.Kind = BulkKinds[kind]
		return j, nil
	})
}

// The statements of PruneBulkJobs, each served by an index (migration 0035; the report's primary
// key starts with import_id): TestPruneBulkJobsUsesIndexes reads their plans.
const (
	pruneImportsSQL = `SELECT id FROM list_imports WHERE status IN ('done','failed') AND updated_at < ?
		ORDER BY id LIMIT ?`
	pruneReportCutSQL    = "SELECT row FROM list_import_errors WHERE import_id = ? ORDER BY row, field LIMIT 1 OFFSET ?"
	pruneReportSQL       = "DELETE FROM list_import_errors WHERE import_id = ?"
	pruneReportBeforeSQL = "DELETE FROM list_import_errors WHERE import_id = ? AND row < ?"
	pruneReportRowSQL    = "DELETE FROM list_import_errors WHERE import_id = ? AND row = ?"
	pruneImportSQL       = "DELETE FROM list_imports WHERE id = ?"
	pruneHideImportSQL   = "UPDATE list_imports SET pruning = 1 WHERE id = ? AND pruning = 0"
)

// pruneJobsTables are the job tables PruneBulkJobs deletes from by finished_at.
var pruneJobsTables = []string{"enroll_jobs", "retry_jobs"}

// pruneJobsSQL deletes up to a limit of a job table's jobs that ended before a cut.
func pruneJobsSQL(table string) string {
	return `DELETE FROM ` + table + ` WHERE id IN (
		SELECT id FROM ` + table + ` WHERE status IN ('done','failed','cancelled') AND finished_at < ?
		ORDER BY id LIMIT ?)`
}

// PruneBulkJobs deletes up to limit rows of finished bulk jobs that ended before before, in one
// write: bulk enrollments and "Retry all" jobs (done, failed or cancelled, by finished_at), then
// CSV imports (done, failed or cancelled, by when they ended) with their per-row error report. A
// running job is never deleted, nor anything of a running import. An import's report goes
// before it, oldest file rows first, in batches of at most limit lines; the import goes in the
// write that deletes the last of them, so no report line is ever left without its import (a
// large report of an import past the retention shrinks over a few batches first). The first
// write that deletes only part of a report marks its import pruning: the reads of imports and
// reports pass it by from then on, so none shows an import with half its report. Rows counts
// jobs and report lines deleted; More says some may be left.
func (db *DB) PruneBulkJobs(ctx context.Context, before time.Time, limit int) (b Batch, err error) {
	limit = max(limit, 1)
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		for _, table := range pruneJobsTables {
			r, err := tx.exec(pruneJobsSQL(table), ms(before), limit-int(b.Rows))
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n, _ := r.RowsAffected()
			if b.Rows += n; b.Rows >= int64(limit) {
				b.More = true
				return nil
			}
		}
		want := limit - int(b.Rows)
		ids, err := tx.int64s(pruneImportsSQL, ms(before), want)
		if err != nil {
			return fmt.Errorf("list_imports: %w", err)
		}
		for _, id := range ids {
			left := limit - int(b.Rows)
			if left <= 0 {
				b.More = true
				return nil
			}
			// the file row of the report's line after the first left-1: those lines and the
			// import row fit in this batch
			var cut int64
			err := tx.queryRow(pruneReportCutSQL, id, left-1).Scan(&cut)
			if errors.Is(err, sql.ErrNoRows) { // the rest of the report fits: the import goes too
				r, err := tx.exec(pruneReportSQL, id)
				if err != nil {
					return fmt.Errorf("the report of import %d: %w", id, err)
				}
				n, _ := r.RowsAffected()
				if _, err := tx.exec(pruneImportSQL, id); err != nil {
					return fmt.Errorf("import %d: %w", id, err)
				}
				b.Rows += n + 1
				continue
			}
			if err != nil {
				return fmt.Errorf("the report of import %d: %w", id, err)
			}
			// part of the report: the import is hidden from this write on (pruning), then the
			// lines of file rows before cut go (or of row cut alone, when one row has more lines
			// than the batch takes)
			if _, err := tx.exec(pruneHideImportSQL, id); err != nil {
				return fmt.Errorf("import %d: %w", id, err)
			}
			r, err := tx.exec(pruneReportBeforeSQL, id, cut)
			if err != nil {
				return fmt.Errorf("the report of import %d: %w", id, err)
			}
			n, _ := r.RowsAffected()
			if n == 0 {
				if r, err = tx.exec(pruneReportRowSQL, id, cut); err != nil {
					return fmt.Errorf("the report of import %d: %w", id, err)
				}
				n, _ = r.RowsAffected()
			}
			b.Rows += n
			b.More = true
			return nil
		}
		b.More = len(ids) == want
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("prune finished bulk jobs: %w", err)
	}
	return b, nil
}
