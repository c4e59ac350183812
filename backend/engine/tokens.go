package engine

import (
	"context"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/store"
)

// AddAPIToken stores a new API token (only its hash) under name, on the engine's clock: what
// `flowdesk token create` does.
func (e *Engine) AddAPIToken(ctx context.Context, name, token string) (*store.APIToken, error) {
	var out *store.APIToken
	err := e.db.Write(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.AddAPIToken(name, token, e.clock.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add api token: %w", err)
	}
	return out, nil
}
