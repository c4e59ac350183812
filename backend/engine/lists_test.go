package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
)

// members returns a list's member ids.
func (h *harness) members(list string) []int64 {
	h.t.Helper()
	ids, err := h.db.ListMembers(h.ctx, list)
	if err != nil {
		h.t.Fatal(err)
	}
	return ids
}

func TestCreateStaticListMakesItsIDFromTheName(t *testing.T) {
	h := newHarness(t)
	l, err := h.eng.CreateList(h.ctx, ListInput{Name: "Webinar attendees"})
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "webinar-attendees" || l.Object != "contact" || l.Active() || l.Members != 0 {
		t.Fatalf("list %+v", l)
	}
	again, err := h.eng.CreateList(h.ctx, ListInput{Name: "Webinar Attendees!"})
	if err != nil || again.ID != "webinar-attendees-2" {
		t.Fatalf("second list %+v, %v", again, err)
	}
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "webinar-attendees", Name: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an id in use: %v, want a conflict", err)
	}
	// Bad input: every problem at once, nothing written.
	_, err = h.eng.CreateList(h.ctx, ListInput{ID: "Bad Id", Name: " ", Object: "contact"})
	wantField(t, err, "id", "lowercase")
	if !strings.Contains(err.Error(), "name:") {
		t.Fatalf("the empty name is not reported too: %v", err)
	}
	_, err = h.eng.CreateList(h.ctx, ListInput{Name: "x", Object: "planet"})
	wantField(t, err, "object", `unknown object type "planet"`)
	_, err = h.eng.CreateList(h.ctx, ListInput{Name: "x", Filter: &condition.Filter{All: []condition.Filter{{Property: "citty", Op: "eq", Value: "Cork"}}}})
	wantField(t, err, "filter.all[0].property", `"citty"`)
	_, err = h.eng.CreateList(h.ctx, ListInput{Name: "x", Filter: &condition.Filter{Property: "event.x", Op: "eq", Value: 1}})
	wantField(t, err, "filter.property", "triggering event")
	ls, _ := h.eng.Lists(h.ctx)
	if len(ls) != 2 {
		t.Fatalf("%d lists after the refusals, want 2", len(ls))
	}
}

// TestActiveListFollowsRecordChanges: an active list is filled when created and then kept as
// records change through every write path (API patch, events, steps), in the change's transaction.
func TestActiveListFollowsRecordChanges(t *testing.T) {
	h := newHarness(t)
	ids := h.seedContacts(1200, func(i int) string {
		if i%3 == 0 {
			return "Dublin"
		}
		return "Cork"
	})
	l, err := h.eng.CreateList(h.ctx, ListInput{Name: "Dubliners", Filter: cityDublin})
	if err != nil {
		t.Fatal(err)
	}
	if l.Members != 400 || !l.Active() {
		t.Fatalf("filled list %+v, want 400 members", l)
	}
	// An API patch moves a record out and another in.
	if _, _, err := h.eng.PatchRecord(h.ctx, ids[0], map[string]any{"city": "Galway"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.eng.PatchRecord(h.ctx, ids[1], map[string]any{"city": "Dublin"}); err != nil {
		t.Fatal(err)
	}
	got := h.members("dubliners")
	if len(got) != 400 || got[0] != ids[1] {
		t.Fatalf("after the patches: %d members starting %v", len(got), got[:2])
	}
	// A new contact through an event joins at once.
	res := h.event("form.submitted", "new@example.com", nil, nil, map[string]any{"city": "dublin"})
	if lists, _ := h.db.RecordLists(h.ctx, res.RecordID); !reflect.DeepEqual(lists, []string{"dubliners"}) {
		t.Fatalf("the new contact is in %v", lists)
	}
	// A set_property step moves its record out.
	h.deployM(flow("move", M{"id": "move", "type": "set_property", "property": "city", "value": "Paris"}))
	en := h.start("move", "new@example.com", nil)
	h.run()
	h.wantStatus(en, store.StatusCompleted)
	if lists, _ := h.db.RecordLists(h.ctx, res.RecordID); len(lists) != 0 {
		t.Fatalf("after the step the contact is in %v", lists)
	}
	// Steps and the API cannot change an active list by hand.
	_, err = h.eng.AddListMembers(h.ctx, "dubliners", []int64{ids[2]})
	wantField(t, err, "record_ids", "active list")
	h.deployM(flow("add", M{"id": "add", "type": "add_to_list", "list": "dubliners"}))
	en = h.start("add", "c2@example.com", nil)
	h.run()
	h.wantStatus(en, store.StatusCompletedWithErrors)
	if e := h.entry(en, "add", store.HistFailed); !strings.Contains(e["error"].(string), "active list") {
		t.Fatalf("add_to_list on an active list: %v", e)
	}
	// Days count every join and leave.
	days, err := h.db.ListDays(h.ctx, "dubliners")
	if err != nil || len(days) != 1 || days[0].Joins != 402 || days[0].Leaves != 2 || days[0].Members != 400 {
		t.Fatalf("days %+v, %v", days, err)
	}
	// Changing the filter re-evaluates everyone; dropping it keeps the members as a static list.
	l, err = h.eng.UpdateList(h.ctx, "dubliners", ListInput{Name: "Corkers", Filter: &condition.Filter{Property: "city", Op: "eq", Value: "Cork"}})
	if err != nil || l.Members != 799 || l.Name != "Corkers" {
		t.Fatalf("after changing the filter: %+v, %v", l, err)
	}
	l, err = h.eng.UpdateList(h.ctx, "dubliners", ListInput{Name: "Corkers"})
	if err != nil || l.Active() || l.Members != 799 {
		t.Fatalf("made static: %+v, %v", l, err)
	}
	if _, _, err := h.eng.PatchRecord(h.ctx, ids[4], map[string]any{"city": "Dublin"}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.members("dubliners")); n != 799 {
		t.Fatalf("a static list followed a change: %d members", n)
	}
	_, err = h.eng.UpdateList(h.ctx, "dubliners", ListInput{Name: "x", Object: "company"})
	wantField(t, err, "object", "cannot change")
}

// TestAddToListStepKeepsOldWorkflowsWorking: a step naming a list nobody created makes it as a
// static list of the workflow's object type, as add_to_list did before lists were objects.
func TestAddToListStepKeepsOldWorkflowsWorking(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("tag",
		M{"id": "add", "type": "add_to_list", "list": "replay-needed", "next": "rm"},
		M{"id": "rm", "type": "remove_from_list", "list": "never-made"}))
	en := h.start("tag", "ann@example.com", nil)
	h.run()
	h.wantStatus(en, store.StatusCompleted)
	l, err := h.eng.List(h.ctx, "replay-needed")
	if err != nil || l.Members != 1 || l.Object != "contact" {
		t.Fatalf("list made by the step: %+v, %v", l, err)
	}
	if _, err := h.eng.List(h.ctx, "never-made"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove_from_list made a list: %v", err)
	}
	// A list in use is not deleted; the workflows using it are named.
	var iu *InUseError
	if err := h.eng.DeleteList(h.ctx, "replay-needed"); !errors.As(err, &iu) || !strings.Contains(err.Error(), `"tag"`) {
		t.Fatalf("delete a list in use: %v", err)
	}
}

func TestListMembersByHand(t *testing.T) {
	h := newHarness(t)
	ids := h.seedContacts(3, func(int) string { return "Cork" })
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	var company int64
	if err := h.db.Write(h.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, h.clock.Now())
		company = ch.Record.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// One bad id refuses them all: nothing is written, every bad one is named.
	_, err := h.eng.AddListMembers(h.ctx, "vip", []int64{ids[0], 9999, company, -1})
	wantField(t, err, "record_ids[1]", "no record 9999")
	for _, w := range []string{"record_ids[2]", "is a company", "record_ids[3]"} {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("%q missing from %v", w, err)
		}
	}
	if n := len(h.members("vip")); n != 0 {
		t.Fatalf("%d members written by a refused request", n)
	}
	n, err := h.eng.AddListMembers(h.ctx, "vip", []int64{ids[0], ids[1], ids[0]})
	if err != nil || n != 2 {
		t.Fatalf("added %d, %v", n, err)
	}
	if _, err := h.eng.AddListMembers(h.ctx, "nope", []int64{ids[0]}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown list: %v", err)
	}
	if err := h.eng.RemoveListMember(h.ctx, "vip", ids[2]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove a non-member: %v", err)
	}
	if err := h.eng.RemoveListMember(h.ctx, "vip", ids[1]); err != nil {
		t.Fatal(err)
	}
	if got := h.members("vip"); !reflect.DeepEqual(got, []int64{ids[0]}) {
		t.Fatalf("members %v", got)
	}
	if err := h.eng.DeleteList(h.ctx, "vip"); err != nil {
		t.Fatal(err)
	}
	if lists, _ := h.db.RecordLists(h.ctx, ids[0]); len(lists) != 0 {
		t.Fatalf("a deleted list keeps members: %v", lists)
	}
}
