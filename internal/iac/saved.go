package iac

import (
	"maps"
	"slices"
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
		k := savedKind(r)
		if k == savedSkip {
			continue
		}
		known = true
		if k == savedExcluded {
			res.Excluded++
			continue
		}
		e := m.entry(r, now)
		e.ManagedBy = r.ManagedBy()
		switch k {
		case savedUnmanaged:
			res.Unmanaged = append(res.Unmanaged, e)
		case savedAttributed:
			res.Attributed = append(res.Attributed, e)
		default:
			e.StateFile, e.Address = r.ManagedBy().Source, r.ManagedBy().Ref
			res.Managed = append(res.Managed, e)
		}
	}
	if !known {
		return nil, false
	}
	res.tally()
	return res, true
}

// How Tally counts a saved resource.
type savedClass int

const (
	savedSkip savedClass = iota // says nothing of how it is managed, or no IaC tool makes its type
	savedManaged
	savedUnmanaged
	savedAttributed // made by a service for a managed parent
	savedExcluded   // a service's default, left out
)

func savedKind(r *inventory.Resource) savedClass {
	switch {
	case notCounted[r.Type] || r.ManagedBy().Kind == "":
		return savedSkip
	case r.ManagedBy().Kind == KindNone:
		return savedUnmanaged
	case r.ManagedBy().Kind == KindService && r.ManagedBy().Ref == "default":
		return savedExcluded
	case r.ManagedBy().Kind == KindService:
		return savedAttributed
	}
	return savedManaged
}

// Group is how many resources of a saved scan share an account, system
// tag, type and managed-by: the counts a store keeps of each scan, so
// that coverage is worked out without reading the resources. ManagedBy
// needs only its Kind, and Ref "default" for a service's default.
type Group struct {
	Account, System, Type string
	ManagedBy             inventory.ManagedBy
	Resources             int
}

// TallyGroups is Tally's Total, ByAccount, BySystem, ByType and Excluded
// from counts of resources rather than the resources; the lists of
// entries stay empty. It reports false when no group says how its
// resources are managed.
func TallyGroups(gs []Group) (*Result, bool) {
	res := &Result{Unchecked: map[string]int{}, Untracked: map[string]int{}}
	acct, sys, typ := map[string]*Ratio{}, map[string]*Ratio{}, map[string]*Ratio{}
	known := false
	for _, g := range gs {
		k := savedKind(&inventory.Resource{Type: g.Type, Origin: inventory.NewOrigin(g.ManagedBy, nil)})
		if k == savedSkip || g.Resources <= 0 {
			continue
		}
		known = true
		var add func(*Ratio)
		switch k {
		case savedExcluded:
			res.Excluded += g.Resources
			continue
		case savedAttributed:
			continue
		case savedUnmanaged:
			add = func(r *Ratio) { r.Unmanaged += g.Resources }
		default:
			add = func(r *Ratio) { r.Managed += g.Resources }
		}
		add(&res.Total)
		for _, x := range []struct {
			m   map[string]*Ratio
			key string
		}{{acct, g.Account}, {sys, orNone(g.System)}, {typ, g.Type}} {
			r := x.m[x.key]
			if r == nil {
				r = &Ratio{Key: x.key}
				x.m[x.key] = r
			}
			add(r)
		}
	}
	if !known {
		return nil, false
	}
	res.Total.Key = "total"
	res.Total.finish()
	res.ByAccount, res.BySystem, res.ByType = sortedRatios(acct), sortedRatios(sys), sortedRatios(typ)
	return res, true
}

// UncountedTypes are the types coverage leaves out whatever manages
// them (no IaC tool creates them), sorted.
func UncountedTypes() []string {
	return slices.Sorted(maps.Keys(notCounted))
}

// UnmanagedEntry is a saved resource as Tally lists it among the
// unmanaged.
func UnmanagedEntry(r *inventory.Resource, now time.Time) Entry {
	var m matcher
	e := m.entry(r, now)
	e.ManagedBy = r.ManagedBy()
	return e
}
