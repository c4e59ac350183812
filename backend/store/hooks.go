package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// HookEndpoint is an incoming-webhook endpoint (POST /hooks/{key}). Config is its JSON
// configuration (package hook owns its shape); Secret is the whsec_ signing secret or the
// SHA-256 of its API key and is never sent to clients.
type HookEndpoint struct {
	ID                  string
	Key                 string
	Name                string
	Config              string
	Secret              string
	Enabled             bool
	Capture             bool
	Captured            string // JSON of the last captured request, "" if none
	ConsecutiveFailures int
	MaxFailures         int
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// HookRequest is one line of an endpoint's request log.
type HookRequest struct {
	ID         int64
	EndpointID string
	ReceivedAt time.Time
	StatusCode int
	Outcome    string // applied, duplicate, captured, rejected, filtered, skipped, delayed
	Error      string
	// ErrorCode and ErrorField are a refusal's code ("undeclared_property") and the field its
	// first problem names ("record.properties.plan"); "" when there is none.
	ErrorCode  string
	ErrorField string
	// ErrorPath and ErrorValue say where in the payload the refused property's value came from
	// and what it was (ErrorValue is JSON, nil when there is none): only a refusal of one mapped
	// property (undeclared_property) has them.
	ErrorPath  string
	ErrorValue []byte
	WebhookID  string
	Headers    string // JSON object of header name -> value, secrets removed
	Body       []byte
	EventID    int64
}

// HookDelivery is a remembered delivery id of an endpoint (the replay window).
type HookDelivery struct {
	EndpointID string
	DeliveryID string
	ReceivedAt time.Time
	Outcome    string
	EventID    int64
}

// HookDelayed is a delivery held back by "delay enrollment by N days".
type HookDelayed struct {
	ID         int64
	EndpointID string
	RequestID  int64
	DueAt      time.Time
	Payload    string // JSON owned by package hook
}

const hookCols = `id, key, name, config, secret, enabled, capture, COALESCE(captured, ''), consecutive_failures,
	max_failures, disabled_reason, created_at, updated_at`

func scanHook(row interface{ Scan(...any) error }) (*HookEndpoint, error) {
	var h HookEndpoint
	var created, updated int64
	err := row.Scan(&h.ID, &h.Key, &h.Name, &h.Config, &h.Secret, &h.Enabled, &h.Capture, &h.Captured,
		&h.ConsecutiveFailures, &h.MaxFailures, &h.DisabledReason, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook endpoint: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook endpoint: %w", err)
	}
	h.CreatedAt, h.UpdatedAt = fromMS(created), fromMS(updated)
	return &h, nil
}

// HookEndpoint loads an endpoint by id.
func (db *DB) HookEndpoint(ctx context.Context, id string) (*HookEndpoint, error) {
	return scanHook(db.r.QueryRowContext(ctx, "SELECT "+hookCols+" FROM hook_endpoints WHERE id = ?", id))
}

// HookEndpointByKey loads an endpoint by its URL key.
func (db *DB) HookEndpointByKey(ctx context.Context, key string) (*HookEndpoint, error) {
	return scanHook(db.readRow(ctx, "SELECT "+hookCols+" FROM hook_endpoints WHERE key = ?", key))
}

// HookEndpoint loads an endpoint by id inside the transaction.
func (t *sqlTx) HookEndpoint(id string) (*HookEndpoint, error) {
	return scanHook(t.queryRow("SELECT "+hookCols+" FROM hook_endpoints WHERE id = ?", id))
}

// HookEndpoints lists every endpoint ordered by name.
func (db *DB) HookEndpoints(ctx context.Context) ([]*HookEndpoint, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+hookCols+" FROM hook_endpoints ORDER BY LOWER(name), id")
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return collect(rows, "list webhook endpoints", scanHook)
}

// CreateHookEndpoint inserts an endpoint; a taken id or key is ErrConflict.
func (t *sqlTx) CreateHookEndpoint(h *HookEndpoint, now time.Time) error {
	if h.MaxFailures <= 0 {
		h.MaxFailures = 10
	}
	inserted, err := t.execOnce(`INSERT INTO hook_endpoints (id, key, name, config, secret, enabled, capture, consecutive_failures,
		max_failures, disabled_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
		h.ID, h.Key, h.Name, h.Config, h.Secret, h.Enabled, h.Capture, h.MaxFailures, h.DisabledReason, ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("create webhook endpoint %q: %w", h.ID, err)
	}
	if !inserted {
		return fmt.Errorf("webhook endpoint %q already exists: %w", h.ID, ErrConflict)
	}
	h.CreatedAt, h.UpdatedAt = now, now
	return nil
}

// UpdateHookEndpoint writes an endpoint's name, config, secret, enabled, capture, failure
// counter, limit and disabled reason (not its key or captured payload).
func (t *sqlTx) UpdateHookEndpoint(h *HookEndpoint, now time.Time) error {
	res, err := t.exec(`UPDATE hook_endpoints SET name = ?, config = ?, secret = ?, enabled = ?, capture = ?,
		consecutive_failures = ?, max_failures = ?, disabled_reason = ?, updated_at = ? WHERE id = ?`,
		h.Name, h.Config, h.Secret, h.Enabled, h.Capture, h.ConsecutiveFailures, h.MaxFailures, h.DisabledReason, ms(now), h.ID)
	if err != nil {
		return fmt.Errorf("update webhook endpoint %q: %w", h.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook endpoint %q: %w", h.ID, ErrNotFound)
	}
	h.UpdatedAt = now
	return nil
}

// DeleteHookEndpoint removes an endpoint with its request log, delivery ids and held deliveries.
func (t *sqlTx) DeleteHookEndpoint(id string) error {
	res, err := t.exec("DELETE FROM hook_endpoints WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook endpoint %q: %w", id, ErrNotFound)
	}
	return nil
}

// ClaimHookCapture stores a captured request (JSON) and switches capture off, if capture is
// still on; ok is false when another request took the capture first.
func (t *sqlTx) ClaimHookCapture(id, captured string, now time.Time) (ok bool, err error) {
	res, err := t.exec("UPDATE hook_endpoints SET capture = 0, captured = ?, updated_at = ? WHERE id = ? AND capture = 1",
		captured, ms(now), id)
	if err != nil {
		return false, fmt.Errorf("capture on webhook endpoint %q: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// HookSucceeded resets an endpoint's consecutive-failure counter (a no-op when it is 0).
func (t *sqlTx) HookSucceeded(id string) error {
	if _, err := t.exec("UPDATE hook_endpoints SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures <> 0", id); err != nil {
		return fmt.Errorf("reset failures of webhook endpoint %q: %w", id, err)
	}
	return nil
}

// HookFailed counts one failed delivery and returns the endpoint as it is afterwards.
func (t *sqlTx) HookFailed(id string) (*HookEndpoint, error) {
	if _, err := t.exec("UPDATE hook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = ?", id); err != nil {
		return nil, fmt.Errorf("count failure of webhook endpoint %q: %w", id, err)
	}
	return t.HookEndpoint(id)
}

// DisableHookEndpoint switches an endpoint off with a reason.
func (t *sqlTx) DisableHookEndpoint(id, reason string, now time.Time) error {
	if _, err := t.exec("UPDATE hook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?", reason, ms(now), id); err != nil {
		return fmt.Errorf("disable webhook endpoint %q: %w", id, err)
	}
	return nil
}

// InsertHookRequest appends a line to an endpoint's request log and sets its ID.
func (t *sqlTx) InsertHookRequest(r *HookRequest) error {
	headers := r.Headers
	if headers == "" {
		headers = "{}"
	}
	var event sql.NullInt64
	if r.EventID > 0 {
		event = sql.NullInt64{Int64: r.EventID, Valid: true}
	}
	var value sql.NullString
	if len(r.ErrorValue) > 0 {
		value = sql.NullString{String: string(r.ErrorValue), Valid: true}
	}
	newID, err := t.insert(`INSERT INTO hook_requests (endpoint_id, received_at, status_code, outcome, error, error_code, error_field, error_path, error_value, webhook_id, headers, body, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.EndpointID, ms(r.ReceivedAt), r.StatusCode, r.Outcome, r.Error, r.ErrorCode, r.ErrorField, r.ErrorPath, value, r.WebhookID, headers, r.Body, event)
	if err != nil {
		return fmt.Errorf("log webhook request: %w", err)
	}
	r.ID = newID
	return nil
}

// FinishHookRequest records how a held (delayed) request ended: its outcome, error and event.
func (t *sqlTx) FinishHookRequest(id int64, outcome, errMsg string, eventID int64) error {
	var event sql.NullInt64
	if eventID > 0 {
		event = sql.NullInt64{Int64: eventID, Valid: true}
	}
	if _, err := t.exec("UPDATE hook_requests SET outcome = ?, error = ?, event_id = ? WHERE id = ?", outcome, errMsg, event, id); err != nil {
		return fmt.Errorf("update webhook request %d: %w", id, err)
	}
	return nil
}

const hookRequestCols = "id, endpoint_id, received_at, status_code, outcome, error, error_code, error_field, error_path, COALESCE(error_value, ''), webhook_id, headers, COALESCE(body, X''), COALESCE(event_id, 0)"

// hookRequestColsPG is hookRequestCols in PostgreSQL's spelling of an empty blob.
const hookRequestColsPG = "id, endpoint_id, received_at, status_code, outcome, error, error_code, error_field, error_path, COALESCE(error_value, ''), webhook_id, headers, COALESCE(body, ''::bytea), COALESCE(event_id, 0)"

func scanHookRequest(row interface{ Scan(...any) error }) (*HookRequest, error) {
	var r HookRequest
	var received int64
	var value string
	err := row.Scan(&r.ID, &r.EndpointID, &received, &r.StatusCode, &r.Outcome, &r.Error, &r.ErrorCode, &r.ErrorField, &r.ErrorPath, &value, &r.WebhookID, &r.Headers, &r.Body, &r.EventID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook request: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook request: %w", err)
	}
	r.ReceivedAt = fromMS(received)
	if value != "" {
		r.ErrorValue = []byte(value)
	}
	return &r, nil
}

// HookRequests lists an endpoint's most recent requests, newest first; before (> 0) pages back.
func (db *DB) HookRequests(ctx context.Context, endpointID string, before int64, limit int) ([]*HookRequest, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	cols := hookRequestCols
	if db.pg {
		cols = hookRequestColsPG
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+cols+" FROM hook_requests WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
		endpointID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list requests of webhook endpoint %q: %w", endpointID, err)
	}
	return collect(rows, "list webhook requests", scanHookRequest)
}

// HookDelivery returns a remembered delivery id of an endpoint, or ErrNotFound.
func (db *DB) HookDelivery(ctx context.Context, endpointID, deliveryID string) (*HookDelivery, error) {
	return scanDelivery(db.readRow(ctx, "SELECT endpoint_id, delivery_id, received_at, outcome, COALESCE(event_id, 0) FROM hook_deliveries WHERE endpoint_id = ? AND delivery_id = ?", endpointID, deliveryID))
}

// HookDelivery returns a remembered delivery id inside the transaction, or ErrNotFound.
func (t *sqlTx) HookDelivery(endpointID, deliveryID string) (*HookDelivery, error) {
	return scanDelivery(t.queryRow("SELECT endpoint_id, delivery_id, received_at, outcome, COALESCE(event_id, 0) FROM hook_deliveries WHERE endpoint_id = ? AND delivery_id = ?", endpointID, deliveryID))
}

func scanDelivery(row *sql.Row) (*HookDelivery, error) {
	var d HookDelivery
	var received int64
	err := row.Scan(&d.EndpointID, &d.DeliveryID, &received, &d.Outcome, &d.EventID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook delivery: %w", err)
	}
	d.ReceivedAt = fromMS(received)
	return &d, nil
}

// RememberHookDelivery stores (or refreshes) a delivery id of an endpoint.
func (t *sqlTx) RememberHookDelivery(d *HookDelivery) error {
	var event sql.NullInt64
	if d.EventID > 0 {
		event = sql.NullInt64{Int64: d.EventID, Valid: true}
	}
	_, err := t.exec(`INSERT INTO hook_deliveries (endpoint_id, delivery_id, received_at, outcome, event_id) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (endpoint_id, delivery_id) DO UPDATE SET received_at = excluded.received_at, outcome = excluded.outcome, event_id = excluded.event_id`,
		d.EndpointID, d.DeliveryID, ms(d.ReceivedAt), d.Outcome, event)
	if err != nil {
		return fmt.Errorf("remember webhook delivery: %w", err)
	}
	return nil
}

// PruneHookDeliveries forgets delivery ids received before t and returns how many.
func (t *sqlTx) PruneHookDeliveries(before time.Time) (int64, error) {
	res, err := t.exec("DELETE FROM hook_deliveries WHERE received_at < ?", ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return res.RowsAffected()
}

// PruneHookRequests deletes request-log lines (with their raw bodies) received before t.
func (t *sqlTx) PruneHookRequests(before time.Time) (int64, error) {
	res, err := t.exec("DELETE FROM hook_requests WHERE received_at < ?", ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune webhook requests: %w", err)
	}
	return res.RowsAffected()
}

// TrimHookRequests keeps only the newest keep lines of an endpoint's request log.
func (t *sqlTx) TrimHookRequests(endpointID string, keep int) (int64, error) {
	res, err := t.exec(`DELETE FROM hook_requests WHERE endpoint_id = ? AND id <= (
		SELECT id FROM hook_requests WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, endpointID, endpointID, keep)
	if err != nil {
		return 0, fmt.Errorf("trim requests of webhook endpoint %q: %w", endpointID, err)
	}
	return res.RowsAffected()
}

// HoldHookDelivery stores a delivery to ingest at d.DueAt and sets its ID.
func (t *sqlTx) HoldHookDelivery(d *HookDelayed) error {
	newID, err := t.insert("INSERT INTO hook_delayed (endpoint_id, request_id, due_at, payload) VALUES (?, ?, ?, ?)",
		d.EndpointID, d.RequestID, ms(d.DueAt), d.Payload)
	if err != nil {
		return fmt.Errorf("hold webhook delivery: %w", err)
	}
	d.ID = newID
	return nil
}

// DueHookDeliveries lists held deliveries due at or before now, oldest first.
func (db *DB) DueHookDeliveries(ctx context.Context, now time.Time, limit int) ([]*HookDelayed, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, "SELECT id, endpoint_id, request_id, due_at, payload FROM hook_delayed WHERE due_at <= ? ORDER BY due_at, id LIMIT ?", ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("list due webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []*HookDelayed
	for rows.Next() {
		var d HookDelayed
		var due int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.RequestID, &due, &d.Payload); err != nil {
			return nil, fmt.Errorf("list due webhook deliveries: %w", err)
		}
		d.DueAt = fromMS(due)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// ReleaseHookDelivery deletes a held delivery; ok is false if it was already gone.
func (t *sqlTx) ReleaseHookDelivery(id int64) (ok bool, err error) {
	res, err := t.exec("DELETE FROM hook_delayed WHERE id = ?", id)
	if err != nil {
		return false, fmt.Errorf("release webhook delivery %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CountHookDelayed returns how many deliveries are held.
func (db *DB) CountHookDelayed(ctx context.Context) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM hook_delayed").Scan(&n)
	return n, err
}

// AmbiguousMatch says a match property found several records (ids, up to 10, lowest first).
type AmbiguousMatch struct {
	Type, Property string
	Value          any
	IDs            []int64
}

func (e *AmbiguousMatch) Error() string {
	return fmt.Sprintf("%d %s records have %s %v", len(e.IDs), e.Type, e.Property, e.Value)
}

// Unwrap makes an ambiguous match an ErrConflict.
func (e *AmbiguousMatch) Unwrap() error { return ErrConflict }

// RecordByProperty finds the one record of a type whose property prop equals value (compared as
// JSON text, case-insensitively for strings): ErrNotFound when none does, an *AmbiguousMatch
// when several do (updating one of them at random would be a silent guess). Not index-backed.
func (db *DB) RecordByProperty(ctx context.Context, typ, prop string, value any) (*Record, error) {
	q := "SELECT " + recordCols + " FROM records WHERE type = ? AND json_extract(properties, '$.\"' || ? || '\"') = ? ORDER BY id LIMIT 10"
	if _, ok := value.(string); ok {
		q = "SELECT " + recordCols + " FROM records WHERE type = ? AND json_extract(properties, '$.\"' || ? || '\"') = ? COLLATE NOCASE ORDER BY id LIMIT 10"
	}
	args := []any{typ, prop, value}
	if db.pg { // jsonb: a string compares case-insensitively, anything else as JSON
		if _, ok := value.(string); ok {
			q = "SELECT " + recordCols + " FROM records WHERE type = ? AND jsonb_typeof(properties::jsonb -> ?) = 'string' AND lower(properties::jsonb ->> ?) = lower(?) ORDER BY id LIMIT 10"
			args = []any{typ, prop, prop, value}
		} else {
			enc, err := json.Marshal(value)
			if err != nil {
				return nil, fmt.Errorf("find %s by %s: %w", typ, prop, err)
			}
			q = "SELECT " + recordCols + " FROM records WHERE type = ? AND properties::jsonb -> ? = ?::jsonb ORDER BY id LIMIT 10"
			args = []any{typ, prop, string(enc)}
		}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find %s by %s: %w", typ, prop, err)
	}
	recs, err := collect(rows, "find "+typ+" by "+prop, scanRecord)
	if err != nil {
		return nil, err
	}
	switch len(recs) {
	case 0:
		return nil, fmt.Errorf("%s with %s %v: %w", typ, prop, value, ErrNotFound)
	case 1:
		return recs[0], nil
	}
	amb := &AmbiguousMatch{Type: typ, Property: prop, Value: value}
	for _, r := range recs {
		amb.IDs = append(amb.IDs, r.ID)
	}
	return nil, amb
}
