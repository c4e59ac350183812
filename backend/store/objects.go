package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ObjectType is a record type: built in (contact, company, deal, ticket) or declared by a user.
type ObjectType struct {
	Name    string
	Label   string
	Primary string // the property shown as a record's name
	Builtin bool
}

// ObjectTypes lists the known record types (built-in and custom), sorted.
func (db *DB) ObjectTypes(ctx context.Context) ([]string, error) {
	objs, err := db.ObjectTypeList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Name
	}
	return out, nil
}

// ObjectTypeList lists the record types with their labels, sorted by name.
func (db *DB) ObjectTypeList(ctx context.Context) ([]ObjectType, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT name, label, primary_property, builtin FROM object_types ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list object types: %w", err)
	}
	return collect(rows, "object types", func(r rowScanner) (ObjectType, error) {
		var o ObjectType
		err := r.Scan(&o.Name, &o.Label, &o.Primary, &o.Builtin)
		return o, err
	})
}

// AddObjectType declares a custom record type; declaring an existing one is a no-op.
func (t *sqlTx) AddObjectType(name string, now time.Time) error {
	if _, err := t.exec("INSERT INTO object_types (name, builtin, created_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING", name, ms(now)); err != nil {
		return fmt.Errorf("add object type %q: %w", name, err)
	}
	return nil
}

// CreateObjectType declares a custom record type; an existing name is ErrConflict.
func (t *sqlTx) CreateObjectType(o ObjectType, now time.Time) error {
	res, err := t.exec("INSERT INTO object_types (name, label, primary_property, builtin, created_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (name) DO NOTHING",
		o.Name, o.Label, o.Primary, ms(now))
	if err != nil {
		return fmt.Errorf("create object type %q: %w", o.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("object type %q exists already: %w", o.Name, ErrConflict)
	}
	return nil
}

// Property is a declared record property.
type Property struct {
	Object  string
	Name    string
	Type    string
	Label   string
	Options []string // an enum's allowed values (empty: any text)
	Unique  bool     // no two records of the object share a value
}

const propertyCols = "object, name, type, label, options, uniq"

func scanProperty(r rowScanner) (Property, error) {
	var p Property
	var opts string
	if err := r.Scan(&p.Object, &p.Name, &p.Type, &p.Label, &opts, &p.Unique); err != nil {
		return p, err
	}
	p.Options = []string{}
	if err := json.Unmarshal([]byte(opts), &p.Options); err != nil {
		return p, fmt.Errorf("property %s.%s options: %w", p.Object, p.Name, err)
	}
	return p, nil
}

func encodeOptions(opts []string) string {
	if len(opts) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(opts) // a []string always encodes
	return string(b)
}

// Properties lists the declared properties of every object type.
func (db *DB) Properties(ctx context.Context) ([]Property, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+propertyCols+" FROM properties ORDER BY object, name")
	if err != nil {
		return nil, fmt.Errorf("list properties: %w", err)
	}
	return collect(rows, "properties", scanProperty)
}

// Property loads one declared property inside the transaction.
func (t *sqlTx) Property(object, name string) (Property, error) {
	p, err := scanProperty(txQuerier{t}.QueryRowContext(t.ctx, "SELECT "+propertyCols+" FROM properties WHERE object = ? AND name = ?", object, name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("property %s.%s: %w", object, name, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("load property %s.%s: %w", object, name, err)
	}
	return p, nil
}

// DeclareProperty adds a property if it is not declared yet; an existing declaration wins. An
// unknown object type or property type is an error.
func (t *sqlTx) DeclareProperty(p Property) (added bool, err error) {
	res, err := t.exec("INSERT INTO properties ("+propertyCols+") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (object, name) DO NOTHING",
		p.Object, p.Name, p.Type, p.Label, encodeOptions(p.Options), p.Unique)
	if err != nil {
		return false, fmt.Errorf("declare property %s.%s: %w", p.Object, p.Name, err)
	}
	n, _ := res.RowsAffected()
	if n > 0 && p.Unique {
		return true, t.uniqueIndex(p)
	}
	return n > 0, nil
}

// UpdateProperty stores a property's label, type, options and uniqueness; a property that is
// not declared is ErrNotFound.
func (t *sqlTx) UpdateProperty(p Property) error {
	res, err := t.exec("UPDATE properties SET type = ?, label = ?, options = ?, uniq = ? WHERE object = ? AND name = ?",
		p.Type, p.Label, encodeOptions(p.Options), p.Unique, p.Object, p.Name)
	if err != nil {
		return fmt.Errorf("update property %s.%s: %w", p.Object, p.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("property %s.%s: %w", p.Object, p.Name, ErrNotFound)
	}
	if p.Unique {
		return t.uniqueIndex(p)
	}
	_, err = t.exec("DROP INDEX IF EXISTS " + uniqueIndexName(p))
	return err
}

// DeleteProperty removes a declaration (the values records hold stay in their property bags).
func (t *sqlTx) DeleteProperty(object, name string) error {
	res, err := t.exec("DELETE FROM properties WHERE object = ? AND name = ?", object, name)
	if err != nil {
		return fmt.Errorf("delete property %s.%s: %w", object, name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("property %s.%s: %w", object, name, ErrNotFound)
	}
	_, err = t.exec("DROP INDEX IF EXISTS " + uniqueIndexName(Property{Object: object, Name: name}))
	return err
}

// propertyPath is the JSON path of a property in the records' property bag. Names are checked
// by the engine (letters, digits, _ and -), so quoting them is enough.
func propertyPath(name string) string { return `'$."` + strings.ReplaceAll(name, `'`, ``) + `"'` }

// pgProperty is PostgreSQL's expression for a record property's JSON value (jsonb; NULL when
// absent), the key written as a literal so the unique-property index matches the look-up.
func pgProperty(name string) string {
	return `(properties::jsonb -> '` + strings.ReplaceAll(name, `'`, `''`) + `')`
}

func uniqueIndexName(p Property) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, p.Object+"__"+p.Name)
	return "records_unique_" + clean
}

// uniqueIndex adds an expression index so looking up a unique property's value is not a scan.
func (t *sqlTx) uniqueIndex(p Property) error {
	q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON records (type, json_extract(properties, %s))", uniqueIndexName(p), propertyPath(p.Name))
	if t.pg {
		q = fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON records (type, (%s))", uniqueIndexName(p), pgProperty(p.Name))
	}
	if _, err := t.exec(q); err != nil {
		return fmt.Errorf("index unique property %s.%s: %w", p.Object, p.Name, err)
	}
	return nil
}

// RecordWithValue returns the id of a record of the type other than except whose property name
// holds value (0 when none): the check behind unique properties.
func (t *sqlTx) RecordWithValue(object, name string, value any, except int64) (int64, error) {
	orig := value
	switch v := value.(type) {
	case bool:
		value = map[bool]int{false: 0, true: 1}[v]
	case nil, []any, map[string]any:
		return 0, nil
	}
	var id int64
	query := fmt.Sprintf("SELECT id FROM records WHERE type = ? AND json_extract(properties, %s) = ? AND id != ? ORDER BY id LIMIT 1", propertyPath(name))
	if t.pg { // the indexed expression (uniqueIndex), compared as JSON
		enc, err := json.Marshal(orig)
		if err != nil {
			return 0, fmt.Errorf("look up %s.%s value: %w", object, name, err)
		}
		query = fmt.Sprintf("SELECT id FROM records WHERE type = ? AND %s = ?::jsonb AND id != ? ORDER BY id LIMIT 1", pgProperty(name))
		value = string(enc)
	}
	err := txQuerier{t}.QueryRowContext(t.ctx, query, object, value, except).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up %s.%s value: %w", object, name, err)
	}
	return id, nil
}

// PropertyValueCount counts the records of a type that hold a value for a property.
func (t *sqlTx) PropertyValueCount(object, name string) (int, error) {
	var n int
	query := fmt.Sprintf("SELECT COUNT(*) FROM records WHERE type = ? AND json_type(properties, %s) IS NOT NULL AND json_type(properties, %s) != 'null'",
		propertyPath(name), propertyPath(name))
	if t.pg {
		query = fmt.Sprintf("SELECT COUNT(*) FROM records WHERE type = ? AND COALESCE(jsonb_typeof(%s), 'null') != 'null'", pgProperty(name))
	}
	err := txQuerier{t}.QueryRowContext(t.ctx, query, object).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s.%s values: %w", object, name, err)
	}
	return n, nil
}

// DuplicateValues counts the values of a property that more than one record of the type holds
// (what stops the property from becoming unique).
func (t *sqlTx) DuplicateValues(object, name string) (int, error) {
	var n int
	query := fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT json_extract(properties, %s) AS v FROM records
		WHERE type = ? AND v IS NOT NULL GROUP BY v HAVING COUNT(*) > 1)`, propertyPath(name))
	if t.pg {
		query = fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT %[1]s AS v FROM records
		WHERE type = ? AND COALESCE(jsonb_typeof(%[1]s), 'null') != 'null' GROUP BY v HAVING COUNT(*) > 1) dup`, pgProperty(name))
	}
	err := txQuerier{t}.QueryRowContext(t.ctx, query, object).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count duplicate %s.%s values: %w", object, name, err)
	}
	return n, nil
}
