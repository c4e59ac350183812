package engine

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/store/storetest"
)

// serverStore is a store without file upkeep, as a database server is: embedding the interface
// hides *DB's Vacuum, Checkpoint and Sizes.
type serverStore struct{ store.Store }

func serviceNames(e *Engine) []string {
	var out []string
	for _, s := range e.MaintenanceServices() {
		out = append(out, s.Name())
	}
	return out
}

func TestFileUpkeepOnlyForAStoreKeptInAFile(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t, "")
	fc := clock.NewFake(t0)
	file, err := New(ctx, db, Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := serviceNames(file), []string{"trash", "retention", "vacuum", "checkpoint"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("services over SQLite %v, want %v", got, want)
	}
	server, err := New(ctx, serverStore{db}, Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := serviceNames(server), []string{"trash", "retention"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("services over a store without file upkeep %v, want %v", got, want)
	}
	// retention still runs: a finished enrollment older than the retention goes
	if err := db.Write(ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord("contact", 0, "ann@example.com", nil, t0)
		if err != nil {
			return err
		}
		en := &store.Enrollment{WorkflowID: "w", Version: 1, RecordID: ch.Record.ID, Status: store.StatusActive, CurrentStep: "a"}
		if err := tx.CreateWorkflow(&store.Workflow{ID: "w", Name: "w", Object: "contact", Definition: []byte(`{}`)}, t0); err != nil {
			return err
		}
		if _, err := tx.SnapshotVersion("w", t0); err != nil {
			return err
		}
		if err := tx.InsertEnrollment(en, t0); err != nil {
			return err
		}
		return tx.UpdateEnrollment(en.ID, store.StatusCompleted, "", 1, "", t0)
	}); err != nil {
		t.Fatal(err)
	}
	fc.Advance(store.DefaultRetention + time.Hour)
	server.RunMaintenance(ctx)
	if st := server.MaintenanceStats(); st["retention"].Rows == 0 || st["vacuum"].Rounds != 0 || st["checkpoint"].Rounds != 0 {
		t.Fatalf("stats %+v, want retention rows and no vacuum or checkpoint round", st)
	}
}
