package engine

import (
	"context"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Review is what publishing a definition would do: what changes against the live version, the
// problems that would stop it, and how many records meet its filter triggers now.
type Review struct {
	WorkflowID  string             `json:"workflow_id"`
	Enabled     bool               `json:"enabled"`
	LiveVersion int                `json:"live_version,omitempty"` // the version published last (live when Enabled); 0: none yet
	Changes     *workflow.Diff     `json:"changes"`
	Problems    []workflow.Problem `json:"problems"`
	Valid       bool               `json:"valid"` // no errors: it can be published
	Existing    ExistingRecords    `json:"existing"`
}

// ExistingRecords counts the records that meet a definition's filter triggers now.
type ExistingRecords struct {
	FilterTriggers int   `json:"filter_triggers"` // 0: the question does not arise
	Matching       int64 `json:"matching"`        // records that meet one now
	Enrollable     int64 `json:"enrollable"`      // of those, the ones publishing with "yes" enrolls
	AlreadyIn      int64 `json:"already_enrolled"`
	ReenrollOff    int64 `json:"reenrollment_off"`
	Suppressed     int64 `json:"suppressed"` // in one of the workflow's suppression lists
}

// Review compares a definition (nil: the saved draft) with the workflow's live version
// and counts the records its filter triggers would enroll now. It writes nothing.
func (s *Workflows) Review(ctx context.Context, id string, raw []byte) (*Review, error) {
	w, err := s.db.Workflow(ctx, id)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		raw = w.Definition
	}
	def, _, problems, err := s.prepare(ctx, raw, id)
	if err != nil {
		return nil, err
	}
	if def.ID != id {
		return nil, badInput("id", "the body's id %q differs from the workflow being reviewed (%q); ids cannot be changed", def.ID, id)
	}
	rv := &Review{WorkflowID: id, Enabled: w.Enabled, Problems: problems, Valid: len(workflow.Errors(problems)) == 0}
	if rv.Problems == nil {
		rv.Problems = []workflow.Problem{}
	}
	// a workflow switched off still has the version it last ran: switching it back on changes
	// what it runs from that version on, and its records still in it stay on that version
	var live *workflow.Definition
	if w.ActiveVersion > 0 {
		if live, err = s.rt.definition(ctx, id, w.ActiveVersion); err != nil {
			return nil, err
		}
		rv.LiveVersion = w.ActiveVersion
	}
	rv.Changes = workflow.Compare(live, def)
	if rv.Valid {
		if rv.Existing, err = s.rt.countExisting(ctx, id, def); err != nil {
			return nil, err
		}
	}
	return rv, nil
}

// Published is the answer to a publish: the workflow as it is now live and how many existing
// records it enrolled.
type Published struct {
	*store.Workflow
	Problems []workflow.Problem `json:"problems"`
	Enrolled int                `json:"enrolled"`
}

// Publish makes a definition (nil: the saved draft) the workflow's live version and switches
// it on: the one way the UI puts changes live, after the user saw Review. A definition
// with errors is refused and nothing changes. expectRevision (0: don't check) refuses a stale
// copy. With enrollExisting the records that meet a filter trigger now enroll too (whatever
// the triggers' enroll_existing marks say); without, none do.
func (s *Workflows) Publish(ctx context.Context, id string, raw []byte, expectRevision int, enrollExisting bool) (*Published, error) {
	w, err := s.db.Workflow(ctx, id)
	if err != nil {
		return nil, err
	}
	draft := raw == nil
	if draft {
		raw = w.Definition
	}
	_, _, problems, err := s.prepare(ctx, raw, id)
	if err != nil {
		return nil, err
	}
	if len(workflow.Errors(problems)) > 0 {
		if expectRevision > 0 && w.Revision != expectRevision {
			return nil, fmt.Errorf("workflow %q was changed elsewhere (revision %d, you edited %d); reload it: %w", id, w.Revision, expectRevision, store.ErrConflict)
		}
		return nil, InvalidWorkflow(reasonEnable, problems)
	}
	// a live workflow's save publishes at once; one that is off is saved, then switched on
	if !draft {
		if _, err := s.Update(ctx, id, raw, expectRevision); err != nil {
			return nil, err
		}
	} else if expectRevision > 0 && w.Revision != expectRevision {
		return nil, fmt.Errorf("workflow %q was changed elsewhere (revision %d, you reviewed %d); reload it: %w", id, w.Revision, expectRevision, store.ErrConflict)
	}
	if !w.Enabled || draft {
		if err := s.enable(ctx, id); err != nil {
			return nil, err
		}
	}
	n := 0
	if enrollExisting {
		if n, err = s.rt.enrollExisting(ctx, id, true); err != nil {
			return nil, err
		}
	}
	cur, err := s.db.Workflow(ctx, id)
	if err != nil {
		return nil, err
	}
	if problems == nil {
		problems = []workflow.Problem{}
	}
	return &Published{Workflow: cur, Problems: problems, Enrolled: n}, nil
}
