package cli

import (
	"context"
	"strings"
	"testing"
)

func TestIAMPolicyCommand(t *testing.T) {
	tests := map[string]struct {
		args []string
		code int
		has  []string
		not  []string
	}{
		"scan by default": {args: nil, code: ExitOK, has: []string{`"ec2:DescribeInstances"`}, not: []string{"s3:GetObject", "ce:GetCostAndUsage"}},
		"cost scoped":     {args: []string{"--feature", "cost", "--bills", "s3://billing/focus/"}, code: ExitOK, has: []string{`"arn:aws:s3:::billing/focus/*"`, `"s3:ListBucket"`, `"focus/*"`}, not: []string{"ec2:DescribeInstances"}},
		"all":             {args: []string{"--all"}, code: ExitOK, has: []string{"ce:GetCostAndUsage", "cloudformation:ListStacks", "cloudtrail:LookupEvents", "s3:GetObject", "ec2:DescribeInstances"}},
		"bills need cost": {args: []string{"--bills", "s3://billing/focus/"}, code: ExitUsage},
		"bad feature":     {args: []string{"--feature", "billing"}, code: ExitUsage},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			env, out, errb := testEnv()
			if code := Main(context.Background(), append([]string{"iam-policy"}, tc.args...), env); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errb)
			}
			for _, s := range tc.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("policy lacks %s:\n%s", s, out)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(out.String(), s) {
					t.Errorf("policy has %s", s)
				}
			}
		})
	}
}
