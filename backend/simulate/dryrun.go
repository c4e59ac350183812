package simulate

// A dry run simulates every record a selection picks (a filter or a list of the real
// installation) through a workflow, as if they were enrolled by hand now, and counts what would
// happen: per step, per path (the canvas's edges) and per outcome, with the records behind
// each count. It runs the same scratch installations as one simulation, a chunk of records in
// each, so progress is counted in records and a run stops at a time limit with what it has.
// The real database is only read. See docs/simulator.md.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Limits of a dry run.
const (
	MaxDryRunRecords     = 10000
	DefaultDryRunRecords = 1000
	// DryRunChunk is how many records share one scratch installation.
	DryRunChunk = 250
	// DryRunTimeLimit bounds one dry run; it stops after the chunk running then, with the
	// counts so far.
	DryRunTimeLimit = 2 * time.Minute
	// keptRuns is how many finished dry runs are kept for their counts and records.
	keptRuns = 20
)

// TriggerPort is the source of the edge into the first step (the canvas's trigger node).
const TriggerPort = "__trigger"

// DryRunRequest is the body of POST /api/workflows/{id}/dry-run: whom (exactly one of filter,
// list or record_ids), at most how many, and optionally a draft instead of the saved definition.
type DryRunRequest struct {
	Filter     *condition.Filter `json:"filter,omitempty"`
	List       *string           `json:"list,omitempty"`
	RecordIDs  []int64           `json:"record_ids,omitempty"`
	Limit      int               `json:"limit,omitempty"`
	Definition json.RawMessage   `json:"definition,omitempty"`
	Horizon    string            `json:"horizon,omitempty"`
}

// DryRun is a dry run's state, polled while it runs: progress as counts of records and the
// counts so far.
type DryRun struct {
	ID         string    `json:"id"`
	WorkflowID string    `json:"workflow_id"`
	Draft      bool      `json:"draft"`  // the definition sent, not the saved one
	Status     string    `json:"status"` // running, done, stopped (time limit), cancelled, failed
	Error      string    `json:"error,omitempty"`
	Start      time.Time `json:"start"` // the virtual start: now
	Horizon    string    `json:"horizon"`
	Total      int       `json:"total"` // records selected (at most the limit)
	More       bool      `json:"more"`  // the selection holds more records than the limit
	Done       int       `json:"done"`  // records simulated or skipped so far
	Simulated  int       `json:"simulated"`
	// Skipped counts the selected records enrolling now would refuse, by Skip* code.
	Skipped  map[string]int        `json:"skipped"`
	Outcomes map[string]int        `json:"outcomes"` // per record: completed, waiting, goal_reached, ...
	Steps    map[string]*StepTally `json:"steps"`
	Edges    []EdgeTally           `json:"edges"`
	StepsRun int                   `json:"steps_run"`
	Warnings []workflow.Problem    `json:"warnings"`

	records map[string][]int64 // count key -> real record ids, in order
}

// StepTally counts the records that reached a step and how it went for them.
type StepTally struct {
	Reached int `json:"reached"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Waiting int `json:"waiting"` // still waiting there at the horizon
}

// EdgeTally is how many records took one path out of a step (source, port as the canvas
// names them: next, else, timeout, branch:N, path:N; the trigger's edge is TriggerPort/start).
type EdgeTally struct {
	Source string `json:"source"`
	Port   string `json:"port"`
	N      int    `json:"n"`
}

// Count keys name the records behind a count (GET /api/dry-runs/{id}/records?count=KEY).
func stepKey(id string) string           { return "step:" + id }
func edgeKey(source, port string) string { return "edge:" + source + ":" + port }
func outcomeKey(o string) string         { return "outcome:" + o }
func skippedKey(code string) string      { return "skipped:" + code }

// DryRuns keeps the dry runs of this process (running and the last finished ones); they are
// never stored, as nothing of a dry run is written.
type DryRuns struct {
	sim  *Simulator
	mu   sync.Mutex
	runs map[string]*dryRun
	seq  int
	// TimeLimit bounds each run (DryRunTimeLimit when zero).
	TimeLimit time.Duration
}

type dryRun struct {
	mu     sync.Mutex
	state  DryRun
	cancel context.CancelFunc
	doneCh chan struct{}
	order  int
}

// NewDryRuns returns the registry of dry runs over s.
func NewDryRuns(s *Simulator) *DryRuns {
	return &DryRuns{sim: s, runs: map[string]*dryRun{}}
}

// ErrNoDryRun is a dry run id this process does not know (it ended long ago, or the server
// restarted).
var ErrNoDryRun = errors.New("no such dry run")

// Start checks a dry run and starts it in the background; bad input (the selection, the limit,
// the horizon, a definition with problems) is answered here, with nothing started.
func (d *DryRuns) Start(ctx context.Context, workflowID string, req DryRunRequest) (*DryRun, error) {
	s := d.sim
	if _, err := s.opts.DB.Workflow(ctx, workflowID); err != nil {
		return nil, err
	}
	var pr problem.Error
	switch {
	case req.Limit < 0:
		pr.Add("limit", "%d is not a number of records; give a whole number from 1 to %d", req.Limit, MaxDryRunRecords)
	case req.Limit > MaxDryRunRecords:
		pr.Add("limit", "%d is more than the %d records one dry run simulates; lower the limit or narrow the filter", req.Limit, MaxDryRunRecords)
	case req.Limit == 0:
		req.Limit = DefaultDryRunRecords
	}
	if len(pr.Problems) > 0 {
		pr.Code = problem.CodeInput
		return nil, &pr
	}
	p := &prepared{}
	if len(req.Definition) > 0 {
		if err := s.prepareWorkflow(ctx, p, req.Definition, "", 0); err != nil {
			return nil, err
		}
	} else if err := s.prepareWorkflow(ctx, p, nil, workflowID, 0); err != nil {
		return nil, err
	}
	p.def.ID = workflowID // a draft stands for the saved workflow (its enrollments, its re-enrollment)
	var err error
	if p.raw, err = json.Marshal(p.def); err != nil {
		return nil, err
	}
	horizon := DefaultHorizon
	if h := strings.TrimSpace(req.Horizon); h != "" {
		if horizon, err = workflow.ParseDuration(h); err != nil {
			return nil, bad("horizon", "%v; write it like \"30d\"", err)
		}
		if horizon <= 0 || horizon > MaxHorizon {
			return nil, bad("horizon", "%q is not a horizon from 1 minute to 366 days; write it like \"30d\"", req.Horizon)
		}
	}
	sel := engine.Selection{RecordIDs: req.RecordIDs, List: req.List, Filter: req.Filter}
	cands, more, err := s.opts.Engine.DryRunCandidates(ctx, workflowID, p.def, sel, req.Limit)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, bad(selectionField(req), "no %s record matches; nothing to dry-run (check the filter or pick another list)", p.def.Object)
	}
	if req.Horizon == "" {
		req.Horizon = "30d"
	}
	p.start = s.opts.Clock.Now().UTC().Truncate(time.Second)
	p.end = p.start.Add(horizon)

	d.mu.Lock()
	d.seq++
	id := strconv.Itoa(d.seq)
	runCtx, cancel := context.WithTimeout(context.Background(), d.limit())
	r := &dryRun{cancel: cancel, doneCh: make(chan struct{}), order: d.seq, state: DryRun{
		ID: id, WorkflowID: workflowID, Draft: len(req.Definition) > 0, Status: "running", Start: p.start,
		Horizon: strings.TrimSpace(req.Horizon), Total: len(cands), More: more, Skipped: map[string]int{},
		Outcomes: map[string]int{}, Steps: map[string]*StepTally{}, Edges: []EdgeTally{}, Warnings: p.warnings,
		records: map[string][]int64{},
	}}
	if r.state.Warnings == nil {
		r.state.Warnings = []workflow.Problem{}
	}
	d.runs[id] = r
	d.prune()
	d.mu.Unlock()
	go d.run(runCtx, r, p, cands)
	return d.Get(id)
}

func (d *DryRuns) limit() time.Duration {
	if d.TimeLimit > 0 {
		return d.TimeLimit
	}
	return DryRunTimeLimit
}

func selectionField(req DryRunRequest) string {
	switch {
	case req.List != nil:
		return "list"
	case req.RecordIDs != nil:
		return "record_ids"
	}
	return "filter"
}

// prune forgets the oldest finished runs beyond keptRuns (d.mu held).
func (d *DryRuns) prune() {
	if len(d.runs) <= keptRuns {
		return
	}
	var finished []*dryRun
	for _, r := range d.runs {
		r.mu.Lock()
		if r.state.Status != "running" {
			finished = append(finished, r)
		}
		r.mu.Unlock()
	}
	sort.Slice(finished, func(i, j int) bool { return finished[i].order < finished[j].order })
	for _, r := range finished[:max(0, min(len(finished), len(d.runs)-keptRuns))] {
		delete(d.runs, r.state.ID)
	}
}

// Get returns a copy of a dry run's state.
func (d *DryRuns) Get(id string) (*DryRun, error) {
	d.mu.Lock()
	r := d.runs[id]
	d.mu.Unlock()
	if r == nil {
		return nil, ErrNoDryRun
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.state
	out.Skipped = copyMap(r.state.Skipped)
	out.Outcomes = copyMap(r.state.Outcomes)
	out.Steps = make(map[string]*StepTally, len(r.state.Steps))
	for k, v := range r.state.Steps {
		c := *v
		out.Steps[k] = &c
	}
	out.Edges = append([]EdgeTally{}, r.state.Edges...)
	out.records = nil
	return &out, nil
}

// Wait blocks until the dry run ends (or ctx does) and returns its state.
func (d *DryRuns) Wait(ctx context.Context, id string) (*DryRun, error) {
	d.mu.Lock()
	r := d.runs[id]
	d.mu.Unlock()
	if r == nil {
		return nil, ErrNoDryRun
	}
	select {
	case <-r.doneCh:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return d.Get(id)
}

// Cancel stops a running dry run after its current chunk; the counts so far stay.
func (d *DryRuns) Cancel(id string) (*DryRun, error) {
	d.mu.Lock()
	r := d.runs[id]
	d.mu.Unlock()
	if r == nil {
		return nil, ErrNoDryRun
	}
	r.mu.Lock()
	if r.state.Status == "running" {
		r.state.Status = "cancelled"
	}
	r.mu.Unlock()
	r.cancel()
	return d.Get(id)
}

// Records returns the real record ids behind one count (a key as the state's counts name
// them), from offset on, at most limit, and how many there are.
func (d *DryRuns) Records(id, key string, offset, limit int) ([]int64, int, error) {
	d.mu.Lock()
	r := d.runs[id]
	d.mu.Unlock()
	if r == nil {
		return nil, 0, ErrNoDryRun
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, ok := r.state.records[key]
	if !ok && !validKey(key) {
		return nil, 0, bad("count", "%q names no count; use step:<step id>, edge:<step id>:<port>, outcome:<outcome> or skipped:<code>", key)
	}
	if offset >= len(ids) {
		return []int64{}, len(ids), nil
	}
	return append([]int64{}, ids[offset:min(len(ids), offset+limit)]...), len(ids), nil
}

func validKey(key string) bool {
	for _, p := range []string{"step:", "edge:", "outcome:", "skipped:"} {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return true
		}
	}
	return false
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// run simulates the candidates chunk by chunk, folding each chunk's counts into the state.
func (d *DryRuns) run(ctx context.Context, r *dryRun, p *prepared, cands []engine.Candidate) {
	defer close(r.doneCh)
	defer r.cancel()
	finish := func(status string, err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.state.Status == "running" {
			r.state.Status = status
		}
		if err != nil {
			r.state.Error = err.Error()
		}
	}
	var todo []int64
	real := map[int64]*store.Record{}
	r.mu.Lock()
	for _, c := range cands {
		if c.Code != "" {
			r.state.Skipped[c.Code]++
			r.state.records[skippedKey(c.Code)] = append(r.state.records[skippedKey(c.Code)], c.Record.ID)
			r.state.Done++
			continue
		}
		todo = append(todo, c.Record.ID)
		real[c.Record.ID] = c.Record
	}
	r.mu.Unlock()
	// halted ends a run its context ended (the time limit, or Cancel) as stopped or cancelled,
	// never as failed, whatever step noticed it.
	halted := func(i int) bool {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			finish("stopped", fmt.Errorf("stopped at the time limit of %s after %d of %d records; narrow the selection", d.limit(), i, len(todo)))
		case ctx.Err() != nil:
			finish("cancelled", nil)
		default:
			return false
		}
		return true
	}
	sd, err := d.sim.loadSeed(ctx, p.def)
	if err != nil {
		if !halted(0) {
			finish("failed", err)
		}
		return
	}
	for i := 0; i < len(todo); i += DryRunChunk {
		if halted(i) {
			return
		}
		chunk := make([]*store.Record, 0, DryRunChunk)
		for _, id := range todo[i:min(len(todo), i+DryRunChunk)] {
			chunk = append(chunk, real[id])
		}
		if err := d.sim.dryChunk(ctx, r, p, sd, chunk); err != nil {
			if !halted(i) {
				finish("failed", err)
			}
			return
		}
	}
	finish("done", nil)
}

// dryChunk simulates one chunk of records in one scratch installation and adds its counts.
func (s *Simulator) dryChunk(ctx context.Context, r *dryRun, p *prepared, sd *seedData, recs []*store.Record) error {
	toReal := map[int64]int64{}   // scratch id -> real id
	fromReal := map[int64]int64{} // and back
	sc, _, err := s.open(ctx, p.start, sd, func(id int64) int64 {
		if real, ok := toReal[id]; ok {
			return real // split steps hash the real record's id, so each takes the path it will
		}
		return id
	})
	if err != nil {
		return err
	}
	defer sc.close()
	var scratchIDs []int64
	err = sc.db.Write(ctx, func(tx store.Tx) error {
		for _, rec := range recs {
			ch, err := tx.UpsertRecord(rec.Type, 0, rec.Email, rec.Properties, p.start)
			if err != nil {
				return fmt.Errorf("copy record %d: %w", rec.ID, err)
			}
			toReal[ch.Record.ID], fromReal[rec.ID] = rec.ID, ch.Record.ID
			scratchIDs = append(scratchIDs, ch.Record.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.copyAssociated(ctx, sc, fromReal, p.start); err != nil {
		return err
	}
	if err := s.copyLists(ctx, sc, fromReal, p.start); err != nil {
		return err
	}
	if err := enableAll(ctx, sc.eng, sd, p.raw); err != nil {
		return err
	}
	// Goal or unenrollment filter met already: the engine refuses them, as it would now.
	kept := map[int64]string{}
	for _, id := range scratchIDs {
		if _, err := sc.eng.EnrollManually(ctx, p.def.ID, id); err != nil {
			code := engine.SkippedFor(err)
			if code == "" {
				return fmt.Errorf("enroll record %d: %w", toReal[id], err)
			}
			kept[id] = code
		}
	}
	steps := 0
	budget := StepBudget * len(recs)
	for iter := 0; ; iter++ {
		n, more, _, err := advance(ctx, sc, nil, p.end)
		if err != nil {
			return err
		}
		steps += n
		if !more || steps >= budget || iter > 4*budget {
			break
		}
	}
	// every enrollment of the chunk, page by page (a page is capped by the store)
	var ens []*store.Enrollment
	for before := int64(0); ; {
		page, err := sc.db.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: p.def.ID, Before: before, Limit: 1000})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		ens = append(ens, page...)
		before = page[len(page)-1].ID
	}
	sort.Slice(ens, func(i, j int) bool { return ens[i].ID < ens[j].ID })
	type tally struct {
		outcome string
		hist    []store.HistoryEntry
	}
	per := map[int64]*tally{} // by real record id: its last enrollment
	for _, en := range ens {
		hist, err := sc.db.History(ctx, en.ID)
		if err != nil {
			return err
		}
		real := toReal[en.RecordID]
		t := per[real]
		if t == nil {
			t = &tally{}
			per[real] = t
		}
		t.outcome = outcomeOf(en.Status)
		t.hist = append(t.hist, hist...)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	st := &r.state
	add := func(key string, id int64) { st.records[key] = append(st.records[key], id) }
	st.StepsRun += steps
	for _, rec := range recs {
		st.Done++
		if code, ok := kept[fromReal[rec.ID]]; ok {
			st.Skipped[code]++
			add(skippedKey(code), rec.ID)
			continue
		}
		t := per[rec.ID]
		if t == nil {
			continue
		}
		st.Simulated++
		st.Outcomes[t.outcome]++
		add(outcomeKey(t.outcome), rec.ID)
		reached, edges := walk(p.def, t.hist)
		for _, v := range reached {
			tal := st.Steps[v.step]
			if tal == nil {
				tal = &StepTally{}
				st.Steps[v.step] = tal
			}
			tal.Reached++
			add(stepKey(v.step), rec.ID)
			if v.failed {
				tal.Failed++
				add(stepKey(v.step)+":failed", rec.ID)
			}
			if v.skipped {
				tal.Skipped++
			}
			if v.waiting {
				tal.Waiting++
				add(stepKey(v.step)+":waiting", rec.ID)
			}
		}
		for _, e := range edges {
			found := false
			for i := range st.Edges {
				if st.Edges[i].Source == e.Source && st.Edges[i].Port == e.Port {
					st.Edges[i].N++
					found = true
				}
			}
			if !found {
				st.Edges = append(st.Edges, EdgeTally{Source: e.Source, Port: e.Port, N: 1})
			}
			add(edgeKey(e.Source, e.Port), rec.ID)
		}
	}
	return nil
}

// visit is a step a record reached, with how it went there.
type visit struct {
	step                     string
	failed, skipped, waiting bool
}

// walk reads one record's history (its enrollments in order) as the steps it reached, each
// once, and the edges it took, each once: out of the trigger into the first step, and out of
// each step it left by the port its history names (a branch's branch, a split's path, a wait's
// timeout), whether the path led to another step or ended.
func walk(def *workflow.Definition, hist []store.HistoryEntry) ([]visit, []EdgeTally) {
	var visits []visit
	seenStep := map[string]int{}
	seenEdge := map[string]bool{}
	var edges []EdgeTally
	edge := func(src, port string) {
		if k := src + "\x00" + port; !seenEdge[k] {
			seenEdge[k] = true
			edges = append(edges, EdgeTally{Source: src, Port: port})
		}
	}
	cur := ""     // the step the record is at
	curPort := "" // the port it leaves cur by, once known
	leave := func() {
		if cur != "" && curPort != "" {
			edge(cur, curPort)
		}
		cur, curPort = "", ""
	}
	for _, h := range hist {
		switch {
		case h.Outcome == store.HistEnrolled:
			leave()
			edge(TriggerPort, "start")
			continue
		case h.StepID == "":
			if h.Outcome == store.HistCompleted {
				leave()
			}
			continue
		}
		if h.StepID != cur {
			leave()
			cur = h.StepID
			if _, ok := seenStep[cur]; !ok {
				seenStep[cur] = len(visits)
				visits = append(visits, visit{step: cur})
			}
		}
		v := &visits[seenStep[cur]]
		v.waiting = h.Outcome == store.HistWaiting || h.Outcome == store.HistHeld
		switch h.Outcome {
		case store.HistFailed:
			v.failed = true
		case store.HistSkipped:
			v.skipped = true
			curPort = "next"
		case store.HistOK, store.HistResumed:
			curPort = portOf(def.Step(cur), h)
		}
	}
	leave()
	return visits, edges
}

// portOf is the port (as the canvas names it) a history entry says the step continues by.
func portOf(s *workflow.Step, h store.HistoryEntry) string {
	if s == nil {
		return "next"
	}
	d := detail(h.Detail)
	switch s.Type {
	case workflow.StepBranch:
		name, _ := d["branch"].(string)
		if name == "else" {
			return "else"
		}
		for i, b := range s.Branches {
			if b.Name == name {
				return fmt.Sprintf("branch:%d", i)
			}
		}
		return "else"
	case workflow.StepSplit:
		name, _ := d["path"].(string)
		for i, p := range s.Paths {
			if p.Name == name {
				return fmt.Sprintf("path:%d", i)
			}
		}
	case workflow.StepGoto:
		return "" // a go-to's jump is drawn as its own arrow, not an edge
	case workflow.StepDelay:
		if h.Outcome == store.HistResumed && d["outcome"] == store.OutcomeTimeout && s.Event != nil && s.Event.Timeout != "" {
			return "timeout"
		}
		if h.Outcome != store.HistResumed {
			return "" // waiting: it leaves when it resumes
		}
	}
	return "next"
}
