package inventory

import (
	"hash/maphash"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// internMax is the longest string interned: accounts, regions, types,
// states, tag keys and most tag and attr values are short and repeat
// across a million resources (and names across accounts and regions);
// long strings are mostly ids and seldom do.
const internMax = 64

// Interner settles the resources one reader makes (the snapshot reader,
// demo.Generate) into the memory they keep for the life of the estate.
//
// It shares the strings that repeat (account, region, type, name, state,
// tag keys and values, attr keys and string values, relation kinds), so a million resources read from a file hold one copy of
// "ap-northeast-1" rather than a million. Whole tag sets that repeat
// (every resource of a team and environment tagged alike) share one slice
// of pairs, which Tags allows: it never changes pairs a copy shares.
//
// What it keeps is copied into large blocks (text, attr values, lists of
// attr keys, tag pairs, relations), a resource's part of each a slice of its own length: the
// reader's copies (encoding/json's strings and slices, the builder's)
// all become garbage, in spans that hold nothing else. Kept one by one
// they were scattered among that garbage, and each span a kept string or
// slice sat in stayed in use (160 MB of spans with no live object in
// them at 1M resources). The price: a string of a resource kept after the
// estate is dropped (an ARN a finding holds) keeps its block, a few KiB,
// alive. ARNs and ids have blocks of their own for that reason.
//
// The Interner belongs to one reader and is dropped with it: nothing is
// held for the life of the process. Not safe for concurrent use.
type Interner struct {
	m map[string]string
	// targets are the relation targets seen: ARNs of resources many
	// others point at (a VPC, a subnet, a security group).
	targets map[string]string
	// sets are the tag sets seen, by their hash; setLooks and setHits
	// count the lookups and how many found their set, to stop
	// remembering new sets when they hardly repeat (every resource with
	// a Name tag of its own).
	sets              map[uint64]Tags
	seed              maphash.Seed
	seeded            bool
	setLooks, setHits int
	// values are the lists and objects seen in attrs, by the hash of
	// their JSON, counted alike; buf is where that JSON is written.
	values                map[uint64]value
	valueLooks, valueHits int
	buf                   []byte

	// keyLists are the lists of attr keys seen, by their hash, counted
	// alike.
	keyLists          map[uint64]*[]string
	keyLooks, keyHits int

	arns, text textBlocks
	vals       blocks[value]
	keys       blocks[string]
	tags       blocks[Tag]
	tagLists   blocks[[]Tag]
	origins    blocks[Origin]
	keyHeads   blocks[[]string]
	rels       blocks[Relation]
}

// Past setTrial lookups, new tag sets are remembered only while at least
// one lookup in eight finds its set.
const setTrial = 1024

// textBlock is the size of a block of kept text: a few hundred ARNs.
const textBlock = 16 << 10

// textBlocks hands out strings copied into large blocks of bytes. The
// bytes of a block are never written again once a string is made of
// them.
type textBlocks struct{ buf []byte }

func (t *textBlocks) copy(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > textBlock/16 {
		return strings.Clone(s)
	}
	if cap(t.buf)-len(t.buf) < len(s) {
		t.buf = make([]byte, 0, textBlock)
	}
	at := len(t.buf)
	t.buf = append(t.buf, s...)
	return unsafe.String(&t.buf[at], len(s))
}

// blockBytes is the size of a block of pairs, values or relations: 8
// bytes under 16 KiB, which leaves room for the header the runtime puts
// before an object of pointers that large (a block of exactly 16 KiB is
// allocated 18 KiB).
const blockBytes = 16<<10 - 8

// blocks hands out slices copied into large blocks, each of exactly its
// length and capacity, so an append to one never reaches the next.
type blocks[T any] struct{ buf []T }

// blockLen is the number of elements of a block of T.
func (b *blocks[T]) blockLen() int {
	var t T
	return blockBytes / int(unsafe.Sizeof(t))
}

// one is a pointer to a copy of v in the blocks.
func (b *blocks[T]) one(v T) *T {
	if cap(b.buf) == len(b.buf) {
		b.buf = make([]T, 0, b.blockLen())
	}
	b.buf = append(b.buf, v)
	return &b.buf[len(b.buf)-1]
}

func (b *blocks[T]) copy(s []T) []T {
	if len(s) == 0 {
		return nil
	}
	n := b.blockLen()
	if len(s) > n/8 {
		return slices.Clone(s)
	}
	if cap(b.buf)-len(b.buf) < len(s) {
		b.buf = make([]T, 0, n)
	}
	at := len(b.buf)
	b.buf = append(b.buf, s...)
	return b.buf[at:len(b.buf):len(b.buf)]
}

// hashSeed is the seed of the interner's hashes of sets and values.
func (in *Interner) hashSeed() maphash.Seed {
	if !in.seeded {
		in.seed, in.seeded = maphash.MakeSeed(), true
	}
	return in.seed
}

// String returns the reader's one copy of s.
func (in *Interner) String(s string) string {
	if len(s) == 0 || len(s) > internMax {
		return s
	}
	return in.intern(s)
}

// intern returns the one copy of s, made in the interner's text blocks
// the first time.
func (in *Interner) intern(s string) string {
	if c, ok := in.m[s]; ok {
		return c
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	c := in.text.copy(s)
	in.m[c] = c
	return c
}

// keep is s as the resource keeps it: the one copy when short, else a
// copy in the text blocks.
func (in *Interner) keep(s string) string {
	if len(s) <= internMax {
		if len(s) == 0 {
			return ""
		}
		return in.intern(s)
	}
	return in.text.copy(s)
}

// Resource settles r: its strings are shared with the resources settled
// before it or copied into the interner's blocks, and so are its pairs
// and relations. r's own strings and slices are not changed, only
// replaced, so r may share them with anything.
func (in *Interner) Resource(r *Resource) {
	r.ARN = in.arns.copy(r.ARN)
	r.ID = in.id(r.ARN, r.ID)
	r.Account = in.keep(r.Account)
	r.Region = in.keep(r.Region)
	r.Type = in.keep(r.Type)
	r.Name = in.keep(r.Name)
	r.State = in.keep(r.State)
	r.Tags = in.Tags(r.Tags)
	r.Attrs = in.attrSet(r.Attrs)
	r.Relations = in.Relations(r.Relations)
	if r.Origin != nil {
		o := r.origin()
		m := &o.ManagedBy
		m.Kind, m.Ref, m.Source = in.keep(m.Kind), in.keep(m.Ref), in.keep(m.Source)
		r.Origin = nil
		if o != (Origin{}) {
			r.Origin = in.origins.one(o)
		}
	}
}

// id is the resource's native id: most are the end of the ARN (i-0abc of
// arn:aws:ec2:...:instance/i-0abc, a bucket's name), which then shares
// its bytes.
func (in *Interner) id(arn, id string) string {
	if id == "" {
		return ""
	}
	if strings.HasSuffix(arn, id) {
		return arn[len(arn)-len(id):]
	}
	if i := strings.Index(arn, id); i >= 0 {
		return arn[i : i+len(id)]
	}
	return in.arns.copy(id)
}

// attrSet keeps a's values in the interner's blocks and its keys as the
// one list of them when a resource before had the same keys (resources of
// a type mostly do), else as a copy of its own, remembered for the next
// while key lists repeat.
func (in *Interner) attrSet(a Attrs) Attrs {
	if a.Len() == 0 {
		return Attrs{}
	}
	vals := in.vals.copy(a.valList())
	for i := range vals {
		v := &vals[i]
		switch v.kind() {
		case AttrString:
			if v.n > 0 {
				*v = stringValue(in.keep(v.str()))
			}
		case AttrOther:
			*v = in.composite(*v)
		}
	}
	return Attrs{in.keyList(a.keyList()), &vals[0]}
}

// keyList returns the one copy of a list of attr keys.
func (in *Interner) keyList(keys []string) *[]string {
	if in.keyLists == nil {
		in.keyLists = make(map[uint64]*[]string)
	}
	var h maphash.Hash
	h.SetSeed(in.hashSeed())
	for _, k := range keys {
		h.WriteByte(byte(len(k)))
		h.WriteString(k)
	}
	sum := h.Sum64()
	in.keyLooks++
	if c, ok := in.keyLists[sum]; ok && slices.Equal(*c, keys) {
		in.keyHits++
		return c
	}
	kept := in.keys.copy(keys)
	for i := range kept {
		kept[i] = in.keep(kept[i])
	}
	c := in.keyHeads.one(kept)
	if _, taken := in.keyLists[sum]; !taken && (in.keyLooks <= setTrial || in.keyHits*8 >= in.keyLooks) {
		in.keyLists[sum] = c
	}
	return c
}

// composite returns the one copy of a list or an object when a resource
// before had an equal one (the same capacity providers, attached
// policies, instance types, security group rules), else v, remembered
// for the next while values repeat. Attrs shares its lists and objects
// with its copies already; nothing changes them in place.
func (in *Interner) composite(v value) value {
	x := v.any()
	switch x.(type) {
	case []any, map[string]any:
	default:
		return v
	}
	b, err := appendValue(in.buf[:0], x)
	if err != nil {
		return v
	}
	in.buf = b
	if in.values == nil {
		in.values = make(map[uint64]value)
	}
	sum := maphash.Bytes(in.hashSeed(), b)
	in.valueLooks++
	if c, ok := in.values[sum]; ok {
		if reflect.DeepEqual(c.any(), x) {
			in.valueHits++
			return c
		}
		return v
	}
	if in.valueLooks <= setTrial || in.valueHits*8 >= in.valueLooks {
		in.values[sum] = v
	}
	return v
}

// Compact copies the lists and objects in rs's attrs once more, each
// one once, now that the estate is whole, and shares their strings. Made
// one by one as the resources were read, they sat among the reader's
// garbage of the same sizes (its maps), and every span one of them was
// in stayed in use when that garbage was collected; copied together they
// fill spans of their own, and the first copies are collected whole.
// The resources must be the interner's: their values are changed in place.
func (in *Interner) Compact(rs []Resource) {
	moved := map[unsafe.Pointer]value{}
	for i := range rs {
		vals := rs[i].Attrs.valList()
		for j := range vals {
			v := vals[j]
			if v.kind() != AttrOther {
				continue
			}
			c, ok := moved[v.p]
			if !ok {
				c = v
				switch x := v.any().(type) {
				case []any, map[string]any:
					c = valueOf(in.clone(x))
				}
				moved[v.p] = c
			}
			vals[j] = c
		}
	}
	in.values = nil
}

// clone is a deep copy of a JSON value, its strings kept as Resource
// keeps them.
func (in *Interner) clone(x any) any {
	switch x := x.(type) {
	case string:
		return in.keep(x)
	case []any:
		if x == nil {
			return x
		}
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = in.clone(e)
		}
		return c
	case map[string]any:
		if x == nil {
			return x
		}
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[in.keep(k)] = in.clone(e)
		}
		return c
	}
	return x
}

// Relations are rs as Resource keeps them: copied into the interner's
// blocks, their kinds shared (targets are left as they are: see Target).
func (in *Interner) Relations(rs []Relation) []Relation {
	if len(rs) == 0 {
		return rs
	}
	kept := in.rels.copy(rs)
	for i := range kept {
		e := &kept[i]
		e.Kind = in.keep(e.Kind)
	}
	return kept
}

// ShareTargets settles the relation targets of rs once the estate is
// whole. Resource leaves targets as they are: most name a resource of the
// same estate, and become that resource's ARN (find gives its index in
// rs); the others become the interner's one copy, which many resources
// share (the same VPC, subnet or security group). demo.Generate needs
// neither: its resources come in dependency order.
func (in *Interner) ShareTargets(rs []Resource, find func(arn string) (int, bool)) {
	for i := range rs {
		for j := range rs[i].Relations {
			t := &rs[i].Relations[j].Target
			if k, ok := find(*t); ok {
				*t = rs[k].ARN
			} else {
				*t = in.target(*t)
			}
		}
	}
}

// target is the one copy of a relation target that names no resource of
// the estate.
func (in *Interner) target(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := in.targets[s]; ok {
		return c
	}
	if in.targets == nil {
		in.targets = make(map[string]string)
	}
	c := in.arns.copy(s)
	in.targets[c] = c
	return c
}

// Tags returns the one copy of t's pairs when a resource before had the
// same tags, else a copy of them (remembered for the next, while sets
// repeat), as Resource keeps them.
func (in *Interner) Tags(t Tags) Tags {
	pairs := t.list()
	if len(pairs) == 0 {
		return Tags{}
	}
	if in.sets == nil {
		in.sets = make(map[uint64]Tags)
	}
	var h maphash.Hash
	h.SetSeed(in.hashSeed())
	for _, e := range pairs {
		// Lengths first, so that sets that concatenate alike hash apart;
		// a set is shared only when its pairs are equal anyway.
		h.WriteByte(byte(len(e.Key)))
		h.WriteByte(byte(len(e.Value)))
		h.WriteString(e.Key)
		h.WriteString(e.Value)
	}
	sum := h.Sum64()
	in.setLooks++
	if c, ok := in.sets[sum]; ok && slices.Equal(c.list(), pairs) {
		in.setHits++
		return c
	}
	kv := in.tags.copy(pairs)
	for i := range kv {
		e := &kv[i]
		e.Key, e.Value = in.keep(e.Key), in.keep(e.Value)
	}
	c := Tags{in.tagLists.one(kv)}
	if _, taken := in.sets[sum]; !taken && (in.setLooks <= setTrial || in.setHits*8 >= in.setLooks) {
		in.sets[sum] = c
	}
	return c
}
