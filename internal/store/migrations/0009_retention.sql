-- Retention: old scans can be pruned (Store.Prune) without losing the
-- history of what changed.
--
-- resource_events keeps, for the pruned scans, what ResourceHistory would
-- have said of each resource: when it appeared, changed and disappeared,
-- with the version it had after the event (NULL when it disappeared). The
-- versions it names are kept, so `steward history` still shows what
-- changed; only the per-scan membership rows, the bulk of a scan, go.
CREATE TABLE resource_events (
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    at          INTEGER NOT NULL,
    scan_id     TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    version_id  INTEGER REFERENCES resource_versions(id),
    PRIMARY KEY (resource_id, at, scan_id)
) WITHOUT ROWID;

-- One row per prune: the scans before kept_from (a start time) are gone,
-- so a scan that started before it can no longer be placed in history.
CREATE TABLE prunes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    kept_from INTEGER NOT NULL,
    scans     INTEGER NOT NULL
);

-- Deleting a scan checks every row that names it: without these, each
-- pruned scan would read all of scan_findings and finding_episodes.
CREATE INDEX scan_findings_last ON scan_findings(last_seq);
CREATE INDEX finding_episodes_last ON finding_episodes(last_seq);
