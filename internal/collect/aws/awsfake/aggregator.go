package awsfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// AWS Config's aggregator calls: the sources it holds, and advanced
// queries answered with configuration items rendered from the estate in
// the shape AWS Config gives them.

func (s *Server) config(q *req) {
	switch q.op {
	case "DescribeConfigurationRecorderStatus":
		s.configRecorder(q)
	case "DescribeConfigurationAggregatorSourcesStatus":
		s.aggregatorSources(q)
	case "SelectAggregateResourceConfig":
		s.selectAggregate(q)
	default:
		q.fail(400, "UnknownOperationException", "the fake does not serve config "+q.op)
	}
}

// aggregator checks the request names the fake's aggregator.
func (s *Server) aggregator(q *req) bool {
	name, _ := q.body["ConfigurationAggregatorName"].(string)
	if s.opts.ConfigAggregator == "" || name != s.opts.ConfigAggregator {
		q.fail(400, "NoSuchConfigurationAggregatorException", "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
		return false
	}
	return true
}

// aggregatorSources reports every account and enabled region of the
// estate. A region whose recorder is off is reported as a failed update,
// as is one listed in Options.StaleSources.
func (s *Server) aggregatorSources(q *req) {
	if !s.aggregator(q) {
		return
	}
	var list []map[string]any
	for _, acct := range sortedKeys(s.accountSet()) {
		for _, region := range s.regions(acct) {
			st := map[string]any{"SourceId": acct, "SourceType": "ACCOUNT", "AwsRegion": region, "LastUpdateStatus": "SUCCEEDED"}
			r := s.find(acct, "Steward::Account::Region", func(r *inventory.Resource) bool { return r.Region == region })
			if (r != nil && ahas(r, "config_recorder_enabled") && !abool(r, "config_recorder_enabled")) || slices.Contains(s.opts.StaleSources, acct+"/"+region) {
				st["LastUpdateStatus"] = "FAILED"
				st["LastErrorCode"] = "NoAvailableConfigurationRecorderException"
			}
			list = append(list, st)
		}
	}
	tok, _ := q.body["NextToken"].(string)
	lo, hi, next := s.page(len(list), tok)
	resp := map[string]any{"AggregatedSourceStatusList": list[lo:hi]}
	if next != "" {
		resp["NextToken"] = next
	}
	q.json(200, resp)
}

func (s *Server) accountSet() map[string]string {
	out := map[string]string{}
	for a := range s.byAccount {
		out[a] = a
	}
	return out
}

var inClause = regexp.MustCompile(`(?i)(\w+)\s+IN\s*\(([^)]*)\)`)

// selectFilter reads the "field IN ('a', 'b')" clauses of an expression;
// the fake understands no other conditions and refuses queries without a
// resourceType filter, as a scan should never read a whole aggregator.
func selectFilter(expr string) (map[string][]string, error) {
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(expr)), "SELECT ") {
		return nil, fmt.Errorf("expression must start with SELECT")
	}
	out := map[string][]string{}
	for _, m := range inClause.FindAllStringSubmatch(expr, -1) {
		for _, v := range strings.Split(m[2], ",") {
			out[m[1]] = append(out[m[1]], strings.Trim(strings.TrimSpace(v), "'"))
		}
	}
	if len(out["resourceType"]) == 0 {
		return nil, fmt.Errorf("the fake needs a resourceType IN (...) condition")
	}
	return out, nil
}

func (s *Server) selectAggregate(q *req) {
	if !s.aggregator(q) {
		return
	}
	expr, _ := q.body["Expression"].(string)
	filter, err := selectFilter(expr)
	if err != nil {
		q.fail(400, "InvalidExpressionException", err.Error())
		return
	}
	var results []string
	for _, acct := range sortedKeys(s.accountSet()) {
		if accts := filter["accountId"]; len(accts) > 0 && !slices.Contains(accts, acct) {
			continue
		}
		for _, region := range s.regions(acct) {
			fresh := true
			if r := s.find(acct, "Steward::Account::Region", func(r *inventory.Resource) bool { return r.Region == region }); r != nil && ahas(r, "config_recorder_enabled") {
				fresh = abool(r, "config_recorder_enabled")
			}
			if !fresh {
				continue // nothing recorded there
			}
			for _, typ := range filter["resourceType"] {
				for _, it := range s.configItems(acct, region, typ) {
					b, _ := json.Marshal(it)
					results = append(results, string(b))
				}
			}
		}
	}
	limit := 100
	if l, ok := q.body["Limit"].(float64); ok && l > 0 && l < 100 {
		limit = int(l)
	}
	tok, _ := q.body["NextToken"].(string)
	lo, _ := strconv.Atoi(tok)
	lo = min(max(lo, 0), len(results))
	hi := min(lo+limit, len(results))
	resp := map[string]any{"Results": results[lo:hi], "QueryInfo": map[string]any{"SelectFields": []map[string]string{{"Name": "*"}}}}
	if hi < len(results) {
		resp["NextToken"] = strconv.Itoa(hi)
	}
	q.json(200, resp)
}

// configItems renders the resources of one type in an account and region
// as configuration items.
func (s *Server) configItems(acct, region, typ string) []map[string]any {
	var out []map[string]any
	if typ == "AWS::EC2::RouteTable" {
		return s.routeTableItems(acct, region)
	}
	for _, r := range s.byAccount[acct] {
		if r.Type != typ || r.Region != region {
			continue
		}
		it := map[string]any{
			"resourceType": r.Type, "resourceId": r.ID, "accountId": r.Account, "awsRegion": r.Region, "arn": r.ARN,
			"configurationItemStatus": "OK", "tags": jsonTags(r.Tags.Map(), "key", "value"), "relationships": []any{},
			"supplementaryConfiguration": map[string]any{},
		}
		var conf map[string]any
		switch r.Type {
		case "AWS::EC2::Instance":
			conf = instanceConfig(r)
			if asg := astr(r, "asg_name"); asg != "" {
				tags := map[string]string{"aws:autoscaling:groupName": asg}
				for k, v := range r.Tags.All() {
					tags[k] = v
				}
				it["tags"] = jsonTags(tags, "key", "value")
			}
		case "AWS::EC2::Volume":
			var atts []map[string]any
			for _, i := range relTargets(r, inventory.RelAttachedTo) {
				atts = append(atts, map[string]any{"instanceId": i, "volumeId": r.ID, "state": "attached"})
			}
			conf = map[string]any{"volumeId": r.ID, "volumeType": astr(r, "volume_type"), "size": anum(r, "size_gb"),
				"encrypted": abool(r, "encrypted"), "availabilityZone": astr(r, "availability_zone"), "state": r.State,
				"createTime": ts(r.Created), "attachments": atts}
			if ahas(r, "iops") {
				conf["iops"] = anum(r, "iops")
			}
		case "AWS::EC2::EIP":
			conf = map[string]any{"publicIp": astr(r, "public_ip"), "allocationId": astr(r, "allocation_id"), "domain": "vpc"}
			if a := astr(r, "association_id"); a != "" {
				conf["associationId"] = a
			}
			for _, rel := range r.Relations {
				if rel.Kind == inventory.RelAttachedTo && strings.Contains(rel.Target, ":instance/") {
					conf["instanceId"] = rel.Target[strings.LastIndexByte(rel.Target, '/')+1:]
				}
			}
		case "AWS::EC2::SecurityGroup":
			it["resourceName"] = astr(r, "group_name")
			conf = securityGroupConfig(r)
		case "AWS::EC2::VPC":
			conf = map[string]any{"vpcId": r.ID, "cidrBlock": astr(r, "cidr"), "isDefault": abool(r, "is_default"), "state": r.State}
		case "AWS::EC2::Subnet":
			conf = map[string]any{"subnetId": r.ID, "vpcId": astr(r, "vpc_id"), "cidrBlock": astr(r, "cidr"),
				"availabilityZone": astr(r, "availability_zone"), "defaultForAz": abool(r, "default_for_az"), "state": r.State}
		case "AWS::EC2::NatGateway":
			var addrs []map[string]any
			for _, e := range s.byAccount[acct] {
				if e.Type != "AWS::EC2::EIP" || e.Region != region {
					continue
				}
				for _, rel := range e.Relations {
					if rel.Kind == inventory.RelAttachedTo && rel.Target == r.ARN {
						addrs = append(addrs, map[string]any{"allocationId": astr(e, "allocation_id"), "publicIp": astr(e, "public_ip")})
					}
				}
			}
			subnet := ""
			if sn := relTargets(r, inventory.RelInSubnet); len(sn) > 0 {
				subnet = sn[0]
			}
			conf = map[string]any{"natGatewayId": r.ID, "subnetId": subnet, "state": r.State, "connectivityType": astr(r, "connectivity_type"),
				"createTime": ts(r.Created), "natGatewayAddresses": addrs}
		case "AWS::RDS::DBInstance":
			it["resourceId"], it["resourceName"] = "db-"+strings.ToUpper(r.ID), r.ID
			conf = dbInstanceConfig(r)
		case "AWS::RDS::DBCluster":
			it["resourceId"], it["resourceName"] = "cluster-"+strings.ToUpper(r.ID), r.ID
			var members []map[string]any
			for _, m := range s.byAccount[acct] {
				if m.Type == "AWS::RDS::DBInstance" && astr(m, "cluster_id") == r.ID {
					members = append(members, map[string]any{"dBInstanceIdentifier": m.ID})
				}
			}
			conf = map[string]any{"dBClusterIdentifier": r.ID, "engine": astr(r, "engine"), "engineVersion": astr(r, "engine_version"),
				"storageEncrypted": abool(r, "storage_encrypted"), "status": r.State, "clusterCreateTime": ts(r.Created),
				"dBClusterMembers": members, "vpcSecurityGroups": vpcSGs(r)}
		case "AWS::RDS::DBSnapshot":
			it["resourceName"] = r.ID
			conf = map[string]any{"dBSnapshotIdentifier": r.ID, "snapshotType": astr(r, "snapshot_type"), "allocatedStorage": anum(r, "allocated_gb"),
				"encrypted": abool(r, "encrypted"), "status": r.State, "snapshotCreateTime": ts(r.Created)}
			if db := astr(r, "db_instance"); db != "" {
				conf["dBInstanceIdentifier"] = db
			}
		case "AWS::RDS::DBClusterSnapshot":
			it["resourceName"] = r.ID
			conf = map[string]any{"dBClusterSnapshotIdentifier": r.ID, "snapshotType": astr(r, "snapshot_type"), "allocatedStorage": anum(r, "allocated_gb"),
				"storageEncrypted": abool(r, "encrypted"), "status": r.State, "snapshotCreateTime": ts(r.Created)}
			if cl := astr(r, "db_cluster"); cl != "" {
				conf["dBClusterIdentifier"] = cl
			}
		default:
			continue // a type the fake's Config does not record
		}
		// Config gives a creation time for the types whose describe
		// output carries one.
		if !r.Created.IsZero() && (conf["createTime"] != nil || conf["clusterCreateTime"] != nil || conf["snapshotCreateTime"] != nil ||
			r.Type == "AWS::EC2::Instance" || r.Type == "AWS::RDS::DBInstance") {
			it["resourceCreationTime"] = ts(r.Created)
		}
		it["configuration"] = conf
		out = append(out, it)
	}
	return out
}

func instanceConfig(r *inventory.Resource) map[string]any {
	c := map[string]any{"instanceId": r.ID, "instanceType": astr(r, "instance_type"), "launchTime": astr(r, "launch_time"),
		"state": map[string]any{"code": 16, "name": r.State}}
	if at := astr(r, "stopped_at"); at != "" {
		c["stateTransitionReason"] = "User initiated (" + strings.Replace(strings.TrimSuffix(at, "Z"), "T", " ", 1) + " GMT)"
	}
	if ip := astr(r, "public_ip"); ip != "" {
		c["publicIpAddress"] = ip
	}
	if v := astr(r, "vpc_id"); v != "" {
		c["vpcId"] = v
	}
	if v := astr(r, "subnet_id"); v != "" {
		c["subnetId"] = v
	}
	if astr(r, "platform") == "windows" {
		c["platform"] = "windows"
	}
	var sgs []map[string]any
	for _, sg := range relTargets(r, inventory.RelUsesSG) {
		sgs = append(sgs, map[string]any{"groupId": sg})
	}
	c["securityGroups"] = sgs
	return c
}

func securityGroupConfig(r *inventory.Resource) map[string]any {
	var perms []map[string]any
	rules, _ := r.Attrs.Value("ingress").([]any)
	for _, x := range rules {
		m, _ := x.(map[string]any)
		proto, _ := m["protocol"].(string)
		from, _ := m["from_port"].(float64)
		to, _ := m["to_port"].(float64)
		cidr, _ := m["cidr"].(string)
		sg, _ := m["source_sg"].(string)
		p := map[string]any{"ipProtocol": proto, "ipv4Ranges": []any{}, "ipv6Ranges": []any{}, "userIdGroupPairs": []any{}}
		if proto != "-1" {
			p["fromPort"], p["toPort"] = from, to
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
	return map[string]any{"groupId": r.ID, "groupName": astr(r, "group_name"), "vpcId": astr(r, "vpc_id"), "ownerId": r.Account,
		"ipPermissions": perms}
}

func vpcSGs(r *inventory.Resource) []map[string]any {
	var out []map[string]any
	for _, sg := range relTargets(r, inventory.RelUsesSG) {
		out = append(out, map[string]any{"vpcSecurityGroupId": sg, "status": "active"})
	}
	return out
}

func dbInstanceConfig(r *inventory.Resource) map[string]any {
	var subnets []map[string]any
	for _, sn := range relTargets(r, inventory.RelInSubnet) {
		subnets = append(subnets, map[string]any{"subnetIdentifier": sn})
	}
	c := map[string]any{"dBInstanceIdentifier": r.ID, "engine": astr(r, "engine"), "engineVersion": astr(r, "engine_version"),
		"dBInstanceClass": astr(r, "instance_class"), "storageType": astr(r, "storage_type"), "allocatedStorage": anum(r, "allocated_gb"),
		"storageEncrypted": abool(r, "storage_encrypted"), "publiclyAccessible": abool(r, "publicly_accessible"), "multiAZ": abool(r, "multi_az"),
		"dBInstanceStatus": r.State, "instanceCreateTime": ts(r.Created), "vpcSecurityGroups": vpcSGs(r),
		"dBSubnetGroup": map[string]any{"dBSubnetGroupName": "default", "subnets": subnets}}
	if cl := astr(r, "cluster_id"); cl != "" {
		c["dBClusterIdentifier"] = cl
	}
	return c
}

// routeTableItems gives every VPC a private main table and every public
// subnet an explicit table routing to an internet gateway, as the EC2
// answer does.
func (s *Server) routeTableItems(acct, region string) []map[string]any {
	var out []map[string]any
	item := func(id, vpc string, routes, assocs []map[string]any) map[string]any {
		return map[string]any{"resourceType": "AWS::EC2::RouteTable", "resourceId": id, "accountId": acct, "awsRegion": region,
			"arn": fmt.Sprintf("arn:aws:ec2:%s:%s:route-table/%s", region, acct, id), "configurationItemStatus": "OK",
			"tags": []any{}, "relationships": []any{}, "supplementaryConfiguration": map[string]any{},
			"configuration": map[string]any{"routeTableId": id, "vpcId": vpc, "routes": routes, "associations": assocs}}
	}
	for _, r := range s.byAccount[acct] {
		if r.Region != region {
			continue
		}
		switch {
		case r.Type == "AWS::EC2::VPC":
			out = append(out, item("rtb-main-"+r.ID, r.ID,
				[]map[string]any{{"destinationCidrBlock": astr(r, "cidr"), "gatewayId": "local", "state": "active"}},
				[]map[string]any{{"main": true}}))
		case r.Type == "AWS::EC2::Subnet" && abool(r, "public"):
			vpc := astr(r, "vpc_id")
			out = append(out, item("rtb-pub-"+r.ID, vpc,
				[]map[string]any{{"destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-" + vpc, "state": "active"}},
				[]map[string]any{{"main": false, "subnetId": r.ID}}))
		}
	}
	return out
}
