package hook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
)

func ptrFilter(s string) *condition.Filter {
	var f condition.Filter
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		panic(err)
	}
	return &f
}

func mustPayload(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := decodePayload([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPaths(t *testing.T) {
	p := mustPayload(t, `{"data": {"contact": {"email": "a@b.c", "fields": {"first_name": "Ann"}}},
		"items": [{"sku": "A", "tags": ["x", "y"]}, {"sku": "B", "tags": ["z"]}, {"qty": 1}],
		"tags": ["t1", "t2"], "n": null, "big": 12345678901234567890}`)
	cases := []struct {
		path  string
		want  any
		found bool
	}{
		{"data.contact.email", "a@b.c", true},
		{"data.contact.fields.first_name", "Ann", true},
		{"data.contact.fields.last_name", nil, false},
		{"items[0].sku", "A", true},
		{"items[1].sku", "B", true},
		{"items[5].sku", nil, false},
		{"items[].sku", []any{"A", "B"}, true},
		{"items[].tags[]", []any{"x", "y", "z"}, true},
		{"tags[]", []any{"t1", "t2"}, true},
		{"tags[1]", "t2", true},
		{"n", nil, false},
		{"data.contact.email.x", nil, false},
		{"big", json.Number("12345678901234567890"), true},
	}
	for _, c := range cases {
		pp, err := ParsePath(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		got, found := pp.Extract(p)
		if found != c.found || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, %v; want %#v, %v", c.path, got, found, c.want, c.found)
		}
	}
	for _, bad := range []string{"", "a..b", ".a", "a.", "a[", "a]", "a[x]", "a[-1]", "[0]", "a[0]b", strings.Repeat("a.", 40) + "a"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}

func TestConversions(t *testing.T) {
	cases := []struct {
		typ    string
		in     any
		want   any
		errHas string
	}{
		{TypeString, "x", "x", ""},
		{TypeString, 42.0, "42", ""},
		{TypeString, true, "true", ""},
		{TypeString, map[string]any{}, nil, "an object is not text"},
		{TypeNumber, 3.5, 3.5, ""},
		{TypeNumber, " 41 ", 41.0, ""},
		{TypeNumber, "12,5", 12.5, ""},
		{TypeNumber, "abc", nil, `"abc" is not a number`},
		{TypeNumber, true, nil, "not a number"},
		{TypeBool, "yes", true, ""},
		{TypeBool, "0", false, ""},
		{TypeBool, 1.0, true, ""},
		{TypeBool, "maybe", nil, `"maybe" is not true or false`},
		{TypeDate, "2026-03-12", "2026-03-12", ""},
		{TypeDate, "2026-03-12T10:00:00+01:00", "2026-03-12T09:00:00Z", ""},
		{TypeDate, "2026-03-12 10:00:00", "2026-03-12T10:00:00Z", ""},
		{TypeDate, 1773309600.0, "2026-03-12T10:00:00Z", ""},
		{TypeDate, 1773309600000.0, "2026-03-12T10:00:00Z", ""},
		{TypeDate, "next week", nil, `"next week" is not a date`},
		{TypeEnum, "Gold", "Gold", ""},
		{TypeMulti, []any{"a", "b", "a", nil}, []any{"a", "b"}, ""},
		{TypeMulti, "a; b", []any{"a", "b"}, ""},
		{TypeMulti, []any{map[string]any{}}, nil, "element 0"},
	}
	for _, c := range cases {
		got, err := convert(c.in, c.typ, nil)
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("%s(%v): err %v, want %q", c.typ, c.in, err, c.errHas)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s(%v) = %#v, %v; want %#v", c.typ, c.in, got, err, c.want)
		}
	}
	if _, err := convert("Platinum", TypeEnum, []string{"Gold", "Silver"}); err == nil || !strings.Contains(err.Error(), "Gold, Silver") {
		t.Errorf("enum outside values: %v", err)
	}
	if v, _ := convert("gold", TypeEnum, []string{"Gold", "Silver"}); v != "Gold" {
		t.Errorf("enum case-folds to the allowed spelling, got %v", v)
	}
}

func TestMapReportsEveryProblemWithItsPath(t *testing.T) {
	plan, err := Compile(Config{Name: "x", Event: EventSpec{Path: "kind"}, Mapping: []Field{
		{Path: "data.contact.email", Property: "email", Required: true},
		{Path: "data.contact.fields.age", Property: "age", Type: TypeNumber},
		{Path: "data.contact.fields.vip", Property: "vip", Type: TypeBool},
		{Path: "data.contact.fields.born", Property: "born", Type: TypeDate},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Map(mustPayload(t, `{"kind": 5, "data": {"contact": {"fields": {"age": "abc", "vip": "perhaps", "born": "soon"}}}}`))
	me, ok := err.(*problem.Error)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		`kind: 5 is not an event type`,
		`data.contact.email: is missing; it is required for property "email"`,
		`data.contact.fields.age: "abc" is not a number`,
		`data.contact.fields.vip: "perhaps" is not true or false`,
		`data.contact.fields.born: "soon" is not a date`,
	}
	for _, w := range want {
		if !strings.Contains(me.Error(), w) {
			t.Errorf("missing %q in %s", w, me.Error())
		}
	}
}

func TestIncludeExclude(t *testing.T) {
	payload := `{"type": "t", "email": "a@b.c", "card": {"number": "4111", "brand": "visa"}, "utm": {"source": "x", "medium": "y"}, "note": "hi"}`
	plan, err := Compile(Config{Name: "x", Event: EventSpec{Type: "t"}, Mapping: []Field{{Path: "email", Property: "email"}},
		Exclude: []string{"card.number", "note"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPayload(t, payload)
	m, err := plan.Map(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(m.Data["card"]); got != "map[brand:visa]" || m.Data["note"] != nil || m.Data["email"] != "a@b.c" {
		t.Fatalf("exclude: %v", m.Data)
	}
	if fmt.Sprint(p["card"]) != "map[brand:visa number:4111]" {
		t.Fatal("exclude changed the payload the filter sees")
	}
	plan, _ = Compile(Config{Name: "x", Event: EventSpec{Type: "t"}, Mapping: []Field{{Path: "email", Property: "email"}},
		Include: []string{"utm.source", "email", "missing.field"}, Exclude: []string{"email"}}, nil)
	m, _ = plan.Map(mustPayload(t, payload))
	if got := fmt.Sprint(m.Data); got != "map[utm:map[source:x]]" {
		t.Fatalf("include then exclude: %s", got)
	}
	if m.Props["email"] != "a@b.c" {
		t.Fatal("include/exclude must not affect the mapping")
	}
}

func TestConfigValidationListsEveryProblem(t *testing.T) {
	c := Config{Auth: "basic", Secret: "nope", Preset: "mailchimp", Event: EventSpec{Type: "bad type!"},
		Mapping: []Field{{Path: "a..b", Property: "1x", Type: "int64"}, {Path: "tags[]", Property: "tags", Type: TypeNumber}},
		Include: []string{"items[0]"}, Filter: ptrFilter(`{"property": "x", "op": "bogus", "value": 1}`),
		DelayDays: 400, MaxFailures: -1, MaxBodyBytes: 10, AlertTo: []string{"ops@acme.example", "sales@acme"}}
	ps := c.Validate(nil)
	fields := map[string]bool{}
	for _, p := range ps {
		fields[p.Field] = true
		if p.Message == "" {
			t.Errorf("%s: empty message", p.Field)
		}
	}
	for _, f := range []string{"name", "auth", "preset", "event", "mapping[0].path", "mapping[0].property", "mapping[0].type",
		"mapping[1].type", "include[0]", "filter", "delay_days", "max_failures", "max_body_bytes", "alert_to[1]"} {
		if !fields[f] {
			t.Errorf("no problem reported for %s (got %v)", f, ps)
		}
	}
	sig := Config{Name: "s", Secret: "whsec_short"}
	if ps := sig.Validate(nil); len(ps) != 1 || ps[0].Field != "secret" {
		t.Errorf("bad secret: %v", ps)
	}
	ok := Config{Name: "ok", Preset: "systemeio"}
	if ps := ok.Validate([]string{"contact"}); len(ps) != 0 {
		t.Errorf("preset-only config: %v", ps)
	}
}

func TestPresetOverrides(t *testing.T) {
	c := Config{Name: "x", Preset: "systemeio", Mapping: []Field{{Path: "data.contact.fields.surname", Property: "first_name"}}}
	eff := c.Effective()
	n := 0
	for _, f := range eff.Mapping {
		if f.Property == "first_name" {
			n++
			if f.Path != "data.contact.fields.surname" {
				t.Errorf("own mapping did not replace the preset's: %+v", f)
			}
		}
	}
	if n != 1 || eff.Event.Path != "type" || eff.Match != "email" {
		t.Fatalf("effective: %+v", eff)
	}
}
