package engine

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// rowCounts is what a refused write must leave as it was.
type rowCounts struct{ records, events int64 }

func (h *harness) rows() rowCounts {
	h.t.Helper()
	recs, err := h.db.SearchRecords(h.ctx, store.RecordQuery{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	ev, err := h.db.CountEvents(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return rowCounts{int64(len(recs)), ev}
}

func (h *harness) declareProp(p store.Property) {
	h.t.Helper()
	if _, err := h.eng.CreateProperty(h.ctx, p); err != nil {
		h.t.Fatalf("declare %s: %v", p.Name, err)
	}
}

// wantField asserts a *problem.Error naming field whose message contains every part.
func wantField(t *testing.T, err error, field string, parts ...string) {
	t.Helper()
	var ie *problem.Error
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an input error naming %s", err, field)
	}
	if ie.FirstField() != field {
		t.Fatalf("field = %q, want %q (%v)", ie.FirstField(), field, ie)
	}
	for _, p := range parts {
		if !strings.Contains(ie.Error(), p) {
			t.Fatalf("message %q lacks %q", ie.Error(), p)
		}
	}
}

func TestWritesAreCheckedAgainstDeclaredTypes(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "plan", Type: "enum", Options: []string{"free", "pro"}})
	h.declareProp(store.Property{Object: "contact", Name: "trial_end", Type: "date"})
	h.declareProp(store.Property{Object: "contact", Name: "optin", Type: "bool"})
	h.declareProp(store.Property{Object: "contact", Name: "big", Type: "integer"})
	h.declareProp(store.Property{Object: "contact", Name: "backup_email", Type: "email"})
	h.declareProp(store.Property{Object: "contact", Name: "site", Type: "url"})

	bad := []struct {
		name  string
		props M
		field string
		say   string
	}{
		{"a word for a number", M{"score": "abc"}, "record.properties.score", `"abc" is not a number`},
		{"an enum value outside its options", M{"plan": "gold"}, "record.properties.plan", "free, pro"},
		{"a date that does not exist", M{"trial_end": "31-02-2026"}, "record.properties.trial_end", "not a date"},
		{"February 31st", M{"trial_end": "2026-02-31"}, "record.properties.trial_end", "not a date"},
		{"a bool that is not one", M{"optin": "maybe"}, "record.properties.optin", "true or false"},
		{"an email that is not one", M{"backup_email": "ann-at-example"}, "record.properties.backup_email", "@"},
		{"a url without scheme", M{"site": "example.com"}, "record.properties.site", "web address"},
		{"a list for text", M{"city": []any{"a", "b"}}, "record.properties.city", "not text"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := h.rows()
			_, err := h.eng.Ingest(h.ctx, EventInput{Type: "form.submitted", Record: RecordRef{Email: "ann@example.com", Properties: tc.props}})
			wantField(t, err, tc.field, tc.say)
			if after := h.rows(); after != before {
				t.Fatalf("rows %+v -> %+v: a refused write changed something", before, after)
			}
		})
	}

	// Exact conversions are made.
	h.event("form.submitted", "ann@example.com", nil, nil, M{"score": "12,5", "trial_end": " 2026-12-02 ", "optin": "true", "plan": "PRO"})
	p := h.props("ann@example.com")
	if p["score"] != 12.5 || p["trial_end"] != "2026-12-02" || p["optin"] != true || p["plan"] != "pro" {
		t.Fatalf("converted: %v", p)
	}

	// PATCH obeys the same rules and writes nothing on a bad value, even next to good ones.
	rec := h.record("ann@example.com")
	_, _, err := h.eng.PatchRecord(h.ctx, rec.ID, map[string]any{"score": "lots", "city": "Utrecht"})
	wantField(t, err, "properties.score", "not a number")
	if got := h.props("ann@example.com"); got["city"] != nil || got["score"] != 12.5 {
		t.Fatalf("a refused PATCH wrote: %v", got)
	}
}

func TestIntegerKeepsSixtyFourBits(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "big", Type: "integer"})
	var in EventInput
	body := `{"type": "x", "record": {"email": "ann@example.com", "properties": {"big": 9223372036854775807, "huge": 9007199254740993}}}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.Ingest(h.ctx, in); err != nil {
		t.Fatal(err)
	}
	h.restart()
	// Read back from the file, through a fresh engine: no float on the way.
	rec := h.record("ann@example.com")
	if rec.Properties["big"] != int64(9223372036854775807) || rec.Properties["huge"] != int64(9007199254740993) {
		t.Fatalf("big = %#v, huge = %#v", rec.Properties["big"], rec.Properties["huge"])
	}
	if p, _ := h.eng.Property("contact", "huge"); p.Type != "integer" {
		t.Fatalf("an unseen whole number beyond 2^53 is declared %q, want integer", p.Type)
	}

	before := h.rows()
	var over EventInput
	_ = json.Unmarshal([]byte(`{"type": "x", "record": {"email": "bob@example.com", "properties": {"big": 9223372036854775808}}}`), &over)
	_, err := h.eng.Ingest(h.ctx, over)
	wantField(t, err, "record.properties.big", "64 bits")
	// A number property refuses what a float would round.
	var round EventInput
	_ = json.Unmarshal([]byte(`{"type": "x", "record": {"email": "bob@example.com", "properties": {"score": 9007199254740993}}}`), &round)
	_, err = h.eng.Ingest(h.ctx, round)
	wantField(t, err, "record.properties.score", "2^53")
	if after := h.rows(); after != before {
		t.Fatalf("rows %+v -> %+v", before, after)
	}
}

func TestStepWriteOfWrongTypeFailsTheStep(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "plan", Type: "enum", Options: []string{"free", "pro", "gold"}})
	h.deployM(flow("p",
		M{"id": "first", "type": "set_property", "property": "lead_status", "value": "in_progress", "next": "up"},
		M{"id": "up", "type": "set_property", "property": "plan", "value": "gold", "next": "never"},
		M{"id": "never", "type": "set_property", "property": "lifecycle", "value": "other"}))
	// "gold" is dropped from the options after the workflow was switched on (saving it with a
	// value outside them is a problem: TestStepValueOutsideTheOptionsIsAProblem).
	opts := []string{"free", "pro"}
	if _, _, err := h.eng.UpdateProperty(h.ctx, "contact", "plan", PropertyPatch{Options: &opts}); err != nil {
		t.Fatal(err)
	}
	id := h.start("p", "ann@example.com", M{"plan": "free"})
	h.run()
	h.wantTrail(id, "enrolled", "first:ok", "up:failed", "failed")
	if d := h.entry(id, "up", "failed"); !strings.Contains(d["error"].(string), "not one of the allowed values") {
		t.Fatalf("failure detail %v", d)
	}
	if p := h.props("ann@example.com"); p["plan"] != "free" || p["lead_status"] != "in_progress" {
		t.Fatalf("props %v", p)
	}
}

func TestUniquePropertyNamesTheOtherRecord(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "customer_id", Type: "string", Unique: true})
	first := h.event("signup", "ann@example.com", nil, nil, M{"customer_id": "C-1"})
	before := h.rows()
	_, err := h.eng.Ingest(h.ctx, EventInput{Type: "signup", Record: RecordRef{Email: "bob@example.com", Properties: M{"customer_id": "C-1"}}})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.RecordID != first.RecordID || ce.Field != "record.properties.customer_id" {
		t.Fatalf("err = %v, want a conflict naming record %d", err, first.RecordID)
	}
	if after := h.rows(); after != before {
		t.Fatalf("rows %+v -> %+v", before, after)
	}
}

func TestTypeChangeRefusedWithCountThenConverted(t *testing.T) {
	h := newHarness(t)
	h.event("x", "a@example.com", nil, nil, M{"size": "12"})
	h.event("x", "b@example.com", nil, nil, M{"size": "large"})
	h.event("x", "c@example.com", nil, nil, M{"size": "tiny"})
	h.event("x", "d@example.com", nil, nil, M{"size": "7,5"})
	typ := "number"
	_, _, err := h.eng.UpdateProperty(h.ctx, "contact", "size", PropertyPatch{Type: &typ})
	var ce *ConvertError
	if !errors.As(err, &ce) || ce.Count != 2 || len(ce.Records) != 2 {
		t.Fatalf("err = %v, want 2 values that do not convert", err)
	}
	if p, _ := h.eng.Property("contact", "size"); p.Type != "string" {
		t.Fatalf("a refused change changed the type to %s", p.Type)
	}
	if h.props("a@example.com")["size"] != "12" {
		t.Fatal("a refused change converted values")
	}
	for _, e := range []string{"b@example.com", "c@example.com"} {
		rec := h.record(e)
		if _, _, err := h.eng.PatchRecord(h.ctx, rec.ID, map[string]any{"size": nil}); err != nil {
			t.Fatal(err)
		}
	}
	_, n, err := h.eng.UpdateProperty(h.ctx, "contact", "size", PropertyPatch{Type: &typ})
	if err != nil || n != 2 {
		t.Fatalf("convert: %d, %v", n, err)
	}
	if a, d := h.props("a@example.com")["size"], h.props("d@example.com")["size"]; a != 12.0 || d != 7.5 {
		t.Fatalf("converted values %#v %#v", a, d)
	}
}

func TestDeletePropertyInUseNamesTheWorkflow(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "plan", Type: "enum", Options: []string{"free", "pro"}})
	h.deployM(flow("upgrade", M{"id": "up", "type": "set_property", "property": "plan", "value": "pro"}))
	err := h.eng.DeleteProperty(h.ctx, "contact", "plan", []string{"webhook endpoint \"Shop\""})
	var iu *InUseError
	if !errors.As(err, &iu) || len(iu.Users) != 2 || !strings.Contains(iu.Users[0], "upgrade") {
		t.Fatalf("err = %v, want the workflow and the endpoint named", err)
	}
	if _, ok := h.eng.Property("contact", "plan"); !ok {
		t.Fatal("a refused delete removed the property")
	}
	if err := h.eng.DeleteProperty(h.ctx, "contact", "trial", nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown property: %v", err)
	}
}

func TestStrictRefusesUndeclared(t *testing.T) {
	h := newHarness(t)
	before := h.rows()
	_, err := h.eng.Ingest(h.ctx, EventInput{Type: "x", Record: RecordRef{Email: "ann@example.com", Properties: M{"ctiy": "Utrecht"}, Strict: true}})
	wantField(t, err, "record.properties.ctiy", "not a declared contact property")
	// Its own code, so a caller (the webhook request log) can tell it from a value that does not convert.
	var ie *problem.Error
	if !errors.As(err, &ie) || ie.Code != problem.CodeUndeclared {
		t.Fatalf("code of %v, want %s", err, problem.CodeUndeclared)
	}
	if after := h.rows(); after != before {
		t.Fatalf("rows %+v -> %+v", before, after)
	}
}

// A property a webhook mapping declares as a date (RecordRef.Types, the mapping's "type") is a
// date: a schedule on it validates and fires, and before/after filters on it validate.
func TestMappedDatePropertyDrivesSchedule(t *testing.T) {
	s := newSchedEnv(t, "2026-06-01T00:00:00Z")
	_, err := s.eng.Ingest(s.ctx, EventInput{Type: "trial.started", Record: RecordRef{Email: "ann@example.com",
		Properties: M{"trial_end": "2026-06-10"}, Types: map[string]string{"trial_end": "date"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := s.eng.Property("contact", "trial_end"); p.Type != "date" {
		t.Fatalf("trial_end declared %q, want date", p.Type)
	}
	probs, err := s.eng.Workflows().Validate(s.ctx, []byte(`{"name": "f", "object": "contact", "triggers": [{"id": "t", "type": "filter",
		"filter": {"all": [{"property": "trial_end", "op": "after", "value": "2026-06-01"}, {"property": "trial_end", "op": "before", "value": "2026-07-01"}]}}],
		"start": "n", "steps": [{"id": "n", "type": "notify", "users": ["owner"], "text": "x"}]}`))
	if err != nil || len(probs) != 0 {
		t.Fatalf("before/after on a mapped date: %v %v", probs, err)
	}
	s.deploy(schedWF("trial", `[{"id": "trial", "type": "schedule", "date_property": "trial_end", "offset": "-3d", "time": "09:00"}]`, ""))
	fired := ""
	for !s.clock.Now().After(schedTime("2026-06-09T00:00:00Z")) {
		if s.tick() > 0 && fired == "" {
			fired = s.clock.Now().UTC().Format(time.RFC3339)
		}
		s.clock.Advance(time.Hour)
	}
	if fired != "2026-06-07T07:00:00Z" {
		t.Fatalf("fired at %q, want 2026-06-07T07:00:00Z (09:00 Amsterdam, 3 days before)", fired)
	}
}

// CheckRecordValues checks a write's values as Ingest would, without asking which record and
// without writing: an unknown type, a value its declared type cannot take and, when strict, an
// undeclared property are each refused naming the field; a good write passes.
func TestCheckRecordValues(t *testing.T) {
	h := newHarness(t)
	h.declareProp(store.Property{Object: "contact", Name: "seats", Type: "number"})
	before := h.rows()
	wantField(t, h.eng.CheckRecordValues("record", RecordRef{Type: "planet", Properties: map[string]any{"seats": 3}}), "record.type", "unknown record type")
	wantField(t, h.eng.CheckRecordValues("record", RecordRef{Properties: map[string]any{"seats": "many"}}), "record.properties.seats")
	err := h.eng.CheckRecordValues("record", RecordRef{Properties: map[string]any{"plan": "pro"}, Strict: true})
	wantField(t, err, "record.properties.plan", "not a declared contact property")
	var ie *problem.Error
	if !errors.As(err, &ie) || ie.Code != problem.CodeUndeclared {
		t.Fatalf("strict refusal %v, want code %s", err, problem.CodeUndeclared)
	}
	add := map[string][]any{"tags": {7}}
	if err := h.eng.CheckRecordValues("record", RecordRef{Properties: map[string]any{"seats": "12"}, Add: add}); err != nil {
		t.Fatalf("a good write without an id or email: %v", err)
	}
	if add["tags"][0] != 7 {
		t.Fatalf("the check converted the caller's list in place: %v", add["tags"])
	}
	if after := h.rows(); after != before {
		t.Fatalf("a check wrote %+v -> %+v", before, after)
	}
	if _, ok := h.eng.Property("contact", "plan"); ok {
		t.Fatal("a check declared a property")
	}
}
