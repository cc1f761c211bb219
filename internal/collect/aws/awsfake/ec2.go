package awsfake

import (
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

func init() {
	handlers["ec2"] = (*Server).ec2
	handlers["sts"] = (*Server).sts
}

func tagSet(tags map[string]string) string {
	var b strings.Builder
	b.WriteString("<tagSet>")
	for _, k := range sortedKeys(tags) {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", esc(k), esc(tags[k]))
	}
	b.WriteString("</tagSet>")
	return b.String()
}

func opt(tag, v string) string {
	if v == "" {
		return ""
	}
	return "<" + tag + ">" + esc(v) + "</" + tag + ">"
}

// ec2List renders a paginated EC2 answer: one XML item per resource.
func (s *Server) ec2List(q *req, set string, items []string, paginated bool) {
	lo, hi, next := 0, len(items), ""
	if paginated {
		lo, hi, next = s.page(len(items), q.form.Get("NextToken"))
	}
	body := "<" + q.op + "Response><requestId>fake</requestId><" + set + ">" + strings.Join(items[lo:hi], "") + "</" + set + ">"
	body += opt("nextToken", next) + "</" + q.op + "Response>"
	q.xml(200, body)
}

func (s *Server) ec2(q *req) {
	var items []string
	each := func(typ string, f func(r *inventory.Resource) string) {
		for _, r := range s.resources(q, typ) {
			items = append(items, f(r))
		}
	}
	switch q.op {
	case "DescribeRegions":
		for _, r := range s.regions(q.account) {
			items = append(items, "<item><regionName>"+r+"</regionName><optInStatus>opt-in-not-required</optInStatus></item>")
		}
		s.ec2List(q, "regionInfo", items, false)
	case "DescribeInstances":
		each("AWS::EC2::Instance", instanceXML)
		s.ec2List(q, "reservationSet", items, true)
	case "DescribeVolumes":
		each("AWS::EC2::Volume", func(r *inventory.Resource) string {
			var att string
			for _, i := range relTargets(r, inventory.RelAttachedTo) {
				att += "<item><instanceId>" + i + "</instanceId><volumeId>" + r.ID + "</volumeId><status>attached</status></item>"
			}
			iops := ""
			if ahas(r, "iops") {
				iops = fmt.Sprintf("<iops>%d</iops>", int(anum(r, "iops")))
			}
			return fmt.Sprintf("<item><volumeId>%s</volumeId><size>%d</size><availabilityZone>%s</availabilityZone><status>%s</status><createTime>%s</createTime><volumeType>%s</volumeType>%s<encrypted>%t</encrypted><attachmentSet>%s</attachmentSet>%s</item>",
				r.ID, int(anum(r, "size_gb")), astr(r, "availability_zone"), r.State, ts(r.Created), astr(r, "volume_type"), iops, abool(r, "encrypted"), att, tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "volumeSet", items, true)
	case "DescribeSnapshots":
		each("AWS::EC2::Snapshot", func(r *inventory.Resource) string {
			desc := "Created by a person"
			if !abool(r, "manual") {
				desc = "This snapshot is created by the AWS Backup service."
			}
			return fmt.Sprintf("<item><snapshotId>%s</snapshotId><volumeId>%s</volumeId><status>%s</status><startTime>%s</startTime><volumeSize>%d</volumeSize><encrypted>%t</encrypted><description>%s</description><ownerId>%s</ownerId>%s</item>",
				r.ID, astr(r, "volume_id"), r.State, ts(r.Created), int(anum(r, "volume_size_gb")), abool(r, "encrypted"), desc, r.Account, tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "snapshotSet", items, true)
	case "DescribeAddresses":
		each("AWS::EC2::EIP", func(r *inventory.Resource) string {
			// An address on a NAT gateway names only its network
			// interface; the gateway names the address instead.
			i := ""
			for _, rel := range r.Relations {
				if rel.Kind == inventory.RelAttachedTo && strings.Contains(rel.Target, ":instance/") {
					i = rel.Target[strings.LastIndexByte(rel.Target, '/')+1:]
				}
			}
			return fmt.Sprintf("<item><publicIp>%s</publicIp><allocationId>%s</allocationId>%s%s<domain>vpc</domain>%s</item>",
				astr(r, "public_ip"), astr(r, "allocation_id"), opt("associationId", astr(r, "association_id")), opt("instanceId", i), tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "addressesSet", items, false)
	case "DescribeSecurityGroups":
		each("AWS::EC2::SecurityGroup", securityGroupXML)
		s.ec2List(q, "securityGroupInfo", items, true)
	case "DescribeVpcs":
		each("AWS::EC2::VPC", func(r *inventory.Resource) string {
			return fmt.Sprintf("<item><vpcId>%s</vpcId><state>%s</state><cidrBlock>%s</cidrBlock><isDefault>%t</isDefault>%s</item>",
				r.ID, r.State, astr(r, "cidr"), abool(r, "is_default"), tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "vpcSet", items, true)
	case "DescribeSnapshotAttribute":
		id := q.form.Get("SnapshotId")
		perm := ""
		for _, r := range s.resources(q, "AWS::EC2::Snapshot") {
			if r.ID == id && abool(r, "public") {
				perm = "<item><group>all</group></item>"
			}
		}
		q.xml(200, "<DescribeSnapshotAttributeResponse><requestId>fake</requestId><snapshotId>"+esc(id)+"</snapshotId><createVolumePermission>"+perm+"</createVolumePermission></DescribeSnapshotAttributeResponse>")
	case "DescribeFlowLogs":
		each("AWS::EC2::VPC", func(r *inventory.Resource) string {
			if !abool(r, "flow_logs") {
				return ""
			}
			return fmt.Sprintf("<item><flowLogId>fl-%s</flowLogId><resourceId>%s</resourceId><flowLogStatus>ACTIVE</flowLogStatus><trafficType>ALL</trafficType></item>", r.ID, r.ID)
		})
		s.ec2List(q, "flowLogSet", items, true)
	case "GetEbsEncryptionByDefault":
		// A region the estate says nothing of answers without the setting.
		v := ""
		if on, known := s.regionAttr(q, "ebs_default_encryption"); known {
			v = fmt.Sprintf("<ebsEncryptionByDefault>%t</ebsEncryptionByDefault>", on)
		}
		q.xml(200, "<GetEbsEncryptionByDefaultResponse><requestId>fake</requestId>"+v+"</GetEbsEncryptionByDefaultResponse>")
	case "DescribeSubnets":
		each("AWS::EC2::Subnet", func(r *inventory.Resource) string {
			return fmt.Sprintf("<item><subnetId>%s</subnetId><subnetArn>%s</subnetArn><vpcId>%s</vpcId><state>%s</state><cidrBlock>%s</cidrBlock><availabilityZone>%s</availabilityZone><defaultForAz>%t</defaultForAz>%s</item>",
				r.ID, r.ARN, astr(r, "vpc_id"), r.State, astr(r, "cidr"), astr(r, "availability_zone"), abool(r, "default_for_az"), tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "subnetSet", items, true)
	case "DescribeRouteTables":
		s.ec2List(q, "routeTableSet", s.routeTables(q), true)
	case "DescribeNatGateways":
		each("AWS::EC2::NatGateway", func(r *inventory.Resource) string {
			subnet := ""
			if s := relTargets(r, inventory.RelInSubnet); len(s) > 0 {
				subnet = s[0]
			}
			var addrs strings.Builder
			for _, e := range s.resources(q, "AWS::EC2::EIP") {
				for _, rel := range e.Relations {
					if rel.Kind == inventory.RelAttachedTo && rel.Target == r.ARN {
						fmt.Fprintf(&addrs, "<item><allocationId>%s</allocationId><publicIp>%s</publicIp><isPrimary>true</isPrimary></item>", astr(e, "allocation_id"), astr(e, "public_ip"))
					}
				}
			}
			return fmt.Sprintf("<item><natGatewayId>%s</natGatewayId><subnetId>%s</subnetId><state>%s</state><connectivityType>%s</connectivityType><createTime>%s</createTime><natGatewayAddressSet>%s</natGatewayAddressSet>%s</item>",
				r.ID, subnet, r.State, astr(r, "connectivity_type"), ts(r.Created), addrs.String(), tagSet(r.Tags.Map()))
		})
		s.ec2List(q, "natGatewaySet", items, true)
	default:
		q.fail(400, "InvalidAction", "the fake does not serve ec2 "+q.op)
	}
}

func instanceXML(r *inventory.Resource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><reservationId>r-%s</reservationId><ownerId>%s</ownerId><instancesSet><item>", r.ID, r.Account)
	fmt.Fprintf(&b, "<instanceId>%s</instanceId><instanceType>%s</instanceType><launchTime>%s</launchTime>", r.ID, astr(r, "instance_type"), astr(r, "launch_time"))
	fmt.Fprintf(&b, "<instanceState><code>16</code><name>%s</name></instanceState>", r.State)
	if at := astr(r, "stopped_at"); at != "" {
		b.WriteString("<reason>User initiated (" + strings.Replace(strings.TrimSuffix(at, "Z"), "T", " ", 1) + " GMT)</reason>")
	}
	b.WriteString(opt("ipAddress", astr(r, "public_ip")) + opt("vpcId", astr(r, "vpc_id")) + opt("subnetId", astr(r, "subnet_id")))
	if astr(r, "platform") == "windows" {
		b.WriteString("<platform>windows</platform>")
	}
	b.WriteString("<groupSet>")
	for _, sg := range relTargets(r, inventory.RelUsesSG) {
		b.WriteString("<item><groupId>" + sg + "</groupId></item>")
	}
	tags := r.Tags
	if asg := astr(r, "asg_name"); asg != "" {
		// Auto Scaling tags what it launches with its group's name.
		tags = inventory.TagsOf(map[string]string{"aws:autoscaling:groupName": asg})
		for k, v := range r.Tags.All() {
			tags.Set(k, v)
		}
	}
	b.WriteString("</groupSet>" + tagSet(tags.Map()) + "</item></instancesSet></item>")
	return b.String()
}

func securityGroupXML(r *inventory.Resource) string {
	var perms strings.Builder
	rules, _ := r.Attrs.Value("ingress").([]any)
	for _, x := range rules {
		m, _ := x.(map[string]any)
		proto, _ := m["protocol"].(string)
		from, _ := m["from_port"].(float64)
		to, _ := m["to_port"].(float64)
		cidr, _ := m["cidr"].(string)
		sg, _ := m["source_sg"].(string)
		perms.WriteString("<item><ipProtocol>" + proto + "</ipProtocol>")
		if proto != "-1" {
			fmt.Fprintf(&perms, "<fromPort>%d</fromPort><toPort>%d</toPort>", int(from), int(to))
		}
		switch {
		case sg != "":
			perms.WriteString("<groups><item><groupId>" + sg + "</groupId></item></groups>")
		case strings.Contains(cidr, ":"):
			perms.WriteString("<ipv6Ranges><item><cidrIpv6>" + cidr + "</cidrIpv6></item></ipv6Ranges>")
		default:
			perms.WriteString("<ipRanges><item><cidrIp>" + cidr + "</cidrIp></item></ipRanges>")
		}
		perms.WriteString("</item>")
	}
	return fmt.Sprintf("<item><groupId>%s</groupId><groupName>%s</groupName><vpcId>%s</vpcId><ownerId>%s</ownerId><ipPermissions>%s</ipPermissions>%s</item>",
		r.ID, esc(astr(r, "group_name")), astr(r, "vpc_id"), r.Account, perms.String(), tagSet(r.Tags.Map()))
}

// routeTables gives every VPC a private main table and every public subnet
// an explicit table with a default route to an internet gateway.
func (s *Server) routeTables(q *req) []string {
	var items []string
	for _, v := range s.resources(q, "AWS::EC2::VPC") {
		items = append(items, fmt.Sprintf("<item><routeTableId>rtb-main-%s</routeTableId><vpcId>%s</vpcId><routeSet><item><destinationCidrBlock>%s</destinationCidrBlock><gatewayId>local</gatewayId></item></routeSet><associationSet><item><main>true</main><routeTableId>rtb-main-%s</routeTableId></item></associationSet></item>",
			v.ID, v.ID, astr(v, "cidr"), v.ID))
	}
	for _, sn := range s.resources(q, "AWS::EC2::Subnet") {
		if !abool(sn, "public") {
			continue
		}
		vpc := astr(sn, "vpc_id")
		items = append(items, fmt.Sprintf("<item><routeTableId>rtb-pub-%s</routeTableId><vpcId>%s</vpcId><routeSet><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-%s</gatewayId></item></routeSet><associationSet><item><main>false</main><subnetId>%s</subnetId><routeTableId>rtb-pub-%s</routeTableId></item></associationSet></item>",
			sn.ID, vpc, vpc, sn.ID, sn.ID))
	}
	return items
}

// sts answers who the caller is and hands out credentials for roles in
// accounts the fake holds.
func (s *Server) sts(q *req) {
	switch q.op {
	case "GetCallerIdentity":
		q.xml(200, fmt.Sprintf("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/steward</Arn><UserId>AIDFAKE</UserId><Account>%s</Account></GetCallerIdentityResult></GetCallerIdentityResponse>", q.account, q.account))
	case "AssumeRole":
		arn := q.form.Get("RoleArn")
		parts := strings.Split(arn, ":")
		if len(parts) != 6 {
			q.fail(400, "ValidationError", "bad role arn")
			return
		}
		acct := parts[4]
		if _, ok := s.byAccount[acct]; !ok {
			q.fail(403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: "+arn)
			return
		}
		q.xml(200, fmt.Sprintf("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROAFAKE:steward</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>",
			AccessKey(acct), "2999-01-01T00:00:00Z", arn))
	default:
		q.fail(400, "InvalidAction", "the fake does not serve sts "+q.op)
	}
}
