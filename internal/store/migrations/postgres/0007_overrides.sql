-- PostgreSQL's version of migrations/0007_overrides.sql.
CREATE TABLE schedule_override (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    target       TEXT COLLATE "C" NOT NULL,
    kind         TEXT   NOT NULL CHECK (kind IN ('resource', 'env')),
    state        TEXT   NOT NULL CHECK (state IN ('on', 'off')),
    reason       TEXT   NOT NULL,
    actor        TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    until_at     BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancelled_by TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX schedule_override_until ON schedule_override(until_at);
