package store

import (
	"context"
	"fmt"
	"time"
)

// ObjectTypes lists the known record types (built-in and custom), sorted.
func (db *DB) ObjectTypes(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT name FROM object_types ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list object types: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// AddObjectType declares a custom record type; declaring an existing one is a no-op.
func (t *Tx) AddObjectType(name string, now time.Time) error {
	if _, err := t.exec("INSERT INTO object_types (name, builtin, created_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING", name, ms(now)); err != nil {
		return fmt.Errorf("add object type %q: %w", name, err)
	}
	return nil
}

// Property is a declared record property.
type Property struct {
	Object string `json:"object"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Label  string `json:"label"`
}

// Properties lists the declared properties of every object type.
func (db *DB) Properties(ctx context.Context) ([]Property, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT object, name, type, label FROM properties ORDER BY object, name")
	if err != nil {
		return nil, fmt.Errorf("list properties: %w", err)
	}
	defer rows.Close()
	var out []Property
	for rows.Next() {
		var p Property
		if err := rows.Scan(&p.Object, &p.Name, &p.Type, &p.Label); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeclareProperty adds a property if it is not declared yet; an existing declaration wins. An
// unknown object type or property type is an error.
func (t *Tx) DeclareProperty(p Property) (added bool, err error) {
	res, err := t.exec("INSERT INTO properties (object, name, type, label) VALUES (?, ?, ?, ?) ON CONFLICT (object, name) DO NOTHING", p.Object, p.Name, p.Type, p.Label)
	if err != nil {
		return false, fmt.Errorf("declare property %s.%s: %w", p.Object, p.Name, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
