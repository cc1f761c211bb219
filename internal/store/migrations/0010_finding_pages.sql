-- What the findings pages read, worked out once per scan so that a page
-- reads only what it shows. A finding's filterable and sortable fields live
-- in its JSON body; these tables hold them as columns, with indexes for
-- each filter and sort, and per-scan counts and facets for the totals.
-- They are derived from scan_findings, finding_episodes and
-- finding_versions and can be rebuilt from them at any time.

-- One row per finding open at a scan. pos is the finding's rank in the
-- scan by (policy, arn), the tie-break of every sort order. Kept for the
-- latest scans only (the ones the dashboard pages through); built again
-- on demand for an older one.
CREATE TABLE finding_pages (
    scan_seq   INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    episode_id INTEGER NOT NULL,
    severity   INTEGER NOT NULL,
    category   TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    system     TEXT    NOT NULL,
    env        TEXT    NOT NULL,
    account    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    is_new     INTEGER NOT NULL,
    waste_usd  REAL    NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (scan_seq, pos)
) WITHOUT ROWID;

-- Sort orders (ties by pos), and each filter in the default order
-- (severity, highest first, then pos).
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

-- A scan's open findings counted by severity, category, new or not and
-- the currency their waste is in, with that waste summed: the overview and
-- the trend read these few rows, never the findings.
CREATE TABLE finding_counts (
    scan_seq INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    severity INTEGER NOT NULL,
    category TEXT    NOT NULL,
    is_new   INTEGER NOT NULL,
    currency TEXT    NOT NULL,
    rate     REAL    NOT NULL,
    findings INTEGER NOT NULL,
    waste    REAL    NOT NULL,
    PRIMARY KEY (scan_seq, severity, category, is_new, currency, rate)
);

-- The values a findings filter offers (owner, system, env, account), with
-- how many findings have each.
CREATE TABLE finding_facets (
    scan_seq INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    field    TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (scan_seq, field, value)
) WITHOUT ROWID;

-- Which scans have their counts and facets (every row here), and which
-- also have their finding_pages rows (paged).
CREATE TABLE finding_indexed (
    scan_seq INTEGER PRIMARY KEY REFERENCES scans(seq) ON DELETE CASCADE,
    findings INTEGER NOT NULL,
    paged    INTEGER NOT NULL
);

-- A resource's findings at one scan, for its page.
CREATE INDEX finding_episodes_arn ON finding_episodes(arn);
