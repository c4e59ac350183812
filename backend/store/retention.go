package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// DefaultRetention is how long finished enrollments, their history and old events are kept.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultPruneBatch is the number of rows Prune deletes per write transaction when batch <= 0.
const DefaultPruneBatch = 1000

// vacuumChunk is the number of free pages one incremental-vacuum write returns to the file
// system in Prune (the maintenance service sizes its own chunks by time).
const vacuumChunk = 2048

// Batch is what one maintenance write did: rows (or pages) it removed, whether more are left,
// and how long its statements held the writer (commit not included: it is shared).
type Batch struct {
	Rows int64
	More bool
	Hold time.Duration
}

// PruneResult counts what Prune deleted and reclaimed.
type PruneResult struct {
	Enrollments int64 `json:"enrollments"` // finished enrollments deleted
	History     int64 `json:"history"`     // history entries deleted with them
	Events      int64 `json:"events"`      // old events deleted
	HookBodies  int64 `json:"hook_bodies"` // webhook request-log lines (with raw bodies) deleted
	BulkJobs    int64 `json:"bulk_jobs"`   // finished bulk enrollments, imports (with their reports' lines) and retry jobs deleted
	Writes      int   `json:"writes"`      // write transactions used (deletion batches and vacuum chunks)
	PagesFreed  int64 `json:"pages_freed"` // pages the incremental vacuum returned to the file system
}

// Prune enforces retention in one call: finished enrollments (completed, failed or cancelled
// before before) with their history and jobs, then events received before before that no stored
// enrollment or pending job refers to, then webhook request-log lines (raw bodies) received
// before before, then bulk enrollments, imports and retry jobs that ended before before (an
// import with its error report), then an incremental vacuum and a passive WAL checkpoint. Each batch of at most
// batch rows (DefaultPruneBatch when batch <= 0) is its own write. The maintenance service runs
// the same batches one by one, sized by how long they hold the writer.
func (db *DB) Prune(ctx context.Context, before time.Time, batch int) (PruneResult, error) {
	var res PruneResult
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	for {
		b, hist, err := db.PruneEnrollments(ctx, before, batch)
		res.Writes++
		if err != nil {
			return res, err
		}
		res.Enrollments += b.Rows
		res.History += hist
		if !b.More {
			break
		}
	}
	var after int64
	for {
		b, last, err := db.PruneEvents(ctx, before, after, batch)
		res.Writes++
		if err != nil {
			return res, err
		}
		res.Events += b.Rows
		if !b.More {
			break
		}
		after = last
	}
	for {
		b, err := db.PruneHookRequests(ctx, before, batch)
		res.Writes++
		if err != nil {
			return res, err
		}
		res.HookBodies += b.Rows
		if !b.More {
			break
		}
	}
	for {
		b, err := db.PruneBulkJobs(ctx, before, batch)
		res.Writes++
		if err != nil {
			return res, err
		}
		res.BulkJobs += b.Rows
		if !b.More {
			break
		}
	}
	for {
		b, err := db.Vacuum(ctx, vacuumChunk)
		res.Writes++
		if err != nil {
			return res, err
		}
		res.PagesFreed += b.Rows
		if !b.More {
			break
		}
	}
	if _, err := db.Checkpoint(ctx); err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	return res, nil
}

// PruneEnrollments deletes up to limit finished enrollments (completed, failed or cancelled
// before before) with their history and jobs, in one write. Rows counts enrollments; history
// counts the history entries that went with them.
func (db *DB) PruneEnrollments(ctx context.Context, before time.Time, limit int) (b Batch, history int64, err error) {
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		ids, err := tx.int64s(`SELECT id FROM enrollments
			WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ('completed','failed','cancelled')
			ORDER BY finished_at LIMIT ?`, ms(before), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		b.Rows, history, err = tx.deleteEnrollments(ids)
		b.More = len(ids) == limit
		return err
	})
	if err != nil {
		return Batch{}, 0, fmt.Errorf("prune finished enrollments: %w", err)
	}
	return b, history, nil
}

// deleteEnrollments deletes enrollments by id with their history; jobs and action attempts go
// by foreign-key cascade.
func (t *sqlTx) deleteEnrollments(ids []int64) (enrollments, history int64, err error) {
	set, err := jsonIDs(ids)
	if err != nil {
		return 0, 0, err
	}
	h, err := t.exec("DELETE FROM history WHERE enrollment_id IN ("+idSet(t.pg)+")", set)
	if err != nil {
		return 0, 0, err
	}
	e, err := t.exec("DELETE FROM enrollments WHERE id IN ("+idSet(t.pg)+")", set)
	if err != nil {
		return 0, 0, err
	}
	history, _ = h.RowsAffected()
	enrollments, _ = e.RowsAffected()
	return enrollments, history, nil
}

// PruneEvents looks at the next limit events by id after after, deletes those received before
// before that no stored enrollment or pending job refers to, and returns the last id it looked
// at (the cursor of the next call). Events are walked by id in windows because received_at is
// not indexed (it would cost every ingest) and ids grow with it: More is false once a window
// ends on an event received after before, so no call scans more than limit rows.
func (db *DB) PruneEvents(ctx context.Context, before time.Time, after int64, limit int) (b Batch, last int64, err error) {
	last = after
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		rows, err := tx.query(`SELECT e.id, e.received_at < ?1,
				e.received_at < ?1 AND NOT EXISTS (SELECT 1 FROM enrollments n WHERE n.event_id = e.id)
				AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id)
			FROM events e WHERE e.id > ?2 ORDER BY e.id LIMIT ?3`, ms(before), after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		var ids []int64
		n, lastOld := 0, false
		for rows.Next() {
			var id int64
			var old, gone bool
			if err := rows.Scan(&id, &old, &gone); err != nil {
				return err
			}
			n, last, lastOld = n+1, id, old
			if gone {
				ids = append(ids, id)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		b.More = n == limit && lastOld
		if len(ids) == 0 {
			return nil
		}
		set, err := jsonIDs(ids)
		if err != nil {
			return err
		}
		r, err := tx.exec("DELETE FROM events WHERE id IN ("+idSet(tx.pg)+")", set)
		if err != nil {
			return err
		}
		b.Rows, _ = r.RowsAffected()
		return nil
	})
	if err != nil {
		return Batch{}, after, fmt.Errorf("prune events: %w", err)
	}
	return b, last, nil
}

// PruneHookRequests deletes up to limit webhook request-log lines (raw bodies) received before
// before. A line whose delivery is still held back (hook_delayed) stays until it is released.
func (db *DB) PruneHookRequests(ctx context.Context, before time.Time, limit int) (b Batch, err error) {
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		r, err := tx.exec(`DELETE FROM hook_requests WHERE id IN (
			SELECT id FROM hook_requests WHERE received_at < ?
			  AND id NOT IN (SELECT request_id FROM hook_delayed)
			ORDER BY received_at LIMIT ?)`, ms(before), limit)
		if err != nil {
			return err
		}
		b.Rows, _ = r.RowsAffected()
		b.More = b.Rows == int64(limit)
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("prune webhook request log: %w", err)
	}
	return b, nil
}

// Vacuum returns up to pages free pages to the file system in one write (an incremental
// vacuum). Rows counts the pages freed; More says free pages are left. A chunk that makes no
// progress (auto_vacuum off on a file created by an older flowdesk: VACUUM once by hand to
// enable it) reports nothing more to do.
func (db *DB) Vacuum(ctx context.Context, pages int) (b Batch, err error) {
	if db.server != nil {
		return b, fmt.Errorf("vacuum: %w", ErrFileOnly)
	}
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		var before, after int64
		if err := tx.queryRow("PRAGMA freelist_count").Scan(&before); err != nil || before == 0 {
			return err
		}
		if _, err := tx.exec(fmt.Sprintf("PRAGMA incremental_vacuum(%d)", max(pages, 1))); err != nil {
			return err
		}
		if err := tx.queryRow("PRAGMA freelist_count").Scan(&after); err != nil {
			return err
		}
		b.Rows, b.More = before-after, after > 0 && after < before
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("incremental vacuum: %w", err)
	}
	return b, nil
}

// FreePages is how many pages of the file are free (what Vacuum can return).
func (db *DB) FreePages(ctx context.Context) (int64, error) {
	if db.server != nil {
		return 0, fmt.Errorf("count free pages: %w", ErrFileOnly)
	}
	var n int64
	if err := db.r.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&n); err != nil {
		return 0, fmt.Errorf("count free pages: %w", err)
	}
	return n, nil
}

// CheckpointResult is what a checkpoint did.
type CheckpointResult struct {
	Frames       int64         // frames in the WAL
	Checkpointed int64         // frames copied back into the database
	Took         time.Duration // how long it ran (beside the writer, not holding it)
}

// Checkpoint runs a passive WAL checkpoint on a connection of its own: it copies committed
// frames back into the database file without taking the write lock, so the writer is not held
// up. (A truncating checkpoint would block writers while readers finish; the WAL is kept small
// by SQLite's automatic checkpoints and journal_size_limit instead.)
func (db *DB) Checkpoint(ctx context.Context) (CheckpointResult, error) {
	var res CheckpointResult
	if db.server != nil {
		return res, fmt.Errorf("checkpoint: %w", ErrFileOnly)
	}
	var busy int64
	start := time.Now()
	if err := db.ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &res.Frames, &res.Checkpointed); err != nil {
		return res, fmt.Errorf("checkpoint: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// FileSizes are the sizes in bytes of the database file and its WAL.
type FileSizes struct {
	DB  int64 `json:"db_bytes"`
	WAL int64 `json:"wal_bytes"`
}

// Sizes returns the current sizes of the database file and its WAL (0 when absent).
func (db *DB) Sizes() FileSizes {
	var s FileSizes
	if db.server != nil { // no file: the server keeps its own
		return s
	}
	if fi, err := os.Stat(db.path); err == nil {
		s.DB = fi.Size()
	}
	if fi, err := os.Stat(db.path + "-wal"); err == nil {
		s.WAL = fi.Size()
	}
	return s
}

// idSet is the subquery over a jsonIDs parameter: "id IN (" + idSet(pg) + ")".
func idSet(pg bool) string {
	if pg {
		return "SELECT value::bigint FROM json_array_elements_text(?::json)"
	}
	return "SELECT value FROM json_each(?)"
}

// jsonIDs encodes ids as a JSON array, the parameter of idSet.
func jsonIDs(ids []int64) (string, error) {
	raw, err := json.Marshal(ids)
	return string(raw), err
}

// int64s runs a query returning one integer column.
func (t *sqlTx) int64s(query string, args ...any) ([]int64, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, "read ids", scanInt64)
}
