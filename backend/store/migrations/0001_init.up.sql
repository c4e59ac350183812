-- Record types: the built-in ones plus any custom type the user declares.
CREATE TABLE object_types (
    name       TEXT PRIMARY KEY,
    builtin    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
INSERT INTO object_types (name, builtin, created_at) VALUES
    ('contact', 1, 0), ('company', 1, 0), ('deal', 1, 0), ('ticket', 1, 0);

-- Declared record properties; drive operator/type checks in validation.
CREATE TABLE properties (
    object TEXT NOT NULL REFERENCES object_types(name),
    name   TEXT NOT NULL,
    type   TEXT NOT NULL CHECK (type IN ('string','number','bool','date','enum','multi')),
    label  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (object, name)
) WITHOUT ROWID;

CREATE TABLE records (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL REFERENCES object_types(name),
    email      TEXT COLLATE NOCASE,
    properties TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX records_email ON records (type, email) WHERE email IS NOT NULL;

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    type            TEXT NOT NULL,
    record_id       INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    scope           TEXT NOT NULL DEFAULT '{}',
    data            TEXT NOT NULL DEFAULT '{}',
    occurred_at     INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    idempotency_key TEXT
);
CREATE INDEX events_record ON events (record_id, id);
CREATE UNIQUE INDEX events_idempotency ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE workflows (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    object         TEXT NOT NULL,
    definition     TEXT NOT NULL,
    revision       INTEGER NOT NULL DEFAULT 1,
    enabled        INTEGER NOT NULL DEFAULT 0,
    active_version INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE workflow_versions (
    workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, version)
) WITHOUT ROWID;

CREATE TABLE enrollments (
    id           INTEGER PRIMARY KEY,
    workflow_id  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    record_id    INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('active','waiting','completed','failed','cancelled')),
    current_step TEXT NOT NULL DEFAULT '',
    trigger_id   TEXT NOT NULL DEFAULT '',
    event_id     INTEGER,
    reason       TEXT NOT NULL DEFAULT '{}',
    steps_run    INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    FOREIGN KEY (workflow_id, version) REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE
);
-- At most one open enrollment per workflow and record.
CREATE UNIQUE INDEX enrollments_open ON enrollments (workflow_id, record_id) WHERE status IN ('active','waiting');
CREATE INDEX enrollments_workflow_record ON enrollments (workflow_id, record_id);
CREATE INDEX enrollments_workflow_status ON enrollments (workflow_id, status, current_step);
CREATE INDEX enrollments_record ON enrollments (record_id, id);
-- Retention: finished enrollments by age, and the events enrollments still point at.
CREATE INDEX enrollments_finished ON enrollments (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX enrollments_event ON enrollments (event_id) WHERE event_id IS NOT NULL;

-- The durable queue: one pending job per enrollment (run a step, or resume after a delay).
-- AUTOINCREMENT: a job id is never reused, so a claim (id, attempt) cannot match a later job.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL UNIQUE REFERENCES enrollments(id) ON DELETE CASCADE,
    record_id     INTEGER NOT NULL,
    step_id       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('run','resume')),
    outcome       TEXT NOT NULL DEFAULT '',
    event_id      INTEGER,
    wait_event    TEXT,
    run_at        INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'available' CHECK (state IN ('available','running')),
    lease_until   INTEGER NOT NULL DEFAULT 0,
    attempt       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_due ON jobs (state, run_at, id);
CREATE INDEX jobs_waiting ON jobs (record_id, wait_event) WHERE wait_event IS NOT NULL;
CREATE INDEX jobs_event ON jobs (event_id) WHERE event_id IS NOT NULL;

-- Append-only log per enrollment.
CREATE TABLE history (
    id            INTEGER PRIMARY KEY,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
    step_id       TEXT NOT NULL DEFAULT '',
    step_type     TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}',
    at            INTEGER NOT NULL
);
CREATE INDEX history_enrollment ON history (enrollment_id, id);

-- Per-step completed/failed counters for the canvas, kept in the same transaction as history.
CREATE TABLE step_counts (
    workflow_id TEXT NOT NULL,
    step_id     TEXT NOT NULL,
    completed   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_id, step_id)
) WITHOUT ROWID;

CREATE TABLE list_members (
    list      TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (list, record_id)
) WITHOUT ROWID;
CREATE INDEX list_members_record ON list_members (record_id);

INSERT INTO properties (object, name, type, label) VALUES
    ('contact', 'email', 'string', 'Email'),
    ('contact', 'first_name', 'string', 'First name'),
    ('contact', 'last_name', 'string', 'Last name'),
    ('contact', 'phone', 'string', 'Phone number'),
    ('contact', 'city', 'string', 'City'),
    ('contact', 'country', 'string', 'Country'),
    ('contact', 'company', 'string', 'Company name'),
    ('contact', 'lifecycle', 'enum', 'Lifecycle stage'),
    ('contact', 'lead_status', 'enum', 'Lead status'),
    ('contact', 'owner', 'string', 'Contact owner'),
    ('contact', 'score', 'number', 'Lead score'),
    ('contact', 'watch_pct', 'number', 'Webinar watch percentage'),
    ('contact', 'tags', 'multi', 'Tags'),
    ('contact', 'renewal_date', 'date', 'Renewal date'),
    ('contact', 'subscribed', 'bool', 'Subscribed to marketing email'),
    ('company', 'name', 'string', 'Company name'),
    ('company', 'domain', 'string', 'Domain'),
    ('company', 'industry', 'enum', 'Industry'),
    ('company', 'employees', 'number', 'Number of employees'),
    ('deal', 'name', 'string', 'Deal name'),
    ('deal', 'amount', 'number', 'Amount'),
    ('deal', 'stage', 'enum', 'Deal stage'),
    ('deal', 'close_date', 'date', 'Close date'),
    ('ticket', 'subject', 'string', 'Subject'),
    ('ticket', 'priority', 'enum', 'Priority'),
    ('ticket', 'status', 'enum', 'Status');
