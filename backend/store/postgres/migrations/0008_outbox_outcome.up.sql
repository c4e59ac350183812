-- SQLite 0028: an outbox row can be 'delivered' or 'failed', with the reason (see
-- backend/store/migrations). PostgreSQL widens the CHECK in place.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('outbox','sent','delivered','failed'));
ALTER TABLE outbox ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN status_at BIGINT;

UPDATE outbox SET status = 'failed',
    reason = (SELECT a.error FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed' ORDER BY a.id DESC LIMIT 1),
    status_at = (SELECT a.at FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed' ORDER BY a.id DESC LIMIT 1)
WHERE channel = 'sms' AND status = 'sent'
    AND EXISTS (SELECT 1 FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed');
UPDATE outbox SET status = 'delivered',
    status_at = (SELECT s.status_at FROM sms_sends s WHERE s.idempotency_key = outbox.idempotency_key)
WHERE channel = 'sms' AND status = 'sent'
    AND EXISTS (SELECT 1 FROM sms_sends s WHERE s.idempotency_key = outbox.idempotency_key AND s.status IN ('delivered','read'));
