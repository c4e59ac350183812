package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func TestNotifyStepAddsOneNotificationPerUser(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("n",
		M{"id": "tell", "name": "Tell the owner", "type": "notify", "users": []string{"anna", "{{contact.owner}}", "anna"},
			"text": `{{contact.first_name | default "Someone"}} did not show up ({{event.webinar}})`, "next": "after"},
		M{"id": "after", "type": "set_property", "property": "lead_status", "value": "bad_timing"}))
	id := h.startWith("n", "ann@example.com", M{"webinar": "54072"}, M{"first_name": "Ann", "owner": "bram"})
	h.run()
	h.wantTrail(id, "enrolled", "tell:ok", "after:ok", "completed")
	if got := h.entry(id, "tell", store.HistOK)["users"]; !reflect.DeepEqual(got, []any{"anna", "bram"}) {
		t.Fatalf("history users %v", got)
	}
	notes, err := h.db.Notifications(h.ctx, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 {
		t.Fatalf("%d notifications, want 2: %+v", len(notes), notes)
	}
	users := map[string]bool{}
	for _, n := range notes {
		users[n.User] = true
		if n.Kind != NotificationKind || n.Title != "n: Tell the owner" || n.Body != "Ann did not show up (54072)" ||
			n.Link != fmt.Sprintf("/enrollments/%d", id) || n.Read || !n.CreatedAt.Equal(t0) {
			t.Fatalf("notification %+v", n)
		}
	}
	if !users["anna"] || !users["bram"] {
		t.Fatalf("users %v", users)
	}
	if n, err := h.db.UnreadCount(h.ctx); err != nil || n != 2 {
		t.Fatalf("unread %d %v", n, err)
	}
	if err := h.db.Write(h.ctx, func(tx store.Tx) error { return tx.MarkRead(notes[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.db.UnreadCount(h.ctx); n != 1 {
		t.Fatalf("unread after reading one: %d", n)
	}
	// A record without the owner the users name: the other user is still told.
	id2 := h.startWith("n", "bob@example.com", M{"webinar": "1"}, nil)
	h.run()
	if got := h.entry(id2, "tell", store.HistOK)["users"]; !reflect.DeepEqual(got, []any{"anna"}) {
		t.Fatalf("users for a record without owner %v", got)
	}
}

func TestNotifyWithNoUsersForTheRecordIsSkipped(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("n", M{"id": "tell", "type": "notify", "users": []string{"{{contact.owner}}"}, "text": "hi"}))
	id := h.start("n", "ann@example.com", nil)
	h.run()
	h.wantTrail(id, "enrolled", "tell:skipped", "completed")
	if n, _ := h.db.UnreadCount(h.ctx); n != 0 {
		t.Fatalf("unread %d", n)
	}
}

func TestCreateRecordFiresAFilterTriggerOfAnotherWorkflow(t *testing.T) {
	h := newHarness(t)
	h.deployM(M{
		"id": "deal-intake", "name": "Deal intake", "object": "deal",
		"triggers": []M{{"id": "new-deal", "type": "filter", "filter": M{"property": "stage", "op": "eq", "value": "appointmentscheduled"}}},
		"reenroll": M{"enabled": false, "triggers": []string{}},
		"start":    "qualify",
		"steps":    []M{{"id": "qualify", "type": "set_property", "property": "stage", "value": "qualifiedtobuy"}},
	})
	h.deployM(flow("c",
		M{"id": "deal", "type": "create_record", "record_type": "deal",
			"properties": M{"name": "Deal for {{contact.email}}", "stage": "appointmentscheduled", "amount": "{{contact.score}}", "source_channel": "webinar"}, "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "open_deal"}))
	id := h.start("c", "ann@example.com", M{"score": 1200})
	h.run()
	h.wantTrail(id, "enrolled", "deal:ok", "mark:ok", "completed")
	deals, err := h.db.SearchRecords(h.ctx, store.RecordQuery{Type: "deal"})
	if err != nil || len(deals) != 1 {
		t.Fatalf("deals %v %v", deals, err)
	}
	d := deals[0]
	if d.Properties["name"] != "Deal for ann@example.com" || d.Properties["amount"] != 1200.0 || d.Properties["source_channel"] != "webinar" {
		t.Fatalf("deal properties %v", d.Properties)
	}
	if d.Properties["stage"] != "qualifiedtobuy" {
		t.Fatalf("the other workflow's filter trigger did not run on the new record: stage %v", d.Properties["stage"])
	}
	detail := h.entry(id, "deal", store.HistOK)
	if detail["record_id"] != float64(d.ID) || detail["created"] != true {
		t.Fatalf("history detail %v", detail)
	}
	ens := h.enrollments("deal-intake")
	if len(ens) != 1 || ens[0].RecordID != d.ID || ens[0].Status != store.StatusCompleted {
		t.Fatalf("deal-intake enrollments %+v", ens)
	}
	if got := detail["enrolled"]; !reflect.DeepEqual(got, []any{float64(ens[0].ID)}) {
		t.Fatalf("enrolled %v", got)
	}
	// The new property was declared, so filters and the schema know it.
	if _, ok := h.eng.Schema("deal")("source_channel"); !ok {
		t.Fatal("source_channel was not declared")
	}
	ps, _ := h.db.Properties(h.ctx)
	found := false
	for _, p := range ps {
		found = found || (p.Object == "deal" && p.Name == "source_channel")
	}
	if !found {
		t.Fatal("source_channel not declared in the database")
	}
}

func TestCreateTaskDueFromTheClock(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("t",
		M{"id": "call", "type": "create_task", "title": "Call {{contact.first_name}} about the renewal", "due_in": "2d", "next": "later"},
		M{"id": "later", "type": "create_task", "title": "Follow up", "owner": "carla"}))
	id := h.start("t", "ann@example.com", M{"first_name": "Ann", "owner": "bram"})
	h.run()
	h.wantTrail(id, "enrolled", "call:ok", "later:ok", "completed")
	tasks, err := h.db.Tasks(h.ctx, store.TaskQuery{EnrollmentID: id})
	if err != nil || len(tasks) != 2 {
		t.Fatalf("tasks %v %v", tasks, err)
	}
	call, later := tasks[0], tasks[1]
	rec := h.record("ann@example.com")
	if call.Title != "Call Ann about the renewal" || call.Owner != "bram" || call.DueAt == nil || !call.DueAt.Equal(t0.Add(48*time.Hour)) ||
		call.Status != store.TaskOpen || call.RecordID != rec.ID || call.WorkflowID != "t" || call.StepID != "call" || !call.CreatedAt.Equal(t0) {
		t.Fatalf("task %+v", call)
	}
	if later.Owner != "carla" || later.DueAt != nil {
		t.Fatalf("task without due date %+v", later)
	}
	if got := h.entry(id, "call", store.HistOK); got["task_id"] != float64(call.ID) || got["due_at"] != "2026-03-04T09:00:00Z" {
		t.Fatalf("history %v", got)
	}
	h.clock.Advance(time.Hour)
	err = h.db.Write(h.ctx, func(tx store.Tx) error {
		done, err := tx.SetTaskStatus(call.ID, store.TaskDone, h.clock.Now())
		if err == nil && (done.Status != store.TaskDone || done.DoneAt == nil || !done.DoneAt.Equal(t0.Add(time.Hour))) {
			t.Errorf("done task %+v", done)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	open, _ := h.db.Tasks(h.ctx, store.TaskQuery{Status: store.TaskOpen})
	if len(open) != 1 || open[0].ID != later.ID {
		t.Fatalf("open tasks %+v", open)
	}
}

const rotateWF = `{"id": "rot", "name": "Rotate", "object": "contact",
  "triggers": [{"id": "go", "type": "event", "event": "start.rot"}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "assign",
  "steps": [
    {"id": "assign", "type": "rotate_owner", "owners": ["a", "b", "c"], "overwrite": %v, "next": "call"},
    {"id": "call", "type": "create_task", "title": "Call {{contact.email}}"}
  ]}`

func TestRotateOwnerRoundRobinSurvivesARestart(t *testing.T) {
	h := newHarness(t)
	h.deploy(fmt.Sprintf(rotateWF, false))
	var got []string
	for i := 1; i <= 5; i++ {
		if i == 4 {
			h.restart()
		}
		email := fmt.Sprintf("c%d@example.com", i)
		id := h.start("rot", email, nil)
		h.run()
		h.wantStatus(id, store.StatusCompleted)
		h.wantTrail(id, "enrolled", "assign:ok", "call:ok", "completed")
		owner, _ := h.props(email)["owner"].(string)
		got = append(got, owner)
		// The step after rotate_owner runs in a new pass and sees the assigned owner.
		tasks, err := h.db.Tasks(h.ctx, store.TaskQuery{EnrollmentID: id})
		if err != nil || len(tasks) != 1 || tasks[0].Owner != owner {
			t.Fatalf("task of %s %+v %v, want owner %q", email, tasks, err, owner)
		}
		if d := h.entry(id, "assign", store.HistOK); d["owner"] != owner || d["turn"] != float64((i-1)%3+1) || d["of"] != 3.0 {
			t.Fatalf("history %v", d)
		}
		if en := h.enrollment(id); en.StepsRun != 2 {
			t.Fatalf("steps run %d, want 2", en.StepsRun)
		}
	}
	if want := []string{"a", "b", "c", "a", "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("owners %v, want %v", got, want)
	}
	if pos, err := h.db.OwnerPosition(h.ctx, "rot", "assign"); err != nil || pos != 2 {
		t.Fatalf("persisted position %d %v", pos, err)
	}
	st, _ := h.db.Stats(h.ctx, "rot")
	if st.Steps["assign"].Completed != 5 || st.Steps["call"].Completed != 5 {
		t.Fatalf("stats %+v", st.Steps)
	}
}

// Publishing a new owner list starts the rotation over with its first owner (as HubSpot does);
// a list that is only reordered is a new list too.
func TestRotateOwnerStartsOverWhenTheOwnerListChanges(t *testing.T) {
	h := newHarness(t)
	h.deploy(fmt.Sprintf(rotateWF, false))
	next := func(i int) string {
		t.Helper()
		email := fmt.Sprintf("c%d@example.com", i)
		h.start("rot", email, nil)
		h.run()
		o, _ := h.props(email)["owner"].(string)
		return o
	}
	publish := func(owners string) {
		t.Helper()
		def := strings.Replace(fmt.Sprintf(rotateWF, false), `["a", "b", "c"]`, owners, 1)
		if _, err := h.eng.Workflows().Publish(h.ctx, "rot", []byte(def), 0, false); err != nil {
			t.Fatalf("publish %s: %v", owners, err)
		}
	}
	var got []string
	got = append(got, next(1), next(2)) // a, b
	publish(`["x", "y"]`)
	got = append(got, next(3), next(4), next(5)) // x, y, x
	publish(`["y", "x"]`)
	got = append(got, next(6)) // y
	publish(`["y", "x"]`)      // the same list again: the rotation goes on
	got = append(got, next(7)) // x
	if want := []string{"a", "b", "x", "y", "x", "y", "x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("owners %v, want %v", got, want)
	}
}

func TestRotateOwnerConcurrentEnrollmentsShareTurnsEvenly(t *testing.T) {
	h := newHarness(t)
	h.deploy(fmt.Sprintf(rotateWF, false))
	for i := 0; i < 30; i++ {
		h.start("rot", fmt.Sprintf("c%d@example.com", i), nil)
	}
	h.run() // 30 enrollments in one claim, run by concurrent workers
	counts := map[string]int{}
	for i := 0; i < 30; i++ {
		o, _ := h.props(fmt.Sprintf("c%d@example.com", i))["owner"].(string)
		counts[o]++
	}
	if !reflect.DeepEqual(counts, map[string]int{"a": 10, "b": 10, "c": 10}) {
		t.Fatalf("owner counts %v", counts)
	}
}

func TestRotateOwnerOverwrite(t *testing.T) {
	t.Run("off keeps an existing owner", func(t *testing.T) {
		h := newHarness(t)
		h.deploy(fmt.Sprintf(rotateWF, false))
		id := h.start("rot", "kept@example.com", M{"owner": "zed"})
		h.run()
		h.wantTrail(id, "enrolled", "assign:skipped", "call:ok", "completed")
		if d := h.entry(id, "assign", store.HistSkipped); d["owner"] != "zed" {
			t.Fatalf("skip detail %v", d)
		}
		if o := h.props("kept@example.com")["owner"]; o != "zed" {
			t.Fatalf("owner %v", o)
		}
		// The skipped visit did not use a turn.
		id = h.start("rot", "new@example.com", nil)
		h.run()
		h.wantTrail(id, "enrolled", "assign:ok", "call:ok", "completed")
		if o := h.props("new@example.com")["owner"]; o != "a" {
			t.Fatalf("first rotated owner %v, want a", o)
		}
	})
	t.Run("on replaces it", func(t *testing.T) {
		h := newHarness(t)
		h.deploy(fmt.Sprintf(rotateWF, true))
		id := h.start("rot", "kept@example.com", M{"owner": "zed"})
		h.run()
		h.wantTrail(id, "enrolled", "assign:ok", "call:ok", "completed")
		if d := h.entry(id, "assign", store.HistOK); d["owner"] != "a" || d["previous"] != "zed" {
			t.Fatalf("detail %v", d)
		}
		if o := h.props("kept@example.com")["owner"]; o != "a" {
			t.Fatalf("owner %v", o)
		}
	})
}

func TestRotateOwnerAssignmentFiresFilterTriggers(t *testing.T) {
	h := newHarness(t)
	h.deployM(M{
		"id": "owned", "name": "Owned by b", "object": "contact",
		"triggers": []M{{"id": "mine", "type": "filter", "filter": M{"property": "owner", "op": "eq", "value": "a"}}},
		"reenroll": M{"enabled": false, "triggers": []string{}},
		"start":    "tag",
		"steps":    []M{{"id": "tag", "type": "set_property", "property": "lead_status", "value": "in_progress"}},
	})
	h.deployM(flow("r", M{"id": "assign", "type": "rotate_owner", "owners": []string{"a"}}))
	id := h.start("r", "ann@example.com", nil)
	h.run()
	h.wantTrail(id, "enrolled", "assign:ok", "completed")
	if got := h.props("ann@example.com")["lead_status"]; got != "in_progress" {
		t.Fatalf("filter trigger on the owner did not run: %v", got)
	}
}

func TestSubscriptionStepKeepsStatusHistoryAndMirrorsMarketing(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("out",
		M{"id": "optout", "type": "subscription", "subscription": "marketing", "status": "opted_out",
			"legal_basis": "consent_withdrawn", "explanation": "{{contact.first_name}} unsubscribed by reply", "next": "check"},
		M{"id": "check", "type": "branch", "branches": []M{{"name": "Still subscribed", "filter": M{"property": "subscribed", "op": "eq", "value": true}, "next": "oops"}}},
		M{"id": "oops", "type": "set_property", "property": "lead_status", "value": "unqualified"}))
	h.deployM(flow("in",
		M{"id": "optin", "type": "subscription", "subscription": "marketing", "status": "opted_in", "legal_basis": "consent", "explanation": "Form", "next": "news"},
		M{"id": "news", "type": "subscription", "subscription": "newsletter", "status": "opted_in", "legal_basis": "legitimate_interest"}))
	in := h.start("in", "ann@example.com", M{"first_name": "Ann", "subscribed": false})
	h.run()
	h.wantTrail(in, "enrolled", "optin:ok", "news:ok", "completed")
	if got := h.props("ann@example.com")["subscribed"]; got != true {
		t.Fatalf("subscribed after opt-in %v", got)
	}
	out := h.start("out", "ann@example.com", nil)
	h.run()
	h.wantTrail(out, "enrolled", "optout:ok", "check:ok", "completed") // the branch saw subscribed=false in the same pass
	if d := h.entry(out, "optout", store.HistOK); d["previous"] != "opted_in" || d["changed"] != true || d["legal_basis"] != "consent_withdrawn" {
		t.Fatalf("history %v", d)
	}
	rec := h.record("ann@example.com")
	if rec.Properties["subscribed"] != false {
		t.Fatalf("subscribed after opt-out %v", rec.Properties["subscribed"])
	}
	subs, err := h.db.Subscriptions(h.ctx, rec.ID)
	if err != nil || len(subs) != 2 {
		t.Fatalf("subscriptions %v %v", subs, err)
	}
	if s := subs[0]; s.Subscription != "marketing" || s.Status != store.OptedOut || s.LegalBasis != "consent_withdrawn" ||
		s.Explanation != "Ann unsubscribed by reply" || s.Source != "out/optout" {
		t.Fatalf("marketing %+v", s)
	}
	if s := subs[1]; s.Subscription != "newsletter" || s.Status != store.OptedIn || s.LegalBasis != "legitimate_interest" {
		t.Fatalf("newsletter %+v", s)
	}
	hist, err := h.db.SubscriptionHistory(h.ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range hist {
		lines = append(lines, fmt.Sprintf("%s:%s->%s@%d", c.Subscription, c.Previous, c.Status, c.EnrollmentID))
	}
	want := []string{fmt.Sprintf("marketing:->opted_in@%d", in), fmt.Sprintf("newsletter:->opted_in@%d", in), fmt.Sprintf("marketing:opted_in->opted_out@%d", out)}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("history %v, want %v", lines, want)
	}
}

func TestDatabaseStepsRunExactlyOnceWhenTheCommitIsLost(t *testing.T) {
	h := newHarness(t)
	h.deployM(flow("x",
		M{"id": "task", "type": "create_task", "title": "Call", "next": "tell"},
		M{"id": "tell", "type": "notify", "users": []string{"anna"}, "text": "hi", "next": "sub"},
		M{"id": "sub", "type": "subscription", "subscription": "newsletter", "status": "opted_in"}))
	id := h.start("x", "ann@example.com", nil)
	// Claim the job and plan it, but lose the commit (a crash): nothing is applied.
	jobs, err := h.eng.claim(h.ctx, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim %v %v", jobs, err)
	}
	if _, err := h.eng.makePlan(h.ctx, jobs[0]); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if err := h.eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.run()
	h.wantTrail(id, "enrolled", "task:ok", "tell:ok", "sub:ok", "completed")
	tasks, _ := h.db.Tasks(h.ctx, store.TaskQuery{})
	notes, _ := h.db.Notifications(h.ctx, false, 10)
	hist, _ := h.db.SubscriptionHistory(h.ctx, h.record("ann@example.com").ID)
	if len(tasks) != 1 || len(notes) != 1 || len(hist) != 1 {
		t.Fatalf("tasks %d notifications %d subscription changes %d, want 1 each", len(tasks), len(notes), len(hist))
	}
}
