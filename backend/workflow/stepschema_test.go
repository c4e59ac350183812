package workflow

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stepSchemaFile is the frontend's copy of the step types and their fields. The frontend
// derives its StepType from it, and its type check fails when its Step, Until, WaitEvent or
// Branch interfaces have other fields than the Go structs (frontend/src/api/step-schema.test.ts).
const stepSchemaFile = "../../frontend/src/api/step-schema.ts"

// TestFrontendStepSchemaIsCurrent: the frontend's step types and field sets are the ones this
// package defines (StepTypes, StepFields and the JSON fields of Step, Until, WaitEvent and
// Branch). After changing them, regenerate with
// `go test ./backend/workflow/ -run TestFrontendStepSchemaIsCurrent -update`.
func TestFrontendStepSchemaIsCurrent(t *testing.T) {
	want := stepSchemaTS()
	if *update {
		if err := os.WriteFile(stepSchemaFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(stepSchemaFile)
	if err != nil {
		t.Fatalf("%v (run go test ./backend/workflow/ -run TestFrontendStepSchemaIsCurrent -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: the Go step types or fields changed. Run go test ./backend/workflow/ -run TestFrontendStepSchemaIsCurrent -update, then fix what `npm run typecheck` reports.\ngot:\n%s\nwant:\n%s", stepSchemaFile, got, want)
	}
}

// TestStepFieldsAreStepFields: every field StepFields names is a JSON field of Step, and every
// field of Step is used by some step type, so the table and the struct cannot drift apart.
func TestStepFieldsAreStepFields(t *testing.T) {
	keys := jsonKeys(reflect.TypeFor[Step]())
	used := map[string]bool{"id": true, "type": true, "name": true}
	for _, typ := range StepTypes {
		fields := StepFields(typ)
		if fields == nil {
			t.Errorf("step type %q has no entry in stepFields", typ)
		}
		for _, f := range fields {
			if !contains(keys, f) {
				t.Errorf("stepFields[%q] names %q, which is not a JSON field of Step", typ, f)
			}
			used[f] = true
		}
	}
	for _, k := range keys {
		if !used[k] {
			t.Errorf("Step field %q is used by no step type in stepFields", k)
		}
	}
	if len(stepFields) != len(StepTypes) {
		t.Errorf("stepFields has %d types, StepTypes %d", len(stepFields), len(StepTypes))
	}
}

// jsonKeys lists a struct's JSON field names in declaration order.
func jsonKeys(rt reflect.Type) []string {
	var out []string
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// stepSchemaTS renders the frontend's step-schema.ts.
func stepSchemaTS() string {
	quote := func(xs []string) string {
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = "'" + x + "'"
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	var b strings.Builder
	b.WriteString(`// Generated from backend/workflow by
//   go test ./backend/workflow/ -run TestFrontendStepSchemaIsCurrent -update
// Do not edit: that test fails when this file and the Go definitions differ, and
// step-schema.test.ts fails the type check when the interfaces in types.ts differ from it.

/** Every step type in palette order (workflow.StepTypes). */
export const STEP_TYPES = ` + quote(StepTypes) + ` as const;

/** The fields each step type uses besides id, type and name (workflow.StepFields). */
export const STEP_FIELDS = {
`)
	for _, typ := range StepTypes {
		fmt.Fprintf(&b, "  %s: %s,\n", typ, quote(StepFields(typ)))
	}
	b.WriteString("} as const;\n")
	for _, s := range []struct {
		name string
		typ  reflect.Type
	}{
		{"STEP_KEYS", reflect.TypeFor[Step]()},
		{"UNTIL_KEYS", reflect.TypeFor[Until]()},
		{"WAIT_EVENT_KEYS", reflect.TypeFor[WaitEvent]()},
		{"BRANCH_KEYS", reflect.TypeFor[Branch]()},
	} {
		fmt.Fprintf(&b, "\n/** The JSON fields of workflow.%s. */\nexport const %s = %s as const;\n", s.typ.Name(), s.name, quote(jsonKeys(s.typ)))
	}
	return b.String()
}
