package engine

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// withTriggers replaces a flow's triggers (and optionally its re-enrollment settings).
func withTriggers(def M, triggers ...M) M {
	def["triggers"] = triggers
	return def
}

func reenroll(def M, triggers ...string) M {
	if triggers == nil {
		triggers = []string{}
	}
	def["reenroll"] = M{"enabled": true, "triggers": triggers}
	return def
}

// oneStep is a one-action flow (adds the record to the list "<id>-done").
func oneStep(id string) M {
	return flow(id, M{"id": "done", "type": "add_to_list", "list": id + "-done"})
}

// enrolledIn maps each enrollment id of an ingest result to its workflow id, sorted by workflow.
func (h *harness) enrolledIn(ids []int64) []string {
	h.t.Helper()
	out := []string{}
	for _, id := range ids {
		out = append(out, h.enrollment(id).WorkflowID)
	}
	sort.Strings(out)
	return out
}

func TestEnrollmentReasonOfAnEventTrigger(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("replay"), M{"id": "watched", "type": "event", "event": "webinar.attended",
		"scope":  M{"webinar": "54072"},
		"filter": M{"property": "event.watch_pct", "op": "gte", "value": 50}}))
	res := h.event("webinar.attended", "ann@example.com", map[string]string{"webinar": "54072"},
		M{"watch_pct": 80, "utm": M{"source": "mail"}}, M{"first_name": "Ann"})
	if len(res.Enrollments) != 1 {
		t.Fatalf("enrollments %v", res.Enrollments)
	}
	en := h.enrollment(res.Enrollments[0])
	if en.TriggerID != "watched" || en.EventID != res.EventID || en.Version != 1 || en.RecordID != res.RecordID {
		t.Fatalf("enrollment %+v", en)
	}
	r := h.reason(en.ID)
	if r.Trigger != "watched" || r.TriggerType != "event" || r.Summary != "Event webinar.attended in webinar 54072" {
		t.Fatalf("reason %+v", r)
	}
	if want := map[string]any{"event.type": "webinar.attended", "event.watch_pct": float64(80)}; !reflect.DeepEqual(r.Matched, want) {
		t.Fatalf("matched %v, want %v", r.Matched, want)
	}
	if r.Event == nil || r.Event.ID != res.EventID {
		t.Fatalf("reason event %+v", r.Event)
	}
	wantEnv := map[string]any{"watch_pct": float64(80), "utm": map[string]any{"source": "mail"}, "type": "webinar.attended",
		"scope": map[string]any{"webinar": "54072"}, "occurred_at": "2026-03-02T09:00:00Z"}
	if !reflect.DeepEqual(r.Event.Env, wantEnv) {
		t.Fatalf("event env %v, want %v", r.Event.Env, wantEnv)
	}
	d := h.entry(en.ID, "", store.HistEnrolled)
	if d["trigger"] != "watched" || d["summary"] != r.Summary || d["version"] != float64(1) {
		t.Fatalf("enrolled detail %v", d)
	}
}

func TestEnrollmentReasonOfAFilterTrigger(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("dublin"), M{"type": "filter", "filter": M{"all": []M{
		{"property": "city", "op": "eq", "value": "Dublin"},
		{"property": "lifecycle", "op": "in", "value": []string{"lead", "mql"}}}}}))
	res := h.event("page.viewed", "ann@example.com", nil, nil, M{"city": "Dublin", "lifecycle": "mql"})
	if len(res.Enrollments) != 1 {
		t.Fatalf("enrollments %v", res.Enrollments)
	}
	en := h.enrollment(res.Enrollments[0])
	if en.EventID != 0 || en.TriggerID != "trigger-1" {
		t.Fatalf("enrollment %+v", en)
	}
	r := h.reason(en.ID)
	want := Reason{Trigger: "trigger-1", TriggerType: "filter", Summary: "Started to meet the filter criteria",
		Matched: map[string]any{"city": "Dublin", "lifecycle": "mql"}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("reason %+v, want %+v", r, want)
	}
}

func TestScopedAndAccountWideEventTriggers(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("scoped"), M{"type": "event", "event": "webinar.registered", "scope": M{"webinar": "54072"}}))
	h.deployM(withTriggers(oneStep("all"), M{"type": "event", "event": "webinar.registered"}))
	h.deployM(withTriggers(oneStep("most"), M{"type": "event", "event": "webinar.registered",
		"exclude_scopes": []M{{"webinar": "99"}, {"funnel": "internal"}}}))
	cases := []struct {
		scope map[string]string
		want  []string
	}{
		{map[string]string{"webinar": "54072"}, []string{"all", "most", "scoped"}},
		{map[string]string{"webinar": "54072", "funnel": "spring"}, []string{"all", "most", "scoped"}},
		{map[string]string{"webinar": "1234"}, []string{"all", "most"}},
		{map[string]string{"webinar": "99"}, []string{"all"}},
		{map[string]string{"webinar": "54072", "funnel": "internal"}, []string{"all", "scoped"}},
		{nil, []string{"all", "most"}},
	}
	for i, tc := range cases {
		email := string(rune('a'+i)) + "@example.com"
		res := h.event("webinar.registered", email, tc.scope, nil, nil)
		if got := h.enrolledIn(res.Enrollments); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("scope %v: enrolled in %v, want %v", tc.scope, got, tc.want)
		}
	}
	if res := h.event("webinar.attended", "z@example.com", map[string]string{"webinar": "54072"}, nil, nil); len(res.Enrollments) != 0 {
		t.Errorf("another event type enrolled %v", res.Enrollments)
	}
}

func TestEventTriggerFilters(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("watchers"), M{"type": "event", "event": "webinar.attended",
		"filter": M{"property": "event.watch_pct", "op": "gte", "value": 50}}))
	h.deployM(withTriggers(oneStep("dutch"), M{"type": "event", "event": "webinar.attended",
		"filter": M{"all": []M{{"property": "country", "op": "eq", "value": "NL"}, {"property": "event.watch_pct", "op": "gt", "value": 0}}}}))
	cases := []struct {
		email string
		watch any
		props M
		want  []string
	}{
		{"a@example.com", 49, nil, []string{}},
		{"b@example.com", 50, nil, []string{"watchers"}},
		{"c@example.com", 90, M{"country": "NL"}, []string{"dutch", "watchers"}},
		{"d@example.com", 10, M{"country": "nl"}, []string{"dutch"}},
		{"e@example.com", 0, M{"country": "NL"}, []string{}},
		{"f@example.com", nil, M{"country": "DE"}, []string{}},
	}
	for _, tc := range cases {
		data := M{}
		if tc.watch != nil {
			data["watch_pct"] = tc.watch
		}
		res := h.event("webinar.attended", tc.email, nil, data, tc.props)
		if got := h.enrolledIn(res.Enrollments); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (watch %v, props %v): enrolled in %v, want %v", tc.email, tc.watch, tc.props, got, tc.want)
		}
	}
}

var dublinFilter = M{"property": "city", "op": "eq", "value": "Dublin"}

func TestFilterTriggerEnrollsWhenARecordStartsToMatch(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("dublin"), M{"type": "filter", "filter": dublinFilter}))

	// A record created matching starts to match.
	res := h.event("page.viewed", "new@example.com", nil, nil, M{"city": "Dublin"})
	if got := h.enrolledIn(res.Enrollments); !reflect.DeepEqual(got, []string{"dublin"}) {
		t.Fatalf("new matching record enrolled in %v", got)
	}

	// An existing record that changes to match, through Ingest's record properties.
	h.event("page.viewed", "ingest@example.com", nil, nil, M{"city": "Cork"})
	res = h.event("page.viewed", "ingest@example.com", nil, nil, M{"city": "dublin"})
	if len(res.Enrollments) != 1 {
		t.Fatalf("ingest change enrolled %v", res.Enrollments)
	}
	// Still matching: no second enrollment, not even after the first completed.
	h.run()
	h.wantStatus(res.Enrollments[0], store.StatusCompleted)
	if res = h.event("page.viewed", "ingest@example.com", nil, nil, M{"city": "Dublin", "score": 3}); len(res.Enrollments) != 0 {
		t.Fatalf("a record that keeps matching enrolled again: %v", res.Enrollments)
	}

	// Through PatchRecord.
	res = h.event("page.viewed", "patch@example.com", nil, nil, M{"city": "Cork"})
	if len(res.Enrollments) != 0 {
		t.Fatalf("non-matching record enrolled %v", res.Enrollments)
	}
	_, enrolled, err := h.eng.PatchRecord(h.ctx, res.RecordID, M{"city": "Dublin"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.enrolledIn(enrolled); !reflect.DeepEqual(got, []string{"dublin"}) {
		t.Fatalf("patch enrolled in %v", got)
	}
	if _, enrolled, err = h.eng.PatchRecord(h.ctx, res.RecordID, M{"score": 10}); err != nil || len(enrolled) != 0 {
		t.Fatalf("patch while matching: enrolled %v err %v", enrolled, err)
	}
	h.run()
	// Stops matching and starts again: re-enrollment is off, so no.
	if _, enrolled, err = h.eng.PatchRecord(h.ctx, res.RecordID, M{"city": "Cork"}); err != nil || len(enrolled) != 0 {
		t.Fatalf("patch away: enrolled %v err %v", enrolled, err)
	}
	if _, enrolled, err = h.eng.PatchRecord(h.ctx, res.RecordID, M{"city": "Dublin"}); err != nil || len(enrolled) != 0 {
		t.Fatalf("patch back with re-enrollment off: enrolled %v err %v", enrolled, err)
	}
	if n := len(h.enrollments("dublin")); n != 3 {
		t.Fatalf("%d enrollments, want 3", n)
	}
}

func TestFilterTriggerReenrollsWhenAllowed(t *testing.T) {
	h := newHarness(t)
	h.deployM(reenroll(withTriggers(oneStep("dublin"), M{"id": "city", "type": "filter", "filter": dublinFilter})))
	res := h.event("page.viewed", "ann@example.com", nil, nil, M{"city": "Dublin"})
	if len(res.Enrollments) != 1 {
		t.Fatalf("enrolled %v", res.Enrollments)
	}
	h.run()
	for _, city := range []string{"Cork", "Dublin"} {
		if _, _, err := h.eng.PatchRecord(h.ctx, res.RecordID, M{"city": city}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.enrollments("dublin")); n != 2 {
		t.Fatalf("%d enrollments after matching again, want 2", n)
	}
}

func TestFilterTriggerFiresOnAnotherWorkflowsSetProperty(t *testing.T) {
	h := newHarness(t)
	h.deployM(withTriggers(oneStep("dublin"), M{"type": "filter", "filter": dublinFilter}))
	h.deployM(flow("mover",
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "move"},
		M{"id": "move", "type": "set_property", "property": "city", "value": "Dublin"}))
	id := h.start("mover", "ann@example.com", M{"city": "Cork"})
	h.run()
	if n := len(h.enrollments("dublin")); n != 0 {
		t.Fatalf("enrolled before the move: %d", n)
	}
	h.advance(time.Hour)
	h.wantStatus(id, store.StatusCompleted)
	ens := h.enrollments("dublin")
	if len(ens) != 1 || ens[0].Status != store.StatusCompleted {
		t.Fatalf("dublin enrollments %+v", ens)
	}
	if r := h.reason(ens[0].ID); r.TriggerType != "filter" || r.Matched["city"] != "Dublin" {
		t.Fatalf("reason %+v", r)
	}
	lists, _ := h.db.RecordLists(h.ctx, h.record("ann@example.com").ID)
	if !reflect.DeepEqual(lists, []string{"dublin-done"}) {
		t.Fatalf("lists %v", lists)
	}
}

func TestFilterTriggerIsNotRetroactive(t *testing.T) {
	h := newHarness(t)
	before := h.event("page.viewed", "before@example.com", nil, nil, M{"city": "Dublin"})
	h.deployM(withTriggers(oneStep("dublin"), M{"type": "filter", "filter": dublinFilter}))
	if n := len(h.enrollments("dublin")); n != 0 {
		t.Fatalf("enabling enrolled %d existing records", n)
	}
	if _, enrolled, err := h.eng.PatchRecord(h.ctx, before.RecordID, M{"score": 1}); err != nil || len(enrolled) != 0 {
		t.Fatalf("a record that matched before enabling enrolled on another change: %v %v", enrolled, err)
	}
}

func TestFilterTriggerEnrollExisting(t *testing.T) {
	h := newHarness(t)
	a := h.event("page.viewed", "a@example.com", nil, nil, M{"city": "Dublin"})
	h.event("page.viewed", "b@example.com", nil, nil, M{"city": "Cork"})
	c := h.event("page.viewed", "c@example.com", nil, nil, M{"city": "DUBLIN"})
	h.deployM(withTriggers(oneStep("dublin"), M{"id": "existing", "type": "filter", "filter": dublinFilter, "enroll_existing": true}))
	ens := h.enrollments("dublin")
	var recs []int64
	for _, en := range ens {
		recs = append(recs, en.RecordID)
		if r := h.reason(en.ID); r.Trigger != "existing" || r.Summary != "Met the filter criteria when the workflow was switched on" {
			t.Fatalf("reason %+v", r)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i] < recs[j] })
	if !reflect.DeepEqual(recs, []int64{a.RecordID, c.RecordID}) {
		t.Fatalf("enrolled records %v, want %d and %d", recs, a.RecordID, c.RecordID)
	}
	h.run()
	for _, en := range ens {
		h.wantStatus(en.ID, store.StatusCompleted)
	}
}

func TestReenrollmentRules(t *testing.T) {
	twoTriggers := func(def M) M {
		return withTriggers(def, M{"id": "a", "type": "event", "event": "ev.a"}, M{"id": "b", "type": "event", "event": "ev.b"})
	}
	cases := []struct {
		name string
		def  M
		seq  []string // events sent after the first "ev.a" enrollment completed
		want []bool   // whether each enrolled
	}{
		{"off by default", twoTriggers(oneStep("w")), []string{"ev.a", "ev.b"}, []bool{false, false}},
		{"listed triggers only", reenroll(twoTriggers(oneStep("w")), "b"), []string{"ev.a", "ev.b", "ev.b", "ev.a"}, []bool{false, true, true, false}},
		{"all when the list is empty", reenroll(twoTriggers(oneStep("w"))), []string{"ev.a", "ev.b", "ev.a"}, []bool{true, true, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.deployM(tc.def)
			if res := h.event("ev.a", "ann@example.com", nil, nil, nil); len(res.Enrollments) != 1 {
				t.Fatalf("first event enrolled %v", res.Enrollments)
			}
			h.run()
			for i, ev := range tc.seq {
				res := h.event(ev, "ann@example.com", nil, nil, nil)
				if got := len(res.Enrollments) == 1; got != tc.want[i] {
					t.Fatalf("event %d (%s): enrolled %v, want %v", i, ev, res.Enrollments, tc.want[i])
				}
				h.run()
			}
			for _, en := range h.enrollments("w") {
				h.wantStatus(en.ID, store.StatusCompleted)
			}
		})
	}
}

func TestNoTwoOpenEnrollmentsInOneWorkflow(t *testing.T) {
	h := newHarness(t)
	h.deployM(reenroll(flow("w", M{"id": "wait", "type": "delay", "duration": "1d"})))
	first := h.start("w", "ann@example.com", nil)
	h.run()
	if res := h.event("start.w", "ann@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
		t.Fatalf("second event while open enrolled %v", res.Enrollments)
	}
	rec := h.record("ann@example.com").ID
	_, err := h.eng.EnrollManually(h.ctx, "w", rec)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("manual enrollment while open: %v, want ErrConflict", err)
	}
	h.advance(24 * time.Hour)
	h.wantStatus(first, store.StatusCompleted)
	second := h.start("w", "ann@example.com", nil)
	if second == first || len(h.enrollments("w")) != 2 {
		t.Fatalf("re-enrollment after completion: %d enrollments", len(h.enrollments("w")))
	}
}

func TestManualEnrollment(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("w", M{"id": "wait", "type": "delay", "duration": "1h", "next": "done"}, M{"id": "done", "type": "add_to_list", "list": "x"}))
	first := h.start("w", "ann@example.com", nil)
	rec := h.record("ann@example.com").ID
	h.run()
	h.advance(time.Hour)
	h.wantStatus(first, store.StatusCompleted)
	if res := h.event("start.w", "ann@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
		t.Fatalf("trigger re-enrolled with re-enrollment off: %v", res.Enrollments)
	}
	if _, err := h.eng.EnrollManually(h.ctx, "w", rec); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "re-enrollment is off") {
		t.Fatalf("manual re-enrollment with re-enrollment off: %v, want ErrConflict", err)
	}
	on := reenroll(flow("w", M{"id": "wait", "type": "delay", "duration": "1h", "next": "done"}, M{"id": "done", "type": "add_to_list", "list": "x"}), "go") // on for the event trigger only: manual enrollment may re-enroll too
	if _, err := h.eng.Workflows().Update(h.ctx, "w", mustJSON(t, on), 0); err != nil {
		t.Fatal(err)
	}
	en, err := h.eng.EnrollManually(h.ctx, "w", rec)
	if err != nil {
		t.Fatalf("manual re-enrollment with re-enrollment on: %v", err)
	}
	if r := h.reason(en.ID); r.Trigger != "manual" || r.TriggerType != "manual" || r.Summary != "Enrolled manually" {
		t.Fatalf("reason %+v", r)
	}
	if _, err := h.eng.EnrollManually(h.ctx, "w", rec); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second manual enrollment while open: %v", err)
	}
	h.run()
	h.advance(time.Hour)
	h.wantStatus(en.ID, store.StatusCompleted)
	h.wantTrail(en.ID, "enrolled", "wait:waiting", "wait:resumed", "done:ok", "completed")
}

func TestDisableWorkflow(t *testing.T) {
	def := flow("w", M{"id": "wait", "type": "delay", "duration": "1h", "next": "done"}, M{"id": "done", "type": "add_to_list", "list": "x"})
	t.Run("stops new enrollments, open ones finish", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(def)
		id := h.start("w", "ann@example.com", nil)
		h.run()
		w, err := h.eng.Workflows().Disable(h.ctx, "w", false)
		if err != nil || w.Enabled {
			t.Fatalf("disable: %+v %v", w, err)
		}
		if res := h.event("start.w", "bob@example.com", nil, nil, nil); len(res.Enrollments) != 0 {
			t.Fatalf("disabled workflow enrolled %v", res.Enrollments)
		}
		h.advance(time.Hour)
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "wait:waiting", "wait:resumed", "done:ok", "completed")
		var ie *problem.Error
		if _, err := h.eng.EnrollManually(h.ctx, "w", h.record("bob@example.com").ID); !errors.As(err, &ie) || ie.FirstField() != "workflow" {
			t.Fatalf("manual enrollment into a disabled workflow: %v", err)
		}
	})
	t.Run("with cancel", func(t *testing.T) {
		h := newHarness(t)
		h.deployM(def)
		waiting := h.start("w", "ann@example.com", nil)
		h.run()
		active := h.start("w", "bob@example.com", nil) // not run yet
		if _, err := h.eng.Workflows().Disable(h.ctx, "w", true); err != nil {
			t.Fatal(err)
		}
		h.wantStatus(waiting, store.StatusCancelled)
		h.wantStatus(active, store.StatusCancelled)
		h.wantTrail(waiting, "enrolled", "wait:waiting", "wait:cancelled")
		h.wantTrail(active, "enrolled", "wait:cancelled")
		if n, _ := h.db.PendingJobs(h.ctx); n != 0 {
			t.Fatalf("%d jobs left after cancel", n)
		}
		h.advance(2 * time.Hour)
		h.wantStatus(waiting, store.StatusCancelled)
		if lists, _ := h.db.ListMembers(h.ctx, "x"); len(lists) != 0 {
			t.Fatalf("cancelled enrollments ran on: %v", lists)
		}
		st, err := h.db.Stats(h.ctx, "w")
		if err != nil {
			t.Fatal(err)
		}
		if st.Enrollments[store.StatusCancelled] != 2 || st.Enrollments[store.StatusWaiting] != 0 || (st.Steps["wait"] != nil && st.Steps["wait"].Waiting != 0) {
			t.Fatalf("stats %+v", st.Enrollments)
		}
	})
}

func TestUpdatingAnEnabledWorkflowVersionsEnrollments(t *testing.T) {
	h := newHarness(t)
	v1 := flow("w",
		M{"id": "wait", "type": "delay", "duration": "1h", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "open"})
	h.deployM(v1)
	old := h.start("w", "ann@example.com", nil)
	h.run()

	v2 := flow("w",
		M{"id": "mark2", "type": "set_property", "property": "lead_status", "value": "in_progress", "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "2h"})
	raw := mustJSON(t, v2)
	w, err := h.eng.Workflows().Update(h.ctx, "w", raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Enabled || w.ActiveVersion != 2 {
		t.Fatalf("updated workflow %+v", w)
	}
	fresh := h.start("w", "bob@example.com", nil)
	h.run()
	if a, b := h.enrollment(old), h.enrollment(fresh); a.Version != 1 || b.Version != 2 {
		t.Fatalf("versions: running %d, new %d", a.Version, b.Version)
	}
	h.advance(time.Hour)
	h.wantStatus(old, store.StatusCompleted)
	h.wantTrail(old, "enrolled", "wait:waiting", "wait:resumed", "mark:ok", "completed")
	h.wantStatus(fresh, store.StatusWaiting)
	h.wantTrail(fresh, "enrolled", "mark2:ok", "wait:waiting")
	if a, b := h.props("ann@example.com")["lead_status"], h.props("bob@example.com")["lead_status"]; a != "open" || b != "in_progress" {
		t.Fatalf("lead_status ann %v bob %v", a, b)
	}
	h.advance(time.Hour)
	h.wantStatus(fresh, store.StatusCompleted)
	if d := h.entry(fresh, "", store.HistEnrolled); d["version"] != float64(2) {
		t.Fatalf("enrolled detail %v", d)
	}
}
