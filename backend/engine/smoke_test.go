package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

const webinarWF = `{
  "id": "webinar", "name": "Webinar follow-up", "object": "contact",
  "triggers": [{"type": "event", "event": "webinar.registered", "scope": {"webinar": "54072"}}],
  "reenroll": {"enabled": false, "triggers": []},
  "start": "wait",
  "steps": [
    {"id": "wait", "type": "delay", "duration": "2h", "next": "watched"},
    {"id": "watched", "type": "branch",
     "branches": [{"name": "Watched", "filter": {"all": [{"property": "watch_pct", "op": "gte", "value": 50}]}, "next": "tag"}],
     "else": "replay"},
    {"id": "tag", "type": "set_property", "property": "tags", "value": ["viewer"], "mode": "append"},
    {"id": "replay", "type": "add_to_list", "list": "replay-needed"}
  ]
}`

func TestWebinarFollowUpRunsThroughDelayAndBranch(t *testing.T) {
	h := newHarness(t)
	h.deploy(webinarWF)
	a := h.event("webinar.registered", "ann@example.com", map[string]string{"webinar": "54072"}, nil, map[string]any{"tags": []any{"lead"}})
	b := h.event("webinar.registered", "bob@example.com", map[string]string{"webinar": "54072"}, nil, nil)
	other := h.event("webinar.registered", "cy@example.com", map[string]string{"webinar": "99"}, nil, nil)
	if len(a.Enrollments) != 1 || len(b.Enrollments) != 1 || len(other.Enrollments) != 0 {
		t.Fatalf("enrollments: ann %v bob %v other-webinar %v", a.Enrollments, b.Enrollments, other.Enrollments)
	}
	h.run()
	if got := h.enrollment(a.Enrollments[0]).Status; got != store.StatusWaiting {
		t.Fatalf("after start, status %q, want waiting", got)
	}
	// Ann watches 80% before the delay ends.
	if _, _, err := h.eng.PatchRecord(h.ctx, a.RecordID, map[string]any{"watch_pct": 80}); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Hour)
	if got := h.enrollment(a.Enrollments[0]).Status; got != store.StatusWaiting {
		t.Fatalf("after 1h, status %q, want waiting", got)
	}
	h.advance(time.Hour)
	ann, bob := h.enrollment(a.Enrollments[0]), h.enrollment(b.Enrollments[0])
	if ann.Status != store.StatusCompleted || bob.Status != store.StatusCompleted {
		t.Fatalf("after 2h: ann %s bob %s", ann.Status, bob.Status)
	}
	if got, want := h.trail(ann.ID), []string{"enrolled", "wait:waiting", "wait:resumed", "watched:ok", "tag:ok", "completed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ann's history %v, want %v", got, want)
	}
	if got, want := h.trail(bob.ID), []string{"enrolled", "wait:waiting", "wait:resumed", "watched:ok", "replay:ok", "completed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("bob's history %v, want %v", got, want)
	}
	if tags := h.record("ann@example.com").Properties["tags"]; !reflect.DeepEqual(tags, []any{"lead", "viewer"}) {
		t.Fatalf("ann's tags %v", tags)
	}
	lists, _ := h.db.RecordLists(h.ctx, b.RecordID)
	if !reflect.DeepEqual(lists, []string{"replay-needed"}) {
		t.Fatalf("bob's lists %v", lists)
	}
	st, err := h.db.Stats(h.ctx, "webinar")
	if err != nil {
		t.Fatal(err)
	}
	if st.Enrollments[store.StatusCompleted] != 2 || st.Steps["wait"].Completed != 2 || st.Steps["tag"].Completed != 1 || st.Steps["replay"].Completed != 1 {
		t.Fatalf("stats %+v wait %+v", st.Enrollments, st.Steps["wait"])
	}
}
