package iac

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// The demo's IaC inputs: what the demo estate's team would have, made from
// the estate itself (package iac does not know the demo; the caller hands
// it the collected resources), so `steward iac --source demo` and
// `steward demo` have states to compare with and trail logs that say who
// made what, with no file to find.

// demoProdAccount is the account most resources tagged env=prod are in.
func demoProdAccount(rs []inventory.Resource) string {
	n := map[string]int{}
	best := ""
	for i := range rs {
		if a := rs[i].Account; tagFold(rs[i].Tags.Map(), "env") == "prod" {
			n[a]++
			if n[a] > n[best] || (n[a] == n[best] && a < best) {
				best = a
			}
		}
	}
	return best
}

// demoManaged says whether the demo's Terraform manages r: the shop and
// api systems of the prod account and its platform network (not the
// default VPC's pieces).
func demoManaged(r *inventory.Resource, prod string) bool {
	if _, ok := byCFN[r.Type]; !ok || isDefault(r) || r.Account != prod || prod == "" {
		return false
	}
	switch tagFold(r.Tags.Map(), "system") {
	case "shop", "api", "platform":
		return true
	}
	return false
}

// DemoStates builds the Terraform states the demo estate would have, by
// file name: prod's shop and api systems and its platform network, with
// two instances deleted by hand since (missing), the api's first security
// group also in the platform state (declared twice), and everything else
// unmanaged. The same resources give the same bytes.
func DemoStates(rs []inventory.Resource) map[string][]byte {
	type inst struct {
		module, typ, name string
		key               any
		attrs             map[string]any
	}
	files := map[string][]inst{}
	counts := map[string]int{}
	var firstAPISG *inventory.Resource
	prod := demoProdAccount(rs)
	for i := range rs {
		r := &rs[i]
		if !demoManaged(r, prod) {
			continue
		}
		row, system := byCFN[r.Type], tagFold(r.Tags.Map(), "system")
		file := system + "-prod.tfstate"
		attrs := map[string]any{"id": r.ID, "arn": r.ARN}
		if strings.HasPrefix(row.importIDOf(r.ARN, r.ID), "arn:") || r.Type == "AWS::ECS::Service" || r.Type == "AWS::ECS::Cluster" {
			attrs["id"] = r.ARN
		}
		if r.Tags.Len() > 0 {
			tags := map[string]any{}
			for k, v := range r.Tags.All() {
				tags[k] = v
			}
			attrs["tags"] = tags
		}
		in := inst{typ: row.tf, name: "this", attrs: attrs}
		if system == "platform" {
			// The network module, with count over its resources.
			in.module, in.name = "module.network", strings.TrimPrefix(row.tf, "aws_")
			k := file + in.typ
			in.key = float64(counts[k])
			counts[k]++
		} else {
			in.name = suggestName(&Entry{Name: r.Name, ID: r.ID, Tags: r.Tags.Map()})
		}
		if r.Type == "AWS::EC2::SecurityGroup" && system == "api" && firstAPISG == nil {
			firstAPISG = r
			dup := in
			dup.module, dup.name, dup.key = "", "api_legacy", nil
			files["platform-prod.tfstate"] = append(files["platform-prod.tfstate"], dup)
		}
		files[file] = append(files[file], in)
	}
	if prod == "" {
		return map[string][]byte{}
	}
	for _, id := range []string{"i-0deleted00000001", "i-0deleted00000002"} {
		files["shop-prod.tfstate"] = append(files["shop-prod.tfstate"], inst{typ: "aws_instance", name: "batch_worker", key: id, attrs: map[string]any{
			"id": id, "arn": "arn:aws:ec2:ap-northeast-1:" + prod + ":instance/" + id, "tags": map[string]any{"system": "shop", "env": "prod"},
		}})
	}
	out := map[string][]byte{}
	for file, insts := range files {
		type resource struct {
			Module    string           `json:"module,omitempty"`
			Mode      string           `json:"mode"`
			Type      string           `json:"type"`
			Name      string           `json:"name"`
			Provider  string           `json:"provider"`
			Instances []map[string]any `json:"instances"`
		}
		byAddr := map[string]*resource{}
		var order []string
		for _, in := range insts {
			addr := in.module + "." + in.typ + "." + in.name
			r := byAddr[addr]
			if r == nil {
				r = &resource{Module: in.module, Mode: "managed", Type: in.typ, Name: in.name, Provider: `provider["registry.terraform.io/hashicorp/aws"]`}
				byAddr[addr] = r
				order = append(order, addr)
			}
			m := map[string]any{"schema_version": 0, "attributes": in.attrs}
			if in.key != nil {
				m["index_key"] = in.key
			}
			r.Instances = append(r.Instances, m)
		}
		sort.Strings(order)
		doc := map[string]any{"version": 4, "terraform_version": "1.7.5", "serial": 1, "lineage": "demo-" + strings.TrimSuffix(file, ".tfstate"), "outputs": map[string]any{}}
		var resources []*resource
		for _, a := range order {
			resources = append(resources, byAddr[a])
		}
		doc["resources"] = resources
		out[file] = mustJSON(doc)
	}
	return out
}

// DemoTrailLogName is the name the demo's trail log goes by in reports.
const DemoTrailLogName = "demo-cloudtrail.json"

// User agents of the demo's trail log, as AWS records them.
const (
	demoUATerraform = "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.46.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64"
	demoUAConsole   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	demoUACLI       = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/"
	demoUADeploy    = "aws-sdk-go-v2/1.26.1 ua/2.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ecs#1.41.1 ecspresso/v2.3.3"
)

// demoShape is where a creation event names the resource: the request
// field that carries its name and the response field that carries its id
// or ARN, as dotted paths ("a[].b" puts b in a list under a).
type demoShape struct{ request, id, arn string }

var demoShapes = map[string]demoShape{
	"AWS::EC2::Instance":                        {id: "instancesSet.items[].instanceId"},
	"AWS::EC2::Volume":                          {id: "volumeId"},
	"AWS::EC2::Snapshot":                        {id: "snapshotId"},
	"AWS::EC2::EIP":                             {id: "allocationId"},
	"AWS::EC2::SecurityGroup":                   {request: "groupName", id: "groupId"},
	"AWS::EC2::VPC":                             {id: "vpc.vpcId"},
	"AWS::EC2::Subnet":                          {id: "subnet.subnetId"},
	"AWS::EC2::NatGateway":                      {id: "natGateway.natGatewayId"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {request: "name", arn: "loadBalancers[].loadBalancerArn"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":  {request: "name", arn: "targetGroups[].targetGroupArn"},
	"AWS::ElasticLoadBalancing::LoadBalancer":   {request: "loadBalancerName"},
	"AWS::RDS::DBInstance":                      {request: "dBInstanceIdentifier", arn: "dBInstanceArn"},
	"AWS::RDS::DBCluster":                       {request: "dBClusterIdentifier", arn: "dBClusterArn"},
	"AWS::RDS::DBSnapshot":                      {request: "dBSnapshotIdentifier", arn: "dBSnapshotArn"},
	"AWS::RDS::DBClusterSnapshot":               {request: "dBClusterSnapshotIdentifier", arn: "dBClusterSnapshotArn"},
	"AWS::S3::Bucket":                           {request: "bucketName"},
	"AWS::Logs::LogGroup":                       {request: "logGroupName"},
	"AWS::ECS::Cluster":                         {request: "clusterName", arn: "cluster.clusterArn"},
	"AWS::ECS::Service":                         {request: "serviceName", arn: "service.serviceArn"},
	"AWS::ECS::TaskDefinition":                  {request: "family", arn: "taskDefinition.taskDefinitionArn"},
	"AWS::Lambda::Function":                     {request: "functionName", arn: "functionArn"},
	"AWS::ECR::Repository":                      {request: "repositoryName", arn: "repository.repositoryArn"},
	"AWS::AutoScaling::AutoScalingGroup":        {request: "autoScalingGroupName"},
	"AWS::CloudFront::Distribution":             {id: "distribution.id", arn: "distribution.aRN"},
	"AWS::CloudTrail::Trail":                    {request: "name", arn: "trailARN"},
	"AWS::GuardDuty::Detector":                  {id: "detectorId"},
	"AWS::IAM::User":                            {request: "userName", arn: "user.arn"},
}

// DemoTrailLog builds the CloudTrail log file ({"Records": [...]}) the demo
// estate's accounts would have written: one creation event per resource,
// at its creation time, for what was made after its account's first trail
// (older resources have no event, as in life). Terraform made what
// DemoStates manages; the deploy user registered task definitions,
// services and functions; people made the rest by hand, in the console or
// with the CLI. AWS's own resources (default VPCs, automated snapshots)
// have none.
func DemoTrailLog(rs []inventory.Resource) []byte {
	trailSince := map[string]time.Time{}
	for i := range rs {
		r := &rs[i]
		if r.Type == "AWS::CloudTrail::Trail" && !r.Created.IsZero() {
			if t, ok := trailSince[r.Account]; !ok || r.Created.Before(t) {
				trailSince[r.Account] = r.Created
			}
		}
	}
	prod := demoProdAccount(rs)
	people := demoPeople(rs)
	var recs []map[string]any
	for i := range rs {
		r := &rs[i]
		shape, ok := demoShapes[r.Type]
		since, trailed := trailSince[r.Account]
		if !ok || !trailed || r.Created.IsZero() || r.Created.Before(since) || isDefault(r) || strings.HasPrefix(r.ID, "rds:") {
			continue
		}
		recs = append(recs, demoRecord(r, shape, demoManaged(r, prod), people[r.Account]))
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i]["eventTime"].(string) < recs[j]["eventTime"].(string) })
	return mustJSON(map[string]any{"Records": recs})
}

// demoPerson is an IAM user who signs in to the console.
type demoPerson struct {
	name  string
	since time.Time
}

// demoPeople are the console users of each account, oldest first.
func demoPeople(rs []inventory.Resource) map[string][]demoPerson {
	out := map[string][]demoPerson{}
	for i := range rs {
		r := &rs[i]
		if console, _ := r.Attrs.Value("console_access").(bool); r.Type == "AWS::IAM::User" && console {
			out[r.Account] = append(out[r.Account], demoPerson{r.Name, r.Created})
		}
	}
	for _, ps := range out {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].since.Before(ps[j].since) })
	}
	return out
}

// demoHand picks who made r by hand among the people of its account who
// had a user by then: the one its name names, the oldest for the
// platform's pieces, else the usual hand of its system. Before anyone had
// a user, the account's root user did it.
func demoHand(r *inventory.Resource, people []demoPerson) (name string, ok bool) {
	var there []string
	for _, p := range people {
		if !p.since.After(r.Created) {
			there = append(there, p.name)
		}
	}
	if len(there) == 0 {
		return "", false
	}
	for _, p := range there {
		if strings.Contains(r.Name, p) {
			return p, true
		}
	}
	system := tagFold(r.Tags.Map(), "system")
	if system == "platform" || system == "" {
		return there[0], true
	}
	h := fnv.New32a()
	h.Write([]byte(system))
	return there[h.Sum32()%uint32(len(there))], true
}

// demoRecord is the creation event of r: who, how, and the request and
// response fields that name it.
func demoRecord(r *inventory.Resource, shape demoShape, terraform bool, people []demoPerson) map[string]any {
	h := fnv.New32a()
	h.Write([]byte(r.ARN))
	sum := h.Sum32()
	person, ok := demoHand(r, people)
	identity := map[string]any{"type": "Root", "accountId": r.Account, "arn": "arn:aws:iam::" + r.Account + ":root"}
	if ok {
		identity = map[string]any{"type": "IAMUser", "accountId": r.Account, "userName": person, "arn": "arn:aws:iam::" + r.Account + ":user/" + person}
	}
	ua, console := demoUAConsole, true
	switch {
	case terraform:
		identity = map[string]any{"type": "AssumedRole", "accountId": r.Account,
			"arn": "arn:aws:sts::" + r.Account + ":assumed-role/terraform-apply/github-actions"}
		ua, console = demoUATerraform, false
	case r.Type == "AWS::ECS::TaskDefinition" || r.Type == "AWS::ECS::Service" || r.Type == "AWS::Lambda::Function":
		identity = map[string]any{"type": "IAMUser", "accountId": r.Account, "userName": "ci-deploy", "arn": "arn:aws:iam::" + r.Account + ":user/ci-deploy"}
		ua, console = demoUADeploy, false
	case ok && sum%4 == 0, ok && (r.Type == "AWS::EC2::Snapshot" || r.Type == "AWS::RDS::DBSnapshot" || r.Type == "AWS::RDS::DBClusterSnapshot"):
		ua, console = demoUACLI, false
	}
	names := creationEvents[r.Type]
	region := r.Region
	if region == "" || region == "global" {
		region = "us-east-1"
	}
	svc := strings.TrimSuffix(strings.ToLower(strings.Split(r.Type, "::")[1]), "v2")
	rec := map[string]any{
		"eventVersion": "1.09",
		"eventTime":    r.Created.UTC().Format(time.RFC3339),
		"eventSource":  svc + ".amazonaws.com",
		"eventName":    names[0],
		"awsRegion":    region,
		"userIdentity": identity,
		"userAgent":    ua,
		// Documentation addresses (RFC 5737), one per person.
		"sourceIPAddress":    fmt.Sprintf("203.0.113.%d", 10+len(person)),
		"eventID":            fmt.Sprintf("%08x-demo-4000-8000-%012x", sum, uint64(r.Created.Unix())),
		"readOnly":           false,
		"eventType":          "AwsApiCall",
		"recipientAccountId": r.Account,
	}
	if console {
		rec["sessionCredentialFromConsole"] = "true"
	}
	req, resp := map[string]any{}, map[string]any{}
	if shape.request != "" {
		name := r.Name
		if name == "" {
			name = r.ID
		}
		setPath(req, shape.request, name)
	}
	if shape.id != "" {
		setPath(resp, shape.id, r.ID)
	}
	if shape.arn != "" {
		setPath(resp, shape.arn, r.ARN)
	}
	rec["requestParameters"] = req
	if len(resp) > 0 {
		rec["responseElements"] = resp
	} else {
		rec["responseElements"] = nil
	}
	return rec
}

// setPath sets a dotted path in m; a part ending in [] is a list of one
// map.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		if k, ok := strings.CutSuffix(p, "[]"); ok {
			next := map[string]any{}
			m[k] = []any{next}
			m = next
			continue
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Only maps, lists, strings and numbers go in.
		panic(fmt.Sprintf("iac: demo input: %v", err))
	}
	return append(b, '\n')
}
