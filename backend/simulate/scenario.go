package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
)

// ScenarioStart is when a scenario starts unless it says otherwise: a fixed Monday morning, so
// weekday and time-of-day delays give the same timeline on every run.
const ScenarioStart = "2026-03-02T09:00:00Z"

// Scenario is a workflow test: a simulation request (the workflow by id, by file or inline; the
// record; the events) and the outcome, timeline and effects it must produce. It is stored as a
// JSON file; `flowdesk test` runs scenario files (see docs/simulator.md).
type Scenario struct {
	Name string `json:"name"`
	// WorkflowFile is a workflow JSON file, relative to the scenario file (instead of
	// "workflow" or "definition").
	WorkflowFile string `json:"workflow_file,omitempty"`
	Request
	Expect Expect `json:"expect"`
}

// Expect is what a scenario must produce, in lines that read well in a diff.
type Expect struct {
	Outcome  string   `json:"outcome"`
	Timeline []string `json:"timeline"` // "+2h thank-you-mail:ok"
	Effects  []string `json:"effects"`  // "+2h thank-you-mail send_email ok: Thanks for watching, Greta"
}

// LoadScenario reads a scenario file (its workflow file too, when it names one).
func LoadScenario(path string) (*Scenario, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return &sc, nil
}

// request is the scenario's simulation request, with its workflow file read.
func (sc *Scenario) request(path string) (Request, error) {
	req := sc.Request
	if sc.WorkflowFile != "" {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(path), sc.WorkflowFile))
		if err != nil {
			return req, fmt.Errorf("workflow_file: %w", err)
		}
		req.Definition = raw
	}
	if req.Start == "" {
		req.Start = ScenarioStart
	}
	return req, nil
}

// Actual runs a scenario (read from path) and returns what it produced.
func (s *Simulator) Actual(ctx context.Context, path string, sc *Scenario) (Expect, error) {
	req, err := sc.request(path)
	if err != nil {
		return Expect{}, err
	}
	res, err := s.Run(ctx, req)
	if err != nil {
		return Expect{}, err
	}
	return Summarize(res), nil
}

// Summarize writes a result as the lines a scenario expects.
func Summarize(res *Result) Expect {
	out := Expect{Outcome: res.Outcome, Timeline: []string{}, Effects: []string{}}
	for _, e := range res.Timeline {
		what := e.Outcome
		if e.Step != "" {
			what = e.Step + ":" + e.Outcome
		}
		if b, ok := detail(e.Detail)["branch"].(string); ok {
			what += " → " + b
		}
		out.Timeline = append(out.Timeline, e.Offset+" "+what)
	}
	for _, f := range res.Effects {
		line := fmt.Sprintf("%s %s %s %s", f.Offset, f.Step, f.Type, f.Outcome)
		var w map[string]any
		_ = json.Unmarshal(f.WouldSend, &w)
		switch {
		case f.Error != "":
			line += ": " + f.Error
		case w["subject"] != nil:
			line += fmt.Sprintf(": %v", w["subject"])
		case f.Target != "":
			line += ": " + f.Target
		}
		out.Effects = append(out.Effects, line)
	}
	return out
}

func detail(raw json.RawMessage) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

// Diff lists how actual differs from want, "-" for an expected line that is missing and "+"
// for one that came instead (empty: they agree).
func Diff(want, actual Expect) []string {
	var out []string
	if want.Outcome != actual.Outcome {
		out = append(out, "outcome:", "- "+want.Outcome, "+ "+actual.Outcome)
	}
	if d := diffLines(want.Timeline, actual.Timeline); len(d) > 0 {
		out = append(append(out, "timeline:"), d...)
	}
	if d := diffLines(want.Effects, actual.Effects); len(d) > 0 {
		out = append(append(out, "effects:"), d...)
	}
	return out
}

// diffLines is a line diff over the longest common subsequence; unchanged lines are shown as
// context ("  ") so a reader sees where in the timeline it went another way.
func diffLines(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	changed := false
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+ "+b[j])
			changed = true
			j++
		default:
			out = append(out, "- "+a[i])
			changed = true
			i++
		}
	}
	if !changed {
		return nil
	}
	return out
}

// WriteScenario writes a scenario back to its file (for --update), indented.
func WriteScenario(path string, sc *Scenario) error {
	raw, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// Outcomes are the outcomes a simulation can end with.
var Outcomes = []string{"completed", "waiting", "goal_reached", "unenrolled", "failed", "not_enrolled"}

// MaxScenarioName is the longest name a saved scenario may have.
const MaxScenarioName = 200

// CheckSaved checks a scenario to be saved in the app for workflow workflowID, reporting every
// problem with its field, and makes it name that workflow: a saved scenario tests its workflow
// (the saved one, or the editor's draft when run from the editor), never a file or another one.
func CheckSaved(sc *Scenario, workflowID string) error {
	var pr problem.Error
	sc.Name = strings.TrimSpace(sc.Name)
	switch {
	case sc.Name == "":
		pr.Add("name", "give the scenario a name, like \"A viewer gets the thank-you email\"")
	case len(sc.Name) > MaxScenarioName:
		pr.Add("name", "the name is %d characters; keep it to %d", len(sc.Name), MaxScenarioName)
	}
	if sc.WorkflowFile != "" {
		pr.Add("workflow_file", "a saved scenario tests its own workflow; leave out workflow_file (it is for scenario files beside a workflow file)")
	}
	if len(sc.Definition) > 0 {
		pr.Add("definition", "a saved scenario tests its own workflow; leave out the definition (run it against a draft with POST /api/workflows/%s/scenarios/run and \"definition\")", workflowID)
	}
	if sc.Workflow != "" && sc.Workflow != workflowID {
		pr.Add("workflow", "this scenario names workflow %q but is saved with %q; leave it out or make them the same", sc.Workflow, workflowID)
	}
	if sc.Version != 0 {
		pr.Add("version", "a saved scenario tests the workflow as it is; leave out the version")
	}
	if !slices.Contains(Outcomes, sc.Expect.Outcome) {
		pr.Add("expect.outcome", "%q is not an outcome; expect one of %s", sc.Expect.Outcome, strings.Join(Outcomes, ", "))
	}
	if len(pr.Problems) > 0 {
		pr.Code = problem.CodeInput
		return &pr
	}
	sc.Workflow = workflowID
	if sc.Expect.Timeline == nil {
		sc.Expect.Timeline = []string{}
	}
	if sc.Expect.Effects == nil {
		sc.Expect.Effects = []string{}
	}
	return nil
}

// ScenarioResult is one scenario run: it passed when it produced what it expects; Diff shows
// how it differs otherwise ("-" expected, "+" what happened instead).
type ScenarioResult struct {
	Name   string   `json:"name"`
	Passed bool     `json:"passed"`
	Diff   []string `json:"diff"`
	Expect Expect   `json:"expect"`
	Actual *Expect  `json:"actual,omitempty"`
	Error  string   `json:"error,omitempty"` // it could not run (the workflow has problems, ...)
}

// SavedRequest is a saved scenario's simulation request, against definition (a draft) when
// given.
func (sc *Scenario) SavedRequest(definition json.RawMessage) Request {
	req := sc.Request
	if len(definition) > 0 {
		req.Definition, req.Workflow, req.Version = definition, "", 0
	}
	if req.Start == "" {
		req.Start = ScenarioStart
	}
	return req
}

// RunSaved runs a saved scenario, against definition (the editor's draft) when given.
func (s *Simulator) RunSaved(ctx context.Context, sc *Scenario, definition json.RawMessage) ScenarioResult {
	out := ScenarioResult{Name: sc.Name, Expect: sc.Expect, Diff: []string{}}
	res, err := s.Run(ctx, sc.SavedRequest(definition))
	if err != nil {
		out.Error = err.Error()
		return out
	}
	actual := Summarize(res)
	out.Actual = &actual
	if d := Diff(sc.Expect, actual); len(d) > 0 {
		out.Diff = d
	} else {
		out.Passed = true
	}
	return out
}
