-- Outbound steps (webhooks, email, ...) run outside transactions and may be retried: a job
-- remembers how many tries came before it, and every try is logged.
ALTER TABLE jobs ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;

CREATE TABLE action_attempts (
    id              INTEGER PRIMARY KEY,
    enrollment_id   INTEGER NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
    workflow_id     TEXT NOT NULL,
    step_id         TEXT NOT NULL,
    step_type       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    try             INTEGER NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('ok','skipped','retry','failed','dead')),
    target          TEXT NOT NULL DEFAULT '',
    status_code     INTEGER NOT NULL DEFAULT 0,
    latency_ms      INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    response        TEXT NOT NULL DEFAULT '',
    request         TEXT NOT NULL DEFAULT '{}',
    at              INTEGER NOT NULL
);
CREATE INDEX action_attempts_enrollment ON action_attempts (enrollment_id, id);
CREATE INDEX action_attempts_key ON action_attempts (idempotency_key, id);
CREATE INDEX action_attempts_dead ON action_attempts (workflow_id, id) WHERE outcome = 'dead';
