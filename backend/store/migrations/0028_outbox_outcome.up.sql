-- An outbox row says what became of a message after it left, so a failed SMS does not read
-- "sent": the provider's delivery report (or its absence until the step's wait ends) makes a
-- sent message 'delivered' or 'failed', with the reason, in the write that logs the step's
-- outcome. SQLite cannot widen a CHECK in place, so the table is rebuilt with its rows (nothing
-- references it).
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL DEFAULT 'email',
    status          TEXT NOT NULL CHECK (status IN ('outbox','sent','delivered','failed')),
    idempotency_key TEXT NOT NULL,
    message_id      TEXT NOT NULL DEFAULT '',
    enrollment_id   INTEGER,
    workflow_id     TEXT NOT NULL DEFAULT '',
    step_id         TEXT NOT NULL DEFAULT '',
    from_addr       TEXT NOT NULL DEFAULT '',
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    reason          TEXT NOT NULL DEFAULT '', -- why a message failed ("the provider reported the message undelivered (error 30003)")
    status_at       INTEGER                   -- when it became delivered or failed
);
INSERT INTO outbox_new (id, channel, status, idempotency_key, message_id, enrollment_id, workflow_id, step_id, from_addr,
    to_addr, subject, body_html, body_text, created_at, sent_at)
SELECT id, channel, status, idempotency_key, message_id, enrollment_id, workflow_id, step_id, from_addr,
    to_addr, subject, body_html, body_text, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE UNIQUE INDEX outbox_key ON outbox (channel, idempotency_key);
CREATE INDEX outbox_status ON outbox (status, id);

-- Messages that failed before this version still read 'sent': the failure is in the delivery
-- log, a failed line with the send's key (a reported failure, no report in time, or a provider
-- answer that was already "failed"). A reported delivery is in sms_sends.
UPDATE outbox SET status = 'failed',
    reason = (SELECT a.error FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed' ORDER BY a.id DESC LIMIT 1),
    status_at = (SELECT a.at FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed' ORDER BY a.id DESC LIMIT 1)
WHERE channel = 'sms' AND status = 'sent'
    AND EXISTS (SELECT 1 FROM action_attempts a WHERE a.idempotency_key = outbox.idempotency_key AND a.outcome = 'failed');
UPDATE outbox SET status = 'delivered',
    status_at = (SELECT s.status_at FROM sms_sends s WHERE s.idempotency_key = outbox.idempotency_key)
WHERE channel = 'sms' AND status = 'sent'
    AND EXISTS (SELECT 1 FROM sms_sends s WHERE s.idempotency_key = outbox.idempotency_key AND s.status IN ('delivered','read'));
