-- Notices the server sent (weekly digests, notices after a job): one row
-- per notice key, written before the notice goes out, so that several
-- servers on one store send each notice once. A row whose post failed is
-- deleted so the next run tries again. Times are Unix nanoseconds, UTC.
CREATE TABLE notice_sent (
    key     TEXT    PRIMARY KEY,
    sent_at INTEGER NOT NULL
);
