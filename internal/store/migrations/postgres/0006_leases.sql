-- PostgreSQL's version of migrations/0006_leases.sql. As there, the partial
-- unique index allows one unended lease per environment, so a second
-- concurrent claim fails rather than both succeed.
CREATE TABLE leases (
    id          TEXT COLLATE "C" PRIMARY KEY,
    environment TEXT COLLATE "C" NOT NULL,
    holder      TEXT   NOT NULL,
    purpose     TEXT   NOT NULL DEFAULT '',
    branch      TEXT   NOT NULL DEFAULT '',
    started_at  BIGINT NOT NULL,
    until_at    BIGINT NOT NULL,
    via         TEXT   NOT NULL,
    ended_at    BIGINT,
    end_reason  TEXT   NOT NULL DEFAULT '',
    ended_by    TEXT   NOT NULL DEFAULT '',
    reminded_at BIGINT
);

CREATE UNIQUE INDEX leases_one_open ON leases(environment) WHERE ended_at IS NULL;
CREATE INDEX leases_environment ON leases(environment, started_at);

CREATE TABLE lease_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    environment TEXT COLLATE "C" NOT NULL,
    lease_id    TEXT COLLATE "C" NOT NULL,
    kind        TEXT   NOT NULL,
    actor       TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX lease_events_environment ON lease_events(environment, seq);

ALTER TABLE deployments ADD COLUMN leased_by TEXT NOT NULL DEFAULT '';
