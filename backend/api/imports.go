package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Routes of CSV imports into lists and CSV exports of lists and records.
func (s *Server) importRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/lists/{id}/imports/preview", s.previewImport)
	m.HandleFunc("POST /api/lists/{id}/imports", s.startImport)
	m.HandleFunc("GET /api/lists/{id}/imports", s.listImports)
	m.HandleFunc("GET /api/imports/{id}", s.getImport)
	m.HandleFunc("GET /api/imports/{id}/errors.csv", s.importErrors)
	m.HandleFunc("POST /api/imports/{id}/cancel", s.cancelImport)
	m.HandleFunc("GET /api/lists/{id}/export.csv", s.exportList)
	m.HandleFunc("GET /api/records/export.csv", s.exportRecords)
}

// MaxImportBody caps an import request: the file travels base64-encoded in JSON.
const MaxImportBody = engine.MaxImportBytes/3*4 + 1<<20

// importBody is what the import routes take: the file's bytes (base64 in JSON, so a file that
// is not UTF-8 arrives as it is and is refused with the line) and, to start, the mapping.
type importBody struct {
	File    []byte                `json:"file"`
	Mapping []engine.ImportColumn `json:"mapping"`
	Key     string                `json:"key"`
}

func (s *Server) previewImport(w http.ResponseWriter, r *http.Request) {
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	var body importBody
	if err := decode(w, r, MaxImportBody, &body); err != nil {
		writeError(w, err)
		return
	}
	p, err := s.eng.PreviewImport(l.Object, body.File)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"preview": p})
}

func (s *Server) startImport(w http.ResponseWriter, r *http.Request) {
	var body importBody
	if err := decode(w, r, MaxImportBody, &body); err != nil {
		writeError(w, err)
		return
	}
	im, err := s.eng.StartImport(r.Context(), r.PathValue("id"), body.File, engine.ImportSpec{Mapping: body.Mapping, Key: body.Key})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/imports/%d", im.ID))
	writeJSON(w, http.StatusAccepted, map[string]any{"import": wireListImport(im)})
}

// cancelImport stops a running import; the rows so far stay. No body.
func (s *Server) cancelImport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	im, err := s.eng.CancelImport(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"import": wireListImport(im)})
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request) {
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	ims, err := s.db.Imports(r.Context(), l.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"imports": wireAll(ims, wireListImport)})
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	im, err := s.db.Import(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"import": wireListImport(im)})
}

// importErrors answers an import's report: one CSV line per row that was not written.
func (s *Server) importErrors(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.db.Import(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	errs, err := s.db.ImportErrors(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	cw := csvAnswer(w, fmt.Sprintf("import-%d-errors.csv", id))
	_ = cw.Write([]string{"line", "column", "problem"})
	for _, e := range errs {
		_ = cw.Write([]string{strconv.Itoa(e.Row), e.Field, e.Message})
	}
	cw.Flush()
}

// csvAnswer starts a CSV download answer.
func csvAnswer(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.WriteHeader(http.StatusOK)
	return csv.NewWriter(w)
}

// exportList answers a list's members as CSV: id, email, then every property any member has.
func (s *Server) exportList(w http.ResponseWriter, r *http.Request) {
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.exportCSV(w, r, l.ID+".csv", func(after int64) ([]*store.Record, error) {
		return s.db.ListMemberRecords(r.Context(), store.MemberQuery{List: l.ID, Text: r.URL.Query().Get("q"), After: after, Limit: 1000})
	})
}

// exportRecords answers the records view (?type=, ?q=) as CSV.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request) {
	q := store.RecordQuery{Type: r.URL.Query().Get("type"), Text: r.URL.Query().Get("q"), Limit: 1000}
	name := "records.csv"
	if q.Type != "" {
		name = q.Type + "s.csv"
	}
	s.exportCSV(w, r, name, func(after int64) ([]*store.Record, error) {
		q.After = after
		return s.db.SearchRecords(r.Context(), q)
	})
}

// exportCSV writes the records page reads give as CSV. The columns are known only once every
// record is read, so the records are read first (ids and properties) and then written.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, name string, page func(after int64) ([]*store.Record, error)) {
	var all []*store.Record
	cols := map[string]bool{}
	for after := int64(0); ; {
		recs, err := page(after)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, rec := range recs {
			for k := range rec.Properties {
				if k != "email" {
					cols[k] = true
				}
			}
		}
		all = append(all, recs...)
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].ID
	}
	names := make([]string, 0, len(cols))
	for k := range cols {
		names = append(names, k)
	}
	sort.Strings(names)
	cw := csvAnswer(w, name)
	_ = cw.Write(append([]string{"id", "type", "email"}, names...))
	for _, rec := range all {
		row := []string{strconv.FormatInt(rec.ID, 10), rec.Type, rec.Email}
		for _, k := range names {
			row = append(row, cell(rec.Properties[k]))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

// cell renders a property value for a CSV cell; a multi-value property joins its values with ";".
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, el := range x {
			parts[i] = cell(el)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}
