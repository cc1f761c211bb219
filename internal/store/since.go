package store

import (
	"context"
	"fmt"
	"math"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// Since is how the findings of one scan differ from those of the previous
// complete scan: which are new and which were resolved in between. A
// partial scan is no baseline (its gaps would look like resolutions), so
// the comparison reaches back past partial scans to the last complete one.
type Since struct {
	// Previous is the scan compared with; nil when there is no earlier
	// complete scan, and then every open finding counts as new.
	Previous *inventory.Scan
	// New are the open findings first seen after Previous started.
	New []finding.Finding
	// Resolved are the findings resolved by the scans after Previous up to
	// this one and not open again at this one.
	Resolved []finding.Finding
}

// FindingsSince compares the findings open at scanID with those of the
// previous complete scan.
func FindingsSince(ctx context.Context, st Store, scanID string) (Since, error) {
	_, prev, between, err := previousComplete(ctx, st, scanID)
	if err != nil {
		return Since{}, err
	}
	open, err := st.Findings(ctx, scanID)
	if err != nil {
		return Since{}, fmt.Errorf("findings of %s: %w", scanID, err)
	}
	var out Since
	out.Previous = prev
	openKeys := make(map[string]bool, len(open))
	for _, f := range open {
		openKeys[f.Key()] = true
		if prev == nil || f.FirstSeen.After(prev.Started) {
			out.New = append(out.New, f)
		}
	}
	if prev == nil {
		return out, nil
	}
	before, err := st.Findings(ctx, prev.ID)
	if err != nil {
		return Since{}, fmt.Errorf("findings of %s: %w", prev.ID, err)
	}
	when := make(map[string]finding.Finding)
	for _, id := range between {
		fs, err := st.ResolvedFindings(ctx, id)
		if err != nil {
			return Since{}, fmt.Errorf("resolved findings of %s: %w", id, err)
		}
		for _, f := range fs {
			if _, ok := when[f.Key()]; !ok {
				when[f.Key()] = f
			}
		}
	}
	// Resolved: open at the previous complete scan and not open now (a
	// finding resolved and opened again in between is open, so not here).
	for _, f := range before {
		if openKeys[f.Key()] {
			continue
		}
		if r, ok := when[f.Key()]; ok {
			f = r
		}
		out.Resolved = append(out.Resolved, f)
	}
	return out, nil
}

// previousComplete is a scan, the previous complete scan (nil when there is
// none) and the scans from the first up to the second, excluded.
func previousComplete(ctx context.Context, st Store, scanID string) (cur *inventory.Scan, prev *inventory.Scan, between []string, err error) {
	cur, err = st.Scan(ctx, scanID)
	if err != nil {
		return nil, nil, nil, err
	}
	scans, err := st.Scans(ctx, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list scans: %w", err)
	}
	// scans is latest first: the ones after cur are skipped, then those
	// between cur and the previous complete scan are collected.
	seenCur := false
	for i := range scans {
		s := &scans[i]
		if !seenCur {
			seenCur = s.ID == cur.ID
			if seenCur {
				between = append(between, s.ID)
			}
			continue
		}
		if s.Complete() {
			prev = s
			break
		}
		between = append(between, s.ID)
	}
	return cur, prev, between, nil
}

// Changes is Since counted: how many findings are new and resolved.
type Changes struct {
	Previous      *inventory.Scan
	New, Resolved int
}

// changeCounter is a store that counts what Since would list without
// reading the findings.
type changeCounter interface {
	countSince(ctx context.Context, cur, prev *inventory.Scan) (newN, resolved int, err error)
}

// CountSince is FindingsSince counted: what a scan's summary says of the
// scan before. A store that can count in its queries does, so that a big
// scan's summary does not read every finding of two scans back.
func CountSince(ctx context.Context, st Store, scanID string) (Changes, error) {
	c, ok := st.(changeCounter)
	if !ok {
		since, err := FindingsSince(ctx, st, scanID)
		if err != nil {
			return Changes{}, err
		}
		return Changes{Previous: since.Previous, New: len(since.New), Resolved: len(since.Resolved)}, nil
	}
	cur, prev, _, err := previousComplete(ctx, st, scanID)
	if err != nil {
		return Changes{}, err
	}
	out := Changes{Previous: prev}
	if out.New, out.Resolved, err = c.countSince(ctx, cur, prev); err != nil {
		return Changes{}, fmt.Errorf("compare %s with the previous scan: %w", scanID, err)
	}
	return out, nil
}

// countSince counts the findings open at cur first seen after prev
// started (all of them without prev), and those open at prev whose
// policy and resource have no finding open at cur.
func (s *sqlStore) countSince(ctx context.Context, cur, prev *inventory.Scan) (int, int, error) {
	c, err := s.scanByID(ctx, cur.ID)
	if err != nil {
		return 0, 0, err
	}
	after := int64(math.MinInt64)
	if prev != nil {
		after = prev.Started.UnixNano()
	}
	var newN, resolved int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scan_findings sf
		JOIN finding_episodes e ON e.id = sf.episode_id
		WHERE sf.scan_seq = ? AND e.first_seen > ?`, c.seq, after).Scan(&newN); err != nil {
		return 0, 0, fmt.Errorf("count new findings: %w", err)
	}
	if prev == nil {
		return newN, 0, nil
	}
	p, err := s.scanByID(ctx, prev.ID)
	if err != nil {
		return 0, 0, err
	}
	// Most findings open at prev are the same episode at cur; one resolved
	// and open again in between is another episode of the same key.
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scan_findings ps
		JOIN finding_episodes pe ON pe.id = ps.episode_id
		WHERE ps.scan_seq = ?
		AND NOT EXISTS (SELECT 1 FROM scan_findings cs WHERE cs.scan_seq = ? AND cs.episode_id = ps.episode_id)
		AND NOT EXISTS (SELECT 1 FROM finding_episodes ce JOIN scan_findings cs ON cs.episode_id = ce.id AND cs.scan_seq = ?
			WHERE ce.arn = pe.arn AND ce.policy = pe.policy)`, p.seq, c.seq, c.seq).Scan(&resolved); err != nil {
		return 0, 0, fmt.Errorf("count resolved findings: %w", err)
	}
	return newN, resolved, nil
}
