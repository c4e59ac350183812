package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// MaxAssociationLabel caps an association's label.
const MaxAssociationLabel = 100

// AssociationPrefix starts a property step's target that writes to associated records
// ("associated:company").
const AssociationPrefix = "associated:"

// Associable lists the record types records of type object may be linked to, sorted.
func (e *Engine) Associable(object string) []string {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	out := make([]string, 0, len(e.assoc[object]))
	for t := range e.assoc[object] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func (e *Engine) associable(from, to string) bool {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	return e.assoc[from][to]
}

// associatedSchema resolves "company" in a filter's "company.industry" for records of type
// object (condition.Options.Associated).
func (e *Engine) associatedSchema(object string) func(prefix string) (condition.Schema, bool) {
	return func(prefix string) (condition.Schema, bool) {
		if !e.associable(object, prefix) {
			return nil, false
		}
		return e.Schema(prefix), true
	}
}

// associationError says that two record types cannot be linked, and which can.
func (e *Engine) associationError(field, from, to string) *problem.Error {
	can := e.Associable(from)
	hint := "no record type"
	if len(can) > 0 {
		hint = strings.Join(can, ", ")
	}
	return badInput(field, "%s cannot be associated with %s: no association is defined between them (%s can be associated with: %s); add the pair with POST /api/association-types", an(from), an(to), an(from), hint)
}

// an puts "a" or "an" before a record type name.
func an(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// Associate links two records with an optional label, in one write. created is false when that
// link already existed (nothing changes then). Bad input is a *problem.Error naming the field.
func (e *Engine) Associate(ctx context.Context, id, otherID int64, label string) (assoc store.Association, created bool, err error) {
	label = strings.TrimSpace(label)
	switch {
	case otherID <= 0:
		return assoc, false, badInput("record_id", "say which record to associate: send {\"record_id\": <id>}")
	case otherID == id:
		return assoc, false, badInput("record_id", "a record cannot be associated with itself; pick another record")
	case utf8.RuneCountInString(label) > MaxAssociationLabel:
		return assoc, false, badInput("label", "the label is longer than %d characters; shorten it", MaxAssociationLabel)
	}
	enrolled := false
	err = e.db.Write(store.Urgent(ctx), func(tx store.Tx) error {
		a, err := tx.Record(id)
		if err != nil {
			return err
		}
		b, err := tx.Record(otherID)
		if errors.Is(err, store.ErrNotFound) {
			return badInput("record_id", "there is no record %d; pick an existing record", otherID)
		}
		if err != nil {
			return err
		}
		ok, err := tx.AssociationAllowed(a.Type, b.Type)
		if err != nil {
			return err
		}
		if !ok {
			return e.associationError("record_id", a.Type, b.Type)
		}
		now := e.clock.Now()
		if created, err = tx.Associate(a, b, label, now); err != nil {
			return err
		}
		assoc = store.Association{RecordID: b.ID, Type: b.Type, Label: label, CreatedAt: now}
		if created {
			ids, err := e.linkChanged(tx, a, b, true, now)
			if err != nil {
				return err
			}
			enrolled = len(ids) > 0
		}
		if !created {
			links, err := tx.Associations(id, b.Type)
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.RecordID == b.ID && l.Label == label {
					assoc = l
				}
			}
		}
		return nil
	})
	if err != nil {
		return assoc, false, fmt.Errorf("associate record %d with record %d: %w", id, otherID, err)
	}
	if enrolled {
		e.Wake()
	}
	return assoc, created, nil
}

// Dissociate removes the link between two records: the one with label, or every label when
// label is nil. A link that does not exist is a *problem.Error on record_id.
func (e *Engine) Dissociate(ctx context.Context, id, otherID int64, label *string) (int64, error) {
	if otherID <= 0 {
		return 0, badInput("record_id", "say which record to remove the association with: send {\"record_id\": <id>}")
	}
	var n int64
	enrolled := false
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error {
		a, err := tx.Record(id)
		if err != nil {
			return err
		}
		if label != nil {
			n, err = tx.Dissociate(id, otherID, strings.TrimSpace(*label), false)
		} else {
			n, err = tx.Dissociate(id, otherID, "", true)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			what := fmt.Sprintf("record %d is not associated with record %d", id, otherID)
			if label != nil {
				what += fmt.Sprintf(" with the label %q", strings.TrimSpace(*label))
			}
			return badInput("record_id", "%s; nothing was removed", what)
		}
		if links, err := tx.Associations(id, ""); err != nil {
			return err
		} else if slices.ContainsFunc(links, func(l store.Association) bool { return l.RecordID == otherID }) {
			return nil // another label still links them: the rules see the same records
		}
		b, err := tx.Record(otherID)
		if err != nil {
			return err
		}
		ids, err := e.linkChanged(tx, a, b, false, e.clock.Now())
		enrolled = len(ids) > 0
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("dissociate record %d from record %d: %w", id, otherID, err)
	}
	if enrolled {
		e.Wake()
	}
	return n, nil
}

// AddAssociationType lets records of two known types be linked.
func (e *Engine) AddAssociationType(ctx context.Context, from, to string) error {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	bad := &problem.Error{Code: problem.CodeInput}
	for _, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		switch {
		case f.v == "":
			bad.Add(f.name, "name a record type")
		case !e.knownObject(f.v):
			bad.Add(f.name, "%q is not a known record type; use one of %s", f.v, strings.Join(sortedStrings(e.Objects()), ", "))
		}
	}
	if len(bad.Problems) == 0 && from == to {
		bad.Add("to", "records of one type cannot be associated with each other; pick two types")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.AddAssociationType(from, to) }); err != nil {
		return fmt.Errorf("add association type: %w", err)
	}
	e.schemaMu.Lock()
	defer e.schemaMu.Unlock()
	for _, p := range [][2]string{{from, to}, {to, from}} {
		if e.assoc[p[0]] == nil {
			e.assoc[p[0]] = map[string]bool{}
		}
		e.assoc[p[0]][p[1]] = true
	}
	return nil
}

// associationsRead lists the associated record types a workflow version's filters read
// ("company" for "company.industry"): its branches, its goal, its unenrollment filter and its
// triggers' filters (the criteria "when no longer met" rechecks). Remembered per version, which
// never changes.
func (e *Engine) associationsRead(def *workflow.Definition, version int) []string {
	k := versionKey{def.ID, version}
	if v, ok := e.assocUse.Load(k); ok {
		return v.([]string)
	}
	seen := map[string]bool{}
	var types []string
	read := func(loc string, f *condition.Filter) {
		if f == nil {
			return
		}
		prog, err := e.program(def, version, loc, *f)
		if err != nil {
			return // the rule fails with its error when it runs
		}
		for _, t := range prog.Associations() {
			if !seen[t] {
				seen[t] = true
				types = append(types, t)
			}
		}
	}
	for _, s := range def.Steps {
		for i, b := range s.Branches {
			read(fmt.Sprintf("step/%s/branch/%d", s.ID, i), b.Filter)
		}
	}
	read("goal", def.Goal)
	if def.Unenroll != nil {
		read("unenroll", def.Unenroll.Filter)
	}
	for _, t := range def.Triggers {
		if t.Type == workflow.TriggerFilter {
			read("trigger/"+t.ID, t.Filter)
		}
	}
	sort.Strings(types)
	e.assocUse.Store(k, types)
	return types
}

// applyAssociated runs a property step on every record of type typ associated with the enrolled
// one, in the pass's transaction, each change going through the same checks and triggers as any
// record change. No associated record is a skip, not a failure.
func (e *Engine) applyAssociated(p *plan, s *workflow.Step, typ, name string, op propOp, detail map[string]any) (string, *store.Job, error) {
	op = e.typedOp(typ, name, op)
	if err := op(map[string]any{}); err != nil { // a value that cannot be written fails here, for every record alike
		return "", nil, err
	}
	detail["target"] = s.Target
	slot := p.reserve(s)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		recs, err := tx.AssociatedRecords(p.c.rec.ID, typ)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			detail["reason"] = fmt.Sprintf("the record has no associated %s, so nothing was changed", typ)
			p.fill(slot, store.HistSkipped, detail)
			return nil
		}
		ids := make([]int64, 0, len(recs))
		for _, rec := range recs {
			change, err := tx.UpdateRecord(rec, op, p.now)
			if err != nil {
				return err
			}
			if err := p.declareIn(tx, e, typ, change.Record.Properties); err != nil {
				return err
			}
			if err := e.checkUnique(tx, change.Record, changedProps(change), "record.properties"); err != nil {
				return err
			}
			if _, err := e.recordChanged(tx, change, p.now); err != nil {
				return err
			}
			ids = append(ids, rec.ID)
		}
		detail["records"] = ids
		p.fill(slot, store.HistOK, detail)
		return nil
	})
	p.count(s.ID, 1, 0)
	return e.afterAssociatedChange(p, s)
}

// afterAssociatedChange ends the pass after a step that changes associated records, when the
// workflow's branches read them: the steps after it run in a new pass that loads what it
// committed. Otherwise the pass goes on (later steps' effects read the same transaction).
func (e *Engine) afterAssociatedChange(p *plan, s *workflow.Step) (string, *store.Job, error) {
	if s.Next == "" || len(e.associationsRead(p.def, p.c.enr.Version)) == 0 {
		return s.Next, nil, nil
	}
	p.current = s.Next
	p.next = &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.Next, Kind: store.JobRun, RunAt: p.now}
	return "", nil, nil
}

// assocReaders is, for one trigger index, which object types' rules read records of a type:
// readers[typ] lists the object types of the enabled workflows whose triggers, goal,
// unenrollment filter or branches read "typ.<property>".
type assocReaders struct {
	ix      *trigger.Index
	readers map[string][]string
}

// associationReaders returns the object types whose enabled workflows or active lists read
// records of type typ through an association ("company.industry"). The workflows' share is
// worked out once per trigger index; the lists' comes from the list set, which reloads on its
// own.
func (e *Engine) associationReaders(ix *trigger.Index, typ string) []string {
	out := e.workflowReaders(ix, typ)
	for _, obj := range e.lists.Load().reads[typ] {
		if !slices.Contains(out, obj) {
			out = append(slices.Clip(out), obj)
		}
	}
	return out
}

// workflowReaders returns the object types whose enabled workflows read records of type typ
// through an association, worked out once per trigger index.
func (e *Engine) workflowReaders(ix *trigger.Index, typ string) []string {
	if r := e.readers.Load(); r != nil && r.ix == ix {
		return r.readers[typ]
	}
	readers := map[string][]string{}
	for _, wf := range ix.Workflows() {
		for _, t := range e.associationsRead(wf.Def, wf.Version) {
			if !slices.Contains(readers[t], wf.Def.Object) {
				readers[t] = append(readers[t], wf.Def.Object)
			}
		}
	}
	e.readers.Store(&assocReaders{ix: ix, readers: readers})
	return readers[typ]
}

// associatesChanged re-checks, in the transaction of a change of a record's properties, the
// records associated with it whose workflows or active lists read its type ("company.industry"
// in a contact workflow's trigger, goal or unenrollment filter, or in a contact list's filter),
// as HubSpot re-evaluates a contact when its company changes. It returns the new enrollments.
func (e *Engine) associatesChanged(tx store.Tx, change *store.RecordChange, now time.Time) ([]int64, error) {
	ix := e.index.Load()
	changed := change.Record
	var ids []int64
	for _, obj := range e.associationReaders(ix, changed.Type) {
		recs, err := tx.AssociatedRecords(changed.ID, obj)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			// before: its records of changed's type, with changed as it was
			peers, err := tx.AssociatedRecords(r.ID, changed.Type)
			if err != nil {
				return nil, err
			}
			was := make([]map[string]any, len(peers))
			for i, p := range peers {
				was[i] = p.Properties
				if p.ID == changed.ID {
					was[i] = change.Old
				}
			}
			more, err := e.recheckThrough(tx, ix, r, changed.Type, was, now)
			if err != nil {
				return nil, err
			}
			ids = append(ids, more...)
		}
	}
	return ids, nil
}

// linkChanged re-checks both records of a link that was made (linked) or removed, in its
// transaction, when the other side's workflows or active lists read the type through an
// association: a contact linked to a company in software now meets "company.industry is
// software".
func (e *Engine) linkChanged(tx store.Tx, a, b *store.Record, linked bool, now time.Time) ([]int64, error) {
	ix := e.index.Load()
	ids, err := e.recheckLinked(tx, ix, a, b, linked, now)
	if err != nil {
		return nil, err
	}
	more, err := e.recheckLinked(tx, ix, b, a, linked, now)
	return append(ids, more...), err
}

// recheckLinked re-checks record x after its link to y was made (linked) or removed, in the
// transaction that did it, when x's workflows or active lists read y's type through an
// association. y is as it was when the link changed (for a removed link, the rules before the
// change saw it so). It returns the new enrollments.
func (e *Engine) recheckLinked(tx store.Tx, ix *trigger.Index, x, y *store.Record, linked bool, now time.Time) ([]int64, error) {
	if !slices.Contains(e.associationReaders(ix, y.Type), x.Type) {
		return nil, nil
	}
	peers, err := tx.AssociatedRecords(x.ID, y.Type)
	if err != nil {
		return nil, err
	}
	var was []map[string]any
	for _, r := range peers {
		if r.ID != y.ID {
			was = append(was, r.Properties)
		}
	}
	if !linked {
		was = append(was, y.Properties)
	}
	return e.recheckThrough(tx, ix, x, y.Type, was, now)
}

// recheckThrough re-checks record r after its associated records of type typ changed (was is
// what they were): first its active lists that read typ (a join or leave runs the list's
// triggers), then the goals and unenrollment rules of its open enrollments, then its filter
// triggers that read typ, which enroll it when it starts to match.
func (e *Engine) recheckThrough(tx store.Tx, ix *trigger.Index, r *store.Record, typ string, was []map[string]any, now time.Time) ([]int64, error) {
	ids, moved, err := e.evalActiveLists(tx, r, typ, now)
	if err != nil {
		return nil, err
	}
	if !moved && !slices.Contains(e.workflowReaders(ix, typ), r.Type) {
		return ids, nil // only its lists read typ, and they stay as they were
	}
	if err := e.checkExits(tx, r, now); err != nil {
		return nil, err
	}
	if !slices.Contains(ix.Associations(r.Type), typ) {
		return ids, nil
	}
	after, err := ruleEnv(tx, r, now, ix.UsesLists(), ix.Associations(r.Type))
	if err != nil {
		return nil, err
	}
	before := after
	before.Associated = maps.Clone(after.Associated)
	before.Associated[typ] = was
	matches, errs := ix.MatchAssociatedChange(r.Type, typ, before, after)
	for _, err := range errs {
		e.log.Warn("filter trigger failed", "record", r.ID, "associated", typ, "err", err)
	}
	more, err := e.enrollMatches(tx, ix, matches, r.ID, nil, now)
	return append(ids, more...), err
}
