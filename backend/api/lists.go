package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Routes of lists and their members (the Lists screen).
func (s *Server) listRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/lists", s.listLists)
	m.HandleFunc("POST /api/lists", s.createList)
	m.HandleFunc("GET /api/lists/{id}", s.getList)
	m.HandleFunc("PUT /api/lists/{id}", s.updateList)
	m.HandleFunc("DELETE /api/lists/{id}", s.deleteList)
	m.HandleFunc("GET /api/lists/{id}/members", s.listMembers)
	m.HandleFunc("POST /api/lists/{id}/members", s.addMembers)
	m.HandleFunc("DELETE /api/lists/{id}/members/{record_id}", s.removeMember)
}

// MaxListBody caps a list or members request (10,000 ids fit well within it).
const MaxListBody = 512 << 10

func (s *Server) listLists(w http.ResponseWriter, r *http.Request) {
	ls, err := s.eng.Lists(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"lists": wireAll(ls, wireList)})
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request) {
	var in engine.ListInput
	if err := decode(w, r, MaxListBody, &in); err != nil {
		writeError(w, err)
		return
	}
	l, err := s.eng.CreateList(r.Context(), in)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"list": wireList(l)})
}

// getList answers the list with its membership per day (counts over time).
func (s *Server) getList(w http.ResponseWriter, r *http.Request) {
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	days, err := s.db.ListDays(r.Context(), l.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": wireList(l), "days": wireAll(days, func(d store.ListDay) *listDayJSON { return wireListDay(&d) })})
}

func (s *Server) updateList(w http.ResponseWriter, r *http.Request) {
	var in engine.ListInput
	if err := decode(w, r, MaxListBody, &in); err != nil {
		writeError(w, err)
		return
	}
	l, err := s.eng.UpdateList(r.Context(), r.PathValue("id"), in)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": wireList(l)})
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) {
	err := s.eng.DeleteList(r.Context(), r.PathValue("id"))
	var iu *engine.InUseError
	if errors.As(err, &iu) {
		e := apiError(http.StatusConflict, "in_use", "%s", iu.Error())
		e.Details = map[string]any{"used_by": iu.Users}
		writeError(w, e)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listMembers pages through a list's member records (?q= searches them, ?cursor= continues).
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	q := store.MemberQuery{List: l.ID, Text: r.URL.Query().Get("q")}
	if q.Limit, err = queryInts(r, map[string]*int64{"cursor": &q.After}); err != nil {
		writeError(w, err)
		return
	}
	recs, err := s.db.ListMemberRecords(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"members": wireAll(recs, wireRecord), "total": l.Members}
	if len(recs) == q.Limit {
		out["next_cursor"] = strconv.FormatInt(recs[len(recs)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) addMembers(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RecordIDs []int64 `json:"record_ids"`
	}
	if err := decode(w, r, MaxListBody, &body); err != nil {
		writeError(w, err)
		return
	}
	added, err := s.eng.AddListMembers(r.Context(), r.PathValue("id"), body.RecordIDs)
	if err != nil {
		writeError(w, err)
		return
	}
	l, err := s.eng.List(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "list": wireList(l)})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("record_id"), 10, 64)
	if err != nil || id <= 0 {
		e := apiError(http.StatusBadRequest, "bad_id", "%q is not a record id; ids are positive whole numbers", r.PathValue("record_id"))
		e.Details = map[string]any{"field": "record_id"}
		writeError(w, e)
		return
	}
	if err := s.eng.RemoveListMember(r.Context(), r.PathValue("id"), id); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
