package inventory

// internMax is the longest string interned: accounts, regions, types,
// states, tag keys and most tag and attr values are short and repeat
// across a million resources (and names across accounts and regions);
// long strings are mostly ids and seldom do.
const internMax = 64

// Interner shares the strings that repeat across the resources one reader
// makes (account, region, type, name, state, tag keys and values, attr keys
// and string values), so a million resources read from a file hold one copy of
// "ap-northeast-1" rather than a million. It belongs to one reader and is
// dropped with it: nothing is held for the life of the process. Not safe
// for concurrent use.
type Interner struct {
	m map[string]string
}

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
	for i := range r.Attrs.kv {
		e := &r.Attrs.kv[i]
		e.key = in.String(e.key)
		if e.v.kind() == AttrString && e.v.n <= internMax {
			e.v = stringValue(in.String(e.v.str()))
		}
	}
}
