//go:build gorules

package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/pricing"
)

// goRule is one built-in policy written by hand: the same where and waste
// as its CEL expressions, in plain Go; its message is in goMessages.
type goRule struct {
	id    string
	types []string
	where func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool
	waste func(x *goEval, env *policy.GoEnv, r *inventory.Resource) float64
}

// goEval is what the hand-written rules share: the options the CEL helper
// functions read. Relations come from the engine's own indexes through
// policy.GoEnv, as related() and referrers() read them.
type goEval struct {
	now      time.Time
	rule     naming.Rule
	required map[string][]string
	keys     []string
}

// handRules returns the hand-written rules as the engine takes them.
func handRules(now time.Time, rule naming.Rule, required map[string][]string) map[string]policy.GoRule {
	x := &goEval{now: now, rule: rule, required: required}
	for k := range required {
		x.keys = append(x.keys, k)
	}
	slices.Sort(x.keys)
	out := make(map[string]policy.GoRule, len(goRules))
	for i := range goRules {
		g := &goRules[i]
		msg := goMessages[g.id]
		rule := policy.GoRule{
			Where:   func(env *policy.GoEnv, r *inventory.Resource) bool { return g.where(x, env, r) },
			Message: func(env *policy.GoEnv, r *inventory.Resource) string { return msg(x, env, r) },
		}
		if g.waste != nil {
			rule.Waste = func(env *policy.GoEnv, r *inventory.Resource) float64 { return g.waste(x, env, r) }
		}
		out[g.id] = rule
	}
	return out
}

func str(r *inventory.Resource, k string) (string, bool) {
	s, ok := r.Attrs.Value(k).(string)
	return s, ok
}
func num(r *inventory.Resource, k string) (float64, bool) {
	f, ok := r.Attrs.Value(k).(float64)
	return f, ok
}
func isFalse(r *inventory.Resource, k string) bool { b, ok := r.Attrs.Value(k).(bool); return ok && !b }
func isTrue(r *inventory.Resource, k string) bool  { b, ok := r.Attrs.Value(k).(bool); return ok && b }

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

// openPorts returns the ports of want that a security group's ingress opens
// to the internet over TCP or all protocols.
func openPorts(r *inventory.Resource, want []float64) []float64 {
	rules, _ := r.Attrs.Value("ingress").([]any)
	var open []float64
	for _, p := range want {
		for _, v := range rules {
			m, _ := v.(map[string]any)
			cidr, _ := m["cidr"].(string)
			if cidr != "0.0.0.0/0" && cidr != "::/0" {
				continue
			}
			proto, _ := m["protocol"].(string)
			if proto == "-1" || proto == "all" {
				open = append(open, p)
				break
			}
			if proto != "tcp" && proto != "6" {
				continue
			}
			from, _ := m["from_port"].(float64)
			to, _ := m["to_port"].(float64)
			if p >= from && p <= to {
				open = append(open, p)
				break
			}
		}
	}
	return open
}

const (
	targetGroup = "AWS::ElasticLoadBalancingV2::TargetGroup"
	alb         = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	clb         = "AWS::ElasticLoadBalancing::LoadBalancer"
	acr         = "Steward::Account::Region"
)

var named = []string{"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::EIP", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", alb, "AWS::ElasticLoadBalancingV2::TargetGroup", clb, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::Lambda::Function", "AWS::ECR::Repository", "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFront::Distribution", "AWS::CloudTrail::Trail"}

var taggable = []string{"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::EC2::Snapshot", "AWS::EC2::EIP", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", alb, "AWS::ElasticLoadBalancingV2::TargetGroup", clb, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::Lambda::Function", "AWS::ECR::Repository", "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFront::Distribution"}

func priceOf(_ *goEval, _ *policy.GoEnv, r *inventory.Resource) float64 { return price(r) }

func regionFlag(k string) func(*goEval, *policy.GoEnv, *inventory.Resource) bool {
	return func(_ *goEval, _ *policy.GoEnv, r *inventory.Resource) bool { return isFalse(r, k) }
}

// goRules are the built-in packs, by hand.
var goRules = []goRule{
	{"naming-rule", named, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return r.Name != "" && !r.AWSDefault() && !x.rule.Match(r.Name)
	}, nil},
	{"naming-no-name-tag", named, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return r.Name == "" && !r.AWSDefault() && !hasTag(r, "Name")
	}, nil},
	{"tagging-missing", taggable, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return !r.AWSDefault() && x.missing(r)
	}, nil},
	{"tagging-invalid-value", taggable, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool { return x.invalid(r) }, nil},
	{"lb-no-targets", []string{alb, clb}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		if r.Created.IsZero() || x.now.Sub(r.Created) <= days(7) {
			return false
		}
		if r.Type == clb {
			l, ok := r.Attrs.Value("instances").([]any)
			return ok && len(l) == 0
		}
		for _, tg := range env.Referrers(r, "attached-to") {
			if tg.Type != targetGroup {
				continue
			}
			l, ok := tg.Attrs.Value("targets").([]any)
			if !ok || len(l) > 0 {
				return false
			}
		}
		return true
	}, priceOf},
	{"lb-targets-down", []string{alb, clb}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		if r.Type == clb {
			l, ok := r.Attrs.Value("instances").([]any)
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
		tgs := env.Referrers(r, "attached-to")
		some := false
		for _, tg := range tgs {
			if tg.Type != targetGroup {
				continue
			}
			l, ok := tg.Attrs.Value("targets").([]any)
			if !ok {
				continue
			}
			if len(l) > 0 {
				some = true
			}
			for _, v := range l {
				m, _ := v.(map[string]any)
				// A target down by its health, when the health is known
				// (AWS Config records no health).
				if h, ok := m["health"]; ok && h != "healthy" {
					continue
				}
				stopped := false
				for _, i := range env.Referrers(tg, "target-of") {
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
	{"ebs-unattached", []string{"AWS::EC2::Volume"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return r.State == "available" && !r.Created.IsZero() && x.now.Sub(r.Created) > days(7)
	}, priceOf},
	{"eip-unassociated", []string{"AWS::EC2::EIP"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		s, ok := str(r, "association_id")
		return ok && s == ""
	}, priceOf},
	{"ec2-stopped-long", []string{"AWS::EC2::Instance"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		d, ok := x.since(r, "stopped_at")
		return r.State == "stopped" && ok && d > days(30)
	}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) float64 {
		t := 0.0
		for _, v := range env.Referrers(r, "attached-to") {
			t += price(v)
		}
		return t
	}},
	{"rds-idle", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		_, member := r.Attrs.Get("cluster_id")
		mx, ok1 := num(r, "connections_max")
		lb, ok2 := num(r, "connections_lookback_days")
		return r.State == "available" && !member && ok1 && ok2 && lb >= 30 && mx == 0
	}, priceOf},
	{"rds-stopped-long", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		d, ok := x.since(r, "stopped_at")
		return r.State == "stopped" && ok && d > days(30)
	}, priceOf},
	{"snapshot-old", []string{"AWS::EC2::Snapshot", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		manual := isTrue(r, "manual")
		if r.Type != "AWS::EC2::Snapshot" {
			s, _ := str(r, "snapshot_type")
			manual = s == "manual"
		}
		return manual && !r.Created.IsZero() && x.now.Sub(r.Created) > days(365)
	}, priceOf},
	{"logs-no-retention", []string{"AWS::Logs::LogGroup"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		d, ok := num(r, "retention_days")
		return ok && d == 0
	}, nil},
	{"logs-large", []string{"AWS::Logs::LogGroup"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		b, ok := num(r, "stored_bytes")
		return ok && b > 1024*1e9
	}, priceOf},
	{"nat-idle", []string{"AWS::EC2::NatGateway"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		b, ok := num(r, "bytes_out_14d")
		return r.State == "available" && !r.Created.IsZero() && x.now.Sub(r.Created) > days(14) && ok && b < 1e8
	}, priceOf},
	{"ebs-gp2", []string{"AWS::EC2::Volume"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		s, _ := str(r, "volume_type")
		return s == "gp2"
	}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) float64 {
		s, _ := pricing.GP3Savings(r)
		return s
	}},
	{"ec2-previous-generation", []string{"AWS::EC2::Instance"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		s, ok := str(r, "instance_type")
		return r.State != "terminated" && ok && pricing.PreviousGeneration(s)
	}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) float64 {
		s, _ := pricing.CurrentGenerationSavings(r)
		return s
	}},
	{"s3-public-access-block", []string{"AWS::S3::Bucket"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return isFalse(r, "public_access_block")
	}, nil},
	{"s3-public-policy", []string{"AWS::S3::Bucket"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool { return isTrue(r, "policy_public") }, nil},
	{"s3-public-acl", []string{"AWS::S3::Bucket"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool { return isTrue(r, "acl_public") }, nil},
	{"s3-no-encryption", []string{"AWS::S3::Bucket"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		s, ok := str(r, "encryption")
		return ok && s == ""
	}, nil},
	{"rds-unencrypted", []string{"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool { return isFalse(r, "storage_encrypted") }, nil},
	{"rds-public", []string{"AWS::RDS::DBInstance"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return isTrue(r, "publicly_accessible")
	}, nil},
	{"sg-open-admin", []string{"AWS::EC2::SecurityGroup"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return len(openPorts(r, adminPorts)) > 0
	}, nil},
	{"sg-open-database", []string{"AWS::EC2::SecurityGroup"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return len(openPorts(r, databasePorts)) > 0
	}, nil},
	{"db-public-subnet", []string{"AWS::RDS::DBInstance"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		for _, s := range env.Related(r, "in-subnet") {
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
	{"lb-no-access-logs", []string{alb, clb}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return isFalse(r, "access_logs_enabled")
	}, nil},
	{"iam-user-no-mfa", []string{"AWS::IAM::User"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		return isTrue(r, "console_access") && isFalse(r, "mfa_enabled")
	}, nil},
	{"root-no-mfa", []string{"AWS::::Account"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool { return isFalse(r, "root_mfa_enabled") }, nil},
	{"iam-access-key-old", []string{"AWS::IAM::User"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		d, ok := num(r, "access_key_max_age_days")
		return ok && d > 90
	}, nil},
	{"cloudfront-no-waf", []string{"AWS::CloudFront::Distribution"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		s, ok := str(r, "web_acl_id")
		return ok && s == ""
	}, nil},
	{"elb-http-no-redirect", []string{"AWS::ElasticLoadBalancingV2::Listener"}, func(x *goEval, env *policy.GoEnv, r *inventory.Resource) bool {
		if s, ok := str(r, "protocol"); !ok || s != "HTTP" {
			return false
		}
		actions, ok := r.Attrs.Value("default_actions").([]any)
		if !ok {
			return false
		}
		failed := false
		for _, v := range actions {
			m, _ := v.(map[string]any)
			typ, ok := m["type"]
			if !ok {
				// CEL reads a.type on a missing key as an error, which
				// fails the expression unless another action redirects.
				failed = true
				continue
			}
			if typ != "redirect" {
				continue
			}
			proto, ok := m["redirect_protocol"]
			if !ok {
				failed = true
				continue
			}
			if proto == "HTTPS" {
				return false
			}
		}
		return !failed
	}, nil},
}

type messageFunc = func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string

// goMessages are the packs' message templates, by hand: the same text the
// ${...} interpolations produce, built with string concatenation.
var goMessages = map[string]messageFunc{
	"naming-rule": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " does not follow the naming rule: " + x.rule.Explain(r.Name)
	},
	"naming-no-name-tag": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string { return r.ID + " has no Name tag" },
	"tagging-missing": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		var missing []string
		for _, k := range x.keys {
			if !hasTag(r, k) {
				missing = append(missing, k)
			}
		}
		return nameOrID(r) + " is missing required tags: " + strings.Join(missing, ", ")
	},
	"tagging-invalid-value": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		var problems []string
		for _, k := range x.keys {
			v, ok := r.Tag(k)
			v = strings.TrimSpace(v)
			allowed := x.required[k]
			if ok && v != "" && len(allowed) > 0 && !slices.Contains(allowed, v) {
				p := fmt.Sprintf("%s=%q is not allowed (%s)", k, v, summarize(allowed, 6))
				if !strings.HasPrefix(p, "missing") {
					problems = append(problems, p)
				}
			}
		}
		return nameOrID(r) + ": " + strings.Join(problems, "; ")
	},
	"lb-no-targets": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " has had no registered targets (created " + showDuration(x.now.Sub(r.Created)) + " ago); it costs " + env.Money(price(r)) + "/month"
	},
	"lb-targets-down": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + ": every target is stopped or unhealthy, so it serves nothing; it costs " + env.Money(price(r)) + "/month"
	},
	"ebs-unattached": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.ID + " (" + attr(r, "size_gb") + " GB " + attr(r, "volume_type") + ") is attached to nothing; created " + showDuration(x.now.Sub(r.Created)) + " ago, " + env.Money(price(r)) + "/month"
	},
	"eip-unassociated": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return attr(r, "public_ip") + " is allocated but not associated; " + env.Money(price(r)) + "/month"
	},
	"ec2-stopped-long": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		d, _ := x.since(r, "stopped_at")
		t := 0.0
		for _, v := range env.Referrers(r, "attached-to") {
			t += price(v)
		}
		return nameOrID(r) + " (" + attr(r, "instance_type") + ") has been stopped for " + showDuration(d) + "; its volumes cost " + env.Money(t) + "/month"
	},
	"rds-idle": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " had no connections in " + attr(r, "connections_lookback_days") + " days; " + env.Money(price(r)) + "/month"
	},
	"rds-stopped-long": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		d, _ := x.since(r, "stopped_at")
		return r.Name + " has been stopped for " + showDuration(d) + " (AWS restarts stopped databases every 7 days); storage still bills"
	},
	"snapshot-old": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.ID + " is a manual snapshot " + showDuration(x.now.Sub(r.Created)) + " old; " + env.Money(price(r)) + "/month"
	},
	"logs-no-retention": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		b, _ := num(r, "stored_bytes")
		return r.Name + " never expires its logs (" + bytesHuman(b) + " stored)"
	},
	"logs-large": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		b, _ := num(r, "stored_bytes")
		return r.Name + " stores " + bytesHuman(b) + ", " + env.Money(price(r)) + "/month"
	},
	"nat-idle": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		b, _ := num(r, "bytes_out_14d")
		return r.ID + " sent " + bytesHuman(b) + " in 14 days; " + env.Money(price(r)) + "/month"
	},
	"ebs-gp2": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		s, _ := pricing.GP3Savings(r)
		return r.ID + " (" + attr(r, "size_gb") + " GB) is gp2; gp3 would save " + env.Money(s) + "/month"
	},
	"ec2-previous-generation": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		it, _ := str(r, "instance_type")
		next, _ := pricing.CurrentGenerationOf(it)
		m := nameOrID(r) + " runs " + it + ", a previous-generation type"
		if next != "" {
			m = nameOrID(r) + " runs " + it + "; " + next + " is the current generation"
		}
		if s, _ := pricing.CurrentGenerationSavings(r); s > 0 {
			m += " and would save " + env.Money(s) + "/month"
		}
		return m
	},
	"s3-public-access-block": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " does not have all four Block Public Access settings on"
	},
	"s3-public-policy": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + ": the bucket policy grants access to everyone"
	},
	"s3-public-acl": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + ": the ACL grants AllUsers or AuthenticatedUsers"
	},
	"s3-no-encryption": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " has no default encryption"
	},
	"rds-unencrypted": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " (" + attr(r, "engine") + ") stores data unencrypted"
	},
	"rds-public": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " (" + attr(r, "engine") + ") is publicly accessible"
	},
	"sg-open-admin": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return attr(r, "group_name") + " (" + r.ID + ") allows port " + joinPorts(openPorts(r, adminPorts)) + " from anywhere"
	},
	"sg-open-database": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return attr(r, "group_name") + " (" + r.ID + ") allows database port " + joinPorts(openPorts(r, databasePorts)) + " from anywhere"
	},
	"db-public-subnet": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		var ids []string
		for _, s := range env.Related(r, "in-subnet") {
			if isTrue(s, "public") {
				ids = append(ids, s.ID)
			}
		}
		return r.Name + " is in public subnet " + strings.Join(ids, ", ")
	},
	"guardduty-disabled": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "GuardDuty is not enabled in " + r.Account + " " + r.Region
	},
	"securityhub-disabled": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "Security Hub is not enabled in " + r.Account + " " + r.Region
	},
	"inspector-disabled": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "Inspector is not scanning EC2 or ECR in " + r.Account + " " + r.Region
	},
	"cloudtrail-disabled": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "No CloudTrail trail logs " + r.Account + " " + r.Region
	},
	"config-disabled": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "AWS Config is not recording in " + r.Account + " " + r.Region
	},
	"lb-no-access-logs": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " does not write access logs"
	},
	"iam-user-no-mfa": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " can sign in to the console without MFA"
	},
	"root-no-mfa": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "The root user of " + r.Account + " has no MFA"
	},
	"iam-access-key-old": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return r.Name + " has an active access key " + attr(r, "access_key_max_age_days") + " days old"
	},
	"cloudfront-no-waf": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string { return r.ID + " has no web ACL" },
	"elb-http-no-redirect": func(x *goEval, env *policy.GoEnv, r *inventory.Resource) string {
		return "Listener " + r.ID + " serves plain HTTP on port " + attr(r, "port") + " without redirecting to HTTPS"
	},
}

var (
	adminPorts    = []float64{22, 3389}
	databasePorts = []float64{3306, 5432, 1433, 1521, 6379, 27017, 5439}
)

func nameOrID(r *inventory.Resource) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// attr shows an attribute the way a message interpolation does, including
// the text of the error a missing key gives.
func attr(r *inventory.Resource, k string) string {
	v, ok := r.Attrs.Get(k)
	if !ok {
		return "<error: no such key: " + k + ">"
	}
	switch t := v.(type) {
	case string:
		return t
	case float64:
		if t == float64(int64(t)) && t < 1e15 && t > -1e15 {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'f', 2, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(v)
}

func showDuration(d time.Duration) string {
	if d >= 48*time.Hour {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + " days"
	}
	return d.Round(time.Minute).String()
}

func bytesHuman(n float64) string {
	units := [...]string{"B", "KB", "MB", "GB", "TB", "PB"}
	i := 0
	for math.Abs(n) >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(n, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[i]
}

func summarize(vals []string, max int) string {
	if len(vals) <= max {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:max], ", ") + " and " + strconv.Itoa(len(vals)-max) + " more"
}

func joinPorts(ps []float64) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.FormatFloat(p, 'f', 0, 64)
	}
	return strings.Join(s, ", ")
}
