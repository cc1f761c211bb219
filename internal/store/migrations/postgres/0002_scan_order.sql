-- PostgreSQL's version of migrations/0002_scan_order.sql.
CREATE INDEX scans_order ON scans(started_at, seq);

ALTER TABLE scan_findings ADD COLUMN last_seq BIGINT REFERENCES scans(seq);

UPDATE scan_findings SET last_seq = COALESCE(
    (SELECT MAX(s.seq) FROM scans s WHERE s.started_at = scan_findings.last_seen AND s.seq <= scan_findings.scan_seq),
    scan_seq);

CREATE INDEX finding_episodes_first ON finding_episodes(first_seq);
CREATE INDEX scan_findings_episode ON scan_findings(episode_id);
