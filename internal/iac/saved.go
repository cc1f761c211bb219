package iac

import (
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// Tally is coverage worked out again from a saved scan whose resources
// already carry ManagedBy (set by Attribute when the scan read IaC
// sources): the same ratios and lists as Attribute's, without the states.
// Missing and Duplicates stay empty, since only the states know them. It
// reports false when no resource of the scan says how it is managed: the
// scan read no IaC source, and there is no coverage to show.
func Tally(rs []inventory.Resource, now time.Time) (*Result, bool) {
	res := &Result{Unchecked: map[string]int{}, Untracked: map[string]int{}}
	var m matcher
	known := false
	for i := range rs {
		r := &rs[i]
		if notCounted[r.Type] || r.ManagedBy.Kind == "" {
			continue
		}
		known = true
		e := m.entry(r, now)
		e.ManagedBy = r.ManagedBy
		switch r.ManagedBy.Kind {
		case KindNone:
			res.Unmanaged = append(res.Unmanaged, e)
		case KindService:
			if r.ManagedBy.Ref == "default" {
				res.Excluded++
				continue
			}
			res.Attributed = append(res.Attributed, e)
		default:
			e.StateFile, e.Address = r.ManagedBy.Source, r.ManagedBy.Ref
			res.Managed = append(res.Managed, e)
		}
	}
	if !known {
		return nil, false
	}
	res.tally()
	return res, true
}
