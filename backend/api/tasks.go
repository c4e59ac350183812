package api

import (
	"net/http"
	"strconv"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// taskRoutes registers the task list (tasks from create_task steps) and a record's
// subscription statuses.
func (s *Server) taskRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/tasks", s.listTasks)
	m.HandleFunc("GET /api/tasks/{id}", s.getTask)
	m.HandleFunc("PATCH /api/tasks/{id}", s.patchTask)
	m.HandleFunc("GET /api/records/{id}/subscriptions", s.recordSubscriptions)
}

// listTasks answers GET /api/tasks?status=open|done&owner=&record=&workflow=&limit=&cursor=
// with {"tasks": [...], "next_cursor"} (oldest first; the cursor is the last id of the page).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	q := store.TaskQuery{Status: qv.Get("status"), Owner: qv.Get("owner"), WorkflowID: qv.Get("workflow")}
	switch q.Status {
	case "", store.TaskOpen, store.TaskDone:
	default:
		writeError(w, apiError(http.StatusBadRequest, "bad_query", "status %q is not one of open, done", q.Status))
		return
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{"record": &q.RecordID, "enrollment": &q.EnrollmentID, "cursor": &q.After}); err != nil {
		writeError(w, err)
		return
	}
	tasks, err := s.db.Tasks(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := map[string]any{"tasks": wireAll(tasks, wireTask)}
	if len(tasks) == q.Limit {
		out["next_cursor"] = strconv.FormatInt(tasks[len(tasks)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.db.Task(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wireTask(t))
}

// patchTask answers PATCH /api/tasks/{id} {"status": "done"|"open"} with the task.
func (s *Server) patchTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var body struct {
		Status string `json:"status"`
	}
	if err := decode(w, r, MaxSmallBody, &body); err != nil {
		writeError(w, err)
		return
	}
	if body.Status != store.TaskOpen && body.Status != store.TaskDone {
		writeError(w, problem.Field("status", "%q is not one of open, done", body.Status))
		return
	}
	t, err := s.eng.SetTaskStatus(r.Context(), id, body.Status)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wireTask(t))
}

// recordSubscriptions answers GET /api/records/{id}/subscriptions with the record's current
// statuses and their history: {"subscriptions": [...], "history": [...]}.
func (s *Server) recordSubscriptions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	db := s.db
	if _, err := db.Record(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	subs, err := db.Subscriptions(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	hist, err := db.SubscriptionHistory(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": wireAll(subs, wireSubscription), "history": wireAll(hist, wireSubscriptionChange)})
}
