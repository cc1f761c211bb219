package awsconfig

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// mapping builds one resource from one item.
type mapping struct {
	r     *reader
	e     *estate
	it    *item
	rs    *inventory.Resource
	attrs map[string]any
	part  string
}

func (m *mapping) set(key string, v any) { m.attrs[key] = v }

func (m *mapping) str(o obj, from, to string) (string, bool) {
	s, ok := m.r.str(o, from)
	if ok {
		m.set(to, s)
	}
	return s, ok
}

func (m *mapping) num(o obj, from, to string) (float64, bool) {
	f, ok := m.r.num(o, from)
	if ok {
		m.set(to, f)
	}
	return f, ok
}

func (m *mapping) boolean(o obj, from, to string) (bool, bool) {
	b, ok := m.r.boolean(o, from)
	if ok {
		m.set(to, b)
	}
	return b, ok
}

func (m *mapping) time(o obj, from, to string) {
	if s, ok := m.r.timeAttr(o, from); ok {
		m.set(to, s)
	}
}

// rel adds an edge of kind to a resource of type typ named by id (or ARN),
// when the kind applies to this resource's type.
func (m *mapping) rel(kind, typ, id string) {
	if id == "" || !relSources[kind][m.rs.Type] {
		return
	}
	target := m.e.resolve(typ, m.part, m.it.region, m.it.account, id)
	if target == "" || target == m.rs.ARN {
		return
	}
	m.rs.Relations = append(m.rs.Relations, inventory.Relation{Kind: kind, Target: target})
}

// created falls back to the creation time inside configuration when the
// envelope has none.
func (m *mapping) created(o obj, key string) {
	if !m.rs.Created.IsZero() {
		return
	}
	if t, ok := m.r.time(o, key); ok {
		m.rs.Created = t
	}
}

// mapItem turns one live item of a known type into a resource.
func (e *estate) mapItem(it *item) (inventory.Resource, error) {
	var r reader
	rs := inventory.Resource{
		ARN:     it.arn,
		Account: it.account,
		Region:  it.region,
		Type:    it.typ,
		ID:      it.id,
		Name:    it.name,
		Tags:    inventory.TagsOf(it.tags),
		Created: it.created,
	}
	if needsName(it.typ) && it.name != "" {
		rs.ID = it.name // resourceId is an internal id (db-ABC..., AIDA...)
	}
	// A Name tag says more than a name that only repeats the id.
	if tag := it.tags["Name"]; tag != "" && (rs.Name == "" || rs.Name == it.id) {
		rs.Name = tag
	}
	m := &mapping{r: &r, e: e, it: it, rs: &rs, attrs: map[string]any{}, part: partitionOf(it.arn)}

	for _, rel := range it.rels {
		dst := canonicalType(rel.resourceType)
		kind := relationKind(it.typ, rel.name, dst)
		if kind == "" {
			continue
		}
		target := ""
		for _, id := range []string{rel.resourceID, rel.resourceName} {
			if a := e.lookup(dst, it.account, it.region, id); a != "" {
				target = a
				break
			}
		}
		if target == "" {
			id := rel.resourceID
			if needsName(dst) || id == "" {
				id = rel.resourceName
			}
			target = buildARN(dst, m.part, it.region, it.account, id)
		}
		if target != "" && target != rs.ARN {
			rs.Relations = append(rs.Relations, inventory.Relation{Kind: kind, Target: target})
		}
	}

	c := it.conf
	switch it.typ {
	case tInstance:
		m.instance(c)
	case tVolume:
		m.volume(c)
	case tEIP:
		m.eip(c)
	case tSG:
		m.securityGroup(c)
	case tVPC:
		m.vpc(c)
	case tSubnet:
		m.subnet(c)
	case tNAT:
		m.natGateway(c)
	case tLB:
		m.loadBalancer(c)
	case tTargetGroup:
		m.targetGroup(c)
	case tDB:
		m.dbInstance(c)
	case tDBCluster:
		m.dbCluster(c)
	case tDBSnapshot:
		m.dbSnapshot(c)
	case tDBClusterSnp:
		m.dbClusterSnapshot(c)
	case tBucket:
		m.bucket(c)
	case tLogGroup:
		m.logGroup(c)
	case tUser:
		m.user(c)
	case tECSCluster:
		m.ecsCluster(c)
	case tECSService:
		m.ecsService(c)
	case tTaskDef:
		m.taskDefinition(c)
	case tFunction:
		m.function(c)
	case tASG:
		m.num(c, "minSize", "min_size")
		m.num(c, "maxSize", "max_size")
		m.num(c, "desiredCapacity", "desired_capacity")
		m.created(c, "createdTime")
	case tClassicLB:
		m.classicLB(c)
	case tTrail:
		m.boolean(c, "isMultiRegionTrail", "multi_region")
		m.boolean(c, "isLogging", "logging")
		m.str(c, "s3BucketName", "s3_bucket")
		if n, ok := m.r.str(c, "trailName"); ok && m.rs.Name == "" {
			m.rs.Name = n
		}
	case tDetector:
		m.detector(c)
	case tDistribution:
		m.distribution(c)
	case tListener:
		m.listener(c)
	case tRepository:
		m.repository(c)
	}
	if r.err != nil {
		return rs, fmt.Errorf("%s: %w", it.file, r.err)
	}
	if len(m.attrs) > 0 {
		rs.Attrs = inventory.AttrsOf(m.attrs)
	}
	rs.Relations = dedupeRelations(rs.Relations)
	if err := rs.Validate(); err != nil {
		return rs, fmt.Errorf("%s: %s: %w", it.file, it.where(), err)
	}
	return rs, nil
}

// lookup finds the ARN of an item in the files, or "".
func (e *estate) lookup(typ, account, region, id string) string {
	if id == "" || typ == "" {
		return ""
	}
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	if a, ok := e.arns[arnKey(typ, account, region, id)]; ok {
		return a
	}
	return e.arns[arnKey(typ, account, "", id)]
}

// stoppedRe finds the time in a stateTransitionReason such as
// "User initiated (2024-03-01 18:02:11 GMT)".
var stoppedRe = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)`)

func (m *mapping) instance(c obj) {
	m.str(c, "instanceType", "instance_type")
	m.time(c, "launchTime", "launch_time")
	m.rs.State = m.r.state(c, "state")
	if m.rs.State == "stopped" {
		reason, _ := m.r.str(c, "stateTransitionReason")
		if sm := stoppedRe.FindStringSubmatch(reason); sm != nil {
			if t, err := time.Parse("2006-01-02 15:04:05", sm[1]); err == nil {
				m.set("stopped_at", t.UTC().Format(time.RFC3339))
			}
		}
	}
	if c.present() {
		// Config records the whole describe output: no address means none.
		ip, _ := m.r.str(c, "publicIpAddress")
		m.set("public_ip", ip)
		platform := "linux"
		if p, _ := m.r.str(c, "platform"); strings.EqualFold(p, "windows") {
			platform = "windows"
		}
		m.set("platform", platform)
	}
	m.str(c, "vpcId", "vpc_id")
	subnet, _ := m.str(c, "subnetId", "subnet_id")
	m.rel(inventory.RelInSubnet, tSubnet, subnet)
	if asg := m.it.tags["aws:autoscaling:groupName"]; asg != "" {
		m.set("asg_name", asg)
		if a := m.e.lookup(tASG, m.it.account, m.it.region, asg); a != "" {
			m.rel(inventory.RelMemberOf, tASG, a)
		}
	}
	sgs, _ := m.r.objects(c, "securityGroups")
	for _, sg := range sgs {
		id, _ := m.r.str(sg, "groupId")
		m.rel(inventory.RelUsesSG, tSG, id)
	}
}

func (m *mapping) volume(c obj) {
	m.str(c, "volumeType", "volume_type")
	m.num(c, "size", "size_gb")
	m.num(c, "iops", "iops")
	m.boolean(c, "encrypted", "encrypted")
	m.str(c, "availabilityZone", "availability_zone")
	m.rs.State = m.r.state(c, "state")
	m.created(c, "createTime")
	atts, _ := m.r.objects(c, "attachments")
	for _, a := range atts {
		id, _ := m.r.str(a, "instanceId")
		m.rel(inventory.RelAttachedTo, tInstance, id)
	}
}

func (m *mapping) eip(c obj) {
	m.str(c, "publicIp", "public_ip")
	m.str(c, "allocationId", "allocation_id")
	if c.present() {
		assoc, _ := m.r.str(c, "associationId")
		m.set("association_id", assoc)
	}
	inst, _ := m.r.str(c, "instanceId")
	m.rel(inventory.RelAttachedTo, tInstance, inst)
}

func (m *mapping) securityGroup(c obj) {
	name, ok := m.str(c, "groupName", "group_name")
	if ok {
		m.set("is_default", name == "default")
		if m.rs.Name == "" {
			m.rs.Name = name
		}
	}
	vpc, _ := m.str(c, "vpcId", "vpc_id")
	m.rel(inventory.RelInVPC, tVPC, vpc)
	if !c.present() {
		return
	}
	perms, _ := m.r.objects(c, "ipPermissions")
	ingress := []any{}
	for _, p := range perms {
		proto, _ := m.r.str(p, "ipProtocol")
		from, ok := m.r.num(p, "fromPort")
		if !ok {
			from = 0 // all traffic (-1) carries no ports
		}
		to, ok := m.r.num(p, "toPort")
		if !ok {
			to = 65535
		}
		rule := func(cidr, sg string) {
			ingress = append(ingress, map[string]any{
				"protocol": proto, "from_port": from, "to_port": to, "cidr": cidr, "source_sg": sg,
			})
		}
		seen := map[string]bool{}
		v4, _ := m.r.objects(p, "ipv4Ranges")
		for _, r := range v4 {
			if cidr, _ := m.r.str(r, "cidrIp"); cidr != "" && !seen[cidr] {
				seen[cidr] = true
				rule(cidr, "")
			}
		}
		// ipRanges is the older spelling of ipv4Ranges; items carry both.
		old, _ := m.r.strings(p, "ipRanges")
		for _, cidr := range old {
			if cidr != "" && !seen[cidr] {
				seen[cidr] = true
				rule(cidr, "")
			}
		}
		v6, _ := m.r.objects(p, "ipv6Ranges")
		for _, r := range v6 {
			if cidr, _ := m.r.str(r, "cidrIpv6"); cidr != "" && !seen[cidr] {
				seen[cidr] = true
				rule(cidr, "")
			}
		}
		pairs, _ := m.r.objects(p, "userIdGroupPairs")
		for _, pair := range pairs {
			if g, _ := m.r.str(pair, "groupId"); g != "" {
				rule("", g)
			}
		}
	}
	m.set("ingress", ingress)
}

func (m *mapping) vpc(c obj) {
	m.str(c, "cidrBlock", "cidr")
	m.boolean(c, "isDefault", "is_default")
	m.rs.State = m.r.state(c, "state")
}

func (m *mapping) subnet(c obj) {
	vpc, _ := m.str(c, "vpcId", "vpc_id")
	m.str(c, "cidrBlock", "cidr")
	m.str(c, "availabilityZone", "availability_zone")
	m.boolean(c, "defaultForAz", "default_for_az")
	m.rs.State = m.r.state(c, "state")
	m.rel(inventory.RelInVPC, tVPC, vpc)
	id, _ := m.r.str(c, "subnetId")
	if id == "" {
		id = m.it.id
	}
	if public, ok := m.e.subnetPublic(m.it.account, m.it.region, vpc, id); ok {
		m.set("public", public)
	}
}

func (m *mapping) natGateway(c obj) {
	m.str(c, "connectivityType", "connectivity_type")
	m.rs.State = m.r.state(c, "state")
	m.created(c, "createTime")
	subnet, _ := m.r.str(c, "subnetId")
	m.rel(inventory.RelInSubnet, tSubnet, subnet)
	// The address's own item does not name the gateway; the gateway lists
	// its addresses, so the edge is drawn from here.
	addrs, _ := m.r.objects(c, "natGatewayAddresses")
	for _, a := range addrs {
		if alloc, _ := m.r.str(a, "allocationId"); alloc != "" {
			eip := m.e.resolve(tEIP, m.part, m.it.region, m.it.account, alloc)
			m.e.reverse[eip] = append(m.e.reverse[eip], inventory.Relation{Kind: inventory.RelAttachedTo, Target: m.rs.ARN})
		}
	}
}

func (m *mapping) loadBalancer(c obj) {
	m.str(c, "type", "lb_type")
	m.str(c, "scheme", "scheme")
	m.rs.State = m.r.state(c, "state")
	if n, ok := m.r.str(c, "loadBalancerName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	m.created(c, "createdTime")
	// Config records load balancer attributes as supplementary
	// configuration; without them access logging is unknown.
	if attrs, ok := m.r.objects(m.it.supp, "LoadBalancerAttributes"); ok {
		for _, a := range attrs {
			if k, _ := m.r.str(a, "key"); k == "access_logs.s3.enabled" {
				v, _ := m.r.str(a, "value")
				m.set("access_logs_enabled", strings.EqualFold(v, "true"))
			}
		}
	}
	sgs, _ := m.r.strings(c, "securityGroups")
	for _, sg := range sgs {
		m.rel(inventory.RelUsesSG, tSG, sg)
	}
	azs, _ := m.r.objects(c, "availabilityZones")
	for _, az := range azs {
		s, _ := m.r.str(az, "subnetId")
		m.rel(inventory.RelInSubnet, tSubnet, s)
	}
}

func (m *mapping) targetGroup(c obj) {
	tt, _ := m.str(c, "TargetType", "target_type")
	if n, ok := m.r.str(c, "TargetGroupName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	lbs, _ := m.r.strings(c, "LoadBalancerArns")
	for _, lb := range lbs {
		m.rel(inventory.RelAttachedTo, tLB, lb)
	}
	targets, ok := m.r.objects(c, "Targets")
	if !ok {
		return // not recorded: leave targets unknown rather than empty
	}
	list := []any{}
	for _, t := range targets {
		id, _ := m.r.str(t, "Id")
		entry := map[string]any{"id": id}
		if port, ok := m.r.num(t, "Port"); ok {
			entry["port"] = port
		}
		// Config does not record target health; it is left out.
		list = append(list, entry)
		if (tt == "" || tt == "instance") && strings.HasPrefix(id, "i-") {
			inst := m.e.resolve(tInstance, m.part, m.it.region, m.it.account, id)
			m.e.reverse[inst] = append(m.e.reverse[inst], inventory.Relation{Kind: inventory.RelTargetOf, Target: m.rs.ARN})
		}
	}
	m.set("targets", list)
}

// vpcSecurityGroups adds uses-sg edges from an RDS vpcSecurityGroups list.
func (m *mapping) vpcSecurityGroups(c obj) {
	sgs, _ := m.r.objects(c, "vpcSecurityGroups")
	for _, sg := range sgs {
		id, _ := m.r.str(sg, "vpcSecurityGroupId")
		m.rel(inventory.RelUsesSG, tSG, id)
	}
}

func (m *mapping) dbInstance(c obj) {
	if id, ok := m.r.str(c, "dBInstanceIdentifier"); ok && id != "" {
		m.rs.ID = id
		if m.rs.Name == "" || m.rs.Name == m.it.id {
			m.rs.Name = id
		}
	}
	m.str(c, "engine", "engine")
	m.str(c, "engineVersion", "engine_version")
	m.str(c, "dBInstanceClass", "instance_class")
	m.str(c, "storageType", "storage_type")
	m.num(c, "allocatedStorage", "allocated_gb")
	m.boolean(c, "storageEncrypted", "storage_encrypted")
	m.boolean(c, "publiclyAccessible", "publicly_accessible")
	m.boolean(c, "multiAZ", "multi_az")
	if s, ok := m.r.str(c, "dBInstanceStatus"); ok {
		m.rs.State = strings.ToLower(s)
	}
	m.created(c, "instanceCreateTime")
	if cl, ok := m.str(c, "dBClusterIdentifier", "cluster_id"); ok {
		m.rel(inventory.RelMemberOf, tDBCluster, cl)
	}
	m.vpcSecurityGroups(c)
	if group, ok := m.r.object(c, "dBSubnetGroup"); ok {
		subnets, _ := m.r.objects(group, "subnets")
		for _, s := range subnets {
			id, _ := m.r.str(s, "subnetIdentifier")
			m.rel(inventory.RelInSubnet, tSubnet, id)
		}
	}
}

func (m *mapping) dbCluster(c obj) {
	if id, ok := m.r.str(c, "dBClusterIdentifier"); ok && id != "" {
		m.rs.ID = id
		if m.rs.Name == "" || m.rs.Name == m.it.id {
			m.rs.Name = id
		}
	}
	m.str(c, "engine", "engine")
	m.str(c, "engineVersion", "engine_version")
	m.boolean(c, "storageEncrypted", "storage_encrypted")
	if members, _, ok := m.r.list(c, "dBClusterMembers"); ok {
		m.set("members", float64(len(members)))
	}
	if s, ok := m.r.str(c, "status"); ok {
		m.rs.State = strings.ToLower(s)
	}
	m.created(c, "clusterCreateTime")
	m.vpcSecurityGroups(c)
}

func (m *mapping) dbSnapshot(c obj) {
	if id, ok := m.r.str(c, "dBSnapshotIdentifier"); ok && id != "" {
		m.rs.ID = id
	}
	m.str(c, "snapshotType", "snapshot_type")
	m.num(c, "allocatedStorage", "allocated_gb")
	m.boolean(c, "encrypted", "encrypted")
	if s, ok := m.r.str(c, "status"); ok {
		m.rs.State = strings.ToLower(s)
	}
	m.created(c, "snapshotCreateTime")
	if db, ok := m.str(c, "dBInstanceIdentifier", "db_instance"); ok {
		m.rel(inventory.RelSnapshotOf, tDB, db)
	}
}

func (m *mapping) dbClusterSnapshot(c obj) {
	if id, ok := m.r.str(c, "dBClusterSnapshotIdentifier"); ok && id != "" {
		m.rs.ID = id
	}
	m.str(c, "snapshotType", "snapshot_type")
	m.num(c, "allocatedStorage", "allocated_gb")
	m.boolean(c, "storageEncrypted", "encrypted")
	if s, ok := m.r.str(c, "status"); ok {
		m.rs.State = strings.ToLower(s)
	}
	m.created(c, "snapshotCreateTime")
	if cl, ok := m.str(c, "dBClusterIdentifier", "db_cluster"); ok {
		m.rel(inventory.RelSnapshotOf, tDBCluster, cl)
	}
}

func (m *mapping) logGroup(c obj) {
	if n, ok := m.r.str(c, "logGroupName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	if days, ok := m.r.num(c, "retentionInDays"); ok {
		m.set("retention_days", days)
	} else if c.present() {
		m.set("retention_days", float64(0)) // no retention set: logs never expire
	}
	m.num(c, "storedBytes", "stored_bytes")
	m.created(c, "creationTime")
}

func (m *mapping) user(c obj) {
	// Config's IAM user item has no MFA, login profile or access keys;
	// those attrs stay unknown.
	m.time(c, "passwordLastUsed", "password_last_used")
	m.created(c, "createDate")
	// The item lists the user's own policies (empty lists when none).
	if ps, ok := m.r.objects(c, "attachedManagedPolicies"); ok {
		names := []any{}
		for _, p := range ps {
			if n, ok := m.r.str(p, "policyName"); ok {
				names = append(names, n)
			}
		}
		m.set("attached_policies", names)
	}
	if l, _, ok := m.r.list(c, "userPolicyList"); ok {
		m.set("inline_policies", float64(len(l)))
	}
}

func (m *mapping) ecsCluster(c obj) {
	if n, ok := m.r.str(c, "ClusterName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	if cps, ok := m.r.strings(c, "CapacityProviders"); ok {
		m.set("capacity_providers", stringsToAny(cps))
	}
	// Config's cluster item (its CloudFormation properties) has no counts;
	// the services are counted from their own items. Standalone tasks are
	// not Config items, so running_tasks is known only when recorded.
	if _, ok := m.num(c, "activeServicesCount", "active_services"); !ok {
		m.set("active_services", float64(m.e.services[arnKey(tECSCluster, m.it.account, m.it.region, m.rs.Name)]))
	}
	m.num(c, "runningTasksCount", "running_tasks")
	m.rs.State = "active" // a live item is an existing cluster; deleted ones are ResourceDeleted
	if s, ok := m.r.str(c, "status"); ok {
		m.rs.State = strings.ToLower(s)
	}
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// lastSegment returns what follows the last / of an ARN (a cluster or
// task definition name), or the string itself.
func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (m *mapping) ecsService(c obj) {
	if n, ok := m.r.str(c, "ServiceName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	m.rs.State = "active" // as for clusters: Config records no status
	if s, ok := m.r.str(c, "Status"); ok {
		m.rs.State = strings.ToLower(s)
	}
	if cl, ok := m.r.str(c, "Cluster"); ok && cl != "" {
		m.set("cluster", lastSegment(cl))
		m.rel(inventory.RelInCluster, tECSCluster, cl) // an ARN or a name
	}
	if _, ok := m.num(c, "DesiredCount", "desired_count"); ok && !m.it.captured.IsZero() {
		// Config records a new item when the desired count or the task
		// definition changes, so the item's capture time is no earlier
		// than the last such change: the age it gives is never too long.
		m.set("last_changed", m.it.captured.UTC().Format(time.RFC3339))
	}
	m.num(c, "RunningCount", "running_count")
	// A service behind no load balancer is a worker (stopped after those
	// that take traffic). Config records the list, empty or not.
	if lbs, ok := m.r.objects(c, "LoadBalancers"); ok {
		m.set("load_balancers", float64(len(lbs)))
	}
	lt, hasLT := m.r.str(c, "LaunchType")
	strategy, hasStrategy := m.r.objects(c, "CapacityProviderStrategy")
	var cps []string
	for _, s := range strategy {
		if p, _ := m.r.str(s, "CapacityProvider"); p != "" {
			cps = append(cps, p)
		}
	}
	switch {
	case hasLT:
		m.set("launch_type", lt)
	case hasStrategy && len(cps) > 0:
		m.set("launch_type", "")
	}
	if hasStrategy || hasLT {
		// The whole service is recorded: a launch type and no strategy
		// means no capacity providers.
		m.set("capacity_providers", stringsToAny(cps))
	}
	if td, ok := m.r.str(c, "TaskDefinition"); ok && td != "" {
		m.set("task_definition", lastSegment(td))
		arn := td
		if !strings.HasPrefix(td, "arn:") {
			arn = fmt.Sprintf("arn:%s:ecs:%s:%s:task-definition/%s", m.part, m.it.region, m.it.account, td)
		}
		m.rs.Relations = append(m.rs.Relations, inventory.Relation{Kind: inventory.RelUses, Target: arn})
		if def, ok := m.e.taskDefs[arn]; ok {
			if cpu, ok := m.r.num(def.conf, "Cpu"); ok {
				m.set("cpu", cpu)
			}
			if mem, ok := m.r.num(def.conf, "Memory"); ok {
				m.set("memory_mb", mem)
			}
		}
	}
	if nc, ok := m.r.object(c, "NetworkConfiguration"); ok {
		if vpc, ok := m.r.object(nc, "AwsvpcConfiguration"); ok {
			sgs, _ := m.r.strings(vpc, "SecurityGroups")
			for _, sg := range sgs {
				m.rel(inventory.RelUsesSG, tSG, sg)
			}
		}
	}
}

func (m *mapping) taskDefinition(c obj) {
	family, _ := m.str(c, "Family", "family")
	if i := strings.LastIndexByte(m.rs.ARN, ':'); i >= 0 {
		var rev float64
		if _, err := fmt.Sscanf(m.rs.ARN[i+1:], "%g", &rev); err == nil && rev > 0 {
			m.set("revision", rev)
			if m.rs.Name == "" && family != "" {
				m.rs.Name = fmt.Sprintf("%s:%g", family, rev)
			}
		}
	}
	m.num(c, "Cpu", "cpu")
	m.num(c, "Memory", "memory_mb")
}

func (m *mapping) function(c obj) {
	if n, ok := m.r.str(c, "functionName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	m.str(c, "runtime", "runtime")
	m.num(c, "memorySize", "memory_mb")
	m.time(c, "lastModified", "last_modified")
	m.rs.State = m.r.state(c, "state")
	if role, ok := m.r.str(c, "role"); ok && strings.HasPrefix(role, "arn:") {
		m.rs.Relations = append(m.rs.Relations, inventory.Relation{Kind: inventory.RelUses, Target: role})
	}
	if vc, ok := m.r.object(c, "vpcConfig"); ok {
		sgs, _ := m.r.strings(vc, "securityGroupIds")
		for _, sg := range sgs {
			m.rel(inventory.RelUsesSG, tSG, sg)
		}
		subnets, _ := m.r.strings(vc, "subnetIds")
		for _, s := range subnets {
			m.rel(inventory.RelInSubnet, tSubnet, s)
		}
	}
}

// classicLB reads a Classic Load Balancer. Config records the describe
// output (registered instances) and, as supplementary configuration, the
// attributes (access log). Instance health is not recorded: a registered
// instance counts as out of service only when its own item says it is
// stopped or gone, so the instances attr is written only when every
// registered instance's state is known that way (or none is registered).
func (m *mapping) classicLB(c obj) {
	m.str(c, "scheme", "scheme")
	m.created(c, "createdTime")
	if n, ok := m.r.str(c, "loadBalancerName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	if attrs, ok := m.r.object(m.it.supp, "LoadBalancerAttributes"); ok {
		if al, ok := m.r.object(attrs, "accessLog"); ok {
			m.boolean(al, "enabled", "access_logs_enabled")
		}
	}
	sgs, _ := m.r.strings(c, "securityGroups")
	for _, sg := range sgs {
		m.rel(inventory.RelUsesSG, tSG, sg)
	}
	insts, ok := m.r.objects(c, "instances")
	if !ok {
		return
	}
	for _, in := range insts {
		if id, _ := m.r.str(in, "instanceId"); id != "" {
			inst := m.e.resolve(tInstance, m.part, m.it.region, m.it.account, id)
			m.e.reverse[inst] = append(m.e.reverse[inst], inventory.Relation{Kind: inventory.RelTargetOf, Target: m.rs.ARN})
		}
	}
	list := []any{}
	for _, in := range insts {
		id, _ := m.r.str(in, "instanceId")
		if id == "" {
			continue
		}
		state, known := m.e.instanceStates[arnKey(tInstance, m.it.account, m.it.region, id)]
		if !known || (state != "stopped" && state != "stopping" && state != "terminated" && state != "shutting-down") {
			return // health unknown: leave instances out
		}
		list = append(list, map[string]any{"id": id, "state": "OutOfService"})
	}
	m.set("instances", list)
}

// detector reads a GuardDuty detector; Config records its CloudFormation
// properties, where Enable says whether it is on.
func (m *mapping) detector(c obj) {
	if on, ok := m.r.boolean(c, "Enable"); ok {
		status := "DISABLED"
		if on {
			status = "ENABLED"
		}
		m.set("status", status)
		m.rs.State = strings.ToLower(status)
	} else if s, ok := m.r.str(c, "status"); ok {
		m.set("status", strings.ToUpper(s))
		m.rs.State = strings.ToLower(s)
	}
}

// distribution reads a CloudFront distribution: Config records the
// GetDistribution output, whose distributionConfig holds the web ACL
// (empty when none), logging and whether it is enabled.
func (m *mapping) distribution(c obj) {
	dc, ok := m.r.object(c, "distributionConfig")
	if !ok {
		return
	}
	if acl, ok := m.r.str(dc, "webACLId"); ok {
		m.set("web_acl_id", acl)
	} else {
		m.set("web_acl_id", "") // the whole config is recorded: no web ACL
	}
	m.boolean(dc, "enabled", "enabled")
	if l, ok := m.r.object(dc, "logging"); ok {
		m.boolean(l, "enabled", "logging_enabled")
	}
	if s, ok := m.r.str(c, "status"); ok {
		m.rs.State = strings.ToLower(s)
	}
}

// listener reads a load balancer listener, recorded with its
// CloudFormation properties (Protocol, Port, DefaultActions ...), into
// the attrs and edges the API collector gives it.
func (m *mapping) listener(c obj) {
	m.str(c, "Protocol", "protocol")
	m.num(c, "Port", "port")
	if c.present() {
		policy, _ := m.r.str(c, "SslPolicy")
		m.set("ssl_policy", policy)
		certs := []any{}
		list, _ := m.r.objects(c, "Certificates")
		for _, cert := range list {
			if a, _ := m.r.str(cert, "CertificateArn"); a != "" {
				certs = append(certs, a)
			}
		}
		m.set("certificate_arns", certs)
	}
	if lb, ok := m.r.str(c, "LoadBalancerArn"); ok && strings.HasPrefix(lb, "arn:") {
		m.rs.Relations = append(m.rs.Relations, inventory.Relation{Kind: inventory.RelAttachedTo, Target: lb})
	}
	acts, ok := m.r.objects(c, "DefaultActions")
	if !ok {
		return
	}
	actions := []any{}
	for _, a := range acts {
		typ, _ := m.r.str(a, "Type")
		redirect := ""
		if rc, ok := m.r.object(a, "RedirectConfig"); ok {
			redirect, _ = m.r.str(rc, "Protocol")
		}
		var tgs []string
		if tg, _ := m.r.str(a, "TargetGroupArn"); tg != "" {
			tgs = append(tgs, tg)
		}
		if fc, ok := m.r.object(a, "ForwardConfig"); ok {
			groups, _ := m.r.objects(fc, "TargetGroups")
			for _, g := range groups {
				if tg, _ := m.r.str(g, "TargetGroupArn"); tg != "" && !slices.Contains(tgs, tg) {
					tgs = append(tgs, tg)
				}
			}
		}
		if len(tgs) == 0 {
			tgs = []string{""}
		}
		for _, tg := range tgs {
			actions = append(actions, map[string]any{"type": typ, "target_group_arn": tg, "redirect_protocol": redirect})
			if strings.HasPrefix(tg, "arn:") {
				m.rs.Relations = append(m.rs.Relations, inventory.Relation{Kind: inventory.RelUses, Target: tg})
			}
		}
	}
	m.set("default_actions", actions)
}

// repository reads an ECR repository (CloudFormation properties). Its
// image count is not recorded and stays unknown.
func (m *mapping) repository(c obj) {
	if n, ok := m.r.str(c, "RepositoryName"); ok && m.rs.Name == "" {
		m.rs.Name = n
	}
	if sc, ok := m.r.object(c, "ImageScanningConfiguration"); ok {
		m.boolean(sc, "ScanOnPush", "scan_on_push")
	}
	if !c.present() {
		return
	}
	// The whole configuration is recorded: no lifecycle policy text means
	// none.
	text := ""
	if lp, ok := m.r.object(c, "LifecyclePolicy"); ok {
		text, _ = m.r.str(lp, "LifecyclePolicyText")
	}
	m.set("lifecycle_policy", strings.TrimSpace(text) != "")
}
