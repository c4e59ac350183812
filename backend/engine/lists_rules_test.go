package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/store"
)

// listFlow is a contact workflow enrolled by joining or leaving a list; it waits a day.
func listFlow(id, list, on string) M {
	def := flow(id, M{"id": "wait", "type": "delay", "duration": "1d", "next": "done"}, M{"id": "done", "type": "set_property", "property": "note", "value": id})
	def["triggers"] = []M{{"id": "joined", "type": "list", "list": list, "on": on}}
	return def
}

// enrollmentsOf returns the ids of a workflow's enrollments, oldest first.
func (h *harness) enrollmentsOf(workflowID string) []int64 {
	h.t.Helper()
	var ids []int64
	ens := h.enrollments(workflowID)
	for i := len(ens) - 1; i >= 0; i-- {
		ids = append(ids, ens[i].ID)
	}
	return ids
}

// TestListTriggers: joining a static list (by hand, by a step) or an active list (a property
// change) enrolls in the workflows whose list trigger says join; leaving enrolls on leave.
func TestListTriggers(t *testing.T) {
	h := newHarness(t)
	ids := h.seedContacts(3, func(int) string { return "Cork" })
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "dubliners", Name: "Dubliners", Filter: cityDublin}); err != nil {
		t.Fatal(err)
	}
	h.deployM(listFlow("on-join", "vip", "join"))
	h.deployM(listFlow("on-leave", "vip", "leave"))
	h.deployM(listFlow("moved", "dubliners", "join"))
	if _, err := h.eng.AddListMembers(h.ctx, "vip", []int64{ids[0], ids[1]}); err != nil {
		t.Fatal(err)
	}
	joined := h.enrollmentsOf("on-join")
	if len(joined) != 2 || len(h.enrollments("on-leave")) != 0 {
		t.Fatalf("after two joins: on-join %v, on-leave %d", joined, len(h.enrollments("on-leave")))
	}
	if r := h.reason(joined[0]); r.TriggerType != "list" || r.Summary != "Joined list vip" || r.Matched["list"] != "vip" {
		t.Fatalf("reason %+v", r)
	}
	if err := h.eng.RemoveListMember(h.ctx, "vip", ids[1]); err != nil {
		t.Fatal(err)
	}
	left := h.enrollmentsOf("on-leave")
	if len(left) != 1 || h.enrollment(left[0]).RecordID != ids[1] || h.reason(left[0]).Summary != "Left list vip" {
		t.Fatalf("after a leave: %v", left)
	}
	// An active list: the patch that makes the record meet the filter enrolls it, in one write.
	_, enrolled, err := h.eng.PatchRecord(h.ctx, ids[2], map[string]any{"city": "Dublin"})
	if err != nil {
		t.Fatal(err)
	}
	moved := h.enrollmentsOf("moved")
	if len(moved) != 1 || !reflect.DeepEqual(enrolled, moved) {
		t.Fatalf("the patch enrolled %v; moved has %v", enrolled, moved)
	}
	// An add_to_list step's join enrolls too, and the record runs there.
	h.deployM(flow("tagger", M{"id": "tag", "type": "add_to_list", "list": "vip"}))
	h.start("tagger", "c2@example.com", nil)
	h.run()
	if got := h.enrollmentsOf("on-join"); len(got) != 3 || h.enrollment(got[2]).RecordID != ids[2] {
		t.Fatalf("after the step: on-join %v", got)
	}
	h.advance(25 * time.Hour)
	for _, id := range h.enrollmentsOf("on-join") {
		h.wantStatus(id, store.StatusCompleted)
	}
}

// TestListRules: a branch tests membership, and a filter trigger with a list rule enrolls the
// record when it joins.
func TestListRules(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	h.deployM(flow("route",
		M{"id": "check", "type": "branch", "branches": []M{{"name": "VIP", "filter": M{"list": "vip", "op": "member"}, "next": "vip"}}, "else": "other"},
		M{"id": "vip", "type": "set_property", "property": "route", "value": "vip"},
		M{"id": "other", "type": "add_to_list", "list": "vip", "next": "again"},
		M{"id": "again", "type": "branch", "branches": []M{{"name": "now VIP", "filter": M{"list": "vip", "op": "not_member"}, "next": "vip"}}, "else": "done"},
		M{"id": "done", "type": "set_property", "property": "route", "value": "joined in this pass"}))
	en := h.start("route", "ann@example.com", nil)
	h.run()
	h.wantStatus(en, store.StatusCompleted)
	if got := h.props("ann@example.com")["route"]; got != "joined in this pass" {
		t.Fatalf("route %v", got)
	}
	// Once a member, the branch sees it at the start of the next enrollment.
	def := flow("route2", M{"id": "check", "type": "branch", "branches": []M{{"name": "VIP", "filter": M{"list": "vip", "op": "member"}, "next": "vip"}}, "else": ""},
		M{"id": "vip", "type": "set_property", "property": "route", "value": "vip"})
	h.deployM(def)
	h.start("route2", "ann@example.com", nil)
	h.run()
	if got := h.props("ann@example.com")["route"]; got != "vip" {
		t.Fatalf("route2 %v", got)
	}
	// A filter trigger: members of vip in Cork.
	ft := flow("vip-cork", M{"id": "mark", "type": "set_property", "property": "mark", "value": true})
	ft["triggers"] = []M{{"id": "f", "type": "filter", "filter": M{"all": []M{{"list": "vip", "op": "member"}, {"property": "city", "op": "eq", "value": "Cork"}}}}}
	h.deployM(ft)
	bob := h.event("x", "bob@example.com", nil, nil, M{"city": "Cork"}).RecordID
	if len(h.enrollments("vip-cork")) != 0 {
		t.Fatal("enrolled before joining")
	}
	if _, err := h.eng.AddListMembers(h.ctx, "vip", []int64{bob}); err != nil {
		t.Fatal(err)
	}
	if got := h.enrollments("vip-cork"); len(got) != 1 || got[0].RecordID != bob {
		t.Fatalf("after joining: %+v", got)
	}
	// ann, a member, moves to Cork: the property change meets the whole filter.
	h.event("x", "ann@example.com", nil, nil, M{"city": "Cork"})
	if got := h.enrollments("vip-cork"); len(got) != 2 {
		t.Fatalf("after ann moved: %d enrollments", len(got))
	}
}

// TestSuppressionLists: members of a suppression list are never enrolled (triggers, by hand, in
// bulk), and a record that joins one while enrolled leaves at once with the reason.
func TestSuppressionLists(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "customers", Name: "Customers"}); err != nil {
		t.Fatal(err)
	}
	ids := h.seedContacts(3, func(int) string { return "Cork" })
	def := flow("nurture", M{"id": "wait", "type": "delay", "duration": "3d", "next": "mail"}, M{"id": "mail", "type": "set_property", "property": "nurtured", "value": true})
	def["suppress"] = []string{"customers"}
	h.deployM(def)
	if _, err := h.eng.AddListMembers(h.ctx, "customers", []int64{ids[0]}); err != nil {
		t.Fatal(err)
	}
	// Before: a member is not enrolled by its trigger, nor by hand.
	if res := h.event("start.nurture", "c0@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
		t.Fatalf("a suppressed contact enrolled: %v", res.Enrollments)
	}
	_, err := h.eng.EnrollManually(h.ctx, "nurture", ids[0])
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "in suppression list customers") {
		t.Fatalf("manual enrollment of a member: %v", err)
	}
	// Each refusal is the record's line for the workflow, with the latest trigger and a count.
	if got, err := h.db.Refusals(h.ctx, ids[0]); err != nil || len(got) != 1 || got[0].WorkflowID != "nurture" ||
		got[0].Reason != "in suppression list customers" || got[0].Code != SkipSuppressed || got[0].TriggerID != "manual" || got[0].Count != 2 {
		t.Fatalf("refusals of the member: %+v, %v", got, err)
	}
	if got, err := h.db.Refusals(h.ctx, ids[1]); err != nil || len(got) != 0 {
		t.Fatalf("refusals of a non-member: %+v, %v", got, err)
	}
	opts, err := h.eng.EnrollOptions(h.ctx, ids[0])
	if err != nil || len(opts) != 1 || opts[0].Available || opts[0].Code != SkipSuppressed || opts[0].Reason != "In suppression list customers" {
		t.Fatalf("enroll options %+v, %v", opts, err)
	}
	// In bulk: counted as suppressed.
	job, err := h.eng.StartEnroll(h.ctx, "nurture", Selection{Filter: &condition.Filter{Property: "city", Op: "eq", Value: "Cork"}})
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	if j := h.job(job.ID); j.Enrolled != 2 || j.Skipped[SkipSuppressed] != 1 {
		t.Fatalf("bulk job %+v", j)
	}
	// During: c1 is waiting in the delay and joins the list.
	en := h.enrollments("nurture")
	var c1 int64
	for _, e := range en {
		if e.RecordID == ids[1] {
			c1 = e.ID
		}
	}
	h.wantStatus(c1, store.StatusWaiting)
	if _, err := h.eng.AddListMembers(h.ctx, "customers", []int64{ids[1]}); err != nil {
		t.Fatal(err)
	}
	h.wantStatus(c1, store.StatusUnenrolled)
	if e := h.entry(c1, "", store.HistUnenrolled); e["reason"] != "in suppression list customers" || e["list"] != "customers" || e["step"] != "wait" {
		t.Fatalf("unenroll history %v", e)
	}
	if st, err := h.db.Stats(h.ctx, "nurture"); err != nil || st.Enrollments[store.StatusUnenrolled] != 1 || st.Enrollments[store.StatusCancelled] != 0 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	h.advance(4 * 24 * time.Hour)
	if h.props("c1@example.com")["nurtured"] != nil || h.props("c2@example.com")["nurtured"] != true {
		t.Fatalf("after the delay: c1 %v, c2 %v", h.props("c1@example.com"), h.props("c2@example.com"))
	}
}

// TestListReferencesAreValidated: a list trigger, list rule or suppression list naming a list
// that does not exist, or one of another object type, is an error naming the field; an
// add_to_list step naming a missing list is fine (the step makes it).
func TestListReferencesAreValidated(t *testing.T) {
	h := newHarness(t)
	if _, err := h.eng.CreateList(h.ctx, ListInput{ID: "firms", Name: "Firms", Object: "company"}); err != nil {
		t.Fatal(err)
	}
	def := flow("refs",
		M{"id": "b", "type": "branch", "branches": []M{{"name": "x", "filter": M{"list": "ghost", "op": "member"}, "next": "tag"}}},
		M{"id": "tag", "type": "add_to_list", "list": "brand-new", "next": "firm"},
		M{"id": "firm", "type": "add_to_list", "list": "firms"})
	def["triggers"] = []M{{"id": "l", "type": "list", "list": "nope", "on": "enter"}}
	def["suppress"] = []string{"firms", "gone"}
	problems, err := h.eng.Workflows().Validate(h.ctx, mustJSON(t, def))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range problems {
		got[p.Trigger+p.Step+"/"+p.Field] = p.Severity + ": " + p.Message
	}
	if _, ok := got["tag/list"]; ok {
		t.Errorf("a missing add_to_list list is a problem: %v", got["tag/list"])
	}
	for key, words := range map[string]string{
		"/suppress[0]":         `list "firms", which holds company records`,
		"/suppress[1]":         `list "gone", which does not exist`,
		"l/list":               `list "nope", which does not exist`,
		"l/on":                 `"on": "enter"`,
		"b/branches[0].filter": `list "ghost", which does not exist`,
		"firm/list":            `holds company records`,
	} {
		if !strings.Contains(got[key], words) {
			t.Errorf("%s: %q, want %q (all: %v)", key, got[key], words, got)
		}
	}
}
