package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
)

func conditionOps() []condition.Op { return condition.Ops }

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		e := apiError(http.StatusBadRequest, "bad_id", "%q is not an id; ids are positive whole numbers", r.PathValue("id"))
		e.Details = map[string]any{"field": "id"}
		return 0, e
	}
	return id, nil
}

// answerByID answers a route on /…/{id} with view of what do returns for the id: the one shape
// of the job routes (get and cancel of enroll and retry jobs).
func answerByID[T any](w http.ResponseWriter, r *http.Request, do func(context.Context, int64) (T, error), view func(T) any) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	v, err := do(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view(v))
}

// jobStatusQuery checks a job list's ?status= (enroll and retry jobs share their statuses).
func jobStatusQuery(status string) error {
	switch status {
	case "", store.EnrollJobRunning, store.EnrollJobDone, store.EnrollJobFailed, store.EnrollJobCancelled:
		return nil
	}
	return apiError(http.StatusBadRequest, "bad_query", "status %q is not one of running, done, failed, cancelled", status)
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apiError(http.StatusBadRequest, "bad_query", "query parameter %q must be a non-negative number, not %q", name, v)
	}
	return n, nil
}

// queryInts reads numeric query parameters into their destinations and returns the page size
// asked for with "limit" (default and cap applied); an error names the bad parameter.
func queryInts(r *http.Request, dst map[string]*int64) (page int, err error) {
	for name, p := range dst {
		if *p, err = queryInt(r, name); err != nil {
			return 0, err
		}
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return 0, err
	}
	return pageLimit(limit), nil
}

// Page sizes of list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// pageLimit turns ?limit= into a page size: 0 means the default, more than the maximum is capped
// (so "a full page means there may be more" stays true).
func pageLimit(n int64) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return int(n)
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request) {
	q := store.RecordQuery{Type: r.URL.Query().Get("type"), Email: r.URL.Query().Get("email"), Text: r.URL.Query().Get("q")}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{"cursor": &q.After}); err != nil {
		writeError(w, err)
		return
	}
	recs, err := s.db.SearchRecords(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"records": wireAll(recs, wireRecord)}
	if len(recs) == q.Limit {
		out["next_cursor"] = strconv.FormatInt(recs[len(recs)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx := r.Context()
	rec, err := s.db.Record(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if at, erased, e2 := s.db.ErasedAt(ctx, id); e2 == nil && erased {
			writeError(w, apiError(http.StatusGone, "erased", "record %d was erased on %s; nothing of it is kept", id, at.UTC().Format(time.RFC3339)))
			return
		}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	lists, err := s.db.RecordLists(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	events, err := s.db.RecordEvents(ctx, id, 50)
	if err != nil {
		writeError(w, err)
		return
	}
	enrollments, err := s.db.Enrollments(ctx, store.EnrollmentQuery{RecordID: id, Limit: 100, SkipTrashed: true})
	if err != nil {
		writeError(w, err)
		return
	}
	refusals, err := s.db.Refusals(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"record": wireRecord(rec), "lists": lists, "events": wireAll(events, wireEvent), "enrollments": wireAll(enrollments, wireEnrollment), "not_enrolled": nonNil(wireAll(refusals, func(r store.Refusal) *refusalJSON { return wireRefusal(&r) }))})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) patchRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req struct {
		Properties json.RawMessage `json:"properties"`
	}
	if err := decode(w, r, MaxEventBody, &req); err != nil {
		writeError(w, err)
		return
	}
	// Numbers stay exact (json.Number) until the engine converts them to the declared types, so
	// an integer property keeps all 64 bits.
	var props map[string]any
	if len(req.Properties) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Properties))
		dec.UseNumber()
		if err := dec.Decode(&props); err != nil {
			e := apiError(http.StatusBadRequest, "wrong_type", "field \"properties\" must be an object of property values")
			e.Details = map[string]any{"field": "properties"}
			writeError(w, e)
			return
		}
	}
	rec, enrolled, err := s.eng.PatchRecord(r.Context(), id, props)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"record": wireRecord(rec), "enrollments": nonNil(enrolled)})
}

// diagnose explains in words why a record enrolled ("why did this contact enroll").
func diagnose(en *store.Enrollment, r engine.Reason) map[string]any {
	out := map[string]any{"trigger": r.Trigger, "trigger_type": r.TriggerType, "summary": r.Summary, "matched": r.Matched}
	if r.Event != nil {
		out["event"] = r.Event
	}
	if r.By != "" {
		out["by"] = r.By
	}
	out["version"] = en.Version
	return out
}

// eraseRecord erases a record for good (GDPR): its data goes from every table, its open
// enrollments are cancelled, and an anonymous tombstone keeps the counters right.
func (s *Server) eraseRecord(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := s.eng.EraseRecord(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"erased": wireErasure(out)})
}
