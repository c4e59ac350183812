package engine

// Bulk manual enrollment ("Enroll records…"): a selection (record ids, the members of a list,
// or the workflow object's records that match a filter) is checked and counted, stored as one
// durable job, and enrolled in small batches by a runner loop. Each batch commits its
// enrollments together with the job's cursor and counts, so the API shows progress while it
// runs, a restart resumes after the last committed batch, and nobody is enrolled twice. The
// batches are ordinary (not urgent) writes, so ingesting events goes first.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/trigger"
)

// Selection is what a bulk enrollment enrolls: exactly one of its fields.
type Selection struct {
	RecordIDs []int64           `json:"record_ids,omitempty"`
	List      *string           `json:"list,omitempty"`
	Filter    *condition.Filter `json:"filter,omitempty"`
}

// MaxEnrollIDs caps the record ids of one request; a list or a filter selects more.
const MaxEnrollIDs = 10000

// DefaultEnrollBatch is how many records one batch of a bulk enrollment handles.
const DefaultEnrollBatch = 200

// EnrollPreview counts what a bulk enrollment would do now.
type EnrollPreview struct {
	WorkflowID string           `json:"workflow_id"`
	Source     string           `json:"source"`
	Matched    int64            `json:"matched"`    // records selected
	Enrollable int64            `json:"enrollable"` // of them, the ones that would be enrolled
	Skipped    map[string]int64 `json:"skipped"`    // the others, by Skip* code
}

// selection is a checked Selection, ready to page through.
type selection struct {
	source string
	ids    []int64 // SourceRecords: sorted, unique
	list   string
	prog   *condition.Program // SourceFilter
	raw    []byte             // the stored form
}

// bulkRunner is the state of the bulk runner (enrollments, imports, retries).
type bulkRunner struct {
	wake   chan struct{}
	mu     sync.Mutex
	sels   map[int64]*selection // parsed selections of running jobs, by job id
	last   store.BulkJob        // the job whose turn it was last (bulkBatch)
	turned bool                 // last is set
}

func (e *Engine) wakeBulk() {
	select {
	case e.bulk.wake <- struct{}{}:
	default:
	}
}

// liveWorkflow returns the enabled version of a workflow; a missing workflow is ErrNotFound and
// one that is off a bad input on "workflow".
func (e *Engine) liveWorkflow(ctx context.Context, id string) (*trigger.Workflow, error) {
	if wf := e.index.Load().Workflow(id); wf != nil {
		return wf, nil
	}
	if _, err := e.db.Workflow(ctx, id); err != nil {
		return nil, err
	}
	return nil, badInput("workflow", "workflow %q is off; switch it on before enrolling records", id)
}

// checkSelection checks a selection against a workflow and reports every problem at once (the
// first one's field path names the error).
func (e *Engine) checkSelection(ctx context.Context, wf *trigger.Workflow, sel Selection) (*selection, error) {
	n := 0
	for _, set := range []bool{sel.RecordIDs != nil, sel.List != nil, sel.Filter != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, badInput("body", "give exactly one of record_ids, list or filter")
	}
	object := wf.Def.Object
	var pr problems
	s := &selection{}
	switch {
	case sel.RecordIDs != nil:
		s.source = store.SourceRecords
		if len(sel.RecordIDs) == 0 {
			return nil, badInput("record_ids", "the list is empty; give the ids of the records to enroll")
		}
		if len(sel.RecordIDs) > MaxEnrollIDs {
			return nil, badInput("record_ids", "%d ids are more than the %d one request takes; enroll a list or a filter instead", len(sel.RecordIDs), MaxEnrollIDs)
		}
		at := map[int64]int{}
		for i, id := range sel.RecordIDs {
			if id <= 0 {
				pr.add(fmt.Sprintf("record_ids[%d]", i), "%d is not a record id; ids are positive whole numbers", id)
				continue
			}
			if _, dup := at[id]; !dup {
				at[id] = i
				s.ids = append(s.ids, id)
			}
		}
		slices.Sort(s.ids)
		found := map[int64]*store.Record{}
		for chunk := range slices.Chunk(s.ids, 500) {
			recs, err := e.db.SelectRecords(ctx, store.RecordSelect{IDs: chunk, Limit: len(chunk)})
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				found[r.ID] = r
			}
		}
		for i, id := range sel.RecordIDs {
			if id <= 0 || at[id] != i {
				continue // reported above, or a duplicate
			}
			field := fmt.Sprintf("record_ids[%d]", i)
			switch r := found[id]; {
			case r == nil:
				pr.add(field, "there is no record %d", id)
			case r.Type != object:
				pr.add(field, "record %d is a %s, but workflow %q enrolls %s records", id, r.Type, wf.ID, object)
			}
		}
		s.raw, _ = json.Marshal(Selection{RecordIDs: s.ids})
	case sel.List != nil:
		s.source, s.list = store.SourceList, strings.TrimSpace(*sel.List)
		if s.list == "" {
			return nil, badInput("list", "give the id of the list whose members to enroll")
		}
		l, err := e.db.List(ctx, s.list)
		if errors.Is(err, store.ErrNotFound) {
			return nil, badInput("list", "there is no list %q; pick one on the Lists screen (GET /api/lists)", s.list)
		}
		if err != nil {
			return nil, err
		}
		if l.Object != object {
			return nil, badInput("list", "list %q holds %s records, but workflow %q enrolls %s records", s.list, l.Object, wf.ID, object)
		}
		s.raw, _ = json.Marshal(Selection{List: &s.list})
	default:
		s.source = store.SourceFilter
		prog, err := e.compileSelection(*sel.Filter, object, &pr)
		if err != nil {
			return nil, err
		}
		s.prog = prog
		s.raw, _ = json.Marshal(Selection{Filter: sel.Filter})
	}
	if err := pr.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// compileSelection compiles a selection filter as every filter of the object compiles
// (compileOptions: associated reads like "company.industry" allowed). Besides the filter's own
// checks, a property no record of the object (or, for "company.industry", of the associated
// type) has ever had is a problem (most likely a typo), and so is event.*: there is no event when
// enrolling by hand.
func (e *Engine) compileSelection(f condition.Filter, object string, pr *problems) (*condition.Program, error) {
	opts := e.compileOptions(object)
	walkFilter(f, "filter", func(path string, n condition.Filter) {
		p := strings.TrimPrefix(n.Property, "record.")
		switch {
		case n.Property == "":
		case strings.HasPrefix(n.Property, "event."):
			pr.add(path+".property", "%q reads the triggering event, but there is none when enrolling by hand; use a record property", n.Property)
		default:
			if _, ok := opts.Schema(p); ok {
				return
			}
			if typ, name, dotted := strings.Cut(p, "."); dotted {
				if schema, assoc := opts.Associated(typ); assoc {
					if _, ok := schema(name); !ok {
						pr.add(path+".property", "no %s has a property %q, so %q never matches; check its spelling", typ, name, n.Property)
					}
					return // a property of the associated records ("company.industry")
				}
			}
			pr.add(path+".property", "no %s has a property %q; check its spelling", object, n.Property)
		}
	})
	prog, err := condition.Compile(f, opts)
	var ce *problem.Error
	switch {
	case errors.As(err, &ce):
		for _, p := range ce.Problems {
			path := "filter"
			if p.Field != "" {
				path += "." + p.Field
			}
			pr.add(path, "%s", p.Message)
		}
		return nil, pr.err()
	case err != nil:
		return nil, badInput("filter", "%v", err)
	}
	for _, ref := range prog.References() {
		if strings.HasPrefix(ref, "event.") {
			pr.add("filter", "the expression reads %q, but there is no event when enrolling by hand", ref)
		}
	}
	return prog, nil
}

// walkFilter calls fn for every node of f with its field path ("filter.all[0].any[1]").
func walkFilter(f condition.Filter, path string, fn func(path string, n condition.Filter)) {
	fn(path, f)
	for i, c := range f.All {
		walkFilter(c, fmt.Sprintf("%s.all[%d]", path, i), fn)
	}
	for i, c := range f.Any {
		walkFilter(c, fmt.Sprintf("%s.any[%d]", path, i), fn)
	}
}

// problems collects bad-input problems so all are reported at once.
type problems struct{ problem.Error }

func (p *problems) add(field, format string, args ...any) {
	p.Code = problem.CodeInput
	p.Add(field, format, args...)
}

// err is nil without problems, else every problem with its field.
func (p *problems) err() error {
	if len(p.Problems) == 0 {
		return nil
	}
	return &problem.Error{Code: problem.CodeInput, Problems: p.Problems}
}

// page reads the selected records after cursor `after`: the records in id order, how many of
// the requested ids no longer exist (record ids only), the cursor after this page, and whether
// the selection is exhausted. upTo bounds list and filter selections to the records that
// existed when the job started.
func (s *selection) page(read func(store.RecordSelect) ([]*store.Record, error), object string, after, upTo int64, limit int) (recs []*store.Record, missing int, next int64, done bool, err error) {
	if s.source == store.SourceRecords {
		i, _ := slices.BinarySearch(s.ids, after+1)
		chunk := s.ids[i:min(len(s.ids), i+limit)]
		if len(chunk) == 0 {
			return nil, 0, after, true, nil
		}
		recs, err = read(store.RecordSelect{IDs: chunk, Limit: len(chunk)})
		if err != nil {
			return nil, 0, after, false, err
		}
		return recs, len(chunk) - len(recs), chunk[len(chunk)-1], i+len(chunk) == len(s.ids), nil
	}
	q := store.RecordSelect{After: after, UpTo: upTo, Limit: limit}
	if s.source == store.SourceList {
		q.List = s.list
	} else {
		q.Type = object
	}
	recs, err = read(q)
	if err != nil {
		return nil, 0, after, false, err
	}
	next = after
	if len(recs) > 0 {
		next = recs[len(recs)-1].ID
	}
	return recs, 0, next, len(recs) < limit, nil
}

// selects tells whether a record of the page is selected (a filter selection tests it, as
// every rule sees the record: ruleEnv through rr, a store.Tx inside a write or dbRules outside).
func (s *selection) selects(rr ruleReader, r *store.Record, now time.Time) (bool, error) {
	if s.prog == nil {
		return true, nil
	}
	env, err := ruleEnv(rr, r, now, s.prog.UsesLists(), s.prog.Associations())
	if err != nil {
		return false, err
	}
	return s.prog.Match(env)
}

// PreviewEnroll counts what enrolling a selection into a workflow would do now, without
// writing anything.
func (e *Engine) PreviewEnroll(ctx context.Context, workflowID string, sel Selection) (*EnrollPreview, error) {
	wf, err := e.liveWorkflow(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	s, err := e.checkSelection(ctx, wf, sel)
	if err != nil {
		return nil, err
	}
	upTo, err := e.db.MaxRecordID(ctx)
	if err != nil {
		return nil, err
	}
	return e.tally(ctx, wf, s, upTo)
}

// tally counts a selection page by page on the read pool.
func (e *Engine) tally(ctx context.Context, wf *trigger.Workflow, s *selection, upTo int64) (*EnrollPreview, error) {
	p := &EnrollPreview{WorkflowID: wf.ID, Source: s.source, Skipped: map[string]int64{}}
	read := func(q store.RecordSelect) ([]*store.Record, error) { return e.db.SelectRecords(ctx, q) }
	now := e.clock.Now()
	for after, done := int64(0), false; !done; {
		var recs []*store.Record
		var missing int
		var err error
		if recs, missing, after, done, err = s.page(read, wf.Def.Object, after, upTo, 500); err != nil {
			return nil, err
		}
		p.Matched += int64(missing)
		p.Skipped[SkipRecordMissing] += int64(missing)
		ids := make([]int64, 0, len(recs))
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		states, err := e.db.EnrollStates(ctx, wf.ID, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			ok, err := s.selects(dbRules{ctx, e.db}, r, now)
			if err == nil && !ok {
				continue
			}
			p.Matched++
			code, err := e.skipFor(ctx, wf, r, states[r.ID], err)
			switch {
			case err != nil:
				return nil, err
			case code != "":
				p.Skipped[code]++
			default:
				p.Enrollable++
			}
		}
	}
	for k, v := range p.Skipped {
		if v == 0 {
			delete(p.Skipped, k)
		}
	}
	return p, nil
}

// skipFor is the Skip* code a selected record is left out of a manual enrollment for ("" when
// it would enroll): the filter failing on it (selErr), another object, open enrollment,
// re-enrollment, suppression lists.
func (e *Engine) skipFor(ctx context.Context, wf *trigger.Workflow, r *store.Record, st store.EnrollState, selErr error) (string, error) {
	switch {
	case selErr != nil:
		return SkipFilterError, nil
	case r.Type != wf.Def.Object:
		return SkipWrongObject, nil
	case st.Open:
		return SkipAlreadyEnrolled, nil
	case st.Ever && !wf.Def.Reenroll.Enabled:
		return SkipReenrollOff, nil
	}
	sup, err := suppressedIn(wf.Def.Suppress, func() ([]string, error) { return e.db.RecordLists(ctx, r.ID) })
	if err != nil || sup == "" {
		return "", err
	}
	return SkipSuppressed, nil
}

// StartEnroll checks and counts a selection and stores it as a bulk-enrollment job, which the
// runner then enrolls in batches (RunDue runs it too). A selection that matches no record is
// bad input.
func (e *Engine) StartEnroll(ctx context.Context, workflowID string, sel Selection) (*store.EnrollJob, error) {
	wf, err := e.liveWorkflow(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	s, err := e.checkSelection(ctx, wf, sel)
	if err != nil {
		return nil, err
	}
	upTo, err := e.db.MaxRecordID(ctx)
	if err != nil {
		return nil, err
	}
	p, err := e.tally(ctx, wf, s, upTo)
	if err != nil {
		return nil, err
	}
	if p.Matched == 0 {
		return nil, badInput(s.source, "no %s record matches; nothing to enroll", wf.Def.Object)
	}
	j := &store.EnrollJob{WorkflowID: wf.ID, Source: s.source, Selection: s.raw, MaxRecordID: upTo, Total: p.Matched}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.InsertEnrollJob(j, e.clock.Now()) }); err != nil {
		return nil, fmt.Errorf("start enrolling into %q: %w", workflowID, err)
	}
	e.bulk.mu.Lock()
	e.bulk.sels[j.ID] = s
	e.bulk.mu.Unlock()
	e.wakeBulk()
	return j, nil
}

// jobSelection returns a running job's parsed selection (parsed again after a restart).
func (e *Engine) jobSelection(j *store.EnrollJob, object string) (*selection, error) {
	e.bulk.mu.Lock()
	s := e.bulk.sels[j.ID]
	e.bulk.mu.Unlock()
	if s != nil {
		return s, nil
	}
	var sel Selection
	if err := json.Unmarshal(j.Selection, &sel); err != nil {
		return nil, fmt.Errorf("enroll job %d: stored selection: %w", j.ID, err)
	}
	s = &selection{source: j.Source, ids: sel.RecordIDs, raw: j.Selection}
	switch j.Source {
	case store.SourceList:
		if sel.List != nil {
			s.list = *sel.List
		}
	case store.SourceFilter:
		if sel.Filter == nil {
			return nil, fmt.Errorf("enroll job %d: stored selection has no filter", j.ID)
		}
		prog, err := condition.Compile(*sel.Filter, e.compileOptions(object))
		if err != nil {
			return nil, fmt.Errorf("enroll job %d: filter: %w", j.ID, err)
		}
		s.prog = prog
	}
	e.bulk.mu.Lock()
	e.bulk.sels[j.ID] = s
	e.bulk.mu.Unlock()
	return s, nil
}

// RunEnrollBatch runs one batch of the oldest running bulk-enrollment job and reports whether
// there was one. The runner loop calls it; tests call it to step through a job.
func (e *Engine) RunEnrollBatch(ctx context.Context) (bool, error) {
	ids, err := e.db.RunningEnrollJobs(ctx)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	return true, e.enrollBatch(ctx, ids[0])
}

// enrollBatch enrolls the next batch of a job and, in the same transaction, moves its cursor
// and counts on.
func (e *Engine) enrollBatch(ctx context.Context, id int64) error {
	size := e.opts.EnrollBatch
	enrolled, finished := 0, false
	err := e.db.Write(ctx, func(tx store.Tx) error {
		enrolled, finished = 0, false
		j, err := tx.EnrollJob(id)
		if err != nil {
			return err
		}
		if j.Status != store.EnrollJobRunning {
			finished = true
			return nil
		}
		now := e.clock.Now()
		wf := e.index.Load().Workflow(j.WorkflowID)
		if wf == nil {
			j.Status, finished = store.EnrollJobFailed, true
			j.Error = fmt.Sprintf("the workflow was switched off or deleted after %d of %d records were handled; switch it on and enroll the rest again", handled(j), j.Total)
			return tx.SaveEnrollJob(j, now)
		}
		s, err := e.jobSelection(j, wf.Def.Object)
		if err != nil {
			j.Status, j.Error, finished = store.EnrollJobFailed, err.Error(), true
			return tx.SaveEnrollJob(j, now)
		}
		recs, missing, next, done, err := s.page(tx.SelectRecords, wf.Def.Object, j.Cursor, j.MaxRecordID, size)
		if err != nil {
			return err
		}
		j.Matched += int64(missing)
		j.Skipped[SkipRecordMissing] += int64(missing)
		reason := Reason{Trigger: "manual", TriggerType: "manual", Summary: fmt.Sprintf("Enrolled manually in bulk (by %s)", s.source),
			By: fmt.Sprintf("enroll job %d", j.ID)}
		for _, r := range recs {
			ok, err := s.selects(tx, r, now)
			if err == nil && !ok {
				continue
			}
			j.Matched++
			if err != nil {
				j.Skipped[SkipFilterError]++
				continue
			}
			if r.Type != wf.Def.Object {
				j.Skipped[SkipWrongObject]++
				continue
			}
			res, err := e.enroll(tx, wf, r.ID, reason, 0, true, now)
			if err != nil {
				return err
			}
			if res.enrollment == nil {
				j.Skipped[res.code]++
				continue
			}
			j.Enrolled++
			enrolled++
		}
		for k, v := range j.Skipped {
			if v == 0 {
				delete(j.Skipped, k)
			}
		}
		j.Cursor = next
		if done {
			j.Status, finished = store.EnrollJobDone, true
		}
		return tx.SaveEnrollJob(j, now)
	})
	if err != nil {
		return fmt.Errorf("enroll job %d: %w", id, err)
	}
	if enrolled > 0 {
		e.Wake()
	}
	if finished {
		e.bulk.mu.Lock()
		delete(e.bulk.sels, id)
		e.bulk.mu.Unlock()
	}
	return nil
}

// handled is how many selected records a job has dealt with (enrolled or skipped).
func handled(j *store.EnrollJob) int64 {
	n := j.Enrolled
	for _, v := range j.Skipped {
		n += v
	}
	return n
}

// bulkBatch runs one batch of the next running bulk job (enrollments, CSV imports in
// imports.go, "Retry all" jobs in retry_job.go) in turn: the running jobs are taken round
// robin, one batch each, in the order the store lists them (by kind, then oldest first), so a
// job started while a large one runs gets every other batch (with two jobs running) and ends
// after about as many rounds as it has batches, whatever the size of the others. The turn is
// kept in memory only: after a restart it starts again at the first job, and each job resumes
// from its committed cursor. A job whose batch fails is passed over until the next round, so
// it holds up no other. worked is false when no job is running.
func (e *Engine) bulkBatch(ctx context.Context) (worked bool, err error) {
	jobs, err := e.db.RunningBulkJobs(ctx)
	if err != nil || len(jobs) == 0 {
		return false, err
	}
	e.bulk.mu.Lock()
	next := jobs[0]
	if e.bulk.turned {
		for _, j := range jobs {
			if bulkAfter(j, e.bulk.last) {
				next = j
				break
			}
		}
	}
	e.bulk.last, e.bulk.turned = next, true
	e.bulk.mu.Unlock()
	switch next.Kind {
	case store.BulkEnroll:
		err = e.enrollBatch(ctx, next.ID)
	case store.BulkImport:
		_, err = e.importBatch(ctx, next.ID)
	case store.BulkRetry:
		err = e.retryBatch(ctx, next.ID)
	default:
		err = fmt.Errorf("bulk job %d of unknown kind %q", next.ID, next.Kind)
	}
	return true, err
}

// bulkAfter tells whether job a comes after job b in the order of RunningBulkJobs.
func bulkAfter(a, b store.BulkJob) bool {
	ka, kb := slices.Index(store.BulkKinds, a.Kind), slices.Index(store.BulkKinds, b.Kind)
	return ka > kb || (ka == kb && a.ID > b.ID)
}

// runBulk runs bulk jobs (enrollments, imports, retries) one batch at a time until ctx ends,
// sleeping while there are none. Jobs left running by an earlier process resume from their
// committed cursor.
func (e *Engine) runBulk(ctx context.Context) {
	defer e.running.Done()
	for ctx.Err() == nil {
		if !e.leading() {
			select { // the leader runs bulk work; look again soon in case it is gone
			case <-ctx.Done():
			case <-e.clock.After(followerPoll):
			}
			continue
		}
		worked, err := e.bulkBatch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			e.log.Error("bulk job batch", "err", err)
			select {
			case <-ctx.Done():
			case <-e.clock.After(time.Second):
			}
			continue
		}
		if worked {
			continue
		}
		select {
		case <-ctx.Done():
		case <-e.bulk.wake:
		case <-e.sharedPoll():
		}
	}
}

// drainBulk runs every running bulk job (enrollments, imports, retries) to its end (for RunDue).
func (e *Engine) drainBulk(ctx context.Context) error {
	for {
		worked, err := e.bulkBatch(ctx)
		if err != nil || !worked {
			return err
		}
	}
}

// EnrollOption is one workflow a record could be enrolled in by hand, and why not if it cannot.
type EnrollOption struct {
	WorkflowID string `json:"workflow_id"`
	Name       string `json:"name"`
	Enabled    bool   `json:"enabled"`
	Triggers   int    `json:"triggers"` // 0: the workflow takes manual enrollment only
	Available  bool   `json:"available"`
	Code       string `json:"reason_code,omitempty"` // a Skip* code when not available
	Reason     string `json:"reason,omitempty"`
}

// EnrollOptions lists the workflows of a record's object type, the ones it may be enrolled in
// by hand first, each with why it may not when it may not.
func (e *Engine) EnrollOptions(ctx context.Context, recordID int64) ([]EnrollOption, error) {
	rec, err := e.db.Record(ctx, recordID)
	if err != nil {
		return nil, err
	}
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	states, err := e.db.RecordEnrollStates(ctx, recordID)
	if err != nil {
		return nil, err
	}
	ix := e.index.Load()
	out := []EnrollOption{}
	lists := func() ([]string, error) { return e.db.RecordLists(ctx, recordID) }
	for _, w := range wfs {
		if w.Object != rec.Type {
			continue
		}
		o := EnrollOption{WorkflowID: w.ID, Name: w.Name}
		live := ix.Workflow(w.ID)
		st := states[w.ID]
		switch {
		case live == nil:
			o.Code = SkipWorkflowOff
		case st.Open:
			o.Code = SkipAlreadyEnrolled
		case st.Ever && !live.Def.Reenroll.Enabled:
			o.Code = SkipReenrollOff
		}
		o.Reason = skipMessage(o.Code)
		if live != nil && o.Code == "" {
			sup, err := suppressedIn(live.Def.Suppress, lists)
			if err != nil {
				return nil, err
			}
			if sup != "" {
				o.Code, o.Reason = SkipSuppressed, "In suppression list "+sup
			}
		}
		if live != nil {
			o.Enabled, o.Triggers = true, len(live.Def.Triggers)
		}
		o.Available = o.Code == ""
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Available != out[j].Available {
			return out[i].Available
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out, nil
}

// skipMessage says in words why a record is not enrolled.
func skipMessage(code string) string {
	switch code {
	case SkipAlreadyEnrolled:
		return "Already enrolled in this workflow"
	case SkipReenrollOff:
		return "Enrolled before, and re-enrollment is off for this workflow"
	case SkipWorkflowOff:
		return "The workflow is off; switch it on to enroll records"
	case SkipWrongObject:
		return "Not of the workflow's record type"
	case SkipRecordMissing:
		return "The record no longer exists"
	case SkipFilterError:
		return "The filter could not be evaluated on it"
	case SkipSuppressed:
		return "In one of the workflow's suppression lists"
	case SkipGoalMet:
		return "Meets the workflow's goal already"
	case SkipUnenrollMet:
		return "Meets the workflow's unenrollment filter"
	}
	return ""
}

// skipFix is the hint appended to a refused manual enrollment.
func skipFix(code string) string {
	if code == SkipReenrollOff {
		return "; turn re-enrollment on in the workflow's settings to enroll it again"
	}
	return ""
}

// CancelEnrollJob stops a running bulk enrollment after its current batch: the records it has
// enrolled stay enrolled. A job that has ended is ErrConflict.
func (e *Engine) CancelEnrollJob(ctx context.Context, id int64) (*store.EnrollJob, error) {
	var out *store.EnrollJob
	err := e.db.Write(store.Urgent(ctx), func(tx store.Tx) error { // a caller waits to acknowledge it
		j, err := tx.EnrollJob(id)
		if err != nil {
			return err
		}
		if j.Status != store.EnrollJobRunning {
			return fmt.Errorf("enroll job %d is %s; only a running job can be stopped: %w", id, j.Status, store.ErrConflict)
		}
		j.Status = store.EnrollJobCancelled
		out = j
		return tx.SaveEnrollJob(j, e.clock.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("stop enroll job %d: %w", id, err)
	}
	e.bulk.mu.Lock()
	delete(e.bulk.sels, id)
	e.bulk.mu.Unlock()
	return out, nil
}
