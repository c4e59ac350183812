package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
)

// Lists: static lists (members put in by steps, the API, the UI and CSV import) and active lists
// (members are the records that meet a filter, kept in the transaction of each record change).

var listIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_\-]{0,63}$`)

// Limits of lists.
const (
	MaxListName    = 200
	MaxListMembers = 10_000 // record ids one members request may add
	listSweepBatch = 500    // records one transaction re-evaluates when an active list's filter changes
)

// ListInput is a list as the API takes it: id optional (made from the name), object default
// contact, filter only for an active list.
type ListInput struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Object string            `json:"object"`
	Filter *condition.Filter `json:"filter"`
}

// activeList is an active list compiled for evaluation.
type activeList struct {
	id     string
	object string
	prog   *condition.Program
}

// listSet is what the engine keeps of the lists in memory, replaced whole when a list changes:
// the active lists by object type, each list's object type and kind, and which object types'
// active lists read records of a type through an association (reads["company"] holds
// "contact" when a contact list tests "company.industry").
type listSet struct {
	active map[string][]activeList
	meta   map[string]listMeta
	reads  map[string][]string
}

type listMeta struct {
	object string
	active bool
}

// loadLists compiles the active lists from the store.
func (e *Engine) loadLists(ctx context.Context) error {
	ls, err := e.db.Lists(ctx)
	if err != nil {
		return fmt.Errorf("load lists: %w", err)
	}
	set := &listSet{active: map[string][]activeList{}, meta: map[string]listMeta{}, reads: map[string][]string{}}
	for _, l := range ls {
		set.meta[l.ID] = listMeta{object: l.Object, active: l.Active()}
		if !l.Active() {
			continue
		}
		var f condition.Filter
		if err := json.Unmarshal(l.Filter, &f); err != nil {
			return fmt.Errorf("list %q: filter: %w", l.ID, err)
		}
		prog, err := condition.Compile(f, e.compileOptions(l.Object))
		if err != nil {
			// Saved lists were checked; a property declared since with another type can still
			// break one. It keeps its members and says so in the log.
			e.log.Warn("active list filter does not compile; its members stay as they are", "list", l.ID, "err", err)
			continue
		}
		set.active[l.Object] = append(set.active[l.Object], activeList{id: l.ID, object: l.Object, prog: prog})
		for _, t := range prog.Associations() {
			if !slices.Contains(set.reads[t], l.Object) {
				set.reads[t] = append(set.reads[t], l.Object)
			}
		}
	}
	e.lists.Store(set)
	return nil
}

// listStepProblem says why an add_to_list or remove_from_list step cannot change a list for a
// record of the given type ("" when it can; a list that does not exist yet is made by the step).
func (e *Engine) listStepProblem(list, object string) string {
	m, ok := e.lists.Load().meta[list]
	switch {
	case !ok:
		return ""
	case m.active:
		return fmt.Sprintf("list %q is an active list: its filter decides who is in it, so a step cannot add or remove records; use a static list", list)
	case m.object != object:
		return fmt.Sprintf("list %q holds %s records, not %s records", list, m.object, object)
	}
	return ""
}

// Lists returns every list with its member count.
func (e *Engine) Lists(ctx context.Context) ([]*store.List, error) { return e.db.Lists(ctx) }

// List returns one list.
func (e *Engine) List(ctx context.Context, id string) (*store.List, error) { return e.db.List(ctx, id) }

// checkList checks a list's name, object and filter, reporting every problem at once, and
// returns the filter's canonical JSON (nil for a static list).
func (e *Engine) checkList(in *ListInput, pr *problems) json.RawMessage {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		pr.add("name", "give the list a name, like \"Webinar attendees\"")
	case len(in.Name) > MaxListName:
		pr.add("name", "the name is %d bytes long; the limit is %d", len(in.Name), MaxListName)
	}
	if in.Object == "" {
		in.Object = "contact"
	}
	if !e.knownObject(in.Object) {
		pr.add("object", "unknown object type %q; use one of %s", in.Object, strings.Join(sortedStrings(e.Objects()), ", "))
		return nil
	}
	if in.Filter == nil {
		return nil
	}
	walkFilter(*in.Filter, "filter", func(path string, n condition.Filter) {
		if n.List != "" {
			pr.add(path+".list", "an active list's filter tests record properties; list membership (%q) cannot be part of it yet", n.List)
		}
		if n.Workflow != "" {
			pr.add(path+".workflow", "an active list's filter tests record properties; a workflow's goal (%q) cannot be part of it yet", n.Workflow)
		}
	})
	if _, err := e.compileSelection(*in.Filter, in.Object, pr); err != nil && len(pr.Problems) == 0 {
		pr.add("filter", "%v", err)
	}
	raw, _ := json.Marshal(in.Filter)
	return raw
}

// CreateList stores a list. A list without an id gets one made from its name (the rules of
// workflow ids: "Webinar attendees" -> "webinar-attendees", then "webinar-attendees-2"). An
// active list is filled with the records that meet its filter before this returns.
func (e *Engine) CreateList(ctx context.Context, in ListInput) (*store.List, error) {
	var pr problems
	in.ID = strings.TrimSpace(in.ID)
	if in.ID != "" && !listIDRe.MatchString(in.ID) {
		pr.add("id", "list ids are 1-64 lowercase letters, digits, - or _, starting with a letter or digit (like \"webinar-attendees\"); or leave the id out to make one from the name")
	}
	filter := e.checkList(&in, &pr)
	if err := pr.err(); err != nil {
		return nil, err
	}
	l := &store.List{ID: in.ID, Name: in.Name, Object: in.Object, Filter: filter}
	if l.ID == "" {
		existing, err := e.db.Lists(ctx)
		if err != nil {
			return nil, err
		}
		taken := map[string]bool{}
		for _, x := range existing {
			taken[x.ID] = true
		}
		l.ID = ident.Unique(ident.Slug(in.Name, "list"), func(id string) bool { return taken[id] })
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.CreateList(l, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("create list: %w", err)
	}
	if l.Active() {
		if err := e.refreshList(ctx, l); err != nil {
			return nil, err
		}
	}
	return e.db.List(ctx, l.ID)
}

// UpdateList renames a list or changes its filter. Giving a static list a filter makes it
// active (members that do not meet it leave); an active list without a filter becomes static
// and keeps its members. The object type cannot change.
func (e *Engine) UpdateList(ctx context.Context, id string, in ListInput) (*store.List, error) {
	cur, err := e.db.List(ctx, id)
	if err != nil {
		return nil, err
	}
	var pr problems
	if in.ID != "" && in.ID != id {
		pr.add("id", "the id of a list cannot change (it is %q); create a new list instead", id)
	}
	if in.Object != "" && in.Object != cur.Object {
		pr.add("object", "list %q holds %s records; its object type cannot change", id, cur.Object)
	}
	in.Object = cur.Object
	filter := e.checkList(&in, &pr)
	if err := pr.err(); err != nil {
		return nil, err
	}
	next := &store.List{ID: id, Name: in.Name, Object: cur.Object, Filter: filter}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.UpdateList(next, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("update list: %w", err)
	}
	if next.Active() && !bytes.Equal(next.Filter, cur.Filter) || cur.Active() && !next.Active() {
		if err := e.refreshList(ctx, next); err != nil {
			return nil, err
		}
	}
	return e.db.List(ctx, id)
}

// DeleteList removes a list and its members. A list a workflow uses (steps, triggers, filters,
// suppression) is refused with an *InUseError naming them.
func (e *Engine) DeleteList(ctx context.Context, id string) error {
	l, err := e.db.List(ctx, id)
	if err != nil {
		return err
	}
	users, err := e.workflowsUsingList(ctx, id)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &InUseError{What: fmt.Sprintf("list %q", id), Users: users}
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.DeleteList(id) }); err != nil {
		return fmt.Errorf("delete list: %w", err)
	}
	if l.Active() {
		return e.loadLists(ctx)
	}
	return nil
}

// workflowsUsingList names the workflows whose definition names the list anywhere ("list" in a
// step, trigger or filter, or in "suppress").
func (e *Engine) workflowsUsingList(ctx context.Context, id string) ([]string, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, w := range wfs {
		var def any
		if err := json.Unmarshal(w.Definition, &def); err != nil {
			continue
		}
		if namesList(def, id) {
			out = append(out, fmt.Sprintf("workflow %q (%s)", w.Name, w.ID))
		}
	}
	return out, nil
}

func namesList(v any, id string) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if k == "list" && el == id {
				return true
			}
			if k == "suppress" {
				if l, ok := el.([]any); ok && slices.Contains(l, any(id)) {
					return true
				}
			}
			if namesList(el, id) {
				return true
			}
		}
	case []any:
		for _, el := range x {
			if namesList(el, id) {
				return true
			}
		}
	}
	return false
}

// refreshList installs the lists' new filters and re-evaluates every record of the list's object
// type against it, a batch per transaction, so other writes go on in between. Changes made
// meanwhile are evaluated against the new filter already (it is installed first).
func (e *Engine) refreshList(ctx context.Context, l *store.List) error {
	if err := e.loadLists(ctx); err != nil {
		return err
	}
	if !l.Active() {
		return nil
	}
	var al *activeList
	for _, a := range e.lists.Load().active[l.Object] {
		if a.id == l.ID {
			al = &a
			break
		}
	}
	if al == nil {
		return fmt.Errorf("list %q: its filter did not compile", l.ID)
	}
	for after := int64(0); ; {
		var n int
		err := e.db.Write(ctx, func(tx store.Tx) error {
			recs, err := tx.RecordsPage(l.Object, after, listSweepBatch)
			if err != nil {
				return err
			}
			n = len(recs)
			now := e.clock.Now()
			for _, r := range recs {
				after = r.ID
				if _, _, err := e.evalList(tx, al, r, nil, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill list %q: %w", l.ID, err)
		}
		e.Wake()
		if n < listSweepBatch {
			return nil
		}
	}
}

// evalList puts a record into an active list or takes it out, as its filter says now (reading
// the record as every rule does, associated records included), and returns the enrollments the
// change caused and whether it joined or left. member tells whether it is a member (nil: look
// it up).
func (e *Engine) evalList(tx store.Tx, al *activeList, rec *store.Record, member *bool, now time.Time) ([]int64, bool, error) {
	env, err := ruleEnv(tx, rec, now, al.prog.UsesLists(), al.prog.Associations())
	if err != nil {
		return nil, false, err
	}
	ok, err := al.prog.Match(env)
	if err != nil {
		e.log.Warn("active list filter failed; membership unchanged", "list", al.id, "record", rec.ID, "err", err)
		return nil, false, nil
	}
	if member == nil {
		lists, err := tx.RecordLists(rec.ID)
		if err != nil {
			return nil, false, err
		}
		in := slices.Contains(lists, al.id)
		member = &in
	}
	switch {
	case ok && !*member:
		added, err := tx.AddToList(al.id, rec.ID, now)
		if err != nil || !added {
			return nil, false, err
		}
		ids, err := e.membershipChanged(tx, al.id, rec, true, now)
		return ids, true, err
	case !ok && *member:
		removed, err := tx.RemoveFromList(al.id, rec.ID, now)
		if err != nil || !removed {
			return nil, false, err
		}
		ids, err := e.membershipChanged(tx, al.id, rec, false, now)
		return ids, true, err
	}
	return nil, false, nil
}

// activeListsChanged keeps the active lists of a changed record current, in its transaction,
// and returns the enrollments the joins and leaves caused.
func (e *Engine) activeListsChanged(tx store.Tx, rec *store.Record, now time.Time) ([]int64, error) {
	ids, _, err := e.evalActiveLists(tx, rec, "", now)
	return ids, err
}

// evalActiveLists re-evaluates the record's active lists (those that read its associated
// records of type through, when through is set) and returns the enrollments the joins and
// leaves caused, and whether any membership changed.
func (e *Engine) evalActiveLists(tx store.Tx, rec *store.Record, through string, now time.Time) ([]int64, bool, error) {
	all := e.lists.Load().active[rec.Type]
	var active []*activeList
	for i := range all {
		if through == "" || slices.Contains(all[i].prog.Associations(), through) {
			active = append(active, &all[i])
		}
	}
	if len(active) == 0 {
		return nil, false, nil
	}
	lists, err := tx.RecordLists(rec.ID)
	if err != nil {
		return nil, false, err
	}
	var ids []int64
	changed := false
	for _, a := range active {
		in := slices.Contains(lists, a.id)
		more, ch, err := e.evalList(tx, a, rec, &in, now)
		if err != nil {
			return nil, false, err
		}
		ids, changed = append(ids, more...), changed || ch
	}
	return ids, changed, nil
}

// membershipChanged runs in the transaction of every join and leave of every list (rec is the
// record as it is now): a join unenrolls the record from workflows that suppress the list, then
// list triggers of the list and filter triggers that test membership enroll it. It returns the
// new enrollments.
func (e *Engine) membershipChanged(tx store.Tx, list string, rec *store.Record, joined bool, now time.Time) ([]int64, error) {
	ix := e.index.Load()
	suppressing := []*trigger.Workflow(nil)
	if joined {
		suppressing = ix.Suppressing(list)
	}
	if len(suppressing) == 0 && !ix.HasListTriggers(list) && !ix.UsesLists() {
		return nil, nil
	}
	for _, wf := range suppressing {
		en, err := tx.OpenEnrollment(wf.ID, rec.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// Joining a suppression list is an unenrollment rule, as in HubSpot: the enrollment
		// ends as unenrolled, like every other rule that takes a record out.
		x := &exit{status: store.StatusUnenrolled, outcome: store.HistUnenrolled,
			detail: map[string]any{"reason": "in suppression list " + list, "list": list}}
		if err := e.leave(tx, en, x, now); err != nil {
			return nil, err
		}
	}
	env, err := ruleEnv(tx, rec, now, true, ix.Associations(rec.Type))
	if err != nil {
		return nil, err
	}
	matches, errs := ix.MatchList(rec.Type, list, joined, env)
	before := maps.Clone(env.Lists)
	if joined {
		delete(before, list)
	} else {
		before[list] = true
	}
	more, moreErrs := ix.MatchListChange(rec.Type, before, env)
	for _, err := range append(errs, moreErrs...) {
		e.log.Warn("list trigger failed", "record", rec.ID, "list", list, "err", err)
	}
	return e.enrollMatches(tx, ix, append(matches, more...), rec.ID, nil, now)
}

// addToList adds a record to a list in tx. A static list that does not exist yet is created
// under that id for the record's object type (as add_to_list steps did before lists were
// objects); an active list refuses, since its filter decides who is in it.
func (e *Engine) addToList(tx store.Tx, list string, rec *store.Record, now time.Time, create bool) (bool, error) {
	l, err := tx.List(list)
	switch {
	case err == nil:
	case create && errors.Is(err, store.ErrNotFound):
		l = &store.List{ID: list, Name: list, Object: rec.Type}
		if err := tx.CreateList(l, now); err != nil {
			return false, err
		}
		e.listsStale.Store(true)
	default:
		return false, err
	}
	if l.Active() {
		return false, badInput("list", "list %q is an active list: its filter decides who is in it, so records cannot be added by hand; use a static list", list)
	}
	if l.Object != rec.Type {
		return false, badInput("list", "list %q holds %s records, and record %d is a %s", list, l.Object, rec.ID, rec.Type)
	}
	added, err := tx.AddToList(list, rec.ID, now)
	if err != nil || !added {
		return false, err
	}
	_, err = e.membershipChanged(tx, list, rec, true, now)
	return true, err
}

// removeFromList removes a record from a static list in tx; a list that does not exist has no
// members to remove.
func (e *Engine) removeFromList(tx store.Tx, list string, rec *store.Record, now time.Time) (bool, error) {
	l, err := tx.List(list)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if l.Active() {
		return false, badInput("list", "list %q is an active list: its filter decides who is in it, so records cannot be removed by hand; change the filter or use a static list", list)
	}
	removed, err := tx.RemoveFromList(list, rec.ID, now)
	if err != nil || !removed {
		return false, err
	}
	_, err = e.membershipChanged(tx, list, rec, false, now)
	return true, err
}

// AddListMembers adds records to a static list; every bad id is reported at once and then
// nothing is added. It returns how many joined (members already in are not counted).
func (e *Engine) AddListMembers(ctx context.Context, list string, ids []int64) (int, error) {
	l, err := e.db.List(ctx, list)
	if err != nil {
		return 0, err
	}
	if l.Active() {
		return 0, badInput("record_ids", "list %q is an active list: its filter decides who is in it; change the filter, or add the records to a static list", list)
	}
	if len(ids) == 0 {
		return 0, badInput("record_ids", "give the ids of the records to add, like {\"record_ids\": [12, 13]}")
	}
	if len(ids) > MaxListMembers {
		return 0, badInput("record_ids", "%d ids are more than the %d one request takes; split them or use a CSV import", len(ids), MaxListMembers)
	}
	added := 0
	err = e.db.Write(store.Urgent(ctx), func(tx store.Tx) error {
		added = 0
		var pr problems
		recs := make([]*store.Record, len(ids))
		for i, id := range ids {
			field := fmt.Sprintf("record_ids[%d]", i)
			if id <= 0 {
				pr.add(field, "%d is not a record id; ids are positive whole numbers", id)
				continue
			}
			r, err := tx.Record(id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				pr.add(field, "there is no record %d", id)
			case err != nil:
				return err
			case r.Type != l.Object:
				pr.add(field, "record %d is a %s, but list %q holds %s records", id, r.Type, list, l.Object)
			default:
				recs[i] = r
			}
		}
		if err := pr.err(); err != nil {
			return err
		}
		now := e.clock.Now()
		for _, r := range recs {
			ok, err := e.addToList(tx, list, r, now, false)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add members to list %q: %w", list, err)
	}
	e.Wake()
	return added, nil
}

// RemoveListMember takes a record out of a static list. A record that is not a member is
// ErrNotFound.
func (e *Engine) RemoveListMember(ctx context.Context, list string, recordID int64) error {
	if _, err := e.db.List(ctx, list); err != nil {
		return err
	}
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error {
		rec, err := tx.Record(recordID)
		if err != nil {
			return err
		}
		removed, err := e.removeFromList(tx, list, rec, e.clock.Now())
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("record %d is not a member of list %q: %w", recordID, list, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove a member of list %q: %w", list, err)
	}
	e.Wake()
	return nil
}
