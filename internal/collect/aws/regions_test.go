package aws

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

// regionsFake answers DescribeRegions as EC2 does: without AllRegions only
// the enabled regions, with it every region and its opt-in status.
type regionsFake struct {
	status map[string]string
	err    error
}

func (f regionsFake) DescribeRegions(_ context.Context, in *ec2.DescribeRegionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := &ec2.DescribeRegionsOutput{}
	for r, st := range f.status {
		if st == "not-opted-in" && !sdkaws.ToBool(in.AllRegions) {
			continue
		}
		out.Regions = append(out.Regions, ec2types.Region{RegionName: sdkaws.String(r), OptInStatus: sdkaws.String(st)})
	}
	return out, nil
}

func TestAccountRegions(t *testing.T) {
	// An emulator (and a confused endpoint) may list regions of every
	// partition; an account can only read its own partition's.
	all := regionsFake{status: map[string]string{
		"ap-northeast-1": "opt-in-not-required", "us-east-1": "opt-in-not-required",
		"ap-east-1": "not-opted-in", "me-south-1": "opted-in",
		"cn-north-1": "opt-in-not-required", "us-gov-west-1": "opt-in-not-required",
	}}
	tests := map[string]struct {
		api        regionsFake
		partition  string
		configured []string
		want       []string
		wantErr    string
		wantLog    []string
	}{
		"enabled regions of the partition": {api: all, partition: "aws",
			want: []string{"ap-northeast-1", "me-south-1", "us-east-1"}},
		"china partition": {api: all, partition: "aws-cn", want: []string{"cn-north-1"}},
		"configured, one not enabled and one of another partition": {api: all, partition: "aws",
			configured: []string{"ap-northeast-1", "ap-east-1", "cn-north-1"},
			want:       []string{"ap-northeast-1"},
			wantLog:    []string{"region=ap-east-1", "not enabled for this account", "region=cn-north-1", "another partition"}},
		"configured, regions cannot be listed": {api: regionsFake{err: errors.New("AccessDenied")}, partition: "aws",
			configured: []string{"ap-northeast-1", "us-east-1"}, want: []string{"ap-northeast-1", "us-east-1"}},
		"not configured, regions cannot be listed": {api: regionsFake{err: errors.New("AccessDenied")}, partition: "aws",
			wantErr: "allow ec2:DescribeRegions or set the regions to scan"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			a := &account{id: "111111111111", partition: tc.partition, label: "test"}
			got, _, err := accountRegions(context.Background(), tc.api, a, tc.configured, logger)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("regions (-want +got):\n%s", diff)
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs.String())
				}
			}
			if n := strings.Count(logs.String(), "region=ap-east-1"); n > 1 {
				t.Errorf("a region not enabled is said %d times, want once", n)
			}
		})
	}
}
