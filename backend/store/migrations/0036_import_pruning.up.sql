-- Retention deletes a large import report over several batches before the import itself. The
-- first of them marks the import (pruning = 1), and every read of imports and reports passes a
-- marked one by, so nothing ever shows an import whose report is half deleted.
ALTER TABLE list_imports ADD COLUMN pruning INTEGER NOT NULL DEFAULT 0;
