package parity

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

var now = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// inherent are findings the demo has and a live scan cannot have, because
// no AWS API says what the demo knows, each with the reason. The test
// fails if one of them stops being a difference, so the list stays true.
var inherent = map[string]string{
	"rds-stopped-long arn:aws:rds:ap-northeast-1:111111111111:db:api-qa2-db":                rdsStopTime,
	"rds-stopped-long arn:aws:rds:ap-northeast-1:222222222222:cluster:search-stg-analytics": rdsStopTime,
	"rds-stopped-long arn:aws:rds:ap-northeast-1:222222222222:db:search-stg-analytics-1":    rdsStopTime,
}

// rdsStopTime: RDS reports no stop time, and its events (where a stop is
// recorded) go back 14 days, so stopped_at of a database stopped longer
// than the policy's 30 days cannot be read.
const rdsStopTime = "RDS keeps no stop time older than its 14 days of events"

// TestDemoParity serves the demo estate (three accounts, two regions) over
// HTTP, scans it with the AWS collector discovering regions itself, and
// expects the built-in policies to find on the scan exactly what they find
// on the demo, but for the inherent differences listed above.
func TestDemoParity(t *testing.T) {
	estate := demo.Estate(now)
	accounts := []string{demo.DevAccount, demo.StgAccount, demo.ProdAccount}
	fake := awsfake.New(estate, awsfake.Options{PageSize: 5, Now: now})
	defer fake.Close()
	awsEnv(t, accounts)

	var profiles []string
	for _, a := range accounts {
		profiles = append(profiles, "p"+a)
	}
	src, err := aws.New(context.Background(), aws.Options{
		Profiles: profiles, Concurrency: 8, Now: func() time.Time { return now },
		EndpointURL: fake.URL, MaxAttempts: 1, UnitTimeout: time.Minute,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	col, err := src.Collect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range col.Coverage {
		if !c.OK {
			t.Errorf("gap: %+v", c)
		}
	}

	want := findings(t, estate)
	got := findings(t, col.Resources)
	for key, why := range inherent {
		if !want[key] || got[key] {
			t.Errorf("%s is listed as an inherent difference (%s) but is not one", key, why)
		}
		delete(want, key)
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("findings on the scanned estate differ from the demo's (-demo +scan):\n%s", diff)
	}
}

// findings evaluates the built-in policies as steward's defaults configure
// them and returns "policy ARN" keys.
func findings(t *testing.T, rs []inventory.Resource) map[string]bool {
	t.Helper()
	cfg := config.Default()
	ps, err := policy.Load(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.Compile(ps, policy.Options{Naming: cfg.NamingRule(), Required: cfg.Tags.Required, Now: now, Pricer: policy.ListPrices{}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range fs {
		out[f.Policy+" "+f.ARN] = true
	}
	return out
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// awsEnv points the SDK at a private shared config with one profile per
// account, so no credentials or settings of the machine leak in.
func awsEnv(t *testing.T, accounts []string) {
	dir := t.TempDir()
	var cfg, creds strings.Builder
	for _, a := range accounts {
		cfg.WriteString("[profile p" + a + "]\nregion = us-east-1\n")
		creds.WriteString("[p" + a + "]\naws_access_key_id = " + awsfake.AccessKey(a) + "\naws_secret_access_key = secret\n")
	}
	for name, body := range map[string]string{"config": cfg.String(), "credentials": creds.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}
