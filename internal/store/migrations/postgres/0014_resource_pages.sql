-- PostgreSQL's version of migrations/0013_resource_pages.sql.
CREATE TABLE resource_counts (
    scan_seq        BIGINT  NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    account         TEXT COLLATE "C" NOT NULL,
    system          TEXT COLLATE "C" NOT NULL,
    type            TEXT COLLATE "C" NOT NULL,
    managed_kind    TEXT COLLATE "C" NOT NULL,
    managed_default BOOLEAN NOT NULL,
    resources       BIGINT  NOT NULL,
    PRIMARY KEY (scan_seq, account, system, type, managed_kind, managed_default)
);

CREATE TABLE unmanaged_pages (
    scan_seq BIGINT NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    account  TEXT COLLATE "C" NOT NULL,
    type     TEXT COLLATE "C" NOT NULL,
    arn      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (scan_seq, account, type, arn)
);

CREATE TABLE resource_indexed (
    scan_seq BIGINT  PRIMARY KEY REFERENCES scans(seq) ON DELETE CASCADE,
    paged    BOOLEAN NOT NULL
);
