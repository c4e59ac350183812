package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// APIToken is a stored API token (its hash, never the token).
type APIToken struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// HashToken is how tokens are stored and compared.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddAPIToken stores the hash of a new token.
func (t *sqlTx) AddAPIToken(name, token string, now time.Time) (*APIToken, error) {
	newID, err := t.insert("INSERT INTO api_tokens (name, hash, created_at) VALUES (?, ?, ?)", name, HashToken(token), ms(now))
	if err != nil {
		return nil, fmt.Errorf("store api token: %w", err)
	}
	id := newID
	return &APIToken{ID: id, Name: name, CreatedAt: now}, nil
}

// APITokenHashes returns the hashes of every stored token.
func (db *DB) APITokenHashes(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT hash FROM api_tokens ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load api tokens: %w", err)
	}
	return collect(rows, "load api tokens", scanString)
}
