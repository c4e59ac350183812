// Package simulate runs one record through a workflow over virtual time: the production engine
// (planner, steps, conditions, templates, delays, until-event waits) over a scratch SQLite
// database that is thrown away, on a fake clock that jumps to the next due time, with render-only
// actions that record what would be sent. The real database is only read. See docs/simulator.md.
package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Limits of one simulation.
const (
	MaxHorizon     = 366 * 24 * time.Hour
	DefaultHorizon = 30 * 24 * time.Hour
	// StepBudget caps the step runs of one simulation (a go-to loop without a delay ends here).
	StepBudget = 2000
	// MaxItems caps the scenario's events plus property changes.
	MaxItems = 500
)

// Request is the body of POST /api/simulate.
type Request struct {
	Definition      json.RawMessage  `json:"definition,omitempty"`
	Workflow        string           `json:"workflow,omitempty"`
	Version         int              `json:"version,omitempty"`
	Record          *RecordInput     `json:"record,omitempty"`
	RecordID        int64            `json:"record_id,omitempty"`
	Events          []Event          `json:"events,omitempty"`
	PropertyChanges []PropertyChange `json:"property_changes,omitempty"`
	Start           string           `json:"start,omitempty"`   // "now" (default) or RFC 3339
	Horizon         string           `json:"horizon,omitempty"` // default "30d", at most "366d"
	// Enroll says how the record enters: "triggers" (only as production would, through the
	// workflow's triggers), "manual" (enrolled by hand at the start, as the Enroll button does),
	// or "" (manual when the scenario has no events and no property changes, else triggers).
	Enroll string `json:"enroll,omitempty"`
	// SMSStatus is what the SMS provider reports about each text message an sms step sends
	// while the step waits for it, as production's steps wait (see docs/simulator.md):
	// "delivered" (the default), "failed", or "none" (no report: the step fails when its wait
	// ends, after the settings' sms.status_timeout_hours).
	SMSStatus string `json:"sms_status,omitempty"`
}

// The provider's report in a simulation (Request.SMSStatus).
const (
	SMSDelivered = "delivered"
	SMSFailed    = "failed"
	SMSNoReport  = "none"
)

// RecordInput is a typed-in record.
type RecordInput struct {
	Properties map[string]any `json:"properties"`
}

// Event is a scenario event: what arrives, and when, relative to the start ("+2h").
type Event struct {
	At    string            `json:"at"`
	Type  string            `json:"type"`
	Scope map[string]string `json:"scope,omitempty"`
	Data  map[string]any    `json:"data,omitempty"`
}

// PropertyChange is a scenario change to the record (as a PATCH from another system would make).
type PropertyChange struct {
	At         string         `json:"at"`
	Properties map[string]any `json:"properties"`
}

// Result is the answer of a simulation.
type Result struct {
	Outcome     string         `json:"outcome"` // completed, waiting, goal_reached, unenrolled, failed, not_enrolled
	WhyNot      string         `json:"why_not,omitempty"`
	Start       time.Time      `json:"start"`
	End         time.Time      `json:"end"`     // where the virtual clock stopped
	Stopped     string         `json:"stopped"` // "done" (nothing left to happen), "horizon" or "step_budget"
	StepsRun    int            `json:"steps_run"`
	Timeline    []Entry        `json:"timeline"`
	Effects     []Effect       `json:"effects"`
	RecordAfter map[string]any `json:"record_after"`
	// AssociatedAfter is what the records linked to a real record (copied into the simulation)
	// would hold at the end, by their real ids; the real ones are never changed.
	AssociatedAfter []AssociatedRecord `json:"associated_after"`
	Warnings        []workflow.Problem `json:"warnings"`
	// Summary is the result as a scenario's expectation (see Scenario), for "save as scenario".
	Summary Expect `json:"summary"`
}

// AssociatedRecord is a record linked to the simulated one, as the simulation left its copy.
type AssociatedRecord struct {
	RecordID   int64          `json:"record_id"` // the real record's id
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
}

// Entry is one line of the timeline: a step the record reached and how it went.
type Entry struct {
	At         time.Time       `json:"at"`
	Offset     string          `json:"offset"`     // since the start: "+1d2h"
	Enrollment int             `json:"enrollment"` // 1 for the record's first enrollment in this simulation
	Step       string          `json:"step,omitempty"`
	Type       string          `json:"type,omitempty"`
	Name       string          `json:"name,omitempty"`
	Outcome    string          `json:"outcome"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// Effect is what an outbound step would have sent.
type Effect struct {
	At        time.Time       `json:"at"`
	Offset    string          `json:"offset"`
	Step      string          `json:"step"`
	Type      string          `json:"type"`
	Outcome   string          `json:"outcome"` // ok, skipped, failed
	Target    string          `json:"target,omitempty"`
	Error     string          `json:"error,omitempty"`
	WouldSend json.RawMessage `json:"would_send,omitempty"`
}

// Options wire a Simulator to the real installation, which it only reads.
type Options struct {
	DB      store.Store    // the real database, only read
	Engine  *engine.Engine // the production engine, for validation
	Actions action.Config  // for the render-only actions (its DB and Settings are read; DB defaults to DB)
	Clock   clock.Clock    // "now" (default: the wall clock)
	// EventTypes lists the event types something sends, for the "did you mean" warnings.
	EventTypes func(ctx context.Context) ([]string, error)
	TempDir    string // where scratch databases go (default: os.TempDir())
}

// Simulator runs simulations.
type Simulator struct{ opts Options }

// New returns a Simulator.
func New(opts Options) *Simulator {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Actions.DB == nil {
		opts.Actions.DB = opts.DB // email templates are read from it
	}
	return &Simulator{opts: opts}
}

// bad is a request that cannot be simulated: field names the part, the message the fix.
func bad(field, format string, args ...any) error {
	return problem.Field(field, format, args...)
}

// item is a scenario event or property change at its virtual time.
type item struct {
	at    time.Time
	event *Event
	props map[string]any
}

// prepared is a request checked against the real installation.
type prepared struct {
	def      *workflow.Definition
	raw      []byte
	props    map[string]any
	start    time.Time
	end      time.Time
	items    []item
	manual   bool
	warnings []workflow.Problem
	realID   int64  // the real record simulated (0: a typed-in one)
	sms      string // what the SMS provider reports (Request.SMSStatus)
}

// Run simulates req. Bad input comes back as a *problem.Error (CodeInput, or CodeWorkflow for the definition), with nothing run.
func (s *Simulator) Run(ctx context.Context, req Request) (*Result, error) {
	p, err := s.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, p)
}

func (s *Simulator) prepare(ctx context.Context, req Request) (*prepared, error) {
	db := s.opts.DB
	p := &prepared{}
	if err := s.prepareWorkflow(ctx, p, req.Definition, req.Workflow, req.Version); err != nil {
		return nil, err
	}
	var err error
	// The record: a real one (its properties are copied) or typed in.
	switch {
	case req.RecordID != 0 && req.Record != nil:
		return nil, bad("record", "give either \"record\" or \"record_id\", not both")
	case req.RecordID != 0:
		rec, err := db.Record(ctx, req.RecordID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, bad("record_id", "there is no record %d", req.RecordID)
		} else if err != nil {
			return nil, err
		}
		if rec.Type != p.def.Object {
			return nil, bad("record_id", "record %d is a %s but the workflow works on %s records", req.RecordID, rec.Type, p.def.Object)
		}
		p.props, p.realID = rec.Properties, rec.ID
	case req.Record != nil:
		p.props = req.Record.Properties
	default:
		return nil, bad("record", "say which record to test with: give \"record\": {\"properties\": {...}} or \"record_id\"")
	}
	if p.props == nil {
		p.props = map[string]any{}
	}

	// Time: the start, the horizon and the scenario's items on it.
	p.start = s.opts.Clock.Now().UTC().Truncate(time.Second)
	if st := strings.TrimSpace(req.Start); st != "" && st != "now" {
		if p.start, err = time.Parse(time.RFC3339, st); err != nil {
			return nil, bad("start", "%q is not \"now\" or an RFC 3339 time like 2026-03-02T09:00:00Z", req.Start)
		}
	}
	horizon := DefaultHorizon
	if h := strings.TrimSpace(req.Horizon); h != "" {
		if horizon, err = workflow.ParseDuration(h); err != nil {
			return nil, bad("horizon", "%v; write it like \"30d\"", err)
		}
		if horizon <= 0 {
			return nil, bad("horizon", "the horizon must be longer than zero, like \"30d\"")
		}
	}
	if horizon > MaxHorizon {
		return nil, bad("horizon", "%q is longer than the longest horizon, 366 days; simulate at most \"366d\"", req.Horizon)
	}
	p.end = p.start.Add(horizon)
	if len(req.Events)+len(req.PropertyChanges) > MaxItems {
		return nil, bad("events", "a scenario has at most %d events and property changes", MaxItems)
	}
	at := func(field, s string) (time.Time, error) {
		s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
		if s == "" {
			return p.start, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			if t.Before(p.start) {
				return t, bad(field, "%s is before the start (%s); scenario items happen at or after the start", s, p.start.Format(time.RFC3339))
			}
			return t, nil
		}
		d, err := workflow.ParseOffset(s)
		if err != nil {
			return time.Time{}, bad(field, "%v; write an offset from the start like \"+2h\" or \"+1d\", or an RFC 3339 time", err)
		}
		if d < 0 {
			return time.Time{}, bad(field, "%q is before the start; scenario items happen at or after the start (\"+0h\" or later)", s)
		}
		return p.start.Add(d), nil
	}
	var known []string
	if s.opts.EventTypes != nil {
		if known, err = s.opts.EventTypes(ctx); err != nil {
			return nil, err
		}
	}
	for i := range req.Events {
		ev := &req.Events[i]
		field := fmt.Sprintf("events[%d]", i)
		t, err := at(field+".at", ev.At)
		if err != nil {
			return nil, err
		}
		ev.Type = strings.TrimSpace(ev.Type)
		if ev.Type == "" {
			return nil, bad(field+".type", "give the event's type, like \"webinar.viewer\"")
		}
		if known != nil && !contains(known, ev.Type) {
			msg := fmt.Sprintf("nothing is known to send %q events", ev.Type)
			if sug := template.Suggest(ev.Type, known); sug != "" {
				msg += fmt.Sprintf("; did you mean %q?", sug)
			}
			p.warnings = append(p.warnings, workflow.Problem{Field: field + ".type", Message: msg, Severity: workflow.SeverityWarning})
		}
		p.items = append(p.items, item{at: t, event: ev})
	}
	for i, pc := range req.PropertyChanges {
		field := fmt.Sprintf("property_changes[%d]", i)
		t, err := at(field+".at", pc.At)
		if err != nil {
			return nil, err
		}
		if len(pc.Properties) == 0 {
			return nil, bad(field+".properties", "nothing to change: give {\"properties\": {\"name\": value}}")
		}
		p.items = append(p.items, item{at: t, props: pc.Properties})
	}
	sort.SliceStable(p.items, func(i, j int) bool { return p.items[i].at.Before(p.items[j].at) })
	switch req.Enroll {
	case "":
		p.manual = len(p.items) == 0
	case "manual":
		p.manual = true
	case "triggers":
	default:
		return nil, bad("enroll", "%q is not a way to enroll; use \"triggers\" or \"manual\"", req.Enroll)
	}
	if p.sms, err = smsStatus(req.SMSStatus); err != nil {
		return nil, err
	}
	if req.SMSStatus != "" && s.smsUnsent(ctx, p.def) {
		p.warnings = append(p.warnings, workflow.Problem{Field: "sms_status", Severity: workflow.SeverityWarning,
			Message: "no SMS provider is set up (Settings), so text messages go to the outbox and no delivery status is waited for; sms_status changes nothing"})
	}
	return p, nil
}

// smsStatus checks a request's sms_status: "" is delivered.
func smsStatus(v string) (string, error) {
	switch strings.TrimSpace(v) {
	case "", SMSDelivered:
		return SMSDelivered, nil
	case SMSFailed:
		return SMSFailed, nil
	case SMSNoReport:
		return SMSNoReport, nil
	}
	return "", bad("sms_status", "%q is not what an SMS provider reports in a simulation; use \"delivered\" (the default), \"failed\" or \"none\" (no report: the step fails when its wait ends)", v)
}

// smsUnsent reports whether the definition texts while no SMS provider is set up, so its
// messages stay in the outbox and never wait for a status.
func (s *Simulator) smsUnsent(ctx context.Context, def *workflow.Definition) bool {
	for _, st := range def.Steps {
		if st.Type == workflow.StepSMS {
			return !action.SMSConfigured(ctx, s.opts.Actions)
		}
	}
	return false
}

// prepareWorkflow checks the workflow of a request: a definition as given (saved or not) or a
// stored version, validated as a save validates it (errors answer with the problems).
func (s *Simulator) prepareWorkflow(ctx context.Context, p *prepared, definition json.RawMessage, workflowID string, version int) error {
	real := s.opts.Engine
	db := s.opts.DB
	switch {
	case len(definition) > 0 && workflowID != "":
		return bad("workflow", "give either \"definition\" or \"workflow\", not both")
	case len(definition) > 0:
		p.raw = definition
	case workflowID != "":
		w, err := db.Workflow(ctx, workflowID)
		if errors.Is(err, store.ErrNotFound) {
			return bad("workflow", "there is no workflow %q", workflowID)
		} else if err != nil {
			return err
		}
		p.raw = w.Definition
		if version > 0 {
			if p.raw, err = db.WorkflowVersion(ctx, workflowID, version); errors.Is(err, store.ErrNotFound) {
				return bad("version", "workflow %q has no version %d", workflowID, version)
			} else if err != nil {
				return err
			}
		}
	default:
		return bad("definition", "say which workflow to test: give \"definition\" (the workflow JSON) or \"workflow\" (its id)")
	}
	problems, err := real.Workflows().Validate(ctx, p.raw)
	if err != nil {
		return err
	}
	var errs []workflow.Problem
	for _, pr := range problems {
		if pr.Severity == workflow.SeverityWarning {
			p.warnings = append(p.warnings, pr)
		} else {
			errs = append(errs, pr)
		}
	}
	if len(errs) > 0 {
		return &problem.Error{Code: problem.CodeWorkflow, Subject: "the workflow", Reason: "Fix these problems before testing the workflow.", Problems: errs}
	}
	if p.def, err = workflow.Parse(p.raw); err != nil {
		return bad("definition", "%v", err)
	}
	if p.def.ID == "" {
		p.def.ID = "new-workflow"
	}
	if p.raw, err = json.Marshal(p.def); err != nil {
		return err
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sink records what the render-only actions would have sent, and the sends that wait for the
// provider's delivery status.
type sink struct {
	mu       sync.Mutex
	effects  []Effect
	awaiting []awaiting
}

// awaiting is a simulated send whose step waits for its delivery status.
type awaiting struct {
	enrollment int64
	key        string
}

func (k *sink) wrap(acts map[string]engine.Action) map[string]engine.Action {
	out := make(map[string]engine.Action, len(acts))
	for typ, a := range acts {
		out[typ] = engine.ActionFunc(func(ctx context.Context, in engine.ActionInput) engine.ActionResult {
			res := a.Run(ctx, in)
			k.mu.Lock()
			k.effects = append(k.effects, Effect{At: in.Now, Step: in.Step.ID, Type: in.Step.Type, Outcome: res.Outcome,
				Target: res.Target, Error: res.Error, WouldSend: res.Request})
			if res.Outcome == store.AttemptOK && res.Await != nil && in.Enrollment != nil {
				k.awaiting = append(k.awaiting, awaiting{in.Enrollment.ID, in.IdempotencyKey})
			}
			k.mu.Unlock()
			return res
		})
	}
	return out
}

// scratch is the throw-away installation a simulation runs in.
type scratch struct {
	dir  string
	db   *store.DB
	eng  *engine.Engine
	clk  *clock.Fake
	sink *sink
	sms  string // what the SMS provider reports (Request.SMSStatus; "" is delivered)
}

// report sends the SMS provider's status reports for the sends that wait for one, through the
// engine's own entry for the listener's status route, at the virtual time: the waiting steps go
// on as they would live. With SMSNoReport nothing comes and each step fails when its wait ends.
// It reports whether a step was woken.
func (sc *scratch) report(ctx context.Context) (bool, error) {
	sc.sink.mu.Lock()
	waits := sc.sink.awaiting
	sc.sink.awaiting = nil
	sc.sink.mu.Unlock()
	if sc.sms == SMSNoReport || len(waits) == 0 {
		return false, nil
	}
	status := engine.StatusReport{Status: "delivered"}
	if sc.sms == SMSFailed {
		status.Status = "failed"
	}
	now := sc.clk.Now()
	woke := false
	for _, w := range waits {
		// A live send is counted before it leaves (that row is what the status route checks the
		// report against); the render-only send was not, so count it here, in the scratch copy.
		if err := sc.db.Write(ctx, func(tx store.Tx) error {
			_, err := tx.ReserveSMS(now.UTC().Format("2006-01"), w.key, 0, now)
			return err
		}); err != nil {
			return false, fmt.Errorf("simulate the SMS status report: %w", err)
		}
		res, err := sc.eng.ReportDeliveryStatus(ctx, w.enrollment, w.key, status)
		if err != nil {
			return false, fmt.Errorf("simulate the SMS status report: %w", err)
		}
		woke = woke || res.Woke
	}
	return woke, nil
}

func (sc *scratch) close() {
	if sc.db != nil {
		sc.db.Close()
	}
	os.RemoveAll(sc.dir)
}

// seedData is what a scratch installation copies from the real database: the custom record
// types and which types may be linked, the property schema, the email templates, the webhook
// endpoints, the lists and the enabled workflows the definition's enroll steps name.
type seedData struct {
	objects []store.ObjectType // the custom ones (every database has the built-in ones)
	links   []store.AssociationType
	props   []store.Property
	tpls    []*store.EmailTemplate
	eps     []*store.HookEndpoint
	lists   []*store.List
	others  []*store.Workflow
}

func (s *Simulator) loadSeed(ctx context.Context, def *workflow.Definition) (*seedData, error) {
	real := s.opts.DB
	sd := &seedData{}
	objs, err := real.ObjectTypeList(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if !o.Builtin {
			sd.objects = append(sd.objects, o)
		}
	}
	if sd.links, err = real.AssociationTypes(ctx); err != nil {
		return nil, err
	}
	if sd.props, err = real.Properties(ctx); err != nil {
		return nil, err
	}
	if sd.tpls, err = real.EmailTemplates(ctx); err != nil {
		return nil, err
	}
	if sd.eps, err = real.HookEndpoints(ctx); err != nil {
		return nil, err
	}
	if sd.lists, err = real.Lists(ctx); err != nil {
		return nil, err
	}
	for _, st := range def.Steps {
		if st.Type != workflow.StepEnroll || st.Workflow == "" || st.Workflow == def.ID {
			continue
		}
		w, err := real.Workflow(ctx, st.Workflow)
		if err != nil || !w.Enabled || w.ActiveVersion == 0 {
			continue // the step fails in the simulation as it would in production
		}
		if w.Definition, err = real.WorkflowVersion(ctx, w.ID, w.ActiveVersion); err != nil {
			return nil, err
		}
		sd.others = append(sd.others, w)
	}
	return sd, nil
}

// open makes a scratch installation at virtual time start: a fresh database seeded with sd and
// a real engine over it with render-only actions recorded in the returned sink. splitID is the
// record id split steps hash. The caller closes it.
func (s *Simulator) open(ctx context.Context, start time.Time, sd *seedData, splitID func(int64) int64) (*scratch, *sink, error) {
	dir, err := os.MkdirTemp(s.opts.TempDir, "flowdesk-simulate-")
	if err != nil {
		return nil, nil, fmt.Errorf("make the scratch directory: %w", err)
	}
	sc := &scratch{dir: dir, clk: clock.NewFake(start), sink: &sink{}}
	// synchronous OFF: the scratch database is thrown away, so nothing needs to reach the disk.
	if sc.db, err = store.Open(ctx, filepath.Join(dir, "simulate.db"), store.Options{Synchronous: "OFF"}); err != nil {
		sc.close()
		return nil, nil, fmt.Errorf("open the scratch database: %w", err)
	}
	err = sc.db.Write(ctx, func(tx store.Tx) error {
		for _, o := range sd.objects {
			if err := tx.CreateObjectType(o, start); err != nil {
				return err
			}
		}
		for _, l := range sd.links {
			if err := tx.AddAssociationType(l.From, l.To); err != nil {
				return err
			}
		}
		for _, p := range sd.props {
			if _, err := tx.DeclareProperty(p); err != nil {
				return err
			}
		}
		for _, t := range sd.tpls {
			if _, err := tx.PutEmailTemplate(t, start); err != nil {
				return err
			}
		}
		for _, ep := range sd.eps {
			if err := tx.CreateHookEndpoint(ep, start); err != nil {
				return err
			}
		}
		for _, l := range sd.lists { // without members: a simulated record brings its own
			if err := tx.CreateList(&store.List{ID: l.ID, Name: l.Name, Object: l.Object, Filter: l.Filter}, start); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		sc.close()
		return nil, nil, fmt.Errorf("seed the scratch database: %w", err)
	}
	effects := sc.sink
	acts := effects.wrap(action.Preview(s.opts.Actions))
	if sc.eng, err = engine.New(ctx, sc.db, engine.Options{Clock: sc.clk, Actions: acts, Workers: 1, Lease: 24 * time.Hour, SplitRecordID: splitID}); err != nil {
		sc.close()
		return nil, nil, fmt.Errorf("start the scratch engine: %w", err)
	}
	return sc, effects, nil
}

// copyLists puts each scratch record in the lists its real record is in now (real id ->
// scratch id), so list rules, suppression lists and list steps see what they will see live.
func (s *Simulator) copyLists(ctx context.Context, sc *scratch, ids map[int64]int64, now time.Time) error {
	member := map[int64][]string{}
	for real := range ids {
		lists, err := s.opts.DB.RecordLists(ctx, real)
		if err != nil {
			return err
		}
		member[real] = lists
	}
	return sc.db.Write(ctx, func(tx store.Tx) error {
		for real, lists := range member {
			for _, l := range lists {
				if _, err := tx.AddToList(l, ids[real], now); err != nil {
					return fmt.Errorf("copy list %s of record %d: %w", l, real, err)
				}
			}
		}
		return nil
	})
}

// copyAssociated copies into the scratch installation the records linked to each real record
// (real id -> scratch id) and links the copies as the real ones are, with their labels, so
// rules on "company.industry" read what they will read live and steps that target
// "associated:company" change the copies, never the real records. A record linked to several
// of them is copied once. The copies are added to ids, so their list memberships can be copied
// too; their own links to other records are not copied.
func (s *Simulator) copyAssociated(ctx context.Context, sc *scratch, ids map[int64]int64, now time.Time) error {
	real := s.opts.DB
	type link struct {
		from, to int64 // real ids
		label    string
		at       time.Time
	}
	var links []link
	var others []*store.Record
	seen := map[int64]bool{}
	from := make([]int64, 0, len(ids))
	for id := range ids {
		seen[id] = true
		from = append(from, id)
	}
	sort.Slice(from, func(i, j int) bool { return from[i] < from[j] }) // the copies' ids do not depend on map order
	for _, id := range from {
		as, err := real.Associations(ctx, id, "")
		if err != nil {
			return err
		}
		for _, a := range as {
			links = append(links, link{id, a.RecordID, a.Label, a.CreatedAt})
			if seen[a.RecordID] {
				continue
			}
			seen[a.RecordID] = true
			rec, err := real.Record(ctx, a.RecordID)
			if errors.Is(err, store.ErrNotFound) {
				continue // erased since: its links are gone with it
			}
			if err != nil {
				return err
			}
			others = append(others, rec)
		}
	}
	if len(links) == 0 {
		return nil
	}
	return sc.db.Write(ctx, func(tx store.Tx) error {
		for _, rec := range others {
			ch, err := tx.UpsertRecord(rec.Type, 0, rec.Email, rec.Properties, now)
			if err != nil {
				return fmt.Errorf("copy record %d, linked to the record: %w", rec.ID, err)
			}
			ids[rec.ID] = ch.Record.ID
		}
		for _, l := range links {
			if ids[l.to] == 0 {
				continue
			}
			a, err := tx.Record(ids[l.from])
			if err != nil {
				return err
			}
			b, err := tx.Record(ids[l.to])
			if err != nil {
				return err
			}
			if _, err := tx.Associate(a, b, l.label, l.at); err != nil {
				return fmt.Errorf("copy the link between records %d and %d: %w", l.from, l.to, err)
			}
		}
		return nil
	})
}

// enableAll switches on, in the scratch installation, the workflows enroll steps name and then
// the definition itself (after the records exist, as real contacts exist before).
func enableAll(ctx context.Context, eng *engine.Engine, sd *seedData, raw []byte) error {
	for _, w := range sd.others {
		if err := enable(ctx, eng, w.Definition); err != nil {
			return fmt.Errorf("copy workflow %q: %w", w.ID, err)
		}
	}
	return enable(ctx, eng, raw)
}

// advance runs what is due at the virtual time and jumps the clock to the next due job (or
// next, the next scenario item, when earlier). It reports the steps run and whether the
// simulation goes on; stopped is "horizon" when the next thing is beyond end.
func advance(ctx context.Context, sc *scratch, next *time.Time, end time.Time) (n int, more bool, stopped string, err error) {
	now := sc.clk.Now()
	for {
		ran, err := sc.eng.RunDue(ctx)
		n += ran
		if err != nil {
			return n, false, "", fmt.Errorf("run the simulation: %w", err)
		}
		// The provider's reports arrive now; the steps they wake run at once.
		if woke, err := sc.report(ctx); err != nil || !woke {
			if err != nil {
				return n, false, "", err
			}
			break
		}
	}
	at, ok, err := sc.db.NextJobAt(ctx)
	if err != nil {
		return n, false, "", err
	}
	if next != nil && (!ok || next.Before(at)) {
		at, ok = *next, true
	}
	if !ok {
		return n, false, "done", nil
	}
	if at.After(end) {
		sc.clk.Set(end)
		return n, false, "horizon", nil
	}
	if !at.After(now) {
		at = now.Add(time.Second) // a job due now that RunDue left (a lease): move on
	}
	sc.clk.Set(at)
	return n, true, "", nil
}

func (s *Simulator) run(ctx context.Context, p *prepared) (*Result, error) {
	sd, err := s.loadSeed(ctx, p.def)
	if err != nil {
		return nil, fmt.Errorf("seed the scratch database: %w", err)
	}
	var recID int64             // the scratch record, created below
	copies := map[int64]int64{} // real id -> scratch id of the records linked to a real record
	// Split steps hash the real record's id, so the scratch copy takes the paths it would.
	splitID := func(id int64) int64 {
		if id == recID && p.realID != 0 {
			return p.realID
		}
		return id
	}
	sc, effects, err := s.open(ctx, p.start, sd, splitID)
	if err != nil {
		return nil, err
	}
	defer sc.close()
	sc.sms = p.sms
	eng := sc.eng

	// The record exists before the workflow is on, as a real contact would.
	email, _ := p.props["email"].(string)
	if err := sc.db.Write(ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord(p.def.Object, 0, strings.TrimSpace(email), map[string]any{}, p.start)
		if err == nil {
			recID = ch.Record.ID
		}
		return err
	}); err != nil {
		return nil, bad("record", "%v", err)
	}
	if len(p.props) > 0 {
		if _, _, err := eng.PatchRecord(ctx, recID, p.props); err != nil {
			return nil, asInput("record", err)
		}
	}
	if p.realID != 0 {
		copies[p.realID] = recID
		if err := s.copyAssociated(ctx, sc, copies, p.start); err != nil {
			return nil, err
		}
		if err := s.copyLists(ctx, sc, copies, p.start); err != nil {
			return nil, err
		}
		delete(copies, p.realID)
	}
	if err := enableAll(ctx, eng, sd, p.raw); err != nil {
		return nil, err
	}

	res := &Result{Start: p.start, Stopped: "done", Timeline: []Entry{}, Effects: []Effect{}, Warnings: p.warnings}
	if res.Warnings == nil {
		res.Warnings = []workflow.Problem{}
	}
	next := 0
	first := true
	for iter := 0; ; iter++ {
		now := sc.clk.Now()
		for next < len(p.items) && !p.items[next].at.After(now) {
			it := p.items[next]
			if err := apply(ctx, eng, p.def.Object, recID, it, now); err != nil {
				return nil, asInput(itemField(p, next), err)
			}
			next++
		}
		if first && p.manual {
			if _, err := eng.EnrollManually(ctx, p.def.ID, recID); err != nil {
				return nil, fmt.Errorf("enroll the record: %w", err)
			}
		}
		first = false
		var nextItem *time.Time
		if next < len(p.items) {
			nextItem = &p.items[next].at
		}
		n, more, stopped, err := advance(ctx, sc, nextItem, p.end)
		if err != nil {
			return nil, err
		}
		res.StepsRun += n
		if res.StepsRun >= StepBudget || iter > 4*StepBudget {
			res.Stopped = "step_budget"
			break
		}
		if !more {
			res.Stopped = stopped
			break
		}
	}
	res.End = sc.clk.Now()
	if err := s.collect(ctx, sc, p, recID, copies, res); err != nil {
		return nil, err
	}
	effects.mu.Lock()
	for _, e := range effects.effects {
		e.Offset = offset(p.start, e.At)
		res.Effects = append(res.Effects, e)
	}
	effects.mu.Unlock()
	res.Summary = Summarize(res)
	return res, nil
}

func itemField(p *prepared, i int) string {
	if p.items[i].event != nil {
		return "events"
	}
	return "property_changes"
}

// asInput turns the engine's bad-input answer into one naming the scenario's field.
func asInput(field string, err error) error {
	var ie *problem.Error
	if errors.As(err, &ie) && ie.Code == problem.CodeInput {
		out := &problem.Error{Code: problem.CodeInput, Problems: make([]problem.Problem, len(ie.Problems))}
		for i, p := range ie.Problems {
			p.Field = field + "." + p.Field
			out.Problems[i] = p
		}
		return out
	}
	return err
}

func enable(ctx context.Context, eng *engine.Engine, raw []byte) error {
	w, err := eng.Workflows().Create(ctx, raw)
	if err != nil {
		return err
	}
	_, err = eng.Workflows().Enable(ctx, w.ID)
	return err
}

func apply(ctx context.Context, eng *engine.Engine, object string, recID int64, it item, now time.Time) error {
	if it.event != nil {
		at := now
		_, err := eng.Ingest(ctx, engine.EventInput{Type: it.event.Type, Record: engine.RecordRef{Type: object, ID: recID},
			Scope: it.event.Scope, Data: it.event.Data, OccurredAt: &at})
		return err
	}
	_, _, err := eng.PatchRecord(ctx, recID, it.props)
	return err
}

// collect reads the record's enrollments in the workflow as the timeline, the outcome and
// what the record and the copies of its linked records (copies: real id -> scratch id) hold
// at the end. The copies' ids in the timeline's details are their real ids.
func (s *Simulator) collect(ctx context.Context, sc *scratch, p *prepared, recID int64, copies map[int64]int64, res *Result) error {
	toReal := make(map[int64]int64, len(copies)+1)
	for real, id := range copies {
		toReal[id] = real
	}
	if p.realID != 0 {
		toReal[recID] = p.realID
	}
	ens, err := sc.db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: p.def.ID, RecordID: recID, Limit: 1000})
	if err != nil {
		return err
	}
	sort.Slice(ens, func(i, j int) bool { return ens[i].ID < ens[j].ID })
	for n, en := range ens {
		hist, err := sc.db.History(ctx, en.ID)
		if err != nil {
			return err
		}
		for _, h := range hist {
			e := Entry{At: h.At, Offset: offset(p.start, h.At), Enrollment: n + 1, Step: h.StepID, Type: h.StepType, Outcome: h.Outcome, Detail: realRecords(h.Detail, toReal)}
			if st := p.def.Step(h.StepID); st != nil {
				e.Name = st.Name
			}
			res.Timeline = append(res.Timeline, e)
		}
	}
	rec, err := sc.db.Record(ctx, recID)
	if err != nil {
		return err
	}
	res.RecordAfter = rec.Properties
	res.AssociatedAfter = []AssociatedRecord{}
	for real, id := range copies {
		cp, err := sc.db.Record(ctx, id)
		if err != nil {
			return err
		}
		res.AssociatedAfter = append(res.AssociatedAfter, AssociatedRecord{RecordID: real, Type: cp.Type, Properties: cp.Properties})
	}
	sort.Slice(res.AssociatedAfter, func(i, j int) bool {
		a, b := res.AssociatedAfter[i], res.AssociatedAfter[j]
		return a.Type < b.Type || a.Type == b.Type && a.RecordID < b.RecordID
	})
	if len(ens) == 0 {
		res.Outcome = "not_enrolled"
		res.WhyNot = whyNot(p)
		return nil
	}
	res.Outcome = outcomeOf(ens[len(ens)-1].Status)
	return nil
}

// realRecords puts real ids for scratch ids in a history detail's "records" (the records a
// step targeting associated records changed). A detail without any is returned as it is.
func realRecords(detail json.RawMessage, toReal map[int64]int64) json.RawMessage {
	if len(toReal) == 0 || !strings.Contains(string(detail), `"records"`) {
		return detail
	}
	var d map[string]any
	if err := json.Unmarshal(detail, &d); err != nil {
		return detail
	}
	ids, ok := d["records"].([]any)
	if !ok {
		return detail
	}
	for i, v := range ids {
		if f, ok := v.(float64); ok {
			if real, ok := toReal[int64(f)]; ok {
				ids[i] = real
			}
		}
	}
	out, err := json.Marshal(d)
	if err != nil {
		return detail
	}
	return out
}

// outcomeOf is an enrollment's status as a simulation's outcome.
func outcomeOf(status string) string {
	switch status {
	case store.StatusCompleted, store.StatusCompletedWithErrors:
		return "completed"
	case store.StatusFailed:
		return "failed"
	case store.StatusGoalReached:
		return "goal_reached"
	case store.StatusUnenrolled, store.StatusCancelled:
		return "unenrolled"
	}
	return "waiting"
}

// whyNot says, trigger by trigger, why the scenario did not enroll the record: no event of the
// trigger's type, events of that type in another scope, or (type and scope matching) the
// trigger's filter or re-enrollment rules.
func whyNot(p *prepared) string {
	if len(p.def.Triggers) == 0 {
		return "the workflow has no triggers: enroll the record by hand (\"enroll\": \"manual\")"
	}
	var parts []string
	for _, t := range p.def.Triggers {
		name := t.ID
		if name == "" {
			name = t.Type
		}
		switch t.Type {
		case workflow.TriggerEvent:
			var sameType, sameScope int
			var scopes []string
			for _, it := range p.items {
				if it.event == nil || it.event.Type != t.Event {
					continue
				}
				sameType++
				if scopeMatches(t.Scope, it.event.Scope) {
					sameScope++
				} else {
					scopes = append(scopes, scopeText(it.event.Scope))
				}
			}
			switch {
			case sameType == 0:
				parts = append(parts, fmt.Sprintf("trigger %s listens for %s events and the scenario has none", name, t.Event))
			case sameScope == 0:
				parts = append(parts, fmt.Sprintf("trigger %s listens for %s in %s, but the scenario's were in %s", name, t.Event, scopeText(t.Scope), strings.Join(scopes, ", ")))
			default:
				parts = append(parts, fmt.Sprintf("trigger %s got %d %s event(s) in its scope, but its filter did not match the record and event (or re-enrollment is off)", name, sameScope, t.Event))
			}
		case workflow.TriggerFilter:
			changes := 0
			for _, it := range p.items {
				if it.props != nil {
					changes++
				}
			}
			if changes == 0 {
				parts = append(parts, fmt.Sprintf("trigger %s enrolls records when a change makes them match its filter, and the scenario changes no property (a record that matches already is not enrolled; add a property change)", name))
			} else {
				parts = append(parts, fmt.Sprintf("trigger %s: none of the %d property change(s) made the record match its filter", name, changes))
			}
		default:
			parts = append(parts, fmt.Sprintf("trigger %s (%s) does not fire in a simulation; enroll by hand (\"enroll\": \"manual\")", name, t.Type))
		}
	}
	return "not enrolled: " + strings.Join(parts, "; ")
}

func scopeMatches(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func scopeText(sc map[string]string) string {
	if len(sc) == 0 {
		return "no scope"
	}
	keys := make([]string, 0, len(sc))
	for k := range sc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + sc[k]
	}
	return strings.Join(parts, ",")
}

// offset writes t-start as "+1d2h30m" (whole seconds).
func offset(start, t time.Time) string {
	d := t.Sub(start).Round(time.Second)
	if d <= 0 {
		return "+0"
	}
	var b strings.Builder
	b.WriteString("+")
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if d > 0 {
		fmt.Fprintf(&b, "%ds", d/time.Second)
	}
	return b.String()
}
