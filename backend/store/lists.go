package store

import (
	"context"
	"fmt"
	"time"
)

// AddToList adds a record to a static list; added is false when it was already a member.
func (t *Tx) AddToList(list string, recordID int64, now time.Time) (added bool, err error) {
	res, err := t.exec("INSERT OR IGNORE INTO list_members (list, record_id, added_at) VALUES (?, ?, ?)", list, recordID, ms(now))
	if err != nil {
		return false, fmt.Errorf("add record %d to list %q: %w", recordID, list, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveFromList removes a record from a list; removed is false when it was not a member.
func (t *Tx) RemoveFromList(list string, recordID int64) (removed bool, err error) {
	res, err := t.exec("DELETE FROM list_members WHERE list = ? AND record_id = ?", list, recordID)
	if err != nil {
		return false, fmt.Errorf("remove record %d from list %q: %w", recordID, list, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RecordLists returns the lists a record belongs to, sorted.
func (db *DB) RecordLists(ctx context.Context, recordID int64) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT list FROM list_members WHERE record_id = ? ORDER BY list", recordID)
	if err != nil {
		return nil, fmt.Errorf("lists of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ListMembers returns the record ids in a list, ordered.
func (db *DB) ListMembers(ctx context.Context, list string) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT record_id FROM list_members WHERE list = ? ORDER BY record_id", list)
	if err != nil {
		return nil, fmt.Errorf("members of list %q: %w", list, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
