package iac

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// Managed-by kinds (inventory.ManagedBy.Kind).
const (
	KindTerraform      = "terraform"
	KindCloudFormation = "cloudformation"
	KindService        = "service"
	KindNone           = "none"
)

// Tags AWS puts on what CloudFormation, Elastic Beanstalk and Auto Scaling make.
const (
	tagStackName = "aws:cloudformation:stack-name"
	tagStackID   = "aws:cloudformation:stack-id"
	tagEBEnv     = "elasticbeanstalk:environment-name"
	tagASG       = "aws:autoscaling:groupName"
)

// Stack is a CloudFormation stack (CDK and SAM deploy as stacks too) and
// its physical resources.
type Stack struct {
	Name      string
	ID        string // the stack ARN
	Resources []StackResource
}

// StackResource is one resource of a stack.
type StackResource struct {
	LogicalID  string
	PhysicalID string // native id, name, ARN or URL, as the type has it
	Type       string // CloudFormation type
}

// Gap is an IaC source that could not be read. Coverage with gaps is
// partial: a resource that looks unmanaged may be in the unread state.
type Gap struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

func (g Gap) String() string { return g.Source + ": " + g.Error }

// Inputs is what Attribute matches.
type Inputs struct {
	// Resources get their ManagedBy set in place.
	Resources []inventory.Resource
	// Coverage is the scan's coverage: a state resource is called missing
	// only where the scan read its account, region and service.
	Coverage []inventory.Coverage
	States   []*State
	Stacks   []Stack
	Gaps     []Gap
}

// Options tune Attribute.
type Options struct {
	// IncludeDefaults counts the default VPC, its subnets and default
	// security groups, which AWS creates and coverage leaves out otherwise.
	IncludeDefaults bool
	Ignore          *Ignore
	// Now dates the age of entries.
	Now time.Time
}

// Entry is one resource in a coverage list.
type Entry struct {
	ARN       string              `json:"arn"`
	Type      string              `json:"type"`
	Account   string              `json:"account,omitempty"`
	Region    string              `json:"region,omitempty"`
	ID        string              `json:"id,omitempty"`
	Name      string              `json:"name,omitempty"`
	System    string              `json:"system,omitempty"`
	Env       string              `json:"env,omitempty"`
	Tags      map[string]string   `json:"tags,omitempty"`
	ManagedBy inventory.ManagedBy `json:"managed_by,omitzero"`
	// StateFile and Address say where a managed or missing resource is
	// declared: a state file and Terraform address, or a stack and logical id.
	StateFile   string             `json:"state_file,omitempty"`
	Address     string             `json:"address,omitempty"`
	Creator     *inventory.Creator `json:"creator,omitempty"`
	Created     time.Time          `json:"created,omitzero"`
	AgeDays     int                `json:"age_days,omitempty"`
	MonthlyCost float64            `json:"monthly_cost,omitempty"`
}

// Place is where a resource is declared.
type Place struct {
	StateFile string `json:"state_file"`
	Address   string `json:"address"`
}

// Duplicate is a resource declared in more than one state or stack: two
// applies fight over it.
type Duplicate struct {
	ARN     string  `json:"arn"`
	Type    string  `json:"type"`
	Account string  `json:"account,omitempty"`
	Region  string  `json:"region,omitempty"`
	System  string  `json:"system,omitempty"`
	Places  []Place `json:"places"`
}

// Ratio is managed / (managed + unmanaged + missing) for one group.
type Ratio struct {
	Key       string  `json:"key"`
	Managed   int     `json:"managed"`
	Unmanaged int     `json:"unmanaged"`
	Missing   int     `json:"missing"`
	Percent   float64 `json:"percent"`
}

func (r *Ratio) finish() {
	if d := r.Managed + r.Unmanaged + r.Missing; d > 0 {
		r.Percent = math.Round(1000*float64(r.Managed)/float64(d)) / 10
	}
}

// Result is what Attribute found.
type Result struct {
	Total     Ratio
	ByAccount []Ratio
	BySystem  []Ratio
	ByType    []Ratio

	Managed   []Entry
	Unmanaged []Entry
	Missing   []Entry
	// Attributed are made by AWS services for a parent resource (instances
	// of an Auto Scaling group, attached volumes, automated snapshots); they
	// count as their parent, not on their own.
	Attributed []Entry
	Duplicates []Duplicate
	// Unchecked are state instances that could not be checked against the
	// account: outside what the scan read, or of a type steward does not
	// collect. By Terraform type.
	Unchecked map[string]int
	// Untracked are state instances of Terraform types the type table does
	// not know, by type.
	Untracked map[string]int
	// Excluded counts default resources left out, Ignored those the
	// ignore file took out.
	Excluded, Ignored int
	Gaps              []Gap
}

// Partial reports whether some IaC source could not be read.
func (r *Result) Partial() bool { return len(r.Gaps) > 0 }

type claim struct {
	kind, ref, source string // ManagedBy
	place             Place
}

type typeID struct{ typ, id string }

// matcher holds the inventory indexes and what each resource was claimed by.
type matcher struct {
	rs      []inventory.Resource
	byARN   map[string]int
	byID    map[typeID]int
	claims  map[int][]claim
	missing []Entry
	res     *Result
	// families maps account, region and task definition family to the
	// managed revision, built on first use once all claims are in.
	families map[[3]string]string
}

// Attribute matches IaC sources to resources: it sets ManagedBy on every
// resource and returns coverage with the managed, unmanaged, missing and
// duplicated lists.
func Attribute(in Inputs, opts Options) *Result {
	m := &matcher{
		rs:     in.Resources,
		byARN:  make(map[string]int, len(in.Resources)),
		byID:   make(map[typeID]int, len(in.Resources)),
		claims: map[int][]claim{},
		res:    &Result{Unchecked: map[string]int{}, Untracked: map[string]int{}, Gaps: in.Gaps},
	}
	for i := range m.rs {
		r := &m.rs[i]
		m.byARN[r.ARN] = i
		if r.ID != "" {
			m.byID[typeID{r.Type, r.ID}] = i
		}
	}
	cov := newCoverageIndex(in.Coverage)
	for _, st := range in.States {
		m.matchState(st, cov)
	}
	for _, s := range in.Stacks {
		m.matchStack(s)
	}
	m.matchTags()
	m.classify(opts)
	for _, e := range m.missing {
		if opts.Ignore.Ignored(typeNames(e.Type), []string{e.ID, e.ARN}) {
			m.res.Ignored++
			continue
		}
		m.res.Missing = append(m.res.Missing, e)
	}
	m.res.tally()
	return m.res
}

func typeNames(cfn string) []string {
	names := []string{cfn}
	for i := range tfTypes {
		if tfTypes[i].cfn == cfn {
			names = append(names, tfTypes[i].tf)
		}
	}
	return names
}

// providerScopes infers, per provider configuration, the partition, region
// and account its resources live in, from the ARNs the state records. The
// most common value wins; the state itself never says.
func providerScopes(st *State) map[string]scope {
	type counts struct{ partition, region, account map[string]int }
	by := map[string]*counts{}
	for _, r := range st.Resources {
		c := by[r.Provider]
		if c == nil {
			c = &counts{map[string]int{}, map[string]int{}, map[string]int{}}
			by[r.Provider] = c
		}
		for _, k := range []string{"arn", "id"} {
			p, _, region, account, _, ok := arnParts(attrString(r.Attrs, k))
			if !ok {
				continue
			}
			c.partition[p]++
			if region != "" {
				c.region[region]++
			}
			if account != "" {
				c.account[account]++
			}
			break
		}
	}
	out := make(map[string]scope, len(by))
	for p, c := range by {
		out[p] = scope{partition: mostCommon(c.partition), region: mostCommon(c.region), account: mostCommon(c.account)}
	}
	return out
}

func mostCommon(m map[string]int) string {
	best, n := "", 0
	for k, c := range m {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

func (m *matcher) matchState(st *State, cov coverageIndex) {
	scopes := providerScopes(st)
	for _, sr := range st.Resources {
		row, ok := byTF[sr.Type]
		if !ok {
			m.res.Untracked[sr.Type]++
			continue
		}
		sc := scopes[sr.Provider]
		arn, err := row.resolveARN(sr.Attrs, sc)
		id := row.id(sr.Attrs)
		place := Place{StateFile: st.Source, Address: sr.Address}
		c := claim{kind: KindTerraform, ref: sr.Address, source: st.Source, place: place}
		i, found := -1, false
		if arn != "" {
			i, found = m.byARN[arn]
		}
		if !found && id != "" {
			i, found = m.byID[typeID{row.cfn, id}]
		}
		if found {
			m.claims[i] = append(m.claims[i], c)
			if row.tf == "aws_instance" {
				m.claimBlockDevices(sr.Attrs, c)
			}
			if row.tf == "aws_ecs_service" {
				m.noteDesiredCount(i, sr.Attrs)
			}
			continue
		}
		if err != nil || arn == "" {
			m.res.Unchecked[sr.Type]++
			continue
		}
		_, _, region, account, _, _ := arnParts(arn)
		if account == "" {
			account = sc.account
		}
		if region == "" {
			region = attrString(sr.Attrs, "region")
		}
		if account == "" || !inventory.KnownType(row.cfn) || !cov.covered(account, region, inventory.ServiceOf(row.cfn)) {
			m.res.Unchecked[sr.Type]++
			continue
		}
		tags := stateTags(sr.Attrs)
		e := Entry{
			ARN: arn, Type: row.cfn, Account: account, Region: region, ID: id,
			Name: tags["Name"], System: tagFold(tags, "system"), Env: tagFold(tags, "env"), Tags: tags,
			ManagedBy: inventory.ManagedBy{Kind: KindTerraform, Ref: sr.Address, Source: st.Source},
			StateFile: st.Source, Address: sr.Address,
		}
		m.missing = append(m.missing, e)
	}
}

// noteDesiredCount records on an ECS service the desired_count its state
// sets: an apply puts it back, so a schedule that stops the service warns.
func (m *matcher) noteDesiredCount(i int, attrs map[string]any) {
	var n float64
	switch v := attrs["desired_count"].(type) {
	case float64:
		n = v
	case string: // Terraform 0.11 flattened attributes
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return
		}
		n = f
	default:
		return
	}
	r := &m.rs[i]
	r.Attrs.Set("iac_desired_count", n)
}

// claimBlockDevices attributes the volumes an aws_instance declares inline
// (root_block_device, ebs_block_device) to the instance's address.
func (m *matcher) claimBlockDevices(attrs map[string]any, c claim) {
	for _, key := range []string{"root_block_device", "ebs_block_device"} {
		var ids []string
		if list, ok := attrs[key].([]any); ok {
			for _, d := range list {
				if dm, ok := d.(map[string]any); ok {
					ids = append(ids, attrString(dm, "volume_id"))
				}
			}
		}
		for k, v := range attrs { // Terraform 0.11: root_block_device.0.volume_id
			if s, ok := v.(string); ok && strings.HasPrefix(k, key+".") && strings.HasSuffix(k, ".volume_id") {
				ids = append(ids, s)
			}
		}
		for _, id := range ids {
			if i, ok := m.byID[typeID{"AWS::EC2::Volume", id}]; ok {
				vc := c
				vc.ref = c.ref + "." + key
				m.claims[i] = append(m.claims[i], vc)
			}
		}
	}
}

func (m *matcher) matchStack(s Stack) {
	for _, sr := range s.Resources {
		i, found := m.byARN[sr.PhysicalID]
		if !found {
			i, found = m.byID[typeID{sr.Type, sr.PhysicalID}]
		}
		if !found && sr.Type == "AWS::SQS::Queue" {
			i, found = m.byARN[sqsARN(map[string]any{"id": sr.PhysicalID})]
		}
		if !found {
			continue
		}
		m.claims[i] = append(m.claims[i], claim{
			kind: KindCloudFormation, ref: s.Name, source: s.ID,
			place: Place{StateFile: s.ID, Address: sr.LogicalID},
		})
	}
}

// matchTags claims what carries CloudFormation's or Elastic Beanstalk's
// tags and was not listed by a stack read.
func (m *matcher) matchTags() {
	for i := range m.rs {
		if len(m.claims[i]) > 0 {
			continue
		}
		r := &m.rs[i]
		stack, ok := r.Tags.Get(tagStackName)
		if !ok {
			continue
		}
		ref := stack
		if env, ok := r.Tags.Get(tagEBEnv); ok {
			ref = "elasticbeanstalk:" + env
		}
		m.claims[i] = []claim{{kind: KindCloudFormation, ref: ref, source: r.Tags.Value(tagStackID),
			place: Place{StateFile: r.Tags.Value(tagStackID), Address: stack}}}
	}
}

// notCounted are types that no IaC tool creates: steward's own pseudo
// resources.
var notCounted = map[string]bool{"AWS::::Account": true, "Steward::Account::Region": true}

// isDefault reports whether AWS made the resource with the account or a
// VPC: the default VPC, its subnets, and default security groups.
func isDefault(r *inventory.Resource) bool {
	switch r.Type {
	case "AWS::EC2::VPC", "AWS::EC2::SecurityGroup":
		v, _ := r.Attrs.Value("is_default").(bool)
		return v
	case "AWS::EC2::Subnet":
		v, _ := r.Attrs.Value("default_for_az").(bool)
		return v
	}
	return false
}

func (m *matcher) classify(opts Options) {
	for i := range m.rs {
		r := &m.rs[i]
		if notCounted[r.Type] {
			continue
		}
		e := m.entry(r, opts.Now)
		ignored := opts.Ignore.Ignored(typeNames(r.Type), []string{r.ID, r.ARN})
		cl := m.claims[i]
		switch {
		case len(cl) > 0:
			r.SetManagedBy(inventory.ManagedBy{Kind: cl[0].kind, Ref: cl[0].ref, Source: cl[0].source})
			e.ManagedBy, e.StateFile, e.Address = r.ManagedBy(), cl[0].place.StateFile, cl[0].place.Address
			if ignored {
				m.res.Ignored++
				continue
			}
			m.res.Managed = append(m.res.Managed, e)
			if places := distinctPlaces(cl); len(places) > 1 {
				m.res.Duplicates = append(m.res.Duplicates, Duplicate{ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, System: e.System, Places: places})
			}
		case isDefault(r) && !opts.IncludeDefaults:
			r.SetManagedBy(inventory.ManagedBy{Kind: KindService, Ref: "default"})
			m.res.Excluded++
		default:
			if parent := m.parent(r); parent != "" {
				r.SetManagedBy(inventory.ManagedBy{Kind: KindService, Ref: parent})
				e.ManagedBy = r.ManagedBy()
				if ignored {
					m.res.Ignored++
					continue
				}
				m.res.Attributed = append(m.res.Attributed, e)
				continue
			}
			r.SetManagedBy(inventory.ManagedBy{Kind: KindNone})
			e.ManagedBy = r.ManagedBy()
			if ignored {
				m.res.Ignored++
				continue
			}
			m.res.Unmanaged = append(m.res.Unmanaged, e)
		}
	}
}

// distinctPlaces lists where a resource is declared. Two addresses in one
// state count as two places: an aws_lb and an aws_alb for one load
// balancer fight just as two states do.
func distinctPlaces(cl []claim) []Place {
	seen := map[Place]bool{}
	var out []Place
	for _, c := range cl {
		if !seen[c.place] {
			seen[c.place] = true
			out = append(out, c.place)
		}
	}
	return out
}

// parent is the resource an AWS service made r for, or "".
func (m *matcher) parent(r *inventory.Resource) string {
	switch r.Type {
	case "AWS::EC2::Instance":
		name, _ := r.Attrs.Value("asg_name").(string)
		if name == "" {
			name = r.Tags.Value(tagASG)
		}
		if name != "" {
			for _, rel := range r.Relations {
				if rel.Kind == inventory.RelMemberOf && strings.Contains(rel.Target, ":autoScalingGroup:") {
					return rel.Target
				}
			}
			if i, ok := m.byID[typeID{"AWS::AutoScaling::AutoScalingGroup", name}]; ok {
				return m.rs[i].ARN
			}
			return "autoscaling:" + name
		}
	case "AWS::EC2::Volume":
		for _, rel := range r.Relations {
			if rel.Kind == inventory.RelAttachedTo {
				return rel.Target
			}
		}
	case "AWS::EC2::Snapshot":
		if manual, ok := r.Attrs.Value("manual").(bool); ok && !manual {
			return relTarget(r, inventory.RelSnapshotOf, "aws-backup")
		}
	case "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot":
		if r.Attrs.Value("snapshot_type") == "automated" {
			return relTarget(r, inventory.RelSnapshotOf, "rds")
		}
	case "AWS::Logs::LogGroup":
		if fn, ok := strings.CutPrefix(r.ID, "/aws/lambda/"); ok {
			arn := "arn:aws:lambda:" + r.Region + ":" + r.Account + ":function:" + fn
			if p, _, _, _, _, ok := arnParts(r.ARN); ok {
				arn = "arn:" + p + ":lambda:" + r.Region + ":" + r.Account + ":function:" + fn
			}
			if _, ok := m.byARN[arn]; ok {
				return arn
			}
		}
	case "AWS::ECS::TaskDefinition":
		// Terraform keeps only the latest revision; older ones of a managed
		// family are its history.
		if m.families == nil {
			m.families = map[[3]string]string{}
			for i := range m.rs {
				o := &m.rs[i]
				if f, _ := o.Attrs.Value("family").(string); o.Type == r.Type && f != "" && len(m.claims[i]) > 0 {
					m.families[[3]string{o.Account, o.Region, f}] = o.ARN
				}
			}
		}
		family, _ := r.Attrs.Value("family").(string)
		if family != "" {
			return m.families[[3]string{r.Account, r.Region, family}]
		}
	}
	return ""
}

func relTarget(r *inventory.Resource, kind, fallback string) string {
	for _, rel := range r.Relations {
		if rel.Kind == kind {
			return rel.Target
		}
	}
	return fallback
}

func (m *matcher) entry(r *inventory.Resource, now time.Time) Entry {
	e := Entry{
		ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, ID: r.ID, Name: r.Name,
		Tags: r.Tags.Map(), Creator: r.Creator(), Created: r.Created, MonthlyCost: r.MonthlyCost,
	}
	e.System, _ = r.Tag("system")
	e.Env, _ = r.Tag("env")
	if !r.Created.IsZero() && !now.IsZero() && now.After(r.Created) {
		e.AgeDays = int(now.Sub(r.Created).Hours() / 24)
	}
	return e
}

// stateTags reads the tags map of a state instance (Terraform 0.12+) or
// its flattened form (0.11: tags.Name).
func stateTags(attrs map[string]any) map[string]string {
	out := map[string]string{}
	if t, ok := attrs["tags"].(map[string]any); ok {
		for k, v := range t {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	for k, v := range attrs {
		if tk, ok := strings.CutPrefix(k, "tags."); ok && tk != "%" {
			if s, ok := v.(string); ok {
				out[tk] = s
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func tagFold(tags map[string]string, key string) string {
	r := inventory.Resource{Tags: inventory.TagsOf(tags)}
	v, _ := r.Tag(key)
	return v
}

// coverageIndex answers whether a scan read an account, region and service.
type coverageIndex map[[3]string]bool

func newCoverageIndex(rows []inventory.Coverage) coverageIndex {
	idx := coverageIndex{}
	for _, c := range rows {
		k := [3]string{c.Account, c.Region, c.Service}
		ok, seen := idx[k]
		idx[k] = c.OK && (ok || !seen)
	}
	return idx
}

// covered: region "" (S3 buckets, which ARNs do not place) is covered when
// every row of the account and service read ok and there is one.
func (c coverageIndex) covered(account, region, service string) bool {
	if region != "" {
		if ok, seen := c[[3]string{account, region, service}]; seen {
			return ok
		}
		return c[[3]string{account, "global", service}] || c[[3]string{account, "", service}]
	}
	any := false
	for k, ok := range c {
		if k[0] == account && k[2] == service {
			if !ok {
				return false
			}
			any = true
		}
	}
	return any
}

func (res *Result) tally() {
	acct, sys, typ := map[string]*Ratio{}, map[string]*Ratio{}, map[string]*Ratio{}
	add := func(e *Entry, f func(*Ratio)) {
		f(&res.Total)
		for _, g := range []struct {
			m   map[string]*Ratio
			key string
		}{{acct, e.Account}, {sys, orNone(e.System)}, {typ, e.Type}} {
			r := g.m[g.key]
			if r == nil {
				r = &Ratio{Key: g.key}
				g.m[g.key] = r
			}
			f(r)
		}
	}
	for i := range res.Managed {
		add(&res.Managed[i], func(r *Ratio) { r.Managed++ })
	}
	for i := range res.Unmanaged {
		add(&res.Unmanaged[i], func(r *Ratio) { r.Unmanaged++ })
	}
	for i := range res.Missing {
		add(&res.Missing[i], func(r *Ratio) { r.Missing++ })
	}
	res.Total.Key = "total"
	res.Total.finish()
	res.ByAccount, res.BySystem, res.ByType = sortedRatios(acct), sortedRatios(sys), sortedRatios(typ)
	for _, l := range [][]Entry{res.Managed, res.Unmanaged, res.Missing, res.Attributed} {
		sort.SliceStable(l, func(i, j int) bool { return entryLess(&l[i], &l[j]) })
	}
	sort.Slice(res.Duplicates, func(i, j int) bool { return res.Duplicates[i].ARN < res.Duplicates[j].ARN })
}

// noneKey is the group of resources with no system tag; the tables say
// it in the reader's language.
const noneKey = "(none)"

func orNone(s string) string {
	if s == "" {
		return noneKey
	}
	return s
}

func sortedRatios(m map[string]*Ratio) []Ratio {
	out := make([]Ratio, 0, len(m))
	for _, r := range m {
		r.finish()
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func entryLess(a, b *Entry) bool {
	if a.Account != b.Account {
		return a.Account < b.Account
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.ARN < b.ARN
}

// String is "72.5% (29 managed, 8 unmanaged, 3 missing)".
func (r Ratio) String() string {
	return fmt.Sprintf("%.1f%% (%d managed, %d unmanaged, %d missing)", r.Percent, r.Managed, r.Unmanaged, r.Missing)
}
