package workflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/condition"
)

var update = flag.Bool("update", false, "rewrite testdata/validate/*.golden from the current output")

// testSchemas are the property schemas the golden tests validate against.
var testSchemas = map[string]map[string]condition.Type{
	"contact": {
		"email":             condition.TypeString,
		"first_name":        condition.TypeString,
		"city":              condition.TypeString,
		"lifecycle":         condition.TypeEnum,
		"age":               condition.TypeNumber,
		"watch_pct":         condition.TypeNumber,
		"renewal_date":      condition.TypeDate,
		"tags":              condition.TypeMulti,
		"subscribed":        condition.TypeBool,
		"score":             condition.TypeNumber,
		"reengage_attempts": condition.TypeNumber,
	},
	"company": {
		"name":     condition.TypeString,
		"industry": condition.TypeEnum,
	},
}

// testOptions are the validation options the golden tests use.
func testOptions() Options {
	return Options{
		Schema: func(object string) condition.Schema {
			props, ok := testSchemas[object]
			if !ok {
				return nil
			}
			return func(p string) (condition.Type, bool) {
				t, ok := props[p]
				return t, ok
			}
		},
		Workflow: func(id string) (string, bool) {
			switch id {
			case "sales-handoff":
				return "contact", true
			case "company-onboarding":
				return "company", true
			}
			return "", false
		},
	}
}

// goldenCase is one definition file and the golden file holding its expected problems.
type goldenCase struct {
	name, input, golden string
}

// goldenCases lists testdata/validate/*.json.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	inputs, err := filepath.Glob("../../testdata/validate/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no test definitions found")
	}
	var cases []goldenCase
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		cases = append(cases, goldenCase{name: name, input: in, golden: strings.TrimSuffix(in, ".json") + ".golden"})
	}
	return cases
}

// examples lists the example workflows in testdata/workflows, which must all be valid.
func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/workflows/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example workflows found")
	}
	return files
}

// encodeProblems renders problems as the golden files hold them.
func encodeProblems(t *testing.T, problems []Problem) []byte {
	t.Helper()
	if problems == nil {
		problems = []Problem{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(problems); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestValidateGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(c.input)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			got := encodeProblems(t, Validate(d, testOptions()))
			if *update {
				if err := os.WriteFile(c.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(c.golden)
			if err != nil {
				t.Fatalf("%v (run go test ./backend/workflow/ -run TestValidateGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("problems differ from %s (rerun with -update if the change is intended)\ngot:\n%s\nwant:\n%s", c.golden, got, want)
			}
		})
	}
}

func TestExamplesAreValid(t *testing.T) {
	for _, in := range examples(t) {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".json"), func(t *testing.T) {
			d := mustParseFile(t, in)
			if problems := Validate(d, testOptions()); len(problems) > 0 {
				t.Errorf("example %s must be valid, got %d problems:\n%s", in, len(problems), encodeProblems(t, problems))
			}
		})
	}
}

func TestValidateTenProblems(t *testing.T) {
	d := mustParseFile(t, "../../testdata/validate/ten-problems.json")
	problems := Validate(d, testOptions())
	if len(problems) != 10 {
		t.Fatalf("want 10 problems, got %d:\n%s", len(problems), encodeProblems(t, problems))
	}
	seen := map[string]bool{}
	for _, p := range problems {
		if seen[p.Message] {
			t.Errorf("duplicate problem %q", p.Message)
		}
		seen[p.Message] = true
	}
}

func TestValidateDeterministicAndPure(t *testing.T) {
	files := examples(t)
	for _, c := range goldenCases(t) {
		files = append(files, c.input)
	}
	for _, in := range files {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(d)
		first := Validate(d, testOptions())
		second := Validate(d, testOptions())
		after, _ := json.Marshal(d)
		if !reflect.DeepEqual(first, second) {
			t.Errorf("%s: Validate is not deterministic", in)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("%s: Validate modified the definition", in)
		}
	}
}

func TestValidateWithoutOptions(t *testing.T) {
	// With no schema and no workflow lookup, the examples are still valid.
	for _, in := range examples(t) {
		d := mustParseFile(t, in)
		if problems := Validate(d, Options{}); len(problems) > 0 {
			t.Errorf("%s: %v", in, problems)
		}
	}
}

func TestValidateNil(t *testing.T) {
	if got := Validate(nil, Options{}); len(got) != 1 {
		t.Fatalf("want one problem for a nil definition, got %v", got)
	}
}

func TestValidateUnnormalizedTriggerIDs(t *testing.T) {
	// A definition that did not go through Parse/Normalize is addressed by the default ids.
	d := &Definition{ID: "x", Name: "x", Object: "contact", Start: "a",
		Triggers: []Trigger{{Type: TriggerEvent}},
		Reenroll: Reenroll{Enabled: true, Triggers: []string{"trigger-1"}},
		Steps:    []Step{{ID: "a", Type: StepAddToList, List: "l"}}}
	got := Validate(d, Options{})
	if len(got) != 1 || got[0].Trigger != "trigger-1" || got[0].Field != "event" {
		t.Fatalf("got %+v", got)
	}
	if d.Triggers[0].ID != "" {
		t.Fatal("Validate filled in a trigger id")
	}
}

func TestValidateCustomObjects(t *testing.T) {
	d := &Definition{ID: "x", Name: "x", Object: "invoice", Start: "a",
		Steps: []Step{{ID: "a", Type: StepCreateRecord, RecordType: "contact", Properties: map[string]any{"email": "a@b.c"}}}}
	if got := Validate(d, Options{Objects: []string{"invoice"}}); len(got) != 1 || got[0].Field != "record_type" {
		t.Fatalf("got %+v", got)
	}
	if got := Validate(d, Options{Objects: []string{"invoice", "contact"}}); len(got) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestStepFieldsCoverEveryType(t *testing.T) {
	for _, typ := range StepTypes {
		if StepFields(typ) == nil {
			t.Errorf("step type %q has no field table", typ)
		}
	}
	if len(stepFields) != len(StepTypes) {
		t.Errorf("field table has %d types, StepTypes %d", len(stepFields), len(StepTypes))
	}
	// Every field named in the table exists on Step.
	names := map[string]bool{}
	rt := reflect.TypeOf(Step{})
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		names[name] = true
	}
	for typ, fields := range stepFields {
		for _, f := range fields {
			if !names[f] {
				t.Errorf("step type %q lists unknown field %q", typ, f)
			}
		}
	}
}

func TestCheckCron(t *testing.T) {
	valid := []string{"0 9 * * MON", "*/15 * * * *", "0 0 1 1 *", "5,10-20/5 0-23 1-31 JAN-DEC sun-sat", "0 9 * * 7", "0 9 * * 1-5"}
	for _, c := range valid {
		if err := checkCron(c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	invalid := []string{"", "0 9 * *", "0 9 * * * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 1 13 *", "0 0 * * 8",
		"*/0 * * * *", "5-1 * * * *", "a * * * *", "0 9 * * MONDAY", "0 9 * FOO *", "-1 * * * *", "1- * * * *"}
	for _, c := range invalid {
		if err := checkCron(c); err == nil {
			t.Errorf("%q: want an error", c)
		}
	}
}

// mustParseFile reads and parses a definition file.
func mustParseFile(t *testing.T, path string) *Definition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
