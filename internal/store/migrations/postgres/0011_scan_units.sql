-- PostgreSQL's version of migrations/0011_scan_units.sql. The unit that
-- brings remaining to 0 updates scan_plans' row, which PostgreSQL locks,
-- so concurrent last units see each other's decrement and only one wins.
CREATE TABLE scan_plans (
    scan_id     TEXT COLLATE "C" PRIMARY KEY,
    source      TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    units       INTEGER NOT NULL,
    remaining   INTEGER NOT NULL,
    state       TEXT   NOT NULL,
    assembler   TEXT   NOT NULL DEFAULT '',
    assembler_until BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE scan_units (
    scan_id     TEXT COLLATE "C" NOT NULL,
    unit        TEXT COLLATE "C" NOT NULL,
    state       TEXT   NOT NULL,
    finished_at BIGINT,
    record      BYTEA,
    gap         TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (scan_id, unit)
);

CREATE TABLE scan_slots (
    scope    TEXT COLLATE "C" NOT NULL,
    slot     INTEGER NOT NULL,
    holder   TEXT   NOT NULL,
    until_at BIGINT NOT NULL,
    PRIMARY KEY (scope, slot)
);
