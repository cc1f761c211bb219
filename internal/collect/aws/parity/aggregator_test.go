package parity

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/inventory"
)

// TestAggregatorParity scans the demo estate through the services' APIs
// and through an AWS Config aggregator, and expects the same resources
// field by field, the same findings and fewer API
// calls. Regions whose recorder is off, sources the aggregator reports
// stale and a failed query fall back to the APIs: same resources, with
// the failed query shown as a config gap.
func TestAggregatorParity(t *testing.T) {
	estate := demo.Estate(now)
	accounts := []string{demo.DevAccount, demo.StgAccount, demo.ProdAccount}
	awsEnv(t, accounts)
	recording := map[string]bool{} // account/region -> Config records there
	for _, r := range estate {
		if r.Type == "Steward::Account::Region" {
			on, _ := r.Attrs.Value("config_recorder_enabled").(bool)
			recording[r.Account+"/"+r.Region] = on
		}
	}
	stale := demo.ProdAccount + "/ap-northeast-1"

	tests := map[string]struct {
		stale []string
		fault *awsfake.Fault
		// fromConfig says whether an account/region's EC2 and RDS
		// resources come from Config.
		fromConfig func(key string) bool
		wantGap    string // service of the one expected gap, if any
		fewerCalls bool
	}{
		"every recording region from the aggregator": {
			fromConfig: func(key string) bool { return recording[key] },
			fewerCalls: true,
		},
		"a stale source is read by the APIs": {
			stale:      []string{stale},
			fromConfig: func(key string) bool { return recording[key] && key != stale },
			fewerCalls: true,
		},
		"unreadable sources are a config gap and the APIs read everything": {
			fault:      &awsfake.Fault{Service: "config", Operation: "DescribeConfigurationAggregatorSourcesStatus", Code: "NoSuchConfigurationAggregatorException"},
			fromConfig: func(string) bool { return false },
			wantGap:    "config",
		},
		"a denied query is a config gap and the APIs read everything": {
			fault:      &awsfake.Fault{Service: "config", Operation: "SelectAggregateResourceConfig", Code: "AccessDeniedException"},
			fromConfig: func(string) bool { return false },
			wantGap:    "config",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := awsfake.New(estate, awsfake.Options{PageSize: 5, Now: now, ConfigAggregator: "org-all", StaleSources: tc.stale})
			defer fake.Close()
			if tc.fault != nil {
				fake.AddFault(*tc.fault)
			}
			api := scanWith(t, fake.URL, accounts, "", "")
			agg := scanWith(t, fake.URL, accounts, "org-all", tc.wantGap)

			if diff := cmp.Diff(normalize(api.Resources), normalize(agg.Resources)); diff != "" {
				t.Errorf("resources read through the aggregator differ (-api +aggregator):\n%s", diff)
			}
			if diff := cmp.Diff(sorted(findings(t, api.Resources)), sorted(findings(t, agg.Resources))); diff != "" {
				t.Errorf("findings differ (-api +aggregator):\n%s", diff)
			}
			apiCalls, aggCalls := total(api.APICalls), total(agg.APICalls)
			if tc.fewerCalls && aggCalls >= apiCalls {
				t.Errorf("the aggregator scan made %d API calls, the API scan %d: want fewer", aggCalls, apiCalls)
			}
			t.Logf("API calls: %d through the APIs, %d through the aggregator (%d resources)", apiCalls, aggCalls, len(agg.Resources))

			// A region read from Config has a config row counting its
			// resources, and its ec2 row counts only what the EC2 API
			// read (snapshots); a region read by the APIs the reverse.
			rows := map[string]inventory.Coverage{}
			for _, c := range agg.Coverage {
				rows[c.Account+"/"+c.Region+"/"+c.Service] = c
			}
			ec2s, snapshots := map[string]int{}, map[string]int{}
			for _, r := range agg.Resources {
				if inventory.ServiceOf(r.Type) == "ec2" {
					ec2s[r.Account+"/"+r.Region]++
				}
				if r.Type == "AWS::EC2::Snapshot" {
					snapshots[r.Account+"/"+r.Region]++
				}
			}
			if len(ec2s) == 0 {
				t.Fatal("the demo holds no EC2 resources; the coverage check would prove nothing")
			}
			for key, n := range ec2s {
				cfg, ec2 := rows[key+"/config"], rows[key+"/ec2"]
				want := n // the EC2 API read all
				if tc.fromConfig(key) {
					want = snapshots[key] // Config has no snapshot type
					if cfg.Resources < n-want {
						t.Errorf("%s: config row counts %d, want at least the %d EC2 resources Config gave", key, cfg.Resources, n-want)
					}
				} else if cfg.Resources != 0 {
					t.Errorf("%s: config row counts %d, want 0 (read by the APIs)", key, cfg.Resources)
				}
				if ec2.Resources != want {
					t.Errorf("%s: ec2 row counts %d, want %d", key, ec2.Resources, want)
				}
			}
		})
	}
}

// scanWith scans with or without an aggregator and fails on any gap but
// one of the service gapService, which it requires.
func scanWith(t *testing.T, url string, accounts []string, aggregator, gapService string) *inventory.Collection {
	t.Helper()
	var profiles []string
	for _, a := range accounts {
		profiles = append(profiles, "p"+a)
	}
	src, err := aws.New(context.Background(), aws.Options{
		Profiles: profiles, Concurrency: 8, Now: func() time.Time { return now },
		EndpointURL: url, MaxAttempts: retries, UnitTimeout: time.Minute, ConfigAggregator: aggregator,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	col, err := src.Collect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, c := range col.Coverage {
		switch {
		case !c.OK && c.Service == gapService:
			gaps++
		case !c.OK:
			t.Errorf("gap: %+v", c)
		}
	}
	if gapService != "" && gaps == 0 {
		t.Errorf("no %s gap, want one", gapService)
	}
	return col
}

func total(calls map[string]int) int {
	n := 0
	for v := range maps.Values(calls) {
		n += v
	}
	return n
}
