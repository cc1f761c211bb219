// Package awsevent reads EventBridge events as an SQS target delivers them
// (the message body is the event's JSON) and names the resources each one
// says changed, as ARNs. It knows the event envelope and, for "AWS API Call
// via CloudTrail" events, where each service's calls put the resource in
// requestParameters and responseElements. It knows nothing of queues,
// units of a scan or the store: the server's event poller (internal/jobs)
// and the AWS collector (which ARNs it can read again) do.
package awsevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Event is one EventBridge event.
type Event struct {
	ID         string
	DetailType string
	Source     string
	Account    string
	Region     string
	Time       time.Time
	// ARNs are the resources the event says changed: the envelope's
	// resources, or for a CloudTrail API call those its parameters and
	// response name. Sorted, without duplicates; empty when the event
	// names none steward keeps (an object upload, a failed call).
	ARNs []string
	// Why says why ARNs is empty, for the log.
	Why string
}

// CloudTrailCall is the detail-type of CloudTrail API call events.
const CloudTrailCall = "AWS API Call via CloudTrail"

// envelope is the event as EventBridge writes it.
type envelope struct {
	Version    *string         `json:"version"`
	ID         *string         `json:"id"`
	DetailType *string         `json:"detail-type"`
	Source     *string         `json:"source"`
	Account    *string         `json:"account"`
	Time       *string         `json:"time"`
	Region     *string         `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	// An SNS notification wraps the event in Message.
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
	// arnRe is arn:partition:service:region:account:resource, with
	// region and account empty for global resources (S3 buckets).
	arnRe = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):([0-9]{12})?:.+$`)
)

// maxBody is the largest message SQS delivers (256 KiB) with room for the
// extended limit; a larger body is not an event.
const maxBody = 1 << 20

// Parse reads one message body. Its errors say what is wrong with the
// message, naming the field, so a person can fix the rule that sent it.
func Parse(body []byte) (*Event, error) {
	if len(body) > maxBody {
		return nil, fmt.Errorf("event: body of %d bytes is larger than any SQS message (256 KiB)", len(body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("event: empty message body: want the event JSON an EventBridge rule's SQS target sends")
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("event: not an EventBridge event (JSON object): %w", err)
	}
	if dec.More() {
		return nil, errors.New("event: more than one JSON value in the message body")
	}
	if env.Type == "Notification" && env.Message != "" {
		return nil, errors.New("event: this is an SNS notification wrapping the event: subscribe the queue to the topic with raw message delivery, or target the queue from the EventBridge rule directly")
	}
	e := &Event{}
	for _, f := range []struct {
		name string
		v    *string
		to   *string
	}{{"version", env.Version, nil}, {"id", env.ID, &e.ID}, {"detail-type", env.DetailType, &e.DetailType},
		{"source", env.Source, &e.Source}, {"account", env.Account, &e.Account}, {"time", env.Time, nil}, {"region", env.Region, &e.Region}} {
		if f.v == nil || *f.v == "" {
			return nil, fmt.Errorf("event: field %q is missing: want an EventBridge event (version, id, detail-type, source, account, time, region, resources, detail)", f.name)
		}
		if f.to != nil {
			*f.to = *f.v
		}
	}
	if !accountRe.MatchString(e.Account) {
		return nil, fmt.Errorf("event %s: account %q is not a 12-digit AWS account id", e.ID, e.Account)
	}
	if !regionRe.MatchString(e.Region) {
		return nil, fmt.Errorf("event %s: region %q is not an AWS region name (e.g. ap-northeast-1)", e.ID, e.Region)
	}
	t, err := time.Parse(time.RFC3339, *env.Time)
	if err != nil {
		return nil, fmt.Errorf("event %s: time %q is not an RFC 3339 time (e.g. 2026-12-06T09:00:00Z)", e.ID, *env.Time)
	}
	e.Time = t.UTC()
	for i, a := range env.Resources {
		if !arnRe.MatchString(a) {
			return nil, fmt.Errorf("event %s: resources[%d]: %q is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE)", e.ID, i, a)
		}
	}
	if len(env.Detail) == 0 || bytes.Equal(env.Detail, []byte("null")) {
		return nil, fmt.Errorf("event %s: field \"detail\" is missing: want a JSON object", e.ID)
	}
	var detail map[string]any
	if err := json.Unmarshal(env.Detail, &detail); err != nil {
		return nil, fmt.Errorf("event %s: detail is not a JSON object: %w", e.ID, err)
	}
	var arns []string
	switch {
	case e.DetailType == CloudTrailCall:
		arns, e.Why, err = cloudTrailARNs(e, detail)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		// A call's own resources list (when EventBridge fills it) counts
		// too.
		arns = append(arns, env.Resources...)
	case e.Source == "aws.s3" && strings.HasPrefix(e.DetailType, "Object "):
		// Objects are not resources steward keeps; the bucket did not
		// change.
		e.Why = "an S3 object event: the bucket itself did not change"
	default:
		arns = env.Resources
		if len(arns) == 0 {
			e.Why = "the event names no resource"
		}
	}
	slices.Sort(arns)
	e.ARNs = slices.Compact(arns)
	if len(e.ARNs) == 0 {
		e.ARNs = nil
	}
	if e.ARNs == nil && e.Why == "" {
		e.Why = "the call names no resource steward reads"
	}
	return e, nil
}

// trail is the part of a CloudTrail record the ARNs come from.
type trail struct {
	source, name, region, account, partition string
	req, resp                                map[string]any
}

func (t *trail) arn(service, resource string) string {
	return "arn:" + t.partition + ":" + service + ":" + t.region + ":" + t.account + ":" + resource
}

// cloudTrailARNs names the resources of an API call of the services
// steward reads again on an event: EC2 instances and volumes (and what
// CreateTags names), RDS instances and clusters, ECS services and S3
// buckets. Calls of other services name nothing (why says so); a failed
// call changed nothing.
func cloudTrailARNs(e *Event, d map[string]any) (arns []string, why string, err error) {
	t := &trail{partition: "aws", region: e.Region, account: e.Account}
	var ok bool
	if t.source, ok = d["eventSource"].(string); !ok || t.source == "" {
		return nil, "", errors.New("detail.eventSource is missing: want a CloudTrail record (eventSource, eventName, requestParameters ...)")
	}
	if t.name, ok = d["eventName"].(string); !ok || t.name == "" {
		return nil, "", errors.New("detail.eventName is missing: want a CloudTrail record (eventSource, eventName, requestParameters ...)")
	}
	if code, _ := d["errorCode"].(string); code != "" {
		return nil, "the call failed (" + code + "): nothing changed", nil
	}
	if r, _ := d["awsRegion"].(string); r != "" {
		if !regionRe.MatchString(r) {
			return nil, "", fmt.Errorf("detail.awsRegion %q is not an AWS region name", r)
		}
		t.region = r
	}
	if a, _ := d["recipientAccountId"].(string); a != "" {
		if !accountRe.MatchString(a) {
			return nil, "", fmt.Errorf("detail.recipientAccountId %q is not a 12-digit AWS account id", a)
		}
		t.account = a
	}
	if strings.HasPrefix(t.region, "cn-") {
		t.partition = "aws-cn"
	} else if strings.HasPrefix(t.region, "us-gov-") {
		t.partition = "aws-us-gov"
	}
	for _, f := range []struct {
		name string
		to   *map[string]any
	}{{"requestParameters", &t.req}, {"responseElements", &t.resp}} {
		switch v := d[f.name].(type) {
		case nil:
		case map[string]any:
			*f.to = v
		default:
			return nil, "", fmt.Errorf("detail.%s is %s, not a JSON object", f.name, kindOf(v))
		}
	}
	switch t.source {
	case "ec2.amazonaws.com":
		arns = ec2ARNs(t)
	case "rds.amazonaws.com":
		arns = rdsARNs(t)
	case "ecs.amazonaws.com":
		arns = ecsARNs(t)
	case "s3.amazonaws.com":
		if b := str(t.req, "bucketName"); validName(b) {
			arns = []string{"arn:" + t.partition + ":s3:::" + b}
		}
	default:
		return nil, "a call to " + t.source + ", which steward does not read again on an event", nil
	}
	// Names from the record are checked as the envelope's are: a record
	// cannot smuggle text that is not an ARN.
	out := arns[:0]
	for _, a := range arns {
		if arnRe.MatchString(a) {
			out = append(out, a)
		}
	}
	return out, "", nil
}

// ec2Prefixes maps an EC2 id's prefix to its ARN's resource type.
var ec2Prefixes = map[string]string{
	"i-": "instance/", "vol-": "volume/", "sg-": "security-group/", "snap-": "snapshot/",
	"subnet-": "subnet/", "vpc-": "vpc/", "eipalloc-": "elastic-ip/", "nat-": "natgateway/",
}

func ec2ARN(t *trail, id string) (string, bool) {
	if !validName(id) {
		return "", false
	}
	for p, kind := range ec2Prefixes {
		if strings.HasPrefix(id, p) {
			return t.arn("ec2", kind+id), true
		}
	}
	return "", false
}

func ec2ARNs(t *trail) []string {
	var ids []string
	for _, m := range []map[string]any{t.req, t.resp} {
		// RunInstances answers with instancesSet; Start, Stop and
		// TerminateInstances take one.
		for _, it := range items(m, "instancesSet") {
			ids = append(ids, str(it, "instanceId"))
		}
		// CreateTags and DeleteTags name what they tag.
		for _, it := range items(m, "resourcesSet") {
			ids = append(ids, str(it, "resourceId"))
		}
		for _, k := range []string{"instanceId", "volumeId", "groupId", "snapshotId", "allocationId", "natGatewayId", "subnetId", "vpcId"} {
			ids = append(ids, str(m, k))
		}
	}
	// The response of CreateVolume is the volume, of CreateSecurityGroup
	// the group (groupId above), of AllocateAddress the allocation.
	var arns []string
	for _, id := range ids {
		if a, ok := ec2ARN(t, id); ok {
			arns = append(arns, a)
		}
	}
	return arns
}

func rdsARNs(t *trail) []string {
	var arns []string
	for _, m := range []map[string]any{t.req, t.resp} {
		for _, k := range []string{"dBInstanceArn", "dBClusterArn", "resourceName"} {
			if a := str(m, k); strings.HasPrefix(a, "arn:") {
				arns = append(arns, a)
			}
		}
		if id := str(m, "dBInstanceIdentifier"); validName(id) {
			arns = append(arns, t.arn("rds", "db:"+strings.ToLower(id)))
		}
		if id := str(m, "dBClusterIdentifier"); validName(id) {
			arns = append(arns, t.arn("rds", "cluster:"+strings.ToLower(id)))
		}
	}
	return arns
}

func ecsARNs(t *trail) []string {
	var arns []string
	if svc, ok := t.resp["service"].(map[string]any); ok {
		if a := str(svc, "serviceArn"); strings.HasPrefix(a, "arn:") {
			arns = append(arns, a)
		}
	}
	if a := str(t.req, "resourceArn"); strings.HasPrefix(a, "arn:") {
		arns = append(arns, a) // TagResource, UntagResource
	}
	// UpdateService and DeleteService name the service (a name or an
	// ARN) and its cluster (default when not given).
	switch s := str(t.req, "service"); {
	case strings.HasPrefix(s, "arn:"):
		arns = append(arns, s)
	case validName(s):
		cluster := str(t.req, "cluster")
		if i := strings.LastIndex(cluster, "/"); strings.HasPrefix(cluster, "arn:") && i >= 0 {
			cluster = cluster[i+1:]
		}
		if cluster == "" {
			cluster = "default"
		}
		if validName(cluster) {
			arns = append(arns, t.arn("ecs", "service/"+cluster+"/"+s))
		}
	}
	return arns
}

// validName is an id or name fit to put in an ARN.
func validName(s string) bool {
	return s != "" && len(s) <= 255 && !strings.ContainsAny(s, " /:\t\n\r\"\\")
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// items is m[k].items, CloudTrail's shape of a list of EC2 ids.
func items(m map[string]any, k string) []map[string]any {
	set, _ := m[k].(map[string]any)
	list, _ := set["items"].([]any)
	var out []map[string]any
	for _, v := range list {
		if it, ok := v.(map[string]any); ok {
			out = append(out, it)
		}
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	}
	return "something else"
}
