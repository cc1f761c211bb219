package iac

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/objstore"
)

// CloudTrailAPI is the part of the CloudTrail client steward uses.
type CloudTrailAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// LookupWindow is how far back LookupEvents keeps events. Beyond it a
// creator is unknown, not guessed.
const LookupWindow = 90 * 24 * time.Hour

// Via values (inventory.Creator.Via).
const (
	ViaConsole        = "console"
	ViaCloudFormation = "cloudformation"
	ViaTerraform      = "terraform"
	ViaCLI            = "cli"
	ViaSDK            = "sdk"
	ViaService        = "service"
	ViaUnknown        = "unknown"
)

// creationEvents are the CloudTrail events that create a resource, by
// type. An event is the creation of a resource only when it names the
// resource's id or ARN and its name is listed for the resource's type, so
// the subnet a RunInstances names is never taken for the subnet's creation.
var creationEvents = map[string][]string{
	"AWS::EC2::Instance":                        {"RunInstances"},
	"AWS::EC2::Volume":                          {"CreateVolume"},
	"AWS::EC2::Snapshot":                        {"CreateSnapshot", "CreateSnapshots", "CopySnapshot"},
	"AWS::EC2::EIP":                             {"AllocateAddress"},
	"AWS::EC2::SecurityGroup":                   {"CreateSecurityGroup"},
	"AWS::EC2::VPC":                             {"CreateVpc"},
	"AWS::EC2::Subnet":                          {"CreateSubnet"},
	"AWS::EC2::NatGateway":                      {"CreateNatGateway"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"CreateLoadBalancer"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":  {"CreateTargetGroup"},
	"AWS::ElasticLoadBalancing::LoadBalancer":   {"CreateLoadBalancer"},
	"AWS::RDS::DBInstance":                      {"CreateDBInstance", "CreateDBInstanceReadReplica", "RestoreDBInstanceFromDBSnapshot"},
	"AWS::RDS::DBCluster":                       {"CreateDBCluster", "RestoreDBClusterFromSnapshot"},
	"AWS::RDS::DBSnapshot":                      {"CreateDBSnapshot", "CopyDBSnapshot"},
	"AWS::RDS::DBClusterSnapshot":               {"CreateDBClusterSnapshot", "CopyDBClusterSnapshot"},
	"AWS::S3::Bucket":                           {"CreateBucket"},
	"AWS::Logs::LogGroup":                       {"CreateLogGroup"},
	"AWS::ECS::Cluster":                         {"CreateCluster"},
	"AWS::ECS::Service":                         {"CreateService"},
	"AWS::ECS::TaskDefinition":                  {"RegisterTaskDefinition"},
	"AWS::Lambda::Function":                     {"CreateFunction20150331", "CreateFunction"},
	"AWS::ECR::Repository":                      {"CreateRepository"},
	"AWS::AutoScaling::AutoScalingGroup":        {"CreateAutoScalingGroup"},
	"AWS::CloudFront::Distribution":             {"CreateDistribution", "CreateDistributionWithTags"},
	"AWS::CloudTrail::Trail":                    {"CreateTrail"},
	"AWS::GuardDuty::Detector":                  {"CreateDetector"},
	"AWS::IAM::User":                            {"CreateUser"},
	"AWS::IAM::Role":                            {"CreateRole"},
	"AWS::SQS::Queue":                           {"CreateQueue"},
	"AWS::SNS::Topic":                           {"CreateTopic"},
	"AWS::DynamoDB::Table":                      {"CreateTable"},
	"AWS::KMS::Key":                             {"CreateKey"},
	"AWS::ElastiCache::CacheCluster":            {"CreateCacheCluster"},
	"AWS::Route53::HostedZone":                  {"CreateHostedZone"},
}

var creationNames = func() map[string]bool {
	m := map[string]bool{}
	for _, names := range creationEvents {
		for _, n := range names {
			m[n] = true
		}
	}
	return m
}()

// CreationEventNames lists the event names that create the given types,
// sorted, for LookupEvents.
func CreationEventNames(types []string) []string {
	seen := map[string]bool{}
	for _, t := range types {
		for _, n := range creationEvents[t] {
			seen[n] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Event is a CloudTrail creation event reduced to who made what and how.
type Event struct {
	Name      string
	Time      time.Time
	Principal string
	UserAgent string
	Via       string
	// Account is the account the event was recorded in, when the record
	// says; a resource of another account is never matched to it.
	Account string
	// IDs are the strings the request and response name: ids, names, ARNs.
	IDs []string
}

// record is one CloudTrail record as trail logs and LookupEvents'
// CloudTrailEvent field hold it.
type record struct {
	EventTime    time.Time `json:"eventTime"`
	EventName    string    `json:"eventName"`
	Recipient    string    `json:"recipientAccountId"`
	UserAgent    string    `json:"userAgent"`
	ErrorCode    string    `json:"errorCode"`
	UserIdentity struct {
		Type      string `json:"type"`
		ARN       string `json:"arn"`
		InvokedBy string `json:"invokedBy"`
	} `json:"userIdentity"`
	SessionCredentialFromConsole string          `json:"sessionCredentialFromConsole"`
	RequestParameters            json.RawMessage `json:"requestParameters"`
	ResponseElements             json.RawMessage `json:"responseElements"`
	Resources                    []struct {
		ARN string `json:"ARN"`
	} `json:"resources"`
}

func (r *record) event() (Event, bool) {
	if r.ErrorCode != "" || !creationNames[r.EventName] {
		return Event{}, false
	}
	e := Event{Name: r.EventName, Time: r.EventTime, UserAgent: r.UserAgent, Principal: r.UserIdentity.ARN, Account: r.Recipient}
	if e.Principal == "" {
		e.Principal = r.UserIdentity.InvokedBy
	}
	e.Via = classifyVia(r)
	for _, raw := range []json.RawMessage{r.RequestParameters, r.ResponseElements} {
		var v any
		if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
			e.IDs = collectStrings(v, e.IDs, 0)
		}
	}
	for _, res := range r.Resources {
		e.IDs = append(e.IDs, res.ARN)
	}
	return e, true
}

// maxIDsPerEvent bounds what one huge request (a RunInstances of 500)
// can add.
const maxIDsPerEvent = 1000

func collectStrings(v any, out []string, depth int) []string {
	if depth > 12 || len(out) >= maxIDsPerEvent {
		return out
	}
	switch x := v.(type) {
	case string:
		if x != "" {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			out = collectStrings(e, out, depth+1)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = collectStrings(x[k], out, depth+1)
		}
	}
	return out
}

// classifyVia says how a resource was made, from the record's user agent
// and identity. Order matters: Terraform's user agent names the Go SDK,
// and CloudFormation calls carry a console session when a person clicked.
func classifyVia(r *record) string {
	ua := strings.ToLower(r.UserAgent)
	invoked := strings.ToLower(r.UserIdentity.InvokedBy)
	switch {
	case strings.Contains(ua, "cloudformation.amazonaws.com") || invoked == "cloudformation.amazonaws.com":
		return ViaCloudFormation
	case strings.Contains(ua, "terraform/") || strings.Contains(ua, "terraform-provider-aws/") || strings.Contains(ua, "opentofu/"):
		return ViaTerraform
	case r.SessionCredentialFromConsole == "true" || strings.Contains(ua, "console.amazonaws.com") ||
		strings.Contains(ua, "signin.amazonaws.com") || strings.Contains(ua, "console.aws.amazon.com"):
		return ViaConsole
	case strings.HasPrefix(ua, "aws-cli/") || strings.Contains(ua, " aws-cli/"):
		return ViaCLI
	case r.UserIdentity.Type == "AWSService" || invoked != "" || strings.HasSuffix(ua, ".amazonaws.com"):
		return ViaService
	case strings.Contains(ua, "aws-sdk-") || strings.Contains(ua, "boto3/") || strings.Contains(ua, "botocore/") || strings.Contains(ua, "aws-cdk/"):
		return ViaSDK
	}
	return ViaUnknown
}

// ParseTrailLog reads a CloudTrail log file ({"Records": [...]}, gzipped
// or not) and returns its successful creation events.
func ParseTrailLog(name string, data []byte) ([]Event, error) {
	data, err := objstore.MaybeGunzip(data, name, 0)
	if err != nil {
		return nil, err
	}
	var f struct {
		Records *[]record `json:"Records"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonError(data, err))
	}
	if f.Records == nil {
		return nil, fmt.Errorf("%s: no \"Records\" list: not a CloudTrail log file", name)
	}
	var out []Event
	for i := range *f.Records {
		if e, ok := (*f.Records)[i].event(); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// LookupCreations reads creation events of one region through
// LookupEvents, one event name at a time (it takes one lookup attribute),
// between start and end.
func LookupCreations(ctx context.Context, c CloudTrailAPI, names []string, start, end time.Time) ([]Event, error) {
	var out []Event
	for _, name := range names {
		pg := cloudtrail.NewLookupEventsPaginator(c, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}},
			StartTime:        aws.Time(start), EndTime: aws.Time(end),
		})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("lookup %s events: %w", name, err)
			}
			for _, ev := range page.Events {
				var r record
				if raw := aws.ToString(ev.CloudTrailEvent); raw != "" {
					if err := json.Unmarshal([]byte(raw), &r); err != nil {
						return nil, fmt.Errorf("lookup %s events: event %s: %w", name, aws.ToString(ev.EventId), err)
					}
				}
				if r.EventName == "" {
					r.EventName = aws.ToString(ev.EventName)
				}
				if r.EventTime.IsZero() {
					r.EventTime = aws.ToTime(ev.EventTime)
				}
				e, ok := r.event()
				if !ok {
					continue
				}
				for _, res := range ev.Resources {
					e.IDs = append(e.IDs, aws.ToString(res.ResourceName))
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// LoadTrailLogs reads trail log files: local files, directories (every
// .json and .json.gz below) and globs, and s3://bucket/prefix (every object
// below, as CloudTrail writes them under AWSLogs/). A bad file is reported
// and the others still read.
func LoadTrailLogs(ctx context.Context, specs []string, s3c S3API, maxBytes int64) ([]Event, []error) {
	var out []Event
	var errs []error
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return out, append(errs, fmt.Errorf("trail logs: %w", err))
		}
		if rest, ok := strings.CutPrefix(spec, "s3://"); ok {
			if s3c == nil {
				errs = append(errs, fmt.Errorf("trail logs %s: no S3 client", spec))
				continue
			}
			bucket, prefix, _ := strings.Cut(rest, "/")
			keys, err := listKeys(ctx, s3c, bucket, prefix)
			if err != nil {
				errs = append(errs, fmt.Errorf("trail logs: %w", err))
				continue
			}
			for _, k := range keys {
				if !strings.HasSuffix(k, ".json") && !strings.HasSuffix(k, ".json.gz") {
					continue
				}
				data, err := getObject(ctx, s3c, bucket, k, maxBytes)
				if err == nil {
					var evs []Event
					evs, err = ParseTrailLog("s3://"+bucket+"/"+k, data)
					out = append(out, evs...)
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			continue
		}
		files, err := expandLocal(spec, "*.json*")
		if err != nil {
			errs = append(errs, fmt.Errorf("trail logs: %w", err))
			continue
		}
		for _, f := range files {
			data, err := readFileLimited(ctx, f, maxBytes)
			if err == nil {
				var evs []Event
				evs, err = ParseTrailLog(f, data)
				out = append(out, evs...)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return out, errs
}

// SetCreators fills Creator on resources that have none, from the
// earliest creation event naming the resource's id or ARN with an event
// name of its type, recorded in the resource's account (names such as a
// log group's repeat across accounts). A resource with no such event that is older than
// lookback (or of unknown age) gets Via "unknown": its event is past what
// the history keeps. Younger ones without an event are left alone. It
// returns how many creators it set from events.
func SetCreators(rs []inventory.Resource, events []Event, now time.Time, lookback time.Duration) int {
	byID := map[string][]int{}
	for i := range events {
		for _, id := range events[i].IDs {
			byID[id] = append(byID[id], i)
		}
	}
	n := 0
	for i := range rs {
		r := &rs[i]
		if r.Creator() != nil {
			continue
		}
		names := creationEvents[r.Type]
		var best *Event
		for _, key := range []string{r.ARN, r.ID} {
			for _, ei := range byID[key] {
				e := &events[ei]
				if contains(names, e.Name) && (e.Account == "" || r.Account == "" || e.Account == r.Account) && (best == nil || e.Time.Before(best.Time)) {
					best = e
				}
			}
		}
		switch {
		case best != nil:
			r.SetCreator(&inventory.Creator{Principal: best.Principal, UserAgent: best.UserAgent, Via: best.Via, At: best.Time})
			n++
		case len(names) > 0 && (r.Created.IsZero() || r.Created.Before(now.Add(-lookback))):
			r.SetCreator(&inventory.Creator{Via: ViaUnknown})
		}
	}
	return n
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
