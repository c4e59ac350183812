package workflow

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const minimal = `{"id": "w", "name": "W", "object": "contact", "triggers": [], "reenroll": {"enabled": false, "triggers": []},
 "start": "a", "steps": [{"id": "a", "type": "add_to_list", "list": "l"}]}`

func TestParseMinimal(t *testing.T) {
	d, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "w" || d.Start != "a" || len(d.Steps) != 1 || d.Steps[0].List != "l" {
		t.Fatalf("got %+v", d)
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"unknown top-level field", `{"id": "w", "colour": "red"}`, `unknown field "colour"`},
		{"unknown step field", `{"id": "w", "steps": [{"id": "a", "type": "delay", "duraton": "2h"}]}`, `unknown field "duraton"`},
		{"unknown trigger field", `{"id": "w", "triggers": [{"type": "event", "evnt": "x"}]}`, `unknown field "evnt"`},
		{"trailing object", minimal + ` {"id": "x"}`, "unexpected data after the workflow object"},
		{"trailing garbage", minimal + ` ]`, "unexpected data after the workflow object"},
		{"not an object", `[1, 2]`, "parse workflow"},
		{"empty", ``, "parse workflow"},
		{"bad strings", `{"steps": [{"id": "a", "type": "sms", "to": 5}]}`, "want a string or a list of strings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.input))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestParseNormalizes(t *testing.T) {
	d, err := Parse([]byte(`{"id": "w", "triggers": [{"type": "event", "event": "a"}, {"id": "mine", "type": "event", "event": "b"}, {"type": "webhook", "hook": "h"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tr := range d.Triggers {
		ids = append(ids, tr.ID)
	}
	if want := []string{"trigger-1", "mine", "trigger-3"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	if d.Reenroll.Triggers == nil {
		t.Fatal("reenroll.triggers not normalized to an empty list")
	}
}

func TestStringsUnmarshal(t *testing.T) {
	cases := []struct {
		input string
		want  Strings
	}{
		{`"a"`, Strings{"a"}},
		{`["a"]`, Strings{"a"}},
		{`["a", "b"]`, Strings{"a", "b"}},
		{` "a" `, Strings{"a"}},
		{`[]`, Strings{}},
	}
	for _, c := range cases {
		var s Strings
		if err := json.Unmarshal([]byte(c.input), &s); err != nil {
			t.Fatalf("%s: %v", c.input, err)
		}
		if !reflect.DeepEqual(s, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.input, s, c.want)
		}
	}
	for _, bad := range []string{`5`, `{"a": 1}`, `[1]`, `"unterminated`} {
		var s Strings
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestStringsInStep(t *testing.T) {
	d, err := Parse([]byte(`{"id": "w", "steps": [
		{"id": "a", "type": "copy_property", "from": "x", "to": "y"},
		{"id": "b", "type": "internal_email", "to": ["p@example.com", "q@example.com"], "template": "t"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Steps[0].To, Strings{"y"}) || !reflect.DeepEqual(d.Steps[1].To, Strings{"p@example.com", "q@example.com"}) {
		t.Fatalf("got %#v and %#v", d.Steps[0].To, d.Steps[1].To)
	}
}

func TestSuccessors(t *testing.T) {
	s := Step{ID: "b", Type: StepBranch, Branches: []Branch{{Name: "x", Next: "c"}, {Name: "y"}}, Else: "d"}
	if got := s.Successors(); !reflect.DeepEqual(got, []string{"c", "d"}) {
		t.Fatalf("branch successors %v", got)
	}
	g := Step{ID: "g", Type: StepGoto, Target: "a"}
	if got := g.Successors(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("goto successors %v", got)
	}
	w := Step{ID: "w", Type: StepDelay, Next: "n", Event: &WaitEvent{Type: "e", Timeout: "1d", TimeoutNext: "t"}}
	if got := w.Successors(); !reflect.DeepEqual(got, []string{"n", "t"}) {
		t.Fatalf("delay successors %v", got)
	}
}
