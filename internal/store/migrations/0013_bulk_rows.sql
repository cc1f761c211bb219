-- PostgreSQL drops the foreign keys of the per-scan membership rows
-- (scan_resources' resource and version, scan_findings' episode, text and
-- last scan) in this migration: it checks each with a query per row. SQLite
-- checks them in process, a B-tree lookup each, and dropping them would
-- mean rebuilding its two largest tables, so it keeps them; the tables and
-- their columns are the same on both backends.
SELECT 1;
