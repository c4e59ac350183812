package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func hookEndpointLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	h := &store.HookEndpoint{ID: "forms", Key: "k-forms", Name: "Forms", Config: `{"event":"form.submitted"}`, Secret: "c2VjcmV0", Enabled: true}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateHookEndpoint(h, T0); err != nil {
			return err
		}
		return tx.CreateHookEndpoint(&store.HookEndpoint{ID: "ads", Key: "k-ads", Name: "ads", Config: "{}"}, T0)
	})
	if h.MaxFailures != 10 || !h.CreatedAt.Equal(T0) {
		t.Fatalf("created endpoint %+v, want the default of 10 failures and its time", h)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CreateHookEndpoint(&store.HookEndpoint{ID: "forms", Key: "k-other", Name: "x", Config: "{}"}, T0)
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second endpoint with the id: %v, want ErrConflict", err)
	}
	got, err := s.HookEndpointByKey(ctx, "k-forms")
	if err != nil || got.ID != "forms" || got.Config != h.Config || got.Secret != h.Secret || !got.Enabled || got.Captured != "" {
		t.Fatalf("by key: %+v %v", got, err)
	}
	if all, err := s.HookEndpoints(ctx); err != nil || len(all) != 2 || all[0].ID != "ads" || all[1].ID != "forms" {
		t.Fatalf("endpoints %+v %v, want ads then Forms (by name, ignoring case)", all, err)
	}
	for what, err := range map[string]error{
		"by id":  func() error { _, err := s.HookEndpoint(ctx, "nope"); return err }(),
		"by key": func() error { _, err := s.HookEndpointByKey(ctx, "nope"); return err }(),
		"update": s.Write(ctx, func(tx store.Tx) error { return tx.UpdateHookEndpoint(&store.HookEndpoint{ID: "nope"}, T0) }),
		"delete": s.Write(ctx, func(tx store.Tx) error { return tx.DeleteHookEndpoint("nope") }),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a missing endpoint %s: %v, want ErrNotFound", what, err)
		}
	}

	later := T0.Add(time.Minute)
	write(t, s, func(tx store.Tx) error {
		e, err := tx.HookEndpoint("forms")
		if err != nil {
			return err
		}
		e.Name, e.Capture, e.MaxFailures = "Form posts", true, 2
		if err := tx.UpdateHookEndpoint(e, later); err != nil {
			return err
		}
		if ok, err := tx.ClaimHookCapture("forms", `{"body":"first"}`, later); err != nil || !ok {
			return fmt.Errorf("first capture: %v %v, want it taken", ok, err)
		}
		if ok, err := tx.ClaimHookCapture("forms", `{"body":"second"}`, later); err != nil || ok {
			return fmt.Errorf("second capture: %v %v, want it refused (capture is off)", ok, err)
		}
		for want := 1; want <= 2; want++ {
			e, err := tx.HookFailed("forms")
			if err != nil || e.ConsecutiveFailures != want {
				return fmt.Errorf("failure %d: %+v %v", want, e, err)
			}
		}
		return tx.DisableHookEndpoint("forms", "2 failures in a row", later)
	})
	got, err = s.HookEndpoint(ctx, "forms")
	if err != nil || got.Name != "Form posts" || got.Capture || got.Captured != `{"body":"first"}` || got.Enabled ||
		got.DisabledReason != "2 failures in a row" || got.ConsecutiveFailures != 2 || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(T0) {
		t.Fatalf("endpoint after updates %+v %v", got, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.HookSucceeded("forms") })
	if got, _ := s.HookEndpoint(ctx, "forms"); got.ConsecutiveFailures != 0 {
		t.Fatalf("failures after a success: %d, want 0", got.ConsecutiveFailures)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteHookEndpoint("forms") })
	if _, err := s.HookEndpoint(ctx, "forms"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted endpoint: %v", err)
	}
}

func hookRequestLog(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := contact(t, s, "ann@example.com", nil)
	ev := &store.Event{Type: "form.submitted", RecordID: rec.ID, OccurredAt: T0, ReceivedAt: T0}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		return tx.CreateHookEndpoint(&store.HookEndpoint{ID: "forms", Key: "k", Name: "Forms", Config: "{}", Enabled: true}, T0)
	})
	var reqs []*store.HookRequest
	write(t, s, func(tx store.Tx) error {
		for i := range 5 {
			r := &store.HookRequest{EndpointID: "forms", ReceivedAt: T0.Add(time.Duration(i) * time.Hour), StatusCode: 202,
				Outcome: "delayed", WebhookID: fmt.Sprintf("d%d", i), Headers: `{"Content-Type":"application/json"}`, Body: []byte(fmt.Sprintf(`{"i":%d}`, i))}
			if err := tx.InsertHookRequest(r); err != nil {
				return err
			}
			reqs = append(reqs, r)
		}
		return tx.FinishHookRequest(reqs[4].ID, "applied", "", ev.ID)
	})
	page, err := s.HookRequests(ctx, "forms", 0, 2)
	if err != nil || len(page) != 2 || page[0].ID != reqs[4].ID || page[1].ID != reqs[3].ID {
		t.Fatalf("first page %+v %v, want the two newest", page, err)
	}
	if p := page[0]; p.Outcome != "applied" || p.EventID != ev.ID || string(p.Body) != `{"i":4}` || p.Headers != reqs[4].Headers || p.WebhookID != "d4" || !p.ReceivedAt.Equal(reqs[4].ReceivedAt) {
		t.Fatalf("finished request %+v", p)
	}
	if next, err := s.HookRequests(ctx, "forms", page[1].ID, 10); err != nil || len(next) != 3 || next[0].ID != reqs[2].ID {
		t.Fatalf("next page %+v %v, want the three older ones", next, err)
	}

	// a refusal keeps its code and the field it names apart from its text
	refused := &store.HookRequest{EndpointID: "strict", ReceivedAt: T0.Add(10 * time.Hour), StatusCode: 422, Outcome: "rejected",
		Error: "undeclared_property: record.properties.plan: ...", ErrorCode: "undeclared_property", ErrorField: "record.properties.plan",
		ErrorPath: "plan.name", ErrorValue: []byte(`"pro"`), Body: []byte(`{"plan":{"name":"pro"}}`)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateHookEndpoint(&store.HookEndpoint{ID: "strict", Key: "k2", Name: "Strict", Config: `{"strict":true}`, Enabled: true}, T0); err != nil {
			return err
		}
		return tx.InsertHookRequest(refused)
	})
	if got, err := s.HookRequests(ctx, "strict", 0, 10); err != nil || len(got) != 1 || got[0].ErrorCode != "undeclared_property" ||
		got[0].ErrorField != "record.properties.plan" || got[0].Error != refused.Error || got[0].Outcome != "rejected" ||
		got[0].ErrorPath != "plan.name" || string(got[0].ErrorValue) != `"pro"` {
		t.Fatalf("refused request %+v %v, want its code, field, path and value", got, err)
	}
	if got, err := s.HookRequests(ctx, "forms", 0, 1); err != nil || len(got) != 1 || got[0].ErrorPath != "" || got[0].ErrorValue != nil {
		t.Fatalf("an applied request %+v %v, want no error path or value", got, err)
	}

	// held deliveries come due in order and are released once
	held := []*store.HookDelayed{
		{EndpointID: "forms", RequestID: reqs[1].ID, DueAt: T0.Add(2 * time.Hour), Payload: `{"n":2}`},
		{EndpointID: "forms", RequestID: reqs[0].ID, DueAt: T0.Add(time.Hour), Payload: `{"n":1}`},
	}
	write(t, s, func(tx store.Tx) error {
		for _, d := range held {
			if err := tx.HoldHookDelivery(d); err != nil {
				return err
			}
		}
		return nil
	})
	if n, err := s.CountHookDelayed(ctx); err != nil || n != 2 {
		t.Fatalf("held %d %v, want 2", n, err)
	}
	if due, err := s.DueHookDeliveries(ctx, T0.Add(90*time.Minute), 10); err != nil || len(due) != 1 || due[0].ID != held[1].ID || due[0].Payload != `{"n":1}` {
		t.Fatalf("due at 90 minutes %+v %v, want the one due at an hour", due, err)
	}
	due, _ := s.DueHookDeliveries(ctx, T0.Add(3*time.Hour), 10)
	if len(due) != 2 || due[0].ID != held[1].ID || due[1].ID != held[0].ID || !due[0].DueAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("due at 3 hours %+v, want both, earliest first", due)
	}
	write(t, s, func(tx store.Tx) error {
		if ok, err := tx.ReleaseHookDelivery(held[1].ID); err != nil || !ok {
			return fmt.Errorf("release: %v %v", ok, err)
		}
		if ok, err := tx.ReleaseHookDelivery(held[1].ID); err != nil || ok {
			return fmt.Errorf("release twice: %v %v, want not ok", ok, err)
		}
		return nil
	})

	// the log is trimmed to the newest lines and pruned by age
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.TrimHookRequests("forms", 3); err != nil || n != 2 {
			return fmt.Errorf("trim to 3: %d %v, want 2 removed", n, err)
		}
		return nil
	})
	if left, _ := s.HookRequests(ctx, "forms", 0, 10); len(left) != 3 || left[2].ID != reqs[2].ID {
		t.Fatalf("after the trim %+v, want the three newest", left)
	}
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.PruneHookRequests(T0.Add(3 * time.Hour)); err != nil || n != 1 {
			return fmt.Errorf("prune before 3 hours: %d %v, want 1", n, err)
		}
		return nil
	})
	if left, _ := s.HookRequests(ctx, "forms", 0, 10); len(left) != 2 {
		t.Fatalf("after the prune %d lines, want 2", len(left))
	}
}

func hookDeliveriesRemembered(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		return tx.CreateHookEndpoint(&store.HookEndpoint{ID: "forms", Key: "k", Name: "Forms", Config: "{}"}, T0)
	})
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.HookDelivery("forms", "d1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("an unseen delivery: %v, want ErrNotFound", err)
		}
		if err := tx.RememberHookDelivery(&store.HookDelivery{EndpointID: "forms", DeliveryID: "d1", ReceivedAt: T0, Outcome: "rejected"}); err != nil {
			return err
		}
		if err := tx.RememberHookDelivery(&store.HookDelivery{EndpointID: "forms", DeliveryID: "d2", ReceivedAt: T0.Add(2 * time.Hour), Outcome: "applied"}); err != nil {
			return err
		}
		// a retried delivery refreshes the one row
		return tx.RememberHookDelivery(&store.HookDelivery{EndpointID: "forms", DeliveryID: "d1", ReceivedAt: T0.Add(time.Hour), Outcome: "applied"})
	})
	got, err := s.HookDelivery(ctx, "forms", "d1")
	if err != nil || got.Outcome != "applied" || !got.ReceivedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("refreshed delivery %+v %v", got, err)
	}
	write(t, s, func(tx store.Tx) error {
		if n, err := tx.PruneHookDeliveries(T0.Add(90 * time.Minute)); err != nil || n != 1 {
			return fmt.Errorf("prune: %d %v, want 1", n, err)
		}
		return nil
	})
	if _, err := s.HookDelivery(ctx, "forms", "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a pruned delivery: %v", err)
	}
	if _, err := s.HookDelivery(ctx, "forms", "d2"); err != nil {
		t.Fatalf("a newer delivery after the prune: %v", err)
	}
}

func recordByProperty(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := contact(t, s, "ann@example.com", map[string]any{"external_id": "AB-1", "score": 7.0})
	contact(t, s, "bob@example.com", map[string]any{"external_id": "cd-2", "team": "x"})
	contact(t, s, "cy@example.com", map[string]any{"external_id": "cd-3", "team": "x"})
	if got, err := s.RecordByProperty(ctx, "contact", "external_id", "ab-1"); err != nil || got.ID != ann.ID {
		t.Fatalf("by a text property, another case: %+v %v, want ann", got, err)
	}
	if got, err := s.RecordByProperty(ctx, "contact", "score", 7.0); err != nil || got.ID != ann.ID {
		t.Fatalf("by a number: %+v %v, want ann", got, err)
	}
	if _, err := s.RecordByProperty(ctx, "contact", "external_id", "zz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no match: %v, want ErrNotFound", err)
	}
	if _, err := s.RecordByProperty(ctx, "company", "external_id", "AB-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another type: %v, want ErrNotFound", err)
	}
	_, err := s.RecordByProperty(ctx, "contact", "team", "x")
	var amb *store.AmbiguousMatch
	if !errors.As(err, &amb) || !errors.Is(err, store.ErrConflict) || len(amb.IDs) != 2 {
		t.Fatalf("two matches: %v, want an AmbiguousMatch of 2 that is ErrConflict", err)
	}
}
