package aws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// TestPartialFailure injects one failure per kind and checks that the scan
// goes on, the exact account x region x service row says why, and nothing
// else is lost.
func TestPartialFailure(t *testing.T) {
	type gap struct{ Account, Region, Service, Kind string }
	tests := map[string]struct {
		fault awsfake.Fault
		want  []gap
		// lost are resource types that must be absent from the failed ground.
		lostType string
	}{
		"access denied on ec2 in one region": {
			fault:    awsfake.Fault{Account: "222222222222", Region: "us-east-1", Service: "ec2", Operation: "DescribeVolumes", Code: "UnauthorizedOperation"},
			want:     []gap{{"222222222222", "us-east-1", "ec2", KindAccessDenied}},
			lostType: "AWS::EC2::Volume",
		},
		"opt-in region": {
			fault:    awsfake.Fault{Account: "111111111111", Region: "ap-northeast-1", Service: "logs", Code: "OptInRequired"},
			want:     []gap{{"111111111111", "ap-northeast-1", "logs", KindOptIn}},
			lostType: "AWS::Logs::LogGroup",
		},
		"throttled service": {
			fault:    awsfake.Fault{Account: "111111111111", Region: "us-east-1", Service: "guardduty", Code: "TooManyRequestsException"},
			want:     []gap{{"111111111111", "us-east-1", "guardduty", KindThrottled}},
			lostType: "AWS::GuardDuty::Detector",
		},
		"timeout": {
			fault:    awsfake.Fault{Account: "222222222222", Region: "ap-northeast-1", Service: "config", Hang: true},
			want:     []gap{{"222222222222", "ap-northeast-1", "config", KindTimeout}},
			lostType: "",
		},
		"denied global service": {
			fault:    awsfake.Fault{Account: "111111111111", Service: "s3", Operation: "ListBuckets", Code: "AccessDenied"},
			want:     []gap{{"111111111111", "global", "s3", KindAccessDenied}},
			lostType: "AWS::S3::Bucket",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			estate := testEstate(testNow, testAccounts, testRegions, 4)
			fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow})
			defer fake.Close()
			fake.AddFault(tc.fault)
			awsEnv(t, testAccounts)
			opts := testOptions(fake.URL, testAccounts)
			// Only a hung call should run into the unit timeout; a loaded
			// machine (or -race) must not turn healthy units into gaps.
			opts.UnitTimeout = 30 * time.Second
			if tc.fault.Hang {
				opts.UnitTimeout = 3 * time.Second
			}
			src, err := New(context.Background(), opts, nil)
			must(t, err)
			col, err := src.Collect(context.Background(), nil)
			must(t, err)
			var got []gap
			for _, c := range col.Coverage {
				if !c.OK {
					got = append(got, gap{c.Account, c.Region, c.Service, c.ErrorKind})
					if c.Error == "" {
						t.Errorf("gap %+v has no error text", c)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			scan := inventory.Scan{Coverage: col.Coverage}
			if scan.Complete() {
				t.Error("scan with a gap reads as complete")
			}
			// Resources outside the gap are all there.
			in := map[string]bool{}
			for _, r := range col.Resources {
				in[r.ARN] = true
			}
			g := tc.want[0]
			for _, r := range estate {
				hidden := r.Account == g.Account && (r.Region == g.Region || g.Region == "global") && r.Type == tc.lostType
				if g.Service == "config" && r.Type == "Steward::Account::Region" {
					continue // compared below
				}
				if !hidden && !in[r.ARN] {
					t.Errorf("%s lost although its service was read", r.ARN)
				}
				if hidden && in[r.ARN] {
					t.Errorf("%s collected from a failed read", r.ARN)
				}
			}
			if g.Service == "config" {
				for _, r := range col.Resources {
					if r.Type == "Steward::Account::Region" && r.Account == g.Account && r.Region == g.Region {
						if _, ok := r.Attrs.Get("config_recorder_enabled"); ok {
							t.Errorf("config_recorder_enabled written although config was not read: %v", r.Attrs)
						}
					}
				}
			}
		})
	}
}

// TestCredentialErrors: bad credentials fail in New, before any scanning,
// with one line naming the profile or role and the fix, in English and
// (where the reader speaks it) in Japanese, the SDK's words kept.
func TestCredentialErrors(t *testing.T) {
	estate := testEstate(testNow, testAccounts, testRegions, 1)
	fake := awsfake.New(estate, awsfake.Options{Now: testNow})
	defer fake.Close()
	tests := map[string]struct {
		opts func(o *Options)
		want []string
		ja   []string // the phrase in Japanese, "" when it is not one
	}{
		"unknown profile": {
			opts: func(o *Options) { o.Profiles = []string{"nope"} },
			want: []string{`profile "nope"`, "aws sso login --profile nope"},
			ja:   []string{`AWS のプロファイル "nope": 設定を読み込めません: `, `。対処: "aws sso login --profile nope" か "aws configure --profile nope" を実行してください`},
		},
		"expired keys": {
			opts: func(o *Options) { o.Profiles = []string{"p999999999999"} },
			want: []string{`profile "p999999999999"`, "credentials do not work", "InvalidClientTokenId"},
			ja:   []string{`AWS のプロファイル "p999999999999": 認証情報が通りません: `, "InvalidClientTokenId", "。対処: "},
		},
		"role not assumable": {
			opts: func(o *Options) {
				o.Profiles = nil
				o.Roles = []Role{{ARN: "arn:aws:iam::333333333333:role/steward", ExternalID: "x"}}
			},
			want: []string{"role arn:aws:iam::333333333333:role/steward", "trust policy must allow arn:aws:iam::111111111111:user/steward"},
			ja:   []string{"AWS のロール arn:aws:iam::333333333333:role/steward: arn:aws:iam::111111111111:user/steward としてロールを引き受けられません: ", "。対処: ロールの信頼ポリシーで arn:aws:iam::111111111111:user/steward を許可してください（指定した外部 ID つきで）"},
		},
		"bad role arn": {
			opts: func(o *Options) { o.Roles = []Role{{ARN: "steward"}} },
			want: []string{"roles[0]", "arn:aws:iam::123456789012:role/NAME"},
		},
		"unknown service": {
			opts: func(o *Options) { o.Services = []string{"ec3"} },
			want: []string{`unknown service "ec3"`, "valid: "},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			awsEnv(t, append([]string{"999999999999"}, testAccounts...))
			t.Setenv("AWS_ACCESS_KEY_ID", awsfake.AccessKey(testAccounts[0]))
			opts := testOptions(fake.URL, testAccounts)
			tc.opts(&opts)
			_, err := New(context.Background(), opts, nil)
			if err == nil {
				t.Fatal("New succeeded with bad credentials")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if len(tc.ja) == 0 {
				return
			}
			var ja string
			for e := err; e != nil; e = errors.Unwrap(e) {
				if p, ok := i18n.PhraseOf(e); ok {
					ja = p.In(i18n.JA)
					break
				}
			}
			for _, w := range tc.ja {
				if !strings.Contains(ja, w) {
					t.Errorf("in Japanese %q does not say %q", ja, w)
				}
			}
		})
	}
}

// TestAccountDiscovery reaches accounts by assumed roles and through AWS
// Organizations, and lists enabled regions when none are configured.
func TestAccountDiscovery(t *testing.T) {
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	estate := testEstate(testNow, accounts, testRegions, 1)
	tests := map[string]struct {
		opts func(o *Options)
		want []string
	}{
		"roles": {
			opts: func(o *Options) {
				o.Profiles = nil
				o.Roles = []Role{{ARN: "arn:aws:iam::222222222222:role/steward"}, {ARN: "arn:aws:iam::333333333333:role/steward", ExternalID: "e", SessionName: "s"}}
			},
			want: []string{"222222222222", "333333333333"},
		},
		"organization": {
			opts: func(o *Options) { o.Profiles = nil; o.OrgRoleName = "OrganizationAccountAccessRole" },
			want: accounts,
		},
		"default chain": {
			opts: func(o *Options) { o.Profiles = nil },
			want: []string{"111111111111"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := awsfake.New(estate, awsfake.Options{PageSize: 2, Now: testNow,
				Regions: map[string][]string{"333333333333": {"eu-west-1"}}})
			defer fake.Close()
			awsEnv(t, accounts)
			opts := testOptions(fake.URL, accounts)
			opts.Regions = nil
			opts.Services = []string{"config"}
			tc.opts(&opts)
			src, err := New(context.Background(), opts, nil)
			must(t, err)
			col, err := src.Collect(context.Background(), nil)
			must(t, err)
			rows := map[string][]string{}
			for _, c := range col.Coverage {
				rows[c.Account] = append(rows[c.Account], c.Region)
			}
			want := map[string][]string{}
			for _, a := range tc.want {
				want[a] = testRegions
				if a == "333333333333" {
					want[a] = []string{"eu-west-1"}
				}
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("accounts x regions read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"deadline": {context.DeadlineExceeded, KindTimeout},
		"nil":      {nil, ""},
		"other":    {errString("boom"), KindError},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }
