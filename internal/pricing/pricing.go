package pricing

import (
	"math"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

// HoursPerMonth is the month the estimates use, as the AWS pricing calculator does.
const HoursPerMonth = 730

const gib = 1 << 30

// Regions lists the regions the table prices, sorted.
func Regions() []string {
	names := make([]string, 0, len(regions))
	for name := range regions {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// InstanceHourly is the Linux on-demand price of an EC2 instance type.
func InstanceHourly(region, instanceType string) (float64, bool) {
	p, ok := regions[region]
	if !ok {
		return 0, false
	}
	h, ok := p.ec2[instanceType]
	return h, ok
}

// Estimate is the monthly list-price cost of a resource in USD. ok is false
// when the table has no price for it (unknown type, region, instance class,
// volume type, or a kind of cost the table does not model); the package doc
// says what each estimate covers.
func Estimate(r *inventory.Resource) (usdPerMonth float64, ok bool) {
	p, ok := regions[r.Region]
	if !ok {
		return 0, false
	}
	a := r.Attrs
	switch r.Type {
	case "AWS::EC2::Instance":
		h, ok := instanceHourly(p, r)
		if !ok {
			return 0, false
		}
		if !running(r.State) {
			return 0, true
		}
		return h * HoursPerMonth, true
	case "AWS::EC2::Volume":
		return volumeMonthly(p, str(a, "volume_type"), num(a, "size_gb"), num(a, "iops"))
	case "AWS::EC2::Snapshot":
		gb, ok := numOK(a, "volume_size_gb")
		return gb * p.ebsSnapshot, ok
	case "AWS::EC2::EIP", "AWS::EC2::NatGateway", "AWS::ElasticLoadBalancingV2::LoadBalancer",
		"AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ECS::Service":
		h, ok := Hourly(r)
		return h * HoursPerMonth, ok
	case "AWS::RDS::DBInstance":
		return dbMonthly(p, r)
	case "AWS::RDS::DBSnapshot":
		return snapshotMonthly(a, p.rdsSnapshot)
	case "AWS::RDS::DBClusterSnapshot":
		return snapshotMonthly(a, p.auroraSnapshot)
	case "AWS::Logs::LogGroup":
		b, ok := numOK(a, "stored_bytes")
		return b / gib * p.logsStorage, ok
	case "AWS::S3::Bucket":
		b, ok := numOK(a, "size_bytes")
		return b / gib * p.s3Standard, ok
	}
	return 0, false
}

// Hourly is what one hour of the resource running costs at list price:
// what stopping it for an hour would save. It covers the resources billed by
// the hour (EC2 and RDS instances, Elastic IPs, NAT gateways, load balancers,
// Fargate services); storage has no hourly price and gets ok=false. The rate
// does not depend on the current state: a stopped instance still has the
// hourly price it would cost when started.
func Hourly(r *inventory.Resource) (float64, bool) {
	p, ok := regions[r.Region]
	if !ok {
		return 0, false
	}
	a := r.Attrs
	switch r.Type {
	case "AWS::EC2::Instance":
		return instanceHourly(p, r)
	case "AWS::EC2::EIP":
		return p.eipHour, true
	case "AWS::EC2::NatGateway":
		return p.natHour, true
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		switch str(a, "lb_type") {
		case "application":
			return p.albHour, true
		case "network":
			return p.nlbHour, true
		}
		return 0, false
	case "AWS::ElasticLoadBalancing::LoadBalancer":
		return p.clbHour, true
	case "AWS::RDS::DBInstance":
		return dbHourly(p, r)
	case "AWS::ECS::Service":
		return fargateHourly(p, a)
	}
	return 0, false
}

// GP3Savings is the monthly saving of moving a gp2 volume to gp3 with the
// same baseline performance: gp2 gives 3 IOPS per GB (at least 100, at most
// 16,000) and up to 250 MB/s above 170 GB, where gp3 includes 3,000 IOPS and
// 125 MB/s, so large volumes pay for extra gp3 IOPS and throughput to match.
// ok is false for anything but a priced gp2 volume.
func GP3Savings(r *inventory.Resource) (float64, bool) {
	p, ok := regions[r.Region]
	if !ok || r.Type != "AWS::EC2::Volume" || str(r.Attrs, "volume_type") != "gp2" {
		return 0, false
	}
	gb, ok := numOK(r.Attrs, "size_gb")
	if !ok {
		return 0, false
	}
	gp2 := gb * p.ebs["gp2"]
	gp3 := gb * p.ebs["gp3"]
	if iops := math.Min(3*gb, 16000); iops > 3000 {
		gp3 += (iops - 3000) * p.gp3IOPS
	}
	if gb > 170 {
		gp3 += (250 - 125) * p.gp3MBps
	}
	return gp2 - gp3, true
}

// PreviousGeneration reports whether an EC2 instance type or an RDS
// instance class belongs to a family AWS lists as previous generation
// (t2, m4, c4, r4 and older; db.t2, db.m4, db.r4 and older).
func PreviousGeneration(instanceType string) bool {
	successors, older, _, fam, _, ok := generationTables(instanceType)
	if !ok {
		return false
	}
	_, mapped := successors[fam]
	return mapped || older[fam]
}

// CurrentGenerationOf is the current-generation type a previous-generation
// type moves to like for like (m4.large -> m6i.large, t2.micro -> t3.micro,
// db.m4.large -> db.m5.large). ok is false, and next empty, when the type
// is not previous generation or when the table cannot price both types: the
// table is what proves the successor exists in that size, and a saving is
// always computable when ok is true.
func CurrentGenerationOf(instanceType string) (next string, ok bool) {
	successors, _, db, fam, size, found := generationTables(instanceType)
	if !found {
		return "", false
	}
	cur, mapped := successors[fam]
	if !mapped || size == "" {
		return "", false
	}
	next = cur + "." + size
	if db {
		next = "db." + next
	}
	for _, p := range regions {
		table := p.ec2
		if db {
			table = p.rds
		}
		_, o := table[instanceType]
		_, n := table[next]
		if o && n {
			return next, true
		}
	}
	return "", false
}

// generationTables splits a type into family and size and returns the
// successor and older-family tables that apply to it: RDS classes carry a
// "db." prefix.
func generationTables(instanceType string) (successors map[string]string, older map[string]bool, db bool, fam, size string, ok bool) {
	successors, older = previousToCurrent, olderFamilies
	if rest, isDB := strings.CutPrefix(instanceType, "db."); isDB {
		instanceType, db = rest, true
		successors, older = dbPreviousToCurrent, dbOlderFamilies
	}
	fam, size, ok = strings.Cut(instanceType, ".")
	return successors, older, db, fam, size, ok
}

// CurrentGenerationSavings is the monthly saving of moving an EC2
// instance or an RDS DB instance of a previous-generation type to
// CurrentGenerationOf its type: its Estimate now less the Estimate of the
// same resource with the new type, so the same rules apply as to every
// other price (platform, engine, Multi-AZ, state). A stopped instance saves
// nothing now and gets 0 with ok=true; ok is false when the type is not
// previous generation or either price is unknown. This is the one place
// the saving is computed: the generation_savings() policy helper and
// `cost recommend` both call it.
func CurrentGenerationSavings(r *inventory.Resource) (float64, bool) {
	key := "instance_type"
	switch r.Type {
	case "AWS::EC2::Instance":
	case "AWS::RDS::DBInstance":
		key = "instance_class"
	default:
		return 0, false
	}
	next, ok := CurrentGenerationOf(str(r.Attrs, key))
	if !ok {
		return 0, false
	}
	now, ok := Estimate(r)
	if !ok {
		return 0, false
	}
	c := *r
	c.Attrs.Set(key, next)
	then, ok := Estimate(&c)
	if !ok {
		return 0, false
	}
	return max(now-then, 0), true
}

func instanceHourly(p *regionPrices, r *inventory.Resource) (float64, bool) {
	if pl := str(r.Attrs, "platform"); pl != "" && pl != "linux" {
		return 0, false
	}
	h, ok := p.ec2[str(r.Attrs, "instance_type")]
	return h, ok
}

// running reports whether a state is billed for compute. An empty state is
// taken as running: a collector that could not read it should not make a
// resource look free.
func running(state string) bool {
	switch state {
	case "stopped", "stopping", "terminated", "shutting-down", "deleted", "deleting":
		return false
	}
	return true
}

func volumeMonthly(p *regionPrices, typ string, gb, iops float64) (float64, bool) {
	perGB, ok := p.ebs[typ]
	if !ok {
		return 0, false
	}
	cost := gb * perGB
	switch typ {
	case "gp3":
		if iops > 3000 {
			cost += (iops - 3000) * p.gp3IOPS
		}
	case "io1":
		cost += iops * p.ebsIOPS["io1"]
	case "io2":
		t1 := math.Min(iops, 32000)
		t2 := math.Min(math.Max(iops-32000, 0), 32000)
		t3 := math.Max(iops-64000, 0)
		cost += t1*p.ebsIOPS["io2"] + t2*p.io2IOPSTier2 + t3*p.io2IOPSTier3
	}
	return cost, true
}

// aurora reports whether an engine is Aurora (aurora, aurora-mysql,
// aurora-postgresql).
func aurora(engine string) bool { return strings.HasPrefix(engine, "aurora") }

func dbHourly(p *regionPrices, r *inventory.Resource) (float64, bool) {
	engine := str(r.Attrs, "engine")
	class := str(r.Attrs, "instance_class")
	if aurora(engine) {
		h, ok := p.aurora[class]
		return h, ok
	}
	switch engine {
	case "mysql", "mariadb", "postgres":
	default:
		return 0, false
	}
	h, ok := p.rds[class]
	if !ok {
		return 0, false
	}
	if b, _ := r.Attrs.Value("multi_az").(bool); b {
		h *= 2
	}
	return h, true
}

func dbMonthly(p *regionPrices, r *inventory.Resource) (float64, bool) {
	h, ok := dbHourly(p, r)
	if !ok {
		return 0, false
	}
	cost := 0.0
	if running(r.State) {
		cost = h * HoursPerMonth
	}
	if aurora(str(r.Attrs, "engine")) {
		return cost, true // storage is billed on the cluster
	}
	gb, ok := numOK(r.Attrs, "allocated_gb")
	if !ok {
		return 0, false
	}
	perGB, ok := p.rdsStorage[str(r.Attrs, "storage_type")]
	if !ok {
		return 0, false
	}
	storage := gb * perGB
	if b, _ := r.Attrs.Value("multi_az").(bool); b {
		storage *= 2
	}
	return cost + storage, true
}

func snapshotMonthly(a inventory.Attrs, perGB float64) (float64, bool) {
	switch str(a, "snapshot_type") {
	case "automated":
		return 0, true
	case "manual":
		gb, ok := numOK(a, "allocated_gb")
		return gb * perGB, ok
	}
	return 0, false
}

func fargateHourly(p *regionPrices, a inventory.Attrs) (float64, bool) {
	switch lt := str(a, "launch_type"); lt {
	case "FARGATE":
	case "":
		cps, _ := a.Value("capacity_providers").([]any)
		if len(cps) == 0 {
			return 0, false
		}
		for _, cp := range cps {
			if s, _ := cp.(string); s != "FARGATE" {
				return 0, false
			}
		}
	default:
		return 0, false
	}
	tasks, ok1 := numOK(a, "running_count")
	cpu, ok2 := numOK(a, "cpu")
	mem, ok3 := numOK(a, "memory_mb")
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return tasks * (cpu/1024*p.fargateVCPUHour + mem/1024*p.fargateGBHour), true
}

func str(a inventory.Attrs, k string) string {
	s, _ := a.Value(k).(string)
	return s
}

func num(a inventory.Attrs, k string) float64 {
	f, _ := a.Value(k).(float64)
	return f
}

func numOK(a inventory.Attrs, k string) (float64, bool) {
	f, ok := a.Value(k).(float64)
	return f, ok
}
