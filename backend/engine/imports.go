package engine

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/maintenance"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
)

// CSV import of records into a static list. The file is parsed with encoding/csv (RFC 4180,
// quoted fields over several lines); the import is stored with the file when it is accepted and
// then runs in batches, a transaction each, sized as they run to hold the writer about
// ImportHold, so other writes (events, steps) wait at most about that long and an acknowledged
// import resumes after a crash. A row that cannot be written is
// kept with the reason for the report; the others are.

// Limits of an import.
const (
	MaxImportBytes = 48 << 20              // the file
	MaxImportRows  = 200_000               // data rows in one file
	MaxImportRow   = 64 << 10              // bytes in one row
	ImportHold     = 20 * time.Millisecond // how long one batch aims to hold the writer
	importMinBatch = 10                    // rows per transaction, at least
	importMaxBatch = 1000                  // and at most
	previewRows    = 10                    // rows a preview shows
	maxColumns     = MaxProperties
)

// ImportColumn maps a column of the file to a property (Property "" skips the column). Type
// declares a property nobody declared yet; a declared property keeps its type.
type ImportColumn struct {
	Column   string `json:"column"`
	Property string `json:"property"`
	Type     string `json:"type,omitempty"`
}

// ImportSpec says what an import writes: the column mapping, and the key property that finds
// the record to update (email, or a unique property); a row whose key matches no record
// creates one.
type ImportSpec struct {
	Mapping []ImportColumn `json:"mapping"`
	Key     string         `json:"key"`
}

// ImportPreview is what a file holds, for the mapping step: its columns, the first rows, how
// many rows there are, and a suggested mapping.
type ImportPreview struct {
	Columns   []string       `json:"columns"`
	Rows      [][]string     `json:"rows"`
	Total     int            `json:"total"`
	Suggested []ImportColumn `json:"suggested"`
}

// csvRow is one data row of a file: its line and fields, or why it cannot be read.
type csvRow struct {
	line   int
	fields []string
	bad    string
}

// csvFile is a parsed file.
type csvFile struct {
	header []string
	rows   []csvRow
}

// parseCSV reads a whole file. Problems of the file as a whole (not UTF-8, empty, a bad header,
// too many rows) are a *problem.Error on "file"; problems of one row are kept with the row.
func parseCSV(raw []byte) (*csvFile, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if len(raw) > MaxImportBytes {
		return nil, badInput("file", "the file is %d bytes; the limit is %d MiB; split it into smaller files", len(raw), MaxImportBytes>>20)
	}
	if off := ident.InvalidUTF8At(raw); off >= 0 {
		line := bytes.Count(raw[:off], []byte("\n")) + 1
		return nil, badInput("file", "the file is not UTF-8: line %d has a byte that is not UTF-8 (at byte %d); save it as \"CSV UTF-8\" in your spreadsheet and try again", line, off)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, badInput("file", "the file is empty; it needs a header row with the column names and a row per record")
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1 // a short or long row is that row's problem, not the file's
	header, err := r.Read()
	if err != nil {
		return nil, badInput("file", "the header row cannot be read: %v", csvMessage(err))
	}
	if len(header) > maxColumns {
		return nil, badInput("file", "the file has %d columns; the limit is %d", len(header), maxColumns)
	}
	var pr problems
	seen := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			pr.add("file", "column %d of the header has no name; name every column", i+1)
		case seen[strings.ToLower(h)] > 0:
			pr.add("file", "the column %q appears twice in the header (columns %d and %d); give each column its own name", h, seen[strings.ToLower(h)], i+1)
		}
		seen[strings.ToLower(h)] = i + 1
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	f := &csvFile{header: header}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		var row csvRow
		switch {
		case errors.As(err, &pe):
			row = csvRow{line: pe.StartLine, bad: csvMessage(err)}
		case err != nil:
			return nil, badInput("file", "the file cannot be read: %v", err)
		default:
			line, _ := r.FieldPos(0)
			row = csvRow{line: line, fields: rec}
		}
		line := row.line
		if n := rowBytes(rec); row.bad == "" && n > MaxImportRow {
			row = csvRow{line: line, bad: fmt.Sprintf("the row is %d bytes long; the limit is %d KiB (a quote may be missing its closing quote)", n, MaxImportRow>>10)}
		}
		if row.bad == "" && len(rec) != len(header) && !(len(rec) == 1 && rec[0] == "") {
			row.bad = fmt.Sprintf("the row has %d fields, but the header has %d columns", len(rec), len(header))
		}
		if row.bad == "" && len(rec) == 1 && rec[0] == "" && len(header) > 1 {
			continue // a blank line
		}
		if len(f.rows) == MaxImportRows {
			return nil, badInput("file", "the file has more than %d rows; split it into smaller files", MaxImportRows)
		}
		f.rows = append(f.rows, row)
	}
	if len(f.rows) == 0 {
		return nil, badInput("file", "the file has a header but no rows")
	}
	return f, nil
}

func rowBytes(fields []string) int {
	n := 0
	for _, f := range fields {
		n += len(f)
	}
	return n
}

// csvMessage turns an encoding/csv error into a sentence.
func csvMessage(err error) string {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("line %d, column %d: a quote inside a field that is not quoted; put the field in double quotes and double the quote (\"\")", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("line %d: a quoted field is not closed; add the closing double quote", pe.Line)
	}
	return pe.Error()
}

var columnWordRe = regexp.MustCompile(`[^a-z0-9]+`)

// columnAliases are column titles spreadsheets use for the standard contact properties.
var columnAliases = map[string]string{"e_mail": "email", "email_address": "email", "mail": "email", "firstname": "first_name",
	"first": "first_name", "given_name": "first_name", "lastname": "last_name", "last": "last_name", "surname": "last_name",
	"family_name": "last_name", "phone_number": "phone", "mobile": "phone", "company_name": "company", "organisation": "company", "organization": "company"}

// PreviewImport reads a file and suggests how its columns map to the object's properties.
func (e *Engine) PreviewImport(object string, raw []byte) (*ImportPreview, error) {
	if object == "" {
		object = "contact"
	}
	f, err := parseCSV(raw)
	if err != nil {
		return nil, err
	}
	p := &ImportPreview{Columns: f.header, Total: len(f.rows), Rows: [][]string{}}
	for _, r := range f.rows {
		if len(p.Rows) == previewRows {
			break
		}
		if r.bad == "" {
			p.Rows = append(p.Rows, r.fields)
		}
	}
	labels := map[string]string{}
	for _, d := range e.PropertyList(object) {
		labels[strings.ToLower(d.Label)] = d.Name
	}
	for i, col := range f.header {
		name := strings.Trim(columnWordRe.ReplaceAllString(strings.ToLower(col), "_"), "_")
		if a, ok := columnAliases[name]; ok {
			name = a
		}
		if n, ok := labels[strings.ToLower(col)]; ok {
			name = n
		}
		c := ImportColumn{Column: col, Property: name}
		if d, ok := e.Property(object, name); ok {
			c.Type = d.Type
		} else {
			c.Type = inferColumn(f.rows, i)
		}
		if !propNameRe.MatchString(name) {
			c.Property = ""
		}
		p.Suggested = append(p.Suggested, c)
	}
	return p, nil
}

// inferColumn guesses a column's type from its first values: number, bool, date, email or text.
func inferColumn(rows []csvRow, col int) string {
	kinds := map[string]int{}
	seen := 0
	for _, r := range rows {
		if seen == 50 {
			break
		}
		if r.bad != "" || col >= len(r.fields) || strings.TrimSpace(r.fields[col]) == "" {
			continue
		}
		v := strings.TrimSpace(r.fields[col])
		seen++
		switch {
		case isNumber(v):
			kinds[property.Number]++
		case strings.EqualFold(v, "true") || strings.EqualFold(v, "false"):
			kinds[property.Bool]++
		case isDate(v):
			kinds[property.Date]++
		case ident.CheckEmail(v) == nil:
			kinds[property.Email]++
		default:
			kinds[property.String]++
		}
	}
	for k, n := range kinds {
		if n == seen && seen > 0 {
			return k
		}
	}
	return property.String
}

func isNumber(v string) bool { _, err := strconv.ParseFloat(v, 64); return err == nil }

func isDate(v string) bool { _, err := time.Parse("2006-01-02", v); return err == nil }

// checkSpec checks a mapping against the file and the object's declarations, every problem at
// once, and returns the column index of each mapped property.
func (e *Engine) checkSpec(object string, f *csvFile, spec *ImportSpec) (map[string]int, error) {
	var pr problems
	index := map[string]int{}
	for i, h := range f.header {
		index[h] = i
	}
	cols := map[string]int{} // property -> column index
	for i, c := range spec.Mapping {
		field := fmt.Sprintf("mapping[%d]", i)
		ci, ok := index[strings.TrimSpace(c.Column)]
		if !ok {
			pr.add(field+".column", "the file has no column %q; its columns are %s", c.Column, strings.Join(f.header, ", "))
			continue
		}
		c.Property = strings.TrimSpace(c.Property)
		if c.Property == "" {
			continue // skipped
		}
		if !propNameRe.MatchString(c.Property) {
			pr.add(field+".property", "%q is not a property name: start with a letter or _ and use letters, digits, _ or -", c.Property)
			continue
		}
		if _, dup := cols[c.Property]; dup {
			pr.add(field+".property", "two columns are mapped to %q; map each property once", c.Property)
			continue
		}
		if c.Type != "" && !property.Valid(c.Type) {
			pr.add(field+".type", "%q is not a property type; use one of %s", c.Type, strings.Join(property.Types, ", "))
		}
		if d, ok := e.Property(object, c.Property); ok && c.Type != "" && c.Type != d.Type {
			pr.add(field+".type", "%s property %q is declared as %s; leave the type out to use it, or change the declaration on the Properties screen", object, c.Property, d.Type)
		}
		cols[c.Property] = ci
	}
	if spec.Key == "" {
		spec.Key = "email"
	}
	if _, ok := cols[spec.Key]; !ok {
		if spec.Key == "email" {
			pr.add("mapping", "no column is mapped to email, which finds or creates each %s; map the column with the addresses to email, or pick a unique property as the key", object)
		} else {
			pr.add("key", "no column is mapped to %q, the key; map one, or use email", spec.Key)
		}
	}
	if spec.Key != "email" {
		if d, ok := e.Property(object, spec.Key); !ok || !d.Unique {
			pr.add("key", "%q is not a unique %s property, so it cannot find the record to update; use email, or make it unique on the Properties screen", spec.Key, object)
		}
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	return cols, nil
}

// StartImport checks a file and its mapping and stores the import, which then runs in the
// background (RunDue runs it too). Everything wrong with the file or mapping is refused before
// anything is written; problems of single rows go into the import's report.
func (e *Engine) StartImport(ctx context.Context, list string, raw []byte, spec ImportSpec) (*store.ListImport, error) {
	l, err := e.db.List(ctx, list)
	if err != nil {
		return nil, err
	}
	if l.Active() {
		return nil, badInput("list", "list %q is an active list: its filter decides who is in it; import into a static list", list)
	}
	f, err := parseCSV(raw)
	if err != nil {
		return nil, err
	}
	if _, err := e.checkSpec(l.Object, f, &spec); err != nil {
		return nil, err
	}
	specRaw, _ := json.Marshal(spec)
	im := &store.ListImport{List: list, Spec: specRaw, Body: raw, Total: len(f.rows)}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.InsertImport(im, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("start import into list %q: %w", list, err)
	}
	e.imports.put(im.ID, f)
	e.wakeBulk()
	return e.db.Import(ctx, im.ID)
}

// parsedImports keeps the parsed file of running imports, so a batch does not parse it again,
// with the size of their next batch.
type parsedImports struct {
	mu    sync.Mutex
	files map[int64]*parsedImport
}

type parsedImport struct {
	file  *csvFile
	batch *maintenance.Batch
	// stale is set when the stored file changed under the parsed one (an erase emptied rows):
	// the next batch parses the file again inside its transaction.
	stale atomic.Bool
}

func (p *parsedImports) get(id int64) *parsedImport {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.files[id]
}

func (p *parsedImports) put(id int64, f *csvFile) *parsedImport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[int64]*parsedImport{}
	}
	if f == nil {
		delete(p.files, id)
		return nil
	}
	pi := &parsedImport{file: f, batch: maintenance.NewBatch(100, importMaxBatch, ImportHold)}
	pi.batch.Min = importMinBatch
	p.files[id] = pi
	return pi
}

// RunImportBatch runs the next batch of the oldest running import; worked is false when there
// is none.
func (e *Engine) RunImportBatch(ctx context.Context) (worked bool, err error) {
	id, err := e.db.RunningImportID(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.importBatch(ctx, id)
}

// importBatch runs the next batch of import id (a finished import is left as it is).
func (e *Engine) importBatch(ctx context.Context, id int64) (worked bool, err error) {
	pi := e.imports.get(id)
	if pi == nil { // started by an earlier process: parse its stored file once
		raw, err := e.db.ImportBody(ctx, id)
		if err != nil {
			return false, err
		}
		f, err := parseCSV(raw)
		if err != nil {
			f = &csvFile{}
		}
		pi = e.imports.put(id, f)
	}
	f := pi.file
	var declared []store.Property
	var enrolled int
	ended := false
	err = e.db.Write(ctx, store.Timed(func(tx store.Tx) error {
		declared, enrolled, ended = nil, 0, false
		im, err := tx.Import(id)
		if err != nil || im.Status != store.ImportRunning {
			return err
		}
		if pi.stale.Load() {
			raw, err := tx.ImportBody(id)
			if err != nil {
				return err
			}
			if f, err = parseCSV(raw); err != nil {
				f = &csvFile{}
			}
			e.imports.put(id, f) // a fresh entry: this one may be read by a batch in flight
		}
		now := e.clock.Now()
		l, err := tx.List(im.List)
		var spec ImportSpec
		if err == nil {
			err = json.Unmarshal(im.Spec, &spec)
		}
		var cols map[string]int
		if err == nil {
			cols, err = e.checkSpec(l.Object, f, &spec)
		}
		if err != nil || len(f.rows) != im.Total {
			im.Status, ended = store.ImportFailed, true
			im.Error = fmt.Sprintf("the import stopped after %d of %d rows: %v", im.Cursor, im.Total, err)
			return tx.SaveImport(im, now)
		}
		var rowErrs []store.ImportError
		end := min(im.Cursor+pi.batch.Size, im.Total)
		for _, row := range f.rows[im.Cursor:end] {
			outcome, ds, ids, rerr := e.importRow(tx, l, spec, cols, f.header, row, now)
			var ie *problem.Error
			var ce *ConflictError
			switch {
			case rerr == nil:
			case errors.As(rerr, &ie):
				for _, p := range ie.Problems {
					rowErrs = append(rowErrs, store.ImportError{Row: row.line, Field: p.Field, Message: p.Message})
				}
				outcome = "failed"
			case errors.As(rerr, &ce):
				rowErrs = append(rowErrs, store.ImportError{Row: row.line, Field: ce.Field, Message: ce.Message})
				outcome = "failed"
			case errors.Is(rerr, store.ErrConflict):
				rowErrs = append(rowErrs, store.ImportError{Row: row.line, Field: spec.Key, Message: rerr.Error()})
				outcome = "failed"
			default:
				return rerr
			}
			declared = append(declared, ds...)
			enrolled += len(ids)
			base, joined := strings.CutSuffix(outcome, "+joined")
			if joined {
				im.Joined++
			}
			switch base {
			case "created":
				im.Created++
			case "updated":
				im.Updated++
			case "unchanged":
				im.Unchanged++
			default:
				im.Failed++
			}
		}
		im.Cursor = end
		if err := tx.AddImportErrors(im.ID, rowErrs); err != nil {
			return err
		}
		if im.Cursor >= im.Total {
			im.Status, ended = store.ImportDone, true
		}
		return tx.SaveImport(im, now)
	}, pi.batch.Took))
	if err != nil {
		return false, fmt.Errorf("import %d: %w", id, err)
	}
	e.rememberProperties(declared)
	if ended {
		e.imports.put(id, nil)
	}
	if enrolled > 0 {
		e.Wake()
	}
	return true, nil
}

// CancelImport stops a running import by hand: the rows written so far stay (and their records
// in the list), the rest of the file is not read and is dropped, and the import reads
// "cancelled". An import that has ended is ErrConflict; a batch in flight either committed
// before (its rows count) or finds the import cancelled and writes nothing.
func (e *Engine) CancelImport(ctx context.Context, id int64) (*store.ListImport, error) {
	var out *store.ListImport
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		im, err := tx.Import(id)
		if err != nil {
			return err
		}
		if im.Status != store.ImportRunning {
			return fmt.Errorf("import %d is %s; only a running import can be cancelled: %w", id, im.Status, store.ErrConflict)
		}
		im.Status = store.ImportCancelled
		if err := tx.SaveImport(im, e.clock.Now()); err != nil {
			return err
		}
		out = im
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cancel import %d: %w", id, err)
	}
	e.imports.put(id, nil)
	return out, nil
}

// importRow writes one row: the record found by the key is updated (or created), and it joins
// the list. A problem with the row is a *problem.Error or a ConflictError naming its column; the
// row's writes are then undone and the batch goes on. The outcome is created, updated or
// unchanged, with "+joined" when the record joined the list.
func (e *Engine) importRow(tx store.Tx, l *store.List, spec ImportSpec, cols map[string]int, header []string, row csvRow, now time.Time) (outcome string, declared []store.Property, enrolled []int64, err error) {
	if row.bad != "" {
		return "", nil, nil, badInput("row", "%s", row.bad)
	}
	props := map[string]any{}
	types := map[string]string{}
	for _, c := range spec.Mapping {
		p := strings.TrimSpace(c.Property)
		ci, ok := cols[p]
		if p == "" || !ok {
			continue
		}
		v := strings.TrimSpace(row.fields[ci])
		if v == "" {
			continue // an empty cell leaves the property as it is
		}
		if p == "email" {
			if err := ident.CheckEmail(v); err != nil {
				return "", nil, nil, badInput(header[ci], "%v", err)
			}
		}
		cv, err := e.convertValue(l.Object, p, v, c.Type)
		if err != nil {
			return "", nil, nil, badInput(header[ci], "%v", err)
		}
		props[p], types[p] = cv, c.Type
	}
	keyCol := header[cols[spec.Key]]
	key, ok := props[spec.Key]
	if !ok {
		return "", nil, nil, badInput(keyCol, "the row has no %s; every row needs one to find or create the %s", spec.Key, l.Object)
	}
	err = tx.Savepoint(func() error {
		var id int64
		email := ""
		if spec.Key == "email" {
			email = key.(string)
		} else {
			var err error
			if id, err = tx.RecordWithValue(l.Object, spec.Key, key, 0); err != nil {
				return err
			}
		}
		change, err := tx.UpsertRecord(l.Object, id, email, props, now)
		if err != nil {
			return err
		}
		if declared, err = e.declare(tx, l.Object, props, types); err != nil {
			return err
		}
		if err := e.checkUnique(tx, change.Record, props, ""); err != nil {
			var ce *ConflictError
			if errors.As(err, &ce) {
				ce.Field = header[cols[strings.TrimPrefix(ce.Field, ".")]]
			}
			return err
		}
		if enrolled, err = e.recordChanged(tx, change, now); err != nil {
			return err
		}
		switch {
		case change.Created:
			outcome = "created"
		case change.Changed:
			outcome = "updated"
		default:
			outcome = "unchanged"
		}
		joined, err := e.addToList(tx, l.ID, change.Record, now, false)
		if err != nil {
			return err
		}
		if joined {
			outcome += "+joined"
		}
		return nil
	})
	if err != nil {
		return "", nil, nil, err
	}
	return outcome, declared, enrolled, nil
}
