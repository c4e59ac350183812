-- Lists become objects of their own: a static list (members added and removed by steps, the API,
-- the UI and CSV import) or an active list (a filter; the engine keeps its members in the same
-- transaction as the record change). list_members stays the one source of membership; lists
-- holds what a list is. Every list a step or a member row named before gets a static list of
-- that id, so existing workflows and their members keep working.
CREATE TABLE lists (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT 'contact',
    filter     TEXT,             -- JSON filter of an active list; NULL for a static list
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

INSERT INTO lists (id, name, object, filter, created_at, updated_at)
SELECT g.list, g.list, COALESCE((SELECT r.type FROM records r WHERE r.id = g.first), 'contact'), NULL, g.at, g.at
FROM (SELECT list, MIN(record_id) AS first, MIN(added_at) AS at FROM list_members GROUP BY list) g;

INSERT OR IGNORE INTO lists (id, name, object, filter, created_at, updated_at)
SELECT DISTINCT json_extract(s.value, '$.list'), json_extract(s.value, '$.list'), w.object, NULL, w.created_at, w.created_at
FROM workflows w, json_each(w.definition, '$.steps') s
WHERE json_extract(s.value, '$.type') IN ('add_to_list', 'remove_from_list')
  AND COALESCE(json_extract(s.value, '$.list'), '') != '';

-- Members now belong to a list that exists: deleting a list removes its members.
CREATE TABLE list_members_new (
    list      TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (list, record_id)
) WITHOUT ROWID;
INSERT INTO list_members_new (list, record_id, added_at) SELECT list, record_id, added_at FROM list_members;
DROP TABLE list_members;
ALTER TABLE list_members_new RENAME TO list_members;
CREATE INDEX list_members_record ON list_members (record_id);

-- Joins and leaves per list and UTC day, kept in the same transaction as the membership change:
-- the Lists screen's counts over time read this, never the member rows.
CREATE TABLE list_days (
    list   TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    day    INTEGER NOT NULL, -- unix milliseconds of the UTC day's start
    joins  INTEGER NOT NULL DEFAULT 0,
    leaves INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list, day)
) WITHOUT ROWID;
INSERT INTO list_days (list, day, joins)
SELECT list, added_at - (added_at % 86400000), COUNT(*) FROM list_members GROUP BY list, added_at - (added_at % 86400000);

-- CSV imports into a static list: the file, what its columns map to, and how far the import got,
-- so an acknowledged import resumes after a crash. Rows run in batches, each a transaction of
-- its own; rows that fail are kept with the reason for the downloadable report.
CREATE TABLE list_imports (
    id         INTEGER PRIMARY KEY,
    list       TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('running','done','failed')),
    spec       TEXT NOT NULL,            -- JSON: column mapping and the key
    total      INTEGER NOT NULL,         -- data rows in the file
    cursor     INTEGER NOT NULL DEFAULT 0, -- data rows handled
    created    INTEGER NOT NULL DEFAULT 0,
    updated    INTEGER NOT NULL DEFAULT 0,
    unchanged  INTEGER NOT NULL DEFAULT 0,
    joined     INTEGER NOT NULL DEFAULT 0, -- records that joined the list
    failed     INTEGER NOT NULL DEFAULT 0,
    error      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX list_imports_running ON list_imports (id) WHERE status = 'running';

-- The file of a running import, apart from its progress row: saving progress after every batch
-- then never rewrites (nor reads past) a file of several megabytes. Deleted when the import ends.
CREATE TABLE list_import_files (
    import_id INTEGER PRIMARY KEY REFERENCES list_imports(id) ON DELETE CASCADE,
    body      BLOB NOT NULL
);

CREATE TABLE list_import_errors (
    import_id INTEGER NOT NULL REFERENCES list_imports(id) ON DELETE CASCADE,
    row       INTEGER NOT NULL, -- line of the file (the header is line 1)
    field     TEXT NOT NULL,    -- the column (or "row") the problem is in
    message   TEXT NOT NULL,
    PRIMARY KEY (import_id, row, field)
) WITHOUT ROWID;
