-- Incoming-webhook endpoints (POST /hooks/{key}). config is the endpoint's JSON configuration
-- without secrets; secret holds the whsec_ signing secret or the SHA-256 (hex) of the API key.
CREATE TABLE hook_endpoints (
    id                   TEXT PRIMARY KEY,
    key                  TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    config               TEXT NOT NULL DEFAULT '{}',
    secret               TEXT NOT NULL DEFAULT '',
    enabled              INTEGER NOT NULL DEFAULT 1,
    capture              INTEGER NOT NULL DEFAULT 0,
    captured             TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    max_failures         INTEGER NOT NULL DEFAULT 10,
    disabled_reason      TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- Per-endpoint request log (successes and failures) with the raw body, capped in size.
CREATE TABLE hook_requests (
    id          INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES hook_endpoints(id) ON DELETE CASCADE,
    received_at INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('applied','duplicate','captured','rejected','filtered','skipped','delayed')),
    error       TEXT NOT NULL DEFAULT '',
    webhook_id  TEXT NOT NULL DEFAULT '',
    headers     TEXT NOT NULL DEFAULT '{}',
    body        BLOB,
    event_id    INTEGER
);
CREATE INDEX hook_requests_endpoint ON hook_requests (endpoint_id, id DESC);
CREATE INDEX hook_requests_received ON hook_requests (received_at);

-- Delivery ids (webhook-id / Idempotency-Key) seen per endpoint, for the 24-hour replay window
-- of deliveries that produced no event (filtered, skipped, delayed).
CREATE TABLE hook_deliveries (
    endpoint_id TEXT NOT NULL REFERENCES hook_endpoints(id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    event_id    INTEGER,
    PRIMARY KEY (endpoint_id, delivery_id)
) WITHOUT ROWID;
CREATE INDEX hook_deliveries_received ON hook_deliveries (received_at);

-- Deliveries accepted with "delay enrollment by N days": ingested when due.
CREATE TABLE hook_delayed (
    id          INTEGER PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES hook_endpoints(id) ON DELETE CASCADE,
    request_id  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    payload     TEXT NOT NULL
);
CREATE INDEX hook_delayed_due ON hook_delayed (due_at, id);

-- In-app notification centre.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    read       INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_unread ON notifications (read, id);
