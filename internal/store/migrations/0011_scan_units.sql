-- Scans read unit by unit (account x region x service) by several
-- replicas. scan_plans holds one row per such scan: remaining counts its
-- units not yet done or given up, and the one write that brings it to 0
-- (or the deadline's) moves state from collecting to assembling, which
-- only one transaction can do, so the scan is put together once; saved
-- once it is in the scans table. scan_units keeps each unit's record
-- (what it read, JSON) as the unit finishes, until the scan is saved.
-- scan_slots are the concurrency limit per account x service (scope)
-- shared by every replica: a slot is held until until_at.
-- Times are Unix nanoseconds, UTC.
CREATE TABLE scan_plans (
    scan_id     TEXT    PRIMARY KEY,
    source      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    units       INTEGER NOT NULL,
    remaining   INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    assembler   TEXT    NOT NULL DEFAULT '',
    assembler_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE scan_units (
    scan_id     TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    finished_at INTEGER,
    record      BLOB,
    gap         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (scan_id, unit)
) WITHOUT ROWID;

CREATE TABLE scan_slots (
    scope    TEXT    NOT NULL,
    slot     INTEGER NOT NULL,
    holder   TEXT    NOT NULL,
    until_at INTEGER NOT NULL,
    PRIMARY KEY (scope, slot)
) WITHOUT ROWID;
