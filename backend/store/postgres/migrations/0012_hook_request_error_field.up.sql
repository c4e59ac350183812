-- SQLite 0032 (see backend/store/migrations): a refused webhook request keeps its refusal's
-- code and the field it names apart from the error text.
ALTER TABLE hook_requests ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE hook_requests ADD COLUMN error_field TEXT NOT NULL DEFAULT '';
