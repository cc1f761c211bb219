package demo

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/pricing"
)

// estateIndex lets a check follow relations.
type estateIndex struct {
	now   time.Time
	byARN map[string]*inventory.Resource
	// into lists, per target ARN, the resources pointing at it by kind.
	into map[string]map[string][]*inventory.Resource
}

func indexEstate(rs []inventory.Resource, now time.Time) *estateIndex {
	x := &estateIndex{now: now, byARN: map[string]*inventory.Resource{}, into: map[string]map[string][]*inventory.Resource{}}
	for i := range rs {
		r := &rs[i]
		x.byARN[r.ARN] = r
		for _, rel := range r.Relations {
			if x.into[rel.Target] == nil {
				x.into[rel.Target] = map[string][]*inventory.Resource{}
			}
			x.into[rel.Target][rel.Kind] = append(x.into[rel.Target][rel.Kind], r)
		}
	}
	return x
}

func str(r *inventory.Resource, k string) string    { s, _ := r.Attrs.Value(k).(string); return s }
func num(r *inventory.Resource, k string) float64   { f, _ := r.Attrs.Value(k).(float64); return f }
func boolAttr(r *inventory.Resource, k string) bool { b, _ := r.Attrs.Value(k).(bool); return b }
func has(r *inventory.Resource, k string) bool      { _, ok := r.Attrs.Get(k); return ok }
func (x *estateIndex) daysAgo(s string) float64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return -1
	}
	return x.now.Sub(t).Hours() / 24
}

var nameRE = regexp.MustCompile(NamePattern)

func namingScope(typ string) bool {
	switch typ {
	case "AWS::::Account", "Steward::Account::Region", "AWS::IAM::User", "AWS::Logs::LogGroup",
		"AWS::ECS::TaskDefinition", "AWS::EC2::Snapshot", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot",
		"AWS::GuardDuty::Detector":
		return false
	}
	return true
}

func taggingScope(typ string) bool {
	return typ != "AWS::::Account" && typ != "Steward::Account::Region"
}

func worldOpen(r *inventory.Resource, ports ...int) bool {
	rules, _ := r.Attrs.Value("ingress").([]any)
	for _, x := range rules {
		m := x.(map[string]any)
		cidr, _ := m["cidr"].(string)
		proto, _ := m["protocol"].(string)
		if cidr != "0.0.0.0/0" && cidr != "::/0" || (proto != "tcp" && proto != "-1") {
			continue
		}
		from, to := m["from_port"].(float64), m["to_port"].(float64)
		for _, p := range ports {
			if float64(p) >= from && float64(p) <= to {
				return true
			}
		}
	}
	return false
}

// albTargets is every target of the target groups attached to an ALB;
// ok is false when r is not an ALB.
func (x *estateIndex) albTargets(r *inventory.Resource) ([]map[string]any, bool) {
	if r.Type != "AWS::ElasticLoadBalancingV2::LoadBalancer" || str(r, "lb_type") != "application" {
		return nil, false
	}
	var out []map[string]any
	for _, tg := range x.into[r.ARN][inventory.RelAttachedTo] {
		ts, _ := tg.Attrs.Value("targets").([]any)
		for _, t := range ts {
			out = append(out, t.(map[string]any))
		}
	}
	return out, true
}

func (x *estateIndex) allStopped(r *inventory.Resource, targets []map[string]any) bool {
	for _, t := range targets {
		id := t["id"].(string)
		stopped := false
		for _, tg := range x.into[r.ARN][inventory.RelAttachedTo] {
			for _, member := range x.into[tg.ARN][inventory.RelTargetOf] {
				if member.ID == id && member.State == "stopped" {
					stopped = true
				}
			}
		}
		if !stopped {
			return false
		}
	}
	return true
}

// problemChecks restate ProblemKeys as code, independently of how the
// estate was built, so a resource marked by mistake or missed shows up.
var problemChecks = map[string]func(x *estateIndex, r *inventory.Resource) bool{
	"name-breaks-rule": func(x *estateIndex, r *inventory.Resource) bool {
		return namingScope(r.Type) && r.Name != "" && !nameRE.MatchString(r.Name)
	},
	"name-tag-missing": func(x *estateIndex, r *inventory.Resource) bool { return namingScope(r.Type) && r.Name == "" },
	"tag-missing-required": func(x *estateIndex, r *inventory.Resource) bool {
		if !taggingScope(r.Type) {
			return false
		}
		for _, k := range RequiredTags {
			if _, ok := r.Tag(k); !ok {
				return true
			}
		}
		return false
	},
	"tag-env-invalid": func(x *estateIndex, r *inventory.Resource) bool {
		env, ok := r.Tag("env")
		return ok && !slices.Contains(Envs, env)
	},
	"alb-no-targets": func(x *estateIndex, r *inventory.Resource) bool {
		ts, ok := x.albTargets(r)
		return ok && len(ts) == 0
	},
	"alb-targets-stopped": func(x *estateIndex, r *inventory.Resource) bool {
		ts, ok := x.albTargets(r)
		return ok && len(ts) > 0 && x.allStopped(r, ts)
	},
	"alb-targets-unhealthy": func(x *estateIndex, r *inventory.Resource) bool {
		ts, ok := x.albTargets(r)
		if !ok || len(ts) == 0 || x.allStopped(r, ts) {
			return false
		}
		for _, t := range ts {
			if t["health"] == "healthy" {
				return false
			}
		}
		return true
	},
	"ebs-unattached": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::Volume" && r.State == "available" && len(r.Relations) == 0
	},
	"eip-unassociated": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::EIP" && has(r, "association_id") && str(r, "association_id") == ""
	},
	"ec2-stopped-long": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::Instance" && r.State == "stopped" && x.daysAgo(str(r, "stopped_at")) >= 90
	},
	"rds-idle": func(x *estateIndex, r *inventory.Resource) bool {
		return (r.Type == "AWS::RDS::DBInstance" || r.Type == "AWS::RDS::DBCluster") && r.State == "available" &&
			num(r, "connections_lookback_days") >= 30 && has(r, "connections_max") && num(r, "connections_max") == 0
	},
	"rds-stopped-long": func(x *estateIndex, r *inventory.Resource) bool {
		return (r.Type == "AWS::RDS::DBInstance" || r.Type == "AWS::RDS::DBCluster") && r.State == "stopped" &&
			x.daysAgo(str(r, "stopped_at")) >= 30
	},
	"ebs-snapshot-old": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::Snapshot" && boolAttr(r, "manual") && x.now.Sub(r.Created) >= 365*24*time.Hour
	},
	"rds-snapshot-old": func(x *estateIndex, r *inventory.Resource) bool {
		return (r.Type == "AWS::RDS::DBSnapshot" || r.Type == "AWS::RDS::DBClusterSnapshot") &&
			str(r, "snapshot_type") == "manual" && x.now.Sub(r.Created) >= 365*24*time.Hour
	},
	"logs-no-retention": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::Logs::LogGroup" && has(r, "retention_days") && num(r, "retention_days") == 0
	},
	"logs-huge": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::Logs::LogGroup" && num(r, "stored_bytes") >= 1e12
	},
	"nat-idle": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::NatGateway" && has(r, "bytes_out_14d") && num(r, "bytes_out_14d") < 1e6
	},
	"ebs-gp2": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::Volume" && str(r, "volume_type") == "gp2"
	},
	"ec2-previous-generation": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::EC2::Instance" && pricing.PreviousGeneration(str(r, "instance_type"))
	},
	"s3-no-public-access-block": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::S3::Bucket" && has(r, "public_access_block") && !boolAttr(r, "public_access_block")
	},
	"s3-public-policy": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::S3::Bucket" && boolAttr(r, "policy_public")
	},
	"s3-public-acl": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::S3::Bucket" && boolAttr(r, "acl_public")
	},
	"s3-no-encryption": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::S3::Bucket" && has(r, "encryption") && str(r, "encryption") == ""
	},
	"rds-unencrypted": func(x *estateIndex, r *inventory.Resource) bool {
		return (r.Type == "AWS::RDS::DBInstance" || r.Type == "AWS::RDS::DBCluster") && has(r, "storage_encrypted") && !boolAttr(r, "storage_encrypted")
	},
	"rds-public": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::RDS::DBInstance" && boolAttr(r, "publicly_accessible")
	},
	"db-in-public-subnet": func(x *estateIndex, r *inventory.Resource) bool {
		if r.Type != "AWS::RDS::DBInstance" {
			return false
		}
		for _, rel := range r.Relations {
			if s := x.byARN[rel.Target]; rel.Kind == inventory.RelInSubnet && s != nil && boolAttr(s, "public") {
				return true
			}
		}
		return false
	},
	"sg-open-ssh": func(x *estateIndex, r *inventory.Resource) bool { return worldOpen(r, 22) },
	"sg-open-rdp": func(x *estateIndex, r *inventory.Resource) bool { return worldOpen(r, 3389) },
	"sg-open-db":  func(x *estateIndex, r *inventory.Resource) bool { return worldOpen(r, 3306, 5432) },
	"guardduty-disabled": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "Steward::Account::Region" && has(r, "guardduty_enabled") && !boolAttr(r, "guardduty_enabled")
	},
	"securityhub-disabled": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "Steward::Account::Region" && has(r, "securityhub_enabled") && !boolAttr(r, "securityhub_enabled")
	},
	"inspector-disabled": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "Steward::Account::Region" && has(r, "inspector_enabled") && !boolAttr(r, "inspector_enabled")
	},
	"cloudtrail-disabled": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "Steward::Account::Region" && has(r, "cloudtrail_enabled") && !boolAttr(r, "cloudtrail_enabled")
	},
	"config-disabled": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "Steward::Account::Region" && has(r, "config_recorder_enabled") && !boolAttr(r, "config_recorder_enabled")
	},
	"lb-no-access-logs": func(x *estateIndex, r *inventory.Resource) bool {
		return (r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer" || r.Type == "AWS::ElasticLoadBalancing::LoadBalancer") &&
			has(r, "access_logs_enabled") && !boolAttr(r, "access_logs_enabled")
	},
	"iam-user-console-no-mfa": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::IAM::User" && boolAttr(r, "console_access") && has(r, "mfa_enabled") && !boolAttr(r, "mfa_enabled")
	},
	"iam-access-key-old": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::IAM::User" && num(r, "access_key_max_age_days") > 90
	},
	"root-no-mfa": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::::Account" && has(r, "root_mfa_enabled") && !boolAttr(r, "root_mfa_enabled")
	},
	"cloudfront-no-waf": func(x *estateIndex, r *inventory.Resource) bool {
		return r.Type == "AWS::CloudFront::Distribution" && has(r, "web_acl_id") && str(r, "web_acl_id") == ""
	},
}

// findProblems runs every check over an estate.
func findProblems(rs []inventory.Resource, now time.Time) map[string][]string {
	x := indexEstate(rs, now)
	got := map[string][]string{}
	for i := range rs {
		for key, check := range problemChecks {
			if check(x, &rs[i]) {
				got[key] = append(got[key], rs[i].ARN)
			}
		}
	}
	for _, arns := range got {
		slices.Sort(arns)
	}
	return got
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestProblems holds the Problems table to the estate: each list is
// exactly the resources that really have the problem, whatever the date.
func TestProblems(t *testing.T) {
	if diff := cmp.Diff(sortedKeys(ProblemKeys), sortedKeys(problemChecks)); diff != "" {
		t.Fatalf("documented keys and checked keys differ (-documented +checked):\n%s", diff)
	}
	for name, now := range map[string]time.Time{"now": testNow, "in ten years": testNow.AddDate(10, 0, 0)} {
		t.Run(name, func(t *testing.T) {
			got := findProblems(Estate(now), now)
			if diff := cmp.Diff(Problems, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Problems (-table +found in the estate):\n%s", diff)
			}
		})
	}
	for key := range ProblemKeys {
		if len(Problems[key]) == 0 {
			t.Errorf("problem %q has no resource in the demo estate", key)
		}
	}
}

// TestMostResourcesAreClean keeps the demo believable: problems stand out
// against an estate that is mostly in order.
func TestMostResourcesAreClean(t *testing.T) {
	rs := Estate(testNow)
	bad := map[string]bool{}
	for _, arns := range Problems {
		for _, a := range arns {
			bad[a] = true
		}
	}
	if clean := len(rs) - len(bad); clean*10 < len(rs)*8 {
		t.Errorf("%d of %d resources are clean, want at least 80%%", clean, len(rs))
	}
}
