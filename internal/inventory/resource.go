package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/quote"
)

// Resource is one cloud object. Its key is the ARN.
type Resource struct {
	ARN     string `json:"arn"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Type is the CloudFormation type name, as AWS Config uses them
	// (AWS::EC2::Instance). See types.go for the types steward knows.
	Type string `json:"type"`
	// ID is the native identifier (i-0abc..., vol-..., the bucket name).
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	Tags    Tags      `json:"tags,omitzero"`
	Created time.Time `json:"created,omitzero"`
	// State is the lifecycle state in the service's own words, lower case
	// (running, stopped, available, in-use ...). Empty when the type has none.
	State string `json:"state,omitempty"`
	// Attrs is the normalized describe output. Values are JSON values only:
	// string, float64, bool, nil, []any, map[string]any. Keys are snake_case
	// and documented per type in types.go.
	Attrs     Attrs      `json:"attrs,omitzero"`
	Relations []Relation `json:"relations,omitempty"`
	// Origin is what IaC sources and CloudTrail say of the resource, nil
	// when they say nothing: most resources of most scans, which then
	// spend 8 bytes on it rather than 56. Read it through ManagedBy and
	// Creator, change it through SetManagedBy and SetCreator: copies of a
	// resource share it. Its fields are the resource's in JSON
	// ("managed_by", "creator").
	*Origin
	// MonthlyCost is an estimate in USD per month; 0 when unknown.
	MonthlyCost float64 `json:"monthly_cost,omitempty"`
}

// Relation is a typed edge from a resource to another, by ARN.
type Relation struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

// Relation kinds. An edge points from the dependent to what it depends on.
const (
	RelAttachedTo = "attached-to" // volume -> instance, EIP -> instance, target group -> load balancer
	RelTargetOf   = "target-of"   // instance -> target group or classic load balancer
	RelInSubnet   = "in-subnet"   // instance, NAT gateway, DB instance -> subnet
	RelInVPC      = "in-vpc"      // subnet, security group -> VPC
	RelUsesSG     = "uses-sg"     // instance, DB, load balancer, service -> security group
	RelInCluster  = "in-cluster"  // ECS service -> ECS cluster
	RelMemberOf   = "member-of"   // DB instance -> Aurora cluster, instance -> ASG
	RelUses       = "uses"        // ECS service -> task definition, function -> role
	RelSnapshotOf = "snapshot-of" // EBS/RDS snapshot -> volume/DB
)

// ManagedBy says which infrastructure-as-code tool manages a resource.
// The zero value means "not yet known" (no IaC source was read); Kind "none"
// means sources were read and none manages it.
type ManagedBy struct {
	Kind   string `json:"kind,omitempty"`   // terraform, cloudformation, service, none
	Ref    string `json:"ref,omitempty"`    // Terraform address, stack name, parent ARN
	Source string `json:"source,omitempty"` // state file, stack ARN
}

// Origin holds the fields of a resource that only some resources have.
// It is shared by the copies of a resource: never changed once a resource
// points at it.
type Origin struct {
	ManagedBy ManagedBy `json:"managed_by,omitzero"`
	Creator   *Creator  `json:"creator,omitempty"`
}

// ManagedBy says which infrastructure-as-code tool manages the resource;
// the zero value when not yet known.
func (r *Resource) ManagedBy() ManagedBy {
	if r.Origin == nil {
		return ManagedBy{}
	}
	return r.Origin.ManagedBy
}

// Creator is who made the resource, from CloudTrail; nil when not known.
func (r *Resource) Creator() *Creator {
	if r.Origin == nil {
		return nil
	}
	return r.Origin.Creator
}

// SetManagedBy records which tool manages the resource.
func (r *Resource) SetManagedBy(m ManagedBy) {
	o := r.origin()
	o.ManagedBy = m
	r.setOrigin(o)
}

// SetCreator records who made the resource (nil: not known).
func (r *Resource) SetCreator(c *Creator) {
	o := r.origin()
	o.Creator = c
	r.setOrigin(o)
}

// NewOrigin is an Origin of m and c, nil when both are zero, for
// resources written as literals.
func NewOrigin(m ManagedBy, c *Creator) *Origin {
	if m == (ManagedBy{}) && c == nil {
		return nil
	}
	return &Origin{ManagedBy: m, Creator: c}
}

func (r *Resource) origin() Origin {
	if r.Origin == nil {
		return Origin{}
	}
	return *r.Origin
}

// setOrigin points r at a new Origin (nil when o says nothing), leaving
// the one its copies share as it was.
func (r *Resource) setOrigin(o Origin) {
	switch o {
	case Origin{}:
		r.Origin = nil
	case unmanaged:
		r.Origin = &unmanaged
	default:
		r.Origin = &o
	}
}

// unmanaged is the one Origin of the resources IaC sources were read for
// and none manages: every such resource of a scan points at it.
var unmanaged = Origin{ManagedBy: ManagedBy{Kind: "none"}}

// Creator is who made a resource and how, from CloudTrail.
type Creator struct {
	Principal string    `json:"principal,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	Via       string    `json:"via,omitempty"` // console, cloudformation, terraform, cli, sdk, service, unknown
	At        time.Time `json:"at,omitzero"`
}

// Tag returns the value of a tag, matching the key exactly first and then
// case-insensitively (teams write Env, env and ENV for the same thing).
func (r *Resource) Tag(key string) (string, bool) {
	if v, ok := r.Tags.Get(key); ok {
		return v, true
	}
	for k, v := range r.Tags.All() {
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return v, true
		}
	}
	return "", false
}

// AWSDefault reports whether AWS made the resource itself rather than
// somebody in the account: the default VPC of a region, its default
// subnets and the default security group every VPC gets. Nobody chose
// their names or tags, so naming and tagging rules do not hold them; what
// matters about them (a default group that allows traffic, a default VPC
// nothing uses) is checked by policies of their own.
func (r *Resource) AWSDefault() bool {
	var key string
	switch r.Type {
	case "AWS::EC2::VPC", "AWS::EC2::SecurityGroup":
		key = "is_default"
	case "AWS::EC2::Subnet":
		key = "default_for_az"
	default:
		return false
	}
	b, _ := r.Attrs.Value(key).(bool)
	return b
}

// Service is the coverage service of the resource's type (see ServiceOf).
func (r *Resource) Service() string { return ServiceOf(r.Type) }

// Validate checks the fields every resource must carry.
func (r *Resource) Validate() error {
	switch {
	case r.ARN == "":
		return fmt.Errorf("arn is empty")
	case r.Type == "":
		return fmt.Errorf("%s: type is empty", quote.Clip(r.ARN))
	case !KnownType(r.Type):
		return fmt.Errorf("%s: unknown resource type %s (known: %s)", quote.Clip(r.ARN), quote.Value(r.Type), strings.Join(TypeNames(), ", "))
	case r.Account == "":
		return fmt.Errorf("%s: account is empty", quote.Clip(r.ARN))
	}
	for i, rel := range r.Relations {
		if rel.Kind == "" || rel.Target == "" {
			return fmt.Errorf("%s: relations[%d]: kind and target are required", quote.Clip(r.ARN), i)
		}
	}
	return nil
}

// Hash is a content hash of the resource: equal resources hash equal, so a
// store keeps one copy per version and history is a comparison of hashes.
// JSON of maps is key-sorted, and relations are sorted first, so the hash
// does not depend on collection order.
func (r *Resource) Hash() string {
	_, h, err := r.encode(false)
	if err != nil {
		// Attrs hold JSON values only; a marshal failure is a programming error.
		panic(fmt.Sprintf("inventory: hash %s: %v", r.ARN, err))
	}
	return h
}

// Encode is the resource's JSON, as a store keeps it, with its Hash. The
// hash is that of this JSON when the relations are already in order (the
// usual case: one encoding serves both), else of the JSON with them
// sorted.
func (r *Resource) Encode() (body []byte, hash string, err error) {
	return r.encode(true)
}

// encode returns the JSON when keep is set (else nil) and the hash.
func (r *Resource) encode(keep bool) ([]byte, string, error) {
	b, err := r.appendJSON(make([]byte, 0, 512))
	if err != nil {
		return nil, "", fmt.Errorf("encode %s: %w", r.ARN, err)
	}
	canonical := b
	if !relationsSorted(r.Relations) {
		c := *r
		c.Relations = append([]Relation(nil), c.Relations...)
		sort.Slice(c.Relations, func(i, j int) bool { return relationLess(c.Relations[i], c.Relations[j]) })
		if canonical, err = c.appendJSON(nil); err != nil {
			return nil, "", fmt.Errorf("encode %s: %w", r.ARN, err)
		}
	}
	sum := sha256.Sum256(canonical)
	if !keep {
		b = nil
	}
	return b, hex.EncodeToString(sum[:16]), nil
}

func relationLess(a, b Relation) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Target < b.Target
}

func relationsSorted(rs []Relation) bool {
	for i := 1; i < len(rs); i++ {
		if relationLess(rs[i], rs[i-1]) {
			return false
		}
	}
	return true
}

// ServiceOf maps a type name to the service name used in coverage rows:
// the lower-cased middle segment (AWS::EC2::Instance -> ec2). Collectors use
// the same names, so a gap in coverage can be matched to the resources it hides.
func ServiceOf(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) != 3 {
		return strings.ToLower(typ)
	}
	if parts[1] == "" {
		return "account"
	}
	return strings.ToLower(parts[1])
}
