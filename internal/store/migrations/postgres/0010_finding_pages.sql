-- PostgreSQL's version of migrations/0010_finding_pages.sql.
CREATE TABLE finding_pages (
    scan_seq   BIGINT  NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    pos        BIGINT  NOT NULL,
    episode_id BIGINT  NOT NULL,
    severity   BIGINT  NOT NULL,
    category   TEXT COLLATE "C" NOT NULL,
    owner      TEXT COLLATE "C" NOT NULL,
    system     TEXT COLLATE "C" NOT NULL,
    env        TEXT COLLATE "C" NOT NULL,
    account    TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    is_new     BOOLEAN NOT NULL,
    waste_usd  DOUBLE PRECISION NOT NULL,
    first_seen BIGINT  NOT NULL,
    PRIMARY KEY (scan_seq, pos)
);

CREATE INDEX finding_pages_severity   ON finding_pages(scan_seq, severity, pos DESC);
CREATE INDEX finding_pages_name       ON finding_pages(scan_seq, name, pos);
CREATE INDEX finding_pages_account    ON finding_pages(scan_seq, account, pos);
CREATE INDEX finding_pages_owner      ON finding_pages(scan_seq, owner, pos);
CREATE INDEX finding_pages_waste      ON finding_pages(scan_seq, waste_usd, pos);
CREATE INDEX finding_pages_first_seen ON finding_pages(scan_seq, first_seen, pos);
CREATE INDEX finding_pages_by_owner    ON finding_pages(scan_seq, owner, severity, pos DESC);
CREATE INDEX finding_pages_by_system   ON finding_pages(scan_seq, system, severity, pos DESC);
CREATE INDEX finding_pages_by_env      ON finding_pages(scan_seq, env, severity, pos DESC);
CREATE INDEX finding_pages_by_account  ON finding_pages(scan_seq, account, severity, pos DESC);
CREATE INDEX finding_pages_by_category ON finding_pages(scan_seq, category, severity, pos DESC);
CREATE INDEX finding_pages_by_new      ON finding_pages(scan_seq, is_new, severity, pos DESC);

CREATE TABLE finding_counts (
    scan_seq BIGINT  NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    severity BIGINT  NOT NULL,
    category TEXT COLLATE "C" NOT NULL,
    is_new   BOOLEAN NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    rate     DOUBLE PRECISION NOT NULL,
    findings BIGINT  NOT NULL,
    waste    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scan_seq, severity, category, is_new, currency, rate)
);

CREATE TABLE finding_facets (
    scan_seq BIGINT NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    field    TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    findings BIGINT NOT NULL,
    PRIMARY KEY (scan_seq, field, value)
);

CREATE TABLE finding_indexed (
    scan_seq BIGINT PRIMARY KEY REFERENCES scans(seq) ON DELETE CASCADE,
    findings BIGINT  NOT NULL,
    paged    BOOLEAN NOT NULL
);

CREATE INDEX finding_episodes_arn ON finding_episodes(arn);
