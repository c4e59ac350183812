-- Why a record was kept out of a workflow it would have entered (today: it is in one of the
-- workflow's suppression lists), for the record page, as HubSpot's "not enrolled because..."
-- lines. A refused record has no enrollment, so there is no history to append to; one row per
-- workflow and record holds the latest refusal and how many there were, so a suppressed contact
-- whose events keep matching a trigger does not grow the table. Erasing the record deletes its
-- rows; purging the workflow deletes the workflow's.
CREATE TABLE enrollment_refusals (
    record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    workflow_id TEXT NOT NULL,
    trigger_id  TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    n           INTEGER NOT NULL DEFAULT 1,
    first_at    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (record_id, workflow_id)
) WITHOUT ROWID;
CREATE INDEX enrollment_refusals_workflow ON enrollment_refusals (workflow_id);

-- A CSV import can be cancelled: the rows so far stay, the rest is not read. It is stored as
-- done with cancelled_at set and read back as 'cancelled' (as ended_by does for enrollments,
-- 0017), because SQLite cannot widen the status CHECK without rebuilding the table.
ALTER TABLE list_imports ADD COLUMN cancelled_at INTEGER;
