-- Workflow tests saved in the app: a scenario is the JSON of a scenario file (the simulation
-- request and what it must produce, the format `flowdesk test` reads), kept per workflow under
-- a name unique in it. They go when the workflow is purged.
CREATE TABLE scenarios (
    id          INTEGER PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (workflow_id, name)
);
