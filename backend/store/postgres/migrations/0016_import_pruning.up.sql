-- SQLite 0036 (see backend/store/migrations): an import whose report retention is deleting in
-- batches is marked, and reads pass it by.
ALTER TABLE list_imports ADD COLUMN pruning BIGINT NOT NULL DEFAULT 0;
