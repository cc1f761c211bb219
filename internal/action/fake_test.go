package action

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

const (
	acct   = "111111111111"
	region = "ap-northeast-1"
)

// cloud is a fake of every API the targets call. With readOnly set, any
// call that is not a read fails and is remembered: the proof that
// planning never changes anything.
type cloud struct {
	mu       sync.Mutex
	readOnly bool
	writes   []string
	calls    []string

	services map[string]*ecstypes.Service // by cluster/name
	scaling  map[string]*aastypes.ScalableTarget
	dbs      map[string]*rdstypes.DBInstance
	clusters map[string]*rdstypes.DBCluster
	vms      map[string]*ec2types.Instance
	groups   map[string]*astypes.AutoScalingGroup
	rules    map[string]*eventbridge.DescribeRuleOutput // by name
	ruleTags map[string][]ebtypes.Tag                   // by ARN
	// lag is how many describes a started service takes to run all its tasks.
	lag int
	// left holds what mark-then-delete acts on (cleanup_fake_test.go).
	left *leftovers
}

func newCloud() *cloud {
	return &cloud{services: map[string]*ecstypes.Service{}, scaling: map[string]*aastypes.ScalableTarget{},
		dbs: map[string]*rdstypes.DBInstance{}, clusters: map[string]*rdstypes.DBCluster{},
		vms: map[string]*ec2types.Instance{}, groups: map[string]*astypes.AutoScalingGroup{},
		rules: map[string]*eventbridge.DescribeRuleOutput{}, ruleTags: map[string][]ebtypes.Tag{}, left: newLeftovers()}
}

func (c *cloud) write(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, op)
	if c.readOnly {
		c.writes = append(c.writes, op)
		return fmt.Errorf("fake: %s is a mutating call, made while read-only", op)
	}
	return nil
}

func (c *cloud) read(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, op)
}

func (c *cloud) Target(account, reg, typ string) (Target, error) {
	// An ARN without an account (an EBS snapshot's) reaches the one
	// account of the region, as AWSTargets does.
	if account != acct && account != "" || reg != region {
		return nil, ErrNoTarget
	}
	w := Wait{Interval: 1, Timeout: 10, Sleep: func(context.Context, time.Duration) error { return nil }}
	switch typ {
	case TypeECSService:
		return &ECSService{ECS: c, Scaling: c, Wait: w}, nil
	case TypeDBInstance:
		return &DBInstance{RDS: c, Wait: w}, nil
	case TypeDBCluster:
		return &DBCluster{RDS: c, Wait: w}, nil
	case TypeInstance:
		return &Instance{EC2: c}, nil
	case TypeASG:
		return &ASG{AutoScaling: c}, nil
	case TypeEventsRule:
		return &EventsRule{Events: c}, nil
	}
	return c.cleanupTarget(typ, w)
}

// --- ECS

func (c *cloud) addService(cluster, name string, desired int32, tags map[string]string) string {
	arn := fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", region, acct, cluster, name)
	s := &ecstypes.Service{ServiceArn: &arn, ServiceName: sdkaws.String(name), Status: sdkaws.String("ACTIVE"),
		DesiredCount: desired, RunningCount: desired,
		Deployments: []ecstypes.Deployment{{Id: sdkaws.String("d1"), RolloutState: ecstypes.DeploymentRolloutStateCompleted}}}
	for k, v := range tags {
		s.Tags = append(s.Tags, ecstypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
	}
	c.services[cluster+"/"+name] = s
	return arn
}

func (c *cloud) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	c.read("ecs:DescribeServices")
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &ecs.DescribeServicesOutput{}
	for _, n := range in.Services {
		if s, ok := c.services[*in.Cluster+"/"+n]; ok {
			if s.RunningCount < s.DesiredCount {
				if c.lag > 0 {
					c.lag--
				} else {
					s.RunningCount = s.DesiredCount
				}
			}
			out.Services = append(out.Services, *s)
		}
	}
	return out, nil
}

func (c *cloud) UpdateService(_ context.Context, in *ecs.UpdateServiceInput, _ ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	if err := c.write("ecs:UpdateService"); err != nil {
		return nil, err
	}
	s := c.services[*in.Cluster+"/"+*in.Service]
	s.DesiredCount = *in.DesiredCount
	if s.DesiredCount < s.RunningCount {
		s.RunningCount = s.DesiredCount
	}
	return &ecs.UpdateServiceOutput{Service: s}, nil
}

func (c *cloud) serviceByARN(arn string) *ecstypes.Service {
	for _, s := range c.services {
		if *s.ServiceArn == arn {
			return s
		}
	}
	return nil
}

func (c *cloud) TagResource(_ context.Context, in *ecs.TagResourceInput, _ ...func(*ecs.Options)) (*ecs.TagResourceOutput, error) {
	if err := c.write("ecs:TagResource"); err != nil {
		return nil, err
	}
	s := c.serviceByARN(*in.ResourceArn)
	for _, t := range in.Tags {
		s.Tags = append(removeTag(s.Tags, *t.Key), t)
	}
	return &ecs.TagResourceOutput{}, nil
}

func removeTag(ts []ecstypes.Tag, key string) []ecstypes.Tag {
	var out []ecstypes.Tag
	for _, t := range ts {
		if *t.Key != key {
			out = append(out, t)
		}
	}
	return out
}

func (c *cloud) UntagResource(_ context.Context, in *ecs.UntagResourceInput, _ ...func(*ecs.Options)) (*ecs.UntagResourceOutput, error) {
	if err := c.write("ecs:UntagResource"); err != nil {
		return nil, err
	}
	s := c.serviceByARN(*in.ResourceArn)
	for _, k := range in.TagKeys {
		s.Tags = removeTag(s.Tags, k)
	}
	return &ecs.UntagResourceOutput{}, nil
}

func (c *cloud) DescribeScalableTargets(_ context.Context, in *aas.DescribeScalableTargetsInput, _ ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error) {
	c.read("application-autoscaling:DescribeScalableTargets")
	out := &aas.DescribeScalableTargetsOutput{}
	for _, id := range in.ResourceIds {
		if t, ok := c.scaling[id]; ok {
			out.ScalableTargets = append(out.ScalableTargets, *t)
		}
	}
	return out, nil
}

func (c *cloud) RegisterScalableTarget(_ context.Context, in *aas.RegisterScalableTargetInput, _ ...func(*aas.Options)) (*aas.RegisterScalableTargetOutput, error) {
	if err := c.write("application-autoscaling:RegisterScalableTarget"); err != nil {
		return nil, err
	}
	t := c.scaling[*in.ResourceId]
	t.MinCapacity, t.MaxCapacity, t.SuspendedState = in.MinCapacity, in.MaxCapacity, in.SuspendedState
	return &aas.RegisterScalableTargetOutput{}, nil
}

// --- RDS

func (c *cloud) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	c.read("rds:DescribeDBInstances")
	out := &rds.DescribeDBInstancesOutput{}
	if d, ok := c.dbs[*in.DBInstanceIdentifier]; ok {
		out.DBInstances = append(out.DBInstances, *d)
	}
	return out, nil
}

func (c *cloud) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	c.read("rds:DescribeDBClusters")
	out := &rds.DescribeDBClustersOutput{}
	if d, ok := c.clusters[*in.DBClusterIdentifier]; ok {
		out.DBClusters = append(out.DBClusters, *d)
	}
	return out, nil
}

func (c *cloud) StopDBInstance(_ context.Context, in *rds.StopDBInstanceInput, _ ...func(*rds.Options)) (*rds.StopDBInstanceOutput, error) {
	if err := c.write("rds:StopDBInstance"); err != nil {
		return nil, err
	}
	c.dbs[*in.DBInstanceIdentifier].DBInstanceStatus = sdkaws.String("stopped")
	return &rds.StopDBInstanceOutput{}, nil
}

func (c *cloud) StartDBInstance(_ context.Context, in *rds.StartDBInstanceInput, _ ...func(*rds.Options)) (*rds.StartDBInstanceOutput, error) {
	if err := c.write("rds:StartDBInstance"); err != nil {
		return nil, err
	}
	c.dbs[*in.DBInstanceIdentifier].DBInstanceStatus = sdkaws.String("available")
	return &rds.StartDBInstanceOutput{}, nil
}

func (c *cloud) StopDBCluster(_ context.Context, in *rds.StopDBClusterInput, _ ...func(*rds.Options)) (*rds.StopDBClusterOutput, error) {
	if err := c.write("rds:StopDBCluster"); err != nil {
		return nil, err
	}
	c.clusters[*in.DBClusterIdentifier].Status = sdkaws.String("stopped")
	return &rds.StopDBClusterOutput{}, nil
}

func (c *cloud) StartDBCluster(_ context.Context, in *rds.StartDBClusterInput, _ ...func(*rds.Options)) (*rds.StartDBClusterOutput, error) {
	if err := c.write("rds:StartDBCluster"); err != nil {
		return nil, err
	}
	c.clusters[*in.DBClusterIdentifier].Status = sdkaws.String("available")
	return &rds.StartDBClusterOutput{}, nil
}

// --- EC2

func (c *cloud) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	c.read("ec2:DescribeInstances")
	out := &ec2.DescribeInstancesOutput{}
	for _, id := range in.InstanceIds {
		if v, ok := c.vms[id]; ok {
			out.Reservations = append(out.Reservations, ec2types.Reservation{Instances: []ec2types.Instance{*v}})
		}
	}
	return out, nil
}

func (c *cloud) setVM(ids []string, s ec2types.InstanceStateName) {
	for _, id := range ids {
		c.vms[id].State = &ec2types.InstanceState{Name: s}
	}
}

func (c *cloud) StopInstances(_ context.Context, in *ec2.StopInstancesInput, _ ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	if err := c.write("ec2:StopInstances"); err != nil {
		return nil, err
	}
	c.setVM(in.InstanceIds, ec2types.InstanceStateNameStopped)
	return &ec2.StopInstancesOutput{}, nil
}

func (c *cloud) StartInstances(_ context.Context, in *ec2.StartInstancesInput, _ ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	if err := c.write("ec2:StartInstances"); err != nil {
		return nil, err
	}
	c.setVM(in.InstanceIds, ec2types.InstanceStateNameRunning)
	return &ec2.StartInstancesOutput{}, nil
}

// --- Auto Scaling

func (c *cloud) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	c.read("autoscaling:DescribeAutoScalingGroups")
	out := &autoscaling.DescribeAutoScalingGroupsOutput{}
	for _, n := range in.AutoScalingGroupNames {
		if g, ok := c.groups[n]; ok {
			out.AutoScalingGroups = append(out.AutoScalingGroups, *g)
		}
	}
	return out, nil
}

func (c *cloud) UpdateAutoScalingGroup(_ context.Context, in *autoscaling.UpdateAutoScalingGroupInput, _ ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error) {
	if err := c.write("autoscaling:UpdateAutoScalingGroup"); err != nil {
		return nil, err
	}
	g := c.groups[*in.AutoScalingGroupName]
	if in.MinSize != nil {
		g.MinSize = in.MinSize
	}
	if in.MaxSize != nil {
		g.MaxSize = in.MaxSize
	}
	if in.DesiredCapacity != nil {
		g.DesiredCapacity = in.DesiredCapacity
	}
	return &autoscaling.UpdateAutoScalingGroupOutput{}, nil
}

func (c *cloud) CreateOrUpdateTags(_ context.Context, in *autoscaling.CreateOrUpdateTagsInput, _ ...func(*autoscaling.Options)) (*autoscaling.CreateOrUpdateTagsOutput, error) {
	if err := c.write("autoscaling:CreateOrUpdateTags"); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		g := c.groups[*t.ResourceId]
		g.Tags = append(dropASGTag(g.Tags, *t.Key), astypes.TagDescription{Key: t.Key, Value: t.Value})
	}
	return &autoscaling.CreateOrUpdateTagsOutput{}, nil
}

func dropASGTag(ts []astypes.TagDescription, k string) []astypes.TagDescription {
	var out []astypes.TagDescription
	for _, t := range ts {
		if *t.Key != k {
			out = append(out, t)
		}
	}
	return out
}

func (c *cloud) DeleteTags(_ context.Context, in *autoscaling.DeleteTagsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DeleteTagsOutput, error) {
	if err := c.write("autoscaling:DeleteTags"); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		g := c.groups[*t.ResourceId]
		g.Tags = dropASGTag(g.Tags, *t.Key)
	}
	return &autoscaling.DeleteTagsOutput{}, nil
}

func (c *cloud) serviceTag(cluster, name, key string) (string, bool) {
	for _, t := range c.services[cluster+"/"+name].Tags {
		if *t.Key == key {
			return *t.Value, true
		}
	}
	return "", false
}

func hasWrite(ops []string) bool {
	for _, o := range ops {
		if !isRead(o) {
			return true
		}
	}
	return false
}

var rdsInstanceAvailable = rdstypes.DBInstance{DBInstanceIdentifier: sdkaws.String("db"), DBInstanceStatus: sdkaws.String("available")}

// --- EventBridge

func (c *cloud) addRule(name string, tags map[string]string) string {
	arn := arnOf("events", "rule/"+name)
	c.rules[name] = &eventbridge.DescribeRuleOutput{Name: sdkaws.String(name), Arn: &arn, State: ebtypes.RuleStateEnabled, ScheduleExpression: sdkaws.String("cron(0 18 * * ? *)")}
	for k, v := range tags {
		c.ruleTags[arn] = append(c.ruleTags[arn], ebtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
	}
	return arn
}

func (c *cloud) DescribeRule(_ context.Context, in *eventbridge.DescribeRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error) {
	c.read("events:DescribeRule")
	r, ok := c.rules[*in.Name]
	if !ok {
		return nil, fmt.Errorf("fake: no rule %s", *in.Name)
	}
	out := *r
	return &out, nil
}

func (c *cloud) ListTagsForResource(_ context.Context, in *eventbridge.ListTagsForResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error) {
	c.read("events:ListTagsForResource")
	return &eventbridge.ListTagsForResourceOutput{Tags: c.ruleTags[*in.ResourceARN]}, nil
}

func (c *cloud) DisableRule(_ context.Context, in *eventbridge.DisableRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.DisableRuleOutput, error) {
	if err := c.write("events:DisableRule"); err != nil {
		return nil, err
	}
	c.rules[*in.Name].State = ebtypes.RuleStateDisabled
	return &eventbridge.DisableRuleOutput{}, nil
}

func (c *cloud) EnableRule(_ context.Context, in *eventbridge.EnableRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.EnableRuleOutput, error) {
	if err := c.write("events:EnableRule"); err != nil {
		return nil, err
	}
	c.rules[*in.Name].State = ebtypes.RuleStateEnabled
	return &eventbridge.EnableRuleOutput{}, nil
}

// isRead says whether an "svc:Operation" call only reads.
func isRead(op string) bool {
	_, name, _ := strings.Cut(op, ":")
	return strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get")
}
