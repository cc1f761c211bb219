-- Timed overrides of the schedules: a resource (by ARN or name) or an env
-- held on or off until an instant, by whom and why. A row is never
-- deleted: an override ends at until_at, or earlier when cancelled, and
-- stays as a record of who set the schedule aside. Times are Unix
-- nanoseconds, UTC.
CREATE TABLE schedule_override (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    target       TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('resource', 'env')),
    state        TEXT    NOT NULL CHECK (state IN ('on', 'off')),
    reason       TEXT    NOT NULL,
    actor        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    until_at     INTEGER NOT NULL,
    cancelled_at INTEGER,
    cancelled_by TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX schedule_override_until ON schedule_override(until_at);
