-- Which record types may be linked to which (both directions are listed). The built-in pairs
-- are HubSpot's; a custom object type adds its own pairs when it is created.
CREATE TABLE association_types (
    from_type TEXT NOT NULL REFERENCES object_types(name),
    to_type   TEXT NOT NULL REFERENCES object_types(name),
    PRIMARY KEY (from_type, to_type)
) WITHOUT ROWID;
INSERT INTO association_types (from_type, to_type) VALUES
    ('contact', 'company'), ('company', 'contact'),
    ('contact', 'deal'), ('deal', 'contact'),
    ('contact', 'ticket'), ('ticket', 'contact'),
    ('company', 'deal'), ('deal', 'company'),
    ('company', 'ticket'), ('ticket', 'company'),
    ('deal', 'ticket'), ('ticket', 'deal');

-- Links between records, with an optional label ("Primary", "Billing contact"). Each link is
-- stored in both directions, so reading a record's associations is one index range.
CREATE TABLE associations (
    from_id    INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    to_id      INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    to_type    TEXT NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (from_id, to_id, label)
) WITHOUT ROWID;
CREATE INDEX associations_to ON associations (to_id);
CREATE INDEX associations_type ON associations (from_id, to_type);

-- An erased record (GDPR) stays as an anonymous tombstone: its id and type, no email, no
-- properties, and when it was erased; its enrollments keep their counts with their details
-- emptied. Reads skip tombstones.
ALTER TABLE records ADD COLUMN erased_at INTEGER;
