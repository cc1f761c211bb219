-- Scans in the order they were saved; seq is the store's own order, id the
-- caller's. Times are Unix nanoseconds, UTC.
CREATE TABLE scans (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    source      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    resources   INTEGER NOT NULL,
    api_calls   TEXT    NOT NULL DEFAULT '{}'
);

CREATE TABLE scan_coverage (
    scan_seq   INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    service    TEXT    NOT NULL,
    ok         INTEGER NOT NULL,
    error_kind TEXT    NOT NULL DEFAULT '',
    error      TEXT    NOT NULL DEFAULT '',
    resources  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scan_seq, pos)
) WITHOUT ROWID;

-- One row per ARN ever seen, so the per-scan membership rows stay small.
CREATE TABLE resources (
    id      INTEGER PRIMARY KEY,
    arn     TEXT    NOT NULL UNIQUE,
    account TEXT    NOT NULL,
    region  TEXT    NOT NULL
);

-- One row per distinct resource content (inventory.Resource.Hash), kept once
-- however many scans saw it.
CREATE TABLE resource_versions (
    id          INTEGER PRIMARY KEY,
    hash        TEXT    NOT NULL UNIQUE,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    body        BLOB    NOT NULL
);

-- Which version of each resource a scan saw.
CREATE TABLE scan_resources (
    scan_seq    INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    version_id  INTEGER NOT NULL REFERENCES resource_versions(id),
    PRIMARY KEY (scan_seq, resource_id)
) WITHOUT ROWID;

CREATE INDEX scan_resources_history ON scan_resources(resource_id, scan_seq);

-- One row per distinct finding content (message, waste, owner ...).
CREATE TABLE finding_versions (
    id   INTEGER PRIMARY KEY,
    hash TEXT    NOT NULL UNIQUE,
    body BLOB    NOT NULL
);

-- An episode is one stretch during which a (policy, arn) finding is open:
-- from first_seen until resolved_at. A finding that comes back after being
-- resolved starts a new episode, so at most one episode per key is open.
CREATE TABLE finding_episodes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    policy       TEXT    NOT NULL,
    arn          TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    first_seen   INTEGER NOT NULL,
    first_seq    INTEGER NOT NULL REFERENCES scans(seq),
    last_seen    INTEGER NOT NULL,
    last_seq     INTEGER NOT NULL REFERENCES scans(seq),
    resolved_at  INTEGER,
    resolved_seq INTEGER REFERENCES scans(seq),
    body_hash    TEXT    NOT NULL REFERENCES finding_versions(hash)
);

CREATE UNIQUE INDEX finding_episodes_open ON finding_episodes(policy, arn) WHERE resolved_seq IS NULL;
CREATE INDEX finding_episodes_resolved ON finding_episodes(resolved_seq) WHERE resolved_seq IS NOT NULL;

-- The findings open as of each scan: produced by it (last_seen = the scan's
-- start) or carried through a coverage gap (an older last_seen).
CREATE TABLE scan_findings (
    scan_seq   INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    episode_id INTEGER NOT NULL REFERENCES finding_episodes(id),
    body_hash  TEXT    NOT NULL REFERENCES finding_versions(hash),
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (scan_seq, episode_id)
) WITHOUT ROWID;
