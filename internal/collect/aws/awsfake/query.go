package awsfake

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// Services speaking the awsquery protocol: XML answers wrapped in
// <OpResponse><OpResult>, lists of <member> (RDS names its members).

func init() {
	handlers["elasticloadbalancingv2"] = (*Server).elbv2
	handlers["elasticloadbalancing"] = (*Server).elb
	handlers["rds"] = (*Server).rds
	handlers["autoscaling"] = (*Server).autoscaling
}

func (q *req) result(body string) {
	q.xml(200, "<"+q.op+"Response><"+q.op+"Result>"+body+"</"+q.op+"Result></"+q.op+"Response>")
}

// formList reads a query list parameter: Name.member.1, Name.member.2 ...
func formList(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func members(tag string, items []string) string {
	var b strings.Builder
	b.WriteString("<" + tag + ">")
	for _, it := range items {
		b.WriteString("<member>" + esc(it) + "</member>")
	}
	b.WriteString("</" + tag + ">")
	return b.String()
}

// queryTags renders tags as a list of Key/Value elements named item.
func queryTags(list, item string, tags map[string]string) string {
	var b strings.Builder
	b.WriteString("<" + list + ">")
	for _, k := range sortedKeys(tags) {
		fmt.Fprintf(&b, "<%s><Key>%s</Key><Value>%s</Value></%s>", item, esc(k), esc(tags[k]), item)
	}
	b.WriteString("</" + list + ">")
	return b.String()
}

func (s *Server) elbv2(q *req) {
	switch q.op {
	case "DescribeLoadBalancers":
		lbs := s.resources(q, "AWS::ElasticLoadBalancingV2::LoadBalancer")
		lo, hi, next := s.page(len(lbs), q.form.Get("Marker"))
		var b strings.Builder
		for _, r := range lbs[lo:hi] {
			fmt.Fprintf(&b, "<member><LoadBalancerArn>%s</LoadBalancerArn><LoadBalancerName>%s</LoadBalancerName><Type>%s</Type><Scheme>%s</Scheme><State><Code>%s</Code></State><CreatedTime>%s</CreatedTime>%s</member>",
				r.ARN, esc(r.Name), astr(r, "lb_type"), astr(r, "scheme"), r.State, ts(r.Created), members("SecurityGroups", relTargets(r, inventory.RelUsesSG)))
		}
		q.result("<LoadBalancers>" + b.String() + "</LoadBalancers>" + opt("NextMarker", next))
	case "DescribeLoadBalancerAttributes":
		r := s.byARN(q.account, q.form.Get("LoadBalancerArn"))
		if r == nil {
			q.fail(400, "LoadBalancerNotFound", "no load balancer "+q.form.Get("LoadBalancerArn"))
			return
		}
		// Settings the estate does not hold are left out, as an older
		// API would, so that no collector reads them as "off".
		extra := ""
		if v, ok := r.Attrs.Value("deletion_protection").(bool); ok {
			extra = fmt.Sprintf("<member><Key>deletion_protection.enabled</Key><Value>%t</Value></member>", v)
		}
		q.result(fmt.Sprintf("<Attributes><member><Key>access_logs.s3.enabled</Key><Value>%t</Value></member>%s</Attributes>", abool(r, "access_logs_enabled"), extra))
	case "DescribeTargetGroups":
		tgs := s.resources(q, "AWS::ElasticLoadBalancingV2::TargetGroup")
		lo, hi, next := s.page(len(tgs), q.form.Get("Marker"))
		var b strings.Builder
		for _, r := range tgs[lo:hi] {
			var lbs []string
			for _, rel := range r.Relations {
				if rel.Kind == inventory.RelAttachedTo {
					lbs = append(lbs, rel.Target)
				}
			}
			fmt.Fprintf(&b, "<member><TargetGroupArn>%s</TargetGroupArn><TargetGroupName>%s</TargetGroupName><TargetType>%s</TargetType>%s</member>",
				r.ARN, esc(r.Name), astr(r, "target_type"), members("LoadBalancerArns", lbs))
		}
		q.result("<TargetGroups>" + b.String() + "</TargetGroups>" + opt("NextMarker", next))
	case "DescribeListeners":
		lb := q.form.Get("LoadBalancerArn")
		if s.byARN(q.account, lb) == nil {
			q.fail(400, "LoadBalancerNotFound", "no load balancer "+lb)
			return
		}
		var ls []*inventory.Resource
		for _, r := range s.resources(q, "AWS::ElasticLoadBalancingV2::Listener") {
			for _, rel := range r.Relations {
				if rel.Kind == inventory.RelAttachedTo && rel.Target == lb {
					ls = append(ls, r)
					break
				}
			}
		}
		lo, hi, next := s.page(len(ls), q.form.Get("Marker"))
		var b strings.Builder
		for _, r := range ls[lo:hi] {
			var certs, actions strings.Builder
			for _, c := range alist(r, "certificate_arns") {
				fmt.Fprintf(&certs, "<member><CertificateArn>%s</CertificateArn></member>", esc(fmt.Sprint(c)))
			}
			for _, x := range alist(r, "default_actions") {
				m, _ := x.(map[string]any)
				tg, _ := m["target_group_arn"].(string)
				redirect, _ := m["redirect_protocol"].(string)
				fmt.Fprintf(&actions, "<member><Type>%s</Type>%s", m["type"], opt("TargetGroupArn", tg))
				if redirect != "" {
					fmt.Fprintf(&actions, "<RedirectConfig><Protocol>%s</Protocol><StatusCode>HTTP_301</StatusCode></RedirectConfig>", esc(redirect))
				}
				actions.WriteString("</member>")
			}
			port, _ := r.Attrs.Value("port").(float64)
			fmt.Fprintf(&b, "<member><ListenerArn>%s</ListenerArn><LoadBalancerArn>%s</LoadBalancerArn><Port>%d</Port><Protocol>%s</Protocol>%s<Certificates>%s</Certificates><DefaultActions>%s</DefaultActions></member>",
				r.ARN, lb, int(port), astr(r, "protocol"), opt("SslPolicy", astr(r, "ssl_policy")), certs.String(), actions.String())
		}
		q.result("<Listeners>" + b.String() + "</Listeners>" + opt("NextMarker", next))
	case "DescribeTargetHealth":
		r := s.byARN(q.account, q.form.Get("TargetGroupArn"))
		if r == nil {
			q.fail(400, "TargetGroupNotFound", "no target group "+q.form.Get("TargetGroupArn"))
			return
		}
		var b strings.Builder
		targets, _ := r.Attrs.Value("targets").([]any)
		for _, x := range targets {
			m, _ := x.(map[string]any)
			port, _ := m["port"].(float64)
			fmt.Fprintf(&b, "<member><Target><Id>%s</Id><Port>%d</Port></Target><TargetHealth><State>%s</State></TargetHealth></member>", m["id"], int(port), m["health"])
		}
		q.result("<TargetHealthDescriptions>" + b.String() + "</TargetHealthDescriptions>")
	case "DescribeTags":
		var b strings.Builder
		for _, arn := range formList(q.form, "ResourceArns") {
			if r := s.byARN(q.account, arn); r != nil {
				fmt.Fprintf(&b, "<member><ResourceArn>%s</ResourceArn>%s</member>", arn, queryTags("Tags", "member", r.Tags.Map()))
			}
		}
		q.result("<TagDescriptions>" + b.String() + "</TagDescriptions>")
	default:
		q.fail(400, "InvalidAction", "the fake does not serve elasticloadbalancingv2 "+q.op)
	}
}

// elb serves classic load balancers, named by their ids.
func (s *Server) elb(q *req) {
	lbs := s.resources(q, "AWS::ElasticLoadBalancing::LoadBalancer")
	named := func(name string) *inventory.Resource {
		for _, r := range lbs {
			if r.ID == name {
				return r
			}
		}
		return nil
	}
	switch q.op {
	case "DescribeLoadBalancers":
		lo, hi, next := s.page(len(lbs), q.form.Get("Marker"))
		var b strings.Builder
		for _, r := range lbs[lo:hi] {
			var inst strings.Builder
			for _, i := range instanceStates(r) {
				inst.WriteString("<member><InstanceId>" + i[0] + "</InstanceId></member>")
			}
			fmt.Fprintf(&b, "<member><LoadBalancerName>%s</LoadBalancerName><Scheme>%s</Scheme><CreatedTime>%s</CreatedTime>%s<Instances>%s</Instances></member>",
				r.ID, astr(r, "scheme"), ts(r.Created), members("SecurityGroups", relTargets(r, inventory.RelUsesSG)), inst.String())
		}
		q.result("<LoadBalancerDescriptions>" + b.String() + "</LoadBalancerDescriptions>" + opt("NextMarker", next))
	case "DescribeLoadBalancerAttributes":
		r := named(q.form.Get("LoadBalancerName"))
		if r == nil {
			q.fail(400, "LoadBalancerNotFound", "no load balancer "+q.form.Get("LoadBalancerName"))
			return
		}
		q.result(fmt.Sprintf("<LoadBalancerAttributes><AccessLog><Enabled>%t</Enabled></AccessLog></LoadBalancerAttributes>", abool(r, "access_logs_enabled")))
	case "DescribeInstanceHealth":
		r := named(q.form.Get("LoadBalancerName"))
		if r == nil {
			q.fail(400, "LoadBalancerNotFound", "no load balancer "+q.form.Get("LoadBalancerName"))
			return
		}
		var b strings.Builder
		for _, i := range instanceStates(r) {
			fmt.Fprintf(&b, "<member><InstanceId>%s</InstanceId><State>%s</State></member>", i[0], i[1])
		}
		q.result("<InstanceStates>" + b.String() + "</InstanceStates>")
	case "DescribeTags":
		var b strings.Builder
		for _, name := range formList(q.form, "LoadBalancerNames") {
			if r := named(name); r != nil {
				fmt.Fprintf(&b, "<member><LoadBalancerName>%s</LoadBalancerName>%s</member>", name, queryTags("Tags", "member", r.Tags.Map()))
			}
		}
		q.result("<TagDescriptions>" + b.String() + "</TagDescriptions>")
	default:
		q.fail(400, "InvalidAction", "the fake does not serve elasticloadbalancing "+q.op)
	}
}

func instanceStates(r *inventory.Resource) [][2]string {
	var out [][2]string
	list, _ := r.Attrs.Value("instances").([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		id, _ := m["id"].(string)
		st, _ := m["state"].(string)
		out = append(out, [2]string{id, st})
	}
	return out
}

// byARN finds one of the account's resources by ARN.
func (s *Server) byARN(account, arn string) *inventory.Resource {
	for _, r := range s.byAccount[account] {
		if r.ARN == arn {
			return r
		}
	}
	return nil
}

func xmlBool(name string, r *inventory.Resource, k string) string {
	if !ahas(r, k) {
		return ""
	}
	return fmt.Sprintf("<%s>%t</%s>", name, abool(r, k), name)
}

func (s *Server) rds(q *req) {
	// RDS writes states as lower-case words: available, stopped ...
	page := func(typ string, keep func(*inventory.Resource) bool, item func(*inventory.Resource) string) (string, string) {
		var rs []*inventory.Resource
		for _, r := range s.resources(q, typ) {
			if keep == nil || keep(r) {
				rs = append(rs, r)
			}
		}
		lo, hi, next := s.page(len(rs), q.form.Get("Marker"))
		var b strings.Builder
		for _, r := range rs[lo:hi] {
			b.WriteString(item(r))
		}
		return b.String(), next
	}
	sgs := func(r *inventory.Resource) string {
		var b strings.Builder
		b.WriteString("<VpcSecurityGroups>")
		for _, sg := range relTargets(r, inventory.RelUsesSG) {
			b.WriteString("<VpcSecurityGroupMembership><VpcSecurityGroupId>" + sg + "</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>")
		}
		b.WriteString("</VpcSecurityGroups>")
		return b.String()
	}
	snapshotType := q.form.Get("SnapshotType")
	ofType := func(r *inventory.Resource) bool {
		return snapshotType == "" || astr(r, "snapshot_type") == snapshotType
	}
	switch q.op {
	case "DescribeDBInstances":
		body, next := page("AWS::RDS::DBInstance", nil, func(r *inventory.Resource) string {
			var subnets strings.Builder
			for _, sn := range relTargets(r, inventory.RelInSubnet) {
				subnets.WriteString("<Subnet><SubnetIdentifier>" + sn + "</SubnetIdentifier></Subnet>")
			}
			return fmt.Sprintf("<DBInstance><DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceArn>%s</DBInstanceArn><Engine>%s</Engine><EngineVersion>%s</EngineVersion><DBInstanceClass>%s</DBInstanceClass><StorageType>%s</StorageType><AllocatedStorage>%d</AllocatedStorage>%s%s%s<DBInstanceStatus>%s</DBInstanceStatus><InstanceCreateTime>%s</InstanceCreateTime>%s<DBSubnetGroup><DBSubnetGroupName>default</DBSubnetGroupName><Subnets>%s</Subnets></DBSubnetGroup>%s%s</DBInstance>",
				r.ID, r.ARN, astr(r, "engine"), astr(r, "engine_version"), astr(r, "instance_class"), astr(r, "storage_type"), int(anum(r, "allocated_gb")),
				xmlBool("StorageEncrypted", r, "storage_encrypted"), xmlBool("PubliclyAccessible", r, "publicly_accessible"), xmlBool("MultiAZ", r, "multi_az"),
				r.State, ts(r.Created), opt("DBClusterIdentifier", astr(r, "cluster_id")), subnets.String(), sgs(r), queryTags("TagList", "Tag", r.Tags.Map()))
		})
		q.result("<DBInstances>" + body + "</DBInstances>" + opt("Marker", next))
	case "DescribeDBClusters":
		body, next := page("AWS::RDS::DBCluster", nil, func(r *inventory.Resource) string {
			var ms strings.Builder
			for _, m := range s.resources(q, "AWS::RDS::DBInstance") {
				if astr(m, "cluster_id") == r.ID {
					ms.WriteString("<DBClusterMember><DBInstanceIdentifier>" + m.ID + "</DBInstanceIdentifier></DBClusterMember>")
				}
			}
			return fmt.Sprintf("<DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><DBClusterArn>%s</DBClusterArn><Engine>%s</Engine><EngineVersion>%s</EngineVersion>%s<Status>%s</Status><ClusterCreateTime>%s</ClusterCreateTime><DBClusterMembers>%s</DBClusterMembers>%s%s</DBCluster>",
				r.ID, r.ARN, astr(r, "engine"), astr(r, "engine_version"), xmlBool("StorageEncrypted", r, "storage_encrypted"),
				r.State, ts(r.Created), ms.String(), sgs(r), queryTags("TagList", "Tag", r.Tags.Map()))
		})
		q.result("<DBClusters>" + body + "</DBClusters>" + opt("Marker", next))
	case "DescribeDBSnapshotAttributes", "DescribeDBClusterSnapshotAttributes":
		kind, typ := "DBSnapshot", "AWS::RDS::DBSnapshot"
		if q.op == "DescribeDBClusterSnapshotAttributes" {
			kind, typ = "DBClusterSnapshot", "AWS::RDS::DBClusterSnapshot"
		}
		id := q.form.Get(kind + "Identifier")
		values := ""
		for _, r := range s.resources(q, typ) {
			if r.ID == id && abool(r, "public") {
				values = "<AttributeValue>all</AttributeValue>"
			}
		}
		q.result(fmt.Sprintf("<%sAttributesResult><%sIdentifier>%s</%sIdentifier><%sAttributes><%sAttribute><AttributeName>restore</AttributeName><AttributeValues>%s</AttributeValues></%sAttribute></%sAttributes></%sAttributesResult>",
			kind, kind, esc(id), kind, kind, kind, values, kind, kind, kind))
	case "DescribeEventSubscriptions":
		var b strings.Builder
		if reg := s.find(q.account, "Steward::Account::Region", func(r *inventory.Resource) bool { return r.Region == q.region }); reg != nil {
			subs, _ := reg.Attrs.Value("rds_event_subscriptions").([]any)
			for i, x := range subs {
				m, _ := x.(map[string]any)
				var cats strings.Builder
				list, _ := m["categories"].([]any)
				for _, c := range list {
					fmt.Fprintf(&cats, "<EventCategory>%v</EventCategory>", c)
				}
				fmt.Fprintf(&b, "<EventSubscription><CustSubscriptionId>sub-%d</CustSubscriptionId><SourceType>%v</SourceType><Enabled>%v</Enabled><EventCategoriesList>%s</EventCategoriesList><Status>active</Status></EventSubscription>",
					i, m["source_type"], m["enabled"], cats.String())
			}
		}
		q.result("<EventSubscriptionsList>" + b.String() + "</EventSubscriptionsList>")
	case "DescribeDBSnapshots":
		body, next := page("AWS::RDS::DBSnapshot", ofType, func(r *inventory.Resource) string {
			return fmt.Sprintf("<DBSnapshot><DBSnapshotIdentifier>%s</DBSnapshotIdentifier><DBSnapshotArn>%s</DBSnapshotArn><SnapshotType>%s</SnapshotType><AllocatedStorage>%d</AllocatedStorage>%s%s<Status>%s</Status><SnapshotCreateTime>%s</SnapshotCreateTime>%s</DBSnapshot>",
				esc(r.ID), r.ARN, astr(r, "snapshot_type"), int(anum(r, "allocated_gb")), xmlBool("Encrypted", r, "encrypted"),
				opt("DBInstanceIdentifier", astr(r, "db_instance")), r.State, ts(r.Created), queryTags("TagList", "Tag", r.Tags.Map()))
		})
		q.result("<DBSnapshots>" + body + "</DBSnapshots>" + opt("Marker", next))
	case "DescribeDBClusterSnapshots":
		body, next := page("AWS::RDS::DBClusterSnapshot", ofType, func(r *inventory.Resource) string {
			return fmt.Sprintf("<DBClusterSnapshot><DBClusterSnapshotIdentifier>%s</DBClusterSnapshotIdentifier><DBClusterSnapshotArn>%s</DBClusterSnapshotArn><SnapshotType>%s</SnapshotType><AllocatedStorage>%d</AllocatedStorage>%s%s<Status>%s</Status><SnapshotCreateTime>%s</SnapshotCreateTime>%s</DBClusterSnapshot>",
				esc(r.ID), r.ARN, astr(r, "snapshot_type"), int(anum(r, "allocated_gb")), xmlBool("StorageEncrypted", r, "encrypted"),
				opt("DBClusterIdentifier", astr(r, "db_cluster")), r.State, ts(r.Created), queryTags("TagList", "Tag", r.Tags.Map()))
		})
		q.result("<DBClusterSnapshots>" + body + "</DBClusterSnapshots>" + opt("Marker", next))
	default:
		q.fail(400, "InvalidAction", "the fake does not serve rds "+q.op)
	}
}

// autoscaling serves groups with the instances that are member-of them.
func (s *Server) autoscaling(q *req) {
	switch q.op {
	case "DescribeAutoScalingGroups":
		gs := s.resources(q, "AWS::AutoScaling::AutoScalingGroup")
		lo, hi, next := s.page(len(gs), q.form.Get("NextToken"))
		var b strings.Builder
		for _, r := range gs[lo:hi] {
			var inst strings.Builder
			for _, i := range s.resources(q, "AWS::EC2::Instance") {
				if slices.ContainsFunc(i.Relations, func(rel inventory.Relation) bool { return rel.Kind == inventory.RelMemberOf && rel.Target == r.ARN }) {
					fmt.Fprintf(&inst, "<member><InstanceId>%s</InstanceId><InstanceType>%s</InstanceType><LifecycleState>InService</LifecycleState></member>", i.ID, astr(i, "instance_type"))
				}
			}
			var overrides strings.Builder
			types, _ := r.Attrs.Value("instance_types").([]any)
			for _, t := range types {
				fmt.Fprintf(&overrides, "<member><InstanceType>%s</InstanceType></member>", t)
			}
			var tags strings.Builder
			for _, k := range sortedKeys(r.Tags.Map()) {
				fmt.Fprintf(&tags, "<member><Key>%s</Key><Value>%s</Value><ResourceId>%s</ResourceId><ResourceType>auto-scaling-group</ResourceType><PropagateAtLaunch>true</PropagateAtLaunch></member>", esc(k), esc(r.Tags.Value(k)), r.ID)
			}
			fmt.Fprintf(&b, "<member><AutoScalingGroupName>%s</AutoScalingGroupName><AutoScalingGroupARN>%s</AutoScalingGroupARN><MinSize>%d</MinSize><MaxSize>%d</MaxSize><DesiredCapacity>%d</DesiredCapacity><CreatedTime>%s</CreatedTime><Instances>%s</Instances><MixedInstancesPolicy><LaunchTemplate><LaunchTemplateSpecification><LaunchTemplateName>%s</LaunchTemplateName></LaunchTemplateSpecification><Overrides>%s</Overrides></LaunchTemplate></MixedInstancesPolicy><Tags>%s</Tags></member>",
				esc(r.ID), r.ARN, int(anum(r, "min_size")), int(anum(r, "max_size")), int(anum(r, "desired_capacity")), ts(r.Created), inst.String(), esc(r.ID), overrides.String(), tags.String())
		}
		q.result("<AutoScalingGroups>" + b.String() + "</AutoScalingGroups>" + opt("NextToken", next))
	case "DescribeLaunchConfigurations":
		q.result("<LaunchConfigurations></LaunchConfigurations>")
	default:
		q.fail(400, "InvalidAction", "the fake does not serve autoscaling "+q.op)
	}
}

// alist reads a list attr whether the estate holds it as []any or as a
// typed slice.
func alist(r *inventory.Resource, k string) []any {
	switch v := r.Attrs.Value(k).(type) {
	case []any:
		return v
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	}
	return nil
}
