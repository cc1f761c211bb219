package awsconfig

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// okItem is a well-formed item, placed before a bad one so that errors
// must name the right index.
const okItem = `{"resourceType":"AWS::EC2::VPC","resourceId":"vpc-1","ARN":"arn:aws:ec2:ap-northeast-1:111122223333:vpc/vpc-1",
 "awsAccountId":"111122223333","awsRegion":"ap-northeast-1","configurationItemStatus":"OK",
 "configurationItemCaptureTime":"2024-03-01T00:00:00.000Z","configuration":{"cidrBlock":"10.0.0.0/16","isDefault":false}}`

// sgItem is a security group item whose configuration is given.
func sgItem(conf string) string {
	return `{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1","ARN":"arn:aws:ec2:ap-northeast-1:111122223333:security-group/sg-1",
 "awsAccountId":"111122223333","awsRegion":"ap-northeast-1","configurationItemStatus":"OK",
 "configurationItemCaptureTime":"2024-03-01T00:00:00.000Z","configuration":` + conf + `}`
}

func snapshot(items ...string) string {
	return `{"fileVersion":"1.0","configSnapshotId":"x","configurationItems":[` + strings.Join(items, ",\n") + `]}`
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

const expected = `; expected a JSON object with a "configurationItems" list, as AWS Config delivers to S3 (ConfigSnapshot or ConfigHistory, .json or .json.gz)`

func TestBadInput(t *testing.T) {
	tests := map[string]struct {
		files map[string]string
		want  string
	}{
		"ingress rules that are not a list": {
			files: map[string]string{"snap.json": snapshot(okItem, sgItem(`{"groupName":"web","ipPermissions":"0.0.0.0/0"}`))},
			want:  `snap.json: configurationItems[1].configuration.ipPermissions: expected a list, got a string ("0.0.0.0/0")`,
		},
		"a port that is not a number": {
			files: map[string]string{"snap.json": snapshot(sgItem(`{"ipPermissions":[{"ipProtocol":"tcp","fromPort":{"x":1}}]}`))},
			want:  `snap.json: configurationItems[0].configuration.ipPermissions[0].fromPort: expected a number, got an object`,
		},
		"a volume size that is a list": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::EC2::Volume","resourceId":"vol-1","ARN":"arn:aws:ec2:r:1:volume/vol-1","awsAccountId":"1","configuration":{"size":[30]}}`)},
			want:  `snap.json: configurationItems[0].configuration.size: expected a number, got a list`,
		},
		"tags that are a number": {
			files: map[string]string{"snap.json": snapshot(okItem, okItem, `{"resourceType":"AWS::EC2::VPC","tags":7}`)},
			want:  `snap.json: configurationItems[2].tags: expected an object of tags, got a number`,
		},
		"a capture time that is not a time": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::EC2::VPC","configurationItemCaptureTime":"yesterday"}`)},
			want:  `snap.json: configurationItems[0].configurationItemCaptureTime: expected an RFC 3339 time (2024-01-31T09:00:00Z), got "yesterday"`,
		},
		"an item without a type": {
			files: map[string]string{"snap.json": snapshot(`{"resourceId":"vpc-1"}`)},
			want:  `snap.json: configurationItems[0].resourceType: required (a CloudFormation type name such as AWS::EC2::Instance)`,
		},
		"an item without an account": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::EC2::VPC","resourceId":"vpc-1","ARN":"arn:aws:ec2:r:1:vpc/vpc-1"}`)},
			want:  `snap.json: configurationItems[0].awsAccountId: required for AWS::EC2::VPC`,
		},
		"an item that is not an object": {
			files: map[string]string{"snap.json": snapshot(`"AWS::EC2::VPC"`)},
			want:  `snap.json: configurationItems[0]: expected an object, got a string ("AWS::EC2::VPC")`,
		},
		"a relationship that is not an object": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::EC2::VPC","relationships":["vpc-2"]}`)},
			want:  `snap.json: configurationItems[0].relationships[0]: expected an object, got a string ("vpc-2")`,
		},
		"a bucket policy that is not JSON": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::S3::Bucket","resourceId":"b","ARN":"arn:aws:s3:::b","awsAccountId":"1",
				"configuration":{},"supplementaryConfiguration":{"BucketPolicy":{"policyText":"{not json"}}}`)},
			want: `snap.json: configurationItems[0].supplementaryConfiguration.BucketPolicy.policyText: policy document: invalid character 'n' looking for beginning of object key string`,
		},
		"configuration as JSON text that does not parse": {
			files: map[string]string{"snap.json": snapshot(`{"resourceType":"AWS::EC2::VPC","configuration":"{oops"}`)},
			want:  `snap.json: configurationItems[0].configuration: expected an object or a JSON string holding one: invalid character 'o' looking for beginning of object key string`,
		},
		"configurationItems that is an object": {
			files: map[string]string{"snap.json": `{"configurationItems":{"a":1}}`},
			want:  `snap.json: configurationItems: expected a list, got an object`,
		},
		"not JSON": {
			files: map[string]string{"snap.json": "resourceType,resourceId\nAWS::EC2::VPC,vpc-1\n"},
			want:  `snap.json:1:1: invalid JSON: invalid character 'r' looking for beginning of value`,
		},
		"a syntax error on a later line": {
			files: map[string]string{"snap.json": "{\"configurationItems\": [\n" + okItem + ",\n {\"resourceType\": }]}"},
			want:  `snap.json:5:19: invalid JSON: invalid character '}' looking for beginning of value (in configurationItems[1])`,
		},
		"a truncated download": {
			files: map[string]string{"snap.json.gz": gz(snapshot(okItem))[:40]},
			want:  `snap.json.gz: gunzip: unexpected EOF`,
		},
		"a truncated JSON file": {
			files: map[string]string{"snap.json": snapshot(okItem)[:120]},
			want:  `snap.json: invalid JSON: the file ends early (truncated download?) (in configurationItems[0])`,
		},
		"gzip magic with garbage after it": {
			files: map[string]string{"snap.json.gz": "\x1f\x8bnot really gzip"},
			want:  `snap.json.gz: gunzip: gzip: invalid header`,
		},
		"an empty file": {
			files: map[string]string{"snap.json": ""},
			want:  `snap.json: not an AWS Config snapshot or history file: the file is empty` + expected,
		},
		"a JSON list": {
			files: map[string]string{"snap.json": `[{"resourceType":"AWS::EC2::VPC"}]`},
			want:  `snap.json: not an AWS Config snapshot or history file: it starts with a list` + expected,
		},
		"a CloudTrail log": {
			files: map[string]string{"trail.json": `{"Records":[{"eventName":"RunInstances"}]}`},
			want:  `trail.json: not an AWS Config snapshot or history file: it has no "configurationItems" key` + expected,
		},
		"a good file next to a bad one returns nothing": {
			files: map[string]string{
				"a/good.json":   snapshot(okItem),
				"b/bad.json.gz": gz(snapshot(sgItem(`{"ipPermissions":{"fromPort":22}}`))),
			},
			want: `b/bad.json.gz: configurationItems[0].configuration.ipPermissions: expected a list, got an object`,
		},
		"trailing data after the object": {
			files: map[string]string{"snap.json": snapshot(okItem) + `{"configurationItems":[]}`},
			want:  `snap.json: unexpected data after the JSON object`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, content := range tc.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			col, err := NewSource(dir, 0, nil).Collect(context.Background(), nil)
			if col != nil {
				t.Errorf("got a collection of %d resources, want nothing on error", len(col.Resources))
			}
			if err == nil {
				t.Fatal("got no error")
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ConfigWritabilityCheckFile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path string
		want string
	}{
		"a folder without Config files": {dir, "config source: no AWS Config files (*.json, *.json.gz) under " + dir},
		"a path that does not exist":    {filepath.Join(dir, "nope"), "config source: stat " + filepath.Join(dir, "nope") + ": no such file or directory"},
		"no path":                       {"", "config source: no path given (expected config:PATH to a Config snapshot file or folder)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			col, err := NewSource(tc.path, 0, nil).Collect(context.Background(), nil)
			if col != nil || err == nil {
				t.Fatalf("Collect = %v, %v; want nil and an error", col, err)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFoldSpellings checks that one resource spelled two ways across files
// (a log group ARN with and without :*, an item with and without an ARN)
// folds into one, the latest capture winning.
func TestFoldSpellings(t *testing.T) {
	lg := func(arn, captured string, days int) string {
		return fmt.Sprintf(`{"resourceType":"AWS::Logs::LogGroup","resourceId":"/app","resourceName":"/app","ARN":%q,
 "awsAccountId":"111122223333","awsRegion":"ap-northeast-1","configurationItemCaptureTime":%q,
 "configuration":{"LogGroupName":"/app","RetentionInDays":%d}}`, arn, captured, days)
	}
	vpc := func(arn, captured, cidr string) string {
		return fmt.Sprintf(`{"resourceType":"AWS::EC2::VPC","resourceId":"vpc-9","ARN":%q,
 "awsAccountId":"111122223333","awsRegion":"ap-northeast-1","configurationItemCaptureTime":%q,
 "configuration":{"cidrBlock":%q}}`, arn, captured, cidr)
	}
	dir := t.TempDir()
	files := map[string]string{
		"1.json": snapshot(
			lg("arn:aws:logs:ap-northeast-1:111122223333:log-group:/app", "2024-03-02T00:00:00Z", 14),
			vpc("", "2024-03-01T00:00:00Z", "10.0.0.0/16"),
		),
		"2.json": snapshot(
			lg("arn:aws:logs:ap-northeast-1:111122223333:log-group:/app:*", "2024-03-01T00:00:00Z", 7),
			vpc("arn:aws:ec2:ap-northeast-1:111122223333:vpc/vpc-9", "2024-03-03T00:00:00Z", "10.9.0.0/16"),
		),
	}
	for f, c := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	col, err := NewSource(dir, 0, nil).Collect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, r := range col.Resources {
		for k, v := range r.Attrs.All() {
			got[r.ARN+" "+k] = v
		}
	}
	want := map[string]any{
		"arn:aws:logs:ap-northeast-1:111122223333:log-group:/app retention_days": 14.0,
		"arn:aws:ec2:ap-northeast-1:111122223333:vpc/vpc-9 cidr":                 "10.9.0.0/16",
		// The files hold no trail for the account.
		"arn:aws:steward:ap-northeast-1:111122223333:account-region/ap-northeast-1 cloudtrail_enabled": false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("folded attrs mismatch (-want +got):\n%s", diff)
	}
}
