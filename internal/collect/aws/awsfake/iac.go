package awsfake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// TrailEvent is one CloudTrail management event LookupEvents returns.
type TrailEvent struct {
	Account, Region string
	Name            string // CreateBucket, RunInstances ...
	Time            time.Time
	Principal       string
	UserAgent       string
	// Resource is the id or ARN the request names.
	Resource string
}

func init() {
	handlers["cloudformation"] = (*Server).cloudformation
	protocols["cloudformation"] = "query"
}

// stackName is the stack a resource belongs to, from its managed-by.
func stackName(r *inventory.Resource) string {
	if r.ManagedBy().Kind == "cloudformation" {
		return r.ManagedBy().Ref
	}
	return ""
}

func stackARN(account, region, name string) string {
	return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/fake", region, account, name)
}

// cloudformation serves the stacks the estate's managed-by names: a
// resource managed by stack X is one of X's physical resources.
func (s *Server) cloudformation(q *req) {
	byStack := map[string][]*inventory.Resource{}
	for _, r := range s.byAccount[q.account] {
		if n := stackName(r); n != "" && r.Region == q.region {
			byStack[n] = append(byStack[n], r)
		}
	}
	names := make([]string, 0, len(byStack))
	for n := range byStack {
		names = append(names, n)
	}
	sort.Strings(names)
	switch q.op {
	case "ListStacks":
		lo, hi, next := s.page(len(names), q.form.Get("NextToken"))
		var b strings.Builder
		for _, n := range names[lo:hi] {
			fmt.Fprintf(&b, "<member><StackName>%s</StackName><StackId>%s</StackId><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>%s</CreationTime></member>",
				esc(n), esc(stackARN(q.account, q.region, n)), ts(s.opts.Now))
		}
		q.result("<StackSummaries>" + b.String() + "</StackSummaries>" + opt("NextToken", next))
	case "ListStackResources":
		name := q.form.Get("StackName")
		if i := strings.Index(name, ":stack/"); i >= 0 {
			name, _, _ = strings.Cut(name[i+len(":stack/"):], "/")
		}
		rs, ok := byStack[name]
		if !ok {
			q.fail(400, "ValidationError", "Stack with id "+name+" does not exist")
			return
		}
		lo, hi, next := s.page(len(rs), q.form.Get("NextToken"))
		var b strings.Builder
		for i, r := range rs[lo:hi] {
			fmt.Fprintf(&b, "<member><LogicalResourceId>R%d</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><ResourceStatus>CREATE_COMPLETE</ResourceStatus><LastUpdatedTimestamp>%s</LastUpdatedTimestamp></member>",
				lo+i, esc(r.ID), esc(r.Type), ts(s.opts.Now))
		}
		q.result("<StackResourceSummaries>" + b.String() + "</StackResourceSummaries>" + opt("NextToken", next))
	default:
		q.fail(400, "InvalidAction", "the fake does not serve cloudformation "+q.op)
	}
}

// lookupEvents serves Options.TrailEvents of the account and region by
// event name, between StartTime and EndTime.
func (s *Server) lookupEvents(q *req) {
	name := ""
	if attrs, ok := q.body["LookupAttributes"].([]any); ok && len(attrs) > 0 {
		a, _ := attrs[0].(map[string]any)
		if a["AttributeKey"] != "EventName" {
			q.fail(400, "InvalidLookupAttributesException", "the fake looks events up by EventName only")
			return
		}
		name, _ = a["AttributeValue"].(string)
	}
	start, end := fromEpoch(q.body["StartTime"]), fromEpoch(q.body["EndTime"])
	var evs []TrailEvent
	for _, e := range s.opts.TrailEvents {
		if e.Account == q.account && e.Region == q.region && (name == "" || e.Name == name) &&
			(start.IsZero() || !e.Time.Before(start)) && (end.IsZero() || !e.Time.After(end)) {
			evs = append(evs, e)
		}
	}
	token, _ := q.body["NextToken"].(string)
	lo, hi, next := s.page(len(evs), token)
	list := []map[string]any{}
	for i, e := range evs[lo:hi] {
		rec, _ := json.Marshal(map[string]any{
			"eventTime": e.Time.UTC().Format(time.RFC3339), "eventName": e.Name, "userAgent": e.UserAgent,
			"userIdentity":      map[string]any{"type": "AssumedRole", "arn": e.Principal},
			"requestParameters": map[string]any{"name": e.Resource},
		})
		list = append(list, map[string]any{"EventId": fmt.Sprintf("ev-%d", lo+i), "EventName": e.Name,
			"EventTime": epoch(e.Time), "CloudTrailEvent": string(rec)})
	}
	out := map[string]any{"Events": list}
	if next != "" {
		out["NextToken"] = next
	}
	q.json(200, out)
}

// fromEpoch reads a JSON timestamp (seconds since 1970) as the SDK sends it.
func fromEpoch(v any) time.Time {
	f, ok := v.(float64)
	if !ok {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC()
}
