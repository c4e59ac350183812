-- Email: named templates, the outbox (messages kept locally when no SMTP server is set up, and
-- a record of what was sent), and plain settings (secrets live outside the database).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,            -- JSON
    updated_at INTEGER NOT NULL
);

CREATE TABLE email_templates (
    name       TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    body_html  TEXT NOT NULL DEFAULT '',
    body_text  TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL DEFAULT 'email',
    status          TEXT NOT NULL CHECK (status IN ('outbox','sent')),
    idempotency_key TEXT NOT NULL,
    message_id      TEXT NOT NULL DEFAULT '',
    enrollment_id   INTEGER,
    workflow_id     TEXT NOT NULL DEFAULT '',
    step_id         TEXT NOT NULL DEFAULT '',
    from_addr       TEXT NOT NULL DEFAULT '',
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
-- One row per step visit and channel: a retried or repeated send does not add a second row.
CREATE UNIQUE INDEX outbox_key ON outbox (channel, idempotency_key);
CREATE INDEX outbox_status ON outbox (status, id);
