package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ErasedReason is the reason in the history of an enrollment cancelled because its record was erased.
const ErasedReason = "the record was erased"

// Erasure says what erasing a record removed or emptied, per kind of row.
type Erasure struct {
	RecordID    int64
	Type        string
	ErasedAt    time.Time
	Cancelled   int64            // open enrollments cancelled
	Rows        map[string]int64 // table -> rows removed or emptied
	Enrollments int64
	// Associated are the records it was linked to (the links go; the records stay): a deal a
	// workflow created from it may hold values copied from it, and is erased on its own.
	Associated []Association
}

// EraseRecord erases a record for good (GDPR): its properties and email, its events' data, the
// raw webhook bodies that carried them, the details of its enrollments' history, their outbound
// requests and answers and outbox messages, its notifications' text, tasks, subscriptions, list
// memberships and associations, and its values in the saved scenarios that copied it. Its open
// enrollments are cancelled (a history line with ErasedReason) and their jobs dropped. What stays is anonymous: the record as a tombstone (id,
// type, erased_at), enrollment rows and history outcomes (so counters and stats keep their
// numbers), events' types and times. A record that does not exist or was erased is ErrNotFound.
func (t *sqlTx) EraseRecord(id int64, now time.Time) (*Erasure, error) {
	var typ, email, props string
	err := t.queryRow("SELECT type, COALESCE(email, ''), properties FROM records WHERE id = ? AND erased_at IS NULL", id).Scan(&typ, &email, &props)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("record %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	out := &Erasure{RecordID: id, Type: typ, ErasedAt: now, Rows: map[string]int64{}}
	if out.Associated, err = associations(t.ctx, txQuerier{t}, id, ""); err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	if out.Associated == nil {
		out.Associated = []Association{}
	}
	ens := "SELECT id FROM enrollments WHERE record_id = ?"
	evs := "SELECT id FROM events WHERE record_id = ?"
	steps := []struct {
		table, query string
		args         []any
	}{
		{"history", "UPDATE history SET detail = '{}' WHERE enrollment_id IN (" + ens + ")", []any{id}},
		{"jobs", "DELETE FROM jobs WHERE record_id = ? OR enrollment_id IN (" + ens + ")", []any{id, id}},
		{"enrollments.open", "UPDATE enrollments SET status = 'cancelled', updated_at = ?, finished_at = ? WHERE record_id = ? AND status IN ('active','waiting')", []any{ms(now), ms(now), id}},
		{"enrollments", "UPDATE enrollments SET reason = '{}', error = CASE WHEN error = '' THEN '' ELSE 'erased' END WHERE record_id = ?", []any{id}},
		{"action_attempts", "UPDATE action_attempts SET target = '', error = '', response = '', request = '{}' WHERE enrollment_id IN (" + ens + ")", []any{id}},
		{"outbox", "UPDATE outbox SET to_addr = '', subject = '', body_html = '', body_text = '' WHERE enrollment_id IN (" + ens + ")", []any{id}},
		{"notifications", "UPDATE notifications SET body = '' WHERE link IN (SELECT '/enrollments/' || id FROM enrollments WHERE record_id = ?)", []any{id}},
		{"tasks", "DELETE FROM tasks WHERE record_id = ? OR enrollment_id IN (" + ens + ")", []any{id, id}},
		{"hook_delayed", "DELETE FROM hook_delayed WHERE request_id IN (SELECT id FROM hook_requests WHERE event_id IN (" + evs + "))", []any{id}},
		{"hook_requests", "UPDATE hook_requests SET body = NULL, headers = '{}', error = '', error_value = NULL WHERE event_id IN (" + evs + ")", []any{id}},
		{"events", "UPDATE events SET data = '{}', scope = '{}' WHERE record_id = ?", []any{id}},
		{"subscriptions", "DELETE FROM subscriptions WHERE record_id = ?", []any{id}},
		{"subscription_history", "DELETE FROM subscription_history WHERE record_id = ?", []any{id}},
		{"list_members", "DELETE FROM list_members WHERE record_id = ?", []any{id}},
		{"associations", "DELETE FROM associations WHERE from_id = ? OR to_id = ?", []any{id, id}},
		{"schedule_fired", "DELETE FROM schedule_fired WHERE record_id = ?", []any{id}},
		{"enrollment_refusals", "DELETE FROM enrollment_refusals WHERE record_id = ?", []any{id}},
		// Rows that hold the email as text rather than the record's id: an event's idempotency
		// key made from it ("signup-ann@example.com"; it becomes "erased-<event id>", so a sender
		// retrying it makes a new event), a bulk enrollment's filter naming it (the email is
		// taken out of the selection, which then matches nobody), and an import report line
		// quoting it. Import files of running imports are rewritten by the engine.
		{"events.idempotency_key", "UPDATE events SET idempotency_key = 'erased-' || id WHERE ? <> '' AND instr(lower(idempotency_key), lower(?)) > 0", []any{email, email}},
		{"enroll_jobs", "UPDATE enroll_jobs SET selection = replace(replace(selection, ?, ''), lower(?), '') WHERE ? <> '' AND instr(lower(selection), lower(?)) > 0", []any{email, email, email, email}},
		{"list_import_errors", "DELETE FROM list_import_errors WHERE ? <> '' AND instr(lower(message), lower(?)) > 0", []any{email, email}},
		{"records", "UPDATE records SET email = NULL, email_key = NULL, properties = '{}', updated_at = ?, erased_at = ? WHERE id = ?", []any{ms(now), ms(now), id}},
	}
	// The open enrollments get a last history line (it holds no personal data), written as
	// every history line is, so the performance rollup counts the cancellations.
	rows, err := t.query("SELECT id, workflow_id, current_step FROM enrollments WHERE record_id = ? AND status IN ('active','waiting')", id)
	if err != nil {
		return nil, fmt.Errorf("erase record %d: open enrollments: %w", id, err)
	}
	cancelled, err := collect(rows, "open enrollments", func(r rowScanner) (HistoryEntry, error) {
		h := HistoryEntry{Outcome: HistCancelled, Detail: []byte(`{"reason":"` + ErasedReason + `"}`), At: now}
		return h, r.Scan(&h.EnrollmentID, &h.WorkflowID, &h.StepID)
	})
	if err != nil {
		return nil, err
	}
	for _, s := range steps {
		res, err := t.exec(s.query, s.args...)
		if err != nil {
			return nil, fmt.Errorf("erase record %d: %s: %w", id, s.table, err)
		}
		n, _ := res.RowsAffected()
		switch s.table {
		case "records":
		case "enrollments.open":
			out.Cancelled = n
		case "enrollments":
			out.Enrollments = n
		default:
			if n > 0 {
				out.Rows[s.table] = n
			}
		}
	}
	n, err := t.scrubScenarios(email, props, now)
	if err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	if n > 0 {
		out.Rows["scenarios"] = n
	}
	if err := t.AppendHistory(cancelled...); err != nil {
		return nil, fmt.Errorf("erase record %d: %w", id, err)
	}
	return out, nil
}

// ErasedText replaces an erased record's values in the saved scenarios that copied them.
const ErasedText = "[erased]"

// scrubScenarios takes an erased record's values out of the saved scenarios that copied it: the
// Test panel saves a run for a real contact with its properties, and the expected effects quote
// them ("Thanks for watching, Zelda"). A scenario is the record's when its body holds the
// record's email; in it and in its name, every text value of the record (any case) becomes
// ErasedText, so the scenario fails its next run with the change in its diff rather than keep
// personal data.
func (t *sqlTx) scrubScenarios(email, props string, now time.Time) (int64, error) {
	if email == "" {
		return 0, nil
	}
	var values map[string]any
	if err := json.Unmarshal([]byte(props), &values); err != nil {
		return 0, fmt.Errorf("scenarios: the record's properties: %w", err)
	}
	texts := []string{email}
	for _, v := range values {
		if s, ok := v.(string); ok && len(strings.TrimSpace(s)) >= 2 {
			texts = append(texts, s)
		}
	}
	sort.Slice(texts, func(i, j int) bool { return len(texts[i]) > len(texts[j]) }) // "Ann Lee" before "Ann"
	quoted := make([]string, len(texts))
	for i, s := range texts {
		quoted[i] = regexp.QuoteMeta(s)
	}
	re := regexp.MustCompile("(?i)" + strings.Join(quoted, "|"))
	mine := regexp.MustCompile("(?i)" + regexp.QuoteMeta(email))
	rows, err := t.query("SELECT id, name, body FROM scenarios")
	if err != nil {
		return 0, fmt.Errorf("scenarios: %w", err)
	}
	type edit struct {
		id         int64
		name, body string
	}
	var edits []edit
	for rows.Next() {
		var id int64
		var name, body string
		if err := rows.Scan(&id, &name, &body); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scenarios: %w", err)
		}
		if !mine.MatchString(body) {
			continue
		}
		var doc any
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scenario %d: %w", id, err)
		}
		doc, _ = replaceTexts(doc, re)
		b, err := json.Marshal(doc)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("scenario %d: %w", id, err)
		}
		if n := re.ReplaceAllLiteralString(name, ErasedText); n != name {
			name = fmt.Sprintf("%s (scenario %d)", n, id) // names are unique in a workflow
		}
		edits = append(edits, edit{id, name, string(b)})
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("scenarios: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("scenarios: %w", err)
	}
	for _, e := range edits {
		if _, err := t.exec("UPDATE scenarios SET name = ?, body = ?, updated_at = ? WHERE id = ?", e.name, e.body, ms(now), e.id); err != nil {
			return 0, fmt.Errorf("scenario %d: %w", e.id, err)
		}
	}
	return int64(len(edits)), nil
}

// replaceTexts replaces re's matches in every text of a JSON document (keys stay: they are
// property and field names), saying whether anything changed.
func replaceTexts(v any, re *regexp.Regexp) (any, bool) {
	switch x := v.(type) {
	case string:
		out := re.ReplaceAllLiteralString(x, ErasedText)
		return out, out != x
	case []any:
		changed := false
		for i := range x {
			var c bool
			x[i], c = replaceTexts(x[i], re)
			changed = changed || c
		}
		return x, changed
	case map[string]any:
		changed := false
		for k := range x {
			var c bool
			x[k], c = replaceTexts(x[k], re)
			changed = changed || c
		}
		return x, changed
	}
	return v, false
}

// TextLocation is where FindText found a value: table, column and rowid.
type TextLocation struct {
	Table, Column string
	RowID         int64
}

func (l TextLocation) String() string {
	return fmt.Sprintf("%s.%s (row %d)", l.Table, l.Column, l.RowID)
}

// FindText searches every column of every table for a value (case-insensitively, as text, so
// JSON and blobs are searched too) and says where it occurs. It reads everything, so it is
// for checks such as "nothing of an erased record remains", not for serving requests.
func (db *DB) FindText(ctx context.Context, needle string) ([]TextLocation, error) {
	if db.pg {
		return db.findTextPG(ctx, needle)
	}
	tables, err := db.r.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		return nil, fmt.Errorf("find text: %w", err)
	}
	type table struct {
		name  string
		rowid bool
	}
	var ts []table
	for tables.Next() {
		var name, ddl string
		if err := tables.Scan(&name, &ddl); err != nil {
			tables.Close()
			return nil, fmt.Errorf("find text: %w", err)
		}
		ts = append(ts, table{name: name, rowid: !strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID")})
	}
	tables.Close()
	var out []TextLocation
	for _, tb := range ts {
		cols, err := db.r.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", tb.name)
		if err != nil {
			return nil, fmt.Errorf("find text: columns of %s: %w", tb.name, err)
		}
		names, err := collect(cols, "find text", scanString)
		if err != nil {
			return nil, err
		}
		rowid := "0"
		if tb.rowid {
			rowid = "rowid"
		}
		for _, c := range names {
			q := fmt.Sprintf(`SELECT %s FROM %q WHERE instr(lower(CAST(%q AS TEXT)), lower(?)) > 0`, rowid, tb.name, c)
			rows, err := db.r.QueryContext(ctx, q, needle)
			if err != nil {
				return nil, fmt.Errorf("find text in %s.%s: %w", tb.name, c, err)
			}
			ids, err := collect(rows, "find text", func(r rowScanner) (int64, error) {
				var id int64
				return id, r.Scan(&id)
			})
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				out = append(out, TextLocation{Table: tb.name, Column: c, RowID: id})
			}
		}
	}
	return out, nil
}

// ErasedAt tells whether a record id is the tombstone of an erased record, and since when.
func (db *DB) ErasedAt(ctx context.Context, id int64) (time.Time, bool, error) {
	var at sql.NullInt64
	err := db.r.QueryRowContext(ctx, "SELECT erased_at FROM records WHERE id = ?", id).Scan(&at)
	if err == sql.ErrNoRows || (err == nil && !at.Valid) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("record %d: %w", id, err)
	}
	return fromMS(at.Int64), true, nil
}

// TableRows counts the rows of every table, by name: the check that an operation which must
// write nothing (a simulation, a dry run, an explanation) left every table as it was.
func (db *DB) TableRows(ctx context.Context) (map[string]int64, error) {
	query := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if db.pg {
		query = pgTables
	}
	rows, err := db.r.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count table rows: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count table rows: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("count rows of %s: %w", n, err)
		}
		out[n] = c
	}
	return out, nil
}

// pgTables lists the store's tables on PostgreSQL: those of the connection's schema.
const pgTables = `SELECT table_name FROM information_schema.tables
	WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`

// findTextPG is FindText on PostgreSQL: the row is the id column where a table has one (0
// otherwise, as for SQLite's tables without rowid), and a bytea column is searched as text.
func (db *DB) findTextPG(ctx context.Context, needle string) ([]TextLocation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("find text: %w", err)
	}
	type column struct{ table, name, typ string }
	cols, err := collect(rows, "find text", func(r rowScanner) (column, error) {
		var c column
		return c, r.Scan(&c.table, &c.name, &c.typ)
	})
	if err != nil {
		return nil, err
	}
	hasID := map[string]bool{}
	for _, c := range cols {
		if c.name == "id" {
			hasID[c.table] = true
		}
	}
	var out []TextLocation
	for _, c := range cols {
		row := "0"
		if hasID[c.table] {
			row = "id"
		}
		text := fmt.Sprintf("CAST(%q AS TEXT)", c.name)
		if c.typ == "bytea" {
			text = fmt.Sprintf("encode(%q, 'escape')", c.name)
		}
		q := fmt.Sprintf(`SELECT %s FROM %q WHERE strpos(lower(%s), lower(?)) > 0`, row, c.table, text)
		found, err := db.r.QueryContext(ctx, q, needle)
		if err != nil {
			return nil, fmt.Errorf("find text in %s.%s: %w", c.table, c.name, err)
		}
		ids, err := collect(found, "find text", func(r rowScanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, TextLocation{Table: c.table, Column: c.name, RowID: id})
		}
	}
	return out, nil
}
