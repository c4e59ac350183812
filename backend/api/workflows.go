package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// workflowIDRe is the shape of workflow ids (the engine refuses to store any other).
var workflowIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// workflowID returns the {id} path value, or a 400 when it cannot be a workflow id.
func workflowID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !workflowIDRe.MatchString(id) {
		e := apiError(http.StatusBadRequest, "bad_id", "%q is not a workflow id; ids are 1-64 lowercase letters, digits, - or _", id)
		e.Details = map[string]any{"field": "id"}
		return "", e
	}
	return id, nil
}

// setETag sends a workflow's revision as its entity tag, for If-Match on the next save.
func setETag(w http.ResponseWriter, rev int) {
	w.Header().Set("ETag", `"`+strconv.Itoa(rev)+`"`)
}

// workflowSummary is a list row (no definition).
type workflowSummary struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Object        string    `json:"object"`
	Enabled       bool      `json:"enabled"`
	Revision      int       `json:"revision"`
	ActiveVersion int       `json:"active_version,omitempty"`
	Tags          []string  `json:"tags"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Problems and Warnings count what validation finds in the stored definition now: a
	// workflow with problems is a draft that cannot be switched on.
	Problems int `json:"problems"`
	Warnings int `json:"warnings"`
}

func (s *Server) listWorkflows(w http.ResponseWriter, r *http.Request) {
	wfs, err := s.db.Workflows(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	counts, err := s.workflows.ProblemCounts(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]workflowSummary, 0, len(wfs))
	for _, wf := range wfs {
		c := counts[wf.ID]
		out = append(out, workflowSummary{ID: wf.ID, Name: wf.Name, Object: wf.Object, Enabled: wf.Enabled,
			Revision: wf.Revision, ActiveVersion: wf.ActiveVersion, Tags: wf.Tags, UpdatedAt: wf.UpdatedAt, Problems: c.Errors, Warnings: c.Warnings})
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflows": out})
}

// readDefinition reads a workflow body and checks its JSON shape, so syntax errors and unknown
// fields are 400s that name the problem before validation runs.
func readDefinition(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := readBody(w, r, MaxWorkflowBody)
	if err != nil {
		return nil, err
	}
	var def workflow.Definition
	if err := decodeBytes(body, &def); err != nil {
		return nil, err
	}
	return body, nil
}

func (s *Server) createWorkflow(w http.ResponseWriter, r *http.Request) {
	body, err := readDefinition(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	wf, err := s.workflows.Create(r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/workflows/"+wf.ID)
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusCreated, maskedSaved(wf))
}

func (s *Server) validateWorkflow(w http.ResponseWriter, r *http.Request) {
	body, err := readDefinition(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	problems, err := s.workflows.Validate(r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	if problems == nil {
		problems = []workflow.Problem{}
	}
	// valid: it can be switched on (warnings do not stop it)
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(workflow.Errors(problems)) == 0, "problems": problems})
}

func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	wf, err := s.db.Workflow(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusOK, masked(wf))
}

// updateWorkflow saves a definition. The revision the client edited comes in If-Match (or
// ?revision=); a stale one is refused with 409 so concurrent editors don't overwrite each other.
func (s *Server) updateWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	rev, err := expectedRevision(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := readDefinition(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	wf, err := s.workflows.Update(r.Context(), id, body, rev)
	if err != nil {
		writeError(w, err)
		return
	}
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusOK, maskedSaved(wf))
}

// expectedRevision reads the revision the client edited from If-Match or ?revision= (0: none
// given). A value that is not a revision number is a 400, never a silently skipped check.
func expectedRevision(r *http.Request) (int, error) {
	name, v := "If-Match", r.Header.Get("If-Match")
	if v == "" {
		name, v = "revision", r.URL.Query().Get("revision")
	}
	if v == "" {
		return 0, nil
	}
	t := strings.TrimPrefix(strings.TrimSpace(v), "W/")
	rev, err := strconv.Atoi(trimQuotes(t))
	if err != nil || rev <= 0 {
		e := apiError(http.StatusBadRequest, "bad_revision", "%s %q is not a workflow revision; send the revision you edited, like \"3\"", name, v)
		e.Details = map[string]any{"field": name}
		return 0, e
	}
	return rev, nil
}

func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// getVersion returns one stored version of a workflow: what its enrollments run.
func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v <= 0 {
		writeError(w, apiError(http.StatusBadRequest, "bad_version", "%q is not a version number", r.PathValue("version")))
		return
	}
	def, err := s.db.WorkflowVersion(r.Context(), r.PathValue("id"), v)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workflow_id": r.PathValue("id"), "version": v, "definition": maskedDefinition(def)})
}

func (s *Server) enableWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	wf, err := s.workflows.Enable(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusOK, masked(wf))
}

func (s *Server) disableWorkflow(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var cancel bool
	if v := r.URL.Query().Get("cancel"); v != "" {
		if cancel, err = strconv.ParseBool(v); err != nil {
			writeError(w, apiError(http.StatusBadRequest, "bad_query", "cancel must be true or false, not %q", v))
			return
		}
	}
	wf, err := s.workflows.Disable(r.Context(), id, cancel)
	if err != nil {
		writeError(w, err)
		return
	}
	setETag(w, wf.Revision)
	writeJSON(w, http.StatusOK, masked(wf))
}

func (s *Server) workflowStats(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.db.Workflow(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	st, err := s.db.Stats(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wireWorkflowStats(st))
}

func (s *Server) schema(w http.ResponseWriter, r *http.Request) {
	props, err := s.db.Properties(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	objs, err := s.db.ObjectTypes(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"objects": objs, "properties": nonNil(wireAll(props, propertyValue)),
		"step_types": workflow.StepTypes, "operators": conditionOps()})
}

// masked is w on the wire with its definition's secrets hidden: they are never sent back after
// they were saved (saving workflow.Hidden keeps the stored value).
func masked(w *store.Workflow) *workflowJSON {
	return &workflowJSON{ID: w.ID, Name: w.Name, Object: w.Object, Definition: maskedDefinition(w.Definition), Revision: w.Revision,
		Enabled: w.Enabled, ActiveVersion: w.ActiveVersion, Tags: w.Tags, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// savedJSON is the answer to a save: the stored workflow, secrets hidden, with its problems.
type savedJSON struct {
	*workflowJSON
	Problems []workflow.Problem `json:"problems"`
}

func maskedSaved(s *engine.Saved) *savedJSON {
	return &savedJSON{workflowJSON: masked(s.Workflow), Problems: s.Problems}
}

func maskedDefinition(raw json.RawMessage) json.RawMessage {
	def, err := workflow.Parse(raw)
	if err != nil {
		return json.RawMessage(`{}`) // never echo what could not be checked for secrets
	}
	b, err := json.Marshal(def.MaskSecrets())
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}
