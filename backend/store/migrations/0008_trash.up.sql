-- Deleted workflows go to the Trash: they keep their versions, enrollments, history and
-- counters until purged (on request, or by the maintenance service after 30 days).
-- deleted_at: when it was moved to the Trash (NULL: not deleted).
-- trash_cancel: 1 when its open enrollments are to be cancelled (in background batches).
-- purge_at: when its purge was asked for (NULL: not yet); purge_total: its enrollments then,
-- for the purge's progress.
ALTER TABLE workflows ADD COLUMN deleted_at INTEGER;
ALTER TABLE workflows ADD COLUMN trash_cancel INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflows ADD COLUMN purge_at INTEGER;
ALTER TABLE workflows ADD COLUMN purge_total INTEGER NOT NULL DEFAULT 0;
CREATE INDEX workflows_deleted ON workflows (deleted_at) WHERE deleted_at IS NOT NULL;
