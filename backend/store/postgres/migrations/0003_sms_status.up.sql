-- SQLite 0025: the delivery status an SMS provider reported (see backend/store/migrations).
ALTER TABLE sms_sends ADD COLUMN status TEXT;
ALTER TABLE sms_sends ADD COLUMN status_code TEXT NOT NULL DEFAULT '';
ALTER TABLE sms_sends ADD COLUMN status_at BIGINT;
