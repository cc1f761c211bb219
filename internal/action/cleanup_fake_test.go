package action

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// leftovers is the part of the fake cloud mark-then-delete acts on.
type leftovers struct {
	volumes     map[string]*ec2types.Volume
	snaps       map[string]*ec2types.Snapshot
	addresses   map[string]*ec2types.Address
	dbSnaps     map[string]*rdstypes.DBSnapshot
	lbs         map[string]*elbv2types.LoadBalancer
	lbTags      map[string]map[string]string
	listeners   map[string][]string // load balancer ARN -> listener ARNs
	protected   map[string]bool     // load balancers with deletion protection
	classic     map[string]*elbtypes.LoadBalancerDescription
	classicTags map[string]map[string]string
	// snapLag is how many describes a new snapshot stays pending;
	// snapFail makes it end in error instead.
	snapLag  int
	snapFail bool
	pending  map[string]int
	next     int
}

func newLeftovers() *leftovers {
	return &leftovers{volumes: map[string]*ec2types.Volume{}, snaps: map[string]*ec2types.Snapshot{}, addresses: map[string]*ec2types.Address{},
		dbSnaps: map[string]*rdstypes.DBSnapshot{}, lbs: map[string]*elbv2types.LoadBalancer{}, lbTags: map[string]map[string]string{},
		listeners: map[string][]string{}, protected: map[string]bool{}, pending: map[string]int{},
		classic: map[string]*elbtypes.LoadBalancerDescription{}, classicTags: map[string]map[string]string{}}
}

// ec2Cleanup is the fake's EC2 as the cleanup targets see it (its
// DeleteTags is EC2's, not Auto Scaling's).
type ec2Cleanup struct{ *cloud }

func (c *cloud) cleanupTarget(typ string, w Wait) (Target, error) {
	switch typ {
	case TypeVolume:
		return &Volume{EC2: ec2Cleanup{c}, Wait: w}, nil
	case TypeEIP:
		return &Address{EC2: ec2Cleanup{c}}, nil
	case TypeEBSSnapshot:
		return &EBSSnapshot{EC2: ec2Cleanup{c}}, nil
	case TypeDBSnapshot:
		return &DBSnapshot{RDS: c}, nil
	case TypeDBClusterSnapshot:
		return &DBSnapshot{RDS: c, Cluster: true}, nil
	case TypeLoadBalancer:
		return &LoadBalancer{ELB: c}, nil
	case TypeClassicLoadBalancer:
		return &ClassicLoadBalancer{ELB: classicELB{c}}, nil
	}
	return nil, ErrNoTarget
}

// --- EC2

func (e ec2Cleanup) DescribeVolumes(_ context.Context, in *ec2.DescribeVolumesInput, _ ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error) {
	e.read("ec2:DescribeVolumes")
	out := &ec2.DescribeVolumesOutput{}
	for _, id := range in.VolumeIds {
		if v, ok := e.left.volumes[id]; ok {
			out.Volumes = append(out.Volumes, *v)
		}
	}
	return out, nil
}

func (e ec2Cleanup) DeleteVolume(_ context.Context, in *ec2.DeleteVolumeInput, _ ...func(*ec2.Options)) (*ec2.DeleteVolumeOutput, error) {
	if err := e.write("ec2:DeleteVolume"); err != nil {
		return nil, err
	}
	delete(e.left.volumes, *in.VolumeId)
	return &ec2.DeleteVolumeOutput{}, nil
}

func (e ec2Cleanup) CreateSnapshot(_ context.Context, in *ec2.CreateSnapshotInput, _ ...func(*ec2.Options)) (*ec2.CreateSnapshotOutput, error) {
	if err := e.write("ec2:CreateSnapshot"); err != nil {
		return nil, err
	}
	e.left.next++
	id := fmt.Sprintf("snap-new%d", e.left.next)
	s := &ec2types.Snapshot{SnapshotId: &id, VolumeId: in.VolumeId, State: ec2types.SnapshotStatePending, Description: in.Description}
	for _, ts := range in.TagSpecifications {
		s.Tags = append(s.Tags, ts.Tags...)
	}
	e.left.snaps[id] = s
	e.left.pending[id] = e.left.snapLag
	return &ec2.CreateSnapshotOutput{SnapshotId: &id, State: s.State}, nil
}

func (e ec2Cleanup) DescribeSnapshots(_ context.Context, in *ec2.DescribeSnapshotsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	e.read("ec2:DescribeSnapshots")
	out := &ec2.DescribeSnapshotsOutput{}
	for _, id := range in.SnapshotIds {
		s, ok := e.left.snaps[id]
		if !ok {
			continue
		}
		if s.State == ec2types.SnapshotStatePending {
			if e.left.pending[id] > 0 {
				e.left.pending[id]--
			} else if e.left.snapFail {
				s.State, s.StateMessage = ec2types.SnapshotStateError, sdkaws.String("fake failure")
			} else {
				s.State = ec2types.SnapshotStateCompleted
			}
		}
		out.Snapshots = append(out.Snapshots, *s)
	}
	return out, nil
}

func (e ec2Cleanup) DeleteSnapshot(_ context.Context, in *ec2.DeleteSnapshotInput, _ ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error) {
	if err := e.write("ec2:DeleteSnapshot"); err != nil {
		return nil, err
	}
	delete(e.left.snaps, *in.SnapshotId)
	return &ec2.DeleteSnapshotOutput{}, nil
}

func (e ec2Cleanup) DescribeAddresses(_ context.Context, in *ec2.DescribeAddressesInput, _ ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error) {
	e.read("ec2:DescribeAddresses")
	out := &ec2.DescribeAddressesOutput{}
	for _, id := range in.AllocationIds {
		if a, ok := e.left.addresses[id]; ok {
			out.Addresses = append(out.Addresses, *a)
		}
	}
	return out, nil
}

func (e ec2Cleanup) ReleaseAddress(_ context.Context, in *ec2.ReleaseAddressInput, _ ...func(*ec2.Options)) (*ec2.ReleaseAddressOutput, error) {
	if err := e.write("ec2:ReleaseAddress"); err != nil {
		return nil, err
	}
	delete(e.left.addresses, *in.AllocationId)
	return &ec2.ReleaseAddressOutput{}, nil
}

// ec2Tags returns the tag list of an EC2 resource of the fake by id.
func (e ec2Cleanup) tagsOf(id string) *[]ec2types.Tag {
	if v, ok := e.left.volumes[id]; ok {
		return &v.Tags
	}
	if s, ok := e.left.snaps[id]; ok {
		return &s.Tags
	}
	if a, ok := e.left.addresses[id]; ok {
		return &a.Tags
	}
	return nil
}

func (e ec2Cleanup) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	if err := e.write("ec2:CreateTags"); err != nil {
		return nil, err
	}
	for _, id := range in.Resources {
		ts := e.tagsOf(id)
		for _, t := range in.Tags {
			*ts = append(dropEC2Tag(*ts, *t.Key), t)
		}
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (e ec2Cleanup) DeleteTags(_ context.Context, in *ec2.DeleteTagsInput, _ ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	if err := e.write("ec2:DeleteTags"); err != nil {
		return nil, err
	}
	for _, id := range in.Resources {
		ts := e.tagsOf(id)
		for _, t := range in.Tags {
			*ts = dropEC2Tag(*ts, *t.Key)
		}
	}
	return &ec2.DeleteTagsOutput{}, nil
}

func dropEC2Tag(ts []ec2types.Tag, k string) []ec2types.Tag {
	var out []ec2types.Tag
	for _, t := range ts {
		if *t.Key != k {
			out = append(out, t)
		}
	}
	return out
}

// --- RDS

func (c *cloud) CreateDBSnapshot(_ context.Context, in *rds.CreateDBSnapshotInput, _ ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error) {
	if err := c.write("rds:CreateDBSnapshot"); err != nil {
		return nil, err
	}
	id := *in.DBSnapshotIdentifier
	c.left.dbSnaps[id] = &rdstypes.DBSnapshot{DBSnapshotIdentifier: &id, DBInstanceIdentifier: in.DBInstanceIdentifier,
		Status: sdkaws.String("creating"), SnapshotType: sdkaws.String("manual"), TagList: in.Tags, DBSnapshotArn: sdkaws.String(arnOf("rds", "snapshot:"+id))}
	c.left.pending[id] = c.left.snapLag
	return &rds.CreateDBSnapshotOutput{}, nil
}

func (c *cloud) DescribeDBSnapshots(_ context.Context, in *rds.DescribeDBSnapshotsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error) {
	c.read("rds:DescribeDBSnapshots")
	out := &rds.DescribeDBSnapshotsOutput{}
	if s, ok := c.left.dbSnaps[*in.DBSnapshotIdentifier]; ok {
		if *s.Status == "creating" {
			if c.left.pending[*s.DBSnapshotIdentifier] > 0 {
				c.left.pending[*s.DBSnapshotIdentifier]--
			} else if c.left.snapFail {
				s.Status = sdkaws.String("failed")
			} else {
				s.Status = sdkaws.String("available")
			}
		}
		out.DBSnapshots = append(out.DBSnapshots, *s)
	}
	return out, nil
}

func (c *cloud) DeleteDBInstance(_ context.Context, in *rds.DeleteDBInstanceInput, _ ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	if err := c.write("rds:DeleteDBInstance"); err != nil {
		return nil, err
	}
	if !sdkaws.ToBool(in.SkipFinalSnapshot) {
		return nil, fmt.Errorf("fake: a final snapshot was asked for")
	}
	delete(c.dbs, *in.DBInstanceIdentifier)
	return &rds.DeleteDBInstanceOutput{}, nil
}

func (c *cloud) DeleteDBSnapshot(_ context.Context, in *rds.DeleteDBSnapshotInput, _ ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error) {
	if err := c.write("rds:DeleteDBSnapshot"); err != nil {
		return nil, err
	}
	delete(c.left.dbSnaps, *in.DBSnapshotIdentifier)
	return &rds.DeleteDBSnapshotOutput{}, nil
}

func (c *cloud) DescribeDBClusterSnapshots(context.Context, *rds.DescribeDBClusterSnapshotsInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error) {
	c.read("rds:DescribeDBClusterSnapshots")
	return &rds.DescribeDBClusterSnapshotsOutput{}, nil
}

func (c *cloud) DeleteDBClusterSnapshot(context.Context, *rds.DeleteDBClusterSnapshotInput, ...func(*rds.Options)) (*rds.DeleteDBClusterSnapshotOutput, error) {
	if err := c.write("rds:DeleteDBClusterSnapshot"); err != nil {
		return nil, err
	}
	return &rds.DeleteDBClusterSnapshotOutput{}, nil
}

// rdsTags is the tag list of a database or snapshot of the fake by ARN.
func (c *cloud) rdsTags(arn string) *[]rdstypes.Tag {
	for id, d := range c.dbs {
		if arnOf("rds", "db:"+id) == arn {
			return &d.TagList
		}
	}
	for _, s := range c.left.dbSnaps {
		if *s.DBSnapshotArn == arn {
			return &s.TagList
		}
	}
	return nil
}

func (c *cloud) AddTagsToResource(_ context.Context, in *rds.AddTagsToResourceInput, _ ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error) {
	if err := c.write("rds:AddTagsToResource"); err != nil {
		return nil, err
	}
	ts := c.rdsTags(*in.ResourceName)
	for _, t := range in.Tags {
		*ts = append(dropRDSTag(*ts, *t.Key), t)
	}
	return &rds.AddTagsToResourceOutput{}, nil
}

func (c *cloud) RemoveTagsFromResource(_ context.Context, in *rds.RemoveTagsFromResourceInput, _ ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error) {
	if err := c.write("rds:RemoveTagsFromResource"); err != nil {
		return nil, err
	}
	ts := c.rdsTags(*in.ResourceName)
	for _, k := range in.TagKeys {
		*ts = dropRDSTag(*ts, k)
	}
	return &rds.RemoveTagsFromResourceOutput{}, nil
}

func dropRDSTag(ts []rdstypes.Tag, k string) []rdstypes.Tag {
	var out []rdstypes.Tag
	for _, t := range ts {
		if *t.Key != k {
			out = append(out, t)
		}
	}
	return out
}

// --- Elastic Load Balancing

func (c *cloud) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	c.read("elasticloadbalancing:DescribeLoadBalancers")
	out := &elbv2.DescribeLoadBalancersOutput{}
	for _, a := range in.LoadBalancerArns {
		if lb, ok := c.left.lbs[a]; ok {
			out.LoadBalancers = append(out.LoadBalancers, *lb)
		}
	}
	return out, nil
}

func (c *cloud) DescribeLoadBalancerAttributes(_ context.Context, in *elbv2.DescribeLoadBalancerAttributesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	c.read("elasticloadbalancing:DescribeLoadBalancerAttributes")
	v := "false"
	if c.left.protected[*in.LoadBalancerArn] {
		v = "true"
	}
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: []elbv2types.LoadBalancerAttribute{
		{Key: sdkaws.String("deletion_protection.enabled"), Value: sdkaws.String(v)}}}, nil
}

func (c *cloud) DescribeTags(_ context.Context, in *elbv2.DescribeTagsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error) {
	c.read("elasticloadbalancing:DescribeTags")
	out := &elbv2.DescribeTagsOutput{}
	for _, a := range in.ResourceArns {
		d := elbv2types.TagDescription{ResourceArn: sdkaws.String(a)}
		for k, v := range c.left.lbTags[a] {
			d.Tags = append(d.Tags, elbv2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}

// DescribeListeners returns one listener a page, so the paginator is used.
func (c *cloud) DescribeListeners(_ context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	c.read("elasticloadbalancing:DescribeListeners")
	ls := c.left.listeners[*in.LoadBalancerArn]
	i := 0
	if in.Marker != nil {
		fmt.Sscan(*in.Marker, &i)
	}
	out := &elbv2.DescribeListenersOutput{}
	if i < len(ls) {
		out.Listeners = []elbv2types.Listener{{ListenerArn: sdkaws.String(ls[i])}}
	}
	if i+1 < len(ls) {
		out.NextMarker = sdkaws.String(fmt.Sprint(i + 1))
	}
	return out, nil
}

func (c *cloud) DeleteListener(_ context.Context, in *elbv2.DeleteListenerInput, _ ...func(*elbv2.Options)) (*elbv2.DeleteListenerOutput, error) {
	if err := c.write("elasticloadbalancing:DeleteListener"); err != nil {
		return nil, err
	}
	for lb, ls := range c.left.listeners {
		var keep []string
		for _, l := range ls {
			if l != *in.ListenerArn {
				keep = append(keep, l)
			}
		}
		c.left.listeners[lb] = keep
	}
	return &elbv2.DeleteListenerOutput{}, nil
}

func (c *cloud) DeleteLoadBalancer(_ context.Context, in *elbv2.DeleteLoadBalancerInput, _ ...func(*elbv2.Options)) (*elbv2.DeleteLoadBalancerOutput, error) {
	if err := c.write("elasticloadbalancing:DeleteLoadBalancer"); err != nil {
		return nil, err
	}
	if len(c.left.listeners[*in.LoadBalancerArn]) > 0 {
		return nil, fmt.Errorf("fake: load balancer deleted before its listeners")
	}
	delete(c.left.lbs, *in.LoadBalancerArn)
	return &elbv2.DeleteLoadBalancerOutput{}, nil
}

func (c *cloud) AddTags(_ context.Context, in *elbv2.AddTagsInput, _ ...func(*elbv2.Options)) (*elbv2.AddTagsOutput, error) {
	if err := c.write("elasticloadbalancing:AddTags"); err != nil {
		return nil, err
	}
	for _, a := range in.ResourceArns {
		if c.left.lbTags[a] == nil {
			c.left.lbTags[a] = map[string]string{}
		}
		for _, t := range in.Tags {
			c.left.lbTags[a][*t.Key] = *t.Value
		}
	}
	return &elbv2.AddTagsOutput{}, nil
}

func (c *cloud) RemoveTags(_ context.Context, in *elbv2.RemoveTagsInput, _ ...func(*elbv2.Options)) (*elbv2.RemoveTagsOutput, error) {
	if err := c.write("elasticloadbalancing:RemoveTags"); err != nil {
		return nil, err
	}
	for _, a := range in.ResourceArns {
		for _, k := range in.TagKeys {
			delete(c.left.lbTags[a], k)
		}
	}
	return &elbv2.RemoveTagsOutput{}, nil
}

// --- Classic Load Balancing

// classicELB is the fake's Classic Load Balancing (its calls share names
// with v2's).
type classicELB struct{ *cloud }

func (e classicELB) DescribeLoadBalancers(_ context.Context, in *elb.DescribeLoadBalancersInput, _ ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	e.read("elasticloadbalancing:DescribeLoadBalancers")
	out := &elb.DescribeLoadBalancersOutput{}
	for _, n := range in.LoadBalancerNames {
		if lb, ok := e.left.classic[n]; ok {
			out.LoadBalancerDescriptions = append(out.LoadBalancerDescriptions, *lb)
		}
	}
	return out, nil
}

func (e classicELB) DescribeTags(_ context.Context, in *elb.DescribeTagsInput, _ ...func(*elb.Options)) (*elb.DescribeTagsOutput, error) {
	e.read("elasticloadbalancing:DescribeTags")
	out := &elb.DescribeTagsOutput{}
	for _, n := range in.LoadBalancerNames {
		d := elbtypes.TagDescription{LoadBalancerName: sdkaws.String(n)}
		for k, v := range e.left.classicTags[n] {
			d.Tags = append(d.Tags, elbtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}

func (e classicELB) AddTags(_ context.Context, in *elb.AddTagsInput, _ ...func(*elb.Options)) (*elb.AddTagsOutput, error) {
	if err := e.write("elasticloadbalancing:AddTags"); err != nil {
		return nil, err
	}
	for _, n := range in.LoadBalancerNames {
		if e.left.classicTags[n] == nil {
			e.left.classicTags[n] = map[string]string{}
		}
		for _, t := range in.Tags {
			e.left.classicTags[n][*t.Key] = *t.Value
		}
	}
	return &elb.AddTagsOutput{}, nil
}

func (e classicELB) RemoveTags(_ context.Context, in *elb.RemoveTagsInput, _ ...func(*elb.Options)) (*elb.RemoveTagsOutput, error) {
	if err := e.write("elasticloadbalancing:RemoveTags"); err != nil {
		return nil, err
	}
	for _, n := range in.LoadBalancerNames {
		for _, t := range in.Tags {
			delete(e.left.classicTags[n], *t.Key)
		}
	}
	return &elb.RemoveTagsOutput{}, nil
}

func (e classicELB) DeregisterInstancesFromLoadBalancer(_ context.Context, in *elb.DeregisterInstancesFromLoadBalancerInput, _ ...func(*elb.Options)) (*elb.DeregisterInstancesFromLoadBalancerOutput, error) {
	if err := e.write("elasticloadbalancing:DeregisterInstancesFromLoadBalancer"); err != nil {
		return nil, err
	}
	e.left.classic[*in.LoadBalancerName].Instances = nil
	return &elb.DeregisterInstancesFromLoadBalancerOutput{}, nil
}

func (e classicELB) DeleteLoadBalancerListeners(_ context.Context, in *elb.DeleteLoadBalancerListenersInput, _ ...func(*elb.Options)) (*elb.DeleteLoadBalancerListenersOutput, error) {
	if err := e.write("elasticloadbalancing:DeleteLoadBalancerListeners"); err != nil {
		return nil, err
	}
	e.left.classic[*in.LoadBalancerName].ListenerDescriptions = nil
	return &elb.DeleteLoadBalancerListenersOutput{}, nil
}

func (e classicELB) DeleteLoadBalancer(_ context.Context, in *elb.DeleteLoadBalancerInput, _ ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error) {
	if err := e.write("elasticloadbalancing:DeleteLoadBalancer"); err != nil {
		return nil, err
	}
	lb := e.left.classic[*in.LoadBalancerName]
	if len(lb.Instances) > 0 || len(lb.ListenerDescriptions) > 0 {
		return nil, fmt.Errorf("fake: load balancer deleted before its instances and listeners")
	}
	delete(e.left.classic, *in.LoadBalancerName)
	return &elb.DeleteLoadBalancerOutput{}, nil
}
