-- Environment leases and their history. A lease row is written when it
-- begins and updated when it is extended, reminded or ends; it is never
-- deleted, so who held which environment when stays a query. At most one
-- lease per environment is unended (ended_at IS NULL): the partial unique
-- index makes a second concurrent claim fail rather than both succeed.
-- Times are Unix nanoseconds, UTC.
CREATE TABLE leases (
    id          TEXT    PRIMARY KEY,
    environment TEXT    NOT NULL,
    holder      TEXT    NOT NULL,
    purpose     TEXT    NOT NULL DEFAULT '',
    branch      TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    until_at    INTEGER NOT NULL,
    via         TEXT    NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT    NOT NULL DEFAULT '',
    ended_by    TEXT    NOT NULL DEFAULT '',
    reminded_at INTEGER
) WITHOUT ROWID;

CREATE UNIQUE INDEX leases_one_open ON leases(environment) WHERE ended_at IS NULL;
CREATE INDEX leases_environment ON leases(environment, started_at);

-- Every claim, extension, steal, release, expiry and reminder, in order.
CREATE TABLE lease_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    environment TEXT    NOT NULL,
    lease_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX lease_events_environment ON lease_events(environment, seq);

-- A deployment to an environment someone else held at the time names
-- that holder, so the record keeps the flag.
ALTER TABLE deployments ADD COLUMN leased_by TEXT NOT NULL DEFAULT '';
