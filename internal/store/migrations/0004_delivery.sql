-- Delivery records: deployments from every tool, each service's main-branch
-- first-parent history, merged pull requests and incidents. Keys are the
-- callers' ids, so importing the same records again replaces them. Times
-- are Unix nanoseconds, UTC; NULL when unknown.
CREATE TABLE deployments (
    id          TEXT    PRIMARY KEY,
    service     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER NOT NULL,
    result      TEXT    NOT NULL,
    commit_sha  TEXT    NOT NULL,
    version     TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    tool        TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE INDEX deployments_service ON deployments(service, environment, finished_at);

CREATE TABLE commits (
    service      TEXT    NOT NULL,
    sha          TEXT    NOT NULL,
    parent_sha   TEXT    NOT NULL DEFAULT '',
    committed_at INTEGER NOT NULL,
    PRIMARY KEY (service, sha)
) WITHOUT ROWID;

CREATE TABLE changes (
    service         TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    merge_sha       TEXT    NOT NULL,
    first_commit_at INTEGER NOT NULL,
    merged_at       INTEGER NOT NULL,
    PRIMARY KEY (service, id)
) WITHOUT ROWID;

CREATE TABLE incidents (
    id            TEXT    PRIMARY KEY,
    service       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    deployment_id TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
