package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestErrorSaysEveryProblem(t *testing.T) {
	cases := []struct {
		name string
		err  *Error
		want string
	}{
		{"one field", Field("email", "%q is not an email address", "x"), `email: "x" is not an email address`},
		{"several fields", &Error{Code: CodeInput, Problems: []Problem{{Field: "a", Message: "one"}, {Field: "b", Message: "two"}, {Message: "three"}}},
			"a: one; b: two; three"},
		{"a subject", &Error{Code: CodeHook, Subject: "the webhook endpoint", Problems: []Problem{{Field: "auth", Message: "pick one"}}},
			"the webhook endpoint has 1 problem(s): auth: pick one"},
		{"a workflow says messages, which name the step", &Error{Code: CodeWorkflow, Subject: "the workflow", Reason: "Fix these first.",
			Problems: []Problem{{Step: "s", Field: "next", Message: "step s goes nowhere"}, {Field: "name", Message: "give it a name"}}},
			"Fix these first. The workflow has 2 problem(s): step s goes nowhere; give it a name"},
		{"a reason without a subject", &Error{Code: CodeSettings, Reason: "settings not saved:", Problems: []Problem{{Field: "smtp.port", Message: "not a port"}}},
			"settings not saved: smtp.port: not a port"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestErrIsNilWithoutProblems(t *testing.T) {
	e := &Error{Code: CodeInput}
	if e.Err() != nil {
		t.Fatal("an empty list is not an error")
	}
	e.Add("x", "bad %d", 1)
	wrapped := fmt.Errorf("saving: %w", e.Err())
	var pe *Error
	if !errors.As(wrapped, &pe) || pe.FirstField() != "x" || pe.Problems[0].Message != "bad 1" {
		t.Fatalf("unwrapped %+v from %v", pe, wrapped)
	}
}

func TestProblemJSONAlwaysHasSeverity(t *testing.T) {
	raw, err := json.Marshal([]Problem{{Field: "f", Message: "m"}, {Message: "w", Severity: SeverityWarning}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"field":"f","message":"m","severity":"error"},{"message":"w","severity":"warning"}]`; string(raw) != want {
		t.Fatalf("%s, want %s", raw, want)
	}
	if got := Errors([]Problem{{Message: "e"}, {Message: "w", Severity: SeverityWarning}}); len(got) != 1 || got[0].Message != "e" {
		t.Fatalf("Errors: %+v", got)
	}
}
