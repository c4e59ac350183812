package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// enrollExisting enrolls records that already meet a filter trigger, in pages: those marked
// enroll_existing, or with all any filter trigger (the user said yes in the review).
func (e *Engine) enrollExisting(ctx context.Context, id string, all bool) (int, error) {
	ix := e.index.Load()
	wf := ix.Workflow(id)
	if wf == nil {
		return 0, nil
	}
	wanted := false
	for _, t := range wf.Def.Triggers {
		wanted = wanted || (t.Type == workflow.TriggerFilter && (all || t.EnrollExisting))
	}
	if !wanted {
		return 0, nil
	}
	total := 0
	var after int64
	for {
		recs, err := e.db.SearchRecords(ctx, store.RecordQuery{Type: wf.Def.Object, After: after, Limit: 500})
		if err != nil {
			return total, err
		}
		if len(recs) == 0 {
			break
		}
		after = recs[len(recs)-1].ID
		err = e.db.Write(ctx, func(tx store.Tx) error {
			now := e.clock.Now()
			for _, r := range recs {
				match := ix.MatchExisting
				if all {
					match = ix.MatchNow
				}
				env, err := ruleEnv(tx, r, now, ix.UsesLists(), ix.Associations(wf.Def.Object))
				if err != nil {
					return err
				}
				matches, errs := match(id, env)
				if len(errs) > 0 {
					return errors.Join(errs...)
				}
				ids, err := e.enrollMatches(tx, ix, matches, r.ID, nil, now)
				if err != nil {
					return err
				}
				total += len(ids)
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("enroll existing records in %q: %w", id, err)
		}
	}
	if total > 0 {
		e.Wake()
	}
	return total, nil
}

// countExisting counts, page by page on the read pool, the records that meet one of def's
// filter triggers now, and which of them enrollment rules would let in.
func (e *Engine) countExisting(ctx context.Context, id string, def *workflow.Definition) (ExistingRecords, error) {
	var out ExistingRecords
	for _, t := range def.Triggers {
		if t.Type == workflow.TriggerFilter {
			out.FilterTriggers++
		}
	}
	if out.FilterTriggers == 0 {
		return out, nil
	}
	ix, err := trigger.Build([]*trigger.Workflow{{ID: id, Def: def}}, e.compileOptions)
	if err != nil {
		return out, fmt.Errorf("count records meeting the triggers of %q: %w", id, err)
	}
	now := e.clock.Now()
	for after := int64(0); ; {
		recs, err := e.db.SearchRecords(ctx, store.RecordQuery{Type: def.Object, After: after, Limit: 500})
		if err != nil {
			return out, err
		}
		if len(recs) == 0 {
			return out, nil
		}
		after = recs[len(recs)-1].ID
		matched := map[int64][]trigger.Match{}
		ids := []int64{}
		for _, r := range recs {
			env, err := ruleEnv(dbRules{ctx, e.db}, r, now, ix.UsesLists(), ix.Associations(def.Object))
			if err != nil {
				return out, err
			}
			if m, _ := ix.MatchNow(id, env); len(m) > 0 {
				matched[r.ID] = m
				ids = append(ids, r.ID)
			}
		}
		states, err := e.db.EnrollStates(ctx, id, ids)
		if err != nil {
			return out, err
		}
		for _, rid := range ids {
			out.Matching++
			st := states[rid]
			switch {
			case st.Open:
				out.AlreadyIn++
			case st.Ever && !mayReenrollAny(def, matched[rid]):
				out.ReenrollOff++
			default:
				sup, err := suppressedIn(def.Suppress, func() ([]string, error) { return e.db.RecordLists(ctx, rid) })
				switch {
				case err != nil:
					return out, err
				case sup != "":
					out.Suppressed++
				default:
					out.Enrollable++
				}
			}
		}
	}
}

func mayReenrollAny(def *workflow.Definition, ms []trigger.Match) bool {
	for _, m := range ms {
		if trigger.MayReenroll(def, m.TriggerID) {
			return true
		}
	}
	return false
}
