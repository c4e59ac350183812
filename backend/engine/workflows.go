package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

var workflowIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// validateOptions gives validation the property schema and the known workflows and objects.
func (e *Engine) validateOptions(ctx context.Context) (workflow.Options, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	objects := map[string]string{}
	for _, w := range wfs {
		objects[w.ID] = w.Object
	}
	return workflow.Options{
		Schema:  e.Schema,
		Objects: e.Objects(),
		Workflow: func(id string) (string, bool) {
			o, ok := objects[id]
			return o, ok
		},
	}, nil
}

// Validate parses and validates a definition without storing it. A definition without an id is
// checked as a new workflow (it gets its id when saved).
func (e *Engine) Validate(ctx context.Context, raw []byte) ([]workflow.Problem, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, badInput("body", "%v", err)
	}
	fresh := def.ID == ""
	if fresh {
		def.ID = "new-workflow"
	}
	return e.check(ctx, def, fresh)
}

// check validates a definition under its id. Secrets come back from the UI and exports as
// workflow.Hidden: they are restored from the stored definition of the workflow with that id
// (none for a fresh one, whose id was only just given), and a hidden secret with nothing to
// restore is a problem.
func (e *Engine) check(ctx context.Context, def *workflow.Definition, fresh bool) ([]workflow.Problem, error) {
	opts, err := e.validateOptions(ctx)
	if err != nil {
		return nil, err
	}
	var stored *workflow.Definition
	if !fresh {
		if w, err := e.db.Workflow(ctx, def.ID); err == nil {
			stored, _ = workflow.Parse(w.Definition)
		}
	}
	problems := append(def.RestoreSecrets(stored), workflow.Validate(def, opts)...)
	if !workflowIDRe.MatchString(def.ID) {
		problems = append([]workflow.Problem{{Field: "id", Message: fmt.Sprintf("Workflow id %q must be 1-64 lowercase letters, digits, - or _, starting with a letter or digit.", def.ID)}}, problems...)
	}
	return problems, nil
}

// prepare validates a definition for saving and returns its canonical JSON. A definition
// without an id gets defaultID, or a new id from its name when defaultID is empty.
func (e *Engine) prepare(ctx context.Context, raw []byte, defaultID string) (*workflow.Definition, []byte, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, nil, badInput("body", "%v", err)
	}
	fresh := def.ID == "" && defaultID == ""
	if def.ID == "" {
		def.ID = defaultID
		if fresh {
			def.ID = ident.New(def.Name, "workflow")
		}
	}
	problems, err := e.check(ctx, def, fresh)
	if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		return nil, nil, &ValidationError{Problems: problems}
	}
	canon, err := json.Marshal(def)
	if err != nil {
		return nil, nil, fmt.Errorf("encode workflow: %w", err)
	}
	return def, canon, nil
}

// CreateWorkflow validates and stores a new (disabled) workflow.
func (e *Engine) CreateWorkflow(ctx context.Context, raw []byte) (*store.Workflow, error) {
	def, canon, err := e.prepare(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	w := &store.Workflow{ID: def.ID, Name: def.Name, Object: def.Object, Definition: canon}
	if err := e.db.Write(ctx, func(tx *store.Tx) error { return tx.CreateWorkflow(w, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("create workflow %q: %w", def.ID, err)
	}
	return w, nil
}

// UpdateWorkflow validates and replaces a workflow's definition. expectRevision (0: don't check)
// refuses a save based on a stale copy. An enabled workflow switches to the new version at once;
// running enrollments keep theirs. A body without an id saves under id.
func (e *Engine) UpdateWorkflow(ctx context.Context, id string, raw []byte, expectRevision int) (*store.Workflow, error) {
	def, canon, err := e.prepare(ctx, raw, id)
	if err != nil {
		return nil, err
	}
	if def.ID != id {
		return nil, badInput("id", "the body's id %q differs from the workflow being saved (%q); ids cannot be changed", def.ID, id)
	}
	w := &store.Workflow{ID: id, Name: def.Name, Object: def.Object, Definition: canon}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		now := e.clock.Now()
		cur, err := tx.Workflow(id)
		if err != nil {
			return err
		}
		if cur.Object != def.Object && cur.Enabled {
			return badInput("object", "switch the workflow off before changing its object type from %s to %s", cur.Object, def.Object)
		}
		if err := tx.UpdateWorkflow(w, expectRevision, now); err != nil {
			return err
		}
		if !w.Enabled {
			return nil
		}
		v, err := tx.SnapshotVersion(id, now)
		if err != nil {
			return err
		}
		w.ActiveVersion = v
		return tx.SetWorkflowEnabled(id, true, v, now)
	})
	if err != nil {
		return nil, fmt.Errorf("update workflow %q: %w", id, err)
	}
	if w.Enabled {
		if err := e.rebuildIndex(ctx); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// DeleteWorkflow removes a workflow and everything it ran.
func (e *Engine) DeleteWorkflow(ctx context.Context, id string) error {
	if err := e.db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteWorkflow(id) }); err != nil {
		return fmt.Errorf("delete workflow %q: %w", id, err)
	}
	e.forgetWorkflow(id)
	return e.rebuildIndex(ctx)
}

// EnableWorkflow re-validates the workflow, snapshots its definition as a version and switches
// it on; filter triggers with enroll_existing then enroll the records that already match.
func (e *Engine) EnableWorkflow(ctx context.Context, id string) (*store.Workflow, error) {
	w, err := e.db.Workflow(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := e.prepare(ctx, w.Definition, id); err != nil {
		return nil, fmt.Errorf("enable workflow %q: %w", id, err)
	}
	err = e.db.Write(ctx, func(tx *store.Tx) error {
		now := e.clock.Now()
		v, err := tx.SnapshotVersion(id, now)
		if err != nil {
			return err
		}
		return tx.SetWorkflowEnabled(id, true, v, now)
	})
	if err != nil {
		return nil, fmt.Errorf("enable workflow %q: %w", id, err)
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	if _, err := e.enrollExisting(ctx, id); err != nil {
		return nil, err
	}
	return e.db.Workflow(ctx, id)
}

// DisableWorkflow stops new enrollments. With cancel, open enrollments are cancelled too;
// otherwise they run to their end.
func (e *Engine) DisableWorkflow(ctx context.Context, id string, cancel bool) (*store.Workflow, error) {
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		now := e.clock.Now()
		if err := tx.SetWorkflowEnabled(id, false, 0, now); err != nil {
			return err
		}
		if cancel {
			_, err := tx.CancelOpenEnrollments(id, now)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("disable workflow %q: %w", id, err)
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	return e.db.Workflow(ctx, id)
}

// enrollExisting enrolls records that already meet an enroll_existing filter trigger, in pages.
func (e *Engine) enrollExisting(ctx context.Context, id string) (int, error) {
	ix := e.index.Load()
	wf := ix.Workflow(id)
	if wf == nil {
		return 0, nil
	}
	wanted := false
	for _, t := range wf.Def.Triggers {
		wanted = wanted || (t.Type == workflow.TriggerFilter && t.EnrollExisting)
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
		err = e.db.Write(ctx, func(tx *store.Tx) error {
			now := e.clock.Now()
			for _, r := range recs {
				matches, errs := ix.MatchExisting(id, r.Properties, now)
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
