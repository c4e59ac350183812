-- SQLite 0027: why a record was kept out of a workflow (see backend/store/migrations).
CREATE TABLE enrollment_refusals (
    record_id   BIGINT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    workflow_id TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    n           BIGINT NOT NULL DEFAULT 1,
    first_at    BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (record_id, workflow_id)
);
CREATE INDEX enrollment_refusals_workflow ON enrollment_refusals (workflow_id);
