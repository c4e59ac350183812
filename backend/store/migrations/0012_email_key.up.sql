-- Contacts are unique by their email's key: NFC-normalised and Unicode case-folded (the NOCASE
-- collation folds ASCII only, so "jörg@bücher.de" and "JÖRG@BÜCHER.DE" were two contacts).
-- LOWER() is right for ASCII addresses; the migration's Go step recomputes the others.
ALTER TABLE records ADD COLUMN email_key TEXT;
UPDATE records SET email_key = LOWER(TRIM(email)) WHERE email IS NOT NULL;
DROP INDEX records_email;
CREATE UNIQUE INDEX records_email_key ON records (type, email_key) WHERE email_key IS NOT NULL;
