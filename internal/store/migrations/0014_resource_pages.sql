-- What the IaC coverage page reads, worked out when a scan is saved so
-- that a page reads only what it shows, never the scan's resources. They
-- are derived from the resources' bodies and can be rebuilt from them.

-- A scan's resources counted by account, system tag, type and how they
-- are managed (managed-by kind, and whether its ref is "default": a
-- service's default resource): the coverage ratios are sums of these.
CREATE TABLE resource_counts (
    scan_seq        INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    account         TEXT    NOT NULL,
    system          TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    managed_kind    TEXT    NOT NULL,
    managed_default INTEGER NOT NULL,
    resources       INTEGER NOT NULL,
    PRIMARY KEY (scan_seq, account, system, type, managed_kind, managed_default)
);

-- The resources no IaC manages (managed-by kind none), in the order the
-- coverage page lists them. Kept for the latest scans only; built again
-- on demand for an older one.
CREATE TABLE unmanaged_pages (
    scan_seq INTEGER NOT NULL REFERENCES scans(seq) ON DELETE CASCADE,
    account  TEXT    NOT NULL,
    type     TEXT    NOT NULL,
    arn      TEXT    NOT NULL,
    PRIMARY KEY (scan_seq, account, type, arn)
) WITHOUT ROWID;

-- Which scans have their counts (every row here), and which also have
-- their unmanaged_pages rows (paged).
CREATE TABLE resource_indexed (
    scan_seq INTEGER PRIMARY KEY REFERENCES scans(seq) ON DELETE CASCADE,
    paged    INTEGER NOT NULL
);
