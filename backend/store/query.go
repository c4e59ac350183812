package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// querier is what both the read pool (*sql.DB) and a write transaction (*sql.Tx) offer, so read
// repositories serve both.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func marshal(v any) (string, error) {
	if v == nil {
		return "{}", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

func unmarshalMap(s string) (map[string]any, error) {
	m := map[string]any{}
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	return m, nil
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// filter collects the optional conditions of a list query.
type filter struct {
	conds []string
	args  []any
}

// when adds cond with its arguments if ok.
func (f *filter) when(ok bool, cond string, args ...any) {
	if ok {
		f.conds = append(f.conds, cond)
		f.args = append(f.args, args...)
	}
}

// where returns " WHERE a AND b", or "" with no conditions.
func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// maxListLimit is the largest page a list query reads.
const maxListLimit = 1000

// listLimit is a list query's page size: 100 when n is not set, n up to 1000, and 1000 above
// that, so a caller asking for more still gets a full page (a full page means "there may be
// more") rather than a short one that reads as the end.
func listLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, maxListLimit)
}

// rowScanner is what the scan functions read from: a *sql.Row or *sql.Rows.
type rowScanner = interface{ Scan(dest ...any) error }

// collect reads every row with scan and closes rows. The result is never nil, so an empty list
// encodes as []. what names the list in errors.
func collect[T any](rows *sql.Rows, what string, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// scanString reads a one-column text row, for collect.
func scanString(r rowScanner) (string, error) {
	var s string
	return s, r.Scan(&s)
}

// scanInt64 reads a one-column integer row, for collect.
func scanInt64(r rowScanner) (int64, error) {
	var v int64
	return v, r.Scan(&v)
}

// containsPattern is a LIKE pattern (with ESCAPE '\') matching text anywhere, lower-cased: for
// searches that compare LOWER(column).
func containsPattern(text string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(text)) + "%"
}
