package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// EventsAPI is the EventBridge calls the scheduled task target makes.
type EventsAPI interface {
	DescribeRule(ctx context.Context, in *eventbridge.DescribeRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	ListTagsForResource(ctx context.Context, in *eventbridge.ListTagsForResourceInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error)
	DisableRule(ctx context.Context, in *eventbridge.DisableRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DisableRuleOutput, error)
	EnableRule(ctx context.Context, in *eventbridge.EnableRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.EnableRuleOutput, error)
}

// EventsRule stops the ECS scheduled task of an EventBridge rule by
// disabling the rule, and starts it by enabling it again: no task is
// launched while its services are stopped.
type EventsRule struct {
	Events EventsAPI
}

// ruleName is the bus and name in an ARN: rule/NAME on the default bus,
// rule/BUS/NAME on another.
func ruleName(r Ref) (bus, name string, err error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", "", err
	}
	p := strings.Split(res, "/")
	switch {
	case len(p) == 2 && p[0] == "rule" && p[1] != "":
		return "", p[1], nil
	case len(p) == 3 && p[0] == "rule" && p[1] != "" && p[2] != "":
		return p[1], p[2], nil
	}
	return "", "", fmt.Errorf("%s: not an EventBridge rule ARN", r.ARN)
}

func (t *EventsRule) Observe(ctx context.Context, r Ref) (Observed, error) {
	bus, name, err := ruleName(r)
	if err != nil {
		return Observed{}, err
	}
	in := &eventbridge.DescribeRuleInput{Name: &name}
	if bus != "" {
		in.EventBusName = &bus
	}
	out, err := t.Events.DescribeRule(ctx, in)
	if err != nil {
		return Observed{}, fmt.Errorf("describe rule: %w", err)
	}
	state := string(out.State)
	o := Observed{Power: power(out.State == ebtypes.RuleStateEnabled), State: map[string]string{"state": state}, Tags: map[string]string{}}
	switch out.State {
	case ebtypes.RuleStateEnabled, ebtypes.RuleStateDisabled:
	default:
		o.Skip = i18n.Say("target.skip.rule", state)
	}
	tags, err := t.Events.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: &r.ARN})
	if err != nil {
		return Observed{}, fmt.Errorf("tags of rule %s: %w", name, err)
	}
	for _, tg := range tags.Tags {
		o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	return o, nil
}

func (t *EventsRule) After(_ Observed, v Verb) map[string]string {
	if v == Stop {
		return map[string]string{"state": string(ebtypes.RuleStateDisabled)}
	}
	return map[string]string{"state": string(ebtypes.RuleStateEnabled)}
}

func (t *EventsRule) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	o, err := t.Observe(ctx, r)
	if err != nil {
		return nil, err
	}
	bus, name, _ := ruleName(r)
	var busp *string
	if bus != "" {
		busp = &bus
	}
	switch v {
	case Stop:
		if o.State["state"] == string(ebtypes.RuleStateDisabled) {
			return o.State, nil
		}
		if _, err := t.Events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: &name, EventBusName: busp}); err != nil {
			return o.State, fmt.Errorf("disable rule: %w", err)
		}
	case Start:
		if o.State["state"] == string(ebtypes.RuleStateEnabled) {
			return o.State, nil
		}
		if _, err := t.Events.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: &name, EventBusName: busp}); err != nil {
			return o.State, fmt.Errorf("enable rule: %w", err)
		}
	default:
		return nil, fmt.Errorf("events rule: no action %q", v)
	}
	return o.State, nil
}
