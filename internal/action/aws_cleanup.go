package action

import (
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// cleanupTarget builds the target of a type steward only marks and
// deletes.
func cleanupTarget(cfg sdkaws.Config, typ string, w Wait) (Target, error) {
	switch typ {
	case TypeVolume:
		return &Volume{EC2: ec2.NewFromConfig(cfg), Wait: w}, nil
	case TypeEIP:
		return &Address{EC2: ec2.NewFromConfig(cfg)}, nil
	case TypeEBSSnapshot:
		return &EBSSnapshot{EC2: ec2.NewFromConfig(cfg)}, nil
	case TypeDBSnapshot:
		return &DBSnapshot{RDS: rds.NewFromConfig(cfg)}, nil
	case TypeDBClusterSnapshot:
		return &DBSnapshot{RDS: rds.NewFromConfig(cfg), Cluster: true}, nil
	case TypeLoadBalancer:
		return &LoadBalancer{ELB: elbv2.NewFromConfig(cfg)}, nil
	case TypeClassicLoadBalancer:
		return &ClassicLoadBalancer{ELB: elb.NewFromConfig(cfg)}, nil
	}
	return nil, fmt.Errorf("type %s: %w", typ, ErrNoTarget)
}

// only is the one account configured for region, or "": an ARN without
// an account (an EBS snapshot's) is reached through it. With several
// accounts in the region there is no telling which.
func (a *AWSTargets) only(region string) string {
	found := ""
	for k := range a.configs {
		acc, reg, _ := strings.Cut(k, "/")
		if reg != region {
			continue
		}
		if found != "" {
			return ""
		}
		found = acc
	}
	return found
}

// CleanupIAMActions are the write actions mark-then-delete needs, by
// type, for `steward iam-policy --actions`.
var CleanupIAMActions = map[string][]string{
	TypeVolume:            {"ec2:CreateTags", "ec2:DeleteTags", "ec2:CreateSnapshot", "ec2:DeleteVolume"},
	TypeEIP:               {"ec2:CreateTags", "ec2:DeleteTags", "ec2:ReleaseAddress"},
	TypeEBSSnapshot:       {"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSnapshot"},
	TypeDBInstance:        {"rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:CreateDBSnapshot", "rds:DeleteDBInstance"},
	TypeDBSnapshot:        {"rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:DeleteDBSnapshot"},
	TypeDBClusterSnapshot: {"rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:DeleteDBClusterSnapshot"},
	TypeLoadBalancer: {"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DeleteListener",
		"elasticloadbalancing:DeleteLoadBalancer"},
	TypeClassicLoadBalancer: {"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
		"elasticloadbalancing:DeleteLoadBalancerListeners", "elasticloadbalancing:DeleteLoadBalancer"},
}
