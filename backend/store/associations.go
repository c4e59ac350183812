package store

import (
	"context"
	"fmt"
	"time"
)

// Association is one link from a record to another, as seen from the first.
type Association struct {
	RecordID  int64  // the other record
	Type      string // its type
	Label     string
	CreatedAt time.Time
}

// AssociationType is a pair of record types that may be linked.
type AssociationType struct {
	From string
	To   string
}

func associationAllowed(ctx context.Context, q querier, from, to string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM association_types WHERE from_type = ? AND to_type = ?", from, to).Scan(&n); err != nil {
		return false, fmt.Errorf("association type %s-%s: %w", from, to, err)
	}
	return n > 0, nil
}

// AssociationAllowed reports whether records of type from may be linked to records of type to.
func (t *sqlTx) AssociationAllowed(from, to string) (bool, error) {
	return associationAllowed(t.ctx, txQuerier{t}, from, to)
}

// AssociationTypes lists the pairs of record types that may be linked, sorted.
func (db *DB) AssociationTypes(ctx context.Context) ([]AssociationType, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT from_type, to_type FROM association_types ORDER BY from_type, to_type")
	if err != nil {
		return nil, fmt.Errorf("association types: %w", err)
	}
	return collect(rows, "association types", func(r rowScanner) (AssociationType, error) {
		var a AssociationType
		return a, r.Scan(&a.From, &a.To)
	})
}

// AddAssociationType lets records of the two types be linked (both directions).
func (t *sqlTx) AddAssociationType(a, b string) error {
	if _, err := t.exec("INSERT INTO association_types (from_type, to_type) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING", a, b, b, a); err != nil {
		return fmt.Errorf("add association type %s-%s: %w", a, b, err)
	}
	return nil
}

// Associate links two records (of an allowed pair of types; the caller checks) with a label,
// in both directions. created is false when that link with that label already existed.
func (t *sqlTx) Associate(a, b *Record, label string, now time.Time) (created bool, err error) {
	res, err := t.exec("INSERT INTO associations (from_id, to_id, to_type, label, created_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		a.ID, b.ID, b.Type, label, ms(now), b.ID, a.ID, a.Type, label, ms(now))
	if err != nil {
		return false, fmt.Errorf("associate records %d and %d: %w", a.ID, b.ID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Dissociate removes the links between two records: with that label, or (all true) every label.
// It returns how many links (counted once per pair) went.
func (t *sqlTx) Dissociate(a, b int64, label string, all bool) (int64, error) {
	q := "DELETE FROM associations WHERE ((from_id = ? AND to_id = ?) OR (from_id = ? AND to_id = ?))"
	args := []any{a, b, b, a}
	if !all {
		q += " AND label = ?"
		args = append(args, label)
	}
	res, err := t.exec(q, args...)
	if err != nil {
		return 0, fmt.Errorf("dissociate records %d and %d: %w", a, b, err)
	}
	n, _ := res.RowsAffected()
	return n / 2, nil
}

func associations(ctx context.Context, q querier, id int64, typ string) ([]Association, error) {
	query := "SELECT to_id, to_type, label, created_at FROM associations WHERE from_id = ?"
	args := []any{id}
	if typ != "" {
		query += " AND to_type = ?"
		args = append(args, typ)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY to_type, to_id, label", args...)
	if err != nil {
		return nil, fmt.Errorf("associations of record %d: %w", id, err)
	}
	return collect(rows, fmt.Sprintf("associations of record %d", id), func(r rowScanner) (Association, error) {
		var a Association
		var at int64
		err := r.Scan(&a.RecordID, &a.Type, &a.Label, &at)
		a.CreatedAt = fromMS(at)
		return a, err
	})
}

// Associations lists a record's links (to records of type typ only, unless it is empty).
func (db *DB) Associations(ctx context.Context, id int64, typ string) ([]Association, error) {
	return associations(ctx, db.r, id, typ)
}

// Associations lists a record's links inside the transaction.
func (t *sqlTx) Associations(id int64, typ string) ([]Association, error) {
	return associations(t.ctx, txQuerier{t}, id, typ)
}

// AssociatedRecords loads the distinct records of type typ linked to a record, by id.
func (db *DB) AssociatedRecords(ctx context.Context, id int64, typ string) ([]*Record, error) {
	return associatedRecords(ctx, db.r, id, typ)
}

// AssociatedRecords loads the linked records of a type inside the transaction.
func (t *sqlTx) AssociatedRecords(id int64, typ string) ([]*Record, error) {
	return associatedRecords(t.ctx, txQuerier{t}, id, typ)
}

func associatedRecords(ctx context.Context, q querier, id int64, typ string) ([]*Record, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+recordCols+" FROM records WHERE id IN (SELECT to_id FROM associations WHERE from_id = ? AND to_type = ?) ORDER BY id", id, typ)
	if err != nil {
		return nil, fmt.Errorf("%s records associated with record %d: %w", typ, id, err)
	}
	return collect(rows, fmt.Sprintf("%s records associated with record %d", typ, id), func(r rowScanner) (*Record, error) { return scanRecord(r) })
}

// CountAssociations counts the links between records (each pair once).
func (db *DB) CountAssociations(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) / 2 FROM associations").Scan(&n); err != nil {
		return 0, fmt.Errorf("count associations: %w", err)
	}
	return n, nil
}
