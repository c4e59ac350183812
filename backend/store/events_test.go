package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestEvents(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rec := newContact(t, db, "ann@x.com", nil)
	e1 := &Event{Type: "webinar.registered", RecordID: rec, Scope: map[string]string{"webinar": "54072"},
		Data:       map[string]any{"watch_pct": 62.5, "nested": map[string]any{"a": []any{"b"}}},
		OccurredAt: t0.Add(-time.Hour), ReceivedAt: t0, IdempotencyKey: "msg_1"}
	e2 := &Event{Type: "payment.completed", RecordID: rec, OccurredAt: t0, ReceivedAt: t0.Add(time.Second)}
	mustWrite(t, db, func(tx Tx) error {
		if err := tx.InsertEvent(e1); err != nil {
			return err
		}
		return tx.InsertEvent(e2)
	})
	if e1.ID == 0 || e2.ID <= e1.ID {
		t.Fatalf("ids %d, %d: want increasing and set", e1.ID, e2.ID)
	}
	got, err := db.Event(ctx, e1.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &Event{ID: e1.ID, Type: "webinar.registered", RecordID: rec, Scope: map[string]string{"webinar": "54072"},
		Data:       map[string]any{"watch_pct": 62.5, "nested": map[string]any{"a": []any{"b"}}},
		OccurredAt: msTime(t0.Add(-time.Hour)), ReceivedAt: msTime(t0), IdempotencyKey: "msg_1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Event = %+v\nwant %+v", got, want)
	}
	got2, err := db.Event(ctx, e2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got2.Scope) != 0 || len(got2.Data) != 0 || got2.IdempotencyKey != "" {
		t.Fatalf("empty scope/data/key round trip: %+v", got2)
	}
	if _, err := db.Event(ctx, e2.ID+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing event: %v, want ErrNotFound", err)
	}

	// The idempotency key is unique; the stored event is found by it.
	dup := &Event{Type: "webinar.registered", RecordID: rec, OccurredAt: t0, ReceivedAt: t0, IdempotencyKey: "msg_1"}
	err = tryWrite(db, func(tx Tx) error { return tx.InsertEvent(dup) })
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate idempotency key: %v, want ErrConflict", err)
	}
	mustWrite(t, db, func(tx Tx) error {
		e, err := tx.EventByIdempotencyKey("msg_1")
		if err != nil {
			return err
		}
		if e.ID != e1.ID {
			t.Errorf("EventByIdempotencyKey = event %d, want %d", e.ID, e1.ID)
		}
		if _, err := tx.EventByIdempotencyKey("msg_2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown key: %v, want ErrNotFound", err)
		}
		return nil
	})
	if n, err := db.CountEvents(ctx); err != nil || n != 2 {
		t.Fatalf("CountEvents = %d, %v; want 2", n, err)
	}
	list, err := db.RecordEvents(ctx, rec, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != e2.ID || list[1].ID != e1.ID {
		t.Fatalf("RecordEvents not newest first: %+v", list)
	}
	if list, _ := db.RecordEvents(ctx, rec, 1); len(list) != 1 || list[0].ID != e2.ID {
		t.Fatalf("RecordEvents limit 1 = %+v", list)
	}
}
