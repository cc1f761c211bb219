package cost

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
)

const tokyo = "ap-northeast-1"

var recNow = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

func recARN(kind, id string) string { return "arn:aws:" + kind + ":" + tokyo + ":111111111111:" + id }

// recEstate has one resource per rule, in Tokyo, where the price table
// has every number the test computes by hand.
func recEstate() []inventory.Resource {
	res := func(typ, arn, id, name, state string, tags map[string]string, attrs map[string]any, rels ...inventory.Relation) inventory.Resource {
		return inventory.Resource{ARN: arn, Account: "111111111111", Region: tokyo, Type: typ, ID: id, Name: name,
			State: state, Tags: inventory.TagsOf(tags), Attrs: inventory.AttrsOf(attrs), Relations: rels}
	}
	dev := map[string]string{"system": "shop", "env": "dev", "owner": "alice"}
	prod := map[string]string{"system": "shop", "env": "prod", "owner": "bob"}
	cluster := recARN("rds", "cluster:legacy")
	return []inventory.Resource{
		res("AWS::EC2::Volume", recARN("ec2", "volume/vol-small"), "vol-small", "small", "in-use", prod,
			map[string]any{"volume_type": "gp2", "size_gb": 100.0, "iops": 300.0}),
		res("AWS::EC2::Volume", recARN("ec2", "volume/vol-big"), "vol-big", "big", "in-use", prod,
			map[string]any{"volume_type": "gp2", "size_gb": 1000.0, "iops": 3000.0}),
		// 200 GB gp2 needs paid gp3 throughput to match: gp3 costs more.
		res("AWS::EC2::Volume", recARN("ec2", "volume/vol-200"), "vol-200", "mid", "in-use", prod,
			map[string]any{"volume_type": "gp2", "size_gb": 200.0, "iops": 600.0}),
		res("AWS::EC2::Instance", recARN("ec2", "instance/i-m4"), "i-m4", "legacy", "running", prod,
			map[string]any{"instance_type": "m4.large", "platform": "linux"}),
		res("AWS::EC2::Instance", recARN("ec2", "instance/i-t2"), "i-t2", "devbox", "running", dev,
			map[string]any{"instance_type": "t2.micro", "platform": "linux"}),
		res("AWS::EC2::Instance", recARN("ec2", "instance/i-asg"), "i-asg", "asg", "running", dev,
			map[string]any{"instance_type": "t3.micro", "platform": "linux", "asg_name": "web"}),
		res("AWS::EC2::Instance", recARN("ec2", "instance/i-sched"), "i-sched", "sched", "running",
			map[string]string{"env": "qa1", "offhours": "tz=jst"}, map[string]any{"instance_type": "t3.micro", "platform": "linux"}),
		res("AWS::RDS::DBInstance", recARN("rds", "db:dev-db"), "dev-db", "dev-db", "available", dev,
			map[string]any{"engine": "mysql", "instance_class": "db.t3.micro", "storage_type": "gp2", "allocated_gb": 20.0, "multi_az": false}),
		res("AWS::ECS::Service", recARN("ecs", "service/c/api-dev"), "api-dev", "api-dev", "active", dev,
			map[string]any{"launch_type": "FARGATE", "running_count": 2.0, "cpu": 256.0, "memory_mb": 512.0}),
		res("AWS::ECS::Service", recARN("ecs", "service/c/api-prod"), "api-prod", "api-prod", "active", prod,
			map[string]any{"launch_type": "FARGATE", "running_count": 2.0, "cpu": 256.0, "memory_mb": 512.0}),
		res("AWS::EC2::NatGateway", recARN("ec2", "natgateway/nat-1"), "nat-1", "nat", "available", prod, nil),
		res("AWS::RDS::DBCluster", cluster, "legacy", "legacy", "available", prod, map[string]any{"engine": "aurora-mysql"}),
		res("AWS::RDS::DBInstance", recARN("rds", "db:legacy-1"), "legacy-1", "legacy-1", "available", prod,
			map[string]any{"engine": "aurora-mysql", "instance_class": "db.r5.large", "cluster_id": "legacy"},
			inventory.Relation{Kind: inventory.RelMemberOf, Target: cluster}),
		res("AWS::RDS::DBInstance", recARN("rds", "db:ora"), "ora", "ora", "available", prod,
			map[string]any{"engine": "oracle-ee", "instance_class": "db.m5.large"}),
	}
}

func recFindings() []finding.Finding {
	return []finding.Finding{
		{Policy: "nat-idle", Category: finding.Idle, Type: "AWS::EC2::NatGateway", ARN: recARN("ec2", "natgateway/nat-1"), Message: "nat-1 sent 1 MB in 14 days"},
		{Policy: "rds-idle", Category: finding.Idle, Type: "AWS::RDS::DBCluster", ARN: recARN("rds", "cluster:legacy"), Message: "no connections"},
		{Policy: "rds-idle", Category: finding.Idle, Type: "AWS::RDS::DBInstance", ARN: recARN("rds", "db:ora"), Message: "no connections", MonthlyWaste: 10},
		// Not idle or waste: no recommendation.
		{Policy: "rds-public", Category: finding.Security, Type: "AWS::RDS::DBInstance", ARN: recARN("rds", "db:dev-db"), MonthlyWaste: 99},
	}
}

// recBill spreads amounts over the last 30 days: each line is one
// resource's usage type with its 30-day total, split into 30 equal days.
func recBill(t *testing.T, lines [][3]string) *MemStore {
	t.Helper()
	var rows []Rollup
	for _, l := range lines {
		per := MustMoney(l[2]).MulRat(bigRat(1, 30))
		for d := range 30 {
			rows = append(rows, Rollup{Day: dayTime(dayOf(recNow) - int32(d)), Source: "bill", Period: "2025-06",
				Account: "111111111111", Service: "svc", UsageType: l[1], Resource: l[0], Kind: KindUsage, Currency: "USD", Billed: per})
		}
	}
	// An old line outside the window must not count.
	rows = append(rows, Rollup{Day: dayTime(dayOf(recNow) - 40), Source: "bill", Period: "2025-06", Account: "111111111111",
		Service: "svc", UsageType: "NatGateway-Hours", Resource: recARN("ec2", "natgateway/nat-1"), Kind: KindUsage, Currency: "USD", Billed: MustMoney("1000")})
	for i := range rows {
		rows[i].Period = Period(rows[i].Day)
	}
	st := NewMemStore()
	for _, p := range []string{"2025-05", "2025-06"} {
		var part []Rollup
		for _, r := range rows {
			if r.Period == p {
				part = append(part, r)
			}
		}
		if err := st.ReplacePeriods(context.Background(), recNow, []Batch{{Source: "bill", Period: p, Rollups: part}}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func recCommon(st RollupStore) Common {
	return Common{Store: st, Keys: Keys{System: "system", Env: "env", Owner: "owner"}, Currency: "USD", Rate: 1,
		Resources: recEstate(), Findings: recFindings(), Now: recNow}
}

func TestRecommend(t *testing.T) {
	// The bill names three resources; the rest are priced from the table.
	st := recBill(t, [][3]string{
		{recARN("ec2", "volume/vol-big"), "APN1-EBS:VolumeUsage.gp2", "100"},
		{"i-t2", "APN1-BoxUsage:t2.micro", "9"},      // by native id
		{"i-t2", "APN1-DataTransfer-Out-Bytes", "1"}, // not running hours
		{recARN("ec2", "natgateway/nat-1"), "APN1-NatGateway-Hours", "44.64"},
		{recARN("ec2", "natgateway/nat-1"), "APN1-NatGateway-Bytes", "1.36"},
	})
	type row struct{ Kind, ID, Monthly, Basis string }
	// Hand-computed (Tokyo list prices; 730 hours a month; office hours
	// mon-fri 09:00-20:00 leave 113 of 168 hours a week off, so
	// 113/168 x 730 = 491.0119 hours a month; and the 16 weekday
	// holidays of Japan from 2025-06-30 to 2026-06-29 (see
	// TestOfficeDaysOff) add 16 x 11 hours / 12 = 14.6667, so
	// 84954/168 = 505.6786 hours a month):
	want := []row{
		// Aurora cluster idle: member db.r5.large 0.35/h x 730.
		{RecIdleDB, "legacy", "255.50", BasisPrices},
		// NAT idle: all it billed in 30 days, 44.64 + 1.36.
		{RecIdleNAT, "nat", "46.00", BasisBill},
		// api-dev: 2 tasks x (0.25 vCPU x 0.05056 + 0.5 GB x 0.00553) = 0.03081/h,
		// x 730 = 22.4913 a month, x 70% = 15.74391.
		{RecFargateSpot, "api-dev", "15.74", BasisPrices},
		// 0.03081/h x 505.6786 hours.
		{RecOfficeHours, "api-dev", "15.58", BasisPrices},
		// vol-big: gp2 1000 GB x 0.12 = 120, gp3 1000 x 0.096 + 125 MB/s x 0.048 = 102,
		// 15% less; billed 100 -> 15.
		{RecGP3, "big", "15.00", BasisBill},
		// dev-db: db.t3.micro 0.026/h x 505.6786 hours.
		{RecOfficeHours, "dev-db", "13.15", BasisPrices},
		// ora: no bill, no list price: the policy's 10.
		{RecIdleDB, "ora", "10.00", BasisPolicy},
		// devbox: 9 billed for running hours in 30 days = 9/720 per hour x 505.6786.
		{RecOfficeHours, "devbox", "6.32", BasisBill},
		// legacy m4.large 0.129/h -> m6i.large 0.124/h: 0.005 x 730.
		{RecGeneration, "legacy", "3.65", BasisPrices},
		// vol-small: 100 GB x (0.12 - 0.096).
		{RecGP3, "small", "2.40", BasisPrices},
		// devbox t2.micro 0.0152 -> t3.micro 0.0136: 9 x 0.0016/0.0152.
		{RecGeneration, "devbox", "0.95", BasisBill},
	}
	r, err := Recommend(context.Background(), recCommon(st))
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for _, it := range r.Items {
		got = append(got, row{it.Kind, it.Name, it.Monthly.Round(2), it.Basis})
		if it.Why == "" || it.Action == "" {
			t.Errorf("%s %s: no explanation or action", it.Kind, it.Name)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("recommendations (-want +got):\n%s", d)
	}
	// Each resource once, at its largest saving: 255.5 + 46 + 15.74391 +
	// 15 + 13.14764 + 10 + 6.32098 + 3.65 + 2.4 = 367.76253.
	if got := r.Total.Round(2); got != "367.76" {
		t.Errorf("total %s, want 367.76", got)
	}
	// devbox office hours exactly: 9 x (84954/168) / 720.
	for _, it := range r.Items {
		if it.Kind == RecOfficeHours && it.Name == "devbox" {
			if want := MustMoney("9").MulRat(bigRat(84954, 168*720)); it.Monthly.Cmp(want) != 0 {
				t.Errorf("devbox office hours %s, want exactly %s", it.Monthly, want)
			}
			if it.Env != "dev" || it.Owner != "alice" || !strings.Contains(it.Why, "113 of 168 hours a week and all of 16 office days off") {
				t.Errorf("devbox: %+v", it)
			}
		}
	}
	if r.Bases[BasisPolicy].Round(2) != "10.00" {
		t.Errorf("by basis %v", r.Bases)
	}
}

func bigRat(a, b int64) *big.Rat { return big.NewRat(a, b) }

func TestRecommendCurrencyAndConfig(t *testing.T) {
	st := recBill(t, [][3]string{{recARN("ec2", "natgateway/nat-1"), "APN1-NatGateway-Hours", "46"}})
	c := recCommon(st)
	c.Currency, c.Rate = "JPY", 150
	// Office hours every day 08:00-20:00 leave 12 of 24 hours off; no
	// holidays.
	c.Cost.Recommend.OfficeHours = OfficeHours{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "08:00", End: "20:00", Envs: []string{"DEV"}, Holidays: "none"}
	c.Findings = c.Findings[:1]
	r, err := Recommend(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range r.Items {
		got[it.Kind+" "+it.Name] = it.Monthly.Round(0)
	}
	want := map[string]string{
		RecIdleNAT + " nat":         "6900", // 46 x 150
		RecOfficeHours + " dev-db":  "1424", // 0.026 x 365 hours x 150 = 1423.5
		RecOfficeHours + " api-dev": "1687", // 0.03081 x 365 x 150 = 1686.8
		RecFargateSpot + " api-dev": "2362", // 0.03081 x 730 x 0.7 x 150 = 2361.6
		RecGP3 + " small":           "360",  // 2.4 x 150
		RecGP3 + " big":             "2700", // 18 x 150
		RecGeneration + " legacy":   "548",  // 3.65 x 150 = 547.5
		RecGeneration + " devbox":   "175",  // 0.0016 x 730 x 150 = 175.2
		RecOfficeHours + " devbox":  "832",  // 0.0152 x 365 x 150 = 832.2
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("in yen (-want +got):\n%s", d)
	}
	if r.Currency != "JPY" {
		t.Errorf("currency %s", r.Currency)
	}
}

func TestRecommendConfigErrors(t *testing.T) {
	tests := map[string]struct {
		set  func(*RecommendConfig)
		want string
	}{
		"bad zone":     {func(r *RecommendConfig) { r.OfficeHours.TimeZone = "Mars/Base" }, "cost.recommend.office_hours.time_zone"},
		"bad day":      {func(r *RecommendConfig) { r.OfficeHours.Days = []string{"mon", "funday"} }, `cost.recommend.office_hours.days[1]: "funday" is not a day`},
		"bad start":    {func(r *RecommendConfig) { r.OfficeHours.Start = "9am" }, `cost.recommend.office_hours.start: "9am" is not a time of day`},
		"end first":    {func(r *RecommendConfig) { r.OfficeHours.End = "08:00" }, "cost.recommend.office_hours.end: 08:00 is not after start 09:00"},
		"bad glob":     {func(r *RecommendConfig) { r.ProductionEnvs = []string{"[prod"} }, "cost.recommend.production_envs[0]"},
		"bad discount": {func(r *RecommendConfig) { r.FargateSpotDiscount = 1.5 }, "cost.recommend.fargate_spot_discount: 1.5 must be between 0 and 1"},
		"valid":        {func(r *RecommendConfig) { r.OfficeHours.End = "24:00" }, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var c Config
			c.Defaults()
			tc.set(&c.Recommend)
			err := c.Validate()
			var fe *FieldError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want == "":
			case err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.As(err, &fe):
				t.Errorf("err = %v, want a FieldError starting %q", err, tc.want)
			}
		})
	}
}

func TestRecommendNoBillNoScan(t *testing.T) {
	c := recCommon(NewMemStore())
	c.Resources, c.Findings = nil, nil
	r, err := Recommend(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 0 || len(r.Notes) != 2 || !r.Total.IsZero() {
		t.Errorf("want no items and two notes, got %+v", r)
	}
}

// A resource already on a schedule by tag gets no office-hours saving:
// steward's schedule tag, Custodian's offhours tag (even off, or a value
// that does not parse: someone decided), under the configured keys.
func TestOfficeHoursLeaveScheduledOut(t *testing.T) {
	tests := map[string]struct {
		tags      map[string]string
		schedules *schedule.Resolver
		want      bool // devbox gets an office-hours saving
	}{
		"no schedule tag":          {tags: nil, want: true},
		"custodian tag":            {tags: map[string]string{"maid_offhours": "off=(M-F,19);on=(M-F,7);tz=jst"}, want: false},
		"custodian opt-out":        {tags: map[string]string{"Maid_Offhours": "off"}, want: false},
		"custodian tag that fails": {tags: map[string]string{"maid_offhours": "off=(M-X,19)"}, want: false},
		"steward schedule tag":     {tags: map[string]string{"steward:schedule": "office-hours"}, want: false},
		"configured key":           {tags: map[string]string{"downtime": ""}, schedules: &schedule.Resolver{OffhoursKey: "downtime"}, want: false},
		"default key not configured": {tags: map[string]string{"maid_offhours": "off=(M-F,19)"},
			schedules: &schedule.Resolver{OffhoursKey: "downtime"}, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := recCommon(recBill(t, [][3]string{{"i-t2", "APN1-BoxUsage:t2.micro", "9"}}))
			c.Schedules = tc.schedules
			for i := range c.Resources {
				if c.Resources[i].Name == "devbox" {
					for k, v := range tc.tags {
						c.Resources[i].Tags.Set(k, v)
					}
				}
			}
			r, err := Recommend(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(r.Items, func(it Recommendation) bool { return it.Kind == RecOfficeHours && it.Name == "devbox" })
			if got != tc.want {
				t.Errorf("devbox office-hours saving: %v, want %v", got, tc.want)
			}
		})
	}
}
