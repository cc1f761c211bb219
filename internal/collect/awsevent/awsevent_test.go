package awsevent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// event builds an EventBridge event body with fields overridden.
func event(t testing.TB, over map[string]any) []byte {
	t.Helper()
	e := map[string]any{
		"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
		"source": "aws.ec2", "account": "123456789012", "time": "2026-12-06T09:00:00Z", "region": "ap-northeast-1",
		"resources": []string{"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0abc"},
		"detail":    map[string]any{"instance-id": "i-0abc", "state": "stopped"},
	}
	for k, v := range over {
		if v == nil {
			delete(e, k)
			continue
		}
		e[k] = v
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trailCall is a CloudTrail API call event's fields.
func trailCall(source, name string, req, resp map[string]any) map[string]any {
	d := map[string]any{"eventSource": source, "eventName": name, "awsRegion": "ap-northeast-1", "recipientAccountId": "123456789012"}
	if req != nil {
		d["requestParameters"] = req
	}
	if resp != nil {
		d["responseElements"] = resp
	}
	return map[string]any{"detail-type": CloudTrailCall, "source": "aws." + strings.Split(source, ".")[0], "resources": []string{}, "detail": d}
}

func TestParse(t *testing.T) {
	items := func(k string, ids ...string) map[string]any {
		var l []any
		for _, id := range ids {
			l = append(l, map[string]any{k: id})
		}
		return map[string]any{"items": l}
	}
	tests := map[string]struct {
		over map[string]any
		arns []string
		why  string
	}{
		"ec2 state change names its instance": {
			arns: []string{"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0abc"},
		},
		"duplicates are named once, sorted": {
			over: map[string]any{"resources": []string{"arn:aws:rds:ap-northeast-1:123456789012:db:b", "arn:aws:rds:ap-northeast-1:123456789012:db:a", "arn:aws:rds:ap-northeast-1:123456789012:db:b"}},
			arns: []string{"arn:aws:rds:ap-northeast-1:123456789012:db:a", "arn:aws:rds:ap-northeast-1:123456789012:db:b"},
		},
		"an event without resources says so": {
			over: map[string]any{"resources": []string{}},
			why:  "the event names no resource",
		},
		"s3 object events name no resource": {
			over: map[string]any{"source": "aws.s3", "detail-type": "Object Created", "resources": []string{"arn:aws:s3:::logs"}},
			why:  "an S3 object event: the bucket itself did not change",
		},
		"RunInstances: the instances of the response": {
			over: trailCall("ec2.amazonaws.com", "RunInstances", nil, map[string]any{"instancesSet": items("instanceId", "i-1", "i-2")}),
			arns: []string{"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-1", "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-2"},
		},
		"TerminateInstances: the instances of the request": {
			over: trailCall("ec2.amazonaws.com", "TerminateInstances", map[string]any{"instancesSet": items("instanceId", "i-9")}, nil),
			arns: []string{"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-9"},
		},
		"CreateVolume: the volume of the response": {
			over: trailCall("ec2.amazonaws.com", "CreateVolume", map[string]any{"size": 8}, map[string]any{"volumeId": "vol-1"}),
			arns: []string{"arn:aws:ec2:ap-northeast-1:123456789012:volume/vol-1"},
		},
		"CreateTags: what it tags, of the kinds steward keeps": {
			over: trailCall("ec2.amazonaws.com", "CreateTags", map[string]any{"resourcesSet": items("resourceId", "vol-2", "ami-1", "sg-3")}, nil),
			arns: []string{"arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-3", "arn:aws:ec2:ap-northeast-1:123456789012:volume/vol-2"},
		},
		"ModifyDBInstance: the identifier in the request": {
			over: trailCall("rds.amazonaws.com", "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "Shop-DB"}, nil),
			arns: []string{"arn:aws:rds:ap-northeast-1:123456789012:db:shop-db"},
		},
		"CreateDBCluster: the ARN of the response": {
			over: trailCall("rds.amazonaws.com", "CreateDBCluster", map[string]any{"dBClusterIdentifier": "shop"},
				map[string]any{"dBClusterArn": "arn:aws:rds:ap-northeast-1:123456789012:cluster:shop"}),
			arns: []string{"arn:aws:rds:ap-northeast-1:123456789012:cluster:shop"},
		},
		"UpdateService: service and cluster by name": {
			over: trailCall("ecs.amazonaws.com", "UpdateService", map[string]any{"cluster": "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod", "service": "api", "desiredCount": 0}, nil),
			arns: []string{"arn:aws:ecs:ap-northeast-1:123456789012:service/prod/api"},
		},
		"CreateService: the service ARN of the response": {
			over: trailCall("ecs.amazonaws.com", "CreateService", map[string]any{"serviceName": "api"},
				map[string]any{"service": map[string]any{"serviceArn": "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/api"}}),
			arns: []string{"arn:aws:ecs:ap-northeast-1:123456789012:service/prod/api"},
		},
		"UpdateService without a cluster is in the default cluster": {
			over: trailCall("ecs.amazonaws.com", "UpdateService", map[string]any{"service": "api"}, nil),
			arns: []string{"arn:aws:ecs:ap-northeast-1:123456789012:service/default/api"},
		},
		"PutBucketEncryption: the bucket": {
			over: trailCall("s3.amazonaws.com", "PutBucketEncryption", map[string]any{"bucketName": "shop-logs"}, nil),
			arns: []string{"arn:aws:s3:::shop-logs"},
		},
		"a failed call changed nothing": {
			over: func() map[string]any {
				e := trailCall("ec2.amazonaws.com", "TerminateInstances", map[string]any{"instancesSet": items("instanceId", "i-9")}, nil)
				e["detail"].(map[string]any)["errorCode"] = "UnauthorizedOperation"
				return e
			}(),
			why: "the call failed (UnauthorizedOperation): nothing changed",
		},
		"a service steward does not read again": {
			over: trailCall("iam.amazonaws.com", "CreateRole", map[string]any{"roleName": "x"}, nil),
			why:  "a call to iam.amazonaws.com, which steward does not read again on an event",
		},
		"an id with a slash is not put into an ARN": {
			over: trailCall("rds.amazonaws.com", "ModifyDBInstance", map[string]any{"dBInstanceIdentifier": "a/b"}, nil),
			why:  "the call names no resource steward reads",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := Parse(event(t, tc.over))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.arns, e.ARNs); diff != "" {
				t.Errorf("ARNs (-want +got):\n%s", diff)
			}
			if e.Why != tc.why {
				t.Errorf("why = %q, want %q", e.Why, tc.why)
			}
			if e.Account != "123456789012" || e.Region != "ap-northeast-1" || !e.Time.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) {
				t.Errorf("envelope = %+v", e)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := map[string]struct {
		body string
		want string
	}{
		"empty":                {``, "empty message body"},
		"not json":             {`hello`, "not an EventBridge event"},
		"two values":           {`{} {}`, "more than one JSON value"},
		"a list":               {`[1]`, "not an EventBridge event"},
		"missing id":           {string(event(t, map[string]any{"id": nil})), `field "id" is missing`},
		"missing detail":       {string(event(t, map[string]any{"detail": nil})), `field "detail" is missing`},
		"detail a string":      {string(event(t, map[string]any{"detail": "x"})), "detail is not a JSON object"},
		"bad account":          {string(event(t, map[string]any{"account": "12"})), `account "12" is not a 12-digit`},
		"bad region":           {string(event(t, map[string]any{"region": "tokyo"})), `region "tokyo" is not an AWS region`},
		"bad time":             {string(event(t, map[string]any{"time": "yesterday"})), `time "yesterday" is not an RFC 3339 time`},
		"not an ARN":           {string(event(t, map[string]any{"resources": []string{"i-0abc"}})), `resources[0]: "i-0abc" is not an ARN`},
		"resources not a list": {string(event(t, map[string]any{"resources": "arn:aws:s3:::b"})), "not an EventBridge event"},
		"sns wrapped": {`{"Type":"Notification","Message":"{}","TopicArn":"arn:aws:sns:ap-northeast-1:123456789012:t"}`,
			"SNS notification"},
		"trail without eventName": {string(event(t, map[string]any{"detail-type": CloudTrailCall, "detail": map[string]any{"eventSource": "ec2.amazonaws.com"}})),
			"detail.eventName is missing"},
		"trail parameters a string": {string(event(t, map[string]any{"detail-type": CloudTrailCall, "detail": map[string]any{"eventSource": "ec2.amazonaws.com", "eventName": "X", "requestParameters": "x"}})),
			"detail.requestParameters is a string, not a JSON object"},
		"trail bad region": {string(event(t, map[string]any{"detail-type": CloudTrailCall, "detail": map[string]any{"eventSource": "ec2.amazonaws.com", "eventName": "X", "awsRegion": "mars"}})),
			`detail.awsRegion "mars"`},
		"too large": {`{"x":"` + strings.Repeat("a", maxBody) + `"}`, "larger than any SQS message"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := Parse([]byte(tc.body))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error containing %q", e, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// FuzzParse: no body crashes or hangs Parse, and whatever it accepts is
// an event whose ARNs are ARNs.
func FuzzParse(f *testing.F) {
	f.Add(event(f, nil))
	f.Add(event(f, trailCall("ec2.amazonaws.com", "RunInstances", nil, map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-1"}}}})))
	f.Add(event(f, trailCall("ecs.amazonaws.com", "UpdateService", map[string]any{"service": "api", "cluster": "c"}, nil)))
	f.Add(event(f, trailCall("rds.amazonaws.com", "DeleteDBInstance", map[string]any{"dBInstanceIdentifier": "db"}, nil)))
	f.Add(event(f, trailCall("s3.amazonaws.com", "DeleteBucket", map[string]any{"bucketName": "b"}, nil)))
	f.Add([]byte(`{"Type":"Notification","Message":"x"}`))
	f.Add([]byte(`{"detail":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Parse(body)
		if err != nil {
			if e != nil {
				t.Fatalf("an error with an event: %+v", e)
			}
			return
		}
		if e.ID == "" || e.Account == "" || e.Region == "" {
			t.Fatalf("accepted an event without id, account or region: %+v", e)
		}
		for _, a := range e.ARNs {
			if !arnRe.MatchString(a) {
				t.Fatalf("accepted %q as an ARN", a)
			}
		}
		if len(e.ARNs) == 0 && e.Why == "" {
			t.Fatalf("no ARNs and no reason: %+v", e)
		}
	})
}
