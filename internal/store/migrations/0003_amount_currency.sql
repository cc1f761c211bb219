-- The currency a scan's amounts were converted into from US dollars and
-- the rate (units per dollar) used, so a scan read later under another
-- currency is converted, not shown with the wrong symbol. Each finding's
-- body carries the same two fields for its own amount. Scans stored before
-- have '' and 0: unknown, shown as stored.
ALTER TABLE scans ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN rate     REAL NOT NULL DEFAULT 0;
