-- SQLite 0033 (see backend/store/migrations): a refusal of an undeclared property keeps the
-- payload path its value came from and the value (JSON).
ALTER TABLE hook_requests ADD COLUMN error_path TEXT NOT NULL DEFAULT '';
ALTER TABLE hook_requests ADD COLUMN error_value TEXT;
