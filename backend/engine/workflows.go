package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"

	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Workflows is the workflow service: it validates, saves, publishes, switches on and off,
// versions and trashes definitions. It reaches the runtime only through workflowRuntime, so
// what a definition is (this file and publish.go, versions.go, trash.go) stays apart from how
// it runs, and the runtime never calls back into the service.
type Workflows struct {
	db         store.Store
	clock      Clock
	rt         workflowRuntime
	eventTypes func(context.Context) ([]string, error)
	trashFor   time.Duration
}

// workflowRuntime is what the workflow service needs from the runtime: the schema definitions
// are checked against, a reload of what runs after a change, and the records and enrollments a
// change acts on.
type workflowRuntime interface {
	Schema(object string) condition.Schema
	Objects() []string
	Associable(object string) []string
	// Property is a property's declaration (its options, for the values steps set).
	Property(object, name string) (store.Property, bool)
	// definition is a workflow version's definition, from the runtime's cache.
	definition(ctx context.Context, id string, version int) (*workflow.Definition, error)
	// rebuildIndex reloads the enabled workflows' triggers after a change.
	rebuildIndex(ctx context.Context) error
	// enrollExisting enrolls the records that meet a workflow's filter triggers now.
	enrollExisting(ctx context.Context, id string, all bool) (int, error)
	// countExisting counts the records a definition's filter triggers would enroll now.
	countExisting(ctx context.Context, id string, def *workflow.Definition) (ExistingRecords, error)
	// holdSwitchingOff makes claimed steps of the workflow cancel instead of run until release.
	holdSwitchingOff(id string) (release func())
	// cancelSwitchedOff cancels a switched-off workflow's open enrollments in batches.
	cancelSwitchedOff(ctx context.Context, id string) error
	// loadCancelling reloads the deleted workflows whose claimed steps are cancelled.
	loadCancelling(ctx context.Context) error
	// wakeTrash starts the Trash's background round now.
	wakeTrash()
}

var workflowIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// validateOptions gives validation what a definition refers to: the property schema, the
// workflows and objects, the email templates, the webhook endpoints and the event types that
// something sends.
func (s *Workflows) validateOptions(ctx context.Context) (workflow.Options, error) {
	wfs, err := s.db.Workflows(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	objects := map[string]string{}
	raws := map[string][]byte{}
	for _, w := range wfs {
		objects[w.ID] = w.Object
		raws[w.ID] = w.Definition
	}
	tpls, err := s.db.EmailTemplates(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	templates := map[string]bool{}
	for _, t := range tpls {
		templates[t.Name] = true
	}
	eps, err := s.db.HookEndpoints(ctx)
	if err != nil {
		return workflow.Options{}, err
	}
	hooks := map[string]bool{}
	for _, ep := range eps {
		hooks[ep.ID] = true
	}
	ls, err := s.db.Lists(ctx)
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
		Schema:       s.rt.Schema,
		Objects:      s.rt.Objects(),
		Associations: s.rt.Associable,
		Choices: func(object, name string) []string {
			p, _ := s.rt.Property(object, name)
			return p.Options
		},
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
	if s.eventTypes != nil {
		if opts.EventTypes, err = s.eventTypes(ctx); err != nil {
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
func (s *Workflows) Validate(ctx context.Context, raw []byte) ([]workflow.Problem, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, badInput("body", "%v", err)
	}
	fresh := def.ID == ""
	if fresh {
		def.ID = "new-workflow"
	}
	unstorable, problems, err := s.check(ctx, def, fresh)
	return append(unstorable, problems...), err
}

// check validates a definition under its id. Secrets come back from the UI and exports as
// workflow.Hidden: they are restored from the stored definition of the workflow with that id
// (none for a fresh one, whose id was only just given). Problems that make the definition
// unfit to store at all (a bad id, a hidden secret with nothing to restore) come first and
// apart from the others, which a draft may have.
func (s *Workflows) check(ctx context.Context, def *workflow.Definition, fresh bool) (unstorable, problems []workflow.Problem, err error) {
	opts, err := s.validateOptions(ctx)
	if err != nil {
		return nil, nil, err
	}
	var stored *workflow.Definition
	if !fresh {
		if w, err := s.db.Workflow(ctx, def.ID); err == nil {
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
func (s *Workflows) prepare(ctx context.Context, raw []byte, defaultID string) (*workflow.Definition, []byte, []workflow.Problem, error) {
	def, err := workflow.Parse(raw)
	if err != nil {
		return nil, nil, nil, badInput("body", "%v", err)
	}
	fresh := def.ID == "" && defaultID == ""
	if def.ID == "" {
		def.ID = defaultID
		if fresh {
			if def.ID, err = s.newWorkflowID(ctx, def.Name); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	unstorable, problems, err := s.check(ctx, def, fresh)
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
func (s *Workflows) newWorkflowID(ctx context.Context, name string) (string, error) {
	wfs, err := s.db.Workflows(ctx)
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

// Create validates and stores a new (disabled) workflow, a draft when it has problems.
func (s *Workflows) Create(ctx context.Context, raw []byte) (*Saved, error) {
	def, canon, problems, err := s.prepare(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	w := &store.Workflow{ID: def.ID, Name: def.Name, Object: def.Object, Definition: canon}
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.CreateWorkflow(w, s.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("create workflow %q: %w", def.ID, err)
	}
	return saved(w, problems), nil
}

// Update validates and replaces a workflow's definition. expectRevision (0: don't check)
// refuses a save based on a stale copy. A switched-off workflow is stored whatever its problems
// (a draft); an enabled one switches to the new version at once (running enrollments keep
// theirs), so a definition with errors is refused for it and nothing changes. A body without an
// id saves under id.
func (s *Workflows) Update(ctx context.Context, id string, raw []byte, expectRevision int) (*Saved, error) {
	def, canon, problems, err := s.prepare(ctx, raw, id)
	if err != nil {
		return nil, err
	}
	if def.ID != id {
		return nil, badInput("id", "the body's id %q differs from the workflow being saved (%q); ids cannot be changed", def.ID, id)
	}
	w := &store.Workflow{ID: id, Name: def.Name, Object: def.Object, Definition: canon}
	err = s.db.Write(ctx, func(tx store.Tx) error {
		now := s.clock.Now()
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
		if err := s.rt.rebuildIndex(ctx); err != nil {
			return nil, err
		}
	}
	return saved(w, problems), nil
}

// Enable re-validates the workflow, snapshots its definition as a version and switches
// it on; filter triggers with enroll_existing then enroll the records that already match.
func (s *Workflows) Enable(ctx context.Context, id string) (*store.Workflow, error) {
	if err := s.enable(ctx, id); err != nil {
		return nil, err
	}
	if _, err := s.rt.enrollExisting(ctx, id, false); err != nil {
		return nil, err
	}
	return s.db.Workflow(ctx, id)
}

// enable re-validates the stored definition, snapshots it as a version and switches it on.
func (s *Workflows) enable(ctx context.Context, id string) error {
	w, err := s.db.Workflow(ctx, id)
	if err != nil {
		return err
	}
	_, _, problems, err := s.prepare(ctx, w.Definition, id)
	if err != nil {
		return fmt.Errorf("enable workflow %q: %w", id, err)
	}
	if len(workflow.Errors(problems)) > 0 {
		return fmt.Errorf("enable workflow %q: %w", id, InvalidWorkflow(reasonEnable, problems))
	}
	err = s.db.Write(ctx, func(tx store.Tx) error {
		now := s.clock.Now()
		v, err := tx.SnapshotVersion(id, now)
		if err != nil {
			return err
		}
		return tx.SetWorkflowEnabled(id, true, v, now)
	})
	if err != nil {
		return fmt.Errorf("enable workflow %q: %w", id, err)
	}
	return s.rt.rebuildIndex(ctx)
}

// Disable stops new enrollments. With cancel, open enrollments are cancelled too, in
// batches sized like the maintenance jobs' (each a short write, so ingest is never held up);
// a step of one that comes due meanwhile is cancelled instead of run. Without cancel they run
// to their end.
func (s *Workflows) Disable(ctx context.Context, id string, cancel bool) (*store.Workflow, error) {
	if cancel {
		defer s.rt.holdSwitchingOff(id)()
	}
	if err := s.db.Write(ctx, func(tx store.Tx) error { return tx.SetWorkflowEnabled(id, false, 0, s.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("disable workflow %q: %w", id, err)
	}
	if err := s.rt.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	if cancel {
		if err := s.rt.cancelSwitchedOff(ctx, id); err != nil {
			return nil, fmt.Errorf("disable workflow %q: %w", id, err)
		}
	}
	return s.db.Workflow(ctx, id)
}

// ProblemCount is how many errors and warnings a stored workflow's definition has now.
type ProblemCount struct {
	Errors   int
	Warnings int
}

// ProblemCounts validates every stored workflow against what exists now (templates, endpoints,
// other workflows), with the references looked up once for all: the list marks a draft that
// cannot be switched on yet by its errors.
func (s *Workflows) ProblemCounts(ctx context.Context) (map[string]ProblemCount, error) {
	wfs, err := s.db.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := s.validateOptions(ctx)
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
