package iac

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// deniedCFN and deniedTrail stand for an account and region whose IaC
// inputs cannot be read, labelled as live clients label themselves.
type deniedCFN struct{ label string }

func (d deniedCFN) String() string { return d.label }
func (deniedCFN) ListStacks(context.Context, *cloudformation.ListStacksInput, ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error) {
	return nil, errors.New("AccessDenied")
}
func (deniedCFN) ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	return nil, errors.New("AccessDenied")
}

type deniedTrail struct{ label string }

func (d deniedTrail) String() string { return d.label }
func (deniedTrail) LookupEvents(context.Context, *cloudtrail.LookupEventsInput, ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	return nil, errors.New("AccessDenied")
}

// TestEnrichLiveClients reads stacks from one account and region and fails
// on another: the readable one manages its resources, the unreadable one
// is a gap named by its account and region, and a trail that cannot be
// read is reported by name rather than taken for "no creator".
func TestEnrichLiveClients(t *testing.T) {
	col := &inventory.Collection{Resources: []inventory.Resource{
		{ARN: "arn:aws:lambda:ap-northeast-1:111111111111:function:api-handler", Account: "111111111111", Region: "ap-northeast-1",
			Type: "AWS::Lambda::Function", ID: "api-handler", Name: "api-handler", Created: testNow.AddDate(0, 0, -1)},
	}}
	o := RunOptions{Now: testNow,
		Stacks: []CloudFormationAPI{&fakeCFN{}, deniedCFN{"222222222222/us-east-1"}},
		Trails: []CloudTrailAPI{deniedTrail{"222222222222/us-east-1"}},
	}
	out, err := Enrich(context.Background(), o, col)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Gap{{Source: "cloudformation 222222222222/us-east-1", Error: "list stacks: AccessDenied"}}, out.Result.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	var problems []string
	for _, p := range out.Problems {
		problems = append(problems, p.Error())
	}
	if diff := cmp.Diff([]string{"cloudtrail 222222222222/us-east-1: lookup CreateFunction events: AccessDenied"}, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got := col.Resources[0].ManagedBy(); got.Kind != "cloudformation" || got.Ref != "api" {
		t.Errorf("managed-by = %+v, want the api stack", got)
	}
	if col.Resources[0].Creator() != nil {
		t.Errorf("creator = %+v, want none: the trail was not read", col.Resources[0].Creator())
	}
}
