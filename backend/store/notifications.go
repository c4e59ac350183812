package store

import (
	"context"
	"fmt"
	"time"
)

// Notification is an entry of the in-app notification centre.
type Notification struct {
	ID        int64
	Kind      string // e.g. "hook_disabled", "notify"
	Title     string
	Body      string
	Link      string
	User      string // the user it is addressed to; "" means everyone
	Read      bool
	CreatedAt time.Time
}

// AddNotification appends a notification and sets its ID.
func (t *sqlTx) AddNotification(n *Notification, now time.Time) error {
	newID, err := t.insert("INSERT INTO notifications (kind, title, body, link, \"user\", read, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
		n.Kind, n.Title, n.Body, n.Link, n.User, ms(now))
	if err != nil {
		return fmt.Errorf("add notification: %w", err)
	}
	n.ID = newID
	n.Read, n.CreatedAt = false, now
	return nil
}

// NotifiedSince reports whether a notification of kind with this title was added at or after
// since (for notices that come at most once per subject and period).
func (t *sqlTx) NotifiedSince(kind, title string, since time.Time) (bool, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM notifications WHERE kind = ? AND title = ? AND created_at >= ?", kind, title, ms(since)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("find %s notifications: %w", kind, err)
	}
	return n > 0, nil
}

// Notifications lists notifications newest first (only unread ones when unreadOnly).
func (db *DB) Notifications(ctx context.Context, unreadOnly bool, limit int) ([]*Notification, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := "SELECT id, kind, title, body, link, \"user\", read, created_at FROM notifications"
	if unreadOnly {
		q += " WHERE read = 0"
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	out := []*Notification{}
	for rows.Next() {
		var n Notification
		var created int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.User, &n.Read, &created); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		n.CreatedAt = fromMS(created)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// MarkRead marks a notification read; an unknown id is ErrNotFound.
func (t *sqlTx) MarkRead(id int64) error {
	res, err := t.exec("UPDATE notifications SET read = 1 WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("mark notification %d read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("notification %d: %w", id, ErrNotFound)
	}
	return nil
}

// UnreadCount returns how many notifications are unread.
func (db *DB) UnreadCount(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE read = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}
