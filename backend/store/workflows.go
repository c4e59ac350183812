package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Workflow is a stored workflow: its current (draft) definition and, when enabled, the version
// new enrollments start on. It is a row: the API answers with its own wire type
// (backend/api/wire.go).
type Workflow struct {
	ID            string
	Name          string
	Object        string
	Definition    json.RawMessage
	Revision      int
	Enabled       bool
	ActiveVersion int
	Tags          []string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const workflowCols = "id, name, object, definition, revision, enabled, COALESCE(active_version, 0), created_at, updated_at, tags"

func scanWorkflow(row interface{ Scan(...any) error }) (*Workflow, error) {
	var w Workflow
	var def, tags string
	var created, updated int64
	if err := row.Scan(&w.ID, &w.Name, &w.Object, &def, &w.Revision, &w.Enabled, &w.ActiveVersion, &created, &updated, &tags); err != nil {
		return nil, err
	}
	w.Definition = json.RawMessage(def)
	if err := json.Unmarshal([]byte(tags), &w.Tags); err != nil || w.Tags == nil {
		w.Tags = []string{}
	}
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	return &w, nil
}

func getWorkflow(ctx context.Context, q querier, id string) (*Workflow, error) {
	w, err := scanWorkflow(q.QueryRowContext(ctx, "SELECT "+workflowCols+" FROM workflows WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("workflow %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load workflow %q: %w", id, err)
	}
	return w, nil
}

// Workflow loads a workflow by id; one in the Trash is ErrNotFound (see TrashedWorkflow).
func (db *DB) Workflow(ctx context.Context, id string) (*Workflow, error) {
	return getWorkflow(ctx, db.r, id)
}

// Workflow loads a workflow by id inside the transaction.
func (t *sqlTx) Workflow(id string) (*Workflow, error) { return getWorkflow(t.ctx, t.tx, id) }

// Workflows lists every workflow not in the Trash, ordered by name (case-insensitively).
func (db *DB) Workflows(ctx context.Context) ([]*Workflow, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+workflowCols+" FROM workflows WHERE deleted_at IS NULL ORDER BY LOWER(name), id")
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	return collect(rows, "list workflows", scanWorkflow)
}

// CreateWorkflow inserts a new workflow; an existing id is ErrConflict.
func (t *sqlTx) CreateWorkflow(w *Workflow, now time.Time) error {
	res, err := t.exec(`INSERT INTO workflows (id, name, object, definition, revision, enabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, 1, 0, ?, ?) ON CONFLICT (id) DO NOTHING`, w.ID, w.Name, w.Object, string(w.Definition), ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("create workflow %q: %w", w.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var trashed bool
		if err := t.queryRow("SELECT deleted_at IS NOT NULL FROM workflows WHERE id = ?", w.ID).Scan(&trashed); err == nil && trashed {
			return fmt.Errorf("the id %q belongs to a deleted workflow in the Trash: restore it, purge it from the Trash, or give this workflow another id: %w", w.ID, ErrConflict)
		}
		return fmt.Errorf("workflow %q already exists: %w", w.ID, ErrConflict)
	}
	w.Revision, w.Enabled, w.CreatedAt, w.UpdatedAt = 1, false, now, now
	return nil
}

// UpdateWorkflow replaces a workflow's definition. When expectRevision > 0 and differs from the
// stored revision the update is refused with ErrConflict (someone else saved in between).
func (t *sqlTx) UpdateWorkflow(w *Workflow, expectRevision int, now time.Time) error {
	cur, err := t.Workflow(w.ID)
	if err != nil {
		return err
	}
	if expectRevision > 0 && cur.Revision != expectRevision {
		return fmt.Errorf("workflow %q was changed elsewhere (revision %d, you edited %d); reload it: %w", w.ID, cur.Revision, expectRevision, ErrConflict)
	}
	if _, err := t.exec("UPDATE workflows SET name = ?, object = ?, definition = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
		w.Name, w.Object, string(w.Definition), ms(now), w.ID); err != nil {
		return fmt.Errorf("update workflow %q: %w", w.ID, err)
	}
	w.Revision, w.Enabled, w.ActiveVersion, w.CreatedAt, w.UpdatedAt = cur.Revision+1, cur.Enabled, cur.ActiveVersion, cur.CreatedAt, now
	return nil
}

// SnapshotVersion makes the workflow's current definition a version (reusing the latest version
// when the definition is unchanged) and returns its number.
func (t *sqlTx) SnapshotVersion(id string, now time.Time) (int, error) {
	w, err := t.Workflow(id)
	if err != nil {
		return 0, err
	}
	var latest int
	var latestDef sql.NullString
	err = t.queryRow("SELECT version, definition FROM workflow_versions WHERE workflow_id = ? ORDER BY version DESC LIMIT 1", id).Scan(&latest, &latestDef)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("snapshot workflow %q: %w", id, err)
	}
	if latest > 0 && latestDef.String == string(w.Definition) {
		return latest, nil
	}
	if _, err := t.exec("INSERT INTO workflow_versions (workflow_id, version, definition, created_at) VALUES (?, ?, ?, ?)",
		id, latest+1, string(w.Definition), ms(now)); err != nil {
		return 0, fmt.Errorf("snapshot workflow %q: %w", id, err)
	}
	return latest + 1, nil
}

// SetWorkflowEnabled switches a workflow on (with the version new enrollments use) or off.
func (t *sqlTx) SetWorkflowEnabled(id string, enabled bool, version int, now time.Time) error {
	var v any
	if enabled {
		v = version
	}
	res, err := t.exec("UPDATE workflows SET enabled = ?, active_version = COALESCE(?, active_version), updated_at = ? WHERE id = ? AND deleted_at IS NULL", enabled, v, ms(now), id)
	if err != nil {
		return fmt.Errorf("switch workflow %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("workflow %q: %w", id, ErrNotFound)
	}
	return nil
}

// WorkflowVersion loads one stored version's definition.
func (db *DB) WorkflowVersion(ctx context.Context, id string, version int) (json.RawMessage, error) {
	var def string
	err := db.r.QueryRowContext(ctx, "SELECT definition FROM workflow_versions WHERE workflow_id = ? AND version = ?", id, version).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("workflow %q version %d: %w", id, version, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load workflow %q version %d: %w", id, version, err)
	}
	return json.RawMessage(def), nil
}

// WorkflowVersion is one stored version of a workflow: what enrollments started on it run.
type WorkflowVersion struct {
	Version    int
	Definition json.RawMessage
	CreatedAt  time.Time
}

// WorkflowVersions lists a workflow's versions, oldest first.
func (db *DB) WorkflowVersions(ctx context.Context, id string) ([]*WorkflowVersion, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT version, definition, created_at FROM workflow_versions WHERE workflow_id = ? ORDER BY version", id)
	if err != nil {
		return nil, fmt.Errorf("list versions of workflow %q: %w", id, err)
	}
	return collect(rows, "list versions of workflow "+id, func(r rowScanner) (*WorkflowVersion, error) {
		var v WorkflowVersion
		var def string
		var created int64
		if err := r.Scan(&v.Version, &def, &created); err != nil {
			return nil, err
		}
		v.Definition, v.CreatedAt = json.RawMessage(def), fromMS(created)
		return &v, nil
	})
}

// SetWorkflowTags replaces a workflow's tags (its definition and revision stay).
func (t *sqlTx) SetWorkflowTags(id string, tags []string) error {
	raw, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("tag workflow %q: %w", id, err)
	}
	res, err := t.exec("UPDATE workflows SET tags = ? WHERE id = ? AND deleted_at IS NULL", string(raw), id)
	if err != nil {
		return fmt.Errorf("tag workflow %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("workflow %q: %w", id, ErrNotFound)
	}
	return nil
}
