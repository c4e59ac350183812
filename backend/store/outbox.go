package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Outbox statuses.
const (
	OutboxQueued    = "outbox"    // kept locally: no SMTP server or SMS provider is set up (offline demos)
	OutboxSent      = "sent"      // handed to the SMTP server or the SMS provider
	OutboxDelivered = "delivered" // the SMS provider reported it delivered
	OutboxFailed    = "failed"    // it did not arrive: the provider said so, or said nothing in time (Reason says which)
)

// OutboxStatuses are the statuses an outbox message can have, in the order a message goes.
var OutboxStatuses = []string{OutboxQueued, OutboxSent, OutboxDelivered, OutboxFailed}

// OutboxMessage is a message in the local outbox: one not sent because no server is set up,
// or a record of one that was sent.
type OutboxMessage struct {
	ID             int64
	Channel        string // "email"
	Status         string // one of OutboxStatuses
	IdempotencyKey string
	MessageID      string
	EnrollmentID   int64
	WorkflowID     string
	StepID         string
	From           string
	To             string
	Subject        string
	BodyHTML       string
	BodyText       string
	CreatedAt      time.Time
	SentAt         *time.Time
	Reason         string     // why it failed
	StatusAt       *time.Time // when it became delivered or failed
	// RetryAt (read only): a failed message whose step tries it again then; nil when the
	// failure is final.
	RetryAt *time.Time
}

// AddOutbox stores a message unless one with the same channel and idempotency key is there
// (a retried step); added says whether a row was inserted, and m.ID is set either way.
// A message kept as OutboxQueued and later sent, or one whose send failed and is tried again,
// takes the new status (and its reason).
func (t *sqlTx) AddOutbox(m *OutboxMessage) (added bool, err error) {
	if m.Channel == "" {
		m.Channel = "email"
	}
	var sent, statusAt any
	if m.SentAt != nil {
		sent = ms(*m.SentAt)
	}
	if m.StatusAt != nil {
		statusAt = ms(*m.StatusAt)
	}
	var enr any
	if m.EnrollmentID != 0 {
		enr = m.EnrollmentID
	}
	res, err := t.exec(`INSERT INTO outbox (channel, status, idempotency_key, message_id, enrollment_id, workflow_id, step_id,
		from_addr, to_addr, subject, body_html, body_text, created_at, sent_at, reason, status_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, idempotency_key) DO UPDATE SET status = excluded.status, message_id = excluded.message_id, sent_at = excluded.sent_at,
		reason = excluded.reason, status_at = excluded.status_at
		WHERE outbox.status IN ('outbox', 'failed') AND excluded.status != 'outbox'`,
		m.Channel, m.Status, m.IdempotencyKey, m.MessageID, enr, m.WorkflowID, m.StepID, m.From, m.To, m.Subject,
		m.BodyHTML, m.BodyText, ms(m.CreatedAt), sent, m.Reason, statusAt)
	if err != nil {
		return false, fmt.Errorf("add %s to the outbox: %w", m.Channel, err)
	}
	n, _ := res.RowsAffected()
	if err := t.queryRow("SELECT id FROM outbox WHERE channel = ? AND idempotency_key = ?", m.Channel, m.IdempotencyKey).Scan(&m.ID); err != nil {
		return false, fmt.Errorf("add %s to the outbox: %w", m.Channel, err)
	}
	return n > 0, nil
}

// SetOutboxStatus records what became of a sent message, found by its idempotency key:
// OutboxDelivered, or OutboxFailed with the reason. Only a message that reads OutboxSent
// changes (one kept locally, or with its outcome known, keeps it); changed says whether one did.
func (t *sqlTx) SetOutboxStatus(key, status, reason string, at time.Time) (changed bool, err error) {
	if status != OutboxDelivered && status != OutboxFailed {
		return false, fmt.Errorf("set the outbox status of %s: %q is not delivered or failed", key, status)
	}
	res, err := t.exec("UPDATE outbox SET status = ?, reason = ?, status_at = ? WHERE idempotency_key = ? AND status = 'sent'",
		status, reason, ms(at), key)
	if err != nil {
		return false, fmt.Errorf("set the outbox status of %s: %w", key, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// OutboxQuery filters Outbox; results are newest first.
type OutboxQuery struct {
	Status       string
	Channel      string
	EnrollmentID int64
	Key          string
	Limit        int
	Before       int64 // only ids below this (paging)
}

// outboxCols read an outbox row ("FROM outbox o"); the last is when a failed message's step
// tries it again: the enrollment's job is a retry of that step.
const outboxCols = `id, channel, status, idempotency_key, message_id, enrollment_id, workflow_id, step_id, from_addr,
	to_addr, subject, body_html, body_text, created_at, sent_at, reason, status_at,
	(SELECT j.run_at FROM jobs j WHERE o.status = 'failed' AND j.enrollment_id = o.enrollment_id AND j.step_id = o.step_id
		AND j.kind = 'run' AND j.tries > 0)`

// Outbox lists outbox messages.
func (db *DB) Outbox(ctx context.Context, q OutboxQuery) ([]*OutboxMessage, error) {
	var f filter
	f.when(q.Status != "", "status = ?", q.Status)
	f.when(q.Channel != "", "channel = ?", q.Channel)
	f.when(q.EnrollmentID > 0, "enrollment_id = ?", q.EnrollmentID)
	f.when(q.Key != "", "idempotency_key = ?", q.Key)
	f.when(q.Before > 0, "id < ?", q.Before)
	rows, err := db.r.QueryContext(ctx, "SELECT "+outboxCols+" FROM outbox o"+f.where()+" ORDER BY id DESC LIMIT ?", append(f.args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list the outbox: %w", err)
	}
	return collect(rows, "list the outbox", scanOutbox)
}

// OutboxMessage returns one outbox message; an unknown id is ErrNotFound.
func (db *DB) OutboxMessage(ctx context.Context, id int64) (*OutboxMessage, error) {
	m, err := scanOutbox(db.r.QueryRowContext(ctx, "SELECT "+outboxCols+" FROM outbox o WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("outbox message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox message %d: %w", id, err)
	}
	return m, nil
}

// DeleteOutbox removes an outbox message; an unknown id is ErrNotFound.
func (t *sqlTx) DeleteOutbox(id int64) error {
	res, err := t.exec("DELETE FROM outbox WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete outbox message %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("outbox message %d: %w", id, ErrNotFound)
	}
	return nil
}

func scanOutbox(s rowScanner) (*OutboxMessage, error) {
	var m OutboxMessage
	var enr, sent, statusAt, retryAt sql.NullInt64
	var created int64
	if err := s.Scan(&m.ID, &m.Channel, &m.Status, &m.IdempotencyKey, &m.MessageID, &enr, &m.WorkflowID, &m.StepID, &m.From,
		&m.To, &m.Subject, &m.BodyHTML, &m.BodyText, &created, &sent, &m.Reason, &statusAt, &retryAt); err != nil {
		return nil, err
	}
	if retryAt.Valid {
		at := fromMS(retryAt.Int64)
		m.RetryAt = &at
	}
	m.EnrollmentID, m.CreatedAt = enr.Int64, fromMS(created)
	if sent.Valid {
		at := fromMS(sent.Int64)
		m.SentAt = &at
	}
	if statusAt.Valid {
		at := fromMS(statusAt.Int64)
		m.StatusAt = &at
	}
	return &m, nil
}

// EmailTemplate is a named email a send_email or internal_email step can send.
type EmailTemplate struct {
	Name      string
	Subject   string
	Preheader string // the inbox preview line after the subject
	BodyHTML  string
	BodyText  string
	// TextGenerated says BodyText was made from BodyHTML (and is made again at every save).
	TextGenerated bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PutEmailTemplate creates or replaces a template; created says which.
func (t *sqlTx) PutEmailTemplate(tpl *EmailTemplate, now time.Time) (created bool, err error) {
	var existing int64
	err = t.queryRow("SELECT created_at FROM email_templates WHERE name = ?", tpl.Name).Scan(&existing)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created = true
		existing = ms(now)
	case err != nil:
		return false, fmt.Errorf("save email template %q: %w", tpl.Name, err)
	}
	if _, err := t.exec(`INSERT INTO email_templates (name, subject, preheader, body_html, body_text, text_generated, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, preheader = excluded.preheader, body_html = excluded.body_html,
		body_text = excluded.body_text, text_generated = excluded.text_generated, updated_at = excluded.updated_at`,
		tpl.Name, tpl.Subject, tpl.Preheader, tpl.BodyHTML, tpl.BodyText, tpl.TextGenerated, existing, ms(now)); err != nil {
		return false, fmt.Errorf("save email template %q: %w", tpl.Name, err)
	}
	tpl.CreatedAt, tpl.UpdatedAt = fromMS(existing), now
	return created, nil
}

// PutEmailTemplateIfMissing stores a template unless one with its name exists, and reports
// whether it did.
func (t *sqlTx) PutEmailTemplateIfMissing(tpl *EmailTemplate, now time.Time) (bool, error) {
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM email_templates WHERE name = ?", tpl.Name).Scan(&n); err != nil {
		return false, fmt.Errorf("save email template %q: %w", tpl.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	return t.PutEmailTemplate(tpl, now)
}

// DeleteEmailTemplate removes a template; an unknown name is ErrNotFound.
func (t *sqlTx) DeleteEmailTemplate(name string) error {
	res, err := t.exec("DELETE FROM email_templates WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("delete email template %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("email template %q: %w", name, ErrNotFound)
	}
	return nil
}

// EmailTemplate returns a template by name; an unknown name is ErrNotFound.
func (db *DB) EmailTemplate(ctx context.Context, name string) (*EmailTemplate, error) {
	var tpl EmailTemplate
	var created, updated int64
	err := db.r.QueryRowContext(ctx, "SELECT name, subject, preheader, body_html, body_text, text_generated, created_at, updated_at FROM email_templates WHERE name = ?", name).
		Scan(&tpl.Name, &tpl.Subject, &tpl.Preheader, &tpl.BodyHTML, &tpl.BodyText, &tpl.TextGenerated, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("email template %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("email template %q: %w", name, err)
	}
	tpl.CreatedAt, tpl.UpdatedAt = fromMS(created), fromMS(updated)
	return &tpl, nil
}

// EmailTemplates lists every template by name.
func (db *DB) EmailTemplates(ctx context.Context) ([]*EmailTemplate, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT name, subject, preheader, body_html, body_text, text_generated, created_at, updated_at FROM email_templates ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list email templates: %w", err)
	}
	defer rows.Close()
	out := []*EmailTemplate{}
	for rows.Next() {
		var tpl EmailTemplate
		var created, updated int64
		if err := rows.Scan(&tpl.Name, &tpl.Subject, &tpl.Preheader, &tpl.BodyHTML, &tpl.BodyText, &tpl.TextGenerated, &created, &updated); err != nil {
			return nil, fmt.Errorf("list email templates: %w", err)
		}
		tpl.CreatedAt, tpl.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, &tpl)
	}
	return out, rows.Err()
}

// Settings returns every stored setting (key -> JSON value).
func (db *DB) Settings(ctx context.Context) (map[string]json.RawMessage, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT key, value FROM settings")
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read settings: %w", err)
		}
		out[k] = json.RawMessage(v)
	}
	return out, rows.Err()
}

// PutSetting stores a setting's JSON value under key.
func (t *sqlTx) PutSetting(key string, value json.RawMessage, now time.Time) error {
	if !json.Valid(value) {
		return fmt.Errorf("setting %q: the value is not JSON", key)
	}
	if _, err := t.exec(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(value), ms(now)); err != nil {
		return fmt.Errorf("save setting %q: %w", key, err)
	}
	return nil
}
