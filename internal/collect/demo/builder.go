package demo

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/pricing"
)

// builder appends resources in dependency order: whatever a relation points
// at is added before the resource that points at it, so every prefix of the
// result is closed under relations (Generate cuts the estate at n).
type builder struct {
	now time.Time
	// rng jitters ages and sizes in Generate; nil for the demo, which is
	// the same on every call.
	rng      *rand.Rand
	res      []inventory.Resource
	problems map[string][]string // nil when not recorded
	// bucketSuffix keeps bucket names, which are global, unique across
	// the copies Generate makes; empty for the demo.
	bucketSuffix string
	// in shares the strings the copies of Generate repeat (names, tag
	// values, attr values: a copy differs from the others by its accounts
	// only); nil for the demo.
	in *inventory.Interner
	// copyStart is where the resources of the estate being built start in
	// res: what one estate looks up of its own (rdsEventSubscriptions)
	// is in res[copyStart:], so building a million resources is not
	// quadratic in the copies before it.
	copyStart int
}

// mark records that the resource at i exhibits a problem (see Problems).
func (b *builder) mark(i int, keys ...string) {
	if b.problems == nil || i < 0 {
		return
	}
	for _, k := range keys {
		b.problems[k] = append(b.problems[k], b.res[i].ARN)
	}
}

// days jitters an age upwards by up to a tenth in Generate, so thresholds
// (stopped 90+ days, snapshot a year old) hold whatever the seed.
func (b *builder) days(d float64) float64 {
	if b.rng == nil || d == 0 {
		return d
	}
	return d + b.rng.Float64()*d/10
}

// scale jitters a size by up to half, upwards.
func (b *builder) scale(v float64) float64 {
	if b.rng == nil {
		return v
	}
	return float64(int64(v * (1 + b.rng.Float64()/2)))
}

func (b *builder) ago(days float64) time.Time {
	return b.now.Add(-time.Duration(days * float64(24*time.Hour))).Truncate(time.Second)
}

func (b *builder) ts(days float64) string { return b.ago(days).UTC().Format(time.RFC3339) }

// add appends a resource, priced, and returns its index.
func (b *builder) add(r inventory.Resource) int {
	if c, ok := pricing.Estimate(&r); ok {
		r.MonthlyCost = c
	}
	if b.in != nil {
		b.in.Resource(&r)
	}
	b.res = append(b.res, r)
	return len(b.res) - 1
}

func (b *builder) arn(i int) string {
	if i < 0 {
		return ""
	}
	return b.res[i].ARN
}

// hexID is a stable 64-bit FNV-1a hash of the parts, as 16 hex digits:
// the same names give the same ids on every run.
func hexID(parts ...string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	var buf [16]byte
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		buf[i] = digits[h&0xf]
		h >>= 4
	}
	return string(buf[:])
}

// awsID is an EC2-style id: prefix, dash, 17 hex digits (i-0a1b2c...).
func awsID(prefix string, parts ...string) string { return prefix + "-0" + hexID(parts...) }

// tags builds the usual tag set; an empty value leaves the key out, which
// is how the demo makes a resource miss a tag.
func tags(name, env, system, owner string) map[string]string {
	t := make(map[string]string, 4)
	if name != "" {
		t["Name"] = name
	}
	if env != "" {
		t["env"] = env
	}
	if system != "" {
		t["system"] = system
	}
	if owner != "" {
		t["owner"] = owner
	}
	return t
}

func rel(kind, target string) inventory.Relation {
	return inventory.Relation{Kind: kind, Target: target}
}

// rule is one security group ingress rule, as the attrs contract spells it.
func rule(proto string, from, to int, cidr, sourceSG string) map[string]any {
	return map[string]any{
		"protocol":  proto,
		"from_port": float64(from),
		"to_port":   float64(to),
		"cidr":      cidr,
		"source_sg": sourceSG,
	}
}

func strs(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
