-- How an enrollment left before the end: '' (it did not), 'goal_reached' (it met the workflow's
-- goal) or 'unenrolled' (an unenrollment rule took it out). The enrollment is stored as
-- completed (goal reached) or cancelled (unenrolled) and read back with this as its status: a
-- column beside the status, as failed_steps is (0009), because SQLite cannot widen the status
-- CHECK without rebuilding the table.
ALTER TABLE enrollments ADD COLUMN ended_by TEXT NOT NULL DEFAULT '';

-- Stats group by it with the status.
DROP INDEX enrollments_workflow_status;
CREATE INDEX enrollments_workflow_status ON enrollments (workflow_id, status, current_step, failed_steps, ended_by);
