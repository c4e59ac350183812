-- An email template's preheader (the line inbox lists show after the subject), and whether its
-- plain-text part was generated from the HTML body (regenerated at every save) or written by hand.
ALTER TABLE email_templates ADD COLUMN preheader TEXT NOT NULL DEFAULT '';
ALTER TABLE email_templates ADD COLUMN text_generated INTEGER NOT NULL DEFAULT 0;
-- The event catalogue lists the event types seen on this machine and the fields of their latest
-- payloads: walked one type at a time over this index, never by scanning the events.
CREATE INDEX events_type ON events (type, id);
