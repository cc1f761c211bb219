package inventory

import (
	"hash/maphash"
	"slices"
)

// internMax is the longest string interned: accounts, regions, types,
// states, tag keys and most tag and attr values are short and repeat
// across a million resources (and names across accounts and regions);
// long strings are mostly ids and seldom do.
const internMax = 64

// Interner shares the strings that repeat across the resources one reader
// makes (account, region, type, name, state, tag keys and values, attr keys
// and string values), so a million resources read from a file hold one copy of
// "ap-northeast-1" rather than a million. Whole tag sets that repeat
// (every resource of a team and environment tagged alike) share one slice
// of pairs, which Tags allows: it never changes pairs a copy shares. It
// belongs to one reader and is dropped with it: nothing is held for the
// life of the process. Not safe for concurrent use.
type Interner struct {
	m map[string]string
	// sets are the tag sets seen, by their hash; setLooks and setHits
	// count the lookups and how many found their set, to stop
	// remembering new sets when they hardly repeat (every resource with
	// a Name tag of its own).
	sets              map[uint64][]Tag
	seed              maphash.Seed
	setLooks, setHits int
}

// Past setTrial lookups, new tag sets are remembered only while at least
// one lookup in eight finds its set.
const setTrial = 1024

// String returns the reader's one copy of s.
func (in *Interner) String(s string) string {
	if len(s) == 0 || len(s) > internMax {
		return s
	}
	if c, ok := in.m[s]; ok {
		return c
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	in.m[s] = s
	return s
}

// Resource shares r's strings with the resources interned before it. r
// must have been decoded just now: its tag and attr pairs are changed in
// place, so they must not be shared with another resource.
func (in *Interner) Resource(r *Resource) {
	r.Account = in.String(r.Account)
	r.Region = in.String(r.Region)
	r.Type = in.String(r.Type)
	r.Name = in.String(r.Name)
	r.State = in.String(r.State)
	for i := range r.Tags.kv {
		e := &r.Tags.kv[i]
		e.Key, e.Value = in.String(e.Key), in.String(e.Value)
	}
	r.Tags = in.tagSet(r.Tags)
	for i := range r.Attrs.kv {
		e := &r.Attrs.kv[i]
		e.key = in.String(e.key)
		if e.v.kind() == AttrString && e.v.n <= internMax {
			e.v = stringValue(in.String(e.v.str()))
		}
	}
}

// tagSet returns the one copy of t's pairs when a resource before had the
// same tags, else t (remembered for the next, while sets repeat).
func (in *Interner) tagSet(t Tags) Tags {
	if len(t.kv) == 0 {
		return t
	}
	if in.sets == nil {
		in.sets = make(map[uint64][]Tag)
		in.seed = maphash.MakeSeed()
	}
	var h maphash.Hash
	h.SetSeed(in.seed)
	for _, e := range t.kv {
		// Lengths first, so that sets that concatenate alike hash apart;
		// a set is shared only when its pairs are equal anyway.
		h.WriteByte(byte(len(e.Key)))
		h.WriteByte(byte(len(e.Value)))
		h.WriteString(e.Key)
		h.WriteString(e.Value)
	}
	sum := h.Sum64()
	in.setLooks++
	if kv, ok := in.sets[sum]; ok {
		if slices.Equal(kv, t.kv) {
			in.setHits++
			return Tags{kv}
		}
		return t // another set of the same hash: keep both apart
	}
	if in.setLooks <= setTrial || in.setHits*8 >= in.setLooks {
		in.sets[sum] = t.kv
	}
	return t
}
