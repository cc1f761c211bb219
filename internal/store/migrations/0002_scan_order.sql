-- Scans are ordered by start time (then save order), not by save order
-- alone: two scans may run at once, and the one that started first may
-- finish, and be saved, last. Finding lifecycle follows that order.
CREATE INDEX scans_order ON scans(started_at, seq);

-- Which scan last produced the finding, as of this scan: scan_seq itself
-- when the scan produced it, an earlier scan when it was carried through a
-- coverage gap. Saving an older scan after newer ones replays their
-- findings from this.
ALTER TABLE scan_findings ADD COLUMN last_seq INTEGER REFERENCES scans(seq);

-- Before this migration scans were saved in time order, so the scan that
-- last produced a carried finding is the latest one, up to this scan, that
-- started when the finding was last seen.
UPDATE scan_findings SET last_seq = COALESCE(
    (SELECT MAX(s.seq) FROM scans s WHERE s.started_at = scan_findings.last_seen AND s.seq <= scan_findings.scan_seq),
    scan_seq);

-- The replay deletes the episodes that later scans opened: found by
-- first_seq, and checked against scan_findings (foreign key) by episode.
-- Without these, each deleted episode would read all of scan_findings.
CREATE INDEX finding_episodes_first ON finding_episodes(first_seq);
CREATE INDEX scan_findings_episode ON scan_findings(episode_id);
