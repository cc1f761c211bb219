package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// ec2API is the EC2 calls the collector makes; all paginated but addresses.
type ec2API interface {
	ec2.DescribeInstancesAPIClient
	ec2.DescribeVolumesAPIClient
	ec2.DescribeSnapshotsAPIClient
	DescribeAddresses(ctx context.Context, in *ec2.DescribeAddressesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeVpcsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeRouteTablesAPIClient
	ec2.DescribeNatGatewaysAPIClient
	ec2.DescribeFlowLogsAPIClient
	DescribeSnapshotAttribute(ctx context.Context, in *ec2.DescribeSnapshotAttributeInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotAttributeOutput, error)
	GetEbsEncryptionByDefault(ctx context.Context, in *ec2.GetEbsEncryptionByDefaultInput, optFns ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error)
}

func runEC2(ctx context.Context, t *target, out *unitOut) error {
	return collectEC2(ctx, t, out, ec2.NewFromConfig(t.cfg), cloudwatch.NewFromConfig(t.cfg))
}

// collectEC2 reads every EC2 kind; one failing call does not stop the
// others, and the unit's error joins what failed.
func collectEC2(ctx context.Context, t *target, out *unitOut, api ec2API, cw metricsAPI) error {
	var errs []error
	for _, step := range []func(context.Context, *target, *unitOut, ec2API) error{
		ec2Instances, ec2Volumes, ec2Snapshots, ec2Addresses, ec2SecurityGroups, ec2VPCs, ec2Subnets, ebsDefaultEncryption,
	} {
		if err := step(ctx, t, out, api); err != nil {
			errs = append(errs, err)
		}
	}
	if err := ec2NATs(ctx, t, out, api, cw); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func ec2Tags(tags []ec2types.Tag) map[string]string {
	return tagMap(tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })
}

func ec2Instances(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	pg := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe instances: %w", err)
		}
		for _, res := range page.Reservations {
			for _, in := range res.Instances {
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				out.add(instanceResource(t, in))
			}
		}
	}
	return nil
}

func instanceResource(t *target, in ec2types.Instance) inventory.Resource {
	id := str(in.InstanceId)
	tags := ec2Tags(in.Tags)
	attrs := map[string]any{
		"instance_type": string(in.InstanceType),
		"public_ip":     str(in.PublicIpAddress),
		"platform":      "linux",
	}
	if strings.EqualFold(string(in.Platform), "windows") {
		attrs["platform"] = "windows"
	}
	putTime(attrs, "launch_time", in.LaunchTime)
	if v := str(in.VpcId); v != "" {
		attrs["vpc_id"] = v
	}
	if v := str(in.SubnetId); v != "" {
		attrs["subnet_id"] = v
	}
	if v, ok := tags["aws:autoscaling:groupName"]; ok {
		attrs["asg_name"] = v
	}
	// Settings the response leaves out stay absent: an emulator that does
	// not model them must not read as an instance that breaks a control.
	if m := in.MetadataOptions; m != nil && m.HttpTokens != "" {
		attrs["imdsv2_required"] = m.HttpTokens == ec2types.HttpTokensStateRequired
	}
	if v := string(in.VirtualizationType); v != "" {
		attrs["virtualization_type"] = v
	}
	if n := len(in.NetworkInterfaces); n > 0 {
		attrs["network_interfaces"] = float64(n)
	}
	state := ""
	if in.State != nil {
		state = string(in.State.Name)
	}
	if state == "stopped" {
		if at, ok := stoppedAt(str(in.StateTransitionReason)); ok {
			attrs["stopped_at"] = at.Format(time.RFC3339)
		}
	}
	r := inventory.Resource{
		ARN: t.arn("ec2", "instance/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::Instance",
		ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: state, Attrs: inventory.AttrsOf(attrs),
	}
	if in.LaunchTime != nil {
		r.Created = in.LaunchTime.UTC()
	}
	for _, sg := range in.SecurityGroups {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+str(sg.GroupId))})
	}
	if s := str(in.SubnetId); s != "" {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelInSubnet, Target: t.arn("ec2", "subnet/"+s)})
	}
	return r
}

// stoppedAt reads the time out of a state transition reason such as
// "User initiated (2024-03-01 10:00:00 GMT)", the only place EC2 says when
// an instance stopped.
func stoppedAt(reason string) (time.Time, bool) {
	open := strings.LastIndexByte(reason, '(')
	end := strings.LastIndexByte(reason, ')')
	if open < 0 || end < open {
		return time.Time{}, false
	}
	at, err := time.Parse("2006-01-02 15:04:05 MST", reason[open+1:end])
	if err != nil {
		return time.Time{}, false
	}
	return at.UTC(), true
}

func ec2Volumes(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	pg := ec2.NewDescribeVolumesPaginator(api, &ec2.DescribeVolumesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe volumes: %w", err)
		}
		for _, v := range page.Volumes {
			id := str(v.VolumeId)
			tags := ec2Tags(v.Tags)
			attrs := map[string]any{
				"volume_type":       string(v.VolumeType),
				"size_gb":           f32(v.Size),
				"encrypted":         boolv(v.Encrypted),
				"availability_zone": str(v.AvailabilityZone),
			}
			if v.Iops != nil {
				attrs["iops"] = f32(v.Iops)
			}
			r := inventory.Resource{
				ARN: t.arn("ec2", "volume/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::Volume",
				ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: string(v.State), Attrs: inventory.AttrsOf(attrs),
			}
			if v.CreateTime != nil {
				r.Created = v.CreateTime.UTC()
			}
			for _, a := range v.Attachments {
				if i := str(a.InstanceId); i != "" {
					r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelAttachedTo, Target: t.arn("ec2", "instance/"+i)})
				}
			}
			out.add(r)
		}
	}
	return nil
}

func ec2Snapshots(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	var errs []error
	pg := ec2.NewDescribeSnapshotsPaginator(api, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe snapshots: %w", err)
		}
		for _, s := range page.Snapshots {
			id := str(s.SnapshotId)
			tags := ec2Tags(s.Tags)
			vol := str(s.VolumeId)
			_, dlm := tags["aws:dlm:lifecycle-policy-id"]
			_, backup := tags["aws:backup:source-resource"]
			backup = backup || strings.Contains(str(s.Description), "AWS Backup")
			attrs := map[string]any{
				"volume_size_gb": f32(s.VolumeSize),
				"volume_id":      vol,
				"encrypted":      boolv(s.Encrypted),
				"manual":         !dlm && !backup,
			}
			r := inventory.Resource{
				// EBS snapshot ARNs carry no account: arn:aws:ec2:REGION::snapshot/ID.
				ARN: fmt.Sprintf("arn:%s:ec2:%s::snapshot/%s", t.partition, t.region, id), Account: t.account, Region: t.region, Type: "AWS::EC2::Snapshot",
				ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: string(s.State), Attrs: inventory.AttrsOf(attrs),
			}
			if s.StartTime != nil {
				r.Created = s.StartTime.UTC()
			}
			// vol-ffffffff is what EC2 reports for snapshots copied or made from AMIs.
			if vol != "" && vol != "vol-ffffffff" {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelSnapshotOf, Target: t.arn("ec2", "volume/"+vol)})
			}
			if public, err := snapshotPublic(ctx, api, s.SnapshotId); err != nil {
				errs = append(errs, fmt.Errorf("snapshot %s: %w", id, err))
			} else {
				r.Attrs.Set("public", public)
			}
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}

// snapshotPublic reports whether anyone may create a volume from the
// snapshot (the group "all" in its create-volume permissions).
func snapshotPublic(ctx context.Context, api ec2API, id *string) (bool, error) {
	a, err := api.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: id, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if err != nil {
		return false, fmt.Errorf("describe snapshot attribute: %w", err)
	}
	for _, p := range a.CreateVolumePermissions {
		if p.Group == ec2types.PermissionGroupAll {
			return true, nil
		}
	}
	return false, nil
}

func ec2Addresses(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	page, err := api.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return fmt.Errorf("describe addresses: %w", err)
	}
	for _, a := range page.Addresses {
		id := str(a.AllocationId)
		if id == "" {
			id = str(a.PublicIp)
		}
		tags := ec2Tags(a.Tags)
		r := inventory.Resource{
			ARN: t.arn("ec2", "elastic-ip/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::EIP",
			ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags),
			Attrs: inventory.AttrsOf(map[string]any{
				"public_ip":      str(a.PublicIp),
				"association_id": str(a.AssociationId),
				"allocation_id":  str(a.AllocationId),
			}),
		}
		if i := str(a.InstanceId); i != "" {
			r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelAttachedTo, Target: t.arn("ec2", "instance/"+i)})
		}
		out.add(r)
	}
	return nil
}

func ec2SecurityGroups(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	pg := ec2.NewDescribeSecurityGroupsPaginator(api, &ec2.DescribeSecurityGroupsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe security groups: %w", err)
		}
		for _, g := range page.SecurityGroups {
			id := str(g.GroupId)
			tags := ec2Tags(g.Tags)
			name := nameTag(tags)
			if name == "" {
				name = str(g.GroupName)
			}
			r := inventory.Resource{
				ARN: t.arn("ec2", "security-group/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::SecurityGroup",
				ID: id, Name: name, Tags: inventory.TagsOf(tags),
				Attrs: inventory.AttrsOf(map[string]any{
					"group_name": str(g.GroupName),
					"vpc_id":     str(g.VpcId),
					"is_default": str(g.GroupName) == "default",
					"ingress":    ingressRules(g.IpPermissions),
				}),
			}
			if v := str(g.VpcId); v != "" {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelInVPC, Target: t.arn("ec2", "vpc/"+v)})
			}
			out.add(r)
		}
	}
	return nil
}

// ingressRules flattens permissions into one rule per source, the shape
// policies match on. A rule without ports (all traffic) spans 0-65535.
func ingressRules(perms []ec2types.IpPermission) []any {
	rules := []any{}
	for _, p := range perms {
		from, to := 0.0, 65535.0
		if p.FromPort != nil && *p.FromPort >= 0 {
			from = float64(*p.FromPort)
		}
		if p.ToPort != nil && *p.ToPort >= 0 {
			to = float64(*p.ToPort)
		}
		rule := func(cidr, sg string) map[string]any {
			return map[string]any{"protocol": str(p.IpProtocol), "from_port": from, "to_port": to, "cidr": cidr, "source_sg": sg}
		}
		for _, r := range p.IpRanges {
			rules = append(rules, rule(str(r.CidrIp), ""))
		}
		for _, r := range p.Ipv6Ranges {
			rules = append(rules, rule(str(r.CidrIpv6), ""))
		}
		for _, g := range p.UserIdGroupPairs {
			rules = append(rules, rule("", str(g.GroupId)))
		}
	}
	return rules
}

// ebsDefaultEncryption records whether new volumes of the region are
// encrypted whatever their creator asks.
func ebsDefaultEncryption(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	e, err := api.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return fmt.Errorf("get ebs encryption by default: %w", err)
	}
	if e.EbsEncryptionByDefault != nil {
		out.setRegionAttr("ebs_default_encryption", *e.EbsEncryptionByDefault)
	}
	return nil
}

// vpcFlowLogs lists the VPCs that have an active flow log of their own;
// ok is false when the flow logs could not be read, and then no VPC's
// flow_logs is set.
func vpcFlowLogs(ctx context.Context, api ec2API) (map[string]bool, error) {
	on := map[string]bool{}
	pg := ec2.NewDescribeFlowLogsPaginator(api, &ec2.DescribeFlowLogsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs: %w", err)
		}
		for _, f := range page.FlowLogs {
			if strings.HasPrefix(str(f.ResourceId), "vpc-") && strings.EqualFold(str(f.FlowLogStatus), "ACTIVE") {
				on[str(f.ResourceId)] = true
			}
		}
	}
	return on, nil
}

func ec2VPCs(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	flows, flowErr := vpcFlowLogs(ctx, api)
	pg := ec2.NewDescribeVpcsPaginator(api, &ec2.DescribeVpcsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe vpcs: %w", err)
		}
		for _, v := range page.Vpcs {
			id := str(v.VpcId)
			tags := ec2Tags(v.Tags)
			attrs := map[string]any{"cidr": str(v.CidrBlock), "is_default": boolv(v.IsDefault)}
			if flowErr == nil {
				attrs["flow_logs"] = flows[id]
			}
			out.add(inventory.Resource{
				ARN: t.arn("ec2", "vpc/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::VPC",
				ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: string(v.State), Attrs: inventory.AttrsOf(attrs),
			})
		}
	}
	return flowErr
}

// ec2Subnets reads subnets and route tables together: a subnet is public
// when its route table (explicit, or else its VPC's main table) sends a
// default route to an internet gateway. If route tables cannot be read the
// public attr is left out, never guessed.
func ec2Subnets(ctx context.Context, t *target, out *unitOut, api ec2API) error {
	var subnets []ec2types.Subnet
	pg := ec2.NewDescribeSubnetsPaginator(api, &ec2.DescribeSubnetsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe subnets: %w", err)
		}
		subnets = append(subnets, page.Subnets...)
	}
	explicit, main, rtErr := routeTables(ctx, api)
	for _, s := range subnets {
		id := str(s.SubnetId)
		tags := ec2Tags(s.Tags)
		attrs := map[string]any{
			"vpc_id":            str(s.VpcId),
			"cidr":              str(s.CidrBlock),
			"availability_zone": str(s.AvailabilityZone),
			"default_for_az":    boolv(s.DefaultForAz),
		}
		setBool(attrs, "map_public_ip_on_launch", s.MapPublicIpOnLaunch)
		if rtErr == nil {
			public, ok := explicit[id]
			if !ok {
				public = main[str(s.VpcId)]
			}
			attrs["public"] = public
		}
		out.add(inventory.Resource{
			ARN: t.arn("ec2", "subnet/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::Subnet",
			ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: string(s.State), Attrs: inventory.AttrsOf(attrs),
			Relations: []inventory.Relation{{Kind: inventory.RelInVPC, Target: t.arn("ec2", "vpc/"+str(s.VpcId))}},
		})
	}
	return rtErr
}

// routeTables returns, per explicitly associated subnet and per VPC main
// table, whether the table routes the internet through an internet gateway.
func routeTables(ctx context.Context, api ec2API) (explicit, main map[string]bool, err error) {
	explicit, main = map[string]bool{}, map[string]bool{}
	pg := ec2.NewDescribeRouteTablesPaginator(api, &ec2.DescribeRouteTablesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("describe route tables: %w", err)
		}
		for _, rt := range page.RouteTables {
			public := false
			for _, r := range rt.Routes {
				dst := str(r.DestinationCidrBlock) + str(r.DestinationIpv6CidrBlock)
				if (dst == "0.0.0.0/0" || dst == "::/0") && strings.HasPrefix(str(r.GatewayId), "igw-") {
					public = true
				}
			}
			for _, a := range rt.Associations {
				if boolv(a.Main) {
					main[str(rt.VpcId)] = public
				}
				if s := str(a.SubnetId); s != "" {
					explicit[s] = public
				}
			}
		}
	}
	return explicit, main, nil
}

func ec2NATs(ctx context.Context, t *target, out *unitOut, api ec2API, cw metricsAPI) error {
	var nats []inventory.Resource
	pg := ec2.NewDescribeNatGatewaysPaginator(api, &ec2.DescribeNatGatewaysInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe nat gateways: %w", err)
		}
		for _, n := range page.NatGateways {
			if n.State == ec2types.NatGatewayStateDeleted {
				continue
			}
			id := str(n.NatGatewayId)
			tags := ec2Tags(n.Tags)
			r := inventory.Resource{
				ARN: t.arn("ec2", "natgateway/"+id), Account: t.account, Region: t.region, Type: "AWS::EC2::NatGateway",
				ID: id, Name: nameTag(tags), Tags: inventory.TagsOf(tags), State: string(n.State),
				Attrs: inventory.AttrsOf(map[string]any{"connectivity_type": string(n.ConnectivityType)}),
			}
			if n.CreateTime != nil {
				r.Created = n.CreateTime.UTC()
			}
			if s := str(n.SubnetId); s != "" {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelInSubnet, Target: t.arn("ec2", "subnet/"+s)})
			}
			// An Elastic IP on a NAT gateway names only a network
			// interface; the gateway names the address.
			for _, a := range n.NatGatewayAddresses {
				if id := str(a.AllocationId); id != "" {
					out.edge(t.arn("ec2", "elastic-ip/"+id), inventory.RelAttachedTo, r.ARN)
				}
			}
			nats = append(nats, r)
		}
	}
	natBytes(ctx, t, out, cw, nats)
	for _, n := range nats {
		out.add(n)
	}
	return nil
}

// natBytes fills bytes_out_14d of NAT gateways from CloudWatch, in
// batches; a failed read leaves it out and shows as a cloudwatch gap.
func natBytes(ctx context.Context, t *target, out *unitOut, cw metricsAPI, nats []inventory.Resource) {
	if len(nats) == 0 {
		return
	}
	qs := make([]metricQuery, len(nats))
	for i, n := range nats {
		qs[i] = metricQuery{namespace: "AWS/NATGateway", metric: "BytesOutToDestination", dims: map[string]string{"NatGatewayId": n.ID}, stat: "Sum"}
	}
	vals, err := getMetrics(ctx, cw, qs, lookbackStart(t.now, 14), t.now)
	out.sideRead(t, "cloudwatch", err)
	if err != nil {
		return
	}
	for i := range nats {
		nats[i].Attrs.Set("bytes_out_14d", sum(vals[i]))
	}
}

func runEC2FromConfig(ctx context.Context, t *target, out *unitOut, rs []inventory.Resource) error {
	return collectEC2FromConfig(ctx, t, out, rs, ec2.NewFromConfig(t.cfg), cloudwatch.NewFromConfig(t.cfg))
}

// collectEC2FromConfig takes the EC2 resources a configuration aggregator
// gave and reads what Config does not record: EBS snapshots (no Config
// type), NAT gateway traffic (CloudWatch), EBS encryption by default (an
// account setting) and the VPCs' flow logs (Config holds only those that
// exist).
func collectEC2FromConfig(ctx context.Context, t *target, out *unitOut, rs []inventory.Resource, api ec2API, cw metricsAPI) error {
	var errs []error
	flows, flowErr := vpcFlowLogs(ctx, api)
	errs = append(errs, flowErr)
	var nats []inventory.Resource
	for _, r := range rs {
		if r.Type == "AWS::EC2::NatGateway" {
			nats = append(nats, r)
			continue
		}
		if r.Type == "AWS::EC2::VPC" && flowErr == nil {
			r.Attrs.Set("flow_logs", flows[r.ID])
		}
		out.add(r)
	}
	natBytes(ctx, t, out, cw, nats)
	for _, n := range nats {
		out.add(n)
	}
	errs = append(errs, ebsDefaultEncryption(ctx, t, out, api), ec2Snapshots(ctx, t, out, api))
	return errors.Join(errs...)
}
