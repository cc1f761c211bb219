-- PostgreSQL's version of migrations/0009_retention.sql.
CREATE TABLE resource_events (
    resource_id BIGINT NOT NULL REFERENCES resources(id),
    at          BIGINT NOT NULL,
    scan_id     TEXT COLLATE "C" NOT NULL,
    event       TEXT COLLATE "C" NOT NULL,
    version_id  BIGINT REFERENCES resource_versions(id),
    PRIMARY KEY (resource_id, at, scan_id)
);

CREATE TABLE prunes (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    kept_from BIGINT NOT NULL,
    scans     BIGINT NOT NULL
);

-- Deleting a scan checks every row that names it: without these, each
-- pruned scan would read all of scan_findings and finding_episodes.
CREATE INDEX scan_findings_last ON scan_findings(last_seq);
CREATE INDEX finding_episodes_last ON finding_episodes(last_seq);
