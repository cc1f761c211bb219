-- Every view of the findings page costs the same at any filter, order or
-- depth. Migration 0010 indexed each filter in the default order and each
-- order unfiltered, so a filter with another order walked an index and
-- checked the table row by row (a severity sorted by waste read 80k rows
-- for one page), and page n read n pages of an index before its own; an
-- index per filter x order would be 55 indexes, which made indexing a
-- 200k-finding scan take a minute of CPU.
--
-- Now each order is a column holding the finding's rank in it among the
-- scan's findings, worked out once when the scan is indexed (ties broken
-- by policy and ARN as before, so a rank is unique and a page boundary is
-- one number). A reader loads a scan's rows once, holds each order as an
-- array of positions by rank and pages through it in memory (keyset: from
-- the rank of the last row shown); the table needs no index but its key.
--
-- finding_pages is derived data, kept for the latest scans only: it is
-- dropped here and built again, with its ranks, on the first read of a
-- scan's pages (paged = 0 marks the scans whose rows went with it).
DROP TABLE finding_pages;

-- pos is the rank by (policy, ARN); by_* the rank in each other order:
-- severity (ties: policy and ARN last first, so that read backwards it is
-- highest severity first, then policy and ARN), the resource's name (its
-- ARN when it has none), account, owner, monthly waste in US dollars,
-- first seen.
CREATE TABLE finding_pages (
    scan_seq      INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    pos           INTEGER NOT NULL,
    episode_id    INTEGER NOT NULL,
    severity      INTEGER NOT NULL,
    category      TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    system        TEXT    NOT NULL,
    env           TEXT    NOT NULL,
    account       TEXT    NOT NULL,
    is_new        INTEGER NOT NULL,
    by_severity   INTEGER NOT NULL,
    by_name       INTEGER NOT NULL,
    by_account    INTEGER NOT NULL,
    by_owner      INTEGER NOT NULL,
    by_waste      INTEGER NOT NULL,
    by_first_seen INTEGER NOT NULL,
    PRIMARY KEY (scan_seq, pos)
) WITHOUT ROWID;

-- generation changes each time a scan is indexed, so that a reader
-- holding its rows knows when they are out of date (another process
-- indexed it again after an out-of-order save).
ALTER TABLE finding_indexed ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE finding_indexed SET paged = 0;
