-- Schedule triggers: per (workflow, trigger) the fire times already processed, so missed
-- occurrences run once on start and never twice. Times are Unix milliseconds.
CREATE TABLE schedule_state (
    workflow_id TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    spec        TEXT NOT NULL,              -- the timing the trigger was armed with; an edit re-arms
    armed_at    INTEGER NOT NULL,           -- when the trigger was switched on (or re-armed)
    cursor      INTEGER NOT NULL,           -- fire times <= cursor have been processed
    run_fire    INTEGER NOT NULL DEFAULT 0, -- occurrence whose enrollments are being written in pages (0: none)
    run_after   INTEGER NOT NULL DEFAULT 0, -- last record id that occurrence has gone through
    last_fire   INTEGER NOT NULL DEFAULT 0, -- the last occurrence that ran
    runs        INTEGER NOT NULL DEFAULT 0, -- how many occurrences ran
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, trigger_id)
) WITHOUT ROWID;

-- Date-property schedules: one row per record and fire date that has fired, so each date fires
-- at most once per record, across restarts, re-runs and time-zone edits.
CREATE TABLE schedule_fired (
    workflow_id TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    fire_date   TEXT NOT NULL,
    fired_at    INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, trigger_id, record_id, fire_date)
) WITHOUT ROWID;
CREATE INDEX schedule_fired_record ON schedule_fired (record_id);
