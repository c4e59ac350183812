// Package storetest is the conformance suite of store.Store: what the engine counts on from any
// database behind it. SQLite runs it today (backend/store's conformance test); a second
// implementation (PostgreSQL) must pass the same Run. It is table-driven, one fresh store per
// case, after river's riverdrivertest, which exercises every river driver with one suite.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/postgres"
	"github.com/flowdesk/flowdesk/backend/store/postgres/pgtest"
)

// T0 is the time the cases write at.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// OpenSQLite opens (creating and migrating) a real SQLite file at path, or at a new file in a
// temp dir when path is "", and closes it when the test ends: the opener of the conformance
// run on SQLite and of every test rig. synchronous=NORMAL: tests do not pull the power cord,
// and FULL costs an fsync per commit. A new file starts as a copy of one migrated once per test
// process: migrating takes about 1.5 s under -race, and hundreds of tests open a database.
func OpenSQLite(t testing.TB, path string) *store.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "flowdesk.db")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		image, err := migratedImage()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, image, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(context.Background(), path, store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var migrated struct {
	once  sync.Once
	image []byte
	err   error
}

// migratedImage returns the bytes of a freshly migrated, closed SQLite database (its WAL
// checkpointed into the file by Close), made once per process.
func migratedImage() ([]byte, error) {
	migrated.once.Do(func() {
		dir, err := os.MkdirTemp("", "flowdesk-storetest-")
		if err != nil {
			migrated.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "flowdesk.db")
		db, err := store.Open(context.Background(), path, store.Options{Synchronous: "NORMAL"})
		if err != nil {
			migrated.err = err
			return
		}
		if err := db.Close(); err != nil {
			migrated.err = err
			return
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			migrated.err = errors.New("storetest: the migrated database left a WAL file after Close; copying the main file alone would lose it")
			return
		}
		migrated.image, migrated.err = os.ReadFile(path)
	})
	return migrated.image, migrated.err
}

// Reopen closes db, as a stopped or crashed process leaves it, and opens it again (its file, or
// its PostgreSQL schema): how the engine's harness and the test rig restart.
func Reopen(t testing.TB, db *store.DB) *store.DB {
	t.Helper()
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return Open(t, path)
}

// Selected is the database the engine's tests and the test rig run on: "postgres" when
// FLOWDESK_TEST_STORE=postgres, else "sqlite".
func Selected() string {
	if strings.EqualFold(os.Getenv("FLOWDESK_TEST_STORE"), "postgres") {
		return "postgres"
	}
	return "sqlite"
}

// Open opens the selected database (see Selected) and closes it when the test ends: a SQLite
// file at path (a new one in a temp dir when path is ""), or on PostgreSQL a fresh scratch
// schema (package pgtest) unless path is the address of one opened before (a restart). The
// test package must run pgtest.Main from its TestMain so its scratch database is dropped.
func Open(t testing.TB, path string) *store.DB {
	t.Helper()
	if Selected() != "postgres" {
		return OpenSQLite(t, path)
	}
	if !postgres.IsDSN(path) {
		path = pgtest.DSN(t)
	}
	db, err := postgres.Open(context.Background(), path, store.Options{ReadConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.DB
}

// Case is one contract of the store, run against a fresh, empty, migrated store.
type Case struct {
	Name string
	Run  func(t *testing.T, s store.Store)
}

// Run runs every case against stores made by open; open must give an empty, migrated store and
// close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) { c.Run(t, open(t)) })
	}
}

// Cases are the contracts, in the order Run checks them.
var Cases = []Case{
	{"a failing write changes nothing", failingWriteChangesNothing},
	{"the built-in choice properties offer their standard options", builtinChoicesOffered},
	{"concurrent writes commit or fail alone", concurrentWritesAlone},
	{"a write failing mid-way or at its end fails alone; its batch-mates commit", writeFailsMidwayAlone},
	{"records upsert by email, case-insensitively", recordsUpsertByEmail},
	{"a record id of another type is a conflict", recordIDOfAnotherType},
	{"missing rows are ErrNotFound", missingRowsNotFound},
	{"an event's idempotency key is stored once", eventIdempotencyKey},
	{"workflows: ids are unique, saves are fenced by revision", workflowsRevision},
	{"versions are reused while the definition is unchanged", versionsReused},
	{"one open enrollment per workflow and record", oneOpenEnrollment},
	{"history reads back in order", historyInOrder},
	{"due jobs are claimed once, with a lease", jobsClaimedOnce},
	{"due jobs are claimed oldest first, an expired lease before later ones", jobsClaimedOldestFirst},
	{"an expired lease is claimed again and fences the old claim", jobLeaseFences},
	{"a heartbeat extends a held lease, not a lost one", jobHeartbeat},
	{"a replaced job fences the claim on the old one", jobReplacementFences},
	{"a released job runs again at its new time", jobRelease},
	{"a wait for an event is woken by it", jobWakeOnEvent},
	{"an outbox message is stored once per idempotency key", outboxOnce},
	{"the SMS cap counts each message once and refuses past it", smsCap},
	{"a date schedule fires once per record and date", scheduleFiresOnce},
	{"notifications stay unread until read", notificationsRead},
	{"tasks are open until done", tasksDone},
	{"settings read back as written", settingsRoundTrip},
	{"a store on a server says so, and has no file upkeep", onServerHasNoFileUpkeep},
	{"an association is stored both ways and removed together", associationsBothWays},
	{"scenarios are named uniquely per workflow, replaced and deleted", scenariosNamed},
	{"an erased record leaves reads; its open enrollments are cancelled, rows kept", eraseKeepsCounts},
	{"switching a workflow off cancels its open enrollments in batches, counted in the rollup", switchedOffCancelled},
	{"the Trash: cancel in batches, restore, purge in batches", trashCancelRestorePurge},
	{"the Trash expires workflows deleted before a time", trashExpires},
	{"goals, unenrollment and failed steps read back as their statuses", goalsAndEndings},
	{"webhook endpoints: unique ids, capture once, failures counted, disabled, deleted", hookEndpointLifecycle},
	{"webhook requests page back, held deliveries come due in order, the log is trimmed and pruned", hookRequestLog},
	{"a webhook delivery id is remembered once per endpoint and pruned by age", hookDeliveriesRemembered},
	{"a record is found by a property value; two matches are ambiguous", recordByProperty},
	{"lists: members added and removed once, counted per day, searched, deleted with the list", listsAndMembers},
	{"imports keep their progress and failed rows; a finished one drops its file", importsProgress},
	{"a failed savepoint undoes only its part", savepointUndoesAPart},
	{"object types and properties: declared once, updated, deleted; values counted and found", objectTypesAndProperties},
	{"the outbox is filtered and paged newest first; keys are per channel; messages delete", outboxQueriedAndDeleted},
	{"a sent message becomes delivered or failed once, with the reason; a kept one does not", outboxOutcome},
	{"email templates are created, replaced, seeded when missing, deleted", emailTemplates},
	{"a schedule trigger's state reads back as saved and is disarmed", scheduleStateRoundTrip},
	{"records are paged by id per type, without erased ones", recordsPaged},
	{"subscription changes keep the current status and log every change", subscriptionsLogged},
	{"API tokens are kept as hashes", apiTokensHashed},
	{"owners rotate round robin and start over when the list changes", ownersRotate},
	{"the delivery log keeps every try, filtered and numbered", actionAttemptsLogged},
	{"bulk enrollment jobs keep their progress and finish", enrollJobsProgress},
	{"retry jobs select a step's dead letters up to a line, one running per step, keep their progress", retryJobsProgress},
	{"running bulk jobs are listed in one read, by kind, oldest first", bulkJobsListed},
	{"a bulk enrollment selects records by type, list or ids, in id order, without erased ones", recordsSelected},
	{"enrollment states: in a workflow now, or ever", enrollStates},
	{"a record's events newest first; the event types seen with samples", eventsListedAndSeen},
	{"the scope values events of a type carried, newest first, bounded by the scan", eventScopesSeen},
	{"live webinar viewing is found among a record's earlier events", webinarLiveViewing},
	{"records are searched by type, email and text", recordsSearched},
	{"a record update writes only a change, moves the email, refuses another's", recordsUpdated},
	{"association types are added both ways, once", associationTypes},
	{"workflow versions, tags, and draft and live definitions", workflowVersionsTagsDefinitions},
	{"step counters, branch and split paths, the daily rollup", stepCountersAndPaths},
	{"retrying steps in the stats and an enrollment's retry", retryingSteps},
	{"retention prunes finished enrollments, unreferenced events, request lines not held", retentionPrunes},
	{"retention prunes finished bulk jobs, an import with its report, never a running one", bulkJobsPruned},
	{"a dropped job's claim fails; released leases are claimed again and fence the old claim", jobsDroppedAndReleased},
	{"a refusal is counted once per workflow and record, the latest first", refusalsCounted},
}

// write runs fn in one transaction and fails the test when it does not commit.
func write(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// contact creates a contact with email and props and returns it.
func contact(t *testing.T, s store.Store, email string, props map[string]any) *store.Record {
	t.Helper()
	var rec *store.Record
	write(t, s, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("contact", 0, email, props, T0)
		if err == nil {
			rec = ch.Record
		}
		return err
	})
	return rec
}

// enrollment creates workflow wf at version 1 (once) and an active enrollment of rec in it.
func enrollment(t *testing.T, s store.Store, wf string, rec *store.Record) *store.Enrollment {
	t.Helper()
	en := &store.Enrollment{WorkflowID: wf, Version: 1, RecordID: rec.ID, Status: store.StatusActive, CurrentStep: "a", TriggerID: "t"}
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.Workflow(wf); errors.Is(err, store.ErrNotFound) {
			if err := tx.CreateWorkflow(&store.Workflow{ID: wf, Name: wf, Object: "contact", Definition: json.RawMessage(`{}`)}, T0); err != nil {
				return err
			}
			if _, err := tx.SnapshotVersion(wf, T0); err != nil {
				return err
			}
		}
		return tx.InsertEnrollment(en, T0)
	})
	return en
}

func failingWriteChangesNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.UpsertRecord("contact", 0, "ann@example.com", map[string]any{"city": "Dublin"}, T0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write answered %v, want the function's error", err)
	}
	if _, err := s.RecordByEmail(ctx, "contact", "ann@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed write's record is there: %v", err)
	}
	contact(t, s, "ann@example.com", nil)
	if _, err := s.RecordByEmail(ctx, "contact", "ann@example.com"); err != nil {
		t.Fatalf("a committed record is not read back: %v", err)
	}
}

func concurrentWritesAlone(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%d@example.com", i), nil, T0); err != nil {
					return err
				}
				if i%4 == 0 {
					return fmt.Errorf("write %d fails", i)
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		_, err := s.RecordByEmail(ctx, "contact", fmt.Sprintf("c%d@example.com", i))
		switch {
		case i%4 == 0 && (errs[i] == nil || !errors.Is(err, store.ErrNotFound)):
			t.Errorf("write %d should fail alone: answered %v, read %v", i, errs[i], err)
		case i%4 != 0 && (errs[i] != nil || err != nil):
			t.Errorf("write %d should commit: answered %v, read %v", i, errs[i], err)
		}
	}
}

// writeFailsMidwayAlone: history for an enrollment that does not exist fails, first in some
// writes and last in others, among concurrent writes that share batches. Each failing write
// fails alone, with nothing of it kept. (The pipeline's held statements, whose errors arrive
// late on PostgreSQL, are tested in backend/store's TestAHeldStatementsErrorStaysWithItsWrite.)
func writeFailsMidwayAlone(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", rec)
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Write(ctx, func(tx store.Tx) error {
				target := en.ID
				if i%4 == 0 {
					target = en.ID + 1000 // no such enrollment
				}
				history := func() error {
					return tx.AppendHistory(store.HistoryEntry{EnrollmentID: target, StepID: fmt.Sprintf("s%d", i), Outcome: store.HistOK, At: T0})
				}
				if i%8 == 0 { // the failing statement is the write's last
					if _, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%d@example.com", i), nil, T0); err != nil {
						return err
					}
					return history()
				}
				if err := history(); err != nil {
					return err
				}
				_, err := tx.UpsertRecord("contact", 0, fmt.Sprintf("c%d@example.com", i), nil, T0)
				return err
			})
		})
	}
	wg.Wait()
	hist, err := s.History(ctx, en.ID)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]bool{}
	for _, h := range hist {
		steps[h.StepID] = true
	}
	for i := range n {
		_, rerr := s.RecordByEmail(ctx, "contact", fmt.Sprintf("c%d@example.com", i))
		switch {
		case i%4 == 0 && (errs[i] == nil || !errors.Is(rerr, store.ErrNotFound)):
			t.Errorf("write %d broke a foreign key and should fail alone: answered %v, its record read %v", i, errs[i], rerr)
		case i%4 != 0 && (errs[i] != nil || rerr != nil || !steps[fmt.Sprintf("s%d", i)]):
			t.Errorf("write %d should commit: answered %v, record read %v, history %v", i, errs[i], rerr, steps)
		}
	}
	contact(t, s, "after@example.com", nil) // the writer goes on
}

func recordsUpsertByEmail(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := contact(t, s, "Ann@Example.com", map[string]any{"city": "Dublin"})
	var again *store.RecordChange
	write(t, s, func(tx store.Tx) error {
		var err error
		again, err = tx.UpsertRecord("contact", 0, "ann@EXAMPLE.com", map[string]any{"score": 3.0}, T0.Add(time.Minute))
		return err
	})
	if again.Created || again.Record.ID != first.ID {
		t.Fatalf("the second upsert made another record: %+v", again.Record)
	}
	got, err := s.Record(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"city": "Dublin", "score": 3.0, "email": "Ann@Example.com"}
	if !reflect.DeepEqual(got.Properties, want) || got.Email != "Ann@Example.com" {
		t.Fatalf("record %+v, want properties %v and the first spelling of the email", got, want)
	}
	if byEmail, err := s.RecordByEmail(ctx, "contact", "ANN@example.COM"); err != nil || byEmail.ID != first.ID {
		t.Fatalf("by email: %+v %v", byEmail, err)
	}
	if !got.UpdatedAt.Equal(T0.Add(time.Minute)) || !got.CreatedAt.Equal(T0) {
		t.Fatalf("times %v / %v, want created %v, updated a minute later", got.CreatedAt, got.UpdatedAt, T0)
	}
}

func recordIDOfAnotherType(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	err := s.Write(context.Background(), func(tx store.Tx) error {
		_, err := tx.UpsertRecord("company", rec.ID, "", map[string]any{"name": "Acme"}, T0)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("upsert of a contact's id as a company: %v, want ErrConflict", err)
	}
}

func missingRowsNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["record"] = s.Record(ctx, 404)
	_, checks["enrollment"] = s.Enrollment(ctx, 404)
	_, checks["workflow"] = s.Workflow(ctx, "nope")
	_, checks["event"] = s.Event(ctx, 404)
	checks["enable a missing workflow"] = s.Write(ctx, func(tx store.Tx) error { return tx.SetWorkflowEnabled("nope", true, 1, T0) })
	checks["upsert a missing record id"] = s.Write(ctx, func(tx store.Tx) error {
		_, err := tx.UpsertRecord("contact", 404, "", nil, T0)
		return err
	})
	for what, err := range checks {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", what, err)
		}
	}
}

func eventIdempotencyKey(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	ev := &store.Event{Type: "form.submitted", RecordID: rec.ID, Scope: map[string]string{"form": "f1"}, Data: map[string]any{"a": "b"},
		OccurredAt: T0, ReceivedAt: T0, IdempotencyKey: "key-1"}
	write(t, s, func(tx store.Tx) error { return tx.InsertEvent(ev) })
	dup := *ev
	err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertEvent(&dup) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("the same key again: %v, want ErrConflict", err)
	}
	write(t, s, func(tx store.Tx) error {
		got, err := tx.EventByIdempotencyKey("key-1")
		if err != nil {
			return err
		}
		if got.ID != ev.ID || got.Type != ev.Type || !reflect.DeepEqual(got.Scope, ev.Scope) || !reflect.DeepEqual(got.Data, ev.Data) {
			return fmt.Errorf("by key: %+v, want %+v", got, ev)
		}
		return nil
	})
	if n, err := s.CountEvents(ctx); err != nil || n != 1 {
		t.Fatalf("events stored: %d %v, want 1", n, err)
	}
}

func workflowsRevision(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := &store.Workflow{ID: "w", Name: "Welcome", Object: "contact", Definition: json.RawMessage(`{"v":1}`)}
	write(t, s, func(tx store.Tx) error { return tx.CreateWorkflow(w, T0) })
	if w.Revision != 1 {
		t.Fatalf("a new workflow has revision %d, want 1", w.Revision)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CreateWorkflow(&store.Workflow{ID: "w", Name: "Other", Object: "contact", Definition: json.RawMessage(`{}`)}, T0)
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second workflow with the id: %v, want ErrConflict", err)
	}
	edit := &store.Workflow{ID: "w", Name: "Welcome 2", Object: "contact", Definition: json.RawMessage(`{"v":2}`)}
	write(t, s, func(tx store.Tx) error { return tx.UpdateWorkflow(edit, 1, T0) })
	stale := &store.Workflow{ID: "w", Name: "Stale", Object: "contact", Definition: json.RawMessage(`{"v":3}`)}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.UpdateWorkflow(stale, 1, T0) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a save of revision 1 after revision 2: %v, want ErrConflict", err)
	}
	got, err := s.Workflow(ctx, "w")
	if err != nil || got.Revision != 2 || got.Name != "Welcome 2" || string(got.Definition) != `{"v":2}` {
		t.Fatalf("workflow %+v %v, want revision 2 as edited", got, err)
	}
	write(t, s, func(tx store.Tx) error {
		return tx.CreateWorkflow(&store.Workflow{ID: "a", Name: "alpha", Object: "contact", Definition: json.RawMessage(`{}`)}, T0)
	})
	all, err := s.Workflows(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a" || all[1].ID != "w" {
		t.Fatalf("workflows %v %v, want a and w by name", all, err)
	}
}

func versionsReused(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := &store.Workflow{ID: "w", Name: "W", Object: "contact", Definition: json.RawMessage(`{"v":1}`)}
	var v1, v1again, v2 int
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWorkflow(w, T0); err != nil {
			return err
		}
		var err error
		if v1, err = tx.SnapshotVersion("w", T0); err != nil {
			return err
		}
		if v1again, err = tx.SnapshotVersion("w", T0); err != nil {
			return err
		}
		if err := tx.UpdateWorkflow(&store.Workflow{ID: "w", Name: "W", Object: "contact", Definition: json.RawMessage(`{"v":2}`)}, 0, T0); err != nil {
			return err
		}
		if v2, err = tx.SnapshotVersion("w", T0); err != nil {
			return err
		}
		return tx.SetWorkflowEnabled("w", true, v2, T0)
	})
	if v1 != 1 || v1again != 1 || v2 != 2 {
		t.Fatalf("versions %d, %d, %d; want 1, 1 (unchanged), 2", v1, v1again, v2)
	}
	def, err := s.WorkflowVersion(ctx, "w", 1)
	if err != nil || string(def) != `{"v":1}` {
		t.Fatalf("version 1: %s %v", def, err)
	}
	got, err := s.Workflow(ctx, "w")
	if err != nil || !got.Enabled || got.ActiveVersion != 2 {
		t.Fatalf("enabled workflow %+v %v, want on at version 2", got, err)
	}
}

func oneOpenEnrollment(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	first := enrollment(t, s, "w", rec)
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.InsertEnrollment(&store.Enrollment{WorkflowID: "w", Version: 1, RecordID: rec.ID, Status: store.StatusActive}, T0)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second open enrollment: %v, want ErrConflict", err)
	}
	write(t, s, func(tx store.Tx) error {
		open, ever, err := tx.EnrollmentState("w", rec.ID)
		if err != nil || !open || !ever {
			return fmt.Errorf("state open=%v ever=%v %v, want open", open, ever, err)
		}
		return tx.UpdateEnrollment(first.ID, store.StatusCompleted, "", 3, "", T0.Add(time.Hour))
	})
	second := enrollment(t, s, "w", rec) // the first has ended: a new one may start
	got, err := s.Enrollment(ctx, first.ID)
	if err != nil || got.Status != store.StatusCompleted || got.StepsRun != 3 || got.FinishedAt == nil || !got.FinishedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("finished enrollment %+v %v", got, err)
	}
	ens, err := s.Enrollments(ctx, store.EnrollmentQuery{WorkflowID: "w", Limit: 10})
	if err != nil || len(ens) != 2 {
		t.Fatalf("enrollments %v %v, want 2", ens, err)
	}
	ids := []int64{ens[0].ID, ens[1].ID}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if ids[0] != first.ID || ids[1] != second.ID {
		t.Fatalf("enrollment ids %v, want %d and %d", ids, first.ID, second.ID)
	}
}

func historyInOrder(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", rec)
	var entries []store.HistoryEntry
	for i := range 20 { // more than one multi-row statement's worth
		entries = append(entries, store.HistoryEntry{EnrollmentID: en.ID, StepID: fmt.Sprintf("s%02d", i), StepType: "delay",
			Outcome: "ok", Detail: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), At: T0.Add(time.Duration(i) * time.Second)})
	}
	write(t, s, func(tx store.Tx) error { return tx.AppendHistory(entries...) })
	got, err := s.History(context.Background(), en.ID)
	if err != nil || len(got) != len(entries) {
		t.Fatalf("history %d entries %v, want %d", len(got), err, len(entries))
	}
	for i, h := range got {
		if h.StepID != entries[i].StepID || string(h.Detail) != string(entries[i].Detail) || !h.At.Equal(entries[i].At) {
			t.Fatalf("entry %d = %+v, want %+v", i, h, entries[i])
		}
	}
}

// job puts a run job for a new enrollment of rec, due at runAt.
func job(t *testing.T, s store.Store, rec *store.Record, wf string, runAt time.Time) *store.Job {
	t.Helper()
	en := enrollment(t, s, wf, rec)
	j := &store.Job{EnrollmentID: en.ID, RecordID: rec.ID, StepID: "a", Kind: store.JobRun, RunAt: runAt}
	write(t, s, func(tx store.Tx) error { return tx.PutJob(j) })
	return j
}

// claim claims up to limit jobs at now with a one-minute lease.
func claim(t *testing.T, s store.Store, now time.Time, limit int) []*store.Job {
	t.Helper()
	var out []*store.Job
	write(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.ClaimJobs(now, time.Minute, limit)
		return err
	})
	return out
}

func finish(t *testing.T, s store.Store, j *store.Job) bool {
	t.Helper()
	var ok bool
	write(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.FinishJob(j.ID, j.Attempt)
		return err
	})
	return ok
}

func jobsClaimedOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil)
	due := job(t, s, ann, "w1", T0)
	later := job(t, s, bob, "w2", T0.Add(time.Hour))
	if at, ok, err := s.NextJobAt(ctx); err != nil || !ok || !at.Equal(T0) {
		t.Fatalf("next job at %v %v %v, want %v", at, ok, err, T0)
	}
	got := claim(t, s, T0, 10)
	if len(got) != 1 || got[0].ID != due.ID || got[0].Attempt != 1 || got[0].StepID != "a" || got[0].Kind != store.JobRun {
		t.Fatalf("claimed %+v, want the due job at attempt 1", got)
	}
	if again := claim(t, s, T0.Add(30*time.Second), 10); len(again) != 0 {
		t.Fatalf("a leased job was claimed again within its lease: %+v", again)
	}
	write(t, s, func(tx store.Tx) error {
		enrs, recs, err := tx.JobSubjects([]*store.Job{got[0], later})
		if err != nil {
			return err
		}
		if len(enrs) != 2 || enrs[due.EnrollmentID].RecordID != ann.ID || enrs[later.EnrollmentID].RecordID != bob.ID ||
			len(recs) != 2 || recs[ann.ID].Email != "ann@example.com" || recs[bob.ID].Email != "bob@example.com" {
			t.Errorf("job subjects %+v %+v, want both jobs' enrollments and records", enrs, recs)
		}
		if _, _, err := tx.JobSubjects([]*store.Job{{EnrollmentID: due.EnrollmentID, RecordID: 1 << 40}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a job of a missing record: %v, want ErrNotFound", err)
		}
		return nil
	})
	if !finish(t, s, got[0]) {
		t.Fatal("finishing a held claim failed")
	}
	if n, err := s.PendingJobs(ctx); err != nil || n != 1 {
		t.Fatalf("pending jobs %d %v, want 1 (the later one)", n, err)
	}
	if got := claim(t, s, T0.Add(time.Hour), 10); len(got) != 1 || got[0].ID != later.ID {
		t.Fatalf("at its time: %+v, want the later job", got)
	}
}

// jobsClaimedOldestFirst puts the newest jobs in the table first, so a claim that takes rows in
// table order (no ORDER BY) would pick them and leave the oldest waiting behind a backlog.
func jobsClaimedOldestFirst(t *testing.T, s store.Store) {
	var want []int64
	for i := 5; i >= 1; i-- {
		rec := contact(t, s, fmt.Sprintf("c%d@example.com", i), nil)
		j := job(t, s, rec, "w", T0.Add(time.Duration(i)*time.Minute))
		want = append([]int64{j.ID}, want...) // oldest first
	}
	first := job(t, s, contact(t, s, "first@example.com", nil), "w", T0)
	if held := claim(t, s, T0, 1); len(held) != 1 || held[0].ID != first.ID {
		t.Fatalf("at T0: %+v, want only the job due then", held)
	}
	sorted := func(ids []int64) []int64 {
		out := append([]int64(nil), ids...)
		sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
		return out
	}
	ids := func(js []*store.Job) []int64 {
		var out []int64
		for _, j := range js {
			out = append(out, j.ID)
		}
		return sorted(out)
	}
	// The first claim's lease (a minute) ran out: its job was due first, then the one at T0+1m.
	got := ids(claim(t, s, T0.Add(10*time.Minute), 2))
	if w := sorted([]int64{want[0], first.ID}); !reflect.DeepEqual(got, w) {
		t.Fatalf("claimed jobs %v, want the expired lease and the oldest due job %v (oldest first: %v)", got, w, want)
	}
	if got, w := ids(claim(t, s, T0.Add(10*time.Minute), 2)), sorted(want[1:3]); !reflect.DeepEqual(got, w) {
		t.Fatalf("next claim %v, want the next oldest %v", got, w)
	}
}

func jobLeaseFences(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	job(t, s, rec, "w", T0)
	first := claim(t, s, T0, 1)
	if len(first) != 1 {
		t.Fatalf("claimed %d jobs, want 1", len(first))
	}
	second := claim(t, s, T0.Add(2*time.Minute), 1) // the first worker's lease ran out
	if len(second) != 1 || second[0].ID != first[0].ID || second[0].Attempt != first[0].Attempt+1 {
		t.Fatalf("re-claim %+v, want the same job at the next attempt", second)
	}
	if finish(t, s, first[0]) {
		t.Fatal("the stale claim finished the job: its results would commit twice")
	}
	if !finish(t, s, second[0]) {
		t.Fatal("the live claim could not finish the job")
	}
}

func jobHeartbeat(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	job(t, s, rec, "w", T0)
	held := claim(t, s, T0, 1)[0]
	extend := func(c *store.Job, until time.Time) int64 {
		t.Helper()
		var n int64
		write(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.ExtendLeases([]store.JobClaim{{ID: c.ID, Attempt: c.Attempt}}, until)
			return err
		})
		return n
	}
	if n := extend(held, T0.Add(3*time.Minute)); n != 1 {
		t.Fatalf("extended %d leases, want the held one", n)
	}
	if again := claim(t, s, T0.Add(2*time.Minute), 1); len(again) != 0 {
		t.Fatalf("a job whose lease was extended was claimed again: %+v", again)
	}
	second := claim(t, s, T0.Add(4*time.Minute), 1) // the heartbeat stopped: the lease ran out
	if len(second) != 1 || second[0].Attempt != held.Attempt+1 {
		t.Fatalf("after the extended lease: %+v, want the job at the next attempt", second)
	}
	if n := extend(held, T0.Add(time.Hour)); n != 0 {
		t.Fatal("the heartbeat of a lost claim extended the new claim's lease")
	}
	if finish(t, s, held) || !finish(t, s, second[0]) {
		t.Fatal("the lost claim finished the job, or the live one could not")
	}
}

func jobReplacementFences(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	j := job(t, s, rec, "w", T0)
	held := claim(t, s, T0, 1)
	next := &store.Job{EnrollmentID: j.EnrollmentID, RecordID: rec.ID, StepID: "b", Kind: store.JobResume, Outcome: store.OutcomeElapsed, RunAt: T0.Add(time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.PutJob(next) })
	if next.ID == j.ID || next.Attempt != 0 {
		t.Fatalf("the replacement %+v reuses the old job's id or attempt", next)
	}
	if finish(t, s, held[0]) {
		t.Fatal("a claim on a replaced job finished the new one")
	}
	got := claim(t, s, T0.Add(time.Hour), 5)
	if len(got) != 1 || got[0].ID != next.ID || got[0].StepID != "b" || got[0].Outcome != store.OutcomeElapsed {
		t.Fatalf("claimed %+v, want the replacement", got)
	}
}

func jobRelease(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	job(t, s, rec, "w", T0)
	held := claim(t, s, T0, 1)
	write(t, s, func(tx store.Tx) error { return tx.ReleaseJob(held[0].ID, held[0].Attempt, T0.Add(10*time.Minute)) })
	if got := claim(t, s, T0.Add(5*time.Minute), 1); len(got) != 0 {
		t.Fatalf("a released job ran before its new time: %+v", got)
	}
	if got := claim(t, s, T0.Add(10*time.Minute), 1); len(got) != 1 || got[0].Attempt != held[0].Attempt+1 {
		t.Fatalf("at its new time: %+v, want it claimed at the next attempt", got)
	}
}

func jobWakeOnEvent(t *testing.T, s store.Store) {
	rec := contact(t, s, "ann@example.com", nil)
	en := enrollment(t, s, "w", rec)
	wait := &store.Job{EnrollmentID: en.ID, RecordID: rec.ID, StepID: "wait", Kind: store.JobResume, WaitEvent: "webinar.attended", RunAt: store.Forever}
	write(t, s, func(tx store.Tx) error { return tx.PutJob(wait) })
	if got := claim(t, s, T0.Add(365*24*time.Hour), 5); len(got) != 0 {
		t.Fatalf("a wait without a timeout was claimed: %+v", got)
	}
	ev := &store.Event{Type: "webinar.attended", RecordID: rec.ID, OccurredAt: T0, ReceivedAt: T0}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		if other, err := tx.WaitingJobs(rec.ID, "webinar.registered"); err != nil || len(other) != 0 {
			return fmt.Errorf("waiting for another type: %v %v", other, err)
		}
		ws, err := tx.WaitingJobs(rec.ID, "webinar.attended")
		if err != nil || len(ws) != 1 || ws[0].ID != wait.ID {
			return fmt.Errorf("waiting jobs %v %v, want the wait", ws, err)
		}
		return tx.WakeJob(ws[0].ID, store.OutcomeEvent, ev.ID, T0)
	})
	got := claim(t, s, T0, 5)
	if len(got) != 1 || got[0].Outcome != store.OutcomeEvent || got[0].EventID != ev.ID || got[0].StepID != "wait" {
		t.Fatalf("claimed %+v, want the woken wait with its event", got)
	}
}

func outboxOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	msg := func() *store.OutboxMessage {
		return &store.OutboxMessage{Status: store.OutboxQueued, IdempotencyKey: "enr-1-step-a-visit-1", From: "news@acme.example",
			To: "ann@example.com", Subject: "Hi", BodyText: "Hello", CreatedAt: T0}
	}
	first, again := msg(), msg()
	var added1, added2 bool
	write(t, s, func(tx store.Tx) error {
		var err error
		added1, err = tx.AddOutbox(first)
		return err
	})
	write(t, s, func(tx store.Tx) error { // a retried step
		var err error
		added2, err = tx.AddOutbox(again)
		return err
	})
	if !added1 || added2 || again.ID != first.ID {
		t.Fatalf("added %v then %v, ids %d and %d: want one row, the retry pointing at it", added1, added2, first.ID, again.ID)
	}
	sent := msg()
	sentAt := T0.Add(time.Minute)
	sent.Status, sent.SentAt = store.OutboxSent, &sentAt
	write(t, s, func(tx store.Tx) error { _, err := tx.AddOutbox(sent); return err })
	got, err := s.OutboxMessage(ctx, first.ID)
	if err != nil || got.Status != store.OutboxSent || got.SentAt == nil || !got.SentAt.Equal(sentAt) || got.To != "ann@example.com" {
		t.Fatalf("message %+v %v, want the queued one marked sent", got, err)
	}
	if all, err := s.Outbox(ctx, store.OutboxQuery{Limit: 10}); err != nil || len(all) != 1 {
		t.Fatalf("outbox %v %v, want one message", all, err)
	}

	// A send that failed and is tried again: failed, failed again (the newer reason), then sent.
	try := func(status, reason, messageID string) {
		t.Helper()
		m := msg()
		m.IdempotencyKey, m.Status, m.Reason, m.MessageID = "enr-1-step-b-visit-1", status, reason, messageID
		at := T0.Add(time.Hour)
		if status == store.OutboxSent {
			m.SentAt = &at
		} else {
			m.StatusAt = &at
		}
		write(t, s, func(tx store.Tx) error { _, err := tx.AddOutbox(m); return err })
	}
	try(store.OutboxFailed, "451 try again later", "")
	try(store.OutboxFailed, "connection refused", "")
	failed, err := s.Outbox(ctx, store.OutboxQuery{Status: store.OutboxFailed})
	if err != nil || len(failed) != 1 || failed[0].Reason != "connection refused" {
		t.Fatalf("failed %+v %v, want one row with the newest reason", failed, err)
	}
	try(store.OutboxSent, "", "SM42")
	if got, err := s.OutboxMessage(ctx, failed[0].ID); err != nil || got.Status != store.OutboxSent || got.SentAt == nil || got.MessageID != "SM42" || got.Reason != "" {
		t.Fatalf("message %+v %v, want the failed one marked sent with the provider's id", got, err)
	}
}

func smsCap(t *testing.T, s store.Store) {
	ctx := context.Background()
	reserve := func(key string) store.SMSReservation {
		t.Helper()
		var r store.SMSReservation
		write(t, s, func(tx store.Tx) error {
			var err error
			r, err = tx.ReserveSMS("2026-03", key, 2, T0)
			return err
		})
		return r
	}
	steps := []struct {
		key  string
		want store.SMSReservation
	}{
		{"k1", store.SMSReservation{Allowed: true, Sent: 1}},
		{"k1", store.SMSReservation{Allowed: true, Sent: 1, Repeat: true}}, // a retry is not counted again
		{"k2", store.SMSReservation{Allowed: true, Sent: 2}},
		{"k3", store.SMSReservation{Sent: 2, Notify: true}}, // the first refusal of the month says so
		{"k4", store.SMSReservation{Sent: 2}},
	}
	for _, st := range steps {
		if got := reserve(st.key); got != st.want {
			t.Fatalf("reserve %s: %+v, want %+v", st.key, got, st.want)
		}
	}
	write(t, s, func(tx store.Tx) error { return tx.ReleaseSMS("k2") })
	if n, err := s.SMSUsage(ctx, "2026-03"); err != nil || n != 1 {
		t.Fatalf("usage after a release: %d %v, want 1", n, err)
	}
	if n, err := s.SMSUsage(ctx, "2026-04"); err != nil || n != 0 {
		t.Fatalf("usage of another month: %d %v, want 0", n, err)
	}
	for key, want := range map[string]bool{"k1": true, "k2": false, "k3": false, "never": false} {
		if got, err := s.SMSCounted(ctx, key); err != nil || got != want {
			t.Errorf("counted %s: %v %v, want %v", key, got, err, want)
		}
	}
	if sent, notified, err := s.SMSMonth(ctx, "2026-03"); err != nil || sent != 1 || !notified {
		t.Fatalf("month: sent %d notified %v %v, want 1 and told", sent, notified, err)
	}
	if sent, notified, err := s.SMSMonth(ctx, "2026-04"); err != nil || sent != 0 || notified {
		t.Fatalf("another month: sent %d notified %v %v, want 0 and not told", sent, notified, err)
	}
	// The first final status a provider reports is kept; a later one does not replace it, and a
	// key that names no counted message is not found.
	var first, later, unknown store.SMSStatus
	write(t, s, func(tx store.Tx) error {
		var err error
		if first, err = tx.SetSMSStatus("k1", "undelivered", "30003", T0); err != nil {
			return err
		}
		if later, err = tx.SetSMSStatus("k1", "delivered", "", T0.Add(time.Minute)); err != nil {
			return err
		}
		unknown, err = tx.SetSMSStatus("nope", "delivered", "", T0)
		return err
	})
	want := store.SMSStatus{Found: true, Status: "undelivered", Code: "30003", At: T0}
	if first != want || later != want {
		t.Fatalf("statuses %+v then %+v, want the first kept: %+v", first, later, want)
	}
	if unknown.Found || unknown.Status != "" {
		t.Fatalf("status of an unknown key %+v, want not found", unknown)
	}
	write(t, s, func(tx store.Tx) error {
		if got, err := tx.SMSStatus("k1"); err != nil || got != want {
			return fmt.Errorf("status read back: %+v %v, want %+v", got, err, want)
		}
		if got, err := tx.SMSStatus("k4"); err != nil || got.Found {
			return fmt.Errorf("status of a refused message: %+v %v, want not found (it was never counted)", got, err)
		}
		return nil
	})
}

func scheduleFiresOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	enrollment(t, s, "w", rec) // the workflow the marks belong to
	var first, second bool
	write(t, s, func(tx store.Tx) error {
		var err error
		if first, err = tx.MarkScheduleFired("w", "birthday", rec.ID, "2026-03-02", T0); err != nil {
			return err
		}
		second, err = tx.MarkScheduleFired("w", "birthday", rec.ID, "2026-03-02", T0.Add(time.Hour))
		return err
	})
	if !first || second {
		t.Fatalf("marks %v then %v, want the date to fire once", first, second)
	}
	for date, want := range map[string]bool{"2026-03-02": true, "2027-03-02": false} {
		if got, err := s.ScheduleFired(ctx, "w", "birthday", rec.ID, date); err != nil || got != want {
			t.Errorf("fired on %s: %v %v, want %v", date, got, err, want)
		}
	}
}

func notificationsRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := &store.Notification{Kind: "notify", Title: "New lead", Body: "Ann signed up"}
	b := &store.Notification{Kind: "hook_disabled", Title: "Webhook off", Body: "Too many failures"}
	write(t, s, func(tx store.Tx) error {
		if err := tx.AddNotification(a, T0); err != nil {
			return err
		}
		return tx.AddNotification(b, T0.Add(time.Second))
	})
	if n, err := s.UnreadCount(ctx); err != nil || n != 2 {
		t.Fatalf("unread %d %v, want 2", n, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.MarkRead(a.ID) })
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.MarkRead(404) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("mark an unknown notification read: %v, want ErrNotFound", err)
	}
	unread, err := s.Notifications(ctx, true, 10)
	if err != nil || len(unread) != 1 || unread[0].ID != b.ID || unread[0].Read {
		t.Fatalf("unread notifications %+v %v, want only b", unread, err)
	}
	if all, err := s.Notifications(ctx, false, 10); err != nil || len(all) != 2 {
		t.Fatalf("notifications %v %v, want 2", all, err)
	}
	for _, c := range []struct {
		kind, title string
		since       time.Time
		want        bool
	}{{"hook_disabled", "Webhook off", T0, true}, {"hook_disabled", "Webhook off", T0.Add(time.Second), true},
		{"hook_disabled", "Webhook off", T0.Add(2 * time.Second), false}, {"notify", "Webhook off", T0, false}, {"hook_disabled", "New lead", T0, false}} {
		write(t, s, func(tx store.Tx) error {
			got, err := tx.NotifiedSince(c.kind, c.title, c.since)
			if err != nil || got != c.want {
				t.Errorf("notified %s %q since %v: %v %v, want %v", c.kind, c.title, c.since, got, err, c.want)
			}
			return err
		})
	}
}

func tasksDone(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	due := T0.Add(48 * time.Hour)
	task := &store.Task{Title: "Call Ann", Owner: "sam", DueAt: &due, RecordID: rec.ID}
	write(t, s, func(tx store.Tx) error { return tx.InsertTask(task, T0) })
	if task.ID == 0 || task.Status != store.TaskOpen {
		t.Fatalf("new task %+v, want an id and open", task)
	}
	var done *store.Task
	write(t, s, func(tx store.Tx) error {
		var err error
		done, err = tx.SetTaskStatus(task.ID, store.TaskDone, T0.Add(time.Hour))
		return err
	})
	if done.Status != store.TaskDone || done.DoneAt == nil || !done.DoneAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("done task %+v", done)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { _, err := tx.SetTaskStatus(404, store.TaskDone, T0); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("finish an unknown task: %v, want ErrNotFound", err)
	}
	open, err := s.Tasks(ctx, store.TaskQuery{Status: store.TaskOpen, Limit: 10})
	if err != nil || len(open) != 0 {
		t.Fatalf("open tasks %v %v, want none", open, err)
	}
	got, err := s.Task(ctx, task.ID)
	if err != nil || got.Title != "Call Ann" || got.Owner != "sam" || got.DueAt == nil || !got.DueAt.Equal(due) || got.RecordID != rec.ID {
		t.Fatalf("task %+v %v", got, err)
	}
}

// onServerHasNoFileUpkeep: OnServer (which keeps a server's secrets out of a path made of its
// address) agrees with the file upkeep, which only a store in a file has.
func onServerHasNoFileUpkeep(t *testing.T, s store.Store) {
	up, ok := s.(store.FileUpkeep)
	if !ok {
		if !s.OnServer() {
			t.Fatal("a store without file upkeep says it is in a file (OnServer false)")
		}
		return
	}
	_, err := up.FreePages(context.Background())
	if err != nil && !errors.Is(err, store.ErrFileOnly) {
		t.Fatal(err)
	}
	if got, want := s.OnServer(), errors.Is(err, store.ErrFileOnly); got != want {
		t.Fatalf("OnServer() = %v, but FreePages answers %v", got, err)
	}
}

func settingsRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutSetting("smtp", json.RawMessage(`{"host":"smtp.acme.example","port":587}`), T0); err != nil {
			return err
		}
		if err := tx.PutSetting("retention", json.RawMessage(`{"days":30}`), T0); err != nil {
			return err
		}
		return tx.PutSetting("retention", json.RawMessage(`{"days":60}`), T0.Add(time.Minute)) // replaces
	})
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var smtp struct {
		Host string
		Port int
	}
	var ret struct{ Days int }
	if err := json.Unmarshal(got["smtp"], &smtp); err != nil || smtp.Host != "smtp.acme.example" || smtp.Port != 587 {
		t.Fatalf("smtp setting %s: %v", got["smtp"], err)
	}
	if err := json.Unmarshal(got["retention"], &ret); err != nil || ret.Days != 60 || len(got) != 2 {
		t.Fatalf("settings %v: %v", got, err)
	}
}

func associationsBothWays(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann.assoc@example.com", nil)
	var acme *store.Record
	write(t, s, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("company", 0, "", map[string]any{"name": "Acme"}, T0)
		acme = ch.Record
		return err
	})
	write(t, s, func(tx store.Tx) error {
		ok, err := tx.AssociationAllowed("contact", "company")
		if err != nil || !ok {
			return fmt.Errorf("contact-company allowed %v: %v", ok, err)
		}
		for i, label := range []string{"Primary", "Primary", "Billing"} {
			created, err := tx.Associate(ann, acme, label, T0)
			if err != nil {
				return err
			}
			if created != (i != 1) {
				return fmt.Errorf("associate %q (time %d): created %v", label, i+1, created)
			}
		}
		return nil
	})
	if links, _ := s.Associations(ctx, acme.ID, "contact"); len(links) != 2 || links[0].RecordID != ann.ID {
		t.Fatalf("the company's links %+v, want two labels to the contact", links)
	}
	if recs, _ := s.AssociatedRecords(ctx, ann.ID, "company"); len(recs) != 1 || recs[0].ID != acme.ID {
		t.Fatalf("associated companies %+v, want Acme once", recs)
	}
	if n, _ := s.CountAssociations(ctx); n != 2 {
		t.Fatalf("%d associations, want 2", n)
	}
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.Dissociate(acme.ID, ann.ID, "", true); err != nil || n != 2 {
			return fmt.Errorf("dissociate: %d %v", n, err)
		}
		return nil
	})
	if links, _ := s.Associations(ctx, ann.ID, ""); len(links) != 0 {
		t.Fatalf("links after removing them: %+v", links)
	}
}

func eraseKeepsCounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "erase.me@example.com", map[string]any{"first_name": "Eraseme"})
	en := enrollment(t, s, "erase-wf", rec)
	write(t, s, func(tx store.Tx) error {
		return tx.AppendHistory(store.HistoryEntry{EnrollmentID: en.ID, StepID: "a", Outcome: store.HistOK, Detail: json.RawMessage(`{"name":"Eraseme"}`), At: T0})
	})
	var out *store.Erasure
	write(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.EraseRecord(rec.ID, T0)
		return err
	})
	if out.Cancelled != 1 || out.Enrollments != 1 {
		t.Fatalf("erasure %+v", out)
	}
	if _, err := s.Record(ctx, rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("read an erased record: %v", err)
	}
	if at, erased, err := s.ErasedAt(ctx, rec.ID); err != nil || !erased || !at.Equal(T0) {
		t.Fatalf("tombstone: %v %v %v", at, erased, err)
	}
	got, err := s.Enrollment(ctx, en.ID)
	if err != nil || got.Status != store.StatusCancelled {
		t.Fatalf("enrollment after the erase: %+v %v", got, err)
	}
	hist, _ := s.History(ctx, en.ID)
	if len(hist) != 2 || string(hist[0].Detail) != "{}" || hist[1].Outcome != store.HistCancelled {
		t.Fatalf("history after the erase: %+v", hist)
	}
	if locs, _ := s.FindText(ctx, "Eraseme"); len(locs) != 0 {
		t.Fatalf("the name is still in %v", locs)
	}
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.EraseRecord(rec.ID, T0); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("erase twice: %v", err)
		}
		return nil
	})
}
