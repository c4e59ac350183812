package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/property"
)

// Record is an object of a type (contact, company, ...) with a property bag. It is a row: the
// API answers with its own wire type (backend/api/wire.go).
type Record struct {
	ID         int64
	Type       string
	Email      string
	Properties map[string]any
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RecordChange is what an upsert or update did: the properties before (nil when created) and after.
type RecordChange struct {
	Record  *Record
	Old     map[string]any
	Created bool
	Changed bool
}

const recordCols = "id, type, COALESCE(email, ''), properties, created_at, updated_at"

func scanRecord(row interface{ Scan(...any) error }) (*Record, error) {
	var r Record
	var props string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.Type, &r.Email, &props, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if r.Properties, err = decodeProps(props); err != nil {
		return nil, fmt.Errorf("record %d: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return &r, nil
}

func getRecord(ctx context.Context, q querier, id int64) (*Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, "SELECT "+recordCols+" FROM records WHERE id = ? AND erased_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("record %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load record %d: %w", id, err)
	}
	return r, nil
}

func recordByEmail(ctx context.Context, q querier, typ, email string) (*Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, "SELECT "+recordCols+" FROM records WHERE type = ? AND email_key = ?", typ, ident.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s with email %q: %w", typ, email, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s by email: %w", typ, err)
	}
	return r, nil
}

// emailKey is the stored comparison key of an address (NULL for none).
func emailKey(email string) any {
	if email == "" {
		return nil
	}
	return ident.EmailKey(email)
}

// Record loads a record by id.
func (db *DB) Record(ctx context.Context, id int64) (*Record, error) { return getRecord(ctx, db.r, id) }

// RecordByEmail loads a record of a type by email (case-insensitive).
func (db *DB) RecordByEmail(ctx context.Context, typ, email string) (*Record, error) {
	return recordByEmail(ctx, db.r, typ, email)
}

// RecordQuery filters SearchRecords.
type RecordQuery struct {
	Type  string
	Email string
	Text  string // matches email or any property value, case-insensitively
	Limit int
	After int64 // cursor: records with id > After
}

// SearchRecords lists records by type, email or free text, ordered by id.
func (db *DB) SearchRecords(ctx context.Context, q RecordQuery) ([]*Record, error) {
	f := filter{conds: []string{"id > ?", "erased_at IS NULL"}, args: []any{q.After}}
	f.when(q.Type != "", "type = ?", q.Type)
	f.when(q.Email != "", "email_key = ?", ident.EmailKey(q.Email))
	if q.Text != "" {
		like := containsPattern(q.Text)
		f.when(true, `(LOWER(COALESCE(email,'')) LIKE ? ESCAPE '\' OR LOWER(properties) LIKE ? ESCAPE '\')`, like, like)
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+recordCols+" FROM records"+f.where()+" ORDER BY id LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("search records: %w", err)
	}
	return collect(rows, "search records", scanRecord)
}

// Record loads a record by id inside the transaction.
func (t *sqlTx) Record(id int64) (*Record, error) { return getRecord(t.ctx, txQuerier{t}, id) }

// RecordByEmail loads a record by email inside the transaction.
func (t *sqlTx) RecordByEmail(typ, email string) (*Record, error) {
	return recordByEmail(t.ctx, txQuerier{t}, typ, email)
}

// UpsertRecord finds the record (by id when id > 0, else by email when given) and merges props
// into it, or creates it. Contacts are unique by email, case-insensitively. A record id that
// does not exist is ErrNotFound.
func (t *sqlTx) UpsertRecord(typ string, id int64, email string, props map[string]any, now time.Time) (*RecordChange, error) {
	if e, ok := props["email"].(string); ok && email == "" {
		email = e
	}
	email = strings.TrimSpace(email)
	var existing *Record
	var err error
	switch {
	case id > 0:
		existing, err = t.Record(id)
		if err != nil {
			return nil, err
		}
		if existing.Type != typ {
			return nil, fmt.Errorf("record %d is a %s, not a %s: %w", id, existing.Type, typ, ErrConflict)
		}
	case email != "":
		existing, err = t.RecordByEmail(typ, email)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if existing != nil {
			// Matched case-insensitively: keep the stored spelling, so matching is not a change.
			email = existing.Email
		}
	}
	if existing == nil {
		p := copyProps(props)
		if email != "" {
			p["email"] = email
		}
		encoded, err := marshal(p)
		if err != nil {
			return nil, err
		}
		newID, err := t.insert("INSERT INTO records (type, email, email_key, properties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			typ, nullString(email), emailKey(email), encoded, ms(now), ms(now))
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", typ, err)
		}
		rid := newID
		return &RecordChange{Record: &Record{ID: rid, Type: typ, Email: email, Properties: p, CreatedAt: now, UpdatedAt: now}, Created: true, Changed: true}, nil
	}
	return t.UpdateRecord(existing, func(p map[string]any) error {
		for k, v := range props {
			p[k] = v
		}
		if email != "" {
			p["email"] = email
		}
		return nil
	}, now)
}

// UpdateRecord applies mutate to a copy of rec's properties and writes the result if it changed.
// Pass a record freshly loaded in this transaction so concurrent changes are not lost.
func (t *sqlTx) UpdateRecord(rec *Record, mutate func(props map[string]any) error, now time.Time) (*RecordChange, error) {
	next := copyProps(rec.Properties)
	if err := mutate(next); err != nil {
		return nil, err
	}
	oldEnc, err := marshal(rec.Properties)
	if err != nil {
		return nil, err
	}
	newEnc, err := marshal(next)
	if err != nil {
		return nil, err
	}
	change := &RecordChange{Old: rec.Properties}
	updated := *rec
	updated.Properties = next
	change.Record = &updated
	if oldEnc == newEnc {
		return change, nil
	}
	email, _ := next["email"].(string)
	updated.Email = email
	updated.UpdatedAt = now
	const query = "UPDATE records SET properties = ?, email = ?, email_key = ?, updated_at = ? WHERE id = ?"
	args := []any{newEnc, nullString(email), emailKey(email), ms(now), rec.ID}
	if emailKey(email) != emailKey(rec.Email) { // only a new email can clash
		err = t.guard(func() error { _, err := t.exec(query, args...); return err })
	} else {
		err = t.execLater(query, args...) // cannot clash: nothing waits on its answer
	}
	if err != nil {
		if isUnique(err) {
			return nil, fmt.Errorf("update %s %d: email %q belongs to another %s: %w", rec.Type, rec.ID, email, rec.Type, ErrConflict)
		}
		return nil, fmt.Errorf("update %s %d: %w", rec.Type, rec.ID, err)
	}
	change.Changed = true
	return change, nil
}

// decodeProps reads a property bag keeping whole numbers beyond 2^53 exact (as int64): an
// integer property's values never pass through a float.
func decodeProps(s string) (map[string]any, error) {
	m := map[string]any{}
	if s == "" {
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode properties: %w", err)
	}
	property.Normalize(m)
	return m, nil
}

func copyProps(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}
