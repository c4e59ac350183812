package condition

import (
	"fmt"
	"strings"
)

// Outcome is how one rule of a filter evaluated against a record, with the values it read: the
// answer to "which condition failed?".
type Outcome struct {
	Path   string         `json:"path"` // the rule's field path inside the filter ("all[1]")
	Rule   Filter         `json:"rule"`
	Passed bool           `json:"passed"`
	Read   map[string]any `json:"read"` // the values the rule read ("watch_pct": 40)
	Error  string         `json:"error,omitempty"`
}

// Explain evaluates f against env and returns whether it matches and every rule on the way with
// its own result. Each rule is compiled and matched on its own with Compile and Match, the very
// code a whole filter runs, so the explanation cannot disagree with the engine; the groups
// combine them as the filter does (all: every child, any: one child). A filter that does not
// compile is the error Compile returns.
func Explain(f Filter, opts Options, env Env) (bool, []Outcome, error) {
	if _, err := Compile(f, opts); err != nil {
		return false, nil, err
	}
	var out []Outcome
	ok := explain(f, "", opts, env, &out)
	return ok, out, nil
}

func explain(f Filter, path string, opts Options, env Env, out *[]Outcome) bool {
	join := func(kind string, i int) string {
		return strings.TrimPrefix(fmt.Sprintf("%s.%s[%d]", path, kind, i), ".")
	}
	switch {
	case len(f.All) > 0:
		all := true
		for i, c := range f.All {
			if !explain(c, join("all", i), opts, env, out) {
				all = false
			}
		}
		return all
	case len(f.Any) > 0:
		anyOK := false
		for i, c := range f.Any {
			if explain(c, join("any", i), opts, env, out) {
				anyOK = true
			}
		}
		return anyOK
	}
	o := Outcome{Path: path, Rule: f, Read: map[string]any{}}
	prog, err := Compile(f, opts)
	if err == nil {
		o.Passed, err = prog.Match(env)
		for _, ref := range prog.References() {
			o.Read[ref] = env.Value(ref)
		}
		for _, l := range prog.Lists() {
			o.Read["list "+l] = env.Lists[l]
		}
	}
	if err != nil {
		o.Error = err.Error()
	}
	if f.Workflow != "" {
		o.Read["goal of "+f.Workflow] = env.Lists[GoalKey(f.Workflow)]
	}
	*out = append(*out, o)
	return o.Passed
}
