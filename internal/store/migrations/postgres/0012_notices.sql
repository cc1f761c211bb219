-- PostgreSQL's version of migrations/0009_notices.sql.
CREATE TABLE notice_sent (
    key     TEXT COLLATE "C" PRIMARY KEY,
    sent_at BIGINT NOT NULL
);
