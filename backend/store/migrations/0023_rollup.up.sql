-- The performance rollup: history entries counted per workflow, UTC day, step, path and
-- outcome, kept by AppendHistory in the transaction that appends them, so charts never scan
-- history. step_id '' holds the enrollment-level lines (enrolled, completed, failed,
-- goal_reached, unenrolled, cancelled); path is the branch or split path a step sent the
-- record down ('' otherwise). It outlives history pruning (it is the summary of what was
-- pruned) and goes when the workflow is purged.
CREATE TABLE rollup_daily (
    workflow_id TEXT NOT NULL,
    day         INTEGER NOT NULL, -- days since 1970-01-01 UTC
    step_id     TEXT NOT NULL,
    path        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, day, step_id, path, outcome)
) WITHOUT ROWID;

-- What is there already is counted once, by the same rules as AppendHistory.
INSERT INTO rollup_daily (workflow_id, day, step_id, path, outcome, n)
SELECT e.workflow_id, h.at / 86400000,
       CASE WHEN h.step_type = '' THEN '' ELSE h.step_id END,
       CASE WHEN h.step_type = 'branch' AND h.outcome = 'ok' THEN COALESCE(json_extract(h.detail, '$.branch'), '')
            WHEN h.step_type = 'split' AND h.outcome = 'ok' THEN COALESCE(json_extract(h.detail, '$.path'), '')
            ELSE '' END,
       h.outcome, COUNT(*)
FROM history h JOIN enrollments e ON e.id = h.enrollment_id
GROUP BY 1, 2, 3, 4, 5;

-- Tags of a workflow for the workflow list (a JSON array of strings); not part of its
-- definition, so tagging never makes a version.
ALTER TABLE workflows ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
