package pricing

// regionPrices is the list price sheet of one region. See the package doc for
// the source and date of every number.
type regionPrices struct {
	ec2 map[string]float64 // instance type -> USD per hour, Linux on-demand

	ebs          map[string]float64 // volume type -> USD per GB-month
	ebsIOPS      map[string]float64 // io1 and io2 (first tier) -> USD per provisioned IOPS-month
	io2IOPSTier2 float64            // io2 IOPS 32,001-64,000
	io2IOPSTier3 float64            // io2 IOPS above 64,000
	gp3IOPS      float64            // gp3 IOPS above the free 3,000, per IOPS-month
	gp3MBps      float64            // gp3 throughput above the free 125 MB/s, per MB/s-month
	ebsSnapshot  float64            // standard tier, per GB-month

	eipHour float64
	natHour float64
	albHour float64
	nlbHour float64
	clbHour float64

	rds            map[string]float64 // DB instance class -> USD per hour, MySQL single-AZ
	aurora         map[string]float64 // DB instance class -> USD per hour, Aurora standard
	rdsStorage     map[string]float64 // storage type -> USD per GB-month, single-AZ
	rdsSnapshot    float64            // backup storage beyond the free allowance, per GB-month
	auroraSnapshot float64

	logsStorage float64 // CloudWatch Logs archived storage, per GB-month
	s3Standard  float64 // S3 Standard, first 50 TB, per GB-month

	fargateVCPUHour float64 // Linux x86
	fargateGBHour   float64
}

// sizes lists instance sizes in the order of the price lists below.
var (
	burstableSizes = []string{"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"}
	standardSizes  = []string{"large", "xlarge", "2xlarge", "4xlarge"}
	gravitonSizes  = []string{"medium", "large", "xlarge", "2xlarge", "4xlarge"}
	dbBurstSizes   = []string{"micro", "small", "medium", "large", "xlarge", "2xlarge"}
)

// family adds one price per size to m: family("t3", burstableSizes, ...).
func family(m map[string]float64, fam string, sizes []string, prices ...float64) {
	if len(sizes) != len(prices) {
		panic("pricing: " + fam + ": sizes and prices differ in length")
	}
	for i, s := range sizes {
		m[fam+"."+s] = prices[i]
	}
}

func ec2Table(add func(m map[string]float64)) map[string]float64 {
	m := make(map[string]float64, 128)
	add(m)
	return m
}

var usEast1 = &regionPrices{
	ec2: ec2Table(func(m map[string]float64) {
		family(m, "t2", burstableSizes, 0.0058, 0.0116, 0.023, 0.0464, 0.0928, 0.1856, 0.3712)
		family(m, "t3", burstableSizes, 0.0052, 0.0104, 0.0208, 0.0416, 0.0832, 0.1664, 0.3328)
		family(m, "t3a", burstableSizes, 0.0047, 0.0094, 0.0188, 0.0376, 0.0752, 0.1504, 0.3008)
		family(m, "t4g", burstableSizes, 0.0042, 0.0084, 0.0168, 0.0336, 0.0672, 0.1344, 0.2688)
		family(m, "m4", standardSizes, 0.10, 0.20, 0.40, 0.80)
		family(m, "m5", standardSizes, 0.096, 0.192, 0.384, 0.768)
		family(m, "m6i", standardSizes, 0.096, 0.192, 0.384, 0.768)
		family(m, "m6g", gravitonSizes, 0.0385, 0.077, 0.154, 0.308, 0.616)
		family(m, "m7g", gravitonSizes, 0.0408, 0.0816, 0.1632, 0.3264, 0.6528)
		family(m, "c4", standardSizes, 0.10, 0.199, 0.398, 0.796)
		family(m, "c5", standardSizes, 0.085, 0.17, 0.34, 0.68)
		family(m, "c6i", standardSizes, 0.085, 0.17, 0.34, 0.68)
		family(m, "c6g", gravitonSizes, 0.034, 0.068, 0.136, 0.272, 0.544)
		family(m, "r4", standardSizes, 0.133, 0.266, 0.532, 1.064)
		family(m, "r5", standardSizes, 0.126, 0.252, 0.504, 1.008)
		family(m, "r6i", standardSizes, 0.126, 0.252, 0.504, 1.008)
		family(m, "r6g", standardSizes, 0.1008, 0.2016, 0.4032, 0.8064)
	}),
	ebs: map[string]float64{
		"gp2": 0.10, "gp3": 0.08, "io1": 0.125, "io2": 0.125,
		"st1": 0.045, "sc1": 0.015, "standard": 0.05,
	},
	ebsIOPS:      map[string]float64{"io1": 0.065, "io2": 0.065},
	io2IOPSTier2: 0.0455,
	io2IOPSTier3: 0.032,
	gp3IOPS:      0.005,
	gp3MBps:      0.04,
	ebsSnapshot:  0.05,

	eipHour: 0.005,
	natHour: 0.045,
	albHour: 0.0225,
	nlbHour: 0.0225,
	clbHour: 0.025,

	rds: ec2Table(func(m map[string]float64) {
		family(m, "db.t3", dbBurstSizes, 0.017, 0.034, 0.068, 0.136, 0.272, 0.544)
		family(m, "db.t4g", dbBurstSizes, 0.016, 0.032, 0.065, 0.129, 0.258, 0.517)
		family(m, "db.m5", standardSizes, 0.171, 0.342, 0.684, 1.368)
		family(m, "db.m6g", standardSizes, 0.152, 0.304, 0.608, 1.216)
		family(m, "db.r5", standardSizes, 0.24, 0.48, 0.96, 1.92)
		family(m, "db.r6g", standardSizes, 0.215, 0.43, 0.86, 1.72)
	}),
	aurora: ec2Table(func(m map[string]float64) {
		family(m, "db.t3", []string{"small", "medium"}, 0.041, 0.082)
		family(m, "db.t4g", []string{"medium", "large"}, 0.073, 0.146)
		family(m, "db.r5", standardSizes, 0.29, 0.58, 1.16, 2.32)
		family(m, "db.r6g", standardSizes, 0.26, 0.519, 1.038, 2.076)
	}),
	rdsStorage:     map[string]float64{"gp2": 0.115, "gp3": 0.115, "io1": 0.125, "standard": 0.10},
	rdsSnapshot:    0.095,
	auroraSnapshot: 0.021,

	logsStorage: 0.03,
	s3Standard:  0.023,

	fargateVCPUHour: 0.04048,
	fargateGBHour:   0.004445,
}

var apNortheast1 = &regionPrices{
	ec2: ec2Table(func(m map[string]float64) {
		family(m, "t2", burstableSizes, 0.0076, 0.0152, 0.0304, 0.0608, 0.1216, 0.2432, 0.4864)
		family(m, "t3", burstableSizes, 0.0068, 0.0136, 0.0272, 0.0544, 0.1088, 0.2176, 0.4352)
		family(m, "t3a", burstableSizes, 0.0061, 0.0122, 0.0245, 0.049, 0.0979, 0.1958, 0.3917)
		family(m, "t4g", burstableSizes, 0.0054, 0.0108, 0.0216, 0.0432, 0.0864, 0.1728, 0.3456)
		family(m, "m4", standardSizes, 0.129, 0.258, 0.516, 1.032)
		family(m, "m5", standardSizes, 0.124, 0.248, 0.496, 0.992)
		family(m, "m6i", standardSizes, 0.124, 0.248, 0.496, 0.992)
		family(m, "m6g", gravitonSizes, 0.0495, 0.099, 0.198, 0.396, 0.792)
		family(m, "m7g", gravitonSizes, 0.0526, 0.1052, 0.2104, 0.4208, 0.8416)
		family(m, "c4", standardSizes, 0.126, 0.252, 0.504, 1.008)
		family(m, "c5", standardSizes, 0.107, 0.214, 0.428, 0.856)
		family(m, "c6i", standardSizes, 0.107, 0.214, 0.428, 0.856)
		family(m, "c6g", gravitonSizes, 0.0428, 0.0856, 0.1712, 0.3424, 0.6848)
		family(m, "r4", standardSizes, 0.16, 0.32, 0.64, 1.28)
		family(m, "r5", standardSizes, 0.152, 0.304, 0.608, 1.216)
		family(m, "r6i", standardSizes, 0.152, 0.304, 0.608, 1.216)
		family(m, "r6g", standardSizes, 0.1216, 0.2432, 0.4864, 0.9728)
	}),
	ebs: map[string]float64{
		"gp2": 0.12, "gp3": 0.096, "io1": 0.142, "io2": 0.142,
		"st1": 0.054, "sc1": 0.018, "standard": 0.08,
	},
	ebsIOPS:      map[string]float64{"io1": 0.074, "io2": 0.074},
	io2IOPSTier2: 0.0518,
	io2IOPSTier3: 0.0363,
	gp3IOPS:      0.006,
	gp3MBps:      0.048,
	ebsSnapshot:  0.05,

	eipHour: 0.005,
	natHour: 0.062,
	albHour: 0.0243,
	nlbHour: 0.0243,
	clbHour: 0.027,

	rds: ec2Table(func(m map[string]float64) {
		family(m, "db.t3", dbBurstSizes, 0.026, 0.052, 0.104, 0.208, 0.416, 0.832)
		family(m, "db.t4g", dbBurstSizes, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8)
		family(m, "db.m5", standardSizes, 0.235, 0.47, 0.94, 1.88)
		family(m, "db.m6g", standardSizes, 0.209, 0.418, 0.836, 1.672)
		family(m, "db.r5", standardSizes, 0.3, 0.6, 1.2, 2.4)
		family(m, "db.r6g", standardSizes, 0.27, 0.54, 1.08, 2.16)
	}),
	aurora: ec2Table(func(m map[string]float64) {
		family(m, "db.t3", []string{"small", "medium"}, 0.063, 0.125)
		family(m, "db.t4g", []string{"medium", "large"}, 0.113, 0.226)
		family(m, "db.r5", standardSizes, 0.35, 0.70, 1.40, 2.80)
		family(m, "db.r6g", standardSizes, 0.313, 0.626, 1.252, 2.504)
	}),
	rdsStorage:     map[string]float64{"gp2": 0.138, "gp3": 0.138, "io1": 0.15, "standard": 0.12},
	rdsSnapshot:    0.095,
	auroraSnapshot: 0.023,

	logsStorage: 0.033,
	s3Standard:  0.025,

	fargateVCPUHour: 0.05056,
	fargateGBHour:   0.00553,
}

var regions = map[string]*regionPrices{
	"us-east-1":      usEast1,
	"ap-northeast-1": apNortheast1,
}

// previousToCurrent maps a previous-generation family to the current family
// a like-for-like move goes to: same architecture (x86), same vCPU and
// memory per size, so neither an ARM rebuild nor a resize is implied.
var previousToCurrent = map[string]string{
	"t2": "t3",
	"m4": "m6i",
	"c4": "c6i",
	"r4": "r6i",
}

// dbPreviousToCurrent maps a previous-generation RDS class family to the
// current one it moves to like for like (same vCPU and memory, x86).
var dbPreviousToCurrent = map[string]string{
	"t2": "t3",
	"m4": "m5",
	"r4": "r5",
	"m3": "m5",
	"r3": "r5",
}

// dbOlderFamilies are previous-generation RDS families with no like-for-like
// successor.
var dbOlderFamilies = map[string]bool{"t1": true, "m1": true, "m2": true}

// olderFamilies are previous-generation families steward recognises but
// does not price, so no saving is computed for them.
var olderFamilies = map[string]bool{
	"t1": true, "m1": true, "m2": true, "m3": true, "c1": true, "c3": true,
	"r3": true, "i2": true, "d2": true, "g2": true, "cr1": true, "hs1": true,
}
