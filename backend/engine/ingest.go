package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
)

// RecordRef identifies (and updates) the record an event is about.
type RecordRef struct {
	Type       string         `json:"type"`
	ID         int64          `json:"id,omitempty"`
	Email      string         `json:"email,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	// Add and Remove change multi-value properties in place (a tag added in another system):
	// the values join or leave what the record holds instead of replacing the whole list.
	Add    map[string][]any `json:"add,omitempty"`
	Remove map[string][]any `json:"remove,omitempty"`
	// Types declares the type of properties nobody declared yet (a webhook mapping's "type");
	// a declared property keeps its type.
	Types map[string]string `json:"-"`
	// Strict refuses properties nobody declared (a webhook endpoint with "strict": true).
	Strict bool `json:"-"`
}

// UnmarshalJSON decodes a record reference keeping numbers exact (json.Number), so an integer
// property beyond 2^53 is never rounded on the way in; typed converts them.
func (r *RecordRef) UnmarshalJSON(b []byte) error {
	type plain RecordRef
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(r))
}

// listOps applies the reference's Add and Remove to a record's properties.
func (r *RecordRef) listOps(p map[string]any) error {
	for k, vs := range r.Add {
		p[k] = appendValues(p[k], vs)
	}
	for k, vs := range r.Remove {
		if _, ok := p[k]; ok {
			p[k] = removeValues(p[k], vs)
		}
	}
	return nil
}

// EventInput is an event to ingest (the body of POST /api/events).
type EventInput struct {
	Type       string            `json:"type"`
	Record     RecordRef         `json:"record"`
	Scope      map[string]string `json:"scope,omitempty"`
	Data       map[string]any    `json:"data,omitempty"`
	OccurredAt *time.Time        `json:"occurred_at,omitempty"`
	// IdempotencyKey makes a retried delivery a no-op (from the Idempotency-Key header).
	IdempotencyKey string `json:"-"`
}

// IngestResult says what an ingested event did.
type IngestResult struct {
	EventID       int64   `json:"event_id"`
	RecordID      int64   `json:"record_id"`
	RecordCreated bool    `json:"record_created"`
	Enrollments   []int64 `json:"enrollments"`
	Resumed       []int64 `json:"resumed"`   // enrollments whose "until event" delay ended
	Duplicate     bool    `json:"duplicate"` // the idempotency key was seen before; nothing was applied
}

var (
	eventTypeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$`)
	propNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_\-]{0,127}$`)
)

// MaxProperties caps how many properties one write may set.
const MaxProperties = 500

func (e *Engine) checkRecordRef(field string, r *RecordRef) error {
	if err := e.checkRecordType(field, r); err != nil {
		return err
	}
	if r.Email == "" {
		if s, ok := r.Properties["email"].(string); ok {
			r.Email = s
		}
	}
	r.Email = strings.TrimSpace(r.Email)
	if r.Email != "" {
		if err := ident.CheckEmail(r.Email); err != nil {
			return badInput(field+".email", "%v", err)
		}
	}
	if r.ID < 0 {
		return badInput(field+".id", "record ids are positive numbers")
	}
	if r.ID == 0 && r.Email == "" {
		return badInput(field, "say which record this is about: give its \"id\" or \"email\"")
	}
	return e.checkRecordValues(field, r)
}

// CheckRecordValues checks what a write would do to a record's properties, as Ingest does, and
// writes nothing: names, declared types and conversions, strictness, list changes. It does not
// ask which record (an id or email): a webhook endpoint that holds its deliveries for days
// checks them with it when they arrive and finds the record when they are due.
func (e *Engine) CheckRecordValues(field string, r RecordRef) error {
	if err := e.checkRecordType(field, &r); err != nil {
		return err
	}
	r.Add, r.Remove = cloneLists(r.Add), cloneLists(r.Remove) // typedLists converts in place
	return e.checkRecordValues(field, &r)
}

// checkRecordType defaults r's type to contact and refuses one nobody declared.
func (e *Engine) checkRecordType(field string, r *RecordRef) error {
	if r.Type == "" {
		r.Type = "contact"
	}
	if !e.knownObject(r.Type) {
		return badInput(field+".type", "unknown record type %q; use one of %s or declare the type first", r.Type, strings.Join(sortedStrings(e.Objects()), ", "))
	}
	return nil
}

func cloneLists(m map[string][]any) map[string][]any {
	if m == nil {
		return nil
	}
	out := make(map[string][]any, len(m))
	for k, vs := range m {
		out[k] = append([]any(nil), vs...)
	}
	return out
}

// checkRecordValues is checkRecordRef's part about the values: it converts r's properties to
// their types in place.
func (e *Engine) checkRecordValues(field string, r *RecordRef) error {
	if err := checkProperties(field+".properties", r.Properties); err != nil {
		return err
	}
	if r.Strict {
		for _, k := range sortedKeys(r.Properties) {
			if _, ok := e.Property(r.Type, k); !ok {
				bad := badInput(field+".properties."+k, "%q is not a declared %s property, and this endpoint only writes declared ones; declare it in Properties or take it out of the mapping", k, r.Type)
				bad.Code = problem.CodeUndeclared
				return bad
			}
		}
	}
	typed, err := e.typed(field+".properties", r.Type, r.Properties, r.Types)
	if err != nil {
		return err
	}
	r.Properties = typed
	for _, op := range []struct {
		name string
		m    map[string][]any
	}{{"add", r.Add}, {"remove", r.Remove}} {
		if len(op.m) > MaxProperties {
			return badInput(field+"."+op.name, "%d properties in one write; the limit is %d", len(op.m), MaxProperties)
		}
		for k, vs := range op.m {
			f := field + "." + op.name + "." + k
			if !propNameRe.MatchString(k) {
				return badInput(f, "property names start with a letter or _ and use letters, digits, _ or - (at most 128)")
			}
			if k == "email" {
				return badInput(f, "email identifies the record; set it in \"properties\" instead")
			}
			if _, both := r.Properties[k]; both {
				return badInput(f, "%q is also set in \"properties\"; either replace the list or change it, not both", k)
			}
			for _, v := range vs {
				switch v.(type) {
				case map[string]any, []any, nil:
					return badInput(f, "values to %s are plain strings, numbers or bools", op.name)
				}
			}
		}
		if err := e.typedLists(field+"."+op.name, r.Type, op.m); err != nil {
			return err
		}
	}
	return nil
}

func checkProperties(field string, props map[string]any) error {
	if len(props) > MaxProperties {
		return badInput(field, "%d properties in one write; the limit is %d", len(props), MaxProperties)
	}
	for k, v := range props {
		if !propNameRe.MatchString(k) {
			return badInput(field+"."+k, "property names start with a letter or _ and use letters, digits, _ or - (at most 128)")
		}
		switch x := v.(type) {
		case map[string]any:
			return badInput(field+"."+k, "nested objects are not property values; use a string, number, bool, date string or a list")
		case []any:
			for _, el := range x {
				switch el.(type) {
				case map[string]any, []any:
					return badInput(field+"."+k, "a list property holds plain values (strings, numbers, bools), not objects or lists")
				}
			}
		}
		if k == "email" {
			s, ok := v.(string)
			if !ok && v != nil {
				return badInput(field+".email", "email must be a string")
			}
			if ok && strings.TrimSpace(s) != "" {
				if err := ident.CheckEmail(strings.TrimSpace(s)); err != nil {
					return badInput(field+".email", "%v", err)
				}
			}
		}
	}
	return nil
}

// Ingest stores an event and everything it causes in one durable transaction: the record is
// created or updated, the event appended, matching workflows enrolled, and delays waiting for
// this event woken. It returns once all of that has committed.
func (e *Engine) Ingest(ctx context.Context, in EventInput) (*IngestResult, error) {
	return e.IngestWith(ctx, in, nil)
}

// IngestWith is Ingest with extra work in the same transaction: extra (when not nil) runs after
// the event is stored and everything it causes is applied, or, for a duplicate (a known
// idempotency key, res.Duplicate set), instead of applying anything. An error from extra rolls
// the whole ingest back. The webhook listener uses it to commit the raw request with the event.
func (e *Engine) IngestWith(ctx context.Context, in EventInput, extra func(tx store.Tx, res *IngestResult) error) (*IngestResult, error) {
	if !eventTypeRe.MatchString(in.Type) {
		if in.Type == "" {
			return nil, badInput("type", "the event type is missing, e.g. \"webinar.registered\"")
		}
		return nil, badInput("type", "%q is not a valid event type: use letters, digits and . _ : - (at most 128)", in.Type)
	}
	if err := e.checkRecordRef("record", &in.Record); err != nil {
		return nil, err
	}
	for k := range in.Scope {
		if k == "" {
			return nil, badInput("scope", "scope keys must not be empty")
		}
	}
	var res *IngestResult
	var declared []store.Property                                  // new properties, remembered once the write commits
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		res = &IngestResult{}
		now := e.clock.Now()
		if in.IdempotencyKey != "" {
			prev, err := tx.EventByIdempotencyKey(in.IdempotencyKey)
			if err == nil {
				res.EventID, res.RecordID, res.Duplicate = prev.ID, prev.RecordID, true
				if extra != nil {
					return extra(tx, res)
				}
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		change, err := tx.UpsertRecord(in.Record.Type, in.Record.ID, in.Record.Email, in.Record.Properties, now)
		if err != nil {
			return err
		}
		if len(in.Record.Add) > 0 || len(in.Record.Remove) > 0 {
			if change, err = applyListOps(tx, change, &in.Record, now); err != nil {
				return err
			}
		}
		if declared, err = e.declare(tx, in.Record.Type, in.Record.declares(), in.Record.declaredTypes()); err != nil {
			return err
		}
		if err := e.checkUnique(tx, change.Record, in.Record.Properties, "record.properties"); err != nil {
			return err
		}
		occurred := now
		if in.OccurredAt != nil {
			occurred = *in.OccurredAt
		}
		ev := &store.Event{Type: in.Type, RecordID: change.Record.ID, Scope: in.Scope, Data: in.Data,
			OccurredAt: occurred, ReceivedAt: now, IdempotencyKey: in.IdempotencyKey}
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		res.EventID, res.RecordID, res.RecordCreated = ev.ID, change.Record.ID, change.Created
		ids, err := e.recordChanged(tx, change, now)
		if err != nil {
			return err
		}
		if !change.Changed { // recordChanged did not check: an event is a moment to check too
			if err := e.checkExits(tx, change.Record, now); err != nil {
				return err
			}
		}
		env := trigger.EventEnv(in.Type, in.Scope, in.Data, occurred)
		ix := e.index.Load()
		facts, err := ruleEnv(tx, change.Record, now, ix.UsesLists(), ix.Associations(in.Record.Type))
		if err != nil {
			return err
		}
		tev := trigger.Event{Type: in.Type, Object: in.Record.Type, Scope: in.Scope, Env: env, Lists: facts.Lists, Associated: facts.Associated}
		if trigger.IsReplayViewing(in.Type, env) && in.Scope["webinar"] != "" {
			if tev.WatchedLive, err = tx.WatchedWebinarLive(change.Record.ID, in.Scope["webinar"], ev.ID); err != nil {
				return err
			}
		}
		matches, errs := ix.MatchEvent(tev, change.Record.Properties, now)
		for _, err := range errs {
			e.log.Warn("event trigger failed", "event", ev.ID, "err", err)
		}
		more, err := e.enrollMatches(tx, ix, matches, change.Record.ID, &ReasonEvent{ID: ev.ID, Env: env}, now)
		if err != nil {
			return err
		}
		res.Enrollments = append(ids, more...)
		if res.Resumed, err = e.wakeWaiters(ctx, tx, change.Record, ev, env, now); err != nil {
			return err
		}
		if extra != nil {
			return extra(tx, res)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest %q event: %w", in.Type, err)
	}
	e.rememberProperties(declared)
	if len(res.Enrollments) > 0 || len(res.Resumed) > 0 {
		e.Wake()
	}
	return res, nil
}

// applyListOps applies Add and Remove after the upsert; the change keeps the values from before
// the upsert, so triggers see one change from the old record to the final one.
func applyListOps(tx store.Tx, first *store.RecordChange, r *RecordRef, now time.Time) (*store.RecordChange, error) {
	second, err := tx.UpdateRecord(first.Record, r.listOps, now)
	if err != nil {
		return nil, err
	}
	return &store.RecordChange{Record: second.Record, Old: first.Old, Created: first.Created, Changed: first.Changed || second.Changed}, nil
}

// declares is what a write may declare: its properties, and lists for the ones it adds to.
func (r *RecordRef) declares() map[string]any {
	if len(r.Add) == 0 {
		return r.Properties
	}
	out := make(map[string]any, len(r.Properties)+len(r.Add))
	for k, v := range r.Properties {
		out[k] = v
	}
	for k, vs := range r.Add {
		out[k] = vs
	}
	return out
}

// declaredTypes is Types with multi for the properties the write adds values to.
func (r *RecordRef) declaredTypes() map[string]string {
	if len(r.Add) == 0 {
		return r.Types
	}
	out := make(map[string]string, len(r.Types)+len(r.Add))
	for k, t := range r.Types {
		out[k] = t
	}
	for k := range r.Add {
		out[k] = property.Multi
	}
	return out
}

// declare adds properties the schema has not seen yet, typed as types says or else as their
// values suggest, and returns them: the caller remembers them (rememberProperties) once the
// write commits. This is the one place properties get declared by a write.
func (e *Engine) declare(tx store.Tx, object string, props map[string]any, types map[string]string) ([]store.Property, error) {
	ps := e.undeclared(object, props, types)
	for _, p := range ps {
		if _, err := tx.DeclareProperty(p); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// wakeWaiters ends "delay until event" waits of the record that this event satisfies.
func (e *Engine) wakeWaiters(ctx context.Context, tx store.Tx, rec *store.Record, ev *store.Event, env map[string]any, now time.Time) ([]int64, error) {
	jobs, err := tx.WaitingJobs(rec.ID, ev.Type)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	var woken []int64
	for _, j := range jobs {
		en, err := tx.Enrollment(j.EnrollmentID)
		if err != nil {
			return nil, err
		}
		def, err := e.definition(ctx, en.WorkflowID, en.Version)
		if err != nil {
			return nil, err
		}
		step := def.Step(j.StepID)
		if step == nil || step.Event == nil {
			continue
		}
		if step.Event.Filter != nil {
			p, err := e.program(def, en.Version, "step/"+step.ID+"/event", *step.Event.Filter)
			if err != nil {
				return nil, err
			}
			wenv, err := ruleEnv(tx, rec, now, p.UsesLists(), p.Associations())
			if err != nil {
				return nil, err
			}
			wenv.Event = env
			ok, err := p.Match(wenv)
			if err != nil {
				e.log.Warn("wait filter failed", "enrollment", en.ID, "step", step.ID, "err", err)
				continue
			}
			if !ok {
				continue
			}
		}
		if err := tx.WakeJob(j.ID, store.OutcomeEvent, ev.ID, now); err != nil {
			return nil, err
		}
		woken = append(woken, en.ID)
	}
	return woken, nil
}

// PatchRecord merges properties into a record (running filter-criteria triggers) and returns it.
func (e *Engine) PatchRecord(ctx context.Context, id int64, props map[string]any) (*store.Record, []int64, error) {
	if len(props) == 0 {
		return nil, nil, badInput("properties", "nothing to change: send {\"properties\": {\"name\": value}}")
	}
	if err := checkProperties("properties", props); err != nil {
		return nil, nil, err
	}
	var rec *store.Record
	var declared []store.Property
	var enrolled []int64
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		now := e.clock.Now()
		cur, err := tx.Record(id)
		if err != nil {
			return err
		}
		props, err := e.typed("properties", cur.Type, props, nil)
		if err != nil {
			return err
		}
		change, err := tx.UpdateRecord(cur, func(p map[string]any) error {
			for k, v := range props {
				if v == nil {
					delete(p, k)
					continue
				}
				p[k] = v
			}
			return nil
		}, now)
		if err != nil {
			return err
		}
		if declared, err = e.declare(tx, cur.Type, props, nil); err != nil {
			return err
		}
		if err := e.checkUnique(tx, change.Record, props, "properties"); err != nil {
			return err
		}
		rec = change.Record
		enrolled, err = e.recordChanged(tx, change, now)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("update record %d: %w", id, err)
	}
	e.rememberProperties(declared)
	if len(enrolled) > 0 {
		e.Wake()
	}
	return rec, enrolled, nil
}

// EnrollManually enrolls a record into an enabled workflow by hand (re-enrollment rules do not
// apply; a record already in the workflow is not enrolled twice).
func (e *Engine) EnrollManually(ctx context.Context, workflowID string, recordID int64) (*store.Enrollment, error) {
	wf := e.index.Load().Workflow(workflowID)
	if wf == nil {
		if _, err := e.db.Workflow(ctx, workflowID); err != nil {
			return nil, err
		}
		return nil, badInput("workflow", "workflow %q is off; switch it on before enrolling records", workflowID)
	}
	var res enrollResult
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		rec, err := tx.Record(recordID)
		if err != nil {
			return err
		}
		if rec.Type != wf.Def.Object {
			return badInput("record_id", "record %d is a %s but workflow %q enrolls %s records", recordID, rec.Type, workflowID, wf.Def.Object)
		}
		res, err = e.enroll(tx, wf, recordID, Reason{Trigger: "manual", TriggerType: "manual", Summary: "Enrolled manually"}, 0, true, e.clock.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("enroll record %d in %q: %w", recordID, workflowID, err)
	}
	if res.enrollment == nil {
		return nil, &skipError{code: res.code, err: fmt.Errorf("record %d cannot be enrolled in %q: %s%s: %w", recordID, workflowID, res.skipped, skipFix(res.code), store.ErrConflict)}
	}
	e.Wake()
	return res.enrollment, nil
}

// skipError is a refused manual enrollment (store.ErrConflict) with its Skip* code.
type skipError struct {
	code string
	err  error
}

func (e *skipError) Error() string { return e.err.Error() }
func (e *skipError) Unwrap() error { return e.err }

// SkippedFor is the Skip* code of a manual enrollment EnrollManually refused ("" for other errors).
func SkippedFor(err error) string {
	var se *skipError
	if errors.As(err, &se) {
		return se.code
	}
	return ""
}
