package engine

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// goalFlow waits two days and then marks the contact; its goal is lifecycle = customer.
func goalFlow(id string) M {
	def := flow(id,
		M{"id": "wait", "type": "delay", "duration": "2d", "next": "nudge"},
		M{"id": "nudge", "type": "set_property", "property": "nudged", "value": "yes"})
	def["goal"] = M{"property": "lifecycle", "op": "eq", "value": "customer"}
	return def
}

// exitDetail returns the detail of an enrollment's enrollment-level entry with that outcome.
func (h *harness) exitDetail(id int64, outcome string) map[string]any {
	h.t.Helper()
	return h.entry(id, "", outcome)
}

func TestGoalReachedMidDelay(t *testing.T) {
	h := newHarness(t)
	h.deployM(goalFlow("g"))
	id := h.start("g", "ann@example.com", M{"lifecycle": "lead"})
	h.run()
	h.wantStatus(id, store.StatusWaiting)
	h.clock.Advance(time.Hour)
	if _, _, err := h.eng.PatchRecord(h.ctx, h.record("ann@example.com").ID, map[string]any{"lifecycle": "Customer"}); err != nil {
		t.Fatal(err)
	}
	h.wantStatus(id, store.StatusGoalReached)
	h.wantTrail(id, "enrolled", "wait:waiting", "goal_reached")
	d := h.exitDetail(id, store.HistGoalReached)
	// "Customer" is stored as the option it is, "customer".
	if v := d["values"].(map[string]any)["lifecycle"]; v != "customer" || d["step"] != "wait" {
		t.Fatalf("goal detail %v: want the value that met it and the step it left from", d)
	}
	if n, _ := h.db.PendingJobs(h.ctx); n != 0 {
		t.Fatalf("%d jobs left after the goal was reached", n)
	}
	h.advance(3 * 24 * time.Hour) // the delay's end comes and goes: nothing runs
	h.wantTrail(id, "enrolled", "wait:waiting", "goal_reached")
	if _, ok := h.props("ann@example.com")["nudged"]; ok {
		t.Fatal("the step after the delay ran after the goal was reached")
	}
	st, err := h.db.Stats(h.ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	other := h.start("g", "bob@example.com", nil) // a second enrollment that does not reach it
	h.run()
	h.wantStatus(other, store.StatusWaiting)
	if st.Enrollments[store.StatusGoalReached] != 1 || st.GoalConversion != 1 {
		t.Fatalf("stats after one goal: %+v", st)
	}
	st, _ = h.db.Stats(h.ctx, "g")
	if st.GoalConversion != 0.5 {
		t.Fatalf("goal conversion %v, want 0.5 with one of two enrollments at the goal", st.GoalConversion)
	}
}

func TestGoalMetAtEnrollmentIsNotEnrolled(t *testing.T) {
	h := newHarness(t)
	h.deployM(goalFlow("g"))
	res := h.event("start.g", "cus@example.com", nil, nil, M{"lifecycle": "customer"})
	if len(res.Enrollments) != 0 {
		t.Fatalf("a record that meets the goal was enrolled: %v", res.Enrollments)
	}
	_, err := h.eng.EnrollManually(h.ctx, "g", res.RecordID)
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "goal") {
		t.Fatalf("manual enrollment of a record at the goal: %v, want a conflict naming the goal", err)
	}
	if got := h.enrollments("g"); len(got) != 0 {
		t.Fatalf("enrollments %v", got)
	}
}

func TestGoalReachedByTheWorkflowsOwnStep(t *testing.T) {
	h := newHarness(t)
	def := flow("own",
		M{"id": "convert", "type": "set_property", "property": "lifecycle", "value": "customer", "next": "after"},
		M{"id": "after", "type": "set_property", "property": "after_goal", "value": "ran"})
	def["goal"] = M{"property": "lifecycle", "op": "eq", "value": "customer"}
	h.deployM(def)
	id := h.start("own", "ann@example.com", M{"lifecycle": "lead"})
	h.run()
	h.wantStatus(id, store.StatusGoalReached)
	h.wantTrail(id, "enrolled", "convert:ok", "goal_reached")
	p := h.props("ann@example.com")
	if p["lifecycle"] != "customer" || p["after_goal"] != nil {
		t.Fatalf("properties %v: the goal's step must commit and the one after it must not run", p)
	}
}

func TestGoalReachedByAnEvent(t *testing.T) {
	h := newHarness(t)
	h.deployM(goalFlow("g"))
	id := h.start("g", "ann@example.com", nil)
	h.run()
	h.event("crm.updated", "ann@example.com", nil, nil, M{"lifecycle": "customer"})
	h.wantStatus(id, store.StatusGoalReached)
}

func TestUnenrollWhenCriteriaNoLongerMet(t *testing.T) {
	h := newHarness(t)
	def := flow("crit",
		M{"id": "wait", "type": "delay", "duration": "1d", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "marked", "value": "yes"})
	def["triggers"] = []M{{"id": "leads", "type": "filter", "filter": M{"property": "lifecycle", "op": "eq", "value": "lead"}}}
	def["unenroll"] = M{"when_criteria_no_longer_met": true}
	h.deployM(def)
	res := h.event("crm.updated", "ann@example.com", nil, nil, M{"lifecycle": "lead"})
	if len(res.Enrollments) != 1 {
		t.Fatalf("enrollments %v", res.Enrollments)
	}
	id := res.Enrollments[0]
	h.run()
	h.event("crm.updated", "ann@example.com", nil, nil, M{"city": "Utrecht"}) // still a lead
	h.wantStatus(id, store.StatusWaiting)
	h.event("crm.updated", "ann@example.com", nil, nil, M{"lifecycle": "opportunity"})
	h.wantStatus(id, store.StatusUnenrolled)
	d := h.exitDetail(id, store.HistUnenrolled)
	if !strings.Contains(d["reason"].(string), `no longer meets the enrollment criteria of trigger "leads"`) {
		t.Fatalf("unenroll detail %v", d)
	}
	h.advance(2 * 24 * time.Hour)
	if _, ok := h.props("ann@example.com")["marked"]; ok {
		t.Fatal("a step ran after the record was unenrolled")
	}
}

func TestUnenrollFilterAndRemoveFrom(t *testing.T) {
	h := newHarness(t)
	h.event("prefs.changed", "someone@example.com", nil, nil, M{"unsubscribed": false}) // declares the property
	nurture := flow("nurture", M{"id": "wait", "type": "delay", "duration": "7d"})
	nurture["unenroll"] = M{"filter": M{"property": "unsubscribed", "op": "eq", "value": true}}
	h.deployM(nurture)
	sales := flow("sales", M{"id": "wait", "type": "delay", "duration": "7d"})
	sales["unenroll"] = M{"on_enroll_remove_from": []string{"nurture"}}
	h.deployM(sales)

	// The unenrollment filter: met during the wait, and met before enrolling.
	a := h.start("nurture", "ann@example.com", nil)
	h.run()
	h.event("prefs.changed", "ann@example.com", nil, nil, M{"unsubscribed": true})
	h.wantStatus(a, store.StatusUnenrolled)
	if d := h.exitDetail(a, store.HistUnenrolled); d["reason"] != "met the unenrollment filter" {
		t.Fatalf("detail %v", d)
	}
	if res := h.event("start.nurture", "ann@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
		t.Fatalf("a record meeting the unenrollment filter enrolled: %v", res.Enrollments)
	}

	// Enrolling in sales takes the record out of nurture.
	b := h.start("nurture", "bob@example.com", nil)
	h.run()
	s := h.start("sales", "bob@example.com", nil)
	h.wantStatus(b, store.StatusUnenrolled)
	h.wantStatus(s, store.StatusActive)
	if d := h.exitDetail(b, store.HistUnenrolled); !strings.Contains(d["reason"].(string), `enrolled in workflow "sales"`) {
		t.Fatalf("detail %v", d)
	}
	st, _ := h.db.Stats(h.ctx, "nurture")
	if st.Enrollments[store.StatusUnenrolled] != 2 || st.Enrollments[store.StatusCancelled] != 0 {
		t.Fatalf("nurture stats %+v", st.Enrollments)
	}
}

func TestSplitDistributionAndStability(t *testing.T) {
	h := newHarness(t)
	def := flow("ab",
		M{"id": "split", "type": "split", "paths": []M{
			{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 30, "next": "b"}, {"name": "C", "percent": 20, "next": "c"}}},
		M{"id": "a", "type": "set_property", "property": "variant", "value": "A"},
		M{"id": "b", "type": "set_property", "property": "variant", "value": "B"},
		M{"id": "c", "type": "set_property", "property": "variant", "value": "C"})
	def["triggers"] = []M{}
	def["reenroll"] = M{"enabled": true, "triggers": []string{}}
	h.deployM(def)
	const n = splitRecords
	ids := h.seedContacts(n, func(int) string { return "Dublin" })
	all := &condition.Filter{Property: "city", Op: condition.OpEq, Value: "Dublin"}
	variants := func() map[int64]string {
		if _, err := h.eng.StartEnroll(h.ctx, "ab", Selection{Filter: all}); err != nil {
			t.Fatal(err)
		}
		h.run()
		out := map[int64]string{}
		for _, id := range ids {
			r, err := h.db.Record(h.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			out[id], _ = r.Properties["variant"].(string)
		}
		return out
	}
	first := variants()
	if len(first) != n {
		t.Fatalf("%d records, want %d", len(first), n)
	}
	got := map[string]int{}
	for _, v := range first {
		got[v]++
	}
	for name, pct := range map[string]float64{"A": 50, "B": 30, "C": 20} {
		share := 100 * float64(got[name]) / n
		if math.Abs(share-pct) > 5 {
			t.Errorf("path %s took %.1f%% of %d records, want %.0f%% ± 5", name, share, n, pct)
		}
	}
	st, err := h.db.Stats(h.ctx, "ab")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range got {
		if st.Steps["split"].Paths[name] != int64(c) {
			t.Errorf("canvas count of path %s: %d, want %d", name, st.Steps["split"].Paths[name], c)
		}
	}
	// A re-run (every record enrolls again) sends every record down the same path.
	h.clock.Advance(time.Minute)
	again := variants()
	for id, v := range first {
		if again[id] != v {
			t.Fatalf("record %d took path %s, then %s", id, v, again[id])
		}
	}
	if hist := h.entry(h.enrollments("ab")[0].ID, "split", store.HistOK); hist["path"] == nil || hist["percent"] == nil {
		t.Fatalf("split history %v: want the path and its percentage", hist)
	}
}

func TestEnrollChainDepthLimit(t *testing.T) {
	h := newHarness(t)
	// w0 enrolls in w1, ..., w10 in w11: the eleventh workflow in the chain is one too many.
	const depth = 12
	for i := depth - 1; i >= 0; i-- {
		id := "w" + itoa(i)
		var step M
		if i == depth-1 {
			step = M{"id": "s", "type": "set_property", "property": "reached", "value": id}
		} else {
			step = M{"id": "s", "type": "enroll", "workflow": "w" + itoa(i+1)}
		}
		h.deployM(flow(id, step))
	}
	h.start("w0", "ann@example.com", nil)
	for i := 0; i < depth; i++ {
		h.run()
	}
	failed := h.enrollments("w9")
	if len(failed) != 1 || failed[0].Status != store.StatusFailed {
		t.Fatalf("w9 enrollments %+v: want one failed", failed)
	}
	msg := h.entry(failed[0].ID, "s", store.HistFailed)["error"].(string)
	if !strings.Contains(msg, "w0 → w1 → w2 → w3 → w4 → w5 → w6 → w7 → w8 → w9 → w10") {
		t.Fatalf("failure %q: want the chain named", msg)
	}
	if got := h.enrollments("w10"); len(got) != 0 {
		t.Fatalf("w10 enrolled past the limit: %+v", got)
	}
	var r Reason
	if err := json.Unmarshal(h.enrollments("w9")[0].Reason, &r); err != nil || len(r.Chain) != 9 {
		t.Fatalf("w9 chain %v (%v)", r.Chain, err)
	}
}

func TestMaxStepsIsCappedAtRunTime(t *testing.T) {
	h := newHarness(t)
	def := flow("loop",
		M{"id": "inc", "type": "increment_property", "property": "n", "by": 1, "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "1m", "next": "back"},
		M{"id": "back", "type": "goto", "target": "inc"})
	def["max_steps"] = 12
	h.deployM(def)
	id := h.start("loop", "ann@example.com", nil)
	for i := 0; i < 10; i++ {
		h.advance(time.Minute)
	}
	h.wantStatus(id, store.StatusFailed)
	if e := h.enrollment(id); e.StepsRun != 12 || !strings.Contains(e.Error, "12 steps") {
		t.Fatalf("enrollment %+v", e)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestEnrollCycleIsRefusedUnlessReenrollmentIsOff(t *testing.T) {
	h := newHarness(t)
	a := flow("a", M{"id": "to-b", "type": "enroll", "workflow": "b"})
	b := flow("b", M{"id": "to-a", "type": "enroll", "workflow": "a"})
	a["reenroll"] = M{"enabled": true, "triggers": []string{}}
	draft := func(def M) {
		if _, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, def)); err != nil {
			t.Fatal(err)
		}
	}
	a["steps"] = []M{{"id": "to-b", "type": "set_property", "property": "x", "value": "1"}}
	draft(a) // a exists (without its enroll step yet), so b may name it
	draft(b)
	a["steps"] = []M{{"id": "to-b", "type": "enroll", "workflow": "b"}}
	if _, err := h.eng.Workflows().Update(h.ctx, "a", mustJSON(t, a), 0); err != nil {
		t.Fatal(err)
	}
	_, err := h.eng.Workflows().Enable(h.ctx, "a")
	var ve *problem.Error
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Step != "to-b" || !strings.Contains(ve.Problems[0].Message, "a → b → a") {
		t.Fatalf("enable a: %v, want the enroll cycle refused on step to-b", err)
	}
	if w, _ := h.db.Workflow(h.ctx, "a"); w.Enabled {
		t.Fatal("a was switched on")
	}
	a["reenroll"] = M{"enabled": false, "triggers": []string{}}
	if _, err := h.eng.Workflows().Update(h.ctx, "a", mustJSON(t, a), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Workflows().Enable(h.ctx, "a"); err != nil {
		t.Fatalf("a cycle with re-enrollment off everywhere: %v", err)
	}
}

func TestGoalReachedIsAFilterInOtherWorkflows(t *testing.T) {
	h := newHarness(t)
	h.event("crm.synced", "seed@example.com", nil, nil, M{"lifecycle": "lead"}) // declares lifecycle
	h.deployM(goalFlow("onboard"))
	self := flow("self",
		M{"id": "convert", "type": "set_property", "property": "lifecycle", "value": "customer", "next": "after"},
		M{"id": "after", "type": "delay", "duration": "1d"})
	self["goal"] = M{"property": "lifecycle", "op": "eq", "value": "customer"}
	h.deployM(self)
	upsell := flow("upsell", M{"id": "mark", "type": "set_property", "property": "upsell", "value": "yes"})
	upsell["triggers"] = []M{{"id": "onboarded", "type": "filter", "filter": M{"any": []M{
		{"workflow": "onboard", "op": "goal_reached"}, {"workflow": "self", "op": "goal_reached"}}}}}
	h.deployM(upsell)
	route := flow("route", M{"id": "which", "type": "branch", "branches": []M{
		{"name": "Onboarded", "filter": M{"workflow": "onboard", "op": "goal_reached"}, "next": "yes"}}, "else": "no"},
		M{"id": "yes", "type": "set_property", "property": "route", "value": "onboarded"},
		M{"id": "no", "type": "set_property", "property": "route", "value": "not yet"})
	h.deployM(route)

	// Ann reaches onboard's goal by a change from outside: upsell enrolls her at once.
	a := h.start("onboard", "ann@example.com", M{"lifecycle": "lead"})
	h.run()
	if _, _, err := h.eng.PatchRecord(h.ctx, h.record("ann@example.com").ID, map[string]any{"lifecycle": "customer"}); err != nil {
		t.Fatal(err)
	}
	h.wantStatus(a, store.StatusGoalReached)
	h.run()
	if got := h.props("ann@example.com")["upsell"]; got != "yes" {
		t.Fatalf("upsell %v: the goal_reached trigger did not enroll Ann", got)
	}
	if r := h.reason(h.enrollments("upsell")[0].ID); r.Trigger != "onboarded" {
		t.Fatalf("upsell reason %+v", r)
	}

	// Cy reaches self's goal through self's own step: upsell enrolls him too.
	c := h.start("self", "cy@example.com", M{"lifecycle": "lead"})
	h.run()
	h.wantStatus(c, store.StatusGoalReached)
	h.run()
	if got := h.props("cy@example.com")["upsell"]; got != "yes" {
		t.Fatalf("upsell %v: a goal reached by the workflow's own step did not enroll Cy", got)
	}

	// A branch reads it: Ann has reached onboard's goal, Bob has not.
	h.start("route", "ann@example.com", nil)
	h.start("route", "bob@example.com", M{"lifecycle": "lead"})
	h.run()
	if a, b := h.props("ann@example.com")["route"], h.props("bob@example.com")["route"]; a != "onboarded" || b != "not yet" {
		t.Fatalf("route: ann %v, bob %v", a, b)
	}
	if got := len(h.enrollments("upsell")); got != 2 {
		t.Fatalf("upsell enrollments %d, want 2 (Bob reached no goal)", got)
	}
}

func TestWorkflowRuleNamingAWorkflowWithoutAGoalIsAProblem(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("plain", M{"id": "wait", "type": "delay", "duration": "1d"}))
	def := flow("reads", M{"id": "mark", "type": "set_property", "property": "x", "value": "1"})
	def["triggers"] = []M{{"id": "t", "type": "filter", "filter": M{"workflow": "plain", "op": "goal_reached"}}}
	w, err := h.eng.Workflows().Create(h.ctx, mustJSON(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Problems) != 1 || w.Problems[0].Field != "filter" || !strings.Contains(w.Problems[0].Message, `"plain", which has no goal`) {
		t.Fatalf("problems %+v", w.Problems)
	}
}

// An enroll step into a workflow that removes records from the enrolling one: the enrolling
// enrollment's own pass is committing, so it runs on to its end rather than being half-ended.
func TestRemoveFromTheEnrollingWorkflowLeavesItWhole(t *testing.T) {
	h := newHarness(t)
	sales := flow("sales", M{"id": "wait", "type": "delay", "duration": "7d"})
	sales["triggers"] = []M{}
	h.deployM(sales)
	nurture := flow("nurture", M{"id": "hand-off", "type": "enroll", "workflow": "sales", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "handed_off", "value": "yes"})
	h.deployM(nurture)
	sales["unenroll"] = M{"on_enroll_remove_from": []string{"nurture"}}
	if _, err := h.eng.Workflows().Update(h.ctx, "sales", mustJSON(t, sales), 0); err != nil {
		t.Fatal(err)
	}
	id := h.start("nurture", "ann@example.com", nil)
	h.run()
	h.wantStatus(id, store.StatusCompleted)
	h.wantTrail(id, "enrolled", "hand-off:ok", "mark:ok", "completed")
	if got := h.enrollments("sales"); len(got) != 1 || got[0].Status != store.StatusWaiting {
		t.Fatalf("sales enrollments %+v", got)
	}
}
