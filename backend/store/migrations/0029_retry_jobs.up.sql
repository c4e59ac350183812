-- "Retry all" of a workflow step as one durable job: the dead letters of the step up to the
-- delivery-log line up_to (the newest when the job started) are sent again in batches; each
-- batch commits its delivery-log lines together with the job's cursor and counts, so a restart
-- resumes after the last committed batch and no dead letter gets two retries from one job.
CREATE TABLE retry_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled')),
    up_to       INTEGER NOT NULL,           -- tries logged after this delivery-log line are not in the job
    cursor      INTEGER NOT NULL DEFAULT 0, -- the last dead letter (delivery-log id) handled
    total       INTEGER NOT NULL DEFAULT 0, -- dead letters selected when the job started
    done        INTEGER NOT NULL DEFAULT 0, -- handled so far: ok + failed + skipped
    ok          INTEGER NOT NULL DEFAULT 0, -- delivered by the retry
    failed      INTEGER NOT NULL DEFAULT 0, -- failed again
    skipped     INTEGER NOT NULL DEFAULT 0, -- settled or gone before the job reached it
    error       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
-- one running job per workflow step
CREATE UNIQUE INDEX retry_jobs_running ON retry_jobs (workflow_id, step_id) WHERE status = 'running';
CREATE INDEX retry_jobs_workflow ON retry_jobs (workflow_id, id);
-- a step's failed-for-good tries in log order, for the job's batches
CREATE INDEX action_attempts_step_failed ON action_attempts (workflow_id, step_id, id) WHERE outcome IN ('failed','dead');
