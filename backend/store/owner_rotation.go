package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// NextOwner returns the owner a rotate_owner step assigns next and advances the step's persisted
// round-robin position, in the caller's transaction. The position belongs to the owner list it
// was kept for: when the list changes, the rotation starts over with its first owner.
func (t *sqlTx) NextOwner(workflowID, stepID string, owners []string, now time.Time) (owner string, position int, err error) {
	if len(owners) == 0 {
		return "", 0, fmt.Errorf("rotate owners of %s/%s: no owners", workflowID, stepID)
	}
	list := strings.Join(owners, "\x1f")
	var pos int64
	var kept string
	err = t.queryRow("SELECT position, owners FROM owner_rotation WHERE workflow_id = ? AND step_id = ?", workflowID, stepID).Scan(&pos, &kept)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("read owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	if kept != list {
		pos = 0
	}
	i := int(pos % int64(len(owners)))
	if _, err := t.exec(`INSERT INTO owner_rotation (workflow_id, step_id, position, owners, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workflow_id, step_id) DO UPDATE SET position = excluded.position, owners = excluded.owners, updated_at = excluded.updated_at`,
		workflowID, stepID, (i+1)%len(owners), list, ms(now)); err != nil {
		return "", 0, fmt.Errorf("advance owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	return owners[i], i, nil
}

// OwnerPosition returns a rotate_owner step's next position (0 when it never ran).
func (db *DB) OwnerPosition(ctx context.Context, workflowID, stepID string) (int, error) {
	var pos int
	err := db.r.QueryRowContext(ctx, "SELECT position FROM owner_rotation WHERE workflow_id = ? AND step_id = ?", workflowID, stepID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read owner rotation of %s/%s: %w", workflowID, stepID, err)
	}
	return pos, nil
}
