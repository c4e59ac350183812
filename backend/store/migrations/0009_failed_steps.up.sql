-- Honest outcomes: how many steps of an enrollment failed (a send refused, a dead letter, a step
-- that could not do its job). A finished enrollment with failed steps reads
-- "completed_with_errors". It is a count beside the status, not a new status value, because
-- SQLite cannot widen the status CHECK without rebuilding the table, and rebuilding it with
-- foreign keys on would cascade-delete the history and jobs that point at it.
ALTER TABLE enrollments ADD COLUMN failed_steps INTEGER NOT NULL DEFAULT 0;

-- Enrollments from before this version: count the failed step entries they logged.
UPDATE enrollments SET failed_steps = (
    SELECT COUNT(*) FROM history h WHERE h.enrollment_id = enrollments.id AND h.outcome = 'failed' AND h.step_id <> ''
) WHERE EXISTS (SELECT 1 FROM history h WHERE h.enrollment_id = enrollments.id AND h.outcome = 'failed' AND h.step_id <> '');

-- The stats query groups by status, "has failed steps" and current step: keep it on an index.
DROP INDEX enrollments_workflow_status;
CREATE INDEX enrollments_workflow_status ON enrollments (workflow_id, status, current_step, failed_steps);
