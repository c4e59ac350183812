-- A refused webhook request keeps its refusal's code and the field it names apart from the
-- error text, so the Webhooks screen can act on one ("declare the property") without reading
-- the words: error_code is the code the sender was answered with ("undeclared_property"),
-- error_field the path of the first problem ("record.properties.plan"). Rows from before stay
-- '' (their text still says it).
ALTER TABLE hook_requests ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE hook_requests ADD COLUMN error_field TEXT NOT NULL DEFAULT '';
