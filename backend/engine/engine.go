// Package engine runs workflows durably: it ingests events, enrolls records through the trigger
// index, and executes enrollments step by step from the store's leased job queue. Time comes
// from an injected clock so tests can fast-forward delays.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Clock is the engine's source of time (see package clock).
type Clock = clock.Clock

// SharedLease is the lease of a process that shares its database with others (serve on
// PostgreSQL, worker): the heartbeat renews it while a step runs, so it only decides how soon
// the steps a dead process had claimed run elsewhere. On one SQLite file a start releases a
// dead process's leases at once, so the long default costs nothing there.
const SharedLease = 30 * time.Second

// Options tune an Engine.
type Options struct {
	Clock Clock        // default: the wall clock
	Log   *slog.Logger // default: slog.Default()
	// Workers is how many jobs execute concurrently (default 64; they mostly wait for commits).
	Workers int
	// ClaimBatch caps how many jobs one claim takes (default 256).
	ClaimBatch int
	// Lease is how long a claimed job is reserved before another claim may take it (default 5m,
	// SharedLease when Shared). The dispatcher renews the leases of the jobs it runs every third
	// of it (heartbeat).
	Lease time.Duration
	// Poll is the longest the dispatcher sleeps without a wake-up (default 1s).
	Poll time.Duration
	// MaxAttempts is how often a step whose commit fails is retried before the enrollment fails (default 5).
	MaxAttempts int
	// Actions run outbound step types (webhook, send_email, ...), keyed by step type. A step
	// type without an action is logged as skipped.
	Actions map[string]Action
	// Retry bounds the retries of outbound steps.
	Retry RetryPolicy
	// EventTypes lists the event types something is known to send (webhook presets, the event
	// catalogue, configured endpoints), so validation can warn about an event trigger nothing
	// sends. Package hook knows them and sits above the engine, so it is passed in (nil: event
	// types are not checked).
	EventTypes func(ctx context.Context) ([]string, error)
	// EnrollBatch is how many records one batch of a bulk enrollment handles (default
	// DefaultEnrollBatch): small, so each batch's write is short and ingest is not held up.
	EnrollBatch int
	// RetryBatch is how many dead letters one batch of a "Retry all" job sends again before it
	// commits their delivery-log lines and the job's progress (default DefaultRetryBatch).
	RetryBatch int
	// Retention tells how long finished enrollments, their history, old events and raw webhook
	// bodies are kept (read each retention round; nil or <= 0: store.DefaultRetention).
	Retention func(ctx context.Context) time.Duration
	// TrashFor is how long a deleted workflow stays restorable (default DefaultTrashFor).
	TrashFor time.Duration
	// BatchHold is how long one maintenance batch aims to hold the writer (default
	// DefaultBatchHold); batches are sized to it as they run.
	BatchHold time.Duration
	// SplitRecordID gives the record id split steps hash (nil: the record's own). The simulator
	// sets it so its scratch copy of a record takes the paths the real record would.
	SplitRecordID func(id int64) int64
	// Shared says other processes use the database too (PostgreSQL): Start then releases no
	// leases (a live process may hold them; a dead one's run out), and the bulk runner looks
	// for work another process started.
	Shared bool
	// Leading tells whether this process runs the cluster-wide work: schedule triggers, bulk
	// enrollments and imports, maintenance. nil: always (one process on a SQLite file); on a
	// database shared by several processes, the leader election's answer.
	Leading func() bool
}

// Engine is the workflow runtime over one database.
type Engine struct {
	db    store.Store
	clock Clock
	log   *slog.Logger
	opts  Options

	index   atomic.Pointer[trigger.Index]
	indexMu sync.Mutex // serialises index rebuilds

	defsMu sync.RWMutex
	defs   map[versionKey]*workflow.Definition
	progs  *condition.Cache

	lists      atomic.Pointer[listSet] // the lists, active ones compiled (lists.go)
	listsStale atomic.Bool             // a step made a list: reload them after its commit
	listUse    sync.Map                // versionKey -> whether its step filters test lists (plan.go)
	imports    parsedImports           // parsed files of running CSV imports (imports.go)
	assocUse   sync.Map                // versionKey -> the associated types its filters read (associations.go)
	readers    atomic.Pointer[assocReaders]

	schemaMu sync.RWMutex
	schema   map[string]map[string]store.Property // object -> property -> declaration
	objects  map[string]bool
	assoc    map[string]map[string]bool // record type -> the types it may be linked to

	// cancelling holds the deleted workflows whose claimed steps are cancelled, not run.
	cancelling atomic.Pointer[map[string]bool]
	// switchingOff holds the workflows being switched off with their open enrollments cancelled
	// (Workflows.Disable): their claimed steps are cancelled, not run.
	switchingOff sync.Map
	// retryRuns holds the retry jobs this process has sent batches of (retry_job.go), to log
	// once which process runs a job.
	retryRuns sync.Map
	maint     engineMaintenance // maintenance services (maintenance.go)
	workflows *Workflows        // the workflow service over this runtime (workflows.go)

	wake    chan struct{}
	held    held       // claims the dispatcher is running, renewed by heartbeat (lease.go)
	sched   scheduler  // schedule triggers (schedule.go)
	bulk    bulkRunner // bulk enrollment jobs (enroll_job.go)
	running sync.WaitGroup
	stop    context.CancelFunc
	stopped chan struct{}
}

type versionKey struct {
	id      string
	version int
}

// New builds an engine over db and loads the enabled workflows and the property schema.
func New(ctx context.Context, db store.Store, opts Options) (*Engine, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.ClaimBatch <= 0 {
		opts.ClaimBatch = 256
	}
	if opts.Lease <= 0 && opts.Shared {
		opts.Lease = SharedLease
	}
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute // longer than any outbound call (webhooks time out at 60s)
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.EnrollBatch <= 0 {
		opts.EnrollBatch = DefaultEnrollBatch
	}
	if opts.RetryBatch <= 0 {
		opts.RetryBatch = DefaultRetryBatch
	}
	if opts.TrashFor <= 0 {
		opts.TrashFor = DefaultTrashFor
	}
	if opts.BatchHold <= 0 {
		opts.BatchHold = DefaultBatchHold
	}
	e := &Engine{db: db, clock: opts.Clock, log: opts.Log, opts: opts,
		defs: map[versionKey]*workflow.Definition{}, progs: condition.NewCache(4096),
		wake: make(chan struct{}, 1), bulk: bulkRunner{wake: make(chan struct{}, 1), sels: map[int64]*selection{}}}
	e.newMaintenance()
	e.workflows = &Workflows{db: db, clock: opts.Clock, rt: e, eventTypes: opts.EventTypes, trashFor: opts.TrashFor}
	if err := e.loadSchema(ctx); err != nil {
		return nil, err
	}
	if err := e.loadLists(ctx); err != nil {
		return nil, err
	}
	if err := e.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Workflows is the workflow service over this runtime: validating, saving, publishing,
// switching on and off, versions and the Trash.
func (e *Engine) Workflows() *Workflows { return e.workflows }

// Now returns the engine clock's time.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Start recovers jobs leased by a previous (crashed) process and starts the dispatcher, the
// scheduler of schedule triggers and the runner of bulk enrollments (which resumes the jobs an
// earlier process left running).
func (e *Engine) Start(ctx context.Context) error { return e.start(ctx, true) }

// StartDispatcher starts the dispatcher alone (with its heartbeat): `flowdesk worker`, a process
// beside `flowdesk serve` on a shared database, runs steps and leaves schedules, bulk
// enrollments and maintenance to the serving processes.
func (e *Engine) StartDispatcher(ctx context.Context) error { return e.start(ctx, false) }

func (e *Engine) start(ctx context.Context, all bool) error {
	if e.stop != nil {
		return errors.New("engine already started")
	}
	if err := e.Recover(ctx); err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stop = cancel
	e.stopped = make(chan struct{})
	go e.dispatch(runCtx)
	e.running.Add(1)
	go e.heartbeat(runCtx)
	if !all {
		return nil
	}
	e.startScheduler(runCtx)
	e.running.Add(1)
	go e.runBulk(runCtx)
	return nil
}

// Recover makes jobs leased by an earlier process (one that crashed mid-step) claimable at once
// instead of after their lease runs out. The store's process lock guarantees that process is gone;
// on a shared database (Options.Shared) nothing proves it, and Recover releases nothing.
func (e *Engine) Recover(ctx context.Context) error {
	if e.opts.Shared {
		return nil // no process lock proves the holders dead: their leases run out instead
	}
	var rescued int64
	if err := e.db.Write(ctx, func(tx store.Tx) error {
		var err error
		rescued, err = tx.ReleaseAllLeases()
		return err
	}); err != nil {
		return fmt.Errorf("recover leased jobs: %w", err)
	}
	if rescued > 0 {
		e.log.Info("rescued jobs from an earlier run", "jobs", rescued)
	}
	return nil
}

// Stop stops claiming work and waits for the steps in flight to commit.
func (e *Engine) Stop() {
	if e.stop == nil {
		return
	}
	e.stop()
	<-e.stopped
	e.running.Wait()
	e.stop = nil
}

// Wake tells the dispatcher that new work may be due.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) loadSchema(ctx context.Context) error {
	props, err := e.db.Properties(ctx)
	if err != nil {
		return fmt.Errorf("load property schema: %w", err)
	}
	objs, err := e.db.ObjectTypes(ctx)
	if err != nil {
		return fmt.Errorf("load object types: %w", err)
	}
	schema := map[string]map[string]store.Property{}
	for _, p := range props {
		if schema[p.Object] == nil {
			schema[p.Object] = map[string]store.Property{}
		}
		schema[p.Object][p.Name] = p
	}
	objects := map[string]bool{}
	for _, o := range objs {
		objects[o] = true
	}
	pairs, err := e.db.AssociationTypes(ctx)
	if err != nil {
		return fmt.Errorf("load association types: %w", err)
	}
	assoc := map[string]map[string]bool{}
	for _, p := range pairs {
		if assoc[p.From] == nil {
			assoc[p.From] = map[string]bool{}
		}
		assoc[p.From][p.To] = true
	}
	e.schemaMu.Lock()
	e.schema, e.objects, e.assoc = schema, objects, assoc
	e.schemaMu.Unlock()
	return nil
}

// Schema returns the property-type lookup of an object type.
func (e *Engine) Schema(object string) condition.Schema {
	return func(property string) (condition.Type, bool) {
		e.schemaMu.RLock()
		defer e.schemaMu.RUnlock()
		p, ok := e.schema[object][property]
		return condition.Type(p.Type), ok
	}
}

// Property returns the declaration of a property.
func (e *Engine) Property(object, name string) (store.Property, bool) {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	p, ok := e.schema[object][name]
	return p, ok
}

// PropertyNames lists the declared properties of an object type, sorted.
func (e *Engine) PropertyNames(object string) []string {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	out := make([]string, 0, len(e.schema[object]))
	for n := range e.schema[object] {
		out = append(out, n)
	}
	return sortedStrings(out)
}

// Objects lists the known record types.
func (e *Engine) Objects() []string {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	out := make([]string, 0, len(e.objects))
	for o := range e.objects {
		out = append(out, o)
	}
	return out
}

func (e *Engine) knownObject(o string) bool {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	return e.objects[o]
}

// undeclared returns the properties in props the schema does not know yet, typed as types
// says (a webhook mapping's "type") or else as their first value suggests.
func (e *Engine) undeclared(object string, props map[string]any, types map[string]string) []store.Property {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	var out []store.Property
	for k, v := range props {
		if _, ok := e.schema[object][k]; ok || v == nil {
			continue
		}
		t := types[k]
		if !property.Valid(t) {
			t = property.Infer(v)
		}
		out = append(out, store.Property{Object: object, Name: k, Type: t, Label: k, Options: []string{}})
	}
	return out
}

func (e *Engine) rememberProperties(ps []store.Property) {
	if len(ps) == 0 {
		return
	}
	e.schemaMu.Lock()
	defer e.schemaMu.Unlock()
	for _, p := range ps {
		if e.schema[p.Object] == nil {
			e.schema[p.Object] = map[string]store.Property{}
		}
		if _, ok := e.schema[p.Object][p.Name]; !ok {
			e.schema[p.Object][p.Name] = p
		}
	}
}

// replaceProperty puts a changed (or, with gone, deleted) declaration into the schema once
// its write has committed.
func (e *Engine) replaceProperty(p store.Property, gone bool) {
	e.schemaMu.Lock()
	defer e.schemaMu.Unlock()
	if e.schema[p.Object] == nil {
		e.schema[p.Object] = map[string]store.Property{}
	}
	if gone {
		delete(e.schema[p.Object], p.Name)
		return
	}
	e.schema[p.Object][p.Name] = p
}

// definition returns a parsed workflow version, cached (versions are immutable).
func (e *Engine) definition(ctx context.Context, id string, version int) (*workflow.Definition, error) {
	k := versionKey{id, version}
	e.defsMu.RLock()
	d := e.defs[k]
	e.defsMu.RUnlock()
	if d != nil {
		return d, nil
	}
	raw, err := e.db.WorkflowVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	d, err = workflow.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("workflow %q version %d: %w", id, version, err)
	}
	e.defsMu.Lock()
	e.defs[k] = d
	e.defsMu.Unlock()
	return d, nil
}

// program compiles (once per workflow version and location) a filter used by a step.
func (e *Engine) program(def *workflow.Definition, version int, loc string, f condition.Filter) (*condition.Program, error) {
	return e.progs.Compile(programKey(def.ID, version, loc), f, e.compileOptions(def.Object))
}

func programKey(id string, version int, loc string) string {
	return fmt.Sprintf("%s@%d/%s", id, version, loc)
}

// forgetWorkflow drops the cached versions of a deleted workflow and their compiled step
// filters: a workflow created later with the same id numbers its versions from 1 again.
func (e *Engine) forgetWorkflow(id string) {
	e.defsMu.Lock()
	defer e.defsMu.Unlock()
	for k, d := range e.defs {
		if k.id != id {
			continue
		}
		for _, s := range d.Steps {
			if s.Event != nil {
				e.progs.Forget(programKey(id, k.version, "step/"+s.ID+"/event"))
			}
			for i := range s.Branches {
				e.progs.Forget(programKey(id, k.version, fmt.Sprintf("step/%s/branch/%d", s.ID, i)))
			}
		}
		e.progs.Forget(programKey(id, k.version, "goal"))
		e.progs.Forget(programKey(id, k.version, "unenroll"))
		for _, t := range d.Triggers {
			e.progs.Forget(programKey(id, k.version, "trigger/"+t.ID))
		}
		delete(e.defs, k)
		e.listUse.Delete(k)
		e.assocUse.Delete(k)
	}
}

// rebuildIndex recompiles the trigger index from the enabled workflows.
func (e *Engine) rebuildIndex(ctx context.Context) error {
	e.indexMu.Lock()
	defer e.indexMu.Unlock()
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return fmt.Errorf("rebuild trigger index: %w", err)
	}
	var enabled []*trigger.Workflow
	for _, w := range wfs {
		if !w.Enabled || w.ActiveVersion == 0 {
			continue
		}
		def, err := e.definition(ctx, w.ID, w.ActiveVersion)
		if err != nil {
			return fmt.Errorf("rebuild trigger index: %w", err)
		}
		enabled = append(enabled, &trigger.Workflow{ID: w.ID, Version: w.ActiveVersion, Def: def})
	}
	ix, err := trigger.Build(enabled, e.compileOptions)
	if err != nil {
		return fmt.Errorf("rebuild trigger index: %w", err)
	}
	if err := e.loadCancelling(ctx); err != nil {
		return fmt.Errorf("rebuild trigger index: %w", err)
	}
	e.index.Store(ix)
	return e.schedulesChanged(ctx, ix)
}

// Reload reads again what the engine caches of the database: the property schema, the lists
// and the enabled workflows (the trigger index). On a database shared by several processes
// another process may have changed them; each process reloads when the database notifies it,
// and now and then as the fallback.
func (e *Engine) Reload(ctx context.Context) error {
	if err := e.loadSchema(ctx); err != nil {
		return err
	}
	if err := e.loadLists(ctx); err != nil {
		return err
	}
	return e.rebuildIndex(ctx)
}
