package pricing

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/inventory"
)

const tokyo, virginia = "ap-northeast-1", "us-east-1"

type result struct {
	USD float64
	OK  bool
}

var approx = cmpopts.EquateApprox(0, 1e-9)

func res(typ, region, state string, attrs map[string]any) *inventory.Resource {
	return &inventory.Resource{ARN: "arn:test", Account: "111111111111", Region: region, Type: typ, State: state, Attrs: inventory.AttrsOf(attrs)}
}

func TestEstimate(t *testing.T) {
	tests := map[string]struct {
		r    *inventory.Resource
		want result
	}{
		// EC2
		"m5.large running virginia": {res("AWS::EC2::Instance", virginia, "running", map[string]any{"instance_type": "m5.large", "platform": "linux"}), result{0.096 * 730, true}},
		"t3.micro running tokyo":    {res("AWS::EC2::Instance", tokyo, "running", map[string]any{"instance_type": "t3.micro"}), result{0.0136 * 730, true}},
		"m7g.4xlarge tokyo":         {res("AWS::EC2::Instance", tokyo, "pending", map[string]any{"instance_type": "m7g.4xlarge"}), result{0.8416 * 730, true}},
		"c4.xlarge virginia":        {res("AWS::EC2::Instance", virginia, "running", map[string]any{"instance_type": "c4.xlarge"}), result{0.199 * 730, true}},
		"stopped costs nothing":     {res("AWS::EC2::Instance", tokyo, "stopped", map[string]any{"instance_type": "m4.large"}), result{0, true}},
		"windows is not priced":     {res("AWS::EC2::Instance", tokyo, "running", map[string]any{"instance_type": "m5.large", "platform": "windows"}), result{0, false}},
		"unknown instance type":     {res("AWS::EC2::Instance", tokyo, "running", map[string]any{"instance_type": "x2iedn.32xlarge"}), result{0, false}},
		"unknown region":            {res("AWS::EC2::Instance", "eu-west-1", "running", map[string]any{"instance_type": "m5.large"}), result{0, false}},
		"missing instance type":     {res("AWS::EC2::Instance", tokyo, "running", map[string]any{}), result{0, false}},
		// EBS
		"gp2 100GB tokyo":         {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "gp2", "size_gb": 100.0, "iops": 300.0}), result{12, true}},
		"gp3 100GB virginia":      {res("AWS::EC2::Volume", virginia, "in-use", map[string]any{"volume_type": "gp3", "size_gb": 100.0, "iops": 3000.0}), result{8, true}},
		"gp3 extra iops tokyo":    {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "gp3", "size_gb": 100.0, "iops": 5000.0}), result{9.6 + 2000*0.006, true}},
		"io1 iops virginia":       {res("AWS::EC2::Volume", virginia, "in-use", map[string]any{"volume_type": "io1", "size_gb": 100.0, "iops": 1000.0}), result{12.5 + 65, true}},
		"io2 tiers virginia":      {res("AWS::EC2::Volume", virginia, "in-use", map[string]any{"volume_type": "io2", "size_gb": 10.0, "iops": 70000.0}), result{1.25 + 32000*0.065 + 32000*0.0455 + 6000*0.032, true}},
		"st1 tokyo":               {res("AWS::EC2::Volume", tokyo, "available", map[string]any{"volume_type": "st1", "size_gb": 500.0}), result{27, true}},
		"sc1 virginia":            {res("AWS::EC2::Volume", virginia, "available", map[string]any{"volume_type": "sc1", "size_gb": 1000.0}), result{15, true}},
		"standard magnetic":       {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "standard", "size_gb": 10.0}), result{0.8, true}},
		"unknown volume type":     {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "gp9", "size_gb": 10.0}), result{0, false}},
		"ebs snapshot":            {res("AWS::EC2::Snapshot", tokyo, "completed", map[string]any{"volume_size_gb": 200.0, "manual": true}), result{10, true}},
		"ebs snapshot no size":    {res("AWS::EC2::Snapshot", tokyo, "completed", map[string]any{}), result{0, false}},
		"eip unassociated":        {res("AWS::EC2::EIP", tokyo, "", map[string]any{"association_id": ""}), result{3.65, true}},
		"eip associated":          {res("AWS::EC2::EIP", virginia, "", map[string]any{"association_id": "eipassoc-1"}), result{3.65, true}},
		"nat tokyo":               {res("AWS::EC2::NatGateway", tokyo, "available", map[string]any{}), result{0.062 * 730, true}},
		"nat virginia":            {res("AWS::EC2::NatGateway", virginia, "available", map[string]any{}), result{0.045 * 730, true}},
		"alb tokyo":               {res("AWS::ElasticLoadBalancingV2::LoadBalancer", tokyo, "active", map[string]any{"lb_type": "application"}), result{0.0243 * 730, true}},
		"nlb virginia":            {res("AWS::ElasticLoadBalancingV2::LoadBalancer", virginia, "active", map[string]any{"lb_type": "network"}), result{0.0225 * 730, true}},
		"gateway lb not priced":   {res("AWS::ElasticLoadBalancingV2::LoadBalancer", virginia, "active", map[string]any{"lb_type": "gateway"}), result{0, false}},
		"classic elb tokyo":       {res("AWS::ElasticLoadBalancing::LoadBalancer", tokyo, "", map[string]any{}), result{0.027 * 730, true}},
		"logs 2 TiB no retention": {res("AWS::Logs::LogGroup", tokyo, "", map[string]any{"retention_days": 0.0, "stored_bytes": 2048.0 * gib}), result{2048 * 0.033, true}},
		"logs no bytes":           {res("AWS::Logs::LogGroup", tokyo, "", map[string]any{"retention_days": 0.0}), result{0, false}},
		"s3 100 GiB virginia":     {res("AWS::S3::Bucket", virginia, "", map[string]any{"size_bytes": 100.0 * gib}), result{2.3, true}},
		// RDS
		"mysql t3.medium tokyo": {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{
			"engine": "mysql", "instance_class": "db.t3.medium", "storage_type": "gp2", "allocated_gb": 100.0, "multi_az": false,
		}), result{0.104*730 + 13.8, true}},
		"postgres m5.large multi-az virginia": {res("AWS::RDS::DBInstance", virginia, "available", map[string]any{
			"engine": "postgres", "instance_class": "db.m5.large", "storage_type": "gp3", "allocated_gb": 200.0, "multi_az": true,
		}), result{2*0.171*730 + 2*200*0.115, true}},
		"stopped db pays storage": {res("AWS::RDS::DBInstance", tokyo, "stopped", map[string]any{
			"engine": "postgres", "instance_class": "db.t4g.small", "storage_type": "gp2", "allocated_gb": 50.0, "multi_az": false,
		}), result{50 * 0.138, true}},
		"aurora instance compute only": {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{
			"engine": "aurora-mysql", "instance_class": "db.r6g.large", "storage_type": "aurora", "allocated_gb": 1.0, "multi_az": false,
		}), result{0.313 * 730, true}},
		"oracle not priced": {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{
			"engine": "oracle-se2", "instance_class": "db.m5.large", "storage_type": "gp2", "allocated_gb": 100.0,
		}), result{0, false}},
		"unknown db class": {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{
			"engine": "mysql", "instance_class": "db.x2g.large", "storage_type": "gp2", "allocated_gb": 100.0,
		}), result{0, false}},
		"aurora cluster not priced": {res("AWS::RDS::DBCluster", tokyo, "available", map[string]any{"engine": "aurora-mysql"}), result{0, false}},
		"rds manual snapshot":       {res("AWS::RDS::DBSnapshot", tokyo, "available", map[string]any{"snapshot_type": "manual", "allocated_gb": 100.0}), result{9.5, true}},
		"rds automated snapshot":    {res("AWS::RDS::DBSnapshot", tokyo, "available", map[string]any{"snapshot_type": "automated", "allocated_gb": 100.0}), result{0, true}},
		"aurora manual snapshot":    {res("AWS::RDS::DBClusterSnapshot", virginia, "available", map[string]any{"snapshot_type": "manual", "allocated_gb": 1000.0}), result{21, true}},
		// ECS
		"fargate service tokyo": {res("AWS::ECS::Service", tokyo, "active", map[string]any{
			"launch_type": "FARGATE", "running_count": 2.0, "cpu": 512.0, "memory_mb": 1024.0,
		}), result{2 * (0.5*0.05056 + 1*0.00553) * 730, true}},
		"fargate via capacity provider": {res("AWS::ECS::Service", virginia, "active", map[string]any{
			"launch_type": "", "capacity_providers": []any{"FARGATE"}, "running_count": 1.0, "cpu": 1024.0, "memory_mb": 2048.0,
		}), result{(0.04048 + 2*0.004445) * 730, true}},
		"fargate spot not priced": {res("AWS::ECS::Service", virginia, "active", map[string]any{
			"launch_type": "", "capacity_providers": []any{"FARGATE_SPOT"}, "running_count": 1.0, "cpu": 1024.0, "memory_mb": 2048.0,
		}), result{0, false}},
		"ec2 launch type not priced": {res("AWS::ECS::Service", virginia, "active", map[string]any{
			"launch_type": "EC2", "running_count": 1.0, "cpu": 1024.0, "memory_mb": 2048.0,
		}), result{0, false}},
		// Types without a price.
		"iam user":  {res("AWS::IAM::User", "global", "", nil), result{0, false}},
		"vpc":       {res("AWS::EC2::VPC", tokyo, "available", nil), result{0, false}},
		"nil attrs": {res("AWS::EC2::Volume", tokyo, "available", nil), result{0, false}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got result
			got.USD, got.OK = Estimate(tc.r)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("Estimate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHourly(t *testing.T) {
	tests := map[string]struct {
		r    *inventory.Resource
		want result
	}{
		"stopped instance keeps its rate": {res("AWS::EC2::Instance", tokyo, "stopped", map[string]any{"instance_type": "m6i.large"}), result{0.124, true}},
		"multi-az db doubles":             {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{"engine": "mysql", "instance_class": "db.r5.large", "multi_az": true}), result{0.6, true}},
		"eip":                             {res("AWS::EC2::EIP", virginia, "", nil), result{0.005, true}},
		"volume has no hourly price":      {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "gp3", "size_gb": 8.0}), result{0, false}},
		"unknown region":                  {res("AWS::EC2::EIP", "mars-1", "", nil), result{0, false}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got result
			got.USD, got.OK = Hourly(tc.r)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("Hourly (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGP3Savings(t *testing.T) {
	vol := func(region, typ string, gb float64) *inventory.Resource {
		return res("AWS::EC2::Volume", region, "in-use", map[string]any{"volume_type": typ, "size_gb": gb})
	}
	tests := map[string]struct {
		r    *inventory.Resource
		want result
	}{
		"small gp2 tokyo":    {vol(tokyo, "gp2", 100), result{100 * (0.12 - 0.096), true}},
		"small gp2 virginia": {vol(virginia, "gp2", 8), result{8 * (0.10 - 0.08), true}},
		// 500 GB: gp2 baseline 1,500 IOPS fits in gp3's free 3,000, but
		// gp2's 250 MB/s needs 125 MB/s of paid gp3 throughput.
		"500GB pays throughput": {vol(virginia, "gp2", 500), result{500*0.02 - 125*0.04, true}},
		// 2,000 GB: 6,000 IOPS to match, 3,000 of them paid.
		"2000GB pays iops and throughput": {vol(tokyo, "gp2", 2000), result{2000*0.024 - 3000*0.006 - 125*0.048, true}},
		"gp3 already":                     {vol(tokyo, "gp3", 100), result{0, false}},
		"unknown region":                  {vol("eu-west-1", "gp2", 100), result{0, false}},
		"not a volume":                    {res("AWS::EC2::Instance", tokyo, "running", map[string]any{"volume_type": "gp2", "size_gb": 100.0}), result{0, false}},
		"no size":                         {res("AWS::EC2::Volume", tokyo, "in-use", map[string]any{"volume_type": "gp2"}), result{0, false}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got result
			got.USD, got.OK = GP3Savings(tc.r)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("GP3Savings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenerations(t *testing.T) {
	type gen struct {
		Previous bool
		Next     string
		OK       bool
	}
	tests := map[string]gen{
		"m4.large":    {true, "m6i.large", true},
		"m4.4xlarge":  {true, "m6i.4xlarge", true},
		"t2.micro":    {true, "t3.micro", true},
		"t2.2xlarge":  {true, "t3.2xlarge", true},
		"c4.xlarge":   {true, "c6i.xlarge", true},
		"r4.2xlarge":  {true, "r6i.2xlarge", true},
		"m4.10xlarge": {true, "", false}, // no m6i.10xlarge, and not priced
		"m3.medium":   {true, "", false}, // previous, but not priced
		"m5.large":    {false, "", false},
		"t3.micro":    {false, "", false},
		"m6g.large":   {false, "", false},
		"":            {false, "", false},
		"m4":          {false, "", false},
		"db.m4.large": {true, "", false}, // an RDS class: previous generation, not priced
	}
	for typ, want := range tests {
		t.Run(typ, func(t *testing.T) {
			var got gen
			got.Previous = PreviousGeneration(typ)
			got.Next, got.OK = CurrentGenerationOf(typ)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCurrentGenerationSavings(t *testing.T) {
	inst := func(region, state, typ string) *inventory.Resource {
		return res("AWS::EC2::Instance", region, state, map[string]any{"instance_type": typ})
	}
	tests := map[string]struct {
		r    *inventory.Resource
		want result
	}{
		"m4.large tokyo":                      {inst(tokyo, "running", "m4.large"), result{(0.129 - 0.124) * 730, true}},
		"c4.xlarge virginia":                  {inst(virginia, "running", "c4.xlarge"), result{(0.199 - 0.17) * 730, true}},
		"t2.medium tokyo":                     {inst(tokyo, "running", "t2.medium"), result{(0.0608 - 0.0544) * 730, true}},
		"stopped saves nothing":               {inst(tokyo, "stopped", "r4.large"), result{0, true}},
		"current generation":                  {inst(tokyo, "running", "m6i.large"), result{0, false}},
		"unknown region":                      {inst("eu-west-1", "running", "m4.large"), result{0, false}},
		"windows is not in the table":         {res("AWS::EC2::Instance", tokyo, "running", map[string]any{"instance_type": "m4.large", "platform": "windows"}), result{0, false}},
		"db class without a priced successor": {res("AWS::RDS::DBInstance", tokyo, "available", map[string]any{"instance_class": "db.m4.large", "engine": "mysql"}), result{0, false}},
		"not an instance":                     {res("AWS::EC2::Volume", tokyo, "", map[string]any{"instance_type": "m4.large"}), result{0, false}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got result
			got.USD, got.OK = CurrentGenerationSavings(tc.r)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("CurrentGenerationSavings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTableIsComplete holds the promises the doc makes about the table:
// both regions price the same types, every previous-generation type has a
// priced successor that is cheaper, and prices are positive.
func TestTableIsComplete(t *testing.T) {
	if diff := cmp.Diff([]string{tokyo, virginia}, Regions()); diff != "" {
		t.Errorf("Regions (-want +got):\n%s", diff)
	}
	keys := func(m map[string]float64) []string {
		var ks []string
		for k, v := range m {
			if v <= 0 {
				t.Errorf("price of %s is %v", k, v)
			}
			ks = append(ks, k)
		}
		return ks
	}
	sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	for _, tc := range []struct {
		name string
		a, b map[string]float64
	}{
		{"ec2", usEast1.ec2, apNortheast1.ec2},
		{"ebs", usEast1.ebs, apNortheast1.ebs},
		{"rds", usEast1.rds, apNortheast1.rds},
		{"aurora", usEast1.aurora, apNortheast1.aurora},
		{"rds storage", usEast1.rdsStorage, apNortheast1.rdsStorage},
	} {
		if diff := cmp.Diff(keys(tc.a), keys(tc.b), sorted); diff != "" {
			t.Errorf("%s: regions price different keys (-us-east-1 +ap-northeast-1):\n%s", tc.name, diff)
		}
	}
	for _, region := range Regions() {
		for typ, old := range regions[region].ec2 {
			if !PreviousGeneration(typ) {
				continue
			}
			next, ok := CurrentGenerationOf(typ)
			if !ok {
				t.Errorf("%s: no current generation for %s", region, typ)
				continue
			}
			nw, ok := InstanceHourly(region, next)
			if !ok || nw >= old {
				t.Errorf("%s: %s costs %v, its successor %s costs %v (priced %v)", region, typ, old, next, nw, ok)
			}
		}
	}
}

func FuzzCurrentGenerationOf(f *testing.F) {
	for _, s := range []string{"m4.large", "t2.micro", "c4.8xlarge", "m5.large", "", ".", "m4.", ".large", "db.m4.large", "m4.large.x", "db.t2.micro", "db.m1.small", "db."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typ string) {
		next, ok := CurrentGenerationOf(typ)
		if !ok {
			if next != "" {
				t.Fatalf("CurrentGenerationOf(%q) = %q, false: want empty", typ, next)
			}
			return
		}
		if !PreviousGeneration(typ) {
			t.Fatalf("CurrentGenerationOf(%q) = %q but %q is not previous generation", typ, next, typ)
		}
		if PreviousGeneration(next) {
			t.Fatalf("CurrentGenerationOf(%q) = %q, itself previous generation", typ, next)
		}
		_, size, _ := strings.Cut(strings.TrimPrefix(typ, "db."), ".")
		if strings.HasPrefix(typ, "db.") != strings.HasPrefix(next, "db.") {
			t.Fatalf("CurrentGenerationOf(%q) = %q crosses between EC2 types and RDS classes", typ, next)
		}
		if !strings.HasSuffix(next, "."+size) {
			t.Fatalf("CurrentGenerationOf(%q) = %q changes the size", typ, next)
		}
	})
}

func TestRDSGenerations(t *testing.T) {
	tests := map[string]struct {
		class    string
		previous bool
		next     string
	}{
		"burstable": {"db.t2.medium", true, ""},
		// The table does not price db.m4 or db.r4, so no size is promised.
		"general":        {"db.m4.xlarge", true, ""},
		"memory":         {"db.r4.large", true, ""},
		"older, no move": {"db.m1.small", true, ""},
		"current":        {"db.t3.medium", false, ""},
		"ec2 type alone": {"t2.medium", true, "t3.medium"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := PreviousGeneration(tc.class); got != tc.previous {
				t.Errorf("PreviousGeneration(%q) = %v, want %v", tc.class, got, tc.previous)
			}
			if got, _ := CurrentGenerationOf(tc.class); got != tc.next {
				t.Errorf("CurrentGenerationOf(%q) = %q, want %q", tc.class, got, tc.next)
			}
		})
	}
}
