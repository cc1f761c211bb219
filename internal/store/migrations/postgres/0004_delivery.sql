-- PostgreSQL's version of migrations/0004_delivery.sql.
CREATE TABLE deployments (
    id          TEXT COLLATE "C" PRIMARY KEY,
    service     TEXT COLLATE "C" NOT NULL,
    environment TEXT COLLATE "C" NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT NOT NULL,
    result      TEXT   NOT NULL,
    commit_sha  TEXT   NOT NULL,
    version     TEXT   NOT NULL DEFAULT '',
    actor       TEXT   NOT NULL DEFAULT '',
    tool        TEXT   NOT NULL DEFAULT '',
    link        TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX deployments_service ON deployments(service, environment, finished_at);

CREATE TABLE commits (
    service      TEXT COLLATE "C" NOT NULL,
    sha          TEXT COLLATE "C" NOT NULL,
    parent_sha   TEXT   NOT NULL DEFAULT '',
    committed_at BIGINT NOT NULL,
    PRIMARY KEY (service, sha)
);

CREATE TABLE changes (
    service         TEXT COLLATE "C" NOT NULL,
    id              TEXT COLLATE "C" NOT NULL,
    merge_sha       TEXT   NOT NULL,
    first_commit_at BIGINT NOT NULL,
    merged_at       BIGINT NOT NULL,
    PRIMARY KEY (service, id)
);

CREATE TABLE incidents (
    id            TEXT COLLATE "C" PRIMARY KEY,
    service       TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    resolved_at   BIGINT,
    deployment_id TEXT   NOT NULL DEFAULT ''
);
