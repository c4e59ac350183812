package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func eventsListedAndSeen(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := contact(t, s, "ann@example.com", nil), contact(t, s, "bob@example.com", nil)
	var evs []*store.Event
	write(t, s, func(tx store.Tx) error {
		for i, e := range []struct {
			typ  string
			rec  int64
			data map[string]any
		}{
			{"form.submitted", ann.ID, map[string]any{"form": "f1"}},
			{"page.viewed", ann.ID, map[string]any{"url": "/a"}},
			{"form.submitted", bob.ID, map[string]any{"form": "f2"}},
			{"form.submitted", ann.ID, map[string]any{"form": "f3"}},
		} {
			ev := &store.Event{Type: e.typ, RecordID: e.rec, Data: e.data, OccurredAt: T0.Add(time.Duration(i) * time.Minute), ReceivedAt: T0.Add(time.Duration(i) * time.Minute)}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		return nil
	})
	got, err := s.RecordEvents(ctx, ann.ID, 2)
	if err != nil || len(got) != 2 || got[0].ID != evs[3].ID || got[1].ID != evs[1].ID {
		t.Fatalf("ann's latest events %+v %v, want the newest two", got, err)
	}
	if ev, err := s.Event(ctx, evs[1].ID); err != nil || ev.Data["url"] != "/a" || !ev.OccurredAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("event %+v %v", ev, err)
	}
	seen, err := s.SeenEventTypes(ctx, 10, 2)
	if err != nil || len(seen) != 2 || seen[0].Type != "form.submitted" || seen[1].Type != "page.viewed" {
		t.Fatalf("seen types %+v %v, want form.submitted then page.viewed", seen, err)
	}
	if f := seen[0]; !f.LastSeen.Equal(T0.Add(3*time.Minute)) || len(f.Samples) != 2 || f.Samples[0]["form"] != "f3" || f.Samples[1]["form"] != "f2" {
		t.Fatalf("form.submitted %+v, want its latest two samples, newest first", f)
	}
	if one, _ := s.SeenEventTypes(ctx, 1, 0); len(one) != 1 || len(one[0].Samples) != 0 {
		t.Fatalf("one type without samples: %+v", one)
	}
}

func webinarLiveViewing(t *testing.T, s store.Store) {
	ann := contact(t, s, "ann@example.com", nil)
	var live, later *store.Event
	write(t, s, func(tx store.Tx) error {
		for _, e := range []*store.Event{
			{Type: "webinar.viewer", Scope: map[string]string{"webinar": "w1"}, Data: map[string]any{"viewing": map[string]any{"live": false}}},
			{Type: "webinar.viewer", Scope: map[string]string{"webinar": "w2"}, Data: map[string]any{"viewing": map[string]any{"live": true}}},
		} {
			e.RecordID, e.OccurredAt, e.ReceivedAt = ann.ID, T0, T0
			if err := tx.InsertEvent(e); err != nil {
				return err
			}
		}
		live = &store.Event{Type: "webinar.live_viewer", RecordID: ann.ID, Scope: map[string]string{"webinar": "w3"}, OccurredAt: T0, ReceivedAt: T0}
		if err := tx.InsertEvent(live); err != nil {
			return err
		}
		later = &store.Event{Type: "webinar.registered", RecordID: ann.ID, OccurredAt: T0, ReceivedAt: T0}
		return tx.InsertEvent(later)
	})
	write(t, s, func(tx store.Tx) error {
		for webinar, want := range map[string]bool{"w1": false, "w2": true, "w3": true, "w4": false} {
			got, err := tx.WatchedWebinarLive(ann.ID, webinar, later.ID)
			if err != nil || got != want {
				return fmt.Errorf("watched %s live: %v %v, want %v", webinar, got, err, want)
			}
		}
		if got, _ := tx.WatchedWebinarLive(ann.ID, "w3", live.ID); got {
			return fmt.Errorf("an event counts before itself")
		}
		return nil
	})
}

func eventScopesSeen(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", nil)
	write(t, s, func(tx store.Tx) error {
		for i, e := range []*store.Event{
			{Type: "webinar.viewer", Scope: map[string]string{"webinar": "54072", "broadcast": "b1"}, Data: map[string]any{"webinar": map[string]any{"id": 54072, "title": "Growth"}}},
			{Type: "webinar.viewer", Scope: map[string]string{"webinar": "54072", "broadcast": "b2"}},
			{Type: "webinar.registered", Scope: map[string]string{"webinar": "999"}},
			{Type: "webinar.viewer"}, // no scope: counts for nothing
			{Type: "webinar.viewer", Scope: map[string]string{"webinar": "61000"}, Data: map[string]any{"webinar": map[string]any{"id": 61000, "title": "Pricing"}}},
		} {
			e.RecordID, e.OccurredAt, e.ReceivedAt = ann.ID, T0.Add(time.Duration(i)*time.Minute), T0.Add(time.Duration(i)*time.Minute)
			if err := tx.InsertEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.EventScopes(ctx, "webinar.viewer", 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, sc := range got {
		lines = append(lines, fmt.Sprintf("%s=%s×%d@%s", sc.Key, sc.Value, sc.Count, sc.LastSeen.Sub(T0)))
	}
	want := "[webinar=61000×1@4m0s broadcast=b2×1@1m0s webinar=54072×2@1m0s broadcast=b1×1@0s]"
	if fmt.Sprint(lines) != want {
		t.Fatalf("scopes %v, want %s (newest first, then by key; webinar 999 is another type's)", lines, want)
	}
	if got[0].Data["webinar"].(map[string]any)["title"] != "Pricing" {
		t.Fatalf("the newest value's sample %v", got[0].Data)
	}
	// The scan bounds the work: the latest two events only know webinar 61000 (the other has none).
	if few, err := s.EventScopes(ctx, "webinar.viewer", 2, 10); err != nil || len(few) != 1 || few[0].Value != "61000" {
		t.Fatalf("scopes of the latest two events %+v %v", few, err)
	}
	if one, err := s.EventScopes(ctx, "webinar.viewer", 100, 1); err != nil || len(one) != 1 {
		t.Fatalf("limit 1: %+v %v", one, err)
	}
	if none, err := s.EventScopes(ctx, "never.seen", 100, 10); err != nil || len(none) != 0 {
		t.Fatalf("an unseen type: %+v %v", none, err)
	}
}
