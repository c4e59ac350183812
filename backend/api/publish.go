package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// publishRoutes registers the review before a workflow goes live and the publish itself.
func (s *Server) publishRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/workflows/{id}/review", s.reviewPublish)
	m.HandleFunc("POST /api/workflows/{id}/publish", s.publish)
}

// publishBody is the body of review and publish. Without a definition they take the saved
// draft. EnrollExisting is publish's answer to "also enroll records that meet the triggers
// now?", which it demands.
type publishBody struct {
	Definition     json.RawMessage `json:"definition"`
	Revision       int             `json:"revision"`
	EnrollExisting *bool           `json:"enroll_existing"`
}

// readPublish reads an optional body (none is {}) and checks its definition's JSON shape.
func readPublish(w http.ResponseWriter, r *http.Request) (*publishBody, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWorkflowBody))
	if err != nil {
		return nil, err // toError answers 413 for a body over the limit
	}
	var b publishBody
	if strings.TrimSpace(string(raw)) == "" {
		return &b, nil
	}
	if err := decodeBytes(raw, &b); err != nil {
		return nil, err
	}
	if len(b.Definition) > 0 && string(b.Definition) != "null" {
		var def workflow.Definition
		if err := decodeBytes(b.Definition, &def); err != nil {
			if e, ok := err.(*Error); ok {
				e.Message = "definition: " + e.Message
			}
			return nil, err
		}
	} else {
		b.Definition = nil
	}
	if b.Revision < 0 {
		return nil, problem.Field("revision", "give the revision you edited, like 3")
	}
	return &b, nil
}

func (s *Server) reviewPublish(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := readPublish(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	rv, err := s.workflows.Review(r.Context(), id, b.Definition)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	writeJSON(w, http.StatusOK, rv)
}

// publishedJSON is the answer to a publish: the workflow, secrets hidden, its problems and how
// many existing records it enrolled.
type publishedJSON struct {
	*workflowJSON
	Problems []workflow.Problem `json:"problems"`
	Enrolled int                `json:"enrolled"`
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	id, err := workflowID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := readPublish(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if b.EnrollExisting == nil {
		writeError(w, problem.Field("enroll_existing", "say true or false: should records that meet the triggers now enroll too?"))
		return
	}
	p, err := s.workflows.Publish(r.Context(), id, b.Definition, b.Revision, *b.EnrollExisting)
	if err != nil {
		writeError(w, workflowError(err))
		return
	}
	setETag(w, p.Revision)
	writeJSON(w, http.StatusOK, publishedJSON{workflowJSON: masked(p.Workflow), Problems: p.Problems, Enrolled: p.Enrolled})
}
