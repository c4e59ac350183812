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

// validateOptions gives validation what a definition refers to: the property schema, the
// workflows and objects, the email templates, the webhook endpoints and the event types that
// something sends.
func (e *Engine) validateOptions(ctx context.Context) (workflow.Options, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	objects := map[string]string{}
	raws := map[string][]byte{}
	for _, w := range wfs {
		objects[w.ID] = w.Object
		raws[w.ID] = w.Definition
	}
	tpls, err := e.db.EmailTemplates(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	templates := map[string]bool{}
	for _, t := range tpls {
		templates[t.Name] = true
	}
	eps, err := e.db.HookEndpoints(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	hooks := map[string]bool{}
	for _, ep := range eps {
		hooks[ep.ID] = true
	}
	ls, err := e.db.Lists(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	lists := make(map[string]string, len(ls))
	for _, l := range ls {
		lists[l.ID] = l.Object
	}
	opts := workflow.Options{
		List: func(id string) (string, bool) {
			o, ok := lists[id]
			return o, ok
		},
		Schema:       e.Schema,
		Objects:      e.Objects(),
		Associations: e.Associable,
		Workflow: func(id string) (string, bool) {
			o, ok := objects[id]
			return o, ok
		},
		// The saved definition: for a workflow that is on, the version it runs.
		Definition: func(id string) *workflow.Definition {
			raw, ok := raws[id]
			if !ok {
				return nil
			}
			d, err := workflow.Parse(raw)
			if err != nil {
				return nil
			}
			return d
		},
		Template: func(name string) bool { return templates[name] },
		Hook:     func(id string) bool { return hooks[id] },
	}
	if e.opts.EventTypes != nil {
		if opts.EventTypes, err = e.opts.EventTypes(ctx); err != nil {
			return workflow.Options{}, fmt.Errorf("list known event types: %w", err)
		}
		if opts.EventTypes == nil {
			opts.EventTypes = []string{}
		}
	}
	return opts, nil
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
	unstorable, problems, err := e.check(ctx, def, fresh)
	return append(unstorable, problems...), err
}

// check validates a definition under its id. Secrets come back from the UI and exports as
// workflow.Hidden: they are restored from the stored definition of the workflow with that id
// (none for a fresh one, whose id was only just given). Problems that make the definition
// unfit to store at all (a bad id, a hidden secret with nothing to restore) come first and
// apart from the others, which a draft may have.
func (e *Engine) check(ctx context.Context, def *workflow.Definition, fresh bool) (unstorable, problems []workflow.Problem, err error) {
	opts, err := e.validateOptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	var stored *workflow.Definition
	if !fresh {
		if w, err := e.db.Workflow(ctx, def.ID); err == nil {
			stored, _ = workflow.Parse(w.Definition)
		}
	}
	if !workflowIDRe.MatchString(def.ID) {
		unstorable = append(unstorable, workflow.Problem{Field: "id", Message: fmt.Sprintf("Workflow id %q must be 1-64 lowercase letters, digits, - or _, starting with a letter or digit.", def.ID)})
	}
	unstorable = append(unstorable, def.RestoreSecrets(stored)...)
	return unstorable, workflow.Validate(def, opts), nil
}

// prepare validates a definition for saving and returns its canonical JSON and its problems:
// a definition with problems is still stored (a draft), unless it cannot be stored at all. A
// definition without an id gets defaultID, or a new id from its name when defaultID is empty.
func (e *Engine) prepare(ctx context.Context, raw []byte, defaultID string) (*workflow.Definition, []byte, []workflow.Problem, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, nil, nil, badInput("body", "%v", err)
	}
	fresh := def.ID == "" && defaultID == ""
	if def.ID == "" {
		def.ID = defaultID
		if fresh {
			if def.ID, err = e.newWorkflowID(ctx, def.Name); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	unstorable, problems, err := e.check(ctx, def, fresh)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(unstorable) > 0 {
		return nil, nil, nil, InvalidWorkflow("", append(unstorable, problems...))
	}
	canon, err := json.Marshal(def)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encode workflow: %w", err)
	}
	return def, canon, problems, nil
}

// newWorkflowID makes the id of a new workflow from its name: its slug, or the slug with the
// first free number ("webinar-follow-up-2") when a workflow has it already.
func (e *Engine) newWorkflowID(ctx context.Context, name string) (string, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return "", err
	}
	taken := make(map[string]bool, len(wfs))
	for _, w := range wfs {
		taken[w.ID] = true
	}
	return ident.Unique(ident.Slug(name, "workflow"), func(id string) bool { return taken[id] }), nil
}

// Saved is a stored workflow with the problems its definition has: a draft with errors is
// stored but cannot be switched on; warnings never stop it.
type Saved struct {
	*store.Workflow
	Problems []workflow.Problem `json:"problems"`
}

func saved(w *store.Workflow, problems []workflow.Problem) *Saved {
	if problems == nil {
		problems = []workflow.Problem{}
	}
	return &Saved{Workflow: w, Problems: problems}
}

// CreateWorkflow validates and stores a new (disabled) workflow, a draft when it has problems.
func (e *Engine) CreateWorkflow(ctx context.Context, raw []byte) (*Saved, error) {
	def, canon, problems, err := e.prepare(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	w := &store.Workflow{ID: def.ID, Name: def.Name, Object: def.Object, Definition: canon}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.CreateWorkflow(w, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("create workflow %q: %w", def.ID, err)
	}
	return saved(w, problems), nil
}

// UpdateWorkflow validates and replaces a workflow's definition. expectRevision (0: don't check)
// refuses a save based on a stale copy. A switched-off workflow is stored whatever its problems
// (a draft); an enabled one switches to the new version at once (running enrollments keep
// theirs), so a definition with errors is refused for it and nothing changes. A body without an
// id saves under id.
func (e *Engine) UpdateWorkflow(ctx context.Context, id string, raw []byte, expectRevision int) (*Saved, error) {
	def, canon, problems, err := e.prepare(ctx, raw, id)
	if err != nil {
		return nil, err
	}
	if def.ID != id {
		return nil, badInput("id", "the body's id %q differs from the workflow being saved (%q); ids cannot be changed", def.ID, id)
	}
	w := &store.Workflow{ID: id, Name: def.Name, Object: def.Object, Definition: canon}
	err = e.db.Write(ctx, func(tx store.Tx) error {
		now := e.clock.Now()
		cur, err := tx.Workflow(id)
		if err != nil {
			return err
		}
		if cur.Object != def.Object && cur.Enabled {
			return badInput("object", "switch the workflow off before changing its object type from %s to %s", cur.Object, def.Object)
		}
		if cur.Enabled && len(workflow.Errors(problems)) > 0 {
			if expectRevision > 0 && cur.Revision != expectRevision {
				// a stale copy is a conflict first: the store's UpdateWorkflow refuses it
				return tx.UpdateWorkflow(w, expectRevision, now)
			}
			return InvalidWorkflow(reasonLive, problems)
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
	return saved(w, problems), nil
}

// EnableWorkflow re-validates the workflow, snapshots its definition as a version and switches
// it on; filter triggers with enroll_existing then enroll the records that already match.
func (e *Engine) EnableWorkflow(ctx context.Context, id string) (*store.Workflow, error) {
	if err := e.enable(ctx, id); err != nil {
		return nil, err
	}
	if _, err := e.enrollExisting(ctx, id, false); err != nil {
		return nil, err
	}
	return e.db.Workflow(ctx, id)
}

// enable re-validates the stored definition, snapshots it as a version and switches it on.
func (e *Engine) enable(ctx context.Context, id string) error {
	w, err := e.db.Workflow(ctx, id)
	if err != nil {
		return err
	}
	_, _, problems, err := e.prepare(ctx, w.Definition, id)
	if err != nil {
		return fmt.Errorf("enable workflow %q: %w", id, err)
	}
	if len(workflow.Errors(problems)) > 0 {
		return fmt.Errorf("enable workflow %q: %w", id, InvalidWorkflow(reasonEnable, problems))
	}
	err = e.db.Write(ctx, func(tx store.Tx) error {
		now := e.clock.Now()
		v, err := tx.SnapshotVersion(id, now)
		if err != nil {
			return err
		}
		return tx.SetWorkflowEnabled(id, true, v, now)
	})
	if err != nil {
		return fmt.Errorf("enable workflow %q: %w", id, err)
	}
	return e.rebuildIndex(ctx)
}

// DisableWorkflow stops new enrollments. With cancel, open enrollments are cancelled too, in
// batches sized like the maintenance jobs' (each a short write, so ingest is never held up);
// a step of one that comes due meanwhile is cancelled instead of run. Without cancel they run
// to their end.
func (e *Engine) DisableWorkflow(ctx context.Context, id string, cancel bool) (*store.Workflow, error) {
	if cancel {
		e.switchingOff.Store(id, true)
		defer e.switchingOff.Delete(id)
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.SetWorkflowEnabled(id, false, 0, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("disable workflow %q: %w", id, err)
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	if cancel {
		// Finish even when the caller goes away, so a switched-off workflow keeps no open
		// enrollments behind.
		work := context.WithoutCancel(ctx)
		var st maintStat
		if err := e.batches(work, &st, func(limit int) (store.Batch, error) {
			return e.db.CancelSwitchedOffEnrollments(work, id, limit, e.clock.Now())
		}); err != nil {
			return nil, fmt.Errorf("disable workflow %q: %w", id, err)
		}
		if st.Rows > 0 {
			e.log.Info("cancelled the open enrollments of a switched-off workflow", "workflow", id, "enrollments", st.Rows, "batches", st.Batches)
		}
	}
	return e.db.Workflow(ctx, id)
}

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

// ProblemCount is how many errors and warnings a stored workflow's definition has now.
type ProblemCount struct {
	Errors   int
	Warnings int
}

// ProblemCounts validates every stored workflow against what exists now (templates, endpoints,
// other workflows), with the references looked up once for all: the list marks a draft that
// cannot be switched on yet by its errors.
func (e *Engine) ProblemCounts(ctx context.Context) (map[string]ProblemCount, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := e.validateOptions(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ProblemCount, len(wfs))
	for _, w := range wfs {
		def, err := workflow.Parse(w.Definition)
		if err != nil {
			// a stored definition always parses; one that does not cannot be switched on either
			out[w.ID] = ProblemCount{Errors: 1}
			continue
		}
		problems := workflow.Validate(def, opts)
		errs := len(workflow.Errors(problems))
		out[w.ID] = ProblemCount{Errors: errs, Warnings: len(problems) - errs}
	}
	return out, nil
}
