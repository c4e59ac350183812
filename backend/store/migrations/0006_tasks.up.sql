-- Database-only workflow steps (create_task, rotate_owner, subscription, notify) and the SMS
-- monthly cap.

-- Tasks created by create_task steps (or, later, by hand).
CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    owner         TEXT NOT NULL DEFAULT '',
    due_at        INTEGER,             -- NULL: no due date
    record_id     INTEGER REFERENCES records(id) ON DELETE SET NULL,
    enrollment_id INTEGER REFERENCES enrollments(id) ON DELETE SET NULL,
    workflow_id   TEXT NOT NULL DEFAULT '',
    step_id       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
    created_at    INTEGER NOT NULL,
    done_at       INTEGER
);
CREATE INDEX tasks_open ON tasks (status, due_at, id);
CREATE INDEX tasks_record ON tasks (record_id, id);
CREATE INDEX tasks_owner ON tasks (owner, status, id);

-- Round-robin position of each rotate_owner step: the index of the next owner to assign.
CREATE TABLE owner_rotation (
    workflow_id TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, step_id)
) WITHOUT ROWID;

-- Current subscription status per record and subscription type ...
CREATE TABLE subscriptions (
    record_id    INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    subscription TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('opted_in','opted_out')),
    legal_basis  TEXT NOT NULL DEFAULT '',
    explanation  TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',   -- e.g. "workflow/step"
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (record_id, subscription)
) WITHOUT ROWID;

-- ... and every change to it, append-only (proof of consent).
CREATE TABLE subscription_history (
    id            INTEGER PRIMARY KEY,
    record_id     INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    subscription  TEXT NOT NULL,
    status        TEXT NOT NULL,
    previous      TEXT NOT NULL DEFAULT '',
    legal_basis   TEXT NOT NULL DEFAULT '',
    explanation   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    enrollment_id INTEGER,
    at            INTEGER NOT NULL
);
CREATE INDEX subscription_history_record ON subscription_history (record_id, id);

-- Notifications may be addressed to one user (notify steps); '' means everyone.
ALTER TABLE notifications ADD COLUMN user TEXT NOT NULL DEFAULT '';

-- SMS sent through a provider, per calendar month (UTC), for the monthly cap. A message counts
-- once per step visit (its idempotency key), however often it is retried.
CREATE TABLE sms_usage (
    month        TEXT PRIMARY KEY,   -- "2026-03"
    sent         INTEGER NOT NULL DEFAULT 0,
    cap_notified INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE sms_sends (
    idempotency_key TEXT PRIMARY KEY,
    month           TEXT NOT NULL,
    at              INTEGER NOT NULL
) WITHOUT ROWID;
