package aws

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)

// TestBaseConfig checks that reads outside the scan (bills, states in S3,
// Cost Explorer) take the credentials steward.yaml's accounts name, not
// only the default chain.
func TestBaseConfig(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[bills]\naws_access_key_id = AKIABILLS\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(conf, []byte("[profile bills]\nregion = ap-northeast-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", conf)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	tests := map[string]struct {
		opts       Options
		key        string // access key the config signs with; "" for an assumed role
		region     string
		assumeRole bool
	}{
		"default chain":                 {opts: Options{}, key: "AKIAENV", region: "us-east-1"},
		"first profile":                 {opts: Options{Profiles: []string{"bills", "other"}}, key: "AKIABILLS", region: "ap-northeast-1"},
		"first role with default chain": {opts: Options{Roles: []Role{{ARN: "arn:aws:iam::1:role/steward"}}, Regions: []string{"us-west-2"}}, region: "us-west-2", assumeRole: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, err := BaseConfig(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region {
				t.Errorf("region %q, want %q", cfg.Region, tc.region)
			}
			cache, ok := cfg.Credentials.(*sdkaws.CredentialsCache)
			isRole := ok && cache.IsCredentialsProvider(&stscreds.AssumeRoleProvider{})
			if isRole != tc.assumeRole {
				t.Fatalf("assumes a role: %v, want %v", isRole, tc.assumeRole)
			}
			if tc.key != "" {
				c, err := cfg.Credentials.Retrieve(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if c.AccessKeyID != tc.key {
					t.Errorf("access key %q, want %q", c.AccessKeyID, tc.key)
				}
			}
		})
	}
}
