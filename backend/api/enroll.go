package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// MaxEnrollBody fits engine.MaxEnrollIDs record ids.
const MaxEnrollBody = 1 << 20

// enrollRoutes registers manual enrollment: one record, or many as a bulk-enrollment job.
func (s *Server) enrollRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/workflows/{id}/enroll", s.enroll)
	m.HandleFunc("POST /api/workflows/{id}/enroll/preview", s.previewEnroll)
	m.HandleFunc("GET /api/enroll-jobs", s.listEnrollJobs)
	m.HandleFunc("GET /api/enroll-jobs/{id}", s.getEnrollJob)
	m.HandleFunc("POST /api/enroll-jobs/{id}/cancel", s.cancelEnrollJob)
	m.HandleFunc("GET /api/records/{id}/enroll-options", s.enrollOptions)
}

// enrollBody is the body of POST /api/workflows/{id}/enroll[/preview]: exactly one field.
type enrollBody struct {
	RecordID  *int64            `json:"record_id"`
	RecordIDs []int64           `json:"record_ids"`
	List      *string           `json:"list"`
	Filter    *condition.Filter `json:"filter"`
}

// readEnroll reads the workflow id and an enroll body that names exactly one selection.
func readEnroll(w http.ResponseWriter, r *http.Request) (string, *enrollBody, error) {
	id, err := workflowID(r)
	if err != nil {
		return "", nil, err
	}
	var b enrollBody
	if err := decode(w, r, MaxEnrollBody, &b); err != nil {
		return "", nil, err
	}
	n := 0
	for _, set := range []bool{b.RecordID != nil, b.RecordIDs != nil, b.List != nil, b.Filter != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		field := "record_id"
		if n > 1 {
			field = "body"
		}
		return "", nil, problem.Field(field, "give exactly one of record_id, record_ids, list or filter to say whom to enroll")
	}
	if b.RecordID != nil && *b.RecordID <= 0 {
		return "", nil, problem.Field("record_id", "give the id of the record to enroll")
	}
	return id, &b, nil
}

func (b *enrollBody) selection() engine.Selection {
	if b.RecordID != nil {
		return engine.Selection{RecordIDs: []int64{*b.RecordID}}
	}
	return engine.Selection{RecordIDs: b.RecordIDs, List: b.List, Filter: b.Filter}
}

// workflowError names the path's workflow id in a 404 for a workflow that does not exist.
func workflowError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		e := toError(err)
		e.Details = map[string]any{"field": "id"}
		return e
	}
	return err
}

// enroll enrolls one record (201 with the enrollment) or starts a bulk-enrollment job for
// record_ids, a list or a filter (202 with the job; poll GET /api/enroll-jobs/{id}).
func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	id, b, err := readEnroll(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if b.RecordID != nil {
		en, err := s.eng.EnrollManually(r.Context(), id, *b.RecordID)
		if err != nil {
			writeError(w, workflowError(err))
			return
		}
		writeJSON(w, http.StatusCreated, wireEnrollment(en))
		return
	}
	job, err := s.eng.StartEnroll(r.Context(), id, b.selection())
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	w.Header().Set("Location", "/api/enroll-jobs/"+strconv.FormatInt(job.ID, 10))
	writeJSON(w, http.StatusAccepted, jobView(job))
}

// previewEnroll counts what the same body would enroll now, writing nothing.
func (s *Server) previewEnroll(w http.ResponseWriter, r *http.Request) {
	id, b, err := readEnroll(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	p, err := s.eng.PreviewEnroll(r.Context(), id, b.selection())
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// enrollJobView is a job with the figures a progress bar needs.
type enrollJobView struct {
	*enrollJobJSON
	SkippedTotal int64 `json:"skipped_total"`
	Processed    int64 `json:"processed"` // enrolled + skipped
	Done         bool  `json:"done"`      // the job has ended (see status)
}

func jobView(j *store.EnrollJob) enrollJobView {
	v := enrollJobView{enrollJobJSON: wireEnrollJob(j), Done: j.Status != store.EnrollJobRunning}
	for _, n := range j.Skipped {
		v.SkippedTotal += n
	}
	v.Processed = j.Enrolled + v.SkippedTotal
	return v
}

func (s *Server) getEnrollJob(w http.ResponseWriter, r *http.Request) {
	answerByID(w, r, s.db.EnrollJob, func(j *store.EnrollJob) any { return jobView(j) })
}

// cancelEnrollJob stops a running job after its current batch (409 once it has ended).
func (s *Server) cancelEnrollJob(w http.ResponseWriter, r *http.Request) {
	answerByID(w, r, s.eng.CancelEnrollJob, func(j *store.EnrollJob) any { return jobView(j) })
}

func (s *Server) listEnrollJobs(w http.ResponseWriter, r *http.Request) {
	q := store.EnrollJobQuery{WorkflowID: r.URL.Query().Get("workflow"), Status: r.URL.Query().Get("status")}
	if err := jobStatusQuery(q.Status); err != nil {
		writeError(w, err)
		return
	}
	var err error
	if q.Limit, err = queryInts(r, map[string]*int64{}); err != nil {
		writeError(w, err)
		return
	}
	jobs, err := s.db.EnrollJobs(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]enrollJobView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobView(j))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

// enrollOptions lists the workflows a record could be enrolled in by hand ("Enroll in
// workflow…"), each with why not when it cannot.
func (s *Server) enrollOptions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	opts, err := s.eng.EnrollOptions(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflows": opts})
}
