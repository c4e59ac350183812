package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CopyTable is one table of a store as `flowdesk migrate` copies it: its columns and their kinds.
type CopyTable struct {
	Name    string
	Columns []CopyColumn
	refs    []string // tables its foreign keys point at
}

// CopyColumn is one column and the kind of value it holds (int, float, text, bytes; "" when
// the database does not say).
type CopyColumn struct {
	Name string
	Kind string
}

// copySkip are tables a copy leaves alone: each database's own bookkeeping.
var copySkip = map[string]bool{"sqlite_sequence": true, "flowdesk_schema": true, "flowdesk_migrations": true}

// CopyTables lists the store's tables, parents before the tables whose foreign keys point at
// them, so rows can be inserted in that order and deleted in the reverse.
func (db *DB) CopyTables(ctx context.Context) ([]CopyTable, error) {
	var names []string
	var err error
	if db.pg {
		names, err = db.strings(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	} else {
		names, err = db.strings(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	}
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	byName := map[string]*CopyTable{}
	var tables []*CopyTable
	for _, n := range names {
		if copySkip[n] {
			continue
		}
		t := &CopyTable{Name: n}
		if err := db.describe(ctx, t); err != nil {
			return nil, err
		}
		byName[n] = t
		tables = append(tables, t)
	}
	// Parents first (a depth-first order over the foreign keys; self-references are ignored).
	var out []CopyTable
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(t *CopyTable)
	visit = func(t *CopyTable) {
		if state[t.Name] != 0 {
			return
		}
		state[t.Name] = 1
		for _, r := range t.refs {
			if p := byName[r]; p != nil && r != t.Name {
				visit(p)
			}
		}
		state[t.Name] = 2
		out = append(out, *t)
	}
	for _, t := range tables {
		visit(t)
	}
	return out, nil
}

func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, "read names", scanString)
}

// describe reads a table's columns (in order) and the tables its foreign keys reference.
func (db *DB) describe(ctx context.Context, t *CopyTable) error {
	var rows *sql.Rows
	var err error
	if db.pg {
		rows, err = db.r.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, t.Name)
	} else {
		rows, err = db.r.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", t.Name)
	}
	if err != nil {
		return fmt.Errorf("describe table %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return fmt.Errorf("describe table %s: %w", t.Name, err)
		}
		t.Columns = append(t.Columns, CopyColumn{Name: name, Kind: kindOf(typ)})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("describe table %s: %w", t.Name, err)
	}
	if db.pg {
		t.refs, err = db.strings(ctx, `SELECT DISTINCT p.relname FROM pg_constraint c
			JOIN pg_class r ON r.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid
			JOIN pg_namespace n ON n.oid = r.relnamespace
			WHERE c.contype = 'f' AND n.nspname = current_schema() AND r.relname = ?`, t.Name)
	} else {
		t.refs, err = db.strings(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, t.Name)
	}
	if err != nil {
		return fmt.Errorf("read the foreign keys of %s: %w", t.Name, err)
	}
	return nil
}

// kindOf maps a declared column type to the kind of Go value the copy writes into it.
func kindOf(typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "INT"):
		return "int"
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return "text"
	case strings.Contains(t, "BLOB"), strings.Contains(t, "BYTEA"):
		return "bytes"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"), strings.Contains(t, "NUMERIC"):
		return "float"
	}
	return ""
}

// CountRows counts a table's rows.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the rows of %s: %w", table, err)
	}
	return n, nil
}

// ReadRows streams the named columns of every row of table to fn, batch rows at a time.
func (db *DB) ReadRows(ctx context.Context, table string, columns []string, batch int, fn func(rows [][]any) error) error {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = quoteIdent(c)
	}
	rows, err := db.r.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+quoteIdent(table))
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	buf := make([][]any, 0, batch)
	for rows.Next() {
		vals := make([]any, len(columns))
		ptrs := make([]any, len(columns))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		buf = append(buf, vals)
		if len(buf) == batch {
			if err := fn(buf); err != nil {
				return err
			}
			buf = make([][]any, 0, batch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	if len(buf) > 0 {
		return fn(buf)
	}
	return nil
}

// CopyInto runs fn in one transaction of db that receives a copy: fn deletes what is there
// (Clear) and inserts the rows (Insert); a failure anywhere leaves db as it was. At the end
// the id sequences of PostgreSQL continue after the copied ids.
func (db *DB) CopyInto(ctx context.Context, tables []CopyTable, fn func(w *CopyWriter) error) error {
	return db.write(ctx, func(t *sqlTx) error {
		w := &CopyWriter{t: t, pg: db.pg}
		if err := fn(w); err != nil {
			return err
		}
		if !db.pg {
			return nil
		}
		for _, tb := range tables {
			for _, c := range tb.Columns {
				if c.Name != "id" || c.Kind != "int" {
					continue
				}
				if _, err := t.exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM %s
					WHERE pg_get_serial_sequence('%s', 'id') IS NOT NULL`, tb.Name, quoteIdent(tb.Name), tb.Name)); err != nil {
					return fmt.Errorf("continue the ids of %s after the copied rows: %w", tb.Name, err)
				}
			}
		}
		return nil
	})
}

// CopyWriter writes a copy inside CopyInto's transaction.
type CopyWriter struct {
	t  *sqlTx
	pg bool
}

// Clear deletes every row of tables, children first.
func (w *CopyWriter) Clear(tables []CopyTable) error {
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := w.t.exec("DELETE FROM " + quoteIdent(tables[i].Name)); err != nil {
			return fmt.Errorf("empty %s: %w", tables[i].Name, err)
		}
	}
	return nil
}

// copyParams caps the parameters of one INSERT (SQLite allows 32,766, PostgreSQL 65,535).
const copyParams = 30000

// Insert inserts rows (values in the order of cols, columns of t) into table t, converting each
// value to its column's kind; a value that does not convert is an error naming its row.
func (w *CopyWriter) Insert(t CopyTable, cols []CopyColumn, rows [][]any) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.Name)
	}
	per := max(copyParams/max(len(cols), 1), 1)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for len(rows) > 0 {
		n := min(len(rows), per)
		args := make([]any, 0, n*len(cols))
		for _, row := range rows[:n] {
			for i, v := range row {
				cv, err := convert(v, cols[i].Kind)
				if err != nil {
					return fmt.Errorf("%s.%s: %w", t.Name, cols[i].Name, err)
				}
				args = append(args, cv)
			}
		}
		query := "INSERT INTO " + quoteIdent(t.Name) + " (" + strings.Join(names, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
		if _, err := w.t.exec(query, args...); err != nil {
			return fmt.Errorf("copy rows into %s: %w", t.Name, err)
		}
		rows = rows[n:]
	}
	return nil
}

// convert turns a value read from one database into one the other's column of kind takes.
func convert(v any, kind string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		if kind == "text" {
			return string(x), nil
		}
		return x, nil
	case string:
		switch kind {
		case "bytes":
			return []byte(x), nil
		case "int":
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a whole number", x)
			}
			return n, nil
		case "float":
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			return f, nil
		}
		return x, nil
	case int64:
		if kind == "text" {
			return strconv.FormatInt(x, 10), nil
		}
		return x, nil
	case float64:
		switch kind {
		case "int":
			if x != math.Trunc(x) {
				return nil, fmt.Errorf("%v is not a whole number", x)
			}
			return int64(x), nil
		case "text":
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return fmt.Sprint(v), nil
}

// quoteIdent quotes a table or column name the same way on both databases.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
