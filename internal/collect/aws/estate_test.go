package aws

import (
	"fmt"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// testEstate is a small multi-account, multi-region estate written the way
// collectors must produce it, served by the fake and expected back intact.
func testEstate(now time.Time, accounts, regions []string, perRegion int) []inventory.Resource {
	var rs []inventory.Resource
	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	for ai, acct := range accounts {
		arn := func(region, svc, res string) string {
			return fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, region, acct, res)
		}
		rs = append(rs, inventory.Resource{
			ARN: "arn:aws:iam::" + acct + ":root", Account: acct, Region: "global", Type: "AWS::::Account",
			ID: acct, Name: "acme-" + acct, Attrs: inventory.AttrsOf(map[string]any{"alias": "acme-" + acct, "root_mfa_enabled": ai == 0, "root_hardware_mfa": false,
				"password_min_length": float64(8 * ai), "password_reuse_prevention": float64(12 * ai), "password_complexity": ai > 0}),
		})
		for u := 0; u < 4; u++ {
			attrs := map[string]any{"mfa_enabled": u%2 == 0, "console_access": u < 2,
				"attached_policies": []any{}, "inline_policies": float64(u % 2)}
			if u == 2 {
				attrs["attached_policies"] = []any{"AWSCloudShellFullAccess"}
			}
			if u != 3 {
				attrs["access_key_max_age_days"] = float64(30 * (u + 1))
				// user2's key was never used: idle since it was made.
				attrs["access_key_unused_days"] = []float64{1, 10, 90}[u]
			}
			if u < 2 {
				attrs["password_last_used"] = day(u + 1).Format(time.RFC3339)
			}
			name := fmt.Sprintf("user%d", u)
			rs = append(rs, inventory.Resource{
				ARN: "arn:aws:iam::" + acct + ":user/" + name, Account: acct, Region: "global", Type: "AWS::IAM::User",
				ID: fmt.Sprintf("AIDA%s%d", acct, u), Name: name, Created: day(400), Attrs: inventory.AttrsOf(attrs),
			})
		}
		for ri, region := range regions {
			on := (ai+ri)%2 == 0
			rs = append(rs, inventory.Resource{
				ARN: accountRegionARN("aws", acct, region), Account: acct, Region: region, Type: "Steward::Account::Region",
				ID: acct + "/" + region, Name: region,
				Attrs: inventory.AttrsOf(map[string]any{"guardduty_enabled": on, "securityhub_enabled": !on, "inspector_enabled": on,
					"cloudtrail_enabled": ri == 0 || ai == 0, "config_recorder_enabled": !on, "ebs_default_encryption": on}),
			})
			det := fmt.Sprintf("det%s%d", acct, ri)
			status := "DISABLED"
			if on {
				status = "ENABLED"
			}
			rs = append(rs, inventory.Resource{
				ARN: arn(region, "guardduty", "detector/"+det), Account: acct, Region: region, Type: "AWS::GuardDuty::Detector",
				ID: det, State: lower(status), Attrs: inventory.AttrsOf(map[string]any{"status": status}),
			})
			if ri == 0 {
				// Account 0 has one multi-region trail; others trail their first region only.
				rs = append(rs, inventory.Resource{
					ARN: arn(region, "cloudtrail", "trail/main"), Account: acct, Region: region, Type: "AWS::CloudTrail::Trail",
					ID: "main", Name: "main", Tags: inventory.TagsOf(map[string]string{"owner": "sec"}),
					Attrs: inventory.AttrsOf(map[string]any{"multi_region": ai == 0, "logging": true, "s3_bucket": "trail-" + acct}),
				})
			}
			vpc := fmt.Sprintf("vpc-%s%02d", acct[:4], ri)
			rs = append(rs, inventory.Resource{
				ARN: arn(region, "ec2", "vpc/"+vpc), Account: acct, Region: region, Type: "AWS::EC2::VPC", ID: vpc, Name: "main",
				Tags: inventory.TagsOf(map[string]string{"Name": "main"}), State: "available", Attrs: inventory.AttrsOf(map[string]any{"cidr": "10.0.0.0/16", "is_default": false, "flow_logs": ri == 0}),
			})
			sg := fmt.Sprintf("sg-%s%02d", acct[:4], ri)
			rs = append(rs, inventory.Resource{
				ARN: arn(region, "ec2", "security-group/"+sg), Account: acct, Region: region, Type: "AWS::EC2::SecurityGroup", ID: sg, Name: "web",
				Attrs: inventory.AttrsOf(map[string]any{"group_name": "web", "vpc_id": vpc, "is_default": false, "ingress": []any{
					map[string]any{"protocol": "tcp", "from_port": 22.0, "to_port": 22.0, "cidr": "0.0.0.0/0", "source_sg": ""},
					map[string]any{"protocol": "tcp", "from_port": 443.0, "to_port": 443.0, "cidr": "::/0", "source_sg": ""},
					map[string]any{"protocol": "-1", "from_port": 0.0, "to_port": 65535.0, "cidr": "", "source_sg": sg},
				}}),
				Relations: []inventory.Relation{{Kind: inventory.RelInVPC, Target: arn(region, "ec2", "vpc/"+vpc)}},
			})
			var subnets []string
			for k := 0; k < 2; k++ {
				sn := fmt.Sprintf("subnet-%s%02d%d", acct[:4], ri, k)
				subnets = append(subnets, sn)
				rs = append(rs, inventory.Resource{
					ARN: arn(region, "ec2", "subnet/"+sn), Account: acct, Region: region, Type: "AWS::EC2::Subnet", ID: sn, Name: sn,
					Tags: inventory.TagsOf(map[string]string{"Name": sn}), State: "available",
					Attrs:     inventory.AttrsOf(map[string]any{"vpc_id": vpc, "cidr": fmt.Sprintf("10.0.%d.0/24", k), "availability_zone": region + "a", "public": k == 0, "default_for_az": false}),
					Relations: []inventory.Relation{{Kind: inventory.RelInVPC, Target: arn(region, "ec2", "vpc/"+vpc)}},
				})
			}
			for n := 0; n < perRegion; n++ {
				id := fmt.Sprintf("i-%s%02d%04d", acct[:4], ri, n)
				name := fmt.Sprintf("shop-prod-web%d", n)
				tags := map[string]string{"Name": name, "env": "prod", "system": "shop"}
				state := "running"
				attrs := map[string]any{"instance_type": "t3.micro", "launch_time": day(100).Format(time.RFC3339),
					"public_ip": "", "vpc_id": vpc, "subnet_id": subnets[n%2], "platform": "linux"}
				if n%3 == 1 {
					state = "stopped"
					attrs["stopped_at"] = day(95).Format(time.RFC3339)
				}
				if n%2 == 0 {
					attrs["public_ip"] = fmt.Sprintf("203.0.113.%d", n%250)
				}
				rs = append(rs, inventory.Resource{
					ARN: arn(region, "ec2", "instance/"+id), Account: acct, Region: region, Type: "AWS::EC2::Instance",
					ID: id, Name: name, Tags: inventory.TagsOf(tags), Created: day(100), State: state, Attrs: inventory.AttrsOf(attrs),
					Relations: []inventory.Relation{
						{Kind: inventory.RelUsesSG, Target: arn(region, "ec2", "security-group/"+sg)},
						{Kind: inventory.RelInSubnet, Target: arn(region, "ec2", "subnet/"+subnets[n%2])},
					},
				})
				vol := fmt.Sprintf("vol-%s%02d%04d", acct[:4], ri, n)
				v := inventory.Resource{
					ARN: arn(region, "ec2", "volume/"+vol), Account: acct, Region: region, Type: "AWS::EC2::Volume",
					ID: vol, Created: day(100), State: "in-use", Tags: inventory.TagsOf(map[string]string{"env": "prod"}),
					Attrs: inventory.AttrsOf(map[string]any{"volume_type": "gp3", "size_gb": 20.0, "iops": 3000.0, "encrypted": true, "availability_zone": region + "a"}),
				}
				if n%4 == 3 {
					v.State = "available"
					v.Attrs.Set("volume_type", "gp2")
					v.Attrs.Delete("iops")
				} else {
					v.Relations = []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: arn(region, "ec2", "instance/"+id)}}
				}
				rs = append(rs, v)
				if n%5 == 0 {
					snap := fmt.Sprintf("snap-%s%02d%04d", acct[:4], ri, n)
					rs = append(rs, inventory.Resource{
						ARN: "arn:aws:ec2:" + region + "::snapshot/" + snap, Account: acct, Region: region, Type: "AWS::EC2::Snapshot",
						ID: snap, Created: day(400), State: "completed",
						Attrs:     inventory.AttrsOf(map[string]any{"volume_size_gb": 20.0, "volume_id": vol, "encrypted": true, "manual": n%10 == 0, "public": n == 3}),
						Relations: []inventory.Relation{{Kind: inventory.RelSnapshotOf, Target: arn(region, "ec2", "volume/"+vol)}},
					})
					alloc := fmt.Sprintf("eipalloc-%s%02d%04d", acct[:4], ri, n)
					eip := inventory.Resource{
						ARN: arn(region, "ec2", "elastic-ip/"+alloc), Account: acct, Region: region, Type: "AWS::EC2::EIP", ID: alloc,
						Attrs: inventory.AttrsOf(map[string]any{"public_ip": fmt.Sprintf("198.51.100.%d", n%250), "association_id": "", "allocation_id": alloc}),
					}
					if n%10 == 0 {
						eip.Attrs.Set("association_id", "eipassoc-"+alloc[9:])
						eip.Relations = []inventory.Relation{{Kind: inventory.RelAttachedTo, Target: arn(region, "ec2", "instance/"+id)}}
					}
					rs = append(rs, eip)
				}
				if n%2 == 0 {
					lg := fmt.Sprintf("/ecs/shop-%d", n)
					g := inventory.Resource{
						ARN: arn(region, "logs", "log-group:"+lg), Account: acct, Region: region, Type: "AWS::Logs::LogGroup",
						ID: lg, Name: lg, Created: day(200),
						Attrs: inventory.AttrsOf(map[string]any{"retention_days": float64(30 * (n % 3)), "stored_bytes": float64(n) * 1e9}),
					}
					if n%4 == 0 {
						g.Tags = inventory.TagsOf(map[string]string{"system": "shop"})
					}
					rs = append(rs, g)
				}
			}
			b := fmt.Sprintf("acme-%s-%s", acct, region)
			var btags map[string]string
			if ri == 0 {
				btags = map[string]string{"owner": "data"}
			}
			rs = append(rs, inventory.Resource{
				ARN: "arn:aws:s3:::" + b, Account: acct, Region: region, Type: "AWS::S3::Bucket", ID: b, Name: b, Created: day(300),
				Tags: inventory.TagsOf(btags),
				Attrs: inventory.AttrsOf(map[string]any{"public_access_block": ri == 0, "policy_public": ri == 1, "acl_public": ai == 1 && ri == 1, "acl_grants_others": ai == 1 && ri == 1,
					"policy_denies_http": ri == 0, "policy_cross_account_control": ai == 1 && ri == 0, "event_notifications": ri == 1,
					"encryption": []string{"AES256", ""}[ri%2], "versioning": []string{"Enabled", ""}[ri%2], "logging_enabled": ri == 0,
					"lifecycle_rules": float64(ri), "size_bytes": float64(ai+1) * 1e9}),
			})
		}
	}
	return rs
}
