package iac

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// CloudFormationAPI is the part of the CloudFormation client steward uses.
type CloudFormationAPI interface {
	ListStacks(ctx context.Context, in *cloudformation.ListStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error)
	ListStackResources(ctx context.Context, in *cloudformation.ListStackResourcesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
}

// liveStackStatuses are the stacks that still hold resources: every status
// but DELETE_COMPLETE.
var liveStackStatuses = func() []cfntypes.StackStatus {
	var out []cfntypes.StackStatus
	for _, s := range cfntypes.StackStatus("").Values() {
		if s != cfntypes.StackStatusDeleteComplete {
			out = append(out, s)
		}
	}
	return out
}()

// LoadStacks lists the stacks of one account and region (CDK and SAM
// deploy as stacks) with their physical resources. Resources whose
// creation failed or that were deleted have no physical id and are left out.
func LoadStacks(ctx context.Context, c CloudFormationAPI) ([]Stack, error) {
	var stacks []Stack
	pg := cloudformation.NewListStacksPaginator(c, &cloudformation.ListStacksInput{StackStatusFilter: liveStackStatuses})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list stacks: %w", err)
		}
		for _, s := range page.StackSummaries {
			stacks = append(stacks, Stack{Name: aws.ToString(s.StackName), ID: aws.ToString(s.StackId)})
		}
	}
	for i := range stacks {
		s := &stacks[i]
		rp := cloudformation.NewListStackResourcesPaginator(c, &cloudformation.ListStackResourcesInput{StackName: aws.String(s.ID)})
		for rp.HasMorePages() {
			page, err := rp.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list resources of stack %s: %w", s.Name, err)
			}
			for _, r := range page.StackResourceSummaries {
				switch r.ResourceStatus {
				case cfntypes.ResourceStatusDeleteComplete, cfntypes.ResourceStatusCreateFailed:
					continue
				}
				if aws.ToString(r.PhysicalResourceId) == "" {
					continue
				}
				s.Resources = append(s.Resources, StackResource{
					LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId), Type: aws.ToString(r.ResourceType),
				})
			}
		}
	}
	return stacks, nil
}
