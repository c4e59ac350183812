package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Event is something that happened to a record. It is appended before it is acknowledged.
type Event struct {
	ID             int64
	Type           string
	RecordID       int64
	Scope          map[string]string
	Data           map[string]any
	OccurredAt     time.Time
	ReceivedAt     time.Time
	IdempotencyKey string
}

// InsertEvent appends an event and sets its ID.
func (t *sqlTx) InsertEvent(e *Event) error {
	scope, err := marshal(e.Scope)
	if err != nil {
		return err
	}
	data, err := marshal(e.Data)
	if err != nil {
		return err
	}
	newID, inserted, err := t.insertOnce(`INSERT INTO events (type, record_id, scope, data, occurred_at, received_at, idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Type, e.RecordID, scope, data, ms(e.OccurredAt), ms(e.ReceivedAt), nullString(e.IdempotencyKey))
	if err != nil {
		return fmt.Errorf("insert event %q: %w", e.Type, err)
	}
	if !inserted {
		return fmt.Errorf("event with idempotency key %q is already stored: %w", e.IdempotencyKey, ErrConflict)
	}
	e.ID = newID
	return nil
}

// EventByIdempotencyKey returns the event stored under key, or ErrNotFound.
func (t *sqlTx) EventByIdempotencyKey(key string) (*Event, error) {
	return scanEvent(t.queryRow("SELECT "+eventCols+" FROM events WHERE idempotency_key = ?", key))
}

// WatchedWebinarLive reports whether the record has an earlier event saying it watched the
// webinar live (a live_viewer event, or a viewer event with viewing.live), before event id before.
func (t *sqlTx) WatchedWebinarLive(recordID int64, webinar string, before int64) (bool, error) {
	var n int
	query := `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE record_id = ? AND id < ?
		AND json_extract(scope, '$.webinar') = ?
		AND (type = 'webinar.live_viewer' OR (type = 'webinar.viewer' AND json_extract(data, '$.viewing.live') = 1)) LIMIT 1)`
	if t.pg {
		query = `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE record_id = ? AND id < ?
		AND scope::jsonb ->> 'webinar' = ?
		AND (type = 'webinar.live_viewer' OR (type = 'webinar.viewer' AND data::jsonb #> '{viewing,live}' IN ('true'::jsonb, '1'::jsonb))) LIMIT 1) live`
	}
	err := t.queryRow(query, recordID, before, webinar).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up live viewing of record %d: %w", recordID, err)
	}
	return n > 0, nil
}

// Event loads an event by id.
func (db *DB) Event(ctx context.Context, id int64) (*Event, error) {
	return scanEvent(db.r.QueryRowContext(ctx, "SELECT "+eventCols+" FROM events WHERE id = ?", id))
}

// RecordEvents lists a record's most recent events, newest first.
func (db *DB) RecordEvents(ctx context.Context, recordID int64, limit int) ([]*Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+eventCols+" FROM events WHERE record_id = ? ORDER BY id DESC LIMIT ?", recordID, limit)
	if err != nil {
		return nil, fmt.Errorf("list events of record %d: %w", recordID, err)
	}
	return collect(rows, "list events of a record", scanEvent)
}

// CountEvents returns the number of stored events.
func (db *DB) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

const eventCols = "id, type, record_id, scope, data, occurred_at, received_at, COALESCE(idempotency_key, '')"

func scanEvent(row interface{ Scan(...any) error }) (*Event, error) {
	var e Event
	var scope, data string
	var occurred, received int64
	err := row.Scan(&e.ID, &e.Type, &e.RecordID, &scope, &data, &occurred, &received, &e.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load event: %w", err)
	}
	sm, err := unmarshalMap(scope)
	if err != nil {
		return nil, err
	}
	e.Scope = make(map[string]string, len(sm))
	for k, v := range sm {
		e.Scope[k] = fmt.Sprint(v)
	}
	if e.Data, err = unmarshalMap(data); err != nil {
		return nil, err
	}
	e.OccurredAt, e.ReceivedAt = fromMS(occurred), fromMS(received)
	return &e, nil
}

// SeenEventType is an event type stored on this machine with the data of its latest events.
type SeenEventType struct {
	Type     string
	LastSeen time.Time
	Samples  []map[string]any
}

// SeenEventTypes lists up to limit event types that events on this machine have, by name, each
// with the data of its latest samples events. It walks the events_type index one type at a time
// (a lookup per type), so it costs the same for a thousand events as for ten million.
func (db *DB) SeenEventTypes(ctx context.Context, limit, samples int) ([]SeenEventType, error) {
	var out []SeenEventType
	last := ""
	for len(out) < limit {
		var typ sql.NullString
		if err := db.r.QueryRowContext(ctx, "SELECT MIN(type) FROM events WHERE type > ?", last).Scan(&typ); err != nil {
			return nil, fmt.Errorf("list seen event types: %w", err)
		}
		if !typ.Valid {
			break
		}
		last = typ.String
		rows, err := db.r.QueryContext(ctx, "SELECT data, received_at FROM events WHERE type = ? ORDER BY id DESC LIMIT ?", last, max(samples, 1))
		if err != nil {
			return nil, fmt.Errorf("list seen event types: %w", err)
		}
		seen := SeenEventType{Type: last}
		for rows.Next() {
			var data string
			var at int64
			if err := rows.Scan(&data, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list seen event types: %w", err)
			}
			if seen.LastSeen.IsZero() {
				seen.LastSeen = fromMS(at)
			}
			if m, err := unmarshalMap(data); err == nil && samples > 0 {
				seen.Samples = append(seen.Samples, m)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("list seen event types: %w", err)
		}
		out = append(out, seen)
	}
	return out, nil
}

// SeenScope is one scope value that events of a type carried, e.g. webinar "54072": how many
// of the scanned events had it, when the latest arrived and that event's data (to name it).
type SeenScope struct {
	Key, Value string
	Count      int64
	LastSeen   time.Time
	Data       map[string]any
}

// EventScopes lists the scope values the latest scan events of type typ carried, the most
// recently seen first, at most limit of them. Bounded by scan (the events_type index walks
// back from the newest), so it costs the same on a database of ten million events.
func (db *DB) EventScopes(ctx context.Context, typ string, scan, limit int) ([]SeenScope, error) {
	// A scope is an object (or null for none); anything else would make jsonb_each_text fail.
	each := "json_each(CASE WHEN json_type(e.scope) = 'object' THEN e.scope ELSE '{}' END)"
	if db.pg {
		each = "jsonb_each_text(CASE WHEN jsonb_typeof(e.scope::jsonb) = 'object' THEN e.scope::jsonb ELSE '{}'::jsonb END)"
	}
	query := `SELECT g.key, g.value, g.n, ev.received_at, ev.data FROM (
		SELECT j.key AS key, j.value AS value, COUNT(*) AS n, MAX(e.id) AS last_id
		FROM (SELECT id, scope FROM events WHERE type = ? ORDER BY id DESC LIMIT ?) e, ` + each + ` j
		GROUP BY j.key, j.value) g JOIN events ev ON ev.id = g.last_id
		ORDER BY g.last_id DESC, g.key, g.value LIMIT ?`
	rows, err := db.r.QueryContext(ctx, query, typ, scan, limit)
	if err != nil {
		return nil, fmt.Errorf("list the scopes of %s events: %w", typ, err)
	}
	return collect(rows, "list the scopes of events", func(r rowScanner) (SeenScope, error) {
		var s SeenScope
		var at int64
		var data string
		if err := r.Scan(&s.Key, &s.Value, &s.Count, &at, &data); err != nil {
			return s, err
		}
		s.LastSeen = fromMS(at)
		s.Data, _ = unmarshalMap(data) // a sample that does not parse only goes unnamed
		return s, nil
	})
}
