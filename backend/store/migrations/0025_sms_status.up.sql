-- The delivery status an SMS provider reported for a sent message (Twilio's MessageStatus
-- callback): the first final one is kept, so a late "sent" cannot undo a "failed". An SMS
-- step waits for it; a status that arrives before the step's wait commits is found there.
ALTER TABLE sms_sends ADD COLUMN status TEXT;
ALTER TABLE sms_sends ADD COLUMN status_code TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_sends ADD COLUMN status_at INTEGER;
