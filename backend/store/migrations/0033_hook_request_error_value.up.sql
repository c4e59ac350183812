-- A strict endpoint's refusal of a property nobody declared keeps where in the payload the
-- value came from (error_path, the mapping's path) and the value itself (error_value, JSON), so
-- the Webhooks screen can offer "Declare <name>" with a type guessed from the value without
-- decoding the body a second time. Other rows keep '' and NULL.
ALTER TABLE hook_requests ADD COLUMN error_path TEXT NOT NULL DEFAULT '';
ALTER TABLE hook_requests ADD COLUMN error_value TEXT;
