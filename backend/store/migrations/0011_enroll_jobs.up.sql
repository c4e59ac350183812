-- Bulk manual enrollment ("Enroll records…"): one durable job per request. The runner enrolls in
-- small batches; each batch commits its enrollments together with the job's cursor and counts,
-- so a restart resumes after the last committed record and nobody is enrolled twice.
CREATE TABLE enroll_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id   TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('records','list','filter')),
    selection     TEXT NOT NULL,            -- {"record_ids": [...]} | {"list": "id"} | {"filter": {...}}
    status        TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled')),
    max_record_id INTEGER NOT NULL,         -- records created after the job started are not in it
    cursor        INTEGER NOT NULL DEFAULT 0, -- the last record id handled
    total         INTEGER NOT NULL DEFAULT 0, -- records selected when the job started
    matched       INTEGER NOT NULL DEFAULT 0, -- selected records handled so far
    enrolled      INTEGER NOT NULL DEFAULT 0,
    skipped       TEXT NOT NULL DEFAULT '{}', -- reason code -> count
    error         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    finished_at   INTEGER
);
CREATE INDEX enroll_jobs_running ON enroll_jobs (id) WHERE status = 'running';
CREATE INDEX enroll_jobs_workflow ON enroll_jobs (workflow_id, id);
