package action

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// AWSTargets builds targets from the SDK configuration of each account
// and region (the scan's credentials: profiles, assumed roles, and
// AWS_ENDPOINT_URL as the SDK reads it).
type AWSTargets struct {
	// Wait is how a start waits for a database; ECSWait for an ECS
	// service (Wait when its timeout is zero).
	Wait    Wait
	ECSWait Wait
	mu      sync.Mutex
	configs map[string]sdkaws.Config
	built   map[string]Target
}

// Add gives the configuration of an account and region; its Region field
// is set to region.
func (a *AWSTargets) Add(account, region string, cfg sdkaws.Config) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.configs == nil {
		a.configs, a.built = map[string]sdkaws.Config{}, map[string]Target{}
	}
	cfg = cfg.Copy()
	cfg.Region = region
	a.configs[account+"/"+region] = cfg
}

func (a *AWSTargets) Target(account, region, typ string) (Target, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if account == "" {
		account = a.only(region)
	}
	key := account + "/" + region + "/" + typ
	if t, ok := a.built[key]; ok {
		return t, nil
	}
	cfg, ok := a.configs[account+"/"+region]
	if !ok {
		return nil, fmt.Errorf("account %s region %s: %w (steward.yaml accounts and regions say how to reach it)", account, region, ErrNoTarget)
	}
	var t Target
	switch typ {
	case TypeECSService:
		w := a.ECSWait
		if w.Timeout == 0 {
			w = a.Wait
		}
		t = &ECSService{ECS: ecs.NewFromConfig(cfg), Scaling: aas.NewFromConfig(cfg), Wait: w}
	case TypeDBInstance:
		t = &DBInstance{RDS: rds.NewFromConfig(cfg), Wait: a.Wait}
	case TypeDBCluster:
		t = &DBCluster{RDS: rds.NewFromConfig(cfg), Wait: a.Wait}
	case TypeInstance:
		t = &Instance{EC2: ec2.NewFromConfig(cfg)}
	case TypeASG:
		t = &ASG{AutoScaling: autoscaling.NewFromConfig(cfg)}
	case TypeEventsRule:
		t = &EventsRule{Events: eventbridge.NewFromConfig(cfg)}
	default:
		var err error
		if t, err = cleanupTarget(cfg, typ, a.Wait); err != nil {
			return nil, err
		}
	}
	a.built[key] = t
	return t, nil
}

// Tasks gives the ECS task calls of an account and region, for the
// bastion's port forwarding.
func (a *AWSTargets) Tasks(account, region string) (TaskAPI, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cfg, ok := a.configs[account+"/"+region]
	if !ok {
		return nil, fmt.Errorf("account %s region %s: %w (steward.yaml accounts and regions say how to reach it)", account, region, ErrNoTarget)
	}
	return ecs.NewFromConfig(cfg), nil
}

// IAMActions are the write (and extra read) actions the targets need, by
// type, for `steward iam-policy --actions`. The scan's read-only policy
// covers the rest of what Observe reads.
var IAMActions = map[string][]string{
	TypeECSService: {"ecs:UpdateService", "ecs:TagResource", "ecs:UntagResource", "ecs:ListTasks", "ecs:DescribeTasks",
		"application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget"},
	TypeDBInstance: {"rds:StopDBInstance", "rds:StartDBInstance"},
	TypeDBCluster:  {"rds:StopDBCluster", "rds:StartDBCluster"},
	TypeInstance:   {"ec2:StopInstances", "ec2:StartInstances"},
	TypeASG:        {"autoscaling:UpdateAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"},
	TypeEventsRule: {"events:DescribeRule", "events:DisableRule", "events:EnableRule"},
}

// IAMPolicy is the policy the targets need on top of the scan's read-only
// one: the write actions of every type steward can stop and start, and the
// reads the scan does not make. It is a separate document, so write
// permissions are granted only where actions run.
func IAMPolicy() ([]byte, error) {
	var acts []string
	for _, typ := range Types {
		acts = append(acts, IAMActions[typ]...)
	}
	for _, typ := range CleanupTypes {
		acts = append(acts, CleanupIAMActions[typ]...)
	}
	slices.Sort(acts)
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "StewardActions", "Effect": "Allow", "Action": slices.Compact(acts), "Resource": "*",
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode iam policy: %w", err)
	}
	return append(b, '\n'), nil
}
