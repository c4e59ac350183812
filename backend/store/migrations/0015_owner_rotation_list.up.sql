-- A round robin belongs to its owner list: when the list changes, the rotation starts over with
-- the first owner (as HubSpot does), instead of keeping a position that meant someone else.
ALTER TABLE owner_rotation ADD COLUMN owners TEXT NOT NULL DEFAULT '';
