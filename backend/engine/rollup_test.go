package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// TestRollupMatchesTheHistoryItSummarises runs traffic over three days (branch paths, a delay,
// a failing step, a cancellation) and checks that the performance rollup the step commit keeps
// holds exactly the counts of the history it summarises, day by day.
func TestRollupMatchesTheHistoryItSummarises(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("perf",
		M{"id": "city?", "type": "branch", "branches": []M{{"name": "Dublin", "filter": M{"all": []M{{"property": "city", "op": "eq", "value": "Dublin"}}}, "next": "tag"}}, "else": "wait"},
		M{"id": "tag", "type": "set_property", "property": "stage", "value": "local"},
		M{"id": "wait", "type": "delay", "duration": "1d", "next": "hook"},
		M{"id": "hook", "type": "webhook", "url": "http://127.0.0.1:9/in"}, // no action set up: fails
	))
	for _, c := range []struct{ email, city string }{{"ann@example.com", "Dublin"}, {"bob@example.com", "Cork"}, {"cat@example.com", "Cork"}, {"dan@example.com", "Dublin"}} {
		h.start("perf", c.email, M{"city": c.city})
	}
	h.run()
	h.advance(20 * time.Hour)
	late := h.start("perf", "eve@example.com", M{"city": "Cork"}) // the next day
	h.run()
	h.advance(6 * time.Hour) // bob's and cat's delays end on day 2
	if _, err := h.eng.CancelEnrollment(h.ctx, late, "changed plans"); err != nil {
		t.Fatal(err)
	}
	h.advance(48 * time.Hour)

	// what the history says, counted here by the rollup's rules
	type key struct {
		day                 int64
		step, path, outcome string
	}
	want := map[key]int64{}
	for _, en := range h.enrollments("perf") {
		hist, err := h.db.History(h.ctx, en.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range hist {
			k := key{day: e.At.UnixMilli() / 86_400_000, outcome: e.Outcome}
			if e.StepType != "" {
				k.step = e.StepID
				if e.StepType == "branch" && e.Outcome == store.HistOK {
					var d struct{ Branch string }
					if err := json.Unmarshal(e.Detail, &d); err != nil {
						t.Fatal(err)
					}
					k.path = d.Branch
				}
			}
			want[key{k.day, k.step, k.path, k.outcome}]++
		}
	}
	rows, err := h.db.Rollup(h.ctx, "perf", t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	got := map[key]int64{}
	for _, r := range rows {
		got[key{r.Day.UnixMilli() / 86_400_000, r.StepID, r.Path, r.Outcome}] += r.N
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rollup %v,\nhistory %v", got, want)
	}

	// and the figures a marketer reads off it
	day1, day2 := t0.UnixMilli()/86_400_000, t0.AddDate(0, 0, 1).UnixMilli()/86_400_000
	for k, n := range map[key]int64{
		{day1, "", "", store.HistEnrolled}:   4,
		{day2, "", "", store.HistEnrolled}:   1,
		{day1, "city?", "Dublin", "ok"}:      2,
		{day1, "city?", "else", "ok"}:        2,
		{day2, "hook", "", store.HistFailed}: 2,
		{day2, "", "", store.HistCancelled}:  1,
		{day1, "", "", store.HistCompleted}:  2,
	} {
		if got[k] != n {
			t.Errorf("%+v: %d, want %d", k, got[k], n)
		}
	}
	paths, err := h.db.PathTotals(h.ctx, "perf")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paths, map[string]map[string]int64{"city?": {"Dublin": 2, "else": 3}}) {
		t.Errorf("path totals %v", paths)
	}
}

// TestPerformanceGoalConversionPerSplitPath: an A/B split where path A's records reach the
// goal and path B's do not. The performance view reads the goal conversion of the whole range
// and of each path off the rollup; the canvas's path counts stay the records that took them.
func TestPerformanceGoalConversionPerSplitPath(t *testing.T) {
	h := newHarness(t)
	def := flow("ab",
		M{"id": "ab", "type": "split", "paths": []M{{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 50, "next": "b"}}},
		M{"id": "a", "type": "set_property", "property": "variant", "value": "A", "next": "wait"},
		M{"id": "b", "type": "set_property", "property": "variant", "value": "B", "next": "wait"},
		M{"id": "wait", "type": "delay", "duration": "2d"},
	)
	def["goal"] = M{"property": "lifecycle", "op": "eq", "value": "customer"}
	h.deployM(def)
	byPath := map[string][]string{}
	for i := range 40 {
		email := fmt.Sprintf("p%d@example.com", i)
		h.start("ab", email, nil)
		h.run()
		byPath[h.props(email)["variant"].(string)] = append(byPath[h.props(email)["variant"].(string)], email)
	}
	if len(byPath["A"]) == 0 || len(byPath["B"]) == 0 {
		t.Fatalf("the split sent everyone one way: %v", byPath)
	}
	// Every A record buys, and one B record.
	for _, email := range append(append([]string{}, byPath["A"]...), byPath["B"][0]) {
		h.event("shop", email, nil, nil, M{"lifecycle": "customer"})
	}
	p, err := h.eng.Performance(h.ctx, "ab", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	nA, nB := int64(len(byPath["A"])), int64(len(byPath["B"]))
	if p.Totals.Enrolled != 40 || p.Totals.GoalReached != nA+1 || p.Totals.GoalConversion != float64(nA+1)/40 {
		t.Fatalf("totals %+v", p.Totals)
	}
	got := map[string]PathCount{}
	for _, pc := range p.Paths {
		got[pc.Path] = pc
	}
	if a := got["A"]; a.N != nA || a.GoalReached != nA || a.GoalConversion != 1 {
		t.Fatalf("path A %+v, want %d of %d", a, nA, nA)
	}
	if b := got["B"]; b.N != nB || b.GoalReached != 1 || b.GoalConversion != 1/float64(nB) {
		t.Fatalf("path B %+v, want 1 of %d", b, nB)
	}
	paths, err := h.db.PathTotals(h.ctx, "ab")
	if err != nil {
		t.Fatal(err)
	}
	if paths["ab"]["A"] != nA || paths["ab"]["B"] != nB {
		t.Fatalf("canvas path counts %v", paths)
	}
}
