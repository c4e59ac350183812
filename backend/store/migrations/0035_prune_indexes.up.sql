-- Retention deletes bulk jobs that ended before a cut by their status and when they ended:
-- enrollment and retry jobs by finished_at, imports by updated_at. These indexes let each
-- round find them without reading every job; an import's error report is found by its primary
-- key (import_id leads it).
CREATE INDEX enroll_jobs_finished ON enroll_jobs (status, finished_at);
CREATE INDEX retry_jobs_finished ON retry_jobs (status, finished_at);
CREATE INDEX list_imports_ended ON list_imports (status, updated_at);
