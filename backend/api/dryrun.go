package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

// dryRunRoutes registers dry runs: every record a filter or list selects through a workflow
// over virtual time, counted per step and path, with nothing written or sent.
func (s *Server) dryRunRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/workflows/{id}/dry-run", s.startDryRun)
	m.HandleFunc("GET /api/dry-runs/{run}", s.getDryRun)
	m.HandleFunc("GET /api/dry-runs/{run}/records", s.dryRunRecords)
	m.HandleFunc("POST /api/dry-runs/{run}/cancel", s.cancelDryRun)
}

func (s *Server) dryRunsReady(w http.ResponseWriter) bool {
	return s.simulatorSetUp(w, s.dryRuns != nil)
}

// startDryRun is POST /api/workflows/{id}/dry-run: checked now (422 naming the field, nothing
// started), then run in the background; 202 answers the run to poll.
func (s *Server) startDryRun(w http.ResponseWriter, r *http.Request) {
	if !s.dryRunsReady(w) {
		return
	}
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req simulate.DryRunRequest
	if err := decode(w, r, MaxWorkflowBody, &req); err != nil {
		writeError(w, err)
		return
	}
	run, err := s.dryRuns.Start(r.Context(), id, req)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	w.Header().Set("Location", "/api/dry-runs/"+run.ID)
	writeJSON(w, http.StatusAccepted, run)
}

func dryRunError(err error) error {
	if errors.Is(err, simulate.ErrNoDryRun) {
		e := apiError(http.StatusNotFound, "not_found", "there is no dry run with this id (runs are kept in memory for a while; start a new one)")
		e.Details = map[string]any{"field": "run"}
		return e
	}
	return err
}

func (s *Server) getDryRun(w http.ResponseWriter, r *http.Request) {
	if !s.dryRunsReady(w) {
		return
	}
	run, err := s.dryRuns.Get(r.PathValue("run"))
	if err != nil {
		writeError(w, dryRunError(err))
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) cancelDryRun(w http.ResponseWriter, r *http.Request) {
	if !s.dryRunsReady(w) {
		return
	}
	run, err := s.dryRuns.Cancel(r.PathValue("run"))
	if err != nil {
		writeError(w, dryRunError(err))
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// dryRunRecords is GET /api/dry-runs/{run}/records?count=KEY&cursor=&limit=: the real records
// behind one count (step:ID, edge:ID:PORT, outcome:X, skipped:CODE), as they are now.
func (s *Server) dryRunRecords(w http.ResponseWriter, r *http.Request) {
	if !s.dryRunsReady(w) {
		return
	}
	var offset int64
	limit, err := queryInts(r, map[string]*int64{"cursor": &offset})
	if err != nil {
		writeError(w, err)
		return
	}
	ids, total, err := s.dryRuns.Records(r.PathValue("run"), r.URL.Query().Get("count"), int(offset), limit)
	if err != nil {
		writeError(w, dryRunError(err))
		return
	}
	recs := []*store.Record{}
	if len(ids) > 0 {
		found, err := s.db.SelectRecords(r.Context(), store.RecordSelect{IDs: ids, Limit: len(ids)})
		if err != nil {
			writeError(w, err)
			return
		}
		byID := map[int64]*store.Record{}
		for _, rec := range found {
			byID[rec.ID] = rec
		}
		for _, id := range ids {
			if rec := byID[id]; rec != nil { // an erased record has gone since
				recs = append(recs, rec)
			}
		}
	}
	out := map[string]any{"records": wireAll(recs, wireRecord), "total": total}
	if next := int(offset) + len(ids); next < total {
		out["next_cursor"] = strconv.Itoa(next)
	}
	writeJSON(w, http.StatusOK, out)
}
