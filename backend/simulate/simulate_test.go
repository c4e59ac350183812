package simulate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/internal/testrig"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
	"github.com/flowdesk/flowdesk/backend/store"
)

var t0 = testrig.T0 // a Monday

type M = map[string]any

// install is a real installation: a SQLite file in a temp dir, the engine with the production
// actions on a fake clock, and a simulator over it.
type install struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	eng   *engine.Engine
	clock *clock.Fake
	sim   *simulate.Simulator
	st    *settings.Store // the settings the actions read
	// reports, when set, has the SMS provider post its status reports for the messages it got
	// since the last call; it says whether it posted any.
	reports func() bool
}

func newInstall(t *testing.T) *install {
	t.Helper()
	return newInstallWith(t, nil)
}

// newInstallWith is newInstall with the actions' Config changed by edit first.
func newInstallWith(t *testing.T, edit func(*action.Config)) *install {
	t.Helper()
	var cfg action.Config
	r := testrig.New(t, testrig.Options{Engine: func(r *testrig.Rig) engine.Options {
		cfg = action.Config{DB: r.DB, Settings: r.Settings()}
		if edit != nil {
			edit(&cfg)
		}
		return engine.Options{Actions: action.New(cfg)}
	}})
	ctx, db, eng, fc := r.Ctx, r.DB, r.Eng, r.Clock
	sim := simulate.New(simulate.Options{DB: db, Engine: eng, Actions: cfg, Clock: fc, TempDir: t.TempDir()})
	in := &install{t: t, ctx: ctx, db: db, eng: eng, clock: fc, sim: sim, st: cfg.Settings}
	err := db.Write(ctx, func(tx store.Tx) error {
		_, err := tx.PutEmailTemplate(&store.EmailTemplate{Name: "thanks", Subject: "Thanks, {{contact.first_name}}", BodyText: "Hi {{contact.first_name}}, thanks for watching."}, t0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scenario is one record's story: its properties, and what happens to it when.
type scenario struct {
	props  M
	events []simulate.Event
	props2 []simulate.PropertyChange
	sms    string // what the SMS provider reports (simulate.Request.SMSStatus)
}

// production runs the scenario live: the workflow deployed on the real engine, the record
// created, the events ingested and property changes patched at their times while the clock
// moves from due job to due job as the dispatcher would. It returns the record's history as
// "offset step:outcome" lines.
func (in *install) production(def M, sc scenario, horizon time.Duration) []string {
	t := in.t
	t.Helper()
	w, err := in.eng.Workflows().Create(in.ctx, raw(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.Workflows().Enable(in.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	start := in.clock.Now()
	type item struct {
		at time.Time
		do func(recID int64)
	}
	var items []item
	for _, ev := range sc.events {
		d, _ := time.ParseDuration(strings.TrimPrefix(ev.At, "+"))
		items = append(items, item{start.Add(d), func(id int64) {
			at := in.clock.Now()
			if _, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: ev.Type, Record: engine.RecordRef{Type: "contact", ID: id}, Scope: ev.Scope, Data: ev.Data, OccurredAt: &at}); err != nil {
				t.Fatal(err)
			}
		}})
	}
	for _, pc := range sc.props2 {
		d, _ := time.ParseDuration(strings.TrimPrefix(pc.At, "+"))
		items = append(items, item{start.Add(d), func(id int64) {
			if _, _, err := in.eng.PatchRecord(in.ctx, id, pc.Properties); err != nil {
				t.Fatal(err)
			}
		}})
	}
	// The record exists before anything happens to it (created by an earlier event).
	email := sc.props["email"].(string)
	if _, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "contact.imported", Record: engine.RecordRef{Type: "contact", Email: email, Properties: sc.props}}); err != nil {
		t.Fatal(err)
	}
	rec, err := in.db.RecordByEmail(in.ctx, "contact", email)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		if _, err := in.eng.EnrollManually(in.ctx, w.ID, rec.ID); err != nil {
			t.Fatal(err)
		}
	}
	end := start.Add(horizon)
	for {
		now := in.clock.Now()
		kept := items[:0]
		for _, it := range items {
			if !it.at.After(now) {
				it.do(rec.ID)
			} else {
				kept = append(kept, it)
			}
		}
		items = kept
		for ran := true; ran; {
			if _, err := in.eng.RunDue(in.ctx); err != nil {
				t.Fatal(err)
			}
			// The SMS provider's status reports for what was just sent, if it has any.
			ran = in.reports != nil && in.reports()
		}
		next, ok, err := in.db.NextJobAt(in.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if !ok || it.at.Before(next) {
				next, ok = it.at, true
			}
		}
		if !ok || next.After(end) {
			break
		}
		in.clock.Set(next)
	}
	ens, err := in.db.Enrollments(in.ctx, store.EnrollmentQuery{WorkflowID: w.ID, RecordID: rec.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(ens) - 1; i >= 0; i-- {
		hist, err := in.db.History(in.ctx, ens[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hist {
			out = append(out, line(h.At.Sub(start), h.StepID, h.Outcome))
		}
	}
	return out
}

func line(d time.Duration, step, outcome string) string {
	if step != "" {
		outcome = step + ":" + outcome
	}
	return fmt.Sprintf("+%s %s", d, outcome)
}

func (in *install) simulate(def M, sc scenario, horizon string) *simulate.Result {
	in.t.Helper()
	res, err := in.sim.Run(in.ctx, simulate.Request{Definition: raw(in.t, def), Record: &simulate.RecordInput{Properties: sc.props},
		Events: sc.events, PropertyChanges: sc.props2, Start: in.clock.Now().Format(time.RFC3339), Horizon: horizon, SMSStatus: sc.sms})
	if err != nil {
		in.t.Fatalf("simulate: %v", err)
	}
	return res
}

func timeline(res *simulate.Result) []string {
	var out []string
	for _, e := range res.Timeline {
		out = append(out, line(e.At.Sub(res.Start), e.Step, e.Outcome))
	}
	return out
}

func flow(id string, triggers []M, steps ...M) M {
	if triggers == nil {
		triggers = []M{{"id": "go", "type": "event", "event": "start." + id}}
	}
	return M{"id": id, "name": id, "object": "contact", "triggers": triggers,
		"reenroll": M{"enabled": false, "triggers": []string{}}, "start": steps[0]["id"], "steps": steps}
}

func withWindow(def, window M) M {
	def["execution_window"] = window
	return def
}

// TestSimulatorAgreesWithProduction runs each workflow and scenario through the simulator and
// then through the live engine, and compares the timelines step by step.
func TestSimulatorAgreesWithProduction(t *testing.T) {
	ann := M{"email": "ann@example.com", "first_name": "Ann", "lifecycle": "lead"}
	cases := []struct {
		name    string
		def     M
		sc      scenario
		outcome string
	}{
		{"delays, fixed and weekday+time in a zone across DST", flow("delays", nil,
			M{"id": "wait", "type": "delay", "duration": "1d", "next": "tue"},
			M{"id": "tue", "type": "delay", "until": M{"weekdays": []string{"tue"}, "time": "11:00", "timezone": "Europe/Amsterdam"}, "next": "mark"},
			M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "attempted_to_contact"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.delays"}}}, "completed"},
		{"branch on a property changed mid-way", flow("branch", nil,
			M{"id": "wait", "type": "delay", "duration": "2d", "next": "route"},
			M{"id": "route", "type": "branch", "branches": []M{
				{"name": "Customer", "filter": M{"property": "lifecycle", "op": "eq", "value": "customer"}, "next": "thanks"}}, "else": "nurture"},
			M{"id": "thanks", "type": "send_email", "template": "thanks"},
			M{"id": "nurture", "type": "add_to_list", "list": "nurture"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.branch"}},
				props2: []simulate.PropertyChange{{At: "+24h", Properties: M{"lifecycle": "customer"}}}}, "completed"},
		{"go-to loop", flow("loop", nil,
			M{"id": "inc", "type": "increment_property", "property": "rounds", "by": 1, "next": "wait"},
			M{"id": "wait", "type": "delay", "duration": "1d", "next": "check"},
			M{"id": "check", "type": "branch", "branches": []M{
				{"name": "Done", "filter": M{"property": "rounds", "op": "gte", "value": 3}, "next": "finish"}}, "else": "again"},
			M{"id": "again", "type": "goto", "target": "inc"},
			M{"id": "finish", "type": "set_property", "property": "lead_status", "value": "unqualified"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.loop"}}}, "completed"},
		{"until-event woken by a scenario event", flow("pay", nil,
			M{"id": "wait", "type": "delay", "event": M{"type": "payment.completed", "filter": M{"property": "event.amount", "op": "gte", "value": 100},
				"timeout": "3d", "timeout_next": "remind"}, "next": "thanks"},
			M{"id": "thanks", "type": "set_property", "property": "lead_status", "value": "open_deal"},
			M{"id": "remind", "type": "set_property", "property": "lead_status", "value": "bad_timing"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.pay"},
				{At: "+5h", Type: "payment.completed", Data: M{"amount": 50}}, {At: "+30h", Type: "payment.completed", Data: M{"amount": 150}}}}, "completed"},
		{"until-event timing out", flow("pay2", nil,
			M{"id": "wait", "type": "delay", "event": M{"type": "payment.completed", "timeout": "3d", "timeout_next": "remind"}, "next": "thanks"},
			M{"id": "thanks", "type": "set_property", "property": "lead_status", "value": "open_deal"},
			M{"id": "remind", "type": "send_email", "template": "thanks"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.pay2"}}}, "completed"},
		{"enrolled by a property-change trigger, waiting at the horizon", flow("cust",
			[]M{{"id": "became", "type": "filter", "filter": M{"property": "lifecycle", "op": "eq", "value": "customer"}}},
			M{"id": "wait", "type": "delay", "duration": "60d", "next": "mark"},
			M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "unqualified"}),
			scenario{props: ann, props2: []simulate.PropertyChange{{At: "+3h", Properties: M{"lifecycle": "customer"}}}}, "waiting"},
		{"business hours hold an email over the weekend, not the delay before it", withWindow(flow("hours", nil,
			M{"id": "wait", "type": "delay", "duration": "105h", "next": "mail"}, // Monday 09:00 to Friday 18:00
			M{"id": "mail", "type": "send_email", "template": "thanks", "next": "mark"},
			M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "connected"}),
			M{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "from": "09:00", "to": "17:00"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.hours"}}}, "completed"},
		{"enrolled by hand", flow("hand", nil,
			M{"id": "mail", "type": "send_email", "template": "thanks"}),
			scenario{props: ann}, "completed"},
		{"goal reached mid-delay by a property change", withGoal(flow("goal", nil,
			M{"id": "wait", "type": "delay", "duration": "3d", "next": "mail"},
			M{"id": "mail", "type": "send_email", "template": "thanks"})),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.goal"}},
				props2: []simulate.PropertyChange{{At: "+26h", Properties: M{"lifecycle": "customer"}}}}, "goal_reached"},
		{"goal reached by the workflow's own step", withGoal(flow("goal2", nil,
			M{"id": "wait", "type": "delay", "duration": "1d", "next": "convert"},
			M{"id": "convert", "type": "set_property", "property": "lifecycle", "value": "customer", "next": "mail"},
			M{"id": "mail", "type": "send_email", "template": "thanks"})),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.goal2"}}}, "goal_reached"},
		{"split", flow("ab", nil,
			M{"id": "split", "type": "split", "paths": []M{{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 50, "next": "b"}}},
			M{"id": "a", "type": "delay", "duration": "1d", "next": "mail"},
			M{"id": "b", "type": "set_property", "property": "lead_status", "value": "open_deal"},
			M{"id": "mail", "type": "send_email", "template": "thanks"}),
			scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.ab"}}}, "completed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := newInstall(t)
			res := in.simulate(tc.def, tc.sc, "30d")
			sim := timeline(res)
			live := in.production(tc.def, tc.sc, 30*24*time.Hour)
			if !reflect.DeepEqual(sim, live) {
				t.Fatalf("the simulator and production disagree\nsimulated %q\nlive      %q", sim, live)
			}
			if len(sim) < 2 {
				t.Fatalf("timeline %q: the scenario did nothing", sim)
			}
			if res.Outcome != tc.outcome {
				t.Fatalf("outcome %q, want %q (timeline %q)", res.Outcome, tc.outcome, sim)
			}
			t.Logf("%s: %q", tc.name, sim)
		})
	}
}

func withGoal(def M) M {
	def["goal"] = M{"property": "lifecycle", "op": "eq", "value": "customer"}
	return def
}

// TestSimulatorAgreesOnSplitPaths simulates real records by id through a split and then enrolls
// them live: each takes the same path in both, and both paths are taken.
func TestSimulatorAgreesOnSplitPaths(t *testing.T) {
	in := newInstall(t)
	def := flow("ab", []M{},
		M{"id": "split", "type": "split", "paths": []M{{"name": "A", "percent": 50, "next": "a"}, {"name": "B", "percent": 50, "next": "b"}}},
		M{"id": "a", "type": "set_property", "property": "variant", "value": "A"},
		M{"id": "b", "type": "set_property", "property": "variant", "value": "B"})
	w, err := in.eng.Workflows().Create(in.ctx, raw(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.Workflows().Enable(in.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	simulated := map[int64]string{}
	var ids []int64
	for i := 0; i < 24; i++ {
		res, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "contact.imported", Record: engine.RecordRef{Type: "contact", Email: fmt.Sprintf("c%d@example.com", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.RecordID)
		sim, err := in.sim.Run(in.ctx, simulate.Request{Workflow: "ab", RecordID: res.RecordID})
		if err != nil {
			t.Fatal(err)
		}
		simulated[res.RecordID] = sim.RecordAfter["variant"].(string)
	}
	for _, id := range ids {
		if _, err := in.eng.EnrollManually(in.ctx, "ab", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.eng.RunDue(in.ctx); err != nil {
		t.Fatal(err)
	}
	taken := map[string]int{}
	for _, id := range ids {
		rec, err := in.db.Record(in.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Properties["variant"] != simulated[id] {
			t.Fatalf("record %d: simulated path %s, live path %v", id, simulated[id], rec.Properties["variant"])
		}
		taken[simulated[id]]++
	}
	if taken["A"] == 0 || taken["B"] == 0 {
		t.Fatalf("paths taken %v: 24 records should take both", taken)
	}
}

func TestSimulatorRendersEmailWithoutSending(t *testing.T) {
	in := newInstall(t)
	def := flow("hand", nil, M{"id": "mail", "type": "send_email", "template": "thanks"})
	res := in.simulate(def, scenario{props: M{"email": "greta@example.com", "first_name": "Greta"}}, "1d")
	if len(res.Effects) != 1 {
		t.Fatalf("effects %+v, want one email", res.Effects)
	}
	var mail action.PreviewEmail
	if err := json.Unmarshal(res.Effects[0].WouldSend, &mail); err != nil {
		t.Fatal(err)
	}
	if mail.Subject != "Thanks, Greta" || !strings.Contains(mail.Text, "Hi Greta") || mail.To[0] != "greta@example.com" {
		t.Fatalf("would send %+v", mail)
	}
}

// counts is how many rows the real database's main tables hold.
func (in *install) counts() [5]int64 {
	in.t.Helper()
	ev, err := in.db.CountEvents(in.ctx)
	if err != nil {
		in.t.Fatal(err)
	}
	jobs, err := in.db.PendingJobs(in.ctx)
	if err != nil {
		in.t.Fatal(err)
	}
	recs, err := in.db.SearchRecords(in.ctx, store.RecordQuery{Limit: 1000})
	if err != nil {
		in.t.Fatal(err)
	}
	ens, err := in.db.Enrollments(in.ctx, store.EnrollmentQuery{Limit: 1000})
	if err != nil {
		in.t.Fatal(err)
	}
	out, err := in.db.Outbox(in.ctx, store.OutboxQuery{Limit: 1000})
	if err != nil {
		in.t.Fatal(err)
	}
	return [5]int64{ev, jobs, int64(len(recs)), int64(len(ens)), int64(len(out))}
}

func TestSimulationWritesNothingAndSendsNothing(t *testing.T) {
	in := newInstall(t)
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer recv.Close()
	// A real record and a real, enabled workflow the simulation runs as a saved one.
	def := flow("live", nil,
		M{"id": "hook", "type": "webhook", "url": recv.URL + "/hook", "next": "mail"},
		M{"id": "mail", "type": "send_email", "template": "thanks", "next": "tag"},
		M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "connected"})
	def["policy"] = M{"allow": []string{"127.0.0.1"}}
	w, err := in.eng.Workflows().Create(in.ctx, raw(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.Workflows().Enable(in.ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "contact.imported", Record: engine.RecordRef{Type: "contact", Email: "ann@example.com", Properties: M{"first_name": "Ann"}}}); err != nil {
		t.Fatal(err)
	}
	rec, err := in.db.RecordByEmail(in.ctx, "contact", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	stats, err := in.db.Stats(in.ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	before := in.counts()
	res, err := in.sim.Run(in.ctx, simulate.Request{Workflow: "live", RecordID: rec.ID,
		Events: []simulate.Event{{At: "+1h", Type: "start.live"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "completed" || len(res.Effects) != 2 || res.RecordAfter["lead_status"] != "connected" {
		t.Fatalf("simulation %q effects %+v record %v", timeline(res), res.Effects, res.RecordAfter)
	}
	var req action.PreviewRequest
	if err := json.Unmarshal(res.Effects[0].WouldSend, &req); err != nil || !strings.Contains(req.Body, "ann@example.com") || req.Headers["webhook-id"] == "" {
		t.Fatalf("would send %s (%v)", res.Effects[0].WouldSend, err)
	}
	if after := in.counts(); after != before {
		t.Fatalf("the real database changed: rows (events, jobs, records, enrollments, outbox) %v before, %v after", before, after)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests from a simulation", n)
	}
	again, err := in.db.Stats(in.ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stats, again) {
		t.Fatalf("workflow counters moved: %+v then %+v", stats, again)
	}
	if r, _ := in.db.Record(in.ctx, rec.ID); r.Properties["lead_status"] != nil {
		t.Fatalf("the real record changed: %v", r.Properties)
	}
	// And the receiver does work: production sends to it.
	if _, err := in.eng.Ingest(in.ctx, engine.EventInput{Type: "start.live", Record: engine.RecordRef{Type: "contact", ID: rec.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.eng.RunDue(in.ctx); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 1 {
		t.Fatalf("production sent %d requests to the receiver, want 1", hits.Load())
	}
}

func TestSimulationBadInput(t *testing.T) {
	in := newInstall(t)
	good := flow("ok", nil, M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open"})
	rec := &simulate.RecordInput{Properties: M{"email": "ann@example.com"}}
	cases := []struct {
		name  string
		req   simulate.Request
		field string
	}{
		{"event before the start", simulate.Request{Definition: raw(t, good), Record: rec, Events: []simulate.Event{{At: "-1h", Type: "start.ok"}}}, "events[0].at"},
		{"event at an RFC 3339 time before the start", simulate.Request{Definition: raw(t, good), Record: rec, Start: "2026-03-02T09:00:00Z",
			Events: []simulate.Event{{At: "2026-03-01T09:00:00Z", Type: "start.ok"}}}, "events[0].at"},
		{"horizon over 366 days", simulate.Request{Definition: raw(t, good), Record: rec, Horizon: "400d"}, "horizon"},
		{"horizon not a length", simulate.Request{Definition: raw(t, good), Record: rec, Horizon: "a month"}, "horizon"},
		{"no workflow", simulate.Request{Record: rec}, "definition"},
		{"no record", simulate.Request{Definition: raw(t, good)}, "record"},
		{"unknown record", simulate.Request{Definition: raw(t, good), RecordID: 999}, "record_id"},
		{"unknown workflow", simulate.Request{Workflow: "nope", Record: rec}, "workflow"},
		{"a record that fails validation", simulate.Request{Definition: raw(t, good), Record: &simulate.RecordInput{Properties: M{"email": "ann@example.com", "bad name!": 1}}}, "record.properties"},
		{"bad enroll mode", simulate.Request{Definition: raw(t, good), Record: rec, Enroll: "sometimes"}, "enroll"},
		{"an SMS status no provider reports", simulate.Request{Definition: raw(t, good), Record: rec, SMSStatus: "lost"}, "sms_status"},
	}
	before := in.counts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.sim.Run(in.ctx, tc.req)
			var ie *problem.Error
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.FirstField(), tc.field) {
				t.Fatalf("error %v, want a bad input naming %q", err, tc.field)
			}
			t.Logf("%s: %v", tc.field, err)
		})
	}
	t.Run("a definition with problems", func(t *testing.T) {
		broken := flow("broken", nil, M{"id": "a", "type": "delay", "duration": "1d", "next": "nowhere"})
		_, err := in.sim.Run(in.ctx, simulate.Request{Definition: raw(t, broken), Record: rec})
		var pe *problem.Error
		if !errors.As(err, &pe) || len(pe.Problems) == 0 {
			t.Fatalf("error %v, want the definition's problems", err)
		}
	})
	t.Run("an effect that cannot render fails its step as production would", func(t *testing.T) {
		def := flow("render", nil, M{"id": "text", "type": "sms", "to": []string{"{{contact.phone}}"}, "text": "{{contact.bio}}", "next": "tag"},
			M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open"})
		res, err := in.sim.Run(in.ctx, simulate.Request{Definition: raw(t, def),
			Record: &simulate.RecordInput{Properties: M{"email": "ann@example.com", "phone": "+31612345678", "bio": strings.Repeat("long ", 400)}}})
		if err != nil {
			t.Fatal(err)
		}
		got := timeline(res)
		if !contains(got, "+0s text:failed") || res.Effects[0].Outcome != store.AttemptFailed || res.Effects[0].Error == "" {
			t.Fatalf("timeline %q effects %+v", got, res.Effects)
		}
	})
	if after := in.counts(); after != before {
		t.Fatalf("bad input changed the real database: %v then %v", before, after)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSimulationSpeed measures a 30-day scenario of 50 steps (logged, not asserted).
func TestSimulationSpeed(t *testing.T) {
	in := newInstall(t)
	var steps []M
	for i := 0; i < 25; i++ {
		steps = append(steps, M{"id": fmt.Sprintf("wait%d", i), "type": "delay", "duration": "1d", "next": fmt.Sprintf("inc%d", i)})
		next := fmt.Sprintf("wait%d", i+1)
		if i == 24 {
			next = ""
		}
		steps = append(steps, M{"id": fmt.Sprintf("inc%d", i), "type": "increment_property", "property": "score", "by": 1, "next": next})
	}
	def := flow("speed", nil, steps...)
	start := time.Now()
	res := in.simulate(def, scenario{props: M{"email": "ann@example.com"}}, "30d")
	took := time.Since(start)
	if res.Outcome != "completed" || res.RecordAfter["score"] != float64(25) {
		t.Fatalf("outcome %q record %v", res.Outcome, res.RecordAfter)
	}
	t.Logf("30-day scenario, 50 steps, %d timeline entries: %v", len(res.Timeline), took)
}

// A record the scenario does not enroll is answered not_enrolled, with each trigger's reason.
func TestSimulationWhyNotEnrolled(t *testing.T) {
	in := newInstall(t)
	def := flow("scoped", []M{{"id": "registered", "type": "event", "event": "webinar.registered", "scope": M{"webinar": "54072"}}},
		M{"id": "tag", "type": "set_property", "property": "lead_status", "value": "open"})
	rec := &simulate.RecordInput{Properties: M{"email": "ann@example.com"}}
	for _, tc := range []struct {
		events []simulate.Event
		want   string
	}{
		{[]simulate.Event{{At: "+1h", Type: "webinar.viewer"}}, "listens for webinar.registered events and the scenario has none"},
		{[]simulate.Event{{At: "+1h", Type: "webinar.registered", Scope: map[string]string{"webinar": "99999"}}}, "in webinar=54072, but the scenario's were in webinar=99999"},
	} {
		res, err := in.sim.Run(in.ctx, simulate.Request{Definition: raw(t, def), Record: rec, Events: tc.events, Horizon: "1d"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != "not_enrolled" || !strings.Contains(res.WhyNot, tc.want) || len(res.Timeline) != 0 {
			t.Fatalf("outcome %q why %q timeline %q, want not_enrolled because %q", res.Outcome, res.WhyNot, timeline(res), tc.want)
		}
	}
}
