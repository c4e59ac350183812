package engine

import (
	"context"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
)

// ruleReader reads what rules test about a record besides its properties: its lists, the goals
// it reached and its associated records. A store.Tx is one; dbRules reads outside a transaction.
type ruleReader interface {
	RecordLists(recordID int64) ([]string, error)
	GoalsReached(recordID int64) ([]string, error)
	AssociatedRecords(id int64, typ string) ([]*store.Record, error)
}

// dbRules is a ruleReader over the database outside a transaction.
type dbRules struct {
	ctx context.Context
	db  store.Store
}

func (d dbRules) RecordLists(id int64) ([]string, error)  { return d.db.RecordLists(d.ctx, id) }
func (d dbRules) GoalsReached(id int64) ([]string, error) { return d.db.GoalsReached(d.ctx, id) }
func (d dbRules) AssociatedRecords(id int64, typ string) ([]*store.Record, error) {
	return d.db.AssociatedRecords(d.ctx, id, typ)
}

// ruleEnv is a record as every rule sees it (triggers, schedules, goals, unenrollment, branches,
// the publish count): its properties; its lists and the goals it reached when lists is set; and
// the properties of its associated records of the types assoc names. One loader, so no way in
// forgets the lists or the associations a filter reads.
func ruleEnv(r ruleReader, rec *store.Record, now time.Time, lists bool, assoc []string) (condition.Env, error) {
	env := condition.Env{Record: rec.Properties, Now: now}
	if lists {
		set, err := recordListSet(r, rec.ID)
		if err != nil {
			return env, err
		}
		env.Lists = set
	}
	if len(assoc) > 0 {
		env.Associated = make(map[string][]map[string]any, len(assoc))
		for _, t := range assoc {
			recs, err := r.AssociatedRecords(rec.ID, t)
			if err != nil {
				return env, err
			}
			props := make([]map[string]any, len(recs))
			for i, ar := range recs {
				props[i] = ar.Properties
			}
			env.Associated[t] = props
		}
	}
	return env, nil
}

// compileOptions are the options every filter of a workflow on object compiles with: the
// declared property types, and the associated record types "company.industry" may read.
func (e *Engine) compileOptions(object string) condition.Options {
	return condition.Options{Schema: e.Schema(object), Associated: e.associatedSchema(object)}
}
