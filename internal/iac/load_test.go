package iac

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

func sources(l *Loaded) (states, gaps, errs []string) {
	for _, s := range l.States {
		states = append(states, s.Source)
	}
	for _, g := range l.Gaps {
		gaps = append(gaps, g.Source)
	}
	for _, e := range l.Errors {
		errs = append(errs, e.Error())
	}
	return
}

func TestLoadStatesLocal(t *testing.T) {
	tests := map[string]struct {
		specs        []string
		states, gaps []string
		errs         int
		wantErr      string
	}{
		"glob with ** skips .backup and still reads the good ones": {
			specs:  []string{"testdata/states/**/*.tfstate"},
			states: []string{"testdata/states/app.tfstate", "testdata/states/legacy.tfstate", "testdata/states/sub/shared.tfstate"},
			// bad, future, old, older are gaps; google is bad input but hides nothing
			gaps: []string{"testdata/states/bad.tfstate", "testdata/states/future.tfstate", "testdata/states/old.tfstate", "testdata/states/older.tfstate"},
			errs: 5,
		},
		"directory": {
			specs:  []string{"testdata/states/sub"},
			states: []string{"testdata/states/sub/shared.tfstate"},
		},
		"file and show -json output": {
			specs:  []string{"testdata/states/app.tfstate", "testdata/states/show.json"},
			states: []string{"testdata/states/app.tfstate", "testdata/states/show.json"},
		},
		"glob matching nothing": {specs: []string{"testdata/states/**/*.nope"}, wantErr: "no files match"},
		"missing file":          {specs: []string{"testdata/states/nope.tfstate"}, wantErr: "state: testdata/states/nope.tfstate"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := LoadStates(context.Background(), tc.specs, nil, nil, 0, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			states, gaps, errs := sources(l)
			if diff := cmp.Diff(tc.states, states); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.gaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			if len(errs) != tc.errs {
				t.Errorf("errors = %q, want %d", errs, tc.errs)
			}
		})
	}
}

func TestLoadStatesStdin(t *testing.T) {
	data, err := os.ReadFile("testdata/states/show.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := LoadStates(context.Background(), []string{"-"}, nil, bytes.NewReader(data), 0, nil)
	if err != nil || len(l.States) != 1 || len(l.States[0].Resources) != 2 {
		t.Fatalf("stdin: %v, %+v", err, l)
	}
}

// fakeS3 serves objects, listing them two keys a page; keys in deny fail.
type fakeS3 struct {
	objects map[string][]byte
	deny    map[string]bool
	denyAll bool
	lists   int
}

func (f *fakeS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if f.denyAll {
		return nil, errors.New("AccessDenied: not authorized")
	}
	f.lists++
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	start := 0
	if in.ContinuationToken != nil {
		start, _ = strconv.Atoi(*in.ContinuationToken)
	}
	end := min(start+2, len(keys))
	out := &s3.ListObjectsV2Output{}
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k)})
	}
	if end < len(keys) {
		out.IsTruncated = aws.Bool(true)
		out.NextContinuationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeS3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	k := aws.ToString(in.Key)
	if f.deny[k] {
		return nil, errors.New("AccessDenied: not authorized")
	}
	data, ok := f.objects[k]
	if !ok {
		return nil, errors.New("NoSuchKey")
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(data))}, nil
}

func TestLoadStatesS3(t *testing.T) {
	app, err := os.ReadFile("testdata/states/app.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	shared, err := os.ReadFile("testdata/states/sub/shared.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string][]byte{
		"app/terraform.tfstate":            app,
		"app/terraform.tfstate.backup":     app,
		"env:/stg/app/terraform.tfstate":   shared,
		"env:/dev/app/terraform.tfstate":   shared,
		"env:/dev/other/terraform.tfstate": shared,
		"net/terraform.tfstate":            shared,
		"net/README.md":                    []byte("not a state"),
	}
	tests := map[string]struct {
		spec    string
		deny    map[string]bool
		denyAll bool
		states  []string
		gaps    []string
	}{
		"key in every workspace": {
			spec:   "s3://tf/app/terraform.tfstate",
			states: []string{"s3://tf/app/terraform.tfstate", "s3://tf/env:/dev/app/terraform.tfstate", "s3://tf/env:/stg/app/terraform.tfstate"},
		},
		"prefix in every workspace": {
			spec:   "s3://tf/",
			states: []string{"s3://tf/app/terraform.tfstate", "s3://tf/env:/dev/app/terraform.tfstate", "s3://tf/env:/dev/other/terraform.tfstate", "s3://tf/env:/stg/app/terraform.tfstate", "s3://tf/net/terraform.tfstate"},
		},
		"an object that cannot be read is a gap": {
			spec:   "s3://tf/app/terraform.tfstate",
			deny:   map[string]bool{"env:/stg/app/terraform.tfstate": true},
			states: []string{"s3://tf/app/terraform.tfstate", "s3://tf/env:/dev/app/terraform.tfstate"},
			gaps:   []string{"s3://tf/env:/stg/app/terraform.tfstate"},
		},
		"a bucket that cannot be listed is a gap": {
			spec:    "s3://tf/net/",
			denyAll: true,
			gaps:    []string{"s3://tf/net/"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &fakeS3{objects: objects, deny: tc.deny, denyAll: tc.denyAll}
			l, err := LoadStates(context.Background(), []string{tc.spec}, f, nil, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			states, gaps, _ := sources(l)
			sort.Strings(states)
			if diff := cmp.Diff(tc.states, states); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.gaps, gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}
}

// fakeCFN serves two stacks, each listing resources over several pages.
type fakeCFN struct{ listCalls, resourceCalls int }

func (f *fakeCFN) ListStacks(ctx context.Context, in *cloudformation.ListStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error) {
	f.listCalls++
	for _, s := range in.StackStatusFilter {
		if s == cfntypes.StackStatusDeleteComplete {
			return nil, errors.New("asked for deleted stacks")
		}
	}
	if in.NextToken == nil {
		return &cloudformation.ListStacksOutput{NextToken: aws.String("p2"), StackSummaries: []cfntypes.StackSummary{
			{StackName: aws.String("api"), StackId: aws.String("arn:aws:cloudformation:ap-northeast-1:111111111111:stack/api/1")}}}, nil
	}
	return &cloudformation.ListStacksOutput{StackSummaries: []cfntypes.StackSummary{
		{StackName: aws.String("CdkToolkit"), StackId: aws.String("arn:aws:cloudformation:ap-northeast-1:111111111111:stack/CdkToolkit/2")}}}, nil
}

func (f *fakeCFN) ListStackResources(ctx context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	f.resourceCalls++
	r := func(logical, physical, typ string, st cfntypes.ResourceStatus) cfntypes.StackResourceSummary {
		return cfntypes.StackResourceSummary{LogicalResourceId: aws.String(logical), PhysicalResourceId: aws.String(physical), ResourceType: aws.String(typ), ResourceStatus: st}
	}
	switch {
	case strings.Contains(*in.StackName, "/api/") && in.NextToken == nil:
		return &cloudformation.ListStackResourcesOutput{NextToken: aws.String("2"), StackResourceSummaries: []cfntypes.StackResourceSummary{
			r("Queue", "https://sqs.ap-northeast-1.amazonaws.com/111111111111/jobs", "AWS::SQS::Queue", cfntypes.ResourceStatusCreateComplete)}}, nil
	case strings.Contains(*in.StackName, "/api/"):
		return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: []cfntypes.StackResourceSummary{
			r("Fn", "api-handler", "AWS::Lambda::Function", cfntypes.ResourceStatusUpdateComplete),
			r("Failed", "", "AWS::S3::Bucket", cfntypes.ResourceStatusCreateFailed)}}, nil
	default:
		return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: []cfntypes.StackResourceSummary{
			r("StagingBucket", "cdk-hnb659fds-assets", "AWS::S3::Bucket", cfntypes.ResourceStatusCreateComplete)}}, nil
	}
}

func TestLoadStacks(t *testing.T) {
	f := &fakeCFN{}
	stacks, err := LoadStacks(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stack{
		{Name: "api", ID: "arn:aws:cloudformation:ap-northeast-1:111111111111:stack/api/1", Resources: []StackResource{
			{LogicalID: "Queue", PhysicalID: "https://sqs.ap-northeast-1.amazonaws.com/111111111111/jobs", Type: "AWS::SQS::Queue"},
			{LogicalID: "Fn", PhysicalID: "api-handler", Type: "AWS::Lambda::Function"},
		}},
		{Name: "CdkToolkit", ID: "arn:aws:cloudformation:ap-northeast-1:111111111111:stack/CdkToolkit/2", Resources: []StackResource{
			{LogicalID: "StagingBucket", PhysicalID: "cdk-hnb659fds-assets", Type: "AWS::S3::Bucket"},
		}},
	}
	if diff := cmp.Diff(want, stacks); diff != "" {
		t.Errorf("stacks (-want +got):\n%s", diff)
	}
	if f.listCalls != 2 || f.resourceCalls != 3 {
		t.Errorf("calls: list %d, resources %d; want 2 and 3", f.listCalls, f.resourceCalls)
	}
}
