package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// eventsAPI is the EventBridge calls the collector makes.
type eventsAPI interface {
	ListRules(ctx context.Context, in *eventbridge.ListRulesInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
	ListTagsForResource(ctx context.Context, in *eventbridge.ListTagsForResourceInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error)
}

func runEvents(ctx context.Context, t *target, out *unitOut) error {
	return collectEvents(ctx, t, out, eventbridge.NewFromConfig(t.cfg))
}

// maxPages bounds a NextToken loop the SDK has no paginator for, so a
// service that keeps returning a token cannot hold a scan forever.
const maxPages = 1000

// collectEvents reads the scheduled rules of the default event bus that
// run ECS tasks: the scheduled tasks a schedule stops (by disabling the
// rule) with the services they belong to. Rules of other kinds are not
// read past their listing.
func collectEvents(ctx context.Context, t *target, out *unitOut, api eventsAPI) error {
	var rules []ebtypes.Rule
	in := &eventbridge.ListRulesInput{}
	for page := 0; ; page++ {
		if page == maxPages {
			return fmt.Errorf("list rules: more than %d pages", maxPages)
		}
		o, err := api.ListRules(ctx, in)
		if err != nil {
			return fmt.Errorf("list rules: %w", err)
		}
		rules = append(rules, o.Rules...)
		if sdkaws.ToString(o.NextToken) == "" {
			break
		}
		in.NextToken = o.NextToken
	}
	var errs []error
	for _, rule := range rules {
		if sdkaws.ToString(rule.ScheduleExpression) == "" || sdkaws.ToString(rule.ManagedBy) != "" {
			continue // not a schedule, or a rule another AWS service owns
		}
		targets, err := ruleTargets(ctx, api, rule)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, ok := scheduledTask(t, rule, targets)
		if !ok {
			continue
		}
		tags, err := api.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: rule.Arn})
		if err != nil {
			errs = append(errs, fmt.Errorf("tags of rule %s: %w", r.Name, err))
			continue
		}
		r.Tags = inventory.TagsOf(tagMap(tags.Tags, func(t ebtypes.Tag) (*string, *string) { return t.Key, t.Value }))
		out.add(r)
	}
	return errors.Join(errs...)
}

func ruleTargets(ctx context.Context, api eventsAPI, rule ebtypes.Rule) ([]ebtypes.Target, error) {
	var out []ebtypes.Target
	in := &eventbridge.ListTargetsByRuleInput{Rule: rule.Name, EventBusName: rule.EventBusName}
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("targets of rule %s: more than %d pages", sdkaws.ToString(rule.Name), maxPages)
		}
		o, err := api.ListTargetsByRule(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("targets of rule %s: %w", sdkaws.ToString(rule.Name), err)
		}
		out = append(out, o.Targets...)
		if sdkaws.ToString(o.NextToken) == "" {
			return out, nil
		}
		in.NextToken = o.NextToken
	}
}

// scheduledTask is a rule with at least one ECS task target; false for
// a rule that runs no ECS task.
func scheduledTask(t *target, rule ebtypes.Rule, targets []ebtypes.Target) (inventory.Resource, bool) {
	var clusters, taskDefs []string
	var count float64
	for _, tg := range targets {
		if tg.EcsParameters == nil {
			continue
		}
		if c := sdkaws.ToString(tg.Arn); c != "" && !slices.Contains(clusters, c) {
			clusters = append(clusters, c)
		}
		if td := sdkaws.ToString(tg.EcsParameters.TaskDefinitionArn); td != "" && !slices.Contains(taskDefs, td) {
			taskDefs = append(taskDefs, td)
		}
		n := sdkaws.ToInt32(tg.EcsParameters.TaskCount)
		if n == 0 {
			n = 1
		}
		count += float64(n)
	}
	if len(clusters) == 0 {
		return inventory.Resource{}, false
	}
	name := sdkaws.ToString(rule.Name)
	r := inventory.Resource{
		ARN: sdkaws.ToString(rule.Arn), Account: t.account, Region: t.region, Type: "AWS::Events::Rule",
		ID: name, Name: name, State: strings.ToLower(string(rule.State)),
		Attrs: inventory.AttrsOf(map[string]any{
			"schedule_expression": sdkaws.ToString(rule.ScheduleExpression),
			"event_bus":           sdkaws.ToString(rule.EventBusName),
			"ecs_task_count":      count,
			"task_definitions":    stringList(taskDefs),
		}),
	}
	if r.ARN == "" {
		r.ARN = t.arn("events", "rule/"+name)
	}
	for _, c := range clusters {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUses, Target: c})
	}
	for _, td := range taskDefs {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUses, Target: td})
	}
	return r, true
}
