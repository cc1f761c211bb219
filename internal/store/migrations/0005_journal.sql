-- The journal of changes steward makes to resources. A row is written with
-- status 'intent' before the change is made and updated with its result
-- after, so a process that dies in between leaves a row saying the change
-- may have happened. Times are Unix nanoseconds, UTC. before, after and
-- previous are JSON objects of strings.
CREATE TABLE journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    plan_id    TEXT    NOT NULL,
    arn        TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL,
    why        TEXT    NOT NULL DEFAULT '',
    actor      TEXT    NOT NULL DEFAULT '',
    before     TEXT    NOT NULL DEFAULT '{}',
    after      TEXT    NOT NULL DEFAULT '{}',
    as_of      INTEGER NOT NULL,
    intent_at  INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('intent', 'done', 'failed')),
    result_at  INTEGER,
    previous   TEXT    NOT NULL DEFAULT '{}',
    error      TEXT    NOT NULL DEFAULT '',
    undo_of    TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX journal_arn ON journal(arn, seq);
