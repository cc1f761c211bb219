package store

import (
	"context"
	"fmt"

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
	cur, err := st.Scan(ctx, scanID)
	if err != nil {
		return Since{}, err
	}
	open, err := st.Findings(ctx, scanID)
	if err != nil {
		return Since{}, fmt.Errorf("findings of %s: %w", scanID, err)
	}
	scans, err := st.Scans(ctx, 0)
	if err != nil {
		return Since{}, fmt.Errorf("list scans: %w", err)
	}
	// scans is latest first: the ones after cur are skipped, then those
	// between cur and the previous complete scan are collected.
	var between []string
	var prev *inventory.Scan
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
