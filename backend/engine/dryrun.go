package engine

import (
	"context"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Candidate is a record a dry run selected, with the Skip* code enrolling it now would be
// refused for ("" when it would enroll).
type Candidate struct {
	Record *store.Record
	Code   string
}

// DryRunCandidates reads the records a selection selects for a workflow (def: its saved
// definition or a draft), checked as bulk enrollment checks them (the same bad-input answers,
// field by field), at most limit of them, each with the code enrolling it now would be
// skipped for. more says the selection holds more than limit. Nothing is written.
func (e *Engine) DryRunCandidates(ctx context.Context, workflowID string, def *workflow.Definition, sel Selection, limit int) (cands []Candidate, more bool, err error) {
	wf := &trigger.Workflow{ID: workflowID, Def: def}
	s, err := e.checkSelection(ctx, wf, sel)
	if err != nil {
		return nil, false, err
	}
	upTo, err := e.db.MaxRecordID(ctx)
	if err != nil {
		return nil, false, err
	}
	read := func(q store.RecordSelect) ([]*store.Record, error) { return e.db.SelectRecords(ctx, q) }
	now := e.clock.Now()
	for after, done := int64(0), false; !done; {
		var recs []*store.Record
		if recs, _, after, done, err = s.page(read, def.Object, after, upTo, 500); err != nil {
			return nil, false, err
		}
		ids := make([]int64, 0, len(recs))
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		states, err := e.db.EnrollStates(ctx, workflowID, ids)
		if err != nil {
			return nil, false, err
		}
		for _, r := range recs {
			ok, selErr := s.selects(dbRules{ctx, e.db}, r, now)
			if selErr == nil && !ok {
				continue
			}
			if len(cands) == limit {
				return cands, true, nil
			}
			code, err := e.skipFor(ctx, wf, r, states[r.ID], selErr)
			if err != nil {
				return nil, false, err
			}
			cands = append(cands, Candidate{Record: r, Code: code})
		}
	}
	return cands, false, nil
}
