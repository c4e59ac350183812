package store

import (
	"context"
	"fmt"
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
