package api

import (
	"net/http"
	"slices"
	"strings"
)

// associationRoutes registers the links between records and the pairs of types that may be linked.
func (s *Server) associationRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/records/{id}/associations", s.listAssociations)
	m.HandleFunc("POST /api/records/{id}/associations", s.createAssociation)
	m.HandleFunc("DELETE /api/records/{id}/associations", s.deleteAssociation)
	m.HandleFunc("GET /api/association-types", s.listAssociationTypes)
	m.HandleFunc("POST /api/association-types", s.createAssociationType)
}

// associationView is an association with the record it leads to.
type associationView struct {
	*associationJSON
	Record *recordJSON `json:"record"`
}

// listAssociations answers a record's links (?type= keeps one record type), each with the
// linked record.
func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	typ := r.URL.Query().Get("type")
	if typ != "" && !slices.Contains(s.eng.Objects(), typ) {
		e := apiError(http.StatusBadRequest, "bad_query", "type %q is not a known record type; use one of %s", typ, strings.Join(sortedCopy(s.eng.Objects()), ", "))
		e.Details = map[string]any{"field": "type"}
		writeError(w, e)
		return
	}
	ctx := r.Context()
	self, err := s.db.Record(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	links, err := s.db.Associations(ctx, id, typ)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]associationView, 0, len(links))
	for _, l := range links {
		rec, err := s.db.Record(ctx, l.RecordID)
		if err != nil {
			writeError(w, err)
			return
		}
		out = append(out, associationView{associationJSON: wireAssociation(&l), Record: wireRecord(rec)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"associations": out, "associable": s.eng.Associable(self.Type)})
}

type associationBody struct {
	RecordID int64   `json:"record_id"`
	Label    *string `json:"label"`
}

// createAssociation links the record with another: 201 when new, 200 when that link (with
// that label) existed already.
func (s *Server) createAssociation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req associationBody
	if err := decode(w, r, MaxSmallBody, &req); err != nil {
		writeError(w, err)
		return
	}
	label := ""
	if req.Label != nil {
		label = *req.Label
	}
	a, created, err := s.eng.Associate(r.Context(), id, req.RecordID, label)
	if err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	rec, err := s.db.Record(r.Context(), a.RecordID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, status, map[string]any{"association": associationView{associationJSON: wireAssociation(&a), Record: wireRecord(rec)}, "created": created})
}

// deleteAssociation removes the link with one record (with "label": only that label).
func (s *Server) deleteAssociation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req associationBody
	if err := decode(w, r, MaxSmallBody, &req); err != nil {
		writeError(w, err)
		return
	}
	n, err := s.eng.Dissociate(r.Context(), id, req.RecordID, req.Label)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"removed": n})
}

func (s *Server) listAssociationTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := s.db.AssociationTypes(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"association_types": wireAll(ts, associationTypeValue)})
}

func (s *Server) createAssociationType(w http.ResponseWriter, r *http.Request) {
	var req associationTypeJSON
	if err := decode(w, r, MaxSmallBody, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.AddAssociationType(r.Context(), req.From, req.To); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"association_type": req})
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
