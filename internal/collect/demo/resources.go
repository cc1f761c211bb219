package demo

import (
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// One constructor per resource type. Each fills exactly the attrs that
// internal/inventory/types.go documents for its type, with JSON kinds
// (float64 numbers, RFC 3339 strings, []any lists), and the relations that
// resource.go describes.

// where is an account and a region.
type where struct{ account, region string }

func (w where) arn(service, resource string) string {
	return "arn:aws:" + service + ":" + w.region + ":" + w.account + ":" + resource
}

type subnet struct {
	arn, id, az string
}

// network is a VPC with public and private subnets, one of each per AZ.
type network struct {
	where
	vpcARN, vpcID   string
	octet           int // the X of 10.X.0.0/16
	public, private []subnet
}

func (b *builder) network(w where, env string, octet int, azs []string) *network {
	name := "platform-" + env + "-vpc"
	if w.region != homeRegion {
		name += "-" + shortRegion(w.region)
	}
	n := &network{where: w, vpcID: awsID("vpc", w.account, w.region, name), octet: octet}
	t := tags(name, env, "platform", ownerOf("platform"))
	base := "10." + itoa(octet) + "."
	n.vpcARN = b.arn(b.add(inventory.Resource{
		ARN: w.arn("ec2", "vpc/"+n.vpcID), Account: w.account, Region: w.region,
		Type: "AWS::EC2::VPC", ID: n.vpcID, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(900)), State: "available",
		Attrs: inventory.AttrsOf(map[string]any{"cidr": base + "0.0/16", "is_default": false, "flow_logs": env != "dev"}),
	}))
	for i, az := range azs {
		suffix := az[len(az)-1:]
		for _, public := range []bool{true, false} {
			kind, third := "private", 10+i
			if public {
				kind, third = "public", i
			}
			sname := "platform-" + env + "-" + kind + "-" + suffix
			if w.region != homeRegion {
				sname += "-" + shortRegion(w.region)
			}
			id := awsID("subnet", w.account, w.region, sname)
			i := b.add(inventory.Resource{
				ARN: w.arn("ec2", "subnet/"+id), Account: w.account, Region: w.region,
				Type: "AWS::EC2::Subnet", ID: id, Name: sname, Tags: inventory.TagsOf(tags(sname, env, "platform", ownerOf("platform"))),
				Created: b.ago(b.days(900)), State: "available",
				Attrs: inventory.AttrsOf(map[string]any{
					"vpc_id": n.vpcID, "cidr": base + itoa(third) + ".0/24", "availability_zone": az,
					"public": public, "default_for_az": false,
				}),
				Relations: []inventory.Relation{rel(inventory.RelInVPC, n.vpcARN)},
			})
			s := subnet{arn: b.arn(i), id: id, az: az}
			if public {
				n.public = append(n.public, s)
			} else {
				n.private = append(n.private, s)
			}
		}
	}
	return n
}

func (b *builder) securityGroup(n *network, name string, t map[string]string, ingress ...map[string]any) int {
	id := awsID("sg", n.account, n.region, name)
	rules := make([]any, len(ingress))
	for i, r := range ingress {
		rules[i] = r
	}
	return b.add(inventory.Resource{
		ARN: n.arn("ec2", "security-group/"+id), Account: n.account, Region: n.region,
		Type: "AWS::EC2::SecurityGroup", ID: id, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(600)),
		Attrs: inventory.AttrsOf(map[string]any{
			"group_name": name, "vpc_id": n.vpcID, "is_default": false, "ingress": rules,
		}),
		Relations: []inventory.Relation{rel(inventory.RelInVPC, n.vpcARN)},
	})
}

// instanceID is known before the instance is added, so a target group can
// list it and still come first.
func instanceID(w where, key string) string { return awsID("i", w.account, w.region, key) }

type instanceSpec struct {
	key         string // unique within the region; the Name tag when there is one
	tags        map[string]string
	typ         string
	subnet      subnet
	sgs         []string
	stoppedDays float64 // 0: running
	createdDays float64
	publicIP    bool
	asg         string // name; asgARN the group it belongs to
	asgARN      string
	targetOf    []string
}

func (b *builder) instance(n *network, sp instanceSpec) int {
	id := instanceID(n.where, sp.key)
	state := "running"
	a := map[string]any{
		"instance_type": sp.typ,
		"launch_time":   b.ts(sp.createdDays),
		"public_ip":     "",
		"vpc_id":        n.vpcID,
		"subnet_id":     sp.subnet.id,
		"platform":      "linux",
	}
	if sp.stoppedDays > 0 {
		state = "stopped"
		a["stopped_at"] = b.ts(sp.stoppedDays)
	} else if sp.publicIP {
		a["public_ip"] = publicIP(n.region, id)
	}
	rels := make([]inventory.Relation, 0, 3+len(sp.sgs)+len(sp.targetOf))
	rels = append(rels, rel(inventory.RelInSubnet, sp.subnet.arn))
	for _, sg := range sp.sgs {
		rels = append(rels, rel(inventory.RelUsesSG, sg))
	}
	for _, tg := range sp.targetOf {
		rels = append(rels, rel(inventory.RelTargetOf, tg))
	}
	if sp.asg != "" {
		a["asg_name"] = sp.asg
		rels = append(rels, rel(inventory.RelMemberOf, sp.asgARN))
	}
	return b.add(inventory.Resource{
		ARN: n.arn("ec2", "instance/"+id), Account: n.account, Region: n.region,
		Type: "AWS::EC2::Instance", ID: id, Name: sp.tags["Name"], Tags: inventory.TagsOf(sp.tags),
		Created: b.ago(sp.createdDays), State: state, Attrs: inventory.AttrsOf(a), Relations: rels,
	})
}

// volume adds an EBS volume attached to the instance at inst, or available
// (unattached) when inst is -1.
func (b *builder) volume(w where, key string, t map[string]string, inst int, typ string, gb float64, az string, createdDays float64) int {
	id := awsID("vol", w.account, w.region, key)
	iops := 3000.0
	switch typ {
	case "gp2":
		iops = min(max(100, 3*gb), 16000)
	case "st1", "sc1", "standard":
		iops = 0
	}
	r := inventory.Resource{
		ARN: w.arn("ec2", "volume/"+id), Account: w.account, Region: w.region,
		Type: "AWS::EC2::Volume", ID: id, Name: t["Name"], Tags: inventory.TagsOf(t), Created: b.ago(createdDays), State: "available",
		Attrs: inventory.AttrsOf(map[string]any{
			"volume_type": typ, "size_gb": gb, "iops": iops, "encrypted": true, "availability_zone": az,
		}),
	}
	if inst >= 0 {
		r.State = "in-use"
		r.Relations = []inventory.Relation{rel(inventory.RelAttachedTo, b.res[inst].ARN)}
	}
	return b.add(r)
}

func (b *builder) ebsSnapshot(w where, key string, t map[string]string, vol int, volID string, gb float64, manual bool, createdDays float64) int {
	id := awsID("snap", w.account, w.region, key)
	r := inventory.Resource{
		// EBS snapshot ARNs carry no account.
		ARN: "arn:aws:ec2:" + w.region + "::snapshot/" + id, Account: w.account, Region: w.region,
		Type: "AWS::EC2::Snapshot", ID: id, Name: t["Name"], Tags: inventory.TagsOf(t), Created: b.ago(createdDays), State: "completed",
		Attrs: inventory.AttrsOf(map[string]any{"volume_size_gb": gb, "volume_id": volID, "encrypted": true, "manual": manual, "public": false}),
	}
	if vol >= 0 {
		r.Relations = []inventory.Relation{rel(inventory.RelSnapshotOf, b.res[vol].ARN)}
	}
	return b.add(r)
}

// eip adds an Elastic IP associated with the resource at target, or
// unassociated when target is -1.
func (b *builder) eip(w where, key string, t map[string]string, target int, createdDays float64) int {
	alloc := awsID("eipalloc", w.account, w.region, key)
	r := inventory.Resource{
		ARN: w.arn("ec2", "elastic-ip/"+alloc), Account: w.account, Region: w.region,
		Type: "AWS::EC2::EIP", ID: alloc, Name: t["Name"], Tags: inventory.TagsOf(t), Created: b.ago(createdDays),
		Attrs: inventory.AttrsOf(map[string]any{"public_ip": publicIP(w.region, alloc), "association_id": "", "allocation_id": alloc}),
	}
	if target >= 0 {
		r.Attrs.Set("association_id", awsID("eipassoc", alloc))
		r.Relations = []inventory.Relation{rel(inventory.RelAttachedTo, b.res[target].ARN)}
	}
	return b.add(r)
}

func (b *builder) natGateway(n *network, name string, t map[string]string, s subnet, bytes14d float64) int {
	id := awsID("nat", n.account, n.region, name)
	return b.add(inventory.Resource{
		ARN: n.arn("ec2", "natgateway/"+id), Account: n.account, Region: n.region,
		Type: "AWS::EC2::NatGateway", ID: id, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(700)), State: "available",
		Attrs:     inventory.AttrsOf(map[string]any{"connectivity_type": "public", "bytes_out_14d": bytes14d}),
		Relations: []inventory.Relation{rel(inventory.RelInSubnet, s.arn)},
	})
}

type lbSpec struct {
	name, lbType, scheme string
	tags                 map[string]string
	accessLogs           bool
	requests14d          float64
	sgs                  []string
	createdDays          float64
}

func (b *builder) loadBalancer(w where, sp lbSpec) int {
	kind := "app"
	if sp.lbType == "network" {
		kind = "net"
	}
	id := kind + "/" + sp.name + "/" + hexID(w.account, w.region, sp.name)
	rels := make([]inventory.Relation, 0, len(sp.sgs))
	for _, sg := range sp.sgs {
		rels = append(rels, rel(inventory.RelUsesSG, sg))
	}
	return b.add(inventory.Resource{
		ARN: w.arn("elasticloadbalancing", "loadbalancer/"+id), Account: w.account, Region: w.region,
		Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", ID: id, Name: sp.name, Tags: inventory.TagsOf(sp.tags),
		Created: b.ago(sp.createdDays), State: "active",
		Attrs: inventory.AttrsOf(map[string]any{
			"lb_type": sp.lbType, "scheme": sp.scheme, "access_logs_enabled": sp.accessLogs,
			"request_count_14d": sp.requests14d,
		}),
		Relations: rels,
	})
}

// targetGroupARN is known before the group is added, so its instances can
// point at it.
func targetGroupARN(w where, name string) string {
	return w.arn("elasticloadbalancing", "targetgroup/"+name+"/"+hexID(w.account, w.region, "tg", name))
}

func target(id string, port int, health string) any {
	return map[string]any{"id": id, "port": float64(port), "health": health}
}

func (b *builder) targetGroup(w where, name string, t map[string]string, lb int, targetType string, targets []any, createdDays float64) int {
	arn := targetGroupARN(w, name)
	r := inventory.Resource{
		ARN: arn, Account: w.account, Region: w.region,
		Type: "AWS::ElasticLoadBalancingV2::TargetGroup", ID: arn[strings.LastIndex(arn, ":")+1:], Name: name, Tags: inventory.TagsOf(t),
		Created: b.ago(createdDays),
		Attrs:   inventory.AttrsOf(map[string]any{"target_type": targetType, "targets": targets}),
	}
	if targets == nil {
		r.Attrs.Set("targets", []any{})
	}
	if lb >= 0 {
		r.Relations = []inventory.Relation{rel(inventory.RelAttachedTo, b.res[lb].ARN)}
	}
	return b.add(r)
}

func classicELBARN(w where, name string) string {
	return w.arn("elasticloadbalancing", "loadbalancer/"+name)
}

func (b *builder) classicELB(w where, name string, t map[string]string, accessLogs bool, instances []any, sgs []string) int {
	rels := make([]inventory.Relation, 0, len(sgs))
	for _, sg := range sgs {
		rels = append(rels, rel(inventory.RelUsesSG, sg))
	}
	return b.add(inventory.Resource{
		ARN: classicELBARN(w, name), Account: w.account, Region: w.region,
		Type: "AWS::ElasticLoadBalancing::LoadBalancer", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(1500)),
		Attrs: inventory.AttrsOf(map[string]any{
			"scheme": "internet-facing", "access_logs_enabled": accessLogs, "instances": instances,
		}),
		Relations: rels,
	})
}

type dbSpec struct {
	id                     string
	tags                   map[string]string
	engine, version, class string
	storageType            string
	gb                     float64
	encrypted, public, mAZ bool
	stoppedDays            float64
	connMax                float64
	subnet                 subnet
	sgs                    []string
	cluster                int // index of the Aurora cluster, -1 when standalone
	clusterID              string
	createdDays            float64
}

func (b *builder) dbInstance(w where, sp dbSpec) int {
	a := map[string]any{
		"engine": sp.engine, "engine_version": sp.version, "instance_class": sp.class,
		"storage_type": sp.storageType, "allocated_gb": sp.gb, "storage_encrypted": sp.encrypted,
		"publicly_accessible": sp.public, "multi_az": sp.mAZ,
		"connections_lookback_days": 30.0, "connections_max": sp.connMax,
	}
	state := "available"
	if sp.stoppedDays > 0 {
		state = "stopped"
		a["stopped_at"] = b.ts(sp.stoppedDays)
	}
	rels := make([]inventory.Relation, 0, 2+len(sp.sgs))
	rels = append(rels, rel(inventory.RelInSubnet, sp.subnet.arn))
	for _, sg := range sp.sgs {
		rels = append(rels, rel(inventory.RelUsesSG, sg))
	}
	if sp.cluster >= 0 {
		a["cluster_id"] = sp.clusterID
		rels = append(rels, rel(inventory.RelMemberOf, b.res[sp.cluster].ARN))
	}
	return b.add(inventory.Resource{
		ARN: w.arn("rds", "db:"+sp.id), Account: w.account, Region: w.region,
		Type: "AWS::RDS::DBInstance", ID: sp.id, Name: sp.id, Tags: inventory.TagsOf(sp.tags), Created: b.ago(sp.createdDays),
		State: state, Attrs: inventory.AttrsOf(a), Relations: rels,
	})
}

type clusterSpec struct {
	id              string
	tags            map[string]string
	engine, version string
	encrypted       bool
	members         int
	stoppedDays     float64
	connMax         float64
	createdDays     float64
}

func (b *builder) dbCluster(w where, sp clusterSpec) int {
	a := map[string]any{
		"engine": sp.engine, "engine_version": sp.version, "storage_encrypted": sp.encrypted,
		"members": float64(sp.members), "connections_lookback_days": 30.0, "connections_max": sp.connMax,
	}
	state := "available"
	if sp.stoppedDays > 0 {
		state = "stopped"
		a["stopped_at"] = b.ts(sp.stoppedDays)
	}
	return b.add(inventory.Resource{
		ARN: w.arn("rds", "cluster:"+sp.id), Account: w.account, Region: w.region,
		Type: "AWS::RDS::DBCluster", ID: sp.id, Name: sp.id, Tags: inventory.TagsOf(sp.tags), Created: b.ago(sp.createdDays),
		State: state, Attrs: inventory.AttrsOf(a),
	})
}

// dbSnapshot adds an RDS snapshot of the instance at db (or of a deleted
// instance named dbID when db is -1).
func (b *builder) dbSnapshot(w where, id string, t map[string]string, manual bool, gb float64, db int, dbID string, createdDays float64) int {
	typ := "automated"
	if manual {
		typ = "manual"
	}
	r := inventory.Resource{
		ARN: w.arn("rds", "snapshot:"+id), Account: w.account, Region: w.region,
		Type: "AWS::RDS::DBSnapshot", ID: id, Name: id, Tags: inventory.TagsOf(t), Created: b.ago(createdDays), State: "available",
		Attrs: inventory.AttrsOf(map[string]any{"snapshot_type": typ, "allocated_gb": gb, "encrypted": true, "db_instance": dbID, "public": false}),
	}
	if db >= 0 {
		r.Relations = []inventory.Relation{rel(inventory.RelSnapshotOf, b.res[db].ARN)}
	}
	return b.add(r)
}

func (b *builder) clusterSnapshot(w where, id string, t map[string]string, manual bool, gb float64, cluster int, clusterID string, createdDays float64) int {
	typ := "automated"
	if manual {
		typ = "manual"
	}
	r := inventory.Resource{
		ARN: w.arn("rds", "cluster-snapshot:"+id), Account: w.account, Region: w.region,
		Type: "AWS::RDS::DBClusterSnapshot", ID: id, Name: id, Tags: inventory.TagsOf(t), Created: b.ago(createdDays), State: "available",
		Attrs: inventory.AttrsOf(map[string]any{"snapshot_type": typ, "allocated_gb": gb, "encrypted": true, "db_cluster": clusterID, "public": false}),
	}
	if cluster >= 0 {
		r.Relations = []inventory.Relation{rel(inventory.RelSnapshotOf, b.res[cluster].ARN)}
	}
	return b.add(r)
}

type bucketSpec struct {
	publicAccessBlock, policyPublic, aclPublic bool
	encryption, versioning                     string
	logging                                    bool
	lifecycleRules                             int
	sizeBytes                                  float64
	createdDays                                float64
}

// cleanBucket is how a well-kept bucket looks.
func cleanBucket(sizeBytes, createdDays float64) bucketSpec {
	return bucketSpec{
		publicAccessBlock: true, encryption: "aws:kms", versioning: "Enabled", logging: true,
		lifecycleRules: 1, sizeBytes: sizeBytes, createdDays: createdDays,
	}
}

func (b *builder) bucket(w where, name string, t map[string]string, sp bucketSpec) int {
	name += b.bucketSuffix
	return b.add(inventory.Resource{
		ARN: "arn:aws:s3:::" + name, Account: w.account, Region: w.region,
		Type: "AWS::S3::Bucket", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(sp.createdDays),
		Attrs: inventory.AttrsOf(map[string]any{
			"public_access_block": sp.publicAccessBlock, "policy_public": sp.policyPublic, "acl_public": sp.aclPublic,
			"acl_grants_others": sp.aclPublic,
			// The well-kept buckets (Block Public Access on) refuse plain
			// HTTP; the logged ones notify on deletes.
			"policy_denies_http": sp.publicAccessBlock, "policy_cross_account_control": false,
			"event_notifications": sp.logging, "encryption": sp.encryption, "versioning": sp.versioning, "logging_enabled": sp.logging,
			"lifecycle_rules": float64(sp.lifecycleRules), "size_bytes": sp.sizeBytes,
		}),
	})
}

func (b *builder) logGroup(w where, name string, t map[string]string, retentionDays, storedBytes, createdDays float64) int {
	return b.add(inventory.Resource{
		ARN: w.arn("logs", "log-group:"+name), Account: w.account, Region: w.region,
		Type: "AWS::Logs::LogGroup", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(createdDays),
		Attrs: inventory.AttrsOf(map[string]any{"retention_days": retentionDays, "stored_bytes": storedBytes}),
	})
}

func (b *builder) ecsCluster(w where, name string, t map[string]string, services, tasks float64, providers ...string) int {
	return b.add(inventory.Resource{
		ARN: w.arn("ecs", "cluster/"+name), Account: w.account, Region: w.region,
		Type: "AWS::ECS::Cluster", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(500)), State: "active",
		Attrs: inventory.AttrsOf(map[string]any{"active_services": services, "running_tasks": tasks, "capacity_providers": strs(providers...)}),
	})
}

func (b *builder) taskDefinition(w where, family string, revision int, t map[string]string, cpu, memMB float64) int {
	id := family + ":" + itoa(revision)
	return b.add(inventory.Resource{
		ARN: w.arn("ecs", "task-definition/"+id), Account: w.account, Region: w.region,
		Type: "AWS::ECS::TaskDefinition", ID: id, Name: family, Tags: inventory.TagsOf(t), Created: b.ago(b.days(12)), State: "active",
		Attrs: inventory.AttrsOf(map[string]any{"family": family, "revision": float64(revision), "cpu": cpu, "memory_mb": memMB}),
	})
}

type serviceSpec struct {
	name             string
	tags             map[string]string
	cluster, taskDef int // indexes
	launchType       string
	providers        []string
	desired, running float64
	sgs              []string
	// worker: behind no load balancer (a queue consumer, a batch).
	worker bool
}

func (b *builder) ecsService(w where, sp serviceSpec) int {
	c, td := &b.res[sp.cluster], &b.res[sp.taskDef]
	rels := make([]inventory.Relation, 0, 2+len(sp.sgs))
	rels = append(rels, rel(inventory.RelInCluster, c.ARN), rel(inventory.RelUses, td.ARN))
	for _, sg := range sp.sgs {
		rels = append(rels, rel(inventory.RelUsesSG, sg))
	}
	return b.add(inventory.Resource{
		ARN: w.arn("ecs", "service/"+c.Name+"/"+sp.name), Account: w.account, Region: w.region,
		Type: "AWS::ECS::Service", ID: sp.name, Name: sp.name, Tags: inventory.TagsOf(sp.tags), Created: b.ago(b.days(300)), State: "active",
		Attrs: inventory.AttrsOf(map[string]any{
			"cluster": c.Name, "desired_count": sp.desired, "running_count": sp.running,
			"launch_type": sp.launchType, "capacity_providers": strs(sp.providers...),
			"task_definition": td.ID, "cpu": td.Attrs.Value("cpu"), "memory_mb": td.Attrs.Value("memory_mb"),
			"load_balancers": lbCount(sp.worker),
		}),
		Relations: rels,
	})
}

// lbCount is how many load balancers a demo service serves: one, or none
// for a worker.
func lbCount(worker bool) float64 {
	if worker {
		return 0
	}
	return 1
}

func (b *builder) lambda(w where, name string, t map[string]string, runtime string, memMB, modifiedDays float64) int {
	return b.add(inventory.Resource{
		ARN: w.arn("lambda", "function:"+name), Account: w.account, Region: w.region,
		Type: "AWS::Lambda::Function", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(400)), State: "active",
		Attrs: inventory.AttrsOf(map[string]any{"runtime": runtime, "memory_mb": memMB, "last_modified": b.ts(modifiedDays), "policy_public": false}),
	})
}

func (b *builder) ecrRepository(w where, name string, t map[string]string, scanOnPush, lifecycle bool, images float64) int {
	return b.add(inventory.Resource{
		ARN: w.arn("ecr", "repository/"+name), Account: w.account, Region: w.region,
		Type: "AWS::ECR::Repository", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(500)),
		Attrs: inventory.AttrsOf(map[string]any{"scan_on_push": scanOnPush, "lifecycle_policy": lifecycle, "image_count": images}),
	})
}

func autoScalingGroupARN(w where, name string) string {
	h := hexID(w.account, w.region, "asg", name)
	uuid := h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[1:4] + "-" + hexID(name)[:12]
	return w.arn("autoscaling", "autoScalingGroup:"+uuid+":autoScalingGroupName/"+name)
}

func (b *builder) autoScalingGroup(w where, name string, t map[string]string, minSize, maxSize, desired float64, types ...string) int {
	return b.add(inventory.Resource{
		ARN: autoScalingGroupARN(w, name), Account: w.account, Region: w.region,
		Type: "AWS::AutoScaling::AutoScalingGroup", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(400)),
		Attrs: inventory.AttrsOf(map[string]any{
			"min_size": minSize, "max_size": maxSize, "desired_capacity": desired, "instance_types": strs(types...),
		}),
	})
}

func (b *builder) distribution(account, name string, t map[string]string, webACL string, logging bool) int {
	id := "E" + strings.ToUpper(hexID(account, name)[:13])
	return b.add(inventory.Resource{
		ARN: "arn:aws:cloudfront::" + account + ":distribution/" + id, Account: account, Region: globalRegion,
		Type: "AWS::CloudFront::Distribution", ID: id, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(700)), State: "deployed",
		Attrs: inventory.AttrsOf(map[string]any{"web_acl_id": webACL, "logging_enabled": logging, "enabled": true}),
	})
}

func (b *builder) trail(w where, name string, t map[string]string, multiRegion, logging bool, bucket string) int {
	return b.add(inventory.Resource{
		ARN: w.arn("cloudtrail", "trail/"+name), Account: w.account, Region: w.region,
		Type: "AWS::CloudTrail::Trail", ID: name, Name: name, Tags: inventory.TagsOf(t), Created: b.ago(b.days(1000)),
		Attrs: inventory.AttrsOf(map[string]any{"multi_region": multiRegion, "logging": logging, "s3_bucket": bucket}),
	})
}

func (b *builder) detector(w where, t map[string]string, enabled bool) int {
	id := hexID(w.account, w.region, "gd") + hexID(w.region, w.account, "gd")
	status := "DISABLED"
	if enabled {
		status = "ENABLED"
	}
	return b.add(inventory.Resource{
		ARN: w.arn("guardduty", "detector/"+id), Account: w.account, Region: w.region,
		Type: "AWS::GuardDuty::Detector", ID: id, Tags: inventory.TagsOf(t), Created: b.ago(b.days(800)), State: strings.ToLower(status),
		Attrs: inventory.AttrsOf(map[string]any{"status": status}),
	})
}

type userSpec struct {
	name             string
	tags             map[string]string
	console, mfa     bool
	keyAgeDays       float64 // 0: no active access key
	passwordUsedDays float64 // 0: never signed in
	createdDays      float64
	policies         []string // managed policies attached to the user itself
	inline           int      // inline policies of the user itself
}

func (b *builder) iamUser(account string, sp userSpec) int {
	a := map[string]any{"mfa_enabled": sp.mfa, "console_access": sp.console,
		"attached_policies": strs(sp.policies...), "inline_policies": float64(sp.inline)}
	if sp.keyAgeDays > 0 {
		a["access_key_max_age_days"] = sp.keyAgeDays
		// Keys in the demo are in daily use.
		a["access_key_unused_days"] = 1.0
	}
	if sp.passwordUsedDays > 0 {
		a["password_last_used"] = b.ts(sp.passwordUsedDays)
	}
	return b.add(inventory.Resource{
		ARN: "arn:aws:iam::" + account + ":user/" + sp.name, Account: account, Region: globalRegion,
		Type: "AWS::IAM::User", ID: "AIDA" + strings.ToUpper(hexID(account, sp.name)), Name: sp.name, Tags: inventory.TagsOf(sp.tags),
		Created: b.ago(sp.createdDays), Attrs: inventory.AttrsOf(a),
	})
}

// AccountARN names the AWS::::Account resource: the account's root
// principal, which is also what "root has no MFA" is about.
func AccountARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// AccountRegionARN names the Steward::Account::Region resource of an
// account and region, the same way the AWS collector does.
func AccountRegionARN(account, region string) string {
	return "arn:aws:steward:" + region + ":" + account + ":account-region/" + region
}

// account adds an account. Its root user's MFA is a hardware key only in
// the account with a strict password policy; the others' password rules
// are IAM's defaults (no policy).
func (b *builder) account(account, alias string, rootMFA, strict bool) int {
	attrs := map[string]any{"alias": alias, "root_mfa_enabled": rootMFA, "root_access_keys": false,
		"root_hardware_mfa":   rootMFA && strict,
		"password_min_length": 0.0, "password_reuse_prevention": 0.0, "password_complexity": false}
	if strict {
		attrs["password_min_length"], attrs["password_reuse_prevention"], attrs["password_complexity"] = 14.0, 24.0, true
	}
	return b.add(inventory.Resource{
		ARN: AccountARN(account), Account: account, Region: globalRegion,
		Type: "AWS::::Account", ID: account, Name: alias, Created: b.ago(b.days(1500)), Attrs: inventory.AttrsOf(attrs),
	})
}

type baseline struct {
	guardDuty, securityHub, inspector, cloudTrail, config bool
}

func (b *builder) accountRegion(w where, bl baseline) int {
	return b.add(inventory.Resource{
		ARN: AccountRegionARN(w.account, w.region), Account: w.account, Region: w.region,
		Type: "Steward::Account::Region", ID: w.account + "/" + w.region, Name: w.region,
		Attrs: inventory.AttrsOf(map[string]any{
			"guardduty_enabled": bl.guardDuty, "securityhub_enabled": bl.securityHub,
			"inspector_enabled": bl.inspector, "cloudtrail_enabled": bl.cloudTrail,
			"config_recorder_enabled": bl.config,
			// Regions with Security Hub on were set up with its baseline.
			"ebs_default_encryption": bl.securityHub,
		}),
	})
}

// publicIP is a stable address from the region's usual public ranges.
func publicIP(region, seed string) string {
	h := hexID(region, seed)
	octet := func(i int) string {
		v := 0
		for _, c := range h[i : i+2] {
			v = v*16 + strings.IndexRune("0123456789abcdef", c)
		}
		return itoa(v)
	}
	first := "54.168."
	if region == "us-east-1" {
		first = "3.210."
	}
	return first + octet(0) + "." + octet(2)
}

func shortRegion(region string) string {
	switch region {
	case "us-east-1":
		return "use1"
	case "ap-northeast-1":
		return "apne1"
	}
	return region
}
