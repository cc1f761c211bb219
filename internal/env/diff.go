package env

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
)

// DiffOptions say how two environments are compared.
type DiffOptions struct {
	Keys Keys
	// System narrows both sides to one system tag value.
	System string
	// Parameters are attrs expected to differ between environments
	// (sizes, counts, instance classes); Drift are attrs that should not
	// (engine versions, encryption, public access, logging, retention).
	// An attr in neither list is not compared: most are measurements.
	Parameters []string
	Drift      []string
	// RequiredTypes are resource types whose absence on one side is drift
	// (alarms): type names or patterns.
	RequiredTypes []string
	// IgnoreTypes are never compared (snapshots, task definition revisions).
	IgnoreTypes []string
	// MatchTags are tag keys that name a resource's role across
	// environments (component, role): equal values match.
	MatchTags []string
	// Naming finds the env part of a name the rule describes.
	Naming naming.Rule
}

// DefaultDiffOptions are the lists of a steward.yaml without env_diff:.
func DefaultDiffOptions() DiffOptions {
	return DiffOptions{
		Parameters: []string{"instance_type", "instance_types", "instance_class", "desired_count", "desired_capacity", "min_size", "max_size",
			"size_gb", "allocated_gb", "volume_size_gb", "iops", "cpu", "memory_mb", "members", "multi_az", "storage_type", "volume_type"},
		Drift: []string{"engine", "engine_version", "runtime", "storage_encrypted", "encrypted", "encryption", "kms_encrypted",
			"publicly_accessible", "public_access_block", "policy_public", "acl_public", "scheme", "logging_enabled", "access_logs_enabled",
			"logging", "cloudwatch_logs", "log_file_validation", "backup_retention_days", "retention_days", "deletion_protection",
			"versioning", "imdsv2_required", "iam_auth_enabled", "auto_minor_version_upgrade", "web_acl_id", "scan_on_push", "ssl_policy"},
		RequiredTypes: []string{"AWS::CloudWatch::Alarm"},
		IgnoreTypes:   []string{"AWS::EC2::Snapshot", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot", "AWS::ECS::TaskDefinition"},
	}
}

// Difference kinds.
const (
	KindParameter = "parameter"
	KindDrift     = "drift"
	KindMissing   = "missing"
)

// Difference is one attr that differs between a matched pair.
type Difference struct {
	Attr string `json:"attr"`
	A    string `json:"a"`
	B    string `json:"b"`
	Kind string `json:"kind"`
}

// Pair is a resource of each environment matched as the same role.
type Pair struct {
	Type        string       `json:"type"`
	A           string       `json:"a"`
	B           string       `json:"b"`
	MatchedBy   string       `json:"matched_by"`
	Differences []Difference `json:"differences"`
}

// Unmatched is a resource of one side that the other lacks.
type Unmatched struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// Drift: its type is required on both sides (an alarm).
	Drift bool `json:"drift"`
}

// DiffResult is how two environments differ.
type DiffResult struct {
	A     string      `json:"a"`
	B     string      `json:"b"`
	OnlyA []Unmatched `json:"only_in_a"`
	OnlyB []Unmatched `json:"only_in_b"`
	// Pairs are the matched resources that differ.
	Pairs      []Pair `json:"pairs"`
	Matched    int    `json:"matched"`
	Parameters int    `json:"parameters"`
	Drift      int    `json:"drift"`
}

// Diff compares environment a with b from the inventory rs. Resources are
// matched, in this order, by their IaC address, by a MatchTags tag, then
// by name, each with the environment's name (and the account id) taken
// out so shop-stg-db and shop-prod-db are one role.
func Diff(a, b Definition, rs []inventory.Resource, o DiffOptions) DiffResult {
	res := DiffResult{A: a.Name, B: b.Name, OnlyA: []Unmatched{}, OnlyB: []Unmatched{}, Pairs: []Pair{}}
	as, bs := o.side(a, rs), o.side(b, rs)
	usedB := make([]bool, len(bs))
	pairOf := make([]int, len(as))
	by := make([]string, len(as))
	for i := range pairOf {
		pairOf[i] = -1
	}
	for _, strat := range []string{"iac", "tag", "name"} {
		index := map[string][]int{}
		for j := range bs {
			if usedB[j] {
				continue
			}
			for _, k := range o.keys(strat, &bs[j], b.EnvValue(o.Keys)) {
				index[k] = append(index[k], j)
			}
		}
		for i := range as {
			if pairOf[i] >= 0 {
				continue
			}
		keys:
			for _, k := range o.keys(strat, &as[i], a.EnvValue(o.Keys)) {
				for _, j := range index[k] {
					if !usedB[j] {
						usedB[j], pairOf[i], by[i] = true, j, strat
						break keys
					}
				}
			}
		}
	}
	for i := range as {
		j := pairOf[i]
		if j < 0 {
			res.OnlyA = append(res.OnlyA, o.unmatched(&as[i]))
			continue
		}
		res.Matched++
		p := Pair{Type: as[i].Type, A: label(&as[i]), B: label(&bs[j]), MatchedBy: by[i]}
		p.Differences = o.compare(&as[i], &bs[j], a.EnvValue(o.Keys), b.EnvValue(o.Keys))
		for _, d := range p.Differences {
			if d.Kind == KindDrift {
				res.Drift++
			} else {
				res.Parameters++
			}
		}
		if len(p.Differences) > 0 {
			res.Pairs = append(res.Pairs, p)
		}
	}
	for j := range bs {
		if !usedB[j] {
			res.OnlyB = append(res.OnlyB, o.unmatched(&bs[j]))
		}
	}
	for _, u := range slices.Concat(res.OnlyA, res.OnlyB) {
		if u.Drift {
			res.Drift++
		}
	}
	sortUnmatched(res.OnlyA)
	sortUnmatched(res.OnlyB)
	sort.Slice(res.Pairs, func(i, j int) bool {
		return res.Pairs[i].Type < res.Pairs[j].Type || res.Pairs[i].Type == res.Pairs[j].Type && res.Pairs[i].A < res.Pairs[j].A
	})
	return res
}

func sortUnmatched(us []Unmatched) {
	sort.Slice(us, func(i, j int) bool {
		return us[i].Type < us[j].Type || us[i].Type == us[j].Type && us[i].Name < us[j].Name
	})
}

func label(r *inventory.Resource) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func (o DiffOptions) side(d Definition, rs []inventory.Resource) []inventory.Resource {
	var out []inventory.Resource
	for _, r := range d.Members(rs, o.Keys) {
		if matchAny(o.IgnoreTypes, r.Type) || inventory.RegionWide(r.Type) || r.Type == inventory.TypeAccount {
			continue
		}
		if o.System != "" {
			if s, _ := r.Tag(o.Keys.System); s != o.System {
				continue
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

func (o DiffOptions) unmatched(r *inventory.Resource) Unmatched {
	return Unmatched{Type: r.Type, Name: label(r), ARN: r.ARN, Drift: matchAny(o.RequiredTypes, r.Type)}
}

func matchAny(pats []string, s string) bool {
	for _, p := range pats {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// keys are what a resource is matched by under a strategy, with its
// environment's part neutral.
func (o DiffOptions) keys(strat string, r *inventory.Resource, envValue string) []string {
	switch strat {
	case "iac":
		if r.ManagedBy().Ref == "" || r.ManagedBy().Kind == "none" || r.ManagedBy().Kind == "service" {
			return nil
		}
		return []string{r.Type + "|iac|" + r.ManagedBy().Kind + ":" + o.neutral(r.ManagedBy().Ref, r, envValue)}
	case "tag":
		var out []string
		for _, k := range o.MatchTags {
			if v, ok := r.Tag(k); ok && v != "" {
				sys, _ := r.Tag(o.Keys.System)
				out = append(out, r.Type+"|tag|"+sys+"|"+k+"="+o.neutral(v, r, envValue))
			}
		}
		return out
	default:
		n := label(r)
		if n == "" {
			return nil
		}
		return []string{r.Type + "|name|" + o.neutral(n, r, envValue)}
	}
}

// neutral takes the environment's part out of s: every token (between
// - _ . / : and spaces) equal to the env value, or to the env field the
// naming rule reads in the resource's name, becomes {env}; the account id
// becomes {account}.
func (o DiffOptions) neutral(s string, r *inventory.Resource, envValue string) string {
	envs := []string{envValue}
	if !o.Naming.Empty() {
		if f, ok := o.Naming.Parse(label(r)); ok && f["env"] != "" {
			envs = append(envs, f["env"])
		}
	}
	var b strings.Builder
	tok := 0
	flush := func(end int) {
		t := s[tok:end]
		switch {
		case t != "" && slices.Contains(envs, t):
			b.WriteString("{env}")
		case t != "" && t == r.Account:
			b.WriteString("{account}")
		default:
			b.WriteString(t)
		}
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("-_./: ", s[i]) >= 0 {
			flush(i)
			b.WriteByte(s[i])
			tok = i + 1
		}
	}
	flush(len(s))
	return b.String()
}

// compare lists the attrs of a pair that differ, in the order of the
// lists, each a parameter or drift. Strings are compared with the
// environment's part taken out; an id or ARN is compared by its presence
// only, since each environment has its own.
func (o DiffOptions) compare(a, b *inventory.Resource, envA, envB string) []Difference {
	var out []Difference
	seen := map[string]bool{}
	for _, list := range []struct {
		attrs []string
		kind  string
	}{{o.Drift, KindDrift}, {o.Parameters, KindParameter}} {
		for _, k := range list.attrs {
			if seen[k] {
				continue
			}
			seen[k] = true
			va, oka := a.Attrs.Get(k)
			vb, okb := b.Attrs.Get(k)
			if !oka && !okb {
				continue
			}
			sa, sb := attrText(va, oka), attrText(vb, okb)
			ca, cb := sa, sb
			if strings.HasSuffix(k, "_id") || strings.HasSuffix(k, "_arn") || strings.HasSuffix(k, "_arns") {
				ca, cb = presence(va, oka), presence(vb, okb)
			} else if _, isStr := va.(string); isStr {
				ca, cb = o.neutral(sa, a, envA), o.neutral(sb, b, envB)
			}
			if ca != cb {
				out = append(out, Difference{Attr: k, A: sa, B: sb, Kind: list.kind})
			}
		}
	}
	return out
}

func presence(v any, ok bool) string {
	if !ok || v == nil || v == "" || v == false {
		return "(none)"
	}
	return "set"
}

func attrText(v any, ok bool) string {
	switch x := v.(type) {
	case nil:
		if !ok {
			return "(absent)"
		}
		return "(none)"
	case string:
		if x == "" {
			return "(none)"
		}
		return x
	case float64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
