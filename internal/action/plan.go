package action

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// Verb is what a change does to a resource.
type Verb string

const (
	Stop  Verb = "stop"
	Start Verb = "start"
)

// inverse is the verb that undoes v.
func (v Verb) inverse() (Verb, bool) {
	switch v {
	case Stop:
		return Start, true
	case Start:
		return Stop, true
	case Mark:
		return Unmark, true
	case Unmark:
		return Mark, true
	}
	return "", false
}

// Resource types steward can act on.
const (
	TypeECSService = "AWS::ECS::Service"
	TypeDBInstance = "AWS::RDS::DBInstance"
	TypeDBCluster  = "AWS::RDS::DBCluster"
	TypeInstance   = "AWS::EC2::Instance"
	TypeASG        = "AWS::AutoScaling::AutoScalingGroup"
	TypeEventsRule = "AWS::Events::Rule"
)

// Types are the resource types with a target, in stop order: services
// (those behind a load balancer, then workers), instances, the
// EventBridge rules of scheduled tasks, databases last.
var Types = []string{TypeECSService, TypeASG, TypeInstance, TypeEventsRule, TypeDBInstance, TypeDBCluster}

// Ref names one resource a change applies to. Account, region and native
// id come from the ARN.
type Ref struct {
	ARN  string `json:"arn"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
	// Cluster is an ECS service's cluster (also in a new-format ARN).
	Cluster string `json:"cluster,omitempty"`
	// Worker: an ECS service behind no load balancer, stopped after the
	// services that take traffic and started before them.
	Worker bool `json:"worker,omitempty"`
	// Count is the desired count a start sets on an ECS service that has
	// no saved count (a bastion kept at 0: 1).
	Count int32 `json:"count,omitempty"`
	// AccountID is the account when the ARN has none (EBS snapshots).
	AccountID string `json:"account,omitempty"`
}

// arnParts splits arn:partition:service:region:account:resource.
func (r Ref) arnParts() (region, account, resource string, err error) {
	p := strings.SplitN(r.ARN, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", "", "", fmt.Errorf("%q is not an ARN", r.ARN)
	}
	return p[3], p[4], p[5], nil
}

// Region is the resource's region.
func (r Ref) Region() string { reg, _, _, _ := r.arnParts(); return reg }

// Account is the resource's account.
func (r Ref) Account() string {
	if r.AccountID != "" {
		return r.AccountID
	}
	_, a, _, _ := r.arnParts()
	return a
}

// Change is one change of a plan.
type Change struct {
	ID string `json:"id"`
	Ref
	Action Verb `json:"action"`
	// Before and After are what the change does, as people read it.
	Before map[string]string `json:"before"`
	After  map[string]string `json:"after"`
	Why    string            `json:"why"`
	// Warnings are what a person should know before applying, such as
	// an IaC definition that would undo the change at its next deploy.
	Warnings []string `json:"warnings,omitempty"`
	// Recorded is the state of the resource the plan was made from; apply
	// refuses the plan when the resource is no longer in it.
	Recorded map[string]string `json:"recorded"`
}

// Skip is a resource a plan leaves alone, and why.
type Skip struct {
	Ref
	Reason string `json:"reason"`
}

// Plan is the exact list of changes an apply makes, nothing else.
type Plan struct {
	Format  int       `json:"format"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// AsOf is the instant the plan was made for (a schedule evaluated at
	// --at); Created is when it was made.
	AsOf    time.Time `json:"as_of"`
	Changes []Change  `json:"changes"`
	Skipped []Skip    `json:"skipped,omitempty"`
	// Overrides are the timed overrides in force at AsOf.
	Overrides []schedule.Override `json:"overrides,omitempty"`
}

// planFormat is the version of the plan file; a file of another version is
// refused rather than half-understood.
const planFormat = 1

// Write saves the plan as JSON.
func (p *Plan) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// ReadPlan reads a plan written by Write and checks it is complete, so an
// edited or truncated file is refused before anything runs.
func ReadPlan(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if dec.More() {
		return nil, i18n.Say("action.err.plan.json").Err()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks every field an apply relies on and names the first
// missing or wrong one.
func (p *Plan) Validate() error {
	if p.Format != planFormat {
		return i18n.Say("action.err.plan.format", p.Format, planFormat).Err()
	}
	if p.ID == "" || p.Created.IsZero() || p.AsOf.IsZero() {
		return i18n.Say("action.err.plan.ids").Err()
	}
	ids := map[string]bool{}
	for i, c := range p.Changes {
		switch {
		case c.ID == "":
			return i18n.Say("action.err.plan.noid", i).Err()
		case ids[c.ID]:
			return i18n.Say("action.err.plan.twice", i, c.ID).Err()
		case !slices.Contains(Types, c.Type) && !CanClean(c.Type):
			return i18n.Say("action.err.plan.type", i, c.Type, strings.Join(append(slices.Clone(Types), CleanupTypes...), ", ")).Err()
		case !verbAllowed(c.Type, c.Action):
			return i18n.Say("action.err.plan.verb", i, string(c.Action), c.Type, strings.Join(Types, ", "), strings.Join(CleanupTypes, ", "), strings.Join(snapshotTypes, ", ")).Err()
		case c.Recorded == nil:
			return i18n.Say("action.err.plan.recorded", i).Err()
		}
		if _, _, _, err := c.arnParts(); err != nil {
			return fmt.Errorf("plan: changes[%d]: arn: %w", i, err)
		}
		ids[c.ID] = true
	}
	return nil
}

// Drift is how a resource differs from the state a plan recorded.
type Drift struct {
	Ref
	Diffs []i18n.Phrase `json:"diffs"`
}

func (d Drift) String() string { return d.Phrase().In(i18n.EN) }

// Phrase is the drift for people: the resource, then each key that
// differs.
func (d Drift) Phrase() i18n.Phrase {
	return i18n.Say("action.drift", nameOr(d.Ref), d.ARN, d.Diffs)
}

// diff lists the keys whose values differ, as "key: was -> now".
func diff(recorded, now map[string]string) []i18n.Phrase {
	keys := slices.Sorted(maps.Keys(recorded))
	for k := range now {
		if _, ok := recorded[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []i18n.Phrase
	none := i18n.Say("action.drift.none")
	for _, k := range slices.Compact(keys) {
		a, aok := recorded[k]
		b, bok := now[k]
		switch {
		case aok && bok && a == b:
		case !aok:
			out = append(out, i18n.Say("action.drift.diff", k, none, b))
		case !bok:
			out = append(out, i18n.Say("action.drift.diff", k, a, none))
		default:
			out = append(out, i18n.Say("action.drift.diff", k, a, b))
		}
	}
	return out
}

func nameOr(r Ref) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ARN
}

// order sorts changes: stops of services, then workers, then scheduled
// tasks, then databases; starts the other way round, so a database is up
// before what uses it.
func order(cs []Change) {
	rank := func(c Change) int {
		i := 2 * slices.Index(Types, c.Type)
		if c.Worker {
			i++
		}
		if c.Action == Start {
			i = 2*len(Types) - i
		}
		return i
	}
	slices.SortStableFunc(cs, func(a, b Change) int {
		if a.Action != b.Action { // stops first: they free what starts may need
			if a.Action == Stop {
				return -1
			}
			return 1
		}
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a.ARN, b.ARN)
	})
}
