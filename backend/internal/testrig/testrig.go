// Package testrig is the one test rig: the real engine over a real SQLite file in a temp dir,
// on a fake clock, that the action, API, webhook and simulator tests build their stacks on.
// Nothing runs until a test calls RunDue or Advance.
//
// It imports the engine, so the engine's own internal tests (package engine) cannot use it (Go
// refuses the import cycle): they build their engine on the same opener, storetest.Open.
//
// FLOWDESK_TEST_STORE=postgres runs the rigs on PostgreSQL (a scratch schema each, package
// pgtest); a package whose tests build rigs then needs pgtest.Main in its TestMain.
// Everything above the engine uses this rig.
package testrig

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// T0 is where the fake clock starts unless a rig says otherwise: Monday 2 March 2026, 09:00 UTC.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Options say how a rig differs from the plain one.
type Options struct {
	// Start is the fake clock's start (T0 when zero).
	Start time.Time
	// Engine gives the engine's options, over the rig's opened database (it is called again on
	// each Restart, so what it builds, such as actions, starts afresh). The rig sets Clock.
	Engine func(r *Rig) engine.Options
	// Recover runs Engine.Recover after each open, as a starting server does.
	Recover bool
}

// Rig is one stack. Its fields are the parts, for tests to drive directly.
type Rig struct {
	T    testing.TB
	Ctx  context.Context
	Path string // the database file (on PostgreSQL its address)
	// Secrets is the secrets file (see Settings): secrets.json in the temp dir, beside the
	// database file as settings.SecretsFile puts it, and on PostgreSQL never a path made of
	// its address.
	Secrets string
	DB      *store.DB
	Eng     *engine.Engine
	Clock   *clock.Fake
	opts    Options
}

// New builds a rig on a new database file in a temp dir.
func New(t testing.TB, o Options) *Rig {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = T0
	}
	dir := t.TempDir()
	r := &Rig{T: t, Ctx: context.Background(), Path: filepath.Join(dir, "flowdesk.db"), Secrets: filepath.Join(dir, settings.SecretsFileName),
		Clock: clock.NewFake(o.Start), opts: o}
	r.open()
	return r
}

func (r *Rig) open() {
	r.T.Helper()
	r.DB = storetest.Open(r.T, r.Path)
	r.Path = r.DB.Path() // on PostgreSQL the scratch schema's address
	r.startEngine()
}

// startEngine builds the engine over r.DB.
func (r *Rig) startEngine() {
	r.T.Helper()
	var eo engine.Options
	if r.opts.Engine != nil {
		eo = r.opts.Engine(r)
	}
	eo.Clock = r.Clock
	eng, err := engine.New(r.Ctx, r.DB, eo)
	if err != nil {
		r.T.Fatal(err)
	}
	if r.opts.Recover {
		if err := eng.Recover(r.Ctx); err != nil {
			r.T.Fatal(err)
		}
	}
	r.Eng = eng
}

// Settings opens the settings over the rig's database with its secrets file, as serve does;
// every Store it returns shares that file.
func (r *Rig) Settings() *settings.Store {
	r.T.Helper()
	st, err := settings.Open(r.DB, r.Secrets)
	if err != nil {
		r.T.Fatal(err)
	}
	return st
}

// Restart stops the engine, closes the database (as a stopped or crashed process leaves it) and
// opens the same file again with a new engine on the same clock.
func (r *Rig) Restart() {
	r.T.Helper()
	r.Eng.Stop()
	r.DB = storetest.Reopen(r.T, r.DB)
	r.startEngine()
}

// Deploy creates and switches on a workflow from its JSON definition, and returns its id.
func (r *Rig) Deploy(def []byte) string {
	r.T.Helper()
	w, err := r.Eng.Workflows().Create(r.Ctx, def)
	if err != nil {
		r.T.Fatalf("create workflow: %v", err)
	}
	if _, err := r.Eng.Workflows().Enable(r.Ctx, w.ID); err != nil {
		r.T.Fatalf("enable workflow %s: %v", w.ID, err)
	}
	return w.ID
}

// DeployJSON is Deploy of a definition given as a Go value.
func (r *Rig) DeployJSON(def any) string {
	r.T.Helper()
	raw, err := json.Marshal(def)
	if err != nil {
		r.T.Fatal(err)
	}
	return r.Deploy(raw)
}

// Ingest ingests an event for a contact (created or updated with props) and returns the one
// enrollment it must cause.
func (r *Rig) Ingest(typ, email string, data, props map[string]any) int64 {
	r.T.Helper()
	res, err := r.Eng.Ingest(r.Ctx, engine.EventInput{Type: typ, Record: engine.RecordRef{Type: "contact", Email: email, Properties: props}, Data: data})
	if err != nil {
		r.T.Fatalf("ingest %s: %v", typ, err)
	}
	if len(res.Enrollments) != 1 {
		r.T.Fatalf("ingest %s for %s: enrollments %v, want exactly one", typ, email, res.Enrollments)
	}
	return res.Enrollments[0]
}

// RunDue runs every job that is due now and returns how many ran.
func (r *Rig) RunDue() int {
	r.T.Helper()
	n, err := r.Eng.RunDue(r.Ctx)
	if err != nil {
		r.T.Fatalf("run due jobs: %v", err)
	}
	return n
}

// Advance moves the clock and runs what came due.
func (r *Rig) Advance(d time.Duration) {
	r.T.Helper()
	r.Clock.Advance(d)
	r.RunDue()
}

// Trail is an enrollment's history as "step:outcome" strings ("outcome" for lines of no step).
func (r *Rig) Trail(id int64) []string {
	r.T.Helper()
	return storetest.Trail(r.T, r.DB, id)
}

// Record loads a contact by email.
func (r *Rig) Record(email string) *store.Record {
	r.T.Helper()
	return storetest.LoadContact(r.T, r.DB, email)
}

// Enrollment loads an enrollment.
func (r *Rig) Enrollment(id int64) *store.Enrollment {
	r.T.Helper()
	return storetest.LoadEnrollment(r.T, r.DB, id)
}
