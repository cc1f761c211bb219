package aws

import (
	"context"
	"errors"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
)

// fakeEvents has two pages of rules: an ECS scheduled task, a schedule
// that runs a Lambda, an event pattern rule, and a rule another service
// manages.
type fakeEvents struct{ failTags bool }

func (fakeEvents) ListRules(_ context.Context, in *eventbridge.ListRulesInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error) {
	rule := func(name, sched, managedBy string, state ebtypes.RuleState) ebtypes.Rule {
		r := ebtypes.Rule{Name: sdkaws.String(name), Arn: sdkaws.String(arnOf("events", "rule/"+name)), EventBusName: sdkaws.String("default"), State: state}
		if sched != "" {
			r.ScheduleExpression = sdkaws.String(sched)
		}
		if managedBy != "" {
			r.ManagedBy = sdkaws.String(managedBy)
		}
		return r
	}
	if in.NextToken == nil {
		return &eventbridge.ListRulesOutput{Rules: []ebtypes.Rule{
			rule("shop-dev-nightly", "cron(0 18 * * ? *)", "", ebtypes.RuleStateEnabled),
			rule("shop-dev-lambda", "rate(5 minutes)", "", ebtypes.RuleStateEnabled),
		}, NextToken: sdkaws.String("p2")}, nil
	}
	return &eventbridge.ListRulesOutput{Rules: []ebtypes.Rule{
		rule("shop-dev-on-upload", "", "", ebtypes.RuleStateEnabled),
		rule("aws-managed", "rate(1 hour)", "backup.amazonaws.com", ebtypes.RuleStateEnabled),
	}}, nil
}

func (fakeEvents) ListTargetsByRule(_ context.Context, in *eventbridge.ListTargetsByRuleInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error) {
	switch *in.Rule {
	case "shop-dev-nightly":
		if in.NextToken == nil {
			return &eventbridge.ListTargetsByRuleOutput{Targets: []ebtypes.Target{{Id: sdkaws.String("1"), Arn: sdkaws.String(arnOf("ecs", "cluster/shop-dev")),
				EcsParameters: &ebtypes.EcsParameters{TaskDefinitionArn: sdkaws.String(arnOf("ecs", "task-definition/batch:3")), TaskCount: sdkaws.Int32(2)}}},
				NextToken: sdkaws.String("t2")}, nil
		}
		return &eventbridge.ListTargetsByRuleOutput{Targets: []ebtypes.Target{{Id: sdkaws.String("2"), Arn: sdkaws.String(arnOf("ecs", "cluster/shop-dev")),
			EcsParameters: &ebtypes.EcsParameters{TaskDefinitionArn: sdkaws.String(arnOf("ecs", "task-definition/report:1"))}}}}, nil
	case "shop-dev-lambda":
		return &eventbridge.ListTargetsByRuleOutput{Targets: []ebtypes.Target{{Id: sdkaws.String("1"), Arn: sdkaws.String(arnOf("lambda", "function:tick"))}}}, nil
	}
	return nil, errors.New("fake: targets of " + *in.Rule + " were not to be read")
}

func (f fakeEvents) ListTagsForResource(_ context.Context, in *eventbridge.ListTagsForResourceInput, _ ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error) {
	if f.failTags {
		return nil, errors.New("AccessDenied")
	}
	if *in.ResourceARN != arnOf("events", "rule/shop-dev-nightly") {
		return nil, errors.New("fake: tags of " + *in.ResourceARN + " were not to be read")
	}
	return &eventbridge.ListTagsForResourceOutput{Tags: []ebtypes.Tag{{Key: sdkaws.String("env"), Value: sdkaws.String("dev")}}}, nil
}

func TestCollectEvents(t *testing.T) {
	out := &unitOut{}
	must(t, collectEvents(context.Background(), testTarget(), out, fakeEvents{}))
	want := []inventory.Resource{{
		ARN: arnOf("events", "rule/shop-dev-nightly"), Account: acct, Region: region, Type: "AWS::Events::Rule",
		ID: "shop-dev-nightly", Name: "shop-dev-nightly", State: "enabled", Tags: inventory.TagsOf(map[string]string{"env": "dev"}),
		Attrs: inventory.AttrsOf(map[string]any{"schedule_expression": "cron(0 18 * * ? *)", "event_bus": "default", "ecs_task_count": 3.0,
			"task_definitions": []any{arnOf("ecs", "task-definition/batch:3"), arnOf("ecs", "task-definition/report:1")}}),
		Relations: []inventory.Relation{{Kind: inventory.RelUses, Target: arnOf("ecs", "cluster/shop-dev")},
			{Kind: inventory.RelUses, Target: arnOf("ecs", "task-definition/batch:3")}, {Kind: inventory.RelUses, Target: arnOf("ecs", "task-definition/report:1")}},
	}}
	if d := cmp.Diff(want, out.resources); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	out = &unitOut{}
	if err := collectEvents(context.Background(), testTarget(), out, fakeEvents{failTags: true}); err == nil || len(out.resources) != 0 {
		t.Errorf("a tag read that fails: %v, %d resources; want the error and no untagged rule", err, len(out.resources))
	}
}
