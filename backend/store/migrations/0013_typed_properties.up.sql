-- Properties carry the full type set, enum options and a uniqueness flag; object types get a
-- label and a primary property (the one shown as the record's name). SQLite cannot change a
-- CHECK constraint in place, so the properties table is rebuilt with its rows.
CREATE TABLE properties_new (
    object  TEXT NOT NULL REFERENCES object_types(name),
    name    TEXT NOT NULL,
    type    TEXT NOT NULL CHECK (type IN ('string','number','integer','bool','date','datetime','enum','multi','email','phone','url')),
    label   TEXT NOT NULL DEFAULT '',
    options TEXT NOT NULL DEFAULT '[]', -- JSON list of an enum's allowed values
    uniq    INTEGER NOT NULL DEFAULT 0, -- no two records of the object share a value
    PRIMARY KEY (object, name)
) WITHOUT ROWID;
INSERT INTO properties_new (object, name, type, label) SELECT object, name, type, label FROM properties;
DROP TABLE properties;
ALTER TABLE properties_new RENAME TO properties;

ALTER TABLE object_types ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE object_types ADD COLUMN primary_property TEXT NOT NULL DEFAULT '';
UPDATE object_types SET label = 'Contact', primary_property = 'email' WHERE name = 'contact';
UPDATE object_types SET label = 'Company', primary_property = 'name' WHERE name = 'company';
UPDATE object_types SET label = 'Deal', primary_property = 'name' WHERE name = 'deal';
UPDATE object_types SET label = 'Ticket', primary_property = 'subject' WHERE name = 'ticket';
