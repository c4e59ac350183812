package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SMSReservation says whether an SMS may go out under the monthly cap.
type SMSReservation struct {
	Allowed bool // false: the month's cap is reached
	Sent    int  // messages counted this month, including this one when allowed
	Repeat  bool // this idempotency key was counted before (a retry), so it did not count again
	// Notify is true the first time in a month a message is refused: the caller tells the user once.
	Notify bool
}

// ReserveSMS counts an SMS against the month's cap at send time, once per idempotency key. A
// retry of a counted message is allowed without counting again; past the cap nothing is counted.
// The first refusal of a month sets Notify and remembers it, so the user is told once a month.
func (t *sqlTx) ReserveSMS(month, key string, limit int, now time.Time) (SMSReservation, error) {
	var r SMSReservation
	var seen int
	if err := t.queryRow("SELECT COUNT(*) FROM sms_sends WHERE idempotency_key = ?", key).Scan(&seen); err != nil {
		return r, fmt.Errorf("read sms usage: %w", err)
	}
	var notified int
	err := t.queryRow("SELECT sent, cap_notified FROM sms_usage WHERE month = ?", month).Scan(&r.Sent, &notified)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("read sms usage of %s: %w", month, err)
	}
	if seen > 0 {
		r.Allowed, r.Repeat = true, true
		return r, nil
	}
	if limit > 0 && r.Sent >= limit {
		if notified == 0 {
			if _, err := t.exec(`INSERT INTO sms_usage (month, sent, cap_notified) VALUES (?, ?, 1)
				ON CONFLICT (month) DO UPDATE SET cap_notified = 1`, month, r.Sent); err != nil {
				return r, fmt.Errorf("record sms cap notice of %s: %w", month, err)
			}
			r.Notify = true
		}
		return r, nil
	}
	if _, err := t.exec("INSERT INTO sms_sends (idempotency_key, month, at) VALUES (?, ?, ?)", key, month, ms(now)); err != nil {
		return r, fmt.Errorf("count sms: %w", err)
	}
	if _, err := t.exec(`INSERT INTO sms_usage (month, sent) VALUES (?, 1) ON CONFLICT (month) DO UPDATE SET sent = sms_usage.sent + 1`, month); err != nil {
		return r, fmt.Errorf("count sms of %s: %w", month, err)
	}
	r.Allowed = true
	r.Sent++
	return r, nil
}

// ReleaseSMS uncounts a reserved SMS the provider refused for good (nothing was sent).
func (t *sqlTx) ReleaseSMS(key string) error {
	var month string
	err := t.queryRow("SELECT month FROM sms_sends WHERE idempotency_key = ?", key).Scan(&month)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	if _, err := t.exec("DELETE FROM sms_sends WHERE idempotency_key = ?", key); err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	if _, err := t.exec("UPDATE sms_usage SET sent = CASE WHEN sent > 0 THEN sent - 1 ELSE 0 END WHERE month = ?", month); err != nil {
		return fmt.Errorf("release sms: %w", err)
	}
	return nil
}

// SMSUsage returns how many SMS were counted in a month ("2026-03").
func (db *DB) SMSUsage(ctx context.Context, month string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT sent FROM sms_usage WHERE month = ?", month).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read sms usage of %s: %w", month, err)
	}
	return n, nil
}

// SMSCounted reports whether an SMS step visit (its idempotency key) is counted against the cap.
func (db *DB) SMSCounted(ctx context.Context, key string) (bool, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM sms_sends WHERE idempotency_key = ?", key).Scan(&n); err != nil {
		return false, fmt.Errorf("read sms usage: %w", err)
	}
	return n > 0, nil
}

// SMSMonth returns how many SMS a month ("2026-03") counted and whether the user was told its
// cap is reached.
func (db *DB) SMSMonth(ctx context.Context, month string) (sent int, notified bool, err error) {
	var n int
	err = db.r.QueryRowContext(ctx, "SELECT sent, cap_notified FROM sms_usage WHERE month = ?", month).Scan(&sent, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read sms usage of %s: %w", month, err)
	}
	return sent, n > 0, nil
}

// SMSStatus is the final delivery status a provider reported for a counted SMS.
type SMSStatus struct {
	Found  bool   // the idempotency key names a message counted for the provider
	Status string // "" until a final status arrived ("delivered", "failed", ...)
	Code   string // the provider's error code with a failure, if any
	At     time.Time
}

// SetSMSStatus keeps the first final status reported for a counted SMS and returns the one
// kept (a later report does not replace it). Found is false for a key that names no message.
func (t *sqlTx) SetSMSStatus(key, status, code string, now time.Time) (SMSStatus, error) {
	if _, err := t.exec("UPDATE sms_sends SET status = ?, status_code = ?, status_at = ? WHERE idempotency_key = ? AND status IS NULL",
		status, code, ms(now), key); err != nil {
		return SMSStatus{}, fmt.Errorf("record the status of sms %s: %w", key, err)
	}
	return t.SMSStatus(key)
}

// SMSStatus returns the status kept for a counted SMS.
func (t *sqlTx) SMSStatus(key string) (SMSStatus, error) {
	var st SMSStatus
	var status sql.NullString
	var at sql.NullInt64
	err := t.queryRow("SELECT status, status_code, status_at FROM sms_sends WHERE idempotency_key = ?", key).Scan(&status, &st.Code, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the status of sms %s: %w", key, err)
	}
	st.Found, st.Status = true, status.String
	if at.Valid {
		st.At = fromMS(at.Int64)
	}
	return st, nil
}
