package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TrashedWorkflow is a workflow in the Trash: restorable with its history and counters until
// it is purged.
type TrashedWorkflow struct {
	ID          string
	Name        string
	Object      string
	DeletedAt   time.Time
	CancelOpen  bool       // its open enrollments are being cancelled
	Enrollments int64      // stored enrollments (all statuses)
	Open        int64      // active or waiting enrollments
	PurgeAt     *time.Time // when its purge was asked for (nil: not yet)
	PurgeTotal  int64      // enrollments when the purge began
	Revision    int
	Versions    int // stored versions
	UpdatedAt   time.Time
}

const trashCols = `w.id, w.name, w.object, w.deleted_at, w.trash_cancel, COALESCE(w.purge_at, 0), w.purge_total, w.revision, w.updated_at,
	(SELECT COUNT(*) FROM enrollments e WHERE e.workflow_id = w.id),
	(SELECT COUNT(*) FROM enrollments e WHERE e.workflow_id = w.id AND e.status IN ('active','waiting')),
	(SELECT COUNT(*) FROM workflow_versions v WHERE v.workflow_id = w.id)`

func scanTrashed(row interface{ Scan(...any) error }) (*TrashedWorkflow, error) {
	var w TrashedWorkflow
	var deleted, purge, updated int64
	if err := row.Scan(&w.ID, &w.Name, &w.Object, &deleted, &w.CancelOpen, &purge, &w.PurgeTotal, &w.Revision, &updated,
		&w.Enrollments, &w.Open, &w.Versions); err != nil {
		return nil, err
	}
	w.DeletedAt, w.UpdatedAt = fromMS(deleted), fromMS(updated)
	if purge != 0 {
		t := fromMS(purge)
		w.PurgeAt = &t
	}
	return &w, nil
}

// Trash lists the workflows in the Trash, most recently deleted first.
func (db *DB) Trash(ctx context.Context) ([]*TrashedWorkflow, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+trashCols+" FROM workflows w WHERE w.deleted_at IS NOT NULL ORDER BY w.deleted_at DESC, w.id")
	if err != nil {
		return nil, fmt.Errorf("list the trash: %w", err)
	}
	return collect(rows, "list the trash", scanTrashed)
}

// TrashedWorkflow loads one workflow in the Trash; ErrNotFound when it is not there.
func (db *DB) TrashedWorkflow(ctx context.Context, id string) (*TrashedWorkflow, error) {
	w, err := scanTrashed(db.r.QueryRowContext(ctx, "SELECT "+trashCols+" FROM workflows w WHERE w.id = ? AND w.deleted_at IS NOT NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("workflow %q is not in the Trash: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load trashed workflow %q: %w", id, err)
	}
	return w, nil
}

// TrashWorkflow moves a workflow to the Trash: it is switched off at once and no longer listed,
// loaded or matched; its rows stay until purged. With cancelOpen its open enrollments are to be
// cancelled (CancelTrashedEnrollments does it in batches); otherwise they run to their end.
func (t *sqlTx) TrashWorkflow(id string, cancelOpen bool, now time.Time) error {
	res, err := t.exec("UPDATE workflows SET deleted_at = ?, trash_cancel = ?, enabled = 0, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
		ms(now), cancelOpen, ms(now), id)
	if err != nil {
		return fmt.Errorf("move workflow %q to the trash: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("workflow %q: %w", id, ErrNotFound)
	}
	if _, err := t.exec("DELETE FROM schedule_state WHERE workflow_id = ?", id); err != nil {
		return fmt.Errorf("move workflow %q to the trash: %w", id, err)
	}
	return nil
}

// RestoreWorkflow takes a workflow out of the Trash, switched off, with its definition,
// versions, enrollments, history and counters. One whose purge has begun cannot be restored
// (ErrConflict); one not in the Trash is ErrNotFound.
func (t *sqlTx) RestoreWorkflow(id string, now time.Time) error {
	var purge sql.NullInt64
	err := t.queryRow("SELECT purge_at FROM workflows WHERE id = ? AND deleted_at IS NOT NULL", id).Scan(&purge)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("workflow %q is not in the Trash: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("restore workflow %q: %w", id, err)
	}
	if purge.Valid {
		return fmt.Errorf("workflow %q is being purged and can no longer be restored: %w", id, ErrConflict)
	}
	if _, err := t.exec("UPDATE workflows SET deleted_at = NULL, trash_cancel = 0, enabled = 0, updated_at = ? WHERE id = ?", ms(now), id); err != nil {
		return fmt.Errorf("restore workflow %q: %w", id, err)
	}
	return nil
}

// RequestPurge marks a workflow in the Trash for purging now, noting how many enrollments it
// has for the purge's progress. Asking again changes nothing.
func (t *sqlTx) RequestPurge(id string, now time.Time) error {
	res, err := t.exec(`UPDATE workflows SET purge_at = ?, purge_total = (SELECT COUNT(*) FROM enrollments WHERE workflow_id = ?)
		WHERE id = ? AND deleted_at IS NOT NULL AND purge_at IS NULL`, ms(now), id, id)
	if err != nil {
		return fmt.Errorf("purge workflow %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var one int
	if err := t.queryRow("SELECT 1 FROM workflows WHERE id = ? AND deleted_at IS NOT NULL", id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("workflow %q is not in the Trash: %w", id, ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("purge workflow %q: %w", id, err)
	}
	return nil
}

// ExpireTrash asks (at now) for the purge of every workflow deleted before before, and returns
// how many.
func (db *DB) ExpireTrash(ctx context.Context, before, now time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *sqlTx) error {
		ids, err := tx.strings("SELECT id FROM workflows WHERE deleted_at IS NOT NULL AND deleted_at < ? AND purge_at IS NULL", ms(before))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.RequestPurge(id, now); err != nil {
				return err
			}
		}
		n = int64(len(ids))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expire the trash: %w", err)
	}
	return n, nil
}

// CancelTrashedEnrollments cancels up to limit open enrollments of a workflow in the Trash
// whose open enrollments are to be cancelled, with a history line saying why, in one write.
func (db *DB) CancelTrashedEnrollments(ctx context.Context, id string, limit int, now time.Time) (b Batch, err error) {
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		ids, err := tx.int64s(`SELECT e.id FROM enrollments e JOIN workflows w ON w.id = e.workflow_id
			WHERE e.workflow_id = ? AND e.status IN ('active','waiting') AND w.deleted_at IS NOT NULL AND w.trash_cancel = 1
			LIMIT ?`, id, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		b.Rows, err = tx.cancelEnrollments(ids, "the workflow was deleted", now)
		b.More = len(ids) == limit
		return err
	})
	if err != nil {
		return Batch{}, fmt.Errorf("cancel enrollments of deleted workflow %q: %w", id, err)
	}
	return b, nil
}

// PurgeWorkflow removes up to limit enrollments (with their history, jobs and action attempts)
// of a workflow whose purge was asked for, in one write; once none are left, the same call
// removes its counters, schedule markers, versions and the workflow itself. More says there is
// more to do; Rows counts the enrollments removed.
func (db *DB) PurgeWorkflow(ctx context.Context, id string, limit int) (b Batch, err error) {
	err = db.write(ctx, func(tx *sqlTx) error {
		start := time.Now()
		defer func() { b.Hold = time.Since(start) }()
		var one int
		err := tx.queryRow("SELECT 1 FROM workflows WHERE id = ? AND deleted_at IS NOT NULL AND purge_at IS NOT NULL", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // restored, or purged already
		}
		if err != nil {
			return err
		}
		ids, err := tx.int64s("SELECT id FROM enrollments WHERE workflow_id = ? LIMIT ?", id, limit)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			b.Rows, _, err = tx.deleteEnrollments(ids)
			b.More = true
			return err
		}
		r, err := tx.exec(`DELETE FROM schedule_fired WHERE (workflow_id, trigger_id, record_id, fire_date) IN (
			SELECT workflow_id, trigger_id, record_id, fire_date FROM schedule_fired WHERE workflow_id = ? LIMIT ?)`, id, limit)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			b.More = true
			return nil
		}
		// increments earlier writes of this batch made would otherwise bring the rows back
		tx.batch.drop(id)
		tx.counts.drop(id)
		for _, q := range []string{
			"DELETE FROM step_counts WHERE workflow_id = ?",
			"DELETE FROM rollup_daily WHERE workflow_id = ?",
			"DELETE FROM schedule_state WHERE workflow_id = ?",
			"DELETE FROM owner_rotation WHERE workflow_id = ?",
			"DELETE FROM enroll_jobs WHERE workflow_id = ?",
			"DELETE FROM retry_jobs WHERE workflow_id = ?",
			"DELETE FROM enrollment_refusals WHERE workflow_id = ?",
			"DELETE FROM scenarios WHERE workflow_id = ?",
			"DELETE FROM workflows WHERE id = ?", // versions go by cascade
		} {
			if _, err := tx.exec(q, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("purge workflow %q: %w", id, err)
	}
	return b, nil
}

// TrashToWork lists the workflows in the Trash with work for the maintenance service: open
// enrollments to cancel (cancel) or a purge asked for (purge).
func (db *DB) TrashToWork(ctx context.Context) (cancel, purge []string, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT w.id, w.purge_at IS NOT NULL,
		w.trash_cancel = 1 AND EXISTS (SELECT 1 FROM enrollments e WHERE e.workflow_id = w.id AND e.status IN ('active','waiting'))
		FROM workflows w WHERE w.deleted_at IS NOT NULL ORDER BY w.deleted_at, w.id`)
	if err != nil {
		return nil, nil, fmt.Errorf("list trash work: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var p, c bool
		if err := rows.Scan(&id, &p, &c); err != nil {
			return nil, nil, fmt.Errorf("list trash work: %w", err)
		}
		if p {
			purge = append(purge, id)
		} else if c {
			cancel = append(cancel, id)
		}
	}
	return cancel, purge, rows.Err()
}

// CancellingWorkflows lists the workflows in the Trash whose open enrollments are to be
// cancelled, so the engine cancels a claimed step of theirs instead of running it.
func (db *DB) CancellingWorkflows(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM workflows WHERE deleted_at IS NOT NULL AND (trash_cancel = 1 OR purge_at IS NOT NULL)")
	if err != nil {
		return nil, fmt.Errorf("list cancelled workflows: %w", err)
	}
	return collect(rows, "list cancelled workflows", scanString)
}

func (t *sqlTx) strings(query string, args ...any) ([]string, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, "read ids", scanString)
}
