package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Subscription statuses.
const (
	OptedIn  = "opted_in"
	OptedOut = "opted_out"
)

// Subscription is a record's current status for one subscription type (e.g. "marketing").
type Subscription struct {
	RecordID     int64
	Subscription string
	Status       string
	LegalBasis   string
	Explanation  string
	Source       string
	UpdatedAt    time.Time
}

// SubscriptionChange is one line of a record's subscription history.
type SubscriptionChange struct {
	ID           int64
	RecordID     int64
	Subscription string
	Status       string
	Previous     string // "" when there was no status before
	LegalBasis   string
	Explanation  string
	Source       string
	EnrollmentID int64
	At           time.Time
}

// SetSubscription sets a record's status for a subscription type and appends the change to its
// history. It returns the previous status ("" when none). Setting the same status again updates
// the legal basis and explanation and is logged too: each is a statement of consent.
func (t *sqlTx) SetSubscription(c *SubscriptionChange) (previous string, err error) {
	if c.Status != OptedIn && c.Status != OptedOut {
		return "", fmt.Errorf("subscription status %q: want opted_in or opted_out: %w", c.Status, ErrConflict)
	}
	err = t.queryRow("SELECT status FROM subscriptions WHERE record_id = ? AND subscription = ?", c.RecordID, c.Subscription).Scan(&previous)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read subscription %q of record %d: %w", c.Subscription, c.RecordID, err)
	}
	if _, err := t.exec(`INSERT INTO subscriptions (record_id, subscription, status, legal_basis, explanation, source, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, subscription) DO UPDATE SET status = excluded.status,
		legal_basis = excluded.legal_basis, explanation = excluded.explanation, source = excluded.source, updated_at = excluded.updated_at`,
		c.RecordID, c.Subscription, c.Status, c.LegalBasis, c.Explanation, c.Source, ms(c.At)); err != nil {
		return "", fmt.Errorf("set subscription %q of record %d: %w", c.Subscription, c.RecordID, err)
	}
	c.Previous = previous
	newID, err := t.insert(`INSERT INTO subscription_history (record_id, subscription, status, previous, legal_basis, explanation, source, enrollment_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.RecordID, c.Subscription, c.Status, previous, c.LegalBasis, c.Explanation, c.Source, nullInt(c.EnrollmentID), ms(c.At))
	if err != nil {
		return "", fmt.Errorf("log subscription change of record %d: %w", c.RecordID, err)
	}
	c.ID = newID
	return previous, nil
}

// Subscriptions returns a record's current subscription statuses, by subscription name.
func (db *DB) Subscriptions(ctx context.Context, recordID int64) ([]*Subscription, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT record_id, subscription, status, legal_basis, explanation, source, updated_at
		FROM subscriptions WHERE record_id = ? ORDER BY subscription`, recordID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := []*Subscription{}
	for rows.Next() {
		var s Subscription
		var at int64
		if err := rows.Scan(&s.RecordID, &s.Subscription, &s.Status, &s.LegalBasis, &s.Explanation, &s.Source, &at); err != nil {
			return nil, fmt.Errorf("subscriptions of record %d: %w", recordID, err)
		}
		s.UpdatedAt = fromMS(at)
		out = append(out, &s)
	}
	return out, rows.Err()
}

// SubscriptionHistory returns a record's subscription changes, oldest first.
func (db *DB) SubscriptionHistory(ctx context.Context, recordID int64) ([]*SubscriptionChange, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, record_id, subscription, status, previous, legal_basis, explanation, source,
		COALESCE(enrollment_id, 0), at FROM subscription_history WHERE record_id = ? ORDER BY id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("subscription history of record %d: %w", recordID, err)
	}
	defer rows.Close()
	out := []*SubscriptionChange{}
	for rows.Next() {
		var c SubscriptionChange
		var at int64
		if err := rows.Scan(&c.ID, &c.RecordID, &c.Subscription, &c.Status, &c.Previous, &c.LegalBasis, &c.Explanation, &c.Source, &c.EnrollmentID, &at); err != nil {
			return nil, fmt.Errorf("subscription history of record %d: %w", recordID, err)
		}
		c.At = fromMS(at)
		out = append(out, &c)
	}
	return out, rows.Err()
}
