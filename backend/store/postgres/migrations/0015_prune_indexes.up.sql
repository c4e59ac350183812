-- SQLite 0035 (see backend/store/migrations): retention finds the bulk jobs that ended before
-- its cut through an index (status and when they ended), not by reading every job.
CREATE INDEX enroll_jobs_finished ON enroll_jobs (status, finished_at);
CREATE INDEX retry_jobs_finished ON retry_jobs (status, finished_at);
CREATE INDEX list_imports_ended ON list_imports (status, updated_at);
