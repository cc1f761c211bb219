-- A scan writes a membership row per resource and per open finding (a
-- million resources: a million scan_resources rows a scan). PostgreSQL
-- checks a foreign key with a query per row written (and, for a parent
-- row deleted, a query per parent row: finding_episodes pruned looked for
-- their scan_findings with no index to use), which made these checks most
-- of a save's time: copying 100k unchanged memberships took 2.8-3.5 s with
-- them and 0.55 s without. The rows these keys named are written or read
-- in the same transaction as the membership rows, one writer at a time
-- (sqldb.BeginWrite), and the conformance suite checks after every save
-- and prune that each membership row names rows that exist. The scan a
-- row belongs to stays a foreign key, so that deleting a scan still
-- deletes its rows.
ALTER TABLE scan_resources DROP CONSTRAINT IF EXISTS scan_resources_resource_id_fkey;
ALTER TABLE scan_resources DROP CONSTRAINT IF EXISTS scan_resources_version_id_fkey;
ALTER TABLE scan_findings DROP CONSTRAINT IF EXISTS scan_findings_episode_id_fkey;
ALTER TABLE scan_findings DROP CONSTRAINT IF EXISTS scan_findings_body_hash_fkey;
ALTER TABLE scan_findings DROP CONSTRAINT IF EXISTS scan_findings_last_seq_fkey;
