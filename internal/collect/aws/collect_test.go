package aws

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
)

var (
	testNow      = time.Date(2025, 6, 2, 3, 4, 5, 0, time.UTC)
	testAccounts = []string{"111111111111", "222222222222"}
	testRegions  = []string{"ap-northeast-1", "us-east-1"}
	// roundTrip are the services the fake serves completely.
	roundTrip = []string{"ec2", "s3", "logs", "guardduty", "securityhub", "inspector2", "cloudtrail", "config", "iam"}
)

// awsEnv points the SDK at a private shared config with one profile per
// account, so no real credentials or settings of the machine leak in.
func awsEnv(t testing.TB, accounts []string) {
	dir := t.TempDir()
	var cfg, creds strings.Builder
	for _, a := range accounts {
		cfg.WriteString("[profile p" + a + "]\nregion = us-east-1\n")
		creds.WriteString("[p" + a + "]\naws_access_key_id = " + awsfake.AccessKey(a) + "\naws_secret_access_key = secret\n")
	}
	must(t, os.WriteFile(filepath.Join(dir, "config"), []byte(cfg.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds.String()), 0o600))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", awsfake.AccessKey(accounts[0]))
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func profiles(accounts []string) []string {
	var ps []string
	for _, a := range accounts {
		ps = append(ps, "p"+a)
	}
	return ps
}

func testOptions(url string, accounts []string) Options {
	return Options{
		Profiles: profiles(accounts), Regions: testRegions, Services: roundTrip, Concurrency: 8,
		Now: func() time.Time { return testNow }, EndpointURL: url, MaxAttempts: 1, UnitTimeout: 5 * time.Second,
	}
}

func normalize(rs []inventory.Resource) []inventory.Resource {
	out := append([]inventory.Resource(nil), rs...)
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	for i := range out {
		rels := append([]inventory.Relation(nil), out[i].Relations...)
		sort.Slice(rels, func(a, b int) bool {
			if rels[a].Kind != rels[b].Kind {
				return rels[a].Kind < rels[b].Kind
			}
			return rels[a].Target < rels[b].Target
		})
		if len(rels) == 0 {
			rels = nil
		}
		out[i].Relations = rels
		if out[i].Attrs.Len() == 0 {
			out[i].Attrs = inventory.AttrsOf(nil)
		}
	}
	return out
}

// TestCollectRoundTrip scans a fake multi-account, multi-region estate over
// HTTP, several pages per call, and expects every resource back exactly as
// the estate holds it: ARNs, tags, state, attrs of the right JSON kinds and
// relations.
func TestCollectRoundTrip(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 7)
	fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow})
	defer fake.Close()
	awsEnv(t, testAccounts)

	src, err := New(context.Background(), testOptions(fake.URL, testAccounts), nil)
	must(t, err)
	col, err := src.Collect(context.Background(), nil)
	must(t, err)

	if diff := cmp.Diff(normalize(estate), normalize(col.Resources)); diff != "" {
		t.Errorf("collected resources differ from the estate (-want +got):\n%s", diff)
	}
	for _, r := range col.Resources {
		if err := r.Validate(); err != nil {
			t.Errorf("invalid resource: %v", err)
		}
		ti, _ := inventory.Type(r.Type)
		for k := range r.Attrs.All() {
			if _, ok := ti.Attrs[k]; !ok {
				t.Errorf("%s: attr %q is not in the %s contract", r.ARN, k, r.Type)
			}
		}
	}
	for _, g := range col.Coverage {
		if !g.OK {
			t.Errorf("unexpected gap: %+v", g)
		}
	}
	// Every account x region x service has a row, global services one per account.
	want := len(testAccounts) * ((len(roundTrip)-2)*len(testRegions) + 2)
	got := 0
	for _, c := range col.Coverage {
		if c.Service != "tagging" && c.Service != "cloudwatch" {
			got++
		}
	}
	if got != want {
		t.Errorf("coverage rows = %d, want %d", got, want)
	}
	if col.APICalls["ec2"] == 0 || col.APICalls["s3"] == 0 || col.APICalls["tagging"] == 0 {
		t.Errorf("api calls not counted per service: %v", col.APICalls)
	}
}
