-- PostgreSQL's version of migrations/0015_finding_orders.sql.
DROP TABLE finding_pages;

CREATE TABLE finding_pages (
    scan_seq      BIGINT  NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    pos           BIGINT  NOT NULL,
    episode_id    BIGINT  NOT NULL,
    severity      BIGINT  NOT NULL,
    category      TEXT COLLATE "C" NOT NULL,
    owner         TEXT COLLATE "C" NOT NULL,
    system        TEXT COLLATE "C" NOT NULL,
    env           TEXT COLLATE "C" NOT NULL,
    account       TEXT COLLATE "C" NOT NULL,
    is_new        BOOLEAN NOT NULL,
    by_severity   BIGINT  NOT NULL,
    by_name       BIGINT  NOT NULL,
    by_account    BIGINT  NOT NULL,
    by_owner      BIGINT  NOT NULL,
    by_waste      BIGINT  NOT NULL,
    by_first_seen BIGINT  NOT NULL,
    PRIMARY KEY (scan_seq, pos)
);

ALTER TABLE finding_indexed ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
UPDATE finding_indexed SET paged = FALSE;
