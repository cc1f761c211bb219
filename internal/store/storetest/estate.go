package storetest

import (
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// Estate makes n resources spread over two accounts and three regions, with
// tags, attrs and relations of realistic size, and one finding per ten
// resources. Generation changes the content of one resource in a hundred
// (as a later scan of the same estate would see), so benchmarks and crash
// tests can save "the next scan" of an estate.
func Estate(n, generation int) ([]inventory.Resource, []finding.Finding) {
	accounts := []string{"111111111111", "222222222222"}
	regions := []string{"ap-northeast-1", "us-east-1", "eu-west-1"}
	created := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	rs := make([]inventory.Resource, n)
	var fs []finding.Finding
	for i := range rs {
		acct, region := accounts[i%len(accounts)], regions[i%len(regions)]
		id := fmt.Sprintf("i-%017x", i)
		state := "running"
		if i%100 == 0 && generation%2 == 1 {
			state = "stopped"
		}
		rs[i] = inventory.Resource{
			ARN:     fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", region, acct, id),
			Account: acct,
			Region:  region,
			Type:    "AWS::EC2::Instance",
			ID:      id,
			Name:    fmt.Sprintf("web-%d", i),
			Tags:    inventory.TagsOf(map[string]string{"Name": fmt.Sprintf("web-%d", i), "env": []string{"dev", "stg", "prod"}[i%3], "system": "shop"}),
			Created: created.Add(time.Duration(i) * time.Minute),
			State:   state,
			Attrs: inventory.AttrsOf(map[string]any{
				"instance_type": "t3.micro",
				"launch_time":   created.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
				"public_ip":     "",
				"vpc_id":        "vpc-0123456789abcdef0",
				"subnet_id":     fmt.Sprintf("subnet-%08x", i%16),
				"platform":      "linux",
			}),
			Relations: []inventory.Relation{
				{Kind: inventory.RelInSubnet, Target: fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/subnet-%08x", region, acct, i%16)},
				{Kind: inventory.RelUsesSG, Target: fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/sg-%08x", region, acct, i%8)},
			},
			Origin:      &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "terraform", Ref: fmt.Sprintf("aws_instance.web[%d]", i), Source: "s3://tfstate/shop.tfstate"}},
			MonthlyCost: 7.59,
		}
		if i%10 == 0 {
			fs = append(fs, finding.Finding{
				Policy: "ec2-missing-owner", Title: "Instance has no owner tag", Category: finding.Tagging, Severity: finding.Medium,
				ARN: rs[i].ARN, Type: rs[i].Type, Account: acct, Region: region, Name: rs[i].Name,
				System: "shop", Env: rs[i].Tags.Value("env"), Currency: "USD",
				Message: "no owner tag", Remediation: "add an owner tag", Actions: []string{"tag"},
			})
		}
	}
	return rs, fs
}
