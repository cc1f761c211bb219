package bench

import (
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/pricing"
)

// goRule is one built-in policy written by hand.
type goRule struct {
	id    string
	types []string
	where func(x *goEval, r *inventory.Resource) bool
	waste func(x *goEval, r *inventory.Resource) float64
}

// goEval is what the hand-written rules share: options and the indexes
// the CEL engine also builds.
type goEval struct {
	now      time.Time
	rule     naming.Rule
	required map[string][]string
	keys     []string
	rs       []inventory.Resource
	byARN    map[string]int
	refs     map[string][]int
}

func (x *goEval) index() {
	x.byARN = make(map[string]int, len(x.rs))
	x.refs = map[string][]int{}
	for i := range x.rs {
		x.byARN[x.rs[i].ARN] = i
		for _, rel := range x.rs[i].Relations {
			x.refs[rel.Target] = append(x.refs[rel.Target], i)
		}
	}
}

func (x *goEval) referrers(r *inventory.Resource, kind string) []*inventory.Resource {
	var out []*inventory.Resource
	for _, i := range x.refs[r.ARN] {
		for _, rel := range x.rs[i].Relations {
			if rel.Kind == kind && rel.Target == r.ARN {
				out = append(out, &x.rs[i])
				break
			}
		}
	}
	return out
}

func (x *goEval) related(r *inventory.Resource, kind string) []*inventory.Resource {
	var out []*inventory.Resource
	for _, rel := range r.Relations {
		if rel.Kind == kind {
			if i, ok := x.byARN[rel.Target]; ok {
				out = append(out, &x.rs[i])
			}
		}
	}
	return out
}

func str(r *inventory.Resource, k string) (string, bool) { s, ok := r.Attrs[k].(string); return s, ok }
func num(r *inventory.Resource, k string) (float64, bool) {
	f, ok := r.Attrs[k].(float64)
	return f, ok
}
func isFalse(r *inventory.Resource, k string) bool { b, ok := r.Attrs[k].(bool); return ok && !b }
func isTrue(r *inventory.Resource, k string) bool  { b, ok := r.Attrs[k].(bool); return ok && b }

func price(r *inventory.Resource) float64 {
	if usd, ok := pricing.Estimate(r); ok {
		return usd
	}
	return r.MonthlyCost
}

func days(n float64) time.Duration { return time.Duration(n * 24 * float64(time.Hour)) }

func (x *goEval) since(r *inventory.Resource, k string) (time.Duration, bool) {
	s, ok := str(r, k)
	if !ok || s == "" {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, false
	}
	return x.now.Sub(t), true
}

func hasTag(r *inventory.Resource, k string) bool {
	v, ok := r.Tag(k)
	return ok && strings.TrimSpace(v) != ""
}

func (x *goEval) missing(r *inventory.Resource) bool {
	for _, k := range x.keys {
		if !hasTag(r, k) {
			return true
		}
	}
	return false
}

func (x *goEval) invalid(r *inventory.Resource) bool {
	for _, k := range x.keys {
		v, ok := r.Tag(k)
		v = strings.TrimSpace(v)
		if ok && v != "" && len(x.required[k]) > 0 && !slices.Contains(x.required[k], v) {
			return true
		}
	}
	return false
}

func worldOpen(r *inventory.Resource, ports []float64) bool {
	rules, _ := r.Attrs["ingress"].([]any)
	for _, p := range ports {
		for _, v := range rules {
			m, _ := v.(map[string]any)
			cidr, _ := m["cidr"].(string)
			if cidr != "0.0.0.0/0" && cidr != "::/0" {
				continue
			}
			proto, _ := m["protocol"].(string)
			if proto == "-1" || proto == "all" {
				return true
			}
			if proto != "tcp" && proto != "6" {
				continue
			}
			from, _ := m["from_port"].(float64)
			to, _ := m["to_port"].(float64)
			if p >= from && p <= to {
				return true
			}
		}
	}
	return false
}

const (
	alb = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	clb = "AWS::ElasticLoadBalancing::LoadBalancer"
	acr = "Steward::Account::Region"
)

var named = []string{"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::EIP", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", alb, "AWS::ElasticLoadBalancingV2::TargetGroup", clb, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::Lambda::Function", "AWS::ECR::Repository", "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFront::Distribution", "AWS::CloudTrail::Trail"}

var taggable = []string{"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::Snapshot", "AWS::EC2::EIP", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", alb, "AWS::ElasticLoadBalancingV2::TargetGroup", clb, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::Lambda::Function", "AWS::ECR::Repository", "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFront::Distribution"}

func priceOf(_ *goEval, r *inventory.Resource) float64 { return price(r) }

func regionFlag(k string) func(*goEval, *inventory.Resource) bool {
	return func(_ *goEval, r *inventory.Resource) bool { return isFalse(r, k) }
}

// goRules are the built-in packs, by hand.
var goRules = []goRule{
	{"naming-rule", named, func(x *goEval, r *inventory.Resource) bool { return r.Name != "" && !x.rule.Match(r.Name) }, nil},
	{"naming-no-name-tag", named, func(x *goEval, r *inventory.Resource) bool { return r.Name == "" && !hasTag(r, "Name") }, nil},
	{"tagging-missing", taggable, func(x *goEval, r *inventory.Resource) bool { return x.missing(r) }, nil},
	{"tagging-invalid-value", taggable, func(x *goEval, r *inventory.Resource) bool { return x.invalid(r) }, nil},
	{"lb-no-targets", []string{alb, clb}, func(x *goEval, r *inventory.Resource) bool {
		if r.Created.IsZero() || x.now.Sub(r.Created) <= days(7) {
			return false
		}
		if r.Type == clb {
			l, ok := r.Attrs["instances"].([]any)
			return ok && len(l) == 0
		}
		for _, tg := range x.referrers(r, "attached-to") {
			l, ok := tg.Attrs["targets"].([]any)
			if !ok || len(l) > 0 {
				return false
			}
		}
		return true
	}, priceOf},
	{"lb-targets-down", []string{alb, clb}, func(x *goEval, r *inventory.Resource) bool {
		if r.Type == clb {
			l, ok := r.Attrs["instances"].([]any)
			if !ok || len(l) == 0 {
				return false
			}
			for _, v := range l {
				if m, _ := v.(map[string]any); m["state"] == "InService" {
					return false
				}
			}
			return true
		}
		tgs := x.referrers(r, "attached-to")
		some := false
		for _, tg := range tgs {
			l, ok := tg.Attrs["targets"].([]any)
			if !ok {
				continue
			}
			if len(l) > 0 {
				some = true
			}
			for _, v := range l {
				m, _ := v.(map[string]any)
				if m["health"] != "healthy" {
					continue
				}
				stopped := false
				for _, i := range x.referrers(tg, "target-of") {
					if i.ID == m["id"] && i.State == "stopped" {
						stopped = true
					}
				}
				if !stopped {
					return false
				}
			}
		}
		return some
	}, priceOf},
	{"ebs-unattached", []string{"AWS::EC2::Volume"}, func(x *goEval, r *inventory.Resource) bool {
		return r.State == "available" && !r.Created.IsZero() && x.now.Sub(r.Created) > days(7)
	}, priceOf},
	{"eip-unassociated", []string{"AWS::EC2::EIP"}, func(x *goEval, r *inventory.Resource) bool {
		s, ok := str(r, "association_id")
		return ok && s == ""
	}, priceOf},
	{"ec2-stopped-long", []string{"AWS::EC2::Instance"}, func(x *goEval, r *inventory.Resource) bool {
		d, ok := x.since(r, "stopped_at")
		return r.State == "stopped" && ok && d > days(30)
	}, func(x *goEval, r *inventory.Resource) float64 {
		t := 0.0
		for _, v := range x.referrers(r, "attached-to") {
			t += price(v)
		}
		return t
	}},
	{"rds-idle", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, r *inventory.Resource) bool {
		_, member := r.Attrs["cluster_id"]
		mx, ok1 := num(r, "connections_max")
		lb, ok2 := num(r, "connections_lookback_days")
		return r.State == "available" && !member && ok1 && ok2 && lb >= 30 && mx == 0
	}, priceOf},
	{"rds-stopped-long", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, r *inventory.Resource) bool {
		d, ok := x.since(r, "stopped_at")
		return r.State == "stopped" && ok && d > days(30)
	}, priceOf},
	{"snapshot-old", []string{"AWS::EC2::Snapshot", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"}, func(x *goEval, r *inventory.Resource) bool {
		manual := isTrue(r, "manual")
		if r.Type != "AWS::EC2::Snapshot" {
			s, _ := str(r, "snapshot_type")
			manual = s == "manual"
		}
		return manual && !r.Created.IsZero() && x.now.Sub(r.Created) > days(365)
	}, priceOf},
	{"logs-no-retention", []string{"AWS::Logs::LogGroup"}, func(x *goEval, r *inventory.Resource) bool {
		d, ok := num(r, "retention_days")
		return ok && d == 0
	}, nil},
	{"logs-large", []string{"AWS::Logs::LogGroup"}, func(x *goEval, r *inventory.Resource) bool {
		b, ok := num(r, "stored_bytes")
		return ok && b > 1024*1e9
	}, priceOf},
	{"nat-idle", []string{"AWS::EC2::NatGateway"}, func(x *goEval, r *inventory.Resource) bool {
		b, ok := num(r, "bytes_out_14d")
		return r.State == "available" && !r.Created.IsZero() && x.now.Sub(r.Created) > days(14) && ok && b < 1e8
	}, priceOf},
	{"ebs-gp2", []string{"AWS::EC2::Volume"}, func(x *goEval, r *inventory.Resource) bool {
		s, _ := str(r, "volume_type")
		return s == "gp2"
	}, func(x *goEval, r *inventory.Resource) float64 { s, _ := pricing.GP3Savings(r); return s }},
	{"ec2-previous-generation", []string{"AWS::EC2::Instance"}, func(x *goEval, r *inventory.Resource) bool {
		s, ok := str(r, "instance_type")
		return r.State != "terminated" && ok && pricing.PreviousGeneration(s)
	}, func(x *goEval, r *inventory.Resource) float64 { s, _ := pricing.CurrentGenerationSavings(r); return s }},
	{"s3-public-access-block", []string{"AWS::S3::Bucket"}, func(x *goEval, r *inventory.Resource) bool { return isFalse(r, "public_access_block") }, nil},
	{"s3-public-policy", []string{"AWS::S3::Bucket"}, func(x *goEval, r *inventory.Resource) bool { return isTrue(r, "policy_public") }, nil},
	{"s3-public-acl", []string{"AWS::S3::Bucket"}, func(x *goEval, r *inventory.Resource) bool { return isTrue(r, "acl_public") }, nil},
	{"s3-no-encryption", []string{"AWS::S3::Bucket"}, func(x *goEval, r *inventory.Resource) bool {
		s, ok := str(r, "encryption")
		return ok && s == ""
	}, nil},
	{"rds-unencrypted", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, r *inventory.Resource) bool { return isFalse(r, "storage_encrypted") }, nil},
	{"rds-public", []string{"AWS::RDS::DBInstance"}, func(x *goEval, r *inventory.Resource) bool { return isTrue(r, "publicly_accessible") }, nil},
	{"sg-open-admin", []string{"AWS::EC2::SecurityGroup"}, func(x *goEval, r *inventory.Resource) bool { return worldOpen(r, []float64{22, 3389}) }, nil},
	{"sg-open-database", []string{"AWS::EC2::SecurityGroup"}, func(x *goEval, r *inventory.Resource) bool {
		return worldOpen(r, []float64{3306, 5432, 1433, 1521, 6379, 27017, 5439})
	}, nil},
	{"db-public-subnet", []string{"AWS::RDS::DBInstance"}, func(x *goEval, r *inventory.Resource) bool {
		for _, s := range x.related(r, "in-subnet") {
			if isTrue(s, "public") {
				return true
			}
		}
		return false
	}, nil},
	{"guardduty-disabled", []string{acr}, regionFlag("guardduty_enabled"), nil},
	{"securityhub-disabled", []string{acr}, regionFlag("securityhub_enabled"), nil},
	{"inspector-disabled", []string{acr}, regionFlag("inspector_enabled"), nil},
	{"cloudtrail-disabled", []string{acr}, regionFlag("cloudtrail_enabled"), nil},
	{"config-disabled", []string{acr}, regionFlag("config_recorder_enabled"), nil},
	{"lb-no-access-logs", []string{alb, clb}, func(x *goEval, r *inventory.Resource) bool { return isFalse(r, "access_logs_enabled") }, nil},
	{"iam-user-no-mfa", []string{"AWS::IAM::User"}, func(x *goEval, r *inventory.Resource) bool {
		return isTrue(r, "console_access") && isFalse(r, "mfa_enabled")
	}, nil},
	{"root-no-mfa", []string{"AWS::::Account"}, func(x *goEval, r *inventory.Resource) bool { return isFalse(r, "root_mfa_enabled") }, nil},
	{"iam-access-key-old", []string{"AWS::IAM::User"}, func(x *goEval, r *inventory.Resource) bool {
		d, ok := num(r, "access_key_max_age_days")
		return ok && d > 90
	}, nil},
	{"cloudfront-no-waf", []string{"AWS::CloudFront::Distribution"}, func(x *goEval, r *inventory.Resource) bool {
		s, ok := str(r, "web_acl_id")
		return ok && s == ""
	}, nil},
}

// goFinding is what the hand-written engine produces per match.
type goFinding struct {
	Policy, ARN string
	Waste       float64
}

// evaluateGo runs goRules over rs on one goroutine per worker, indexed by
// type like the CEL engine.
func evaluateGo(now time.Time, rule naming.Rule, required map[string][]string, rs []inventory.Resource, workers int) []goFinding {
	x := &goEval{now: now, rule: rule, required: required, rs: rs}
	for k := range required {
		x.keys = append(x.keys, k)
	}
	slices.Sort(x.keys)
	x.index()
	byType := map[string][]*goRule{}
	for i := range goRules {
		for _, t := range goRules[i].types {
			byType[t] = append(byType[t], &goRules[i])
		}
	}
	out := make([][]goFinding, workers)
	done := make(chan struct{})
	chunk := (len(rs) + workers - 1) / workers
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := w * chunk; i < min(len(rs), (w+1)*chunk); i++ {
				r := &rs[i]
				for _, g := range byType[r.Type] {
					if g.where(x, r) {
						f := goFinding{Policy: g.id, ARN: r.ARN}
						if g.waste != nil {
							f.Waste = g.waste(x, r)
						}
						out[w] = append(out[w], f)
					}
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	var all []goFinding
	for _, o := range out {
		all = append(all, o...)
	}
	return all
}
