package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
)

// TestIaCLiveAWS runs `steward iac --source aws` and `steward scan --source
// aws --state` against the fake AWS: the stacks and creation events come
// from the scanned account and region with the scan's credentials.
func TestIaCLiveAWS(t *testing.T) {
	const acct, region = "111111111111", "ap-northeast-1"
	env, out, errb := testEnv()
	now := env.Now()
	vpc := func(id string) inventory.Resource {
		return inventory.Resource{ARN: "arn:aws:ec2:" + region + ":" + acct + ":vpc/" + id, Account: acct, Region: region,
			Type: "AWS::EC2::VPC", ID: id, State: "available", Attrs: inventory.AttrsOf(map[string]any{"cidr": "10.0.0.0/16", "is_default": false})}
	}
	managed, handmade := vpc("vpc-cfn"), vpc("vpc-hand")
	managed.SetManagedBy(inventory.ManagedBy{Kind: "cloudformation", Ref: "network"})
	fake := awsfake.New([]inventory.Resource{managed, handmade}, awsfake.Options{Now: now, TrailEvents: []awsfake.TrailEvent{{
		Account: acct, Region: region, Name: "CreateVpc", Time: now.AddDate(0, 0, -3),
		Principal: "arn:aws:iam::" + acct + ":user/alice", UserAgent: "aws-cli/2.15.0", Resource: "vpc-hand"}}})
	defer fake.Close()

	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "aws-config"), nil, 0o600))
	must(os.WriteFile(filepath.Join(dir, "steward.yaml"), []byte("regions: ["+region+"]\n"), 0o600))
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "aws-config"),
		"AWS_ACCESS_KEY_ID": awsfake.AccessKey(acct), "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": region,
		"AWS_ENDPOINT_URL": fake.URL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
		"AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}

	code := Main(context.Background(), []string{"--config", filepath.Join(dir, "steward.yaml"), "iac", "--source", "aws", "--format", "json"}, env)
	if code != ExitOK {
		t.Fatalf("steward iac --source aws exit %d; stderr:\n%s", code, errb)
	}
	var rep struct {
		Managed, Unmanaged []struct {
			ARN       string
			ManagedBy struct{ Kind, Ref string } `json:"managed_by"`
			Creator   *struct{ Principal, Via string }
		}
		Gaps []any
	}
	must(json.Unmarshal(out.Bytes(), &rep))
	type row struct{ ARN, Kind, Ref, Principal, Via string }
	var got []row
	for _, e := range append(rep.Managed, rep.Unmanaged...) {
		r := row{ARN: e.ARN, Kind: e.ManagedBy.Kind, Ref: e.ManagedBy.Ref}
		if e.Creator != nil {
			r.Principal, r.Via = e.Creator.Principal, e.Creator.Via
		}
		got = append(got, r)
	}
	want := []row{
		// No event names the stack's VPC within the fake's history, and
		// its age is unknown: its creator is unknown, not guessed.
		{ARN: managed.ARN, Kind: "cloudformation", Ref: "network", Via: "unknown"},
		{ARN: handmade.ARN, Kind: "none", Principal: "arn:aws:iam::" + acct + ":user/alice", Via: "cli"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("iac report (-want +got):\n%s\nstdout:\n%s", diff, out)
	}
	if len(rep.Gaps) != 0 {
		t.Errorf("gaps = %v, want none", rep.Gaps)
	}
	calls := fake.Calls()
	if calls["cloudformation:ListStacks"] == 0 || calls["cloudformation:ListStackResources"] == 0 || calls["cloudtrail:LookupEvents"] == 0 {
		t.Errorf("stacks and trails were not read from the scanned account: %v", calls)
	}

	// A scan with a state reads the same stacks: the stack's VPC is not
	// reported unmanaged.
	out.Reset()
	errb.Reset()
	state := filepath.Join(dir, "empty.tfstate")
	must(os.WriteFile(state, []byte(`{"version": 4, "terraform_version": "1.7.0", "serial": 1, "lineage": "x", "outputs": {}, "resources": []}`), 0o600))
	code = Main(context.Background(), []string{"--config", filepath.Join(dir, "steward.yaml"), "scan", "--source", "aws", "--state", state, "--format", "json", "--no-store"}, env)
	if code != ExitOK && code != ExitFindings && code != ExitIncomplete {
		t.Fatalf("steward scan --source aws --state exit %d; stderr:\n%s", code, errb)
	}
	var scanRep struct {
		Findings []struct{ Policy, ARN string } `json:"findings"`
	}
	must(json.Unmarshal(out.Bytes(), &scanRep))
	unmanaged := map[string]bool{}
	for _, f := range scanRep.Findings {
		if f.Policy == "iac-unmanaged-resource" {
			unmanaged[f.ARN] = true
		}
	}
	if unmanaged[managed.ARN] || !unmanaged[handmade.ARN] {
		t.Errorf("unmanaged findings = %v; want only %s", unmanaged, handmade.ARN)
	}
}
