package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// List is a named set of records of one object type. A static list (Filter nil) holds whom
// steps, the API, the UI and imports put in it; an active list's members are the records that
// meet Filter, kept by the engine as records change. list_members is the one source of
// membership for both.
type List struct {
	ID        string
	Name      string
	Object    string
	Filter    json.RawMessage
	Members   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Active tells whether the list's members follow a filter.
func (l *List) Active() bool { return len(l.Filter) > 0 }

const listCols = "l.id, l.name, l.object, COALESCE(l.filter, ''), (SELECT COUNT(*) FROM list_members m WHERE m.list = l.id), l.created_at, l.updated_at"

func scanList(row rowScanner) (*List, error) {
	var l List
	var filter string
	var created, updated int64
	if err := row.Scan(&l.ID, &l.Name, &l.Object, &filter, &l.Members, &created, &updated); err != nil {
		return nil, err
	}
	if filter != "" {
		l.Filter = json.RawMessage(filter)
	}
	l.CreatedAt, l.UpdatedAt = fromMS(created), fromMS(updated)
	return &l, nil
}

func getList(ctx context.Context, q querier, id string) (*List, error) {
	l, err := scanList(q.QueryRowContext(ctx, "SELECT "+listCols+" FROM lists l WHERE l.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load list %q: %w", id, err)
	}
	return l, nil
}

// Lists returns every list with its member count, by id.
func (db *DB) Lists(ctx context.Context) ([]*List, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+listCols+" FROM lists l ORDER BY l.id")
	if err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	return collect(rows, "lists", scanList)
}

// List loads one list.
func (db *DB) List(ctx context.Context, id string) (*List, error) { return getList(ctx, db.r, id) }

// List loads one list inside the transaction.
func (t *sqlTx) List(id string) (*List, error) {
	var l List
	var filter string
	var created, updated int64
	err := t.queryRow("SELECT id, name, object, COALESCE(filter, ''), created_at, updated_at FROM lists WHERE id = ?", id).
		Scan(&l.ID, &l.Name, &l.Object, &filter, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load list %q: %w", id, err)
	}
	if filter != "" {
		l.Filter = json.RawMessage(filter)
	}
	l.CreatedAt, l.UpdatedAt = fromMS(created), fromMS(updated)
	return &l, nil
}

// CreateList stores a new list; an id in use is ErrConflict.
func (t *sqlTx) CreateList(l *List, now time.Time) error {
	res, err := t.exec("INSERT INTO lists (id, name, object, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		l.ID, l.Name, l.Object, nullRaw(l.Filter), ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("create list %q: %w", l.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("a list with id %q exists already: %w", l.ID, ErrConflict)
	}
	l.CreatedAt, l.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	return nil
}

// UpdateList changes a list's name and filter (its object type stays).
func (t *sqlTx) UpdateList(l *List, now time.Time) error {
	res, err := t.exec("UPDATE lists SET name = ?, filter = ?, updated_at = ? WHERE id = ?", l.Name, nullRaw(l.Filter), ms(now), l.ID)
	if err != nil {
		return fmt.Errorf("update list %q: %w", l.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("list %q: %w", l.ID, ErrNotFound)
	}
	l.UpdatedAt = fromMS(ms(now))
	return nil
}

// DeleteList removes a list with its members and counts.
func (t *sqlTx) DeleteList(id string) error {
	res, err := t.exec("DELETE FROM lists WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete list %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("list %q: %w", id, ErrNotFound)
	}
	return nil
}

func nullRaw(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return string(r)
}

// dayMS is the start of t's UTC day in unix milliseconds.
func dayMS(t time.Time) int64 {
	v := ms(t)
	return v - v%86_400_000
}

// AddToList adds a record to a list that exists; added is false when it was already a member.
// The day's join count moves in the same transaction.
func (t *sqlTx) AddToList(list string, recordID int64, now time.Time) (added bool, err error) {
	res, err := t.exec("INSERT INTO list_members (list, record_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", list, recordID, ms(now))
	if err != nil {
		return false, fmt.Errorf("add record %d to list %q: %w", recordID, list, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := t.execLater("INSERT INTO list_days (list, day, joins) VALUES (?, ?, 1) ON CONFLICT (list, day) DO UPDATE SET joins = list_days.joins + 1", list, dayMS(now)); err != nil {
		return false, fmt.Errorf("count the join of list %q: %w", list, err)
	}
	return true, nil
}

// RemoveFromList removes a record from a list; removed is false when it was not a member.
func (t *sqlTx) RemoveFromList(list string, recordID int64, now time.Time) (removed bool, err error) {
	res, err := t.exec("DELETE FROM list_members WHERE list = ? AND record_id = ?", list, recordID)
	if err != nil {
		return false, fmt.Errorf("remove record %d from list %q: %w", recordID, list, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := t.execLater("INSERT INTO list_days (list, day, leaves) VALUES (?, ?, 1) ON CONFLICT (list, day) DO UPDATE SET leaves = list_days.leaves + 1", list, dayMS(now)); err != nil {
		return false, fmt.Errorf("count the leave of list %q: %w", list, err)
	}
	return true, nil
}

func recordLists(ctx context.Context, q querier, recordID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT list FROM list_members WHERE record_id = ? ORDER BY list", recordID)
	if err != nil {
		return nil, fmt.Errorf("lists of record %d: %w", recordID, err)
	}
	return collect(rows, fmt.Sprintf("lists of record %d", recordID), scanString)
}

// RecordLists returns the ids of the lists a record belongs to, sorted (never nil).
func (db *DB) RecordLists(ctx context.Context, recordID int64) ([]string, error) {
	return recordLists(ctx, db.r, recordID)
}

// RecordLists returns the lists a record belongs to inside the transaction.
func (t *sqlTx) RecordLists(recordID int64) ([]string, error) {
	return recordLists(t.ctx, txQuerier{t}, recordID)
}

// ListMembers returns the record ids in a list, ordered.
func (db *DB) ListMembers(ctx context.Context, list string) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT record_id FROM list_members WHERE list = ? ORDER BY record_id", list)
	if err != nil {
		return nil, fmt.Errorf("members of list %q: %w", list, err)
	}
	return collect(rows, fmt.Sprintf("members of list %q", list), func(r rowScanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// MemberQuery pages through a list's member records.
type MemberQuery struct {
	List  string
	Text  string // matches email or any property value, case-insensitively
	After int64  // cursor: records with id > After
	Limit int
}

// ListMemberRecords returns a page of a list's members as records, ordered by id.
func (db *DB) ListMemberRecords(ctx context.Context, q MemberQuery) ([]*Record, error) {
	f := filter{conds: []string{"m.list = ?", "r.id > ?"}, args: []any{q.List, q.After}}
	if q.Text != "" {
		like := containsPattern(q.Text)
		f.when(true, `(LOWER(COALESCE(r.email,'')) LIKE ? ESCAPE '\' OR LOWER(r.properties) LIKE ? ESCAPE '\')`, like, like)
	}
	cols := "r.id, r.type, COALESCE(r.email, ''), r.properties, r.created_at, r.updated_at"
	rows, err := db.r.QueryContext(ctx, "SELECT "+cols+" FROM list_members m JOIN records r ON r.id = m.record_id"+f.where()+" ORDER BY r.id LIMIT ?",
		append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("members of list %q: %w", q.List, err)
	}
	return collect(rows, "list members", scanRecord)
}

// ListDay is one UTC day of a list's membership: who joined, who left, and the count at its end.
type ListDay struct {
	Day     time.Time
	Joins   int
	Leaves  int
	Members int
}

// ListDays returns the days on which a list's membership changed, oldest first, with the
// running member count.
func (db *DB) ListDays(ctx context.Context, list string) ([]ListDay, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT day, joins, leaves FROM list_days WHERE list = ? ORDER BY day", list)
	if err != nil {
		return nil, fmt.Errorf("days of list %q: %w", list, err)
	}
	days, err := collect(rows, "list days", func(r rowScanner) (ListDay, error) {
		var d ListDay
		var day int64
		err := r.Scan(&day, &d.Joins, &d.Leaves)
		d.Day = fromMS(day)
		return d, err
	})
	if err != nil {
		return nil, err
	}
	n := 0
	for i := range days {
		n += days[i].Joins - days[i].Leaves
		days[i].Members = n
	}
	return days, nil
}

// CountLists returns how many lists and memberships there are (for tests of bad input).
func (db *DB) CountLists(ctx context.Context) (lists, members int64, err error) {
	err = db.r.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM lists), (SELECT COUNT(*) FROM list_members)").Scan(&lists, &members)
	if err != nil {
		err = fmt.Errorf("count lists: %w", err)
	}
	return lists, members, err
}
