package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// DefaultRetention is how long finished enrollments, their history and old events are kept.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultPruneBatch is the number of rows Prune deletes per write transaction when batch <= 0.
const DefaultPruneBatch = 1000

// vacuumChunk is the number of free pages one incremental-vacuum write returns to the file system.
const vacuumChunk = 2048

// PruneResult counts what Prune deleted and reclaimed.
type PruneResult struct {
	Enrollments int64 `json:"enrollments"` // finished enrollments deleted
	History     int64 `json:"history"`     // history entries deleted with them
	Events      int64 `json:"events"`      // old events deleted
	HookBodies  int64 `json:"hook_bodies"` // webhook request-log lines (with raw bodies) deleted
	Writes      int   `json:"writes"`      // write transactions used (deletion batches and vacuum chunks)
	PagesFreed  int64 `json:"pages_freed"` // pages the incremental vacuum returned to the file system
}

// Prune enforces retention: it deletes finished enrollments (completed, failed or cancelled
// before before) with their history and jobs, then events received before before that no stored
// enrollment or pending job refers to, then webhook request-log lines (raw bodies) received
// before before, then runs an incremental vacuum and a passive WAL checkpoint. Work is split into writes of at most batch rows (DefaultPruneBatch when
// batch <= 0), each its own db.Write, so other writers are never held up for long. Events of
// enrollments that are still stored are kept for the diagnose view; they go once those
// enrollments are pruned.
func (db *DB) Prune(ctx context.Context, before time.Time, batch int) (PruneResult, error) {
	var res PruneResult
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	cutoff := ms(before)

	for {
		var ids []int64
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			ids, err = tx.int64s(`SELECT id FROM enrollments
				WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ('completed','failed','cancelled')
				ORDER BY finished_at LIMIT ?`, cutoff, batch)
			if err != nil || len(ids) == 0 {
				return err
			}
			set, err := json.Marshal(ids)
			if err != nil {
				return err
			}
			h, err := tx.exec("DELETE FROM history WHERE enrollment_id IN (SELECT value FROM json_each(?))", string(set))
			if err != nil {
				return err
			}
			// Jobs (normally none once finished) go with the enrollment by FK cascade.
			e, err := tx.exec("DELETE FROM enrollments WHERE id IN (SELECT value FROM json_each(?))", string(set))
			if err != nil {
				return err
			}
			nh, _ := h.RowsAffected()
			ne, _ := e.RowsAffected()
			res.History += nh
			res.Enrollments += ne
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("prune finished enrollments: %w", err)
		}
		res.Writes++
		if len(ids) < batch {
			break
		}
	}

	// Events are scanned by id with a cursor: received_at is not indexed (it would cost every
	// ingest), and the referenced old events that stay are not looked at again.
	var after int64
	for {
		var ids []int64
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			ids, err = tx.int64s(`SELECT e.id FROM events e
				WHERE e.id > ? AND e.received_at < ?
				  AND NOT EXISTS (SELECT 1 FROM enrollments n WHERE n.event_id = e.id)
				  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id)
				ORDER BY e.id LIMIT ?`, after, cutoff, batch)
			if err != nil || len(ids) == 0 {
				return err
			}
			set, err := json.Marshal(ids)
			if err != nil {
				return err
			}
			r, err := tx.exec("DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))", string(set))
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			res.Events += n
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("prune events: %w", err)
		}
		res.Writes++
		if len(ids) < batch {
			break
		}
		after = ids[len(ids)-1]
	}

	// Raw webhook bodies: the listener's request log (received_at is indexed).
	for {
		var n int64
		err := db.Write(ctx, func(tx *Tx) error {
			// A line whose delivery is still held back (hook_delayed) stays until it is released.
			r, err := tx.exec(`DELETE FROM hook_requests WHERE id IN (
				SELECT id FROM hook_requests WHERE received_at < ?
				  AND id NOT IN (SELECT request_id FROM hook_delayed)
				ORDER BY received_at LIMIT ?)`, cutoff, batch)
			if err != nil {
				return err
			}
			n, _ = r.RowsAffected()
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("prune webhook request log: %w", err)
		}
		res.Writes++
		res.HookBodies += n
		if n < int64(batch) {
			break
		}
	}

	freed, writes, err := db.incrementalVacuum(ctx)
	res.PagesFreed, res.Writes = freed, res.Writes+writes
	if err != nil {
		return res, err
	}
	if err := db.Checkpoint(ctx); err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	return res, nil
}

// incrementalVacuum returns the free pages to the file system in chunks, each its own write.
func (db *DB) incrementalVacuum(ctx context.Context) (freed int64, writes int, err error) {
	for {
		var before, after int64
		err := db.Write(ctx, func(tx *Tx) error {
			if err := tx.queryRow("PRAGMA freelist_count").Scan(&before); err != nil {
				return err
			}
			if before == 0 {
				after = 0
				return nil
			}
			if _, err := tx.exec(fmt.Sprintf("PRAGMA incremental_vacuum(%d)", vacuumChunk)); err != nil {
				return err
			}
			return tx.queryRow("PRAGMA freelist_count").Scan(&after)
		})
		if err != nil {
			return freed, writes, fmt.Errorf("incremental vacuum: %w", err)
		}
		writes++
		freed += before - after
		// Stop when the free list is empty, or when a chunk made no progress (e.g. auto_vacuum
		// is off on a file created by an older flowdesk: VACUUM once by hand to enable it).
		if after == 0 || after >= before {
			return freed, writes, nil
		}
	}
}

// int64s runs a query returning one integer column.
func (t *Tx) int64s(query string, args ...any) ([]int64, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
