package awsconfig_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/awsconfig"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// undecidable are the checks a Config delivery cannot decide, each with
// the reason. The demo's findings of these policies are not expected from
// the Config source; the test fails if a listed policy no longer loses a
// finding, so the list stays true.
var undecidable = map[string]string{
	"rds-idle":                                  "database connections are a CloudWatch metric, not a Config item",
	"nat-idle":                                  "NAT gateway traffic is a CloudWatch metric, not a Config item",
	"logs-large":                                "Config's log group item carries no stored bytes",
	"rds-stopped-long":                          "Config's database item says stopped but not since when",
	"snapshot-old":                              "EBS snapshots are not a Config resource type (RDS snapshots are, and are decided)",
	"lb-targets-down":                           "Config records no target health; only a target group whose instances are all stopped is decided",
	"iam-user-no-mfa":                           "Config's IAM user item has no MFA devices or login profile",
	"iam-access-key-old":                        "Config's IAM user item has no access keys",
	"iam-credentials-unused":                    "Config's IAM user item has no login profile or access key use",
	"iam-credentials-unused-45":                 "Config's IAM user item has no login profile or access key use",
	"root-no-mfa":                               "the root user's MFA is in the IAM credential report, not in Config",
	"securityhub-disabled":                      "Security Hub's state is not a Config item",
	"inspector-disabled":                        "Inspector's state is not a Config item",
	"guardduty-disabled":                        "only where a detector exists and is disabled: Config records detectors that exist, and a region with none looks the same as a recorder that skips the type",
	"config-disabled":                           "a region whose recorder is off delivers no snapshot; Config cannot report on itself",
	"root-no-hardware-mfa":                      "the root user's MFA devices are not in Config",
	"iam-weak-password-policy":                  "the account password policy is not a Config item",
	"iam-password-short":                        "the account password policy is not a Config item",
	"iam-password-reuse":                        "the account password policy is not a Config item",
	"ebs-default-encryption-off":                "EBS encryption by default is an account setting, not a Config item",
	"vpc-no-flow-logs":                          "only where a flow log exists: Config records flow logs that exist, and a VPC with none looks the same as a recorder that skips the type",
	"rds-no-cluster-event-subscription":         rdsSubscriptions,
	"rds-no-instance-event-subscription":        rdsSubscriptions,
	"rds-no-parameter-group-event-subscription": rdsSubscriptions,
	"rds-no-security-group-event-subscription":  rdsSubscriptions,
}

// rdsSubscriptions: like flow logs, a subscription Config does not hold
// may be one its recorder skips.
const rdsSubscriptions = "Config records event subscriptions that exist; a region with none looks the same as a recorder that skips the type"

// TestConfigParity writes the demo estate out as AWS Config snapshot files
// (one gzipped file per account and region, named and laid out as Config
// delivers them to S3), scans them with the Config source, and expects
// the built-in policies to find exactly what they find on the demo, but
// for the checks listed in undecidable.
func TestConfigParity(t *testing.T) {
	estate := demo.Estate(now)
	dir := t.TempDir()
	writeSnapshots(t, dir, estate)

	col, err := awsconfig.NewSource(dir, 0, nil).Collect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	eval := evaluator(t)
	want := findings(t, eval, estate)
	got := findings(t, eval, col.Resources)
	lost := map[string]bool{}
	for key := range want {
		pol := key[:strings.IndexByte(key, ' ')]
		if _, ok := undecidable[pol]; ok && !got[key] {
			lost[pol] = true
			t.Logf("not decidable from Config: %s", key)
			delete(want, key)
		}
	}
	for pol, why := range undecidable {
		if !lost[pol] {
			t.Errorf("%s is listed as undecidable from Config (%s) but loses no finding", pol, why)
		}
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("findings on the Config snapshots differ from the demo's (-demo +config):\n%s", diff)
	}
}

// evaluator compiles the built-in policies as steward's defaults
// configure them.
func evaluator(t *testing.T) *policy.Engine {
	t.Helper()
	cfg := config.Default()
	ps, err := policy.Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.Compile(ps, policy.Options{Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Now: now, Pricer: policy.ListPrices{}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// findings returns "policy ARN" keys.
func findings(t *testing.T, e *policy.Engine, rs []inventory.Resource) map[string]bool {
	t.Helper()
	fs, err := e.Evaluate(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range fs {
		out[f.Policy+" "+f.ARN] = true
	}
	return out
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// writeSnapshots writes one ConfigSnapshot file per account and region
// under the delivery prefix AWS Config uses:
// AWSLogs/ACCOUNT/Config/REGION/Y/M/D/ConfigSnapshot/ACCOUNT_Config_REGION_ConfigSnapshot_TIMESTAMP_UUID.json.gz.
// Global resources (IAM, CloudFront) go with the account's first region,
// as Config records them in one region. Regions whose recorder the demo
// has off are written too (a real one would deliver nothing): the test is
// about the mapping of what is delivered.
func writeSnapshots(t *testing.T, dir string, estate []inventory.Resource) {
	t.Helper()
	x := newExporter(estate)
	files := map[[2]string][]map[string]any{}
	home := map[string]string{}
	for _, r := range estate {
		if r.Type == "Steward::Account::Region" {
			if _, ok := home[r.Account]; !ok || r.Region < home[r.Account] {
				home[r.Account] = r.Region
			}
			files[[2]string{r.Account, r.Region}] = files[[2]string{r.Account, r.Region}]
		}
	}
	for _, r := range estate {
		for _, it := range x.items(r) {
			region := r.Region
			if region == "global" {
				region = home[r.Account]
			}
			k := [2]string{r.Account, region}
			files[k] = append(files[k], it)
		}
		if r.Type == "AWS::EC2::Subnet" {
			k := [2]string{r.Account, r.Region}
			files[k] = append(files[k], x.routeTables(r)...)
		}
	}
	stamp := now.Add(-time.Hour)
	for k, items := range files {
		account, region := k[0], k[1]
		doc := map[string]any{"fileVersion": "1.0", "configSnapshotId": uuid(account + region), "configurationItems": items}
		body, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(body)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, "AWSLogs", account, "Config", region, stamp.Format("2006/1/2"), "ConfigSnapshot")
		name := fmt.Sprintf("%s_Config_%s_ConfigSnapshot_%s_%s.json.gz", account, region, stamp.Format("20060102T150405Z"), uuid(account+region))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// uuid spells a stable UUID from a seed.
func uuid(seed string) string {
	h := fmt.Sprintf("%032x", []byte(seed+"00000000000000000000000000000000"))[:32]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// exporter renders demo resources as configuration items.
type exporter struct {
	byARN map[string]*inventory.Resource
}

func newExporter(estate []inventory.Resource) *exporter {
	x := &exporter{byARN: map[string]*inventory.Resource{}}
	for i := range estate {
		x.byARN[estate[i].ARN] = &estate[i]
	}
	return x
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func astr(r *inventory.Resource, k string) string { s, _ := r.Attrs.Value(k).(string); return s }
func anum(r *inventory.Resource, k string) any    { return r.Attrs.Value(k) }
func abool(r *inventory.Resource, k string) bool  { b, _ := r.Attrs.Value(k).(bool); return b }

// targets returns the native ids (the ARN's last segment) of a
// resource's relations of one kind.
func targets(r *inventory.Resource, kind string) []string {
	var out []string
	for _, rel := range r.Relations {
		if rel.Kind == kind {
			out = append(out, rel.Target[strings.LastIndexAny(rel.Target, "/:")+1:])
		}
	}
	return out
}

func (x *exporter) envelope(r *inventory.Resource, id, name string, conf, supp map[string]any) map[string]any {
	if supp == nil {
		supp = map[string]any{}
	}
	tags := map[string]string{}
	for k, v := range r.Tags.All() {
		tags[k] = v
	}
	return map[string]any{
		"configurationItemVersion": "1.3", "configurationItemCaptureTime": ts(now.Add(-40 * 24 * time.Hour)),
		"configurationStateId": 1, "awsAccountId": r.Account, "configurationItemStatus": "OK",
		"resourceType": r.Type, "resourceId": id, "resourceName": name, "ARN": r.ARN, "awsRegion": r.Region,
		"resourceCreationTime": ts(r.Created), "tags": tags, "relationships": []any{},
		"configuration": conf, "supplementaryConfiguration": supp,
	}
}

// items renders one demo resource as the items Config records for it;
// none for what Config does not record (EBS snapshots, the account, the
// account-region steward invents).
func (x *exporter) items(r inventory.Resource) []map[string]any {
	rp := &r
	one := func(id, name string, conf, supp map[string]any) []map[string]any {
		return []map[string]any{x.envelope(rp, id, name, conf, supp)}
	}
	switch r.Type {
	case "AWS::EC2::Instance":
		c := map[string]any{"instanceId": r.ID, "instanceType": astr(rp, "instance_type"), "launchTime": astr(rp, "launch_time"),
			"state": map[string]any{"code": 16, "name": r.State}, "vpcId": astr(rp, "vpc_id"), "subnetId": astr(rp, "subnet_id")}
		if at := astr(rp, "stopped_at"); at != "" {
			c["stateTransitionReason"] = "User initiated (" + strings.Replace(strings.TrimSuffix(at, "Z"), "T", " ", 1) + " GMT)"
		}
		if ip := astr(rp, "public_ip"); ip != "" {
			c["publicIpAddress"] = ip
		}
		if astr(rp, "platform") == "windows" {
			c["platform"] = "windows"
		}
		var sgs []any
		for _, sg := range targets(rp, inventory.RelUsesSG) {
			sgs = append(sgs, map[string]any{"groupId": sg})
		}
		c["securityGroups"] = sgs
		if asg := astr(rp, "asg_name"); asg != "" {
			r.Tags = inventory.TagsOf(cloneTags(r.Tags.Map()))
			r.Tags.Set("aws:autoscaling:groupName", asg)
		}
		return one(r.ID, "", c, nil)
	case "AWS::EC2::Volume":
		var atts []any
		for _, i := range targets(rp, inventory.RelAttachedTo) {
			atts = append(atts, map[string]any{"instanceId": i, "volumeId": r.ID, "state": "attached"})
		}
		c := map[string]any{"volumeId": r.ID, "volumeType": astr(rp, "volume_type"), "size": anum(rp, "size_gb"),
			"encrypted": abool(rp, "encrypted"), "availabilityZone": astr(rp, "availability_zone"), "state": r.State,
			"createTime": ts(r.Created), "attachments": atts, "iops": anum(rp, "iops")}
		return one(r.ID, "", c, nil)
	case "AWS::EC2::EIP":
		c := map[string]any{"publicIp": astr(rp, "public_ip"), "allocationId": astr(rp, "allocation_id"), "domain": "vpc"}
		if a := astr(rp, "association_id"); a != "" {
			c["associationId"] = a
		}
		for _, rel := range r.Relations {
			if rel.Kind == inventory.RelAttachedTo && strings.Contains(rel.Target, ":instance/") {
				c["instanceId"] = rel.Target[strings.LastIndexByte(rel.Target, '/')+1:]
			}
		}
		return one(r.ID, "", c, nil)
	case "AWS::EC2::SecurityGroup":
		var perms []any
		rules, _ := r.Attrs.Value("ingress").([]any)
		for _, x := range rules {
			m, _ := x.(map[string]any)
			proto, _ := m["protocol"].(string)
			cidr, _ := m["cidr"].(string)
			sg, _ := m["source_sg"].(string)
			p := map[string]any{"ipProtocol": proto, "ipv4Ranges": []any{}, "ipv6Ranges": []any{}, "userIdGroupPairs": []any{}}
			if proto != "-1" {
				p["fromPort"], p["toPort"] = m["from_port"], m["to_port"]
			}
			switch {
			case sg != "":
				p["userIdGroupPairs"] = []any{map[string]any{"groupId": sg}}
			case strings.Contains(cidr, ":"):
				p["ipv6Ranges"] = []any{map[string]any{"cidrIpv6": cidr}}
			default:
				p["ipv4Ranges"] = []any{map[string]any{"cidrIp": cidr}}
			}
			perms = append(perms, p)
		}
		c := map[string]any{"groupId": r.ID, "groupName": astr(rp, "group_name"), "vpcId": astr(rp, "vpc_id"), "ownerId": r.Account, "ipPermissions": perms}
		return one(r.ID, astr(rp, "group_name"), c, nil)
	case "AWS::EC2::VPC":
		return one(r.ID, "", map[string]any{"vpcId": r.ID, "cidrBlock": astr(rp, "cidr"), "isDefault": abool(rp, "is_default"), "state": r.State}, nil)
	case "AWS::EC2::Subnet":
		return one(r.ID, "", map[string]any{"subnetId": r.ID, "vpcId": astr(rp, "vpc_id"), "cidrBlock": astr(rp, "cidr"),
			"availabilityZone": astr(rp, "availability_zone"), "defaultForAz": abool(rp, "default_for_az"), "state": r.State}, nil)
	case "AWS::EC2::NatGateway":
		subnet := ""
		if sn := targets(rp, inventory.RelInSubnet); len(sn) > 0 {
			subnet = sn[0]
		}
		var addrs []any
		for _, e := range x.byARN {
			for _, rel := range e.Relations {
				if e.Type == "AWS::EC2::EIP" && rel.Kind == inventory.RelAttachedTo && rel.Target == r.ARN {
					addrs = append(addrs, map[string]any{"allocationId": astr(e, "allocation_id"), "publicIp": astr(e, "public_ip")})
				}
			}
		}
		return one(r.ID, "", map[string]any{"natGatewayId": r.ID, "subnetId": subnet, "state": r.State,
			"connectivityType": astr(rp, "connectivity_type"), "createTime": ts(r.Created), "natGatewayAddresses": addrs}, nil)
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		var sgs []any
		for _, sg := range targets(rp, inventory.RelUsesSG) {
			sgs = append(sgs, sg)
		}
		c := map[string]any{"loadBalancerArn": r.ARN, "loadBalancerName": r.Name, "type": astr(rp, "lb_type"), "scheme": astr(rp, "scheme"),
			"state": map[string]any{"code": r.State}, "createdTime": ts(r.Created), "securityGroups": sgs}
		supp := map[string]any{"LoadBalancerAttributes": []any{
			map[string]any{"key": "access_logs.s3.enabled", "value": fmt.Sprint(abool(rp, "access_logs_enabled"))},
			map[string]any{"key": "deletion_protection.enabled", "value": "false"},
		}}
		return one(r.ARN, r.Name, c, supp)
	case "AWS::ElasticLoadBalancingV2::TargetGroup":
		var lbs []any
		for _, rel := range r.Relations {
			if rel.Kind == inventory.RelAttachedTo {
				lbs = append(lbs, rel.Target)
			}
		}
		var ts []any
		list, _ := r.Attrs.Value("targets").([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			ts = append(ts, map[string]any{"Id": m["id"], "Port": m["port"]})
		}
		c := map[string]any{"TargetGroupArn": r.ARN, "TargetGroupName": r.Name, "TargetType": astr(rp, "target_type"), "LoadBalancerArns": lbs}
		if list != nil {
			c["Targets"] = ts
			if ts == nil {
				c["Targets"] = []any{}
			}
		}
		return one(r.ARN, r.Name, c, nil)
	case "AWS::ElasticLoadBalancing::LoadBalancer":
		var insts []any
		list, _ := r.Attrs.Value("instances").([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			insts = append(insts, map[string]any{"instanceId": m["id"]})
		}
		if insts == nil {
			insts = []any{}
		}
		c := map[string]any{"loadBalancerName": r.ID, "scheme": astr(rp, "scheme"), "createdTime": ts(r.Created),
			"instances": insts, "securityGroups": targets(rp, inventory.RelUsesSG)}
		supp := map[string]any{"LoadBalancerAttributes": map[string]any{
			"accessLog": map[string]any{"enabled": abool(rp, "access_logs_enabled")}, "crossZoneLoadBalancing": map[string]any{"enabled": true},
		}}
		return one(r.ID, r.ID, c, supp)
	case "AWS::RDS::DBInstance":
		var subnets []any
		for _, sn := range targets(rp, inventory.RelInSubnet) {
			subnets = append(subnets, map[string]any{"subnetIdentifier": sn})
		}
		c := map[string]any{"dBInstanceIdentifier": r.ID, "engine": astr(rp, "engine"), "engineVersion": astr(rp, "engine_version"),
			"dBInstanceClass": astr(rp, "instance_class"), "storageType": astr(rp, "storage_type"), "allocatedStorage": anum(rp, "allocated_gb"),
			"storageEncrypted": abool(rp, "storage_encrypted"), "publiclyAccessible": abool(rp, "publicly_accessible"), "multiAZ": abool(rp, "multi_az"),
			"dBInstanceStatus": r.State, "instanceCreateTime": ts(r.Created), "vpcSecurityGroups": vpcSGs(rp),
			"dBSubnetGroup": map[string]any{"dBSubnetGroupName": "default", "subnets": subnets}}
		if cl := astr(rp, "cluster_id"); cl != "" {
			c["dBClusterIdentifier"] = cl
		}
		return one("db-"+strings.ToUpper(r.ID), r.ID, c, nil)
	case "AWS::RDS::DBCluster":
		var members []any
		for _, m := range x.byARN {
			if m.Type == "AWS::RDS::DBInstance" && m.Account == r.Account && astr(m, "cluster_id") == r.ID {
				members = append(members, map[string]any{"dBInstanceIdentifier": m.ID})
			}
		}
		c := map[string]any{"dBClusterIdentifier": r.ID, "engine": astr(rp, "engine"), "engineVersion": astr(rp, "engine_version"),
			"storageEncrypted": abool(rp, "storage_encrypted"), "status": r.State, "clusterCreateTime": ts(r.Created),
			"dBClusterMembers": members, "vpcSecurityGroups": vpcSGs(rp)}
		return one("cluster-"+strings.ToUpper(r.ID), r.ID, c, nil)
	case "AWS::RDS::DBSnapshot":
		c := map[string]any{"dBSnapshotIdentifier": r.ID, "snapshotType": astr(rp, "snapshot_type"), "allocatedStorage": anum(rp, "allocated_gb"),
			"encrypted": abool(rp, "encrypted"), "status": r.State, "snapshotCreateTime": ts(r.Created)}
		if db := astr(rp, "db_instance"); db != "" {
			c["dBInstanceIdentifier"] = db
		}
		return one(r.ID, r.ID, c, nil)
	case "AWS::RDS::DBClusterSnapshot":
		c := map[string]any{"dBClusterSnapshotIdentifier": r.ID, "snapshotType": astr(rp, "snapshot_type"), "allocatedStorage": anum(rp, "allocated_gb"),
			"storageEncrypted": abool(rp, "encrypted"), "status": r.State, "snapshotCreateTime": ts(r.Created)}
		if cl := astr(rp, "db_cluster"); cl != "" {
			c["dBClusterIdentifier"] = cl
		}
		return one(r.ID, r.ID, c, nil)
	case "AWS::S3::Bucket":
		return one(r.ID, r.ID, map[string]any{"name": r.ID, "owner": map[string]any{"id": "x"}, "creationDate": ts(r.Created)}, bucketSupp(rp))
	case "AWS::Logs::LogGroup":
		c := map[string]any{"LogGroupName": r.ID}
		if d, _ := r.Attrs.Value("retention_days").(float64); d > 0 {
			c["RetentionInDays"] = d
		}
		return one(r.ID, r.ID, c, nil)
	case "AWS::IAM::User":
		attached := []any{}
		list, _ := r.Attrs.Value("attached_policies").([]any)
		for _, p := range list {
			attached = append(attached, map[string]any{"policyName": p, "policyArn": fmt.Sprint("arn:aws:iam::aws:policy/", p)})
		}
		inline := []any{}
		n, _ := r.Attrs.Value("inline_policies").(float64)
		for i := 0; i < int(n); i++ {
			inline = append(inline, map[string]any{"policyName": fmt.Sprint("inline-", i), "policyDocument": "%7B%7D"})
		}
		return one(r.ID, r.Name, map[string]any{"userName": r.Name, "userId": r.ID, "arn": r.ARN, "createDate": ts(r.Created), "path": "/",
			"attachedManagedPolicies": attached, "userPolicyList": inline}, nil)
	case "AWS::ECS::Cluster":
		return one(r.ID, r.Name, map[string]any{"ClusterName": r.Name, "CapacityProviders": r.Attrs.Value("capacity_providers")}, nil)
	case "AWS::ECS::Service":
		td := fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s", r.Region, r.Account, astr(rp, "task_definition"))
		c := map[string]any{"ServiceName": r.Name, "ServiceArn": r.ARN, "Cluster": fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", r.Region, r.Account, astr(rp, "cluster")),
			"DesiredCount": anum(rp, "desired_count"), "TaskDefinition": td}
		lbs := []any{}
		n, _ := anum(rp, "load_balancers").(float64)
		for i := range int(n) {
			lbs = append(lbs, map[string]any{"TargetGroupArn": fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s-%d/0", r.Region, r.Account, r.Name, i), "ContainerName": "app", "ContainerPort": 8080})
		}
		c["LoadBalancers"] = lbs
		if lt := astr(rp, "launch_type"); lt != "" {
			c["LaunchType"] = lt
		}
		if cps, _ := r.Attrs.Value("capacity_providers").([]any); len(cps) > 0 {
			var s []any
			for _, p := range cps {
				s = append(s, map[string]any{"CapacityProvider": p})
			}
			c["CapacityProviderStrategy"] = s
		}
		var sgs []any
		for _, sg := range targets(rp, inventory.RelUsesSG) {
			sgs = append(sgs, sg)
		}
		if sgs != nil {
			c["NetworkConfiguration"] = map[string]any{"AwsvpcConfiguration": map[string]any{"SecurityGroups": sgs}}
		}
		return one(r.ARN, r.Name, c, nil)
	case "AWS::ECS::TaskDefinition":
		return one(r.ARN, "", map[string]any{"Family": astr(rp, "family"), "Cpu": fmt.Sprint(anum(rp, "cpu")), "Memory": fmt.Sprint(anum(rp, "memory_mb"))}, nil)
	case "AWS::Lambda::Function":
		return one(r.ID, r.ID, map[string]any{"functionName": r.ID, "runtime": astr(rp, "runtime"), "memorySize": anum(rp, "memory_mb"),
			"lastModified": astr(rp, "last_modified")}, nil)
	case "AWS::AutoScaling::AutoScalingGroup":
		return one(r.ARN, r.ID, map[string]any{"autoScalingGroupName": r.ID, "minSize": anum(rp, "min_size"), "maxSize": anum(rp, "max_size"),
			"desiredCapacity": anum(rp, "desired_capacity"), "createdTime": ts(r.Created)}, nil)
	case "AWS::CloudFront::Distribution":
		return one(r.ID, "", map[string]any{"distributionConfig": map[string]any{"webACLId": astr(rp, "web_acl_id"), "enabled": abool(rp, "enabled"),
			"logging": map[string]any{"enabled": abool(rp, "logging_enabled")}}}, nil)
	case "AWS::CloudTrail::Trail":
		return one(r.ID, r.ID, map[string]any{"TrailName": r.ID, "IsMultiRegionTrail": abool(rp, "multi_region"), "IsLogging": abool(rp, "logging"),
			"S3BucketName": astr(rp, "s3_bucket")}, nil)
	case "AWS::GuardDuty::Detector":
		return one(r.ID, "", map[string]any{"Enable": astr(rp, "status") == "ENABLED", "FindingPublishingFrequency": "SIX_HOURS"}, nil)
	case "AWS::ECR::Repository":
		c := map[string]any{"RepositoryName": r.ID, "ImageScanningConfiguration": map[string]any{"ScanOnPush": abool(rp, "scan_on_push")}}
		if abool(rp, "lifecycle_policy") {
			c["LifecyclePolicy"] = map[string]any{"LifecyclePolicyText": `{"rules":[]}`, "RegistryId": r.Account}
		}
		return one(r.ID, r.ID, c, nil)
	}
	return nil
}

func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t)+1)
	for k, v := range t {
		out[k] = v
	}
	return out
}

func vpcSGs(r *inventory.Resource) []any {
	var out []any
	for _, sg := range targets(r, inventory.RelUsesSG) {
		out = append(out, map[string]any{"vpcSecurityGroupId": sg, "status": "active"})
	}
	return out
}

// bucketSupp is a bucket's supplementary configuration as Config records
// it: each setting present only when the bucket has it.
func bucketSupp(r *inventory.Resource) map[string]any {
	on := abool(r, "public_access_block")
	s := map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"blockPublicAcls": on, "ignorePublicAcls": on, "blockPublicPolicy": on, "restrictPublicBuckets": on},
		"BucketLoggingConfiguration":     map[string]any{},
		"BucketVersioningConfiguration":  map[string]any{"status": "Off"},
		"AccessControlList":              map[string]any{"owner": map[string]any{"id": "owner"}, "grantList": []any{map[string]any{"grantee": map[string]any{"id": "owner"}, "permission": "FullControl"}}},
	}
	if abool(r, "acl_public") {
		s["AccessControlList"] = map[string]any{"grantList": []any{map[string]any{"grantee": "AllUsers", "permission": "Read"}}}
	}
	var stmts []string
	if abool(r, "policy_public") {
		stmts = append(stmts, `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"`+r.ARN+`/*"}`)
	}
	if abool(r, "policy_denies_http") {
		stmts = append(stmts, `{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["`+r.ARN+`","`+r.ARN+`/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)
	}
	if abool(r, "policy_cross_account_control") {
		stmts = append(stmts, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":["s3:PutBucketPolicy"],"Resource":"`+r.ARN+`"}`)
	}
	if stmts != nil {
		s["BucketPolicy"] = map[string]any{"policyText": `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`}
	}
	confs := map[string]any{}
	if abool(r, "event_notifications") {
		confs["deletes"] = map[string]any{"type": "TopicConfiguration", "topicARN": "arn:aws:sns:" + r.Region + ":" + r.Account + ":bucket-events",
			"events": []any{"s3:ObjectRemoved:*"}}
	}
	s["BucketNotificationConfiguration"] = map[string]any{"configurations": confs}
	if enc := astr(r, "encryption"); enc != "" {
		s["ServerSideEncryptionConfiguration"] = map[string]any{"rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{"sseAlgorithm": enc}}}}
	}
	if v := astr(r, "versioning"); v != "" {
		s["BucketVersioningConfiguration"] = map[string]any{"status": v}
	}
	if abool(r, "logging_enabled") {
		s["BucketLoggingConfiguration"] = map[string]any{"destinationBucketName": "logs-" + r.Account}
	}
	if n, _ := r.Attrs.Value("lifecycle_rules").(float64); n > 0 {
		rules := make([]any, int(n))
		for i := range rules {
			rules[i] = map[string]any{"id": fmt.Sprint("rule-", i), "status": "Enabled"}
		}
		s["BucketLifecycleConfiguration"] = map[string]any{"rules": rules}
	}
	return s
}

// routeTables gives a public subnet an explicit table routing to an
// internet gateway, and its VPC a private main table once.
func (x *exporter) routeTables(subnet inventory.Resource) []map[string]any {
	vpc := astr(&subnet, "vpc_id")
	item := func(id string, routes, assocs []any) map[string]any {
		return map[string]any{"configurationItemVersion": "1.3", "configurationItemCaptureTime": ts(now.Add(-40 * 24 * time.Hour)),
			"awsAccountId": subnet.Account, "configurationItemStatus": "OK", "resourceType": "AWS::EC2::RouteTable", "resourceId": id,
			"ARN": fmt.Sprintf("arn:aws:ec2:%s:%s:route-table/%s", subnet.Region, subnet.Account, id), "awsRegion": subnet.Region,
			"tags": map[string]string{}, "relationships": []any{}, "supplementaryConfiguration": map[string]any{},
			"configuration": map[string]any{"routeTableId": id, "vpcId": vpc, "routes": routes, "associations": assocs}}
	}
	out := []map[string]any{item("rtb-main-"+vpc, []any{map[string]any{"destinationCidrBlock": "10.0.0.0/8", "gatewayId": "local", "state": "active"}},
		[]any{map[string]any{"main": true}})}
	if abool(&subnet, "public") {
		out = append(out, item("rtb-pub-"+subnet.ID, []any{map[string]any{"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-" + vpc, "state": "active"}},
			[]any{map[string]any{"main": false, "subnetId": subnet.ID}}))
	}
	return out
}

// notRecorded are the demo's types that are no Config items.
var notRecorded = map[string]string{
	"AWS::::Account":     "the account and its root user are no Config resource",
	"AWS::EC2::Snapshot": "EBS snapshots are no Config resource type",
}

// unknownAttrs are the demo's attrs a Config item does not hold, by
// "type attr", each with the reason. The test fails if one of them comes
// back, so the list stays true.
var unknownAttrs = map[string]string{
	"AWS::AutoScaling::AutoScalingGroup instance_types":           "the launch template's types are not in the group's item",
	"AWS::EC2::NatGateway bytes_out_14d":                          "CloudWatch metric",
	"AWS::ECR::Repository image_count":                            "images are no Config items",
	"AWS::ECS::Cluster running_tasks":                             "tasks are no Config items",
	"AWS::ECS::Service running_count":                             "the service item records the desired count only",
	"AWS::ElasticLoadBalancing::LoadBalancer instances":           "instance health is not recorded; decided only when every instance is stopped or gone",
	"AWS::ElasticLoadBalancingV2::LoadBalancer request_count_14d": "CloudWatch metric",
	"AWS::IAM::User access_key_max_age_days":                      "access keys are not in the user's item",
	"AWS::IAM::User console_access":                               "login profiles are not in the user's item",
	"AWS::IAM::User access_key_unused_days":                       "access keys are not in the user's item",
	"AWS::IAM::User mfa_enabled":                                  "MFA devices are not in the user's item",
	"AWS::IAM::User password_last_used":                           "sign-ins are not in the user's item",
	"AWS::Logs::LogGroup stored_bytes":                            "not in the log group's item",
	"AWS::RDS::DBCluster connections_lookback_days":               "CloudWatch metric",
	"AWS::RDS::DBCluster connections_max":                         "CloudWatch metric",
	"AWS::RDS::DBCluster stopped_at":                              "the item says stopped, not since when",
	"AWS::RDS::DBInstance connections_lookback_days":              "CloudWatch metric",
	"AWS::RDS::DBInstance connections_max":                        "CloudWatch metric",
	"AWS::RDS::DBInstance stopped_at":                             "the item says stopped, not since when",
	"AWS::S3::Bucket size_bytes":                                  "CloudWatch metric",
	"Steward::Account::Region config_recorder_enabled":            "Config cannot report on its own recorder",
	"Steward::Account::Region guardduty_enabled":                  "a region with no detector item is unknown",
	"Steward::Account::Region inspector_enabled":                  "Inspector's state is no Config item",
	"Steward::Account::Region securityhub_enabled":                "Security Hub's state is no Config item",
	"Steward::Account::Region ebs_default_encryption":             "an account setting, no Config item",
	"Steward::Account::Region rds_event_subscriptions":            "a region with no subscription item is unknown",
	"AWS::EC2::VPC flow_logs":                                     "a VPC with no flow log item is unknown",
	"AWS::Lambda::Function policy_public":                         "the function's resource policy is not read from its item",
	"AWS::RDS::DBSnapshot public":                                 "who may restore a snapshot is an attribute, not in the item",
	"AWS::RDS::DBClusterSnapshot public":                          "who may restore a snapshot is an attribute, not in the item",
}

// withoutHealth drops the health of each target: Config records a target
// group's targets but not their health.
func withoutHealth(v any) any {
	list, _ := v.([]any)
	out := make([]any, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		c := map[string]any{}
		for k, x := range m {
			if k != "health" {
				c[k] = x
			}
		}
		out = append(out, c)
	}
	return out
}

// extraAttrs are attrs the Config source adds that the demo does not set.
var extraAttrs = map[string]string{
	"AWS::ECS::Service last_changed": "the item's capture time; the demo's services have no deployment time",
}

// TestConfigParityAttrs compares the demo's resources with what the Config
// source reads back from their snapshot files, relations and attr by
// attr: every attr
// must come back with its value, but for those a Config item does not
// hold (unknownAttrs), which must come back absent, never as a zero.
func TestConfigParityAttrs(t *testing.T) {
	estate := demo.Estate(now)
	dir := t.TempDir()
	writeSnapshots(t, dir, estate)
	col, err := awsconfig.NewSource(dir, 0, nil).Collect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]inventory.Resource{}
	for _, r := range col.Resources {
		got[r.ARN] = r
	}
	used := map[string]bool{}
	for _, want := range estate {
		g, ok := got[want.ARN]
		if _, skip := notRecorded[want.Type]; skip {
			if ok {
				t.Errorf("%s (%s) is listed as not recorded by Config but was read", want.ARN, want.Type)
			}
			continue
		}
		if !ok {
			t.Errorf("%s (%s) was not read back", want.ARN, want.Type)
			continue
		}
		for k, wv := range want.Attrs.All() {
			key := want.Type + " " + k
			gv, has := g.Attrs.Get(k)
			if _, unknown := unknownAttrs[key]; unknown {
				if has && !cmp.Equal(norm(t, wv), norm(t, gv)) {
					t.Errorf("%s: %s = %v, want it absent (%s) or %v", want.ARN, k, gv, unknownAttrs[key], wv)
				}
				if !has {
					used[key] = true
				}
				continue
			}
			if !has {
				t.Errorf("%s: %s absent, want %v", want.ARN, k, wv)
				continue
			}
			if key == "AWS::ElasticLoadBalancingV2::TargetGroup targets" {
				wv = withoutHealth(wv)
			}
			if diff := cmp.Diff(norm(t, wv), norm(t, gv)); diff != "" {
				t.Errorf("%s: %s differs (-demo +config):\n%s", want.ARN, k, diff)
			}
		}
		if diff := cmp.Diff(relations(want), relations(g)); diff != "" {
			t.Errorf("%s: relations differ (-demo +config):\n%s", want.ARN, diff)
		}
		for k := range g.Attrs.All() {
			if _, ok := want.Attrs.Get(k); !ok {
				if _, ok := extraAttrs[want.Type+" "+k]; !ok {
					t.Errorf("%s: %s = %v, which the demo does not set", want.ARN, k, g.Attrs.Value(k))
				}
			}
		}
	}
	for key, why := range unknownAttrs {
		if !used[key] {
			t.Errorf("%s is listed as unknown to Config (%s) but always comes back", key, why)
		}
	}
}

func relations(r inventory.Resource) []string {
	var out []string
	for _, rel := range r.Relations {
		out = append(out, rel.Kind+" "+rel.Target)
	}
	slices.Sort(out)
	return out
}

// norm makes attr values comparable across JSON and Go spellings.
func norm(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
