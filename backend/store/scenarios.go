package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Scenario is a workflow test saved in the app: Body is the scenario file's JSON.
type Scenario struct {
	ID         int64           `json:"id"`
	WorkflowID string          `json:"workflow_id"`
	Name       string          `json:"name"`
	Body       json.RawMessage `json:"body"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

const scenarioCols = "id, workflow_id, name, body, created_at, updated_at"

func scanScenario(r rowScanner) (*Scenario, error) {
	var sc Scenario
	var body string
	var created, updated int64
	if err := r.Scan(&sc.ID, &sc.WorkflowID, &sc.Name, &body, &created, &updated); err != nil {
		return nil, err
	}
	sc.Body = json.RawMessage(body)
	sc.CreatedAt, sc.UpdatedAt = fromMS(created), fromMS(updated)
	return &sc, nil
}

// Scenarios lists a workflow's saved scenarios by name.
func (db *DB) Scenarios(ctx context.Context, workflowID string) ([]*Scenario, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+scenarioCols+" FROM scenarios WHERE workflow_id = ? ORDER BY name, id", workflowID)
	if err != nil {
		return nil, fmt.Errorf("list scenarios of %q: %w", workflowID, err)
	}
	return collect(rows, "list scenarios of "+workflowID, scanScenario)
}

// Scenario reads one saved scenario; a missing one is ErrNotFound.
func (db *DB) Scenario(ctx context.Context, id int64) (*Scenario, error) {
	sc, err := scanScenario(db.r.QueryRowContext(ctx, "SELECT "+scenarioCols+" FROM scenarios WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("scenario %d: %w", id, ErrNotFound)
	}
	return sc, err
}

// PutScenario stores a new scenario (ID 0) or replaces one; a name the workflow uses for another
// scenario is ErrConflict, a missing ID ErrNotFound.
func (t *sqlTx) PutScenario(sc *Scenario, now time.Time) error {
	var n, newID int64
	var err error
	if sc.ID == 0 {
		var inserted bool
		newID, inserted, err = t.insertOnce("INSERT INTO scenarios (workflow_id, name, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			sc.WorkflowID, sc.Name, string(sc.Body), ms(now), ms(now))
		if inserted {
			n = 1
		}
	} else {
		// A name another scenario has fails the unique constraint: no row changes (n stays 0).
		err = t.guard(func() error {
			res, err := t.exec("UPDATE scenarios SET name = ?, body = ?, updated_at = ? WHERE id = ? AND workflow_id = ?",
				sc.Name, string(sc.Body), ms(now), sc.ID, sc.WorkflowID)
			if err == nil {
				n, _ = res.RowsAffected()
			}
			return err
		})
		if isUnique(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("store scenario %q: %w", sc.Name, err)
	}
	if n == 0 {
		if sc.ID != 0 {
			var name string
			if err := t.queryRow("SELECT name FROM scenarios WHERE id = ? AND workflow_id = ?", sc.ID, sc.WorkflowID).Scan(&name); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("scenario %d of %q: %w", sc.ID, sc.WorkflowID, ErrNotFound)
			}
		}
		return fmt.Errorf("workflow %q has a scenario named %q already: %w", sc.WorkflowID, sc.Name, ErrConflict)
	}
	if sc.ID == 0 {
		sc.ID = newID
		sc.CreatedAt = fromMS(ms(now))
	}
	sc.UpdatedAt = fromMS(ms(now))
	return nil
}

// DeleteScenario removes a saved scenario; a missing one is ErrNotFound.
func (t *sqlTx) DeleteScenario(workflowID string, id int64) error {
	res, err := t.exec("DELETE FROM scenarios WHERE id = ? AND workflow_id = ?", id, workflowID)
	if err != nil {
		return fmt.Errorf("delete scenario %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("scenario %d of %q: %w", id, workflowID, ErrNotFound)
	}
	return nil
}
