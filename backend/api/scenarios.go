package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// scenarioRoutes registers the workflow tests saved in the app: a scenario file's JSON per
// workflow, run on demand (against the saved workflow or the editor's draft) and exported as
// the file `flowdesk test` reads.
func (s *Server) scenarioRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/workflows/{id}/scenarios", s.listScenarios)
	m.HandleFunc("POST /api/workflows/{id}/scenarios", s.createScenario)
	m.HandleFunc("POST /api/workflows/{id}/scenarios/run", s.runScenarios)
	m.HandleFunc("PUT /api/workflows/{id}/scenarios/{sid}", s.updateScenario)
	m.HandleFunc("DELETE /api/workflows/{id}/scenarios/{sid}", s.deleteScenario)
	m.HandleFunc("GET /api/workflows/{id}/scenarios/{sid}/file", s.scenarioFile)
}

// savedScenario is a stored scenario as the API answers it: its id and times, and the
// scenario file itself.
type savedScenario struct {
	ID         int64           `json:"id"`
	WorkflowID string          `json:"workflow_id"`
	Name       string          `json:"name"`
	Scenario   json.RawMessage `json:"scenario"`
	CreatedAt  string          `json:"created_at"`
	UpdatedAt  string          `json:"updated_at"`
}

func toSaved(sc *store.Scenario) savedScenario {
	return savedScenario{ID: sc.ID, WorkflowID: sc.WorkflowID, Name: sc.Name, Scenario: sc.Body,
		CreatedAt: sc.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"), UpdatedAt: sc.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")}
}

// scenarioPath reads the workflow id and (when the route has one) the scenario id, and checks
// that the workflow exists (404 naming id) and the scenario is one of its (404 naming sid).
func (s *Server) scenarioPath(r *http.Request, withSID bool) (string, *store.Scenario, error) {
	id, err := workflowID(r)
	if err != nil {
		return "", nil, err
	}
	if _, err := s.db.Workflow(r.Context(), id); err != nil {
		return "", nil, workflowError(err)
	}
	if !withSID {
		return id, nil, nil
	}
	sid, err := strconv.ParseInt(r.PathValue("sid"), 10, 64)
	if err != nil || sid <= 0 {
		e := apiError(http.StatusBadRequest, "bad_id", "%q is not a scenario id; ids are positive whole numbers", r.PathValue("sid"))
		e.Details = map[string]any{"field": "sid"}
		return "", nil, e
	}
	sc, err := s.db.Scenario(r.Context(), sid)
	if err == nil && sc.WorkflowID != id {
		err = fmt.Errorf("scenario %d of %q: %w", sid, id, store.ErrNotFound)
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			e := toError(err)
			e.Details = map[string]any{"field": "sid"}
			return "", nil, e
		}
		return "", nil, err
	}
	return id, sc, nil
}

func (s *Server) listScenarios(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.scenarioPath(r, false)
	if err != nil {
		writeError(w, err)
		return
	}
	list, err := s.db.Scenarios(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]savedScenario, 0, len(list))
	for _, sc := range list {
		out = append(out, toSaved(sc))
	}
	writeJSON(w, http.StatusOK, map[string]any{"scenarios": out})
}

// readScenario reads and checks a scenario to save (every problem with its field); it must
// run (its record, events and horizon are checked by the simulator) before it is stored.
func (s *Server) readScenario(w http.ResponseWriter, r *http.Request, workflowID string) (*simulate.Scenario, []byte, error) {
	var sc simulate.Scenario
	if err := decode(w, r, MaxWorkflowBody, &sc); err != nil {
		return nil, nil, err
	}
	if err := simulate.CheckSaved(&sc, workflowID); err != nil {
		return nil, nil, err
	}
	if _, err := s.simulator.Run(r.Context(), sc.SavedRequest(nil)); err != nil {
		return nil, nil, err // its record, events or horizon (named), or the workflow's problems
	}
	raw, err := json.Marshal(&sc)
	return &sc, raw, err
}

func (s *Server) createScenario(w http.ResponseWriter, r *http.Request) {
	s.saveScenario(w, r, false)
}

func (s *Server) updateScenario(w http.ResponseWriter, r *http.Request) {
	s.saveScenario(w, r, true)
}

// saveScenario creates (POST, 201) or replaces (PUT on its id, 200) a saved scenario; both
// check the body the same way and keep names unique per workflow.
func (s *Server) saveScenario(w http.ResponseWriter, r *http.Request, update bool) {
	if !s.simulatorReady(w) {
		return
	}
	id, old, err := s.scenarioPath(r, update)
	if err != nil {
		writeError(w, err)
		return
	}
	sc, raw, err := s.readScenario(w, r, id)
	if err != nil {
		writeError(w, err)
		return
	}
	row := &store.Scenario{WorkflowID: id, Name: sc.Name, Body: raw}
	status := http.StatusCreated
	if update {
		row.ID, status = old.ID, http.StatusOK
	}
	if err := s.eng.SaveScenario(r.Context(), row); err != nil {
		writeError(w, scenarioConflict(err))
		return
	}
	if update {
		row.CreatedAt = old.CreatedAt
	}
	writeJSON(w, status, toSaved(row))
}

// scenarioConflict names the field of a duplicate name.
func scenarioConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return problem.Field("name", "this workflow has a scenario with this name already; pick another name")
	}
	return err
}

func (s *Server) deleteScenario(w http.ResponseWriter, r *http.Request) {
	id, sc, err := s.scenarioPath(r, true)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.DeleteScenario(r.Context(), id, sc.ID); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var fileNameUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// scenarioFile is the scenario as the file `flowdesk test` reads, for download.
func (s *Server) scenarioFile(w http.ResponseWriter, r *http.Request) {
	_, sc, err := s.scenarioPath(r, true)
	if err != nil {
		writeError(w, err)
		return
	}
	var v any
	if err := json.Unmarshal(sc.Body, &v); err != nil {
		writeError(w, err)
		return
	}
	name := strings.Trim(fileNameUnsafe.ReplaceAllString(strings.ToLower(sc.Name), "-"), "-")
	if name == "" {
		name = "scenario"
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.json"`, sc.WorkflowID, name))
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// runBody is the body of POST /api/workflows/{id}/scenarios/run (optional).
type runBody struct {
	Definition json.RawMessage `json:"definition,omitempty"` // the editor's draft instead of the saved workflow
	IDs        []int64         `json:"ids,omitempty"`        // only these scenarios
}

// runScenarios runs a workflow's saved scenarios (nothing is written by a run) and answers
// each with passed or the diff of expected and actual.
func (s *Server) runScenarios(w http.ResponseWriter, r *http.Request) {
	if !s.simulatorReady(w) {
		return
	}
	id, _, err := s.scenarioPath(r, false)
	if err != nil {
		writeError(w, err)
		return
	}
	var body runBody
	if r.ContentLength != 0 {
		if err := decode(w, r, MaxWorkflowBody, &body); err != nil {
			writeError(w, err)
			return
		}
	}
	list, err := s.db.Scenarios(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	byID := map[int64]bool{}
	for _, sc := range list {
		byID[sc.ID] = true
	}
	var pr problem.Error
	for i, sid := range body.IDs {
		if !byID[sid] {
			pr.Add(fmt.Sprintf("ids[%d]", i), "workflow %q has no scenario %d", id, sid)
		}
	}
	if len(pr.Problems) > 0 {
		pr.Code = problem.CodeInput
		writeError(w, &pr)
		return
	}
	type result struct {
		ID int64 `json:"id"`
		simulate.ScenarioResult
	}
	out := []result{}
	passed := 0
	for _, row := range list {
		if len(body.IDs) > 0 && !containsID(body.IDs, row.ID) {
			continue
		}
		var sc simulate.Scenario
		res := simulate.ScenarioResult{Name: row.Name, Diff: []string{}}
		if err := json.Unmarshal(row.Body, &sc); err != nil {
			res.Error = "the stored scenario is not a scenario file: " + err.Error()
		} else {
			res = s.simulator.RunSaved(r.Context(), &sc, body.Definition)
		}
		if res.Passed {
			passed++
		}
		out = append(out, result{ID: row.ID, ScenarioResult: res})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "passed": passed, "failed": len(out) - passed})
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
