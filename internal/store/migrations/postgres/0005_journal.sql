-- PostgreSQL's version of migrations/0005_journal.sql.
CREATE TABLE journal (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    plan_id    TEXT COLLATE "C" NOT NULL,
    arn        TEXT COLLATE "C" NOT NULL,
    type       TEXT   NOT NULL,
    name       TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    why        TEXT   NOT NULL DEFAULT '',
    actor      TEXT   NOT NULL DEFAULT '',
    before     TEXT   NOT NULL DEFAULT '{}',
    after      TEXT   NOT NULL DEFAULT '{}',
    as_of      BIGINT NOT NULL,
    intent_at  BIGINT NOT NULL,
    status     TEXT   NOT NULL CHECK (status IN ('intent', 'done', 'failed')),
    result_at  BIGINT,
    previous   TEXT   NOT NULL DEFAULT '{}',
    error      TEXT   NOT NULL DEFAULT '',
    undo_of    TEXT COLLATE "C" NOT NULL DEFAULT ''
);

CREATE INDEX journal_arn ON journal(arn, seq);
