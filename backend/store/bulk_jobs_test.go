package store

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestPruneBulkJobsUsesIndexes reads SQLite's plan of every statement retention runs to delete
// ended bulk jobs and import reports: none may read a whole jobs, imports or report table, or
// each retention round would grow with everything ever kept (PostgreSQL's indexes are checked
// in backend/store/postgres).
func TestPruneBulkJobsUsesIndexes(t *testing.T) {
	db := openTest(t)
	stmts := []string{pruneImportsSQL, pruneReportCutSQL, pruneReportSQL, pruneReportBeforeSQL, pruneReportRowSQL, pruneImportSQL}
	for _, table := range pruneJobsTables {
		stmts = append(stmts, pruneJobsSQL(table))
	}
	fullScan := regexp.MustCompile(`^SCAN (enroll_jobs|retry_jobs|list_imports|list_import_errors)\b`)
	for _, q := range stmts {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = int64(1)
		}
		rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("plan of %s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		oneLine := strings.Join(strings.Fields(q), " ")
		t.Logf("%s: %s", oneLine, strings.Join(plan, "; "))
		for _, step := range plan {
			if fullScan.MatchString(step) {
				t.Errorf("%s reads the whole table (%s): give it an index in a migration", oneLine, step)
			}
		}
	}
}
