package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

func outboxQueriedAndDeleted(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ids []int64
	write(t, s, func(tx store.Tx) error {
		for i, m := range []*store.OutboxMessage{
			{Channel: "email", Status: store.OutboxQueued, IdempotencyKey: "a", To: "ann@example.com", Subject: "A", EnrollmentID: 7},
			{Channel: "email", Status: store.OutboxSent, IdempotencyKey: "b", To: "bob@example.com", Subject: "B"},
			{Channel: "sms", Status: store.OutboxQueued, IdempotencyKey: "a", To: "+353000", BodyText: "hi"},
		} {
			m.CreatedAt = T0.Add(time.Duration(i) * time.Minute)
			if _, err := tx.AddOutbox(m); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if ids[0] == ids[2] {
		t.Fatal("an SMS with an email's idempotency key took the email's row: keys are per channel")
	}
	for name, c := range map[string]struct {
		q    store.OutboxQuery
		want []int64
	}{
		"all, newest first": {store.OutboxQuery{Limit: 10}, []int64{ids[2], ids[1], ids[0]}},
		"by channel":        {store.OutboxQuery{Channel: "email", Limit: 10}, []int64{ids[1], ids[0]}},
		"by status":         {store.OutboxQuery{Status: store.OutboxQueued, Limit: 10}, []int64{ids[2], ids[0]}},
		"by enrollment":     {store.OutboxQuery{EnrollmentID: 7, Limit: 10}, []int64{ids[0]}},
		"by key":            {store.OutboxQuery{Key: "a", Channel: "sms", Limit: 10}, []int64{ids[2]}},
		"paged":             {store.OutboxQuery{Before: ids[1], Limit: 10}, []int64{ids[0]}},
		"limited":           {store.OutboxQuery{Limit: 1}, []int64{ids[2]}},
	} {
		got, err := s.Outbox(ctx, c.q)
		var gotIDs []int64
		for _, m := range got {
			gotIDs = append(gotIDs, m.ID)
		}
		if err != nil || fmt.Sprint(gotIDs) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v %v, want %v", name, gotIDs, err, c.want)
		}
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteOutbox(ids[1]) })
	if _, err := s.OutboxMessage(ctx, ids[1]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted message: %v, want ErrNotFound", err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteOutbox(ids[1]) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
}

func outboxOutcome(t *testing.T, s store.Store) {
	ctx := context.Background()
	sentAt, later := T0, T0.Add(time.Hour)
	msgs := []*store.OutboxMessage{
		{Channel: "sms", Status: store.OutboxSent, IdempotencyKey: "fd_failed", To: "+31612345678", BodyText: "hi", CreatedAt: T0, SentAt: &sentAt},
		{Channel: "sms", Status: store.OutboxSent, IdempotencyKey: "fd_delivered", To: "+31612345679", BodyText: "hi", CreatedAt: T0, SentAt: &sentAt},
		{Channel: "sms", Status: store.OutboxQueued, IdempotencyKey: "fd_kept", To: "+31612345670", BodyText: "hi", CreatedAt: T0},
		// A provider answer that was final already: stored failed at once.
		{Channel: "sms", Status: store.OutboxFailed, IdempotencyKey: "fd_refused", To: "+31612345671", BodyText: "hi", CreatedAt: T0,
			SentAt: &sentAt, Reason: "the SMS provider answered that the message failed", StatusAt: &sentAt},
	}
	write(t, s, func(tx store.Tx) error {
		for _, m := range msgs {
			if _, err := tx.AddOutbox(m); err != nil {
				return err
			}
		}
		return nil
	})
	var changed [5]bool
	write(t, s, func(tx store.Tx) error {
		var err error
		for i, c := range []struct{ key, status, reason string }{
			{"fd_failed", store.OutboxFailed, "the provider reported the message undelivered (error 30003)"},
			{"fd_delivered", store.OutboxDelivered, ""},
			{"fd_kept", store.OutboxFailed, "no"},
			{"fd_failed", store.OutboxDelivered, ""}, // a second outcome changes nothing
			{"fd_unknown", store.OutboxFailed, "no"},
		} {
			if changed[i], err = tx.SetOutboxStatus(c.key, c.status, c.reason, later); err != nil {
				return err
			}
		}
		return nil
	})
	if changed != [5]bool{true, true, false, false, false} {
		t.Fatalf("changed %v, want only the two sent messages", changed)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		_, err := tx.SetOutboxStatus("fd_delivered", store.OutboxSent, "", later)
		return err
	}); err == nil {
		t.Fatal("setting a sent message back to sent was accepted; only delivered or failed are outcomes")
	}
	for i, want := range []struct {
		status, reason string
		at             time.Time
	}{
		{store.OutboxFailed, "the provider reported the message undelivered (error 30003)", later},
		{store.OutboxDelivered, "", later},
		{store.OutboxQueued, "", time.Time{}},
		{store.OutboxFailed, "the SMS provider answered that the message failed", sentAt},
	} {
		got, err := s.OutboxMessage(ctx, msgs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		var at time.Time
		if got.StatusAt != nil {
			at = *got.StatusAt
		}
		if got.Status != want.status || got.Reason != want.reason || !at.Equal(want.at) {
			t.Errorf("message %s: %s %q at %v, want %s %q at %v", msgs[i].IdempotencyKey, got.Status, got.Reason, at, want.status, want.reason, want.at)
		}
	}
	for status, want := range map[string]int{store.OutboxFailed: 2, store.OutboxDelivered: 1, store.OutboxSent: 0, store.OutboxQueued: 1} {
		if got, err := s.Outbox(ctx, store.OutboxQuery{Status: status, Limit: 10}); err != nil || len(got) != want {
			t.Errorf("status %s: %d messages %v, want %d", status, len(got), err, want)
		}
	}
}

func emailTemplates(t *testing.T, s store.Store) {
	ctx := context.Background()
	if all, err := s.EmailTemplates(ctx); err != nil || all == nil || len(all) != 0 {
		t.Fatalf("templates of an empty store: %#v %v, want an empty, non-nil list", all, err)
	}
	later := T0.Add(time.Hour)
	write(t, s, func(tx store.Tx) error {
		created, err := tx.PutEmailTemplate(&store.EmailTemplate{Name: "welcome", Subject: "Hi", BodyHTML: "<p>Hi</p>", BodyText: "Hi", TextGenerated: true}, T0)
		if err != nil || !created {
			return fmt.Errorf("create: %v %v", created, err)
		}
		tpl := &store.EmailTemplate{Name: "welcome", Subject: "Hello", Preheader: "Glad you came", BodyHTML: "<p>Hello</p>", BodyText: "Hello there"}
		if created, err := tx.PutEmailTemplate(tpl, later); err != nil || created || !tpl.CreatedAt.Equal(T0) {
			return fmt.Errorf("replace: created %v, created at %v, %v; want replaced, kept its creation time", created, tpl.CreatedAt, err)
		}
		if stored, err := tx.PutEmailTemplateIfMissing(&store.EmailTemplate{Name: "welcome", Subject: "Seed"}, later); err != nil || stored {
			return fmt.Errorf("seed over an existing one: %v %v, want it left", stored, err)
		}
		stored, err := tx.PutEmailTemplateIfMissing(&store.EmailTemplate{Name: "bye", Subject: "Bye"}, later)
		if err != nil || !stored {
			return fmt.Errorf("seed a missing one: %v %v", stored, err)
		}
		return nil
	})
	got, err := s.EmailTemplate(ctx, "welcome")
	if err != nil || got.Subject != "Hello" || got.Preheader != "Glad you came" || got.BodyText != "Hello there" || got.TextGenerated ||
		!got.CreatedAt.Equal(T0) || !got.UpdatedAt.Equal(later) {
		t.Fatalf("template %+v %v", got, err)
	}
	if all, _ := s.EmailTemplates(ctx); len(all) != 2 || all[0].Name != "bye" || all[1].Name != "welcome" {
		t.Fatalf("templates %+v, want bye then welcome", all)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteEmailTemplate("bye") })
	if _, err := s.EmailTemplate(ctx, "bye"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted template: %v, want ErrNotFound", err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.DeleteEmailTemplate("bye") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
}
