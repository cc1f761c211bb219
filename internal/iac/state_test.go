package iac

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseState(t *testing.T) {
	tests := map[string]struct {
		file      string
		addresses []string
		types     []string
		skipped   int
		wantErr   string
		is        error
	}{
		"v4 with module, count, for_each, data source and another provider": {
			file: "app.tfstate",
			addresses: []string{
				`aws_alb.public`, `aws_instance.gone`, `aws_instance.web[0]`, `aws_instance.web[1]`,
				`aws_launch_template.web`, `aws_nat_gateway.main`, `aws_s3_bucket.assets["logs"]`,
				`aws_security_group.web`, `aws_sqs_queue.jobs`, `module.db.aws_db_instance.main`,
			},
			skipped: 2, // data.aws_ami.ubuntu, random_id.suffix
		},
		"OpenTofu provider with alias": {
			file:      "sub/shared.tfstate",
			addresses: []string{"aws_security_group.web_legacy", "aws_vpc.main", "aws_vpc.other_account"},
		},
		"Terraform 0.11 state with module path and count": {
			file:      "legacy.tfstate",
			addresses: []string{"module.net.aws_subnet.private[0]", "module.net.aws_subnet.private[1]"},
		},
		"terraform show -json with child module": {
			file:      "show.json",
			addresses: []string{"aws_ecs_cluster.main", `module.svc.aws_ecs_service.api["blue"]`},
			skipped:   1,
		},
		"Terraform 0.10":        {file: "old.tfstate", wantErr: "old.tfstate: written by Terraform 0.10.8: state is older than Terraform 0.11", is: ErrTooOld},
		"format version 1":      {file: "older.tfstate", wantErr: "older.tfstate: state format version 1: state is older than Terraform 0.11", is: ErrTooOld},
		"unknown version":       {file: "future.tfstate", wantErr: "future.tfstate: unknown state format version 5"},
		"invalid JSON":          {file: "bad.tfstate", wantErr: "bad.tfstate: line 4, column 24: invalid JSON"},
		"only another provider": {file: "google.tfstate", wantErr: "google.tfstate: state has no AWS resources: its 1 managed resources belong to providers google", is: ErrNotAWS},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "states", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			st, err := ParseState(path, data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range st.Resources {
				got = append(got, r.Address)
			}
			if diff := cmp.Diff(tc.addresses, got); diff != "" {
				t.Errorf("addresses (-want +got):\n%s", diff)
			}
			if st.Skipped != tc.skipped {
				t.Errorf("skipped = %d, want %d", st.Skipped, tc.skipped)
			}
			if st.Source != path {
				t.Errorf("source = %q, want %q", st.Source, path)
			}
		})
	}
}

func TestProviderType(t *testing.T) {
	tests := map[string]string{
		`provider["registry.terraform.io/hashicorp/aws"]`:            "aws",
		`provider["registry.terraform.io/hashicorp/aws"].west`:       "aws",
		`module.app.provider["registry.opentofu.org/hashicorp/aws"]`: "aws",
		`provider.aws`:            "aws",
		`provider.aws.west`:       "aws",
		`module.net.provider.aws`: "aws",
		`provider["registry.terraform.io/hashicorp/google"]`: "google",
		`registry.terraform.io/hashicorp/aws`:                "aws",
		`provider.random`:                                    "random",
	}
	for in, want := range tests {
		if got := providerType(in); got != want {
			t.Errorf("providerType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAtLeast011(t *testing.T) {
	tests := map[string]bool{"0.11.14": true, "0.10.8": false, "0.9.0": false, "1.5.0": true, "v0.11.0": true, "": true, "0.12": true}
	for in, want := range tests {
		if got := atLeast011(in); got != want {
			t.Errorf("atLeast011(%q) = %v, want %v", in, got, want)
		}
	}
}
