package cost

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// DemoRiseSystem is the system whose spend rises in the demo bill, and
// DemoRiseDays how many days before now the rise starts.
const (
	DemoRiseSystem = "search"
	DemoRiseDays   = 10
)

var demoHeader = []string{
	"BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
	"ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodStart", "ChargePeriodEnd",
	"ServiceName", "ServiceCategory", "SubAccountId", "ResourceId", "ResourceName", "ResourceType", "RegionId",
	"BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "CommitmentDiscountId", "x_UsageType", "Tags",
	"InvoiceId", "PricingCurrency", "ServiceProviderName", "InvoiceIssuerName", "ProviderName", "PublisherName",
}

// demoService names the bill's service and usage type for a resource.
func demoService(r *inventory.Resource) (service, category, usage string) {
	a := r.Attrs
	s := func(k string) string { v, _ := a.Value(k).(string); return v }
	switch r.Type {
	case "AWS::EC2::Instance":
		return "Amazon Elastic Compute Cloud", "Compute", "APN1-BoxUsage:" + s("instance_type")
	case "AWS::EC2::Volume":
		return "Amazon Elastic Compute Cloud", "Storage", "APN1-EBS:VolumeUsage." + s("volume_type")
	case "AWS::EC2::Snapshot":
		return "Amazon Elastic Compute Cloud", "Storage", "APN1-EBS:SnapshotUsage"
	case "AWS::EC2::NatGateway":
		return "Amazon Elastic Compute Cloud", "Networking", "APN1-NatGateway-Hours"
	case "AWS::EC2::EIP":
		return "Amazon Virtual Private Cloud", "Networking", "APN1-PublicIPv4:InUseAddress"
	case "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer":
		return "Elastic Load Balancing", "Networking", "APN1-LoadBalancerUsage"
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot":
		return "Amazon Relational Database Service", "Databases", "APN1-InstanceUsage:" + s("instance_class")
	case "AWS::S3::Bucket":
		return "Amazon Simple Storage Service", "Storage", "APN1-TimedStorage-ByteHrs"
	case "AWS::Logs::LogGroup":
		return "AmazonCloudWatch", "Management and Governance", "APN1-TimedStorage-ByteHrs"
	case "AWS::ECS::Service":
		return "Amazon Elastic Container Service", "Compute", "APN1-Fargate-vCPU-Hours:perCPU"
	}
	return "AWS " + strings.ToUpper(inventory.ServiceOf(r.Type)), "Other", r.Type
}

// GenerateDemoBill writes a FOCUS 1.2 CSV of the 90 days before now for
// the resources that have a monthly cost estimate: one daily usage line
// each (a little lower at weekends outside prod, with a small
// deterministic wobble), tags as the resources carry them (untagged ones
// stay untagged), a tax line and a credit per month, and a rise in
// DemoRiseSystem's prod spend over the last DemoRiseDays days so anomaly
// detection has something real to find. Same inputs, same bytes.
func GenerateDemoBill(now time.Time, resources []inventory.Resource, w io.Writer) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(demoHeader); err != nil {
		return fmt.Errorf("demo bill: %w", err)
	}
	var priced []*inventory.Resource
	accounts := map[string]bool{}
	for i := range resources {
		if resources[i].MonthlyCost > 0 {
			priced = append(priced, &resources[i])
			accounts[resources[i].Account] = true
		}
	}
	if len(priced) == 0 {
		return fmt.Errorf("demo bill: no resource has a monthly cost estimate")
	}
	slices.SortFunc(priced, func(a, b *inventory.Resource) int { return strings.Compare(a.ARN, b.ARN) })
	payers := make([]string, 0, len(accounts))
	for a := range accounts {
		payers = append(payers, a)
	}
	slices.Sort(payers)
	payer := payers[0]
	today := dayOf(now)
	first := today - 90
	row := func(day int32, category, desc, service, svcCat, account, resID, name, typ, region, cost, usage, tags string) error {
		d := dayTime(day)
		ps := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		return cw.Write([]string{
			payer, "hanamaru", "USD", ps.Format(time.DateTime), ps.AddDate(0, 1, 0).Format(time.DateTime),
			category, "", desc, map[bool]string{true: "Usage-Based", false: "One-Time"}[category == "Usage"],
			d.Format(time.DateTime), d.AddDate(0, 0, 1).Format(time.DateTime),
			service, svcCat, account, resID, name, typ, region,
			cost, cost, cost, cost, "", usage, tags,
			"INV-" + ps.Format("200601"), "USD", "AWS", "Amazon Web Services, Inc.", "AWS", "Amazon Web Services, Inc.",
		})
	}
	for day := first; day < today; day++ {
		d := dayTime(day)
		if d.Day() == 1 {
			if err := row(day, "Tax", "Consumption tax", "Tax", "Other", payer, "", "", "", "", "42.5", "", ""); err != nil {
				return fmt.Errorf("demo bill: %w", err)
			}
			if err := row(day, "Credit", "AWS Activate credit", "Amazon Elastic Compute Cloud", "Compute", payer, "", "", "", "", "-25", "", ""); err != nil {
				return fmt.Errorf("demo bill: %w", err)
			}
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		for _, r := range priced {
			env, _ := r.Tag("env")
			sys, _ := r.Tag("system")
			// Thousandths of a dollar per day: exact, and close to the estimate.
			milli := int64(r.MonthlyCost * 12 / 365 * 1000)
			if weekend && env != "prod" {
				milli = milli * 85 / 100
			}
			h := fnv.New32a()
			fmt.Fprintf(h, "%s|%d", r.ARN, day)
			milli = milli * int64(95+h.Sum32()%11) / 100
			service, svcCat, usage := demoService(r)
			if sys == DemoRiseSystem && env == "prod" && day >= today-DemoRiseDays && r.Type == "AWS::EC2::Instance" {
				milli *= 3
			}
			if milli <= 0 {
				continue
			}
			cost := fmt.Sprintf("%d.%03d", milli/1000, milli%1000)
			tags := ""
			if r.Tags.Len() > 0 {
				b, _ := json.Marshal(r.Tags)
				tags = string(b)
			}
			region := r.Region
			if region == "global" {
				region = ""
			}
			if err := row(day, "Usage", usage, service, svcCat, r.Account, r.ARN, r.Name, r.Type, region, cost, usage, tags); err != nil {
				return fmt.Errorf("demo bill: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("demo bill: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("demo bill: %w", err)
	}
	return nil
}
