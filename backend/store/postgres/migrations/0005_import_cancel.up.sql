-- SQLite 0027 (its second part): a cancelled CSV import (see backend/store/migrations).
ALTER TABLE list_imports ADD COLUMN cancelled_at BIGINT;
