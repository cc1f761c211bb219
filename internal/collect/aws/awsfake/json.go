package awsfake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/steward-sre/steward/internal/inventory"
)

// Services speaking JSON (ECS, ECR: awsJson1.1; Lambda: REST-JSON), CBOR
// (CloudWatch: rpcv2Cbor) and CloudFront's REST-XML.

func init() {
	handlers["ecs"] = (*Server).ecs
	handlers["ecr"] = (*Server).ecr
	handlers["lambda"] = (*Server).lambda
	handlers["monitoring"] = (*Server).cloudwatch
	handlers["cloudfront"] = (*Server).cloudfront
	handlers["events"] = (*Server).events
}

// events is EventBridge: the demo estate has no scheduled rules, so every
// list is empty.
func (s *Server) events(q *req) {
	switch q.op {
	case "ListRules":
		q.json(200, map[string]any{"Rules": []any{}})
	case "ListTargetsByRule":
		q.json(200, map[string]any{"Targets": []any{}})
	case "ListTagsForResource":
		q.json(200, map[string]any{"Tags": []any{}})
	default:
		q.fail(400, "UnknownOperationException", "the fake does not serve events "+q.op)
	}
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func jsonTags(tags map[string]string, key, value string) []map[string]string {
	out := []map[string]string{}
	for _, k := range sortedKeys(tags) {
		out = append(out, map[string]string{key: k, value: tags[k]})
	}
	return out
}

func bodyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func anyStrings(r *inventory.Resource, k string) []string {
	list, _ := r.Attrs.Value(k).([]any)
	out := []string{}
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// jsonPage cuts a page of ARNs by the request's nextToken.
func (s *Server) jsonPage(q *req, items []string, key string) {
	tok, _ := q.body["nextToken"].(string)
	lo, hi, next := s.page(len(items), tok)
	resp := map[string]any{key: items[lo:hi]}
	if next != "" {
		resp["nextToken"] = next
	}
	q.json(200, resp)
}

func (s *Server) ecs(q *req) {
	clusters := s.resources(q, "AWS::ECS::Cluster")
	switch q.op {
	case "ListClusters":
		var arns []string
		for _, c := range clusters {
			arns = append(arns, c.ARN)
		}
		s.jsonPage(q, arns, "clusterArns")
	case "DescribeClusters":
		var out []map[string]any
		for _, want := range bodyStrings(q.body["clusters"]) {
			for _, c := range clusters {
				if c.ARN == want || c.ID == want {
					out = append(out, map[string]any{
						"clusterArn": c.ARN, "clusterName": c.ID, "status": strings.ToUpper(c.State),
						"activeServicesCount": int(anum(c, "active_services")), "runningTasksCount": int(anum(c, "running_tasks")),
						"capacityProviders": anyStrings(c, "capacity_providers"), "tags": jsonTags(c.Tags.Map(), "key", "value"),
					})
				}
			}
		}
		q.json(200, map[string]any{"clusters": out, "failures": []any{}})
	case "ListServices":
		cluster, _ := q.body["cluster"].(string)
		var arns []string
		for _, sv := range s.ecsServices(q, cluster) {
			arns = append(arns, sv.ARN)
		}
		s.jsonPage(q, arns, "serviceArns")
	case "DescribeServices":
		cluster, _ := q.body["cluster"].(string)
		want := bodyStrings(q.body["services"])
		var out []map[string]any
		for _, sv := range s.ecsServices(q, cluster) {
			if !slices.Contains(want, sv.ARN) && !slices.Contains(want, sv.ID) {
				continue
			}
			var providers []map[string]any
			for _, p := range anyStrings(sv, "capacity_providers") {
				providers = append(providers, map[string]any{"capacityProvider": p, "weight": 1})
			}
			m := map[string]any{
				"serviceArn": sv.ARN, "serviceName": sv.ID, "clusterArn": relTarget(sv, inventory.RelInCluster), "status": strings.ToUpper(sv.State),
				"desiredCount": int(anum(sv, "desired_count")), "runningCount": int(anum(sv, "running_count")),
				"capacityProviderStrategy": providers, "taskDefinition": relTarget(sv, inventory.RelUses),
				"createdAt": epoch(sv.Created), "tags": jsonTags(sv.Tags.Map(), "key", "value"),
				"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{"subnets": []string{}, "securityGroups": relTargets(sv, inventory.RelUsesSG)}},
			}
			if lt := astr(sv, "launch_type"); lt != "" {
				m["launchType"] = lt
			}
			lbs := []map[string]any{}
			for i := range int(anum(sv, "load_balancers")) {
				lbs = append(lbs, map[string]any{"targetGroupArn": fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s-%d/0", sv.Region, sv.Account, sv.ID, i), "containerName": "app", "containerPort": 8080})
			}
			m["loadBalancers"] = lbs
			out = append(out, m)
		}
		q.json(200, map[string]any{"services": out, "failures": []any{}})
	case "DescribeTaskDefinition":
		want, _ := q.body["taskDefinition"].(string)
		for _, td := range s.resources(q, "AWS::ECS::TaskDefinition") {
			if td.ARN == want || td.ID == want {
				q.json(200, map[string]any{"taskDefinition": map[string]any{
					"taskDefinitionArn": td.ARN, "family": astr(td, "family"), "revision": int(anum(td, "revision")),
					"cpu": fmt.Sprint(anum(td, "cpu")), "memory": fmt.Sprint(anum(td, "memory_mb")),
					"status": strings.ToUpper(td.State), "registeredAt": epoch(td.Created),
				}, "tags": jsonTags(td.Tags.Map(), "key", "value")})
				return
			}
		}
		q.fail(400, "ClientException", "Unable to describe task definition.")
	default:
		q.fail(400, "UnknownOperationException", "the fake does not serve ecs "+q.op)
	}
}

func (s *Server) ecsServices(q *req, cluster string) []*inventory.Resource {
	var out []*inventory.Resource
	for _, sv := range s.resources(q, "AWS::ECS::Service") {
		c := relTarget(sv, inventory.RelInCluster)
		if c == cluster || strings.HasSuffix(c, "/"+cluster) {
			out = append(out, sv)
		}
	}
	return out
}

// relTarget is the full target of a resource's first relation of a kind.
func relTarget(r *inventory.Resource, kind string) string {
	for _, rel := range r.Relations {
		if rel.Kind == kind {
			return rel.Target
		}
	}
	return ""
}

func (s *Server) ecr(q *req) {
	repos := s.resources(q, "AWS::ECR::Repository")
	named := func() *inventory.Resource {
		name, _ := q.body["repositoryName"].(string)
		for _, r := range repos {
			if r.ID == name {
				return r
			}
		}
		return nil
	}
	switch q.op {
	case "DescribeRepositories":
		tok, _ := q.body["nextToken"].(string)
		lo, hi, next := s.page(len(repos), tok)
		var out []map[string]any
		for _, r := range repos[lo:hi] {
			out = append(out, map[string]any{"repositoryArn": r.ARN, "registryId": r.Account, "repositoryName": r.ID,
				"repositoryUri": r.Account + ".dkr.ecr." + r.Region + ".amazonaws.com/" + r.ID, "createdAt": epoch(r.Created),
				"imageScanningConfiguration": map[string]any{"scanOnPush": abool(r, "scan_on_push")}})
		}
		resp := map[string]any{"repositories": out}
		if next != "" {
			resp["nextToken"] = next
		}
		q.json(200, resp)
	case "GetLifecyclePolicy":
		r := named()
		if r == nil || !abool(r, "lifecycle_policy") {
			q.fail(400, "LifecyclePolicyNotFoundException", "Lifecycle policy does not exist for the repository")
			return
		}
		q.json(200, map[string]any{"registryId": r.Account, "repositoryName": r.ID, "lifecyclePolicyText": `{"rules":[]}`})
	case "DescribeImages":
		r := named()
		if r == nil {
			q.fail(400, "RepositoryNotFoundException", "no repository")
			return
		}
		n := int(anum(r, "image_count"))
		tok, _ := q.body["nextToken"].(string)
		// Images come ten times as many per page as other items: a
		// repository holds hundreds.
		start := 0
		fmt.Sscanf(tok, "%d", &start)
		end := min(start+10*s.opts.PageSize, n)
		var out []map[string]any
		for i := start; i < end; i++ {
			out = append(out, map[string]any{"registryId": r.Account, "repositoryName": r.ID, "imageDigest": fmt.Sprintf("sha256:%064d", i)})
		}
		resp := map[string]any{"imageDetails": out}
		if end < n {
			resp["nextToken"] = fmt.Sprint(end)
		}
		q.json(200, resp)
	default:
		q.fail(400, "UnknownOperationException", "the fake does not serve ecr "+q.op)
	}
}

// lambda serves GET /2015-03-31/functions/ with Marker paging. ListFunctions
// reports neither state nor creation time, and neither does the fake.
func (s *Server) lambda(q *req) {
	fs := s.resources(q, "AWS::Lambda::Function")
	if q.op == "GetPolicy" {
		name := strings.TrimSuffix(strings.TrimPrefix(q.URL.Path, "/2015-03-31/functions/"), "/policy")
		for _, r := range fs {
			if r.ID == name && abool(r, "policy_public") {
				doc := `{"Version":"2012-10-17","Statement":[{"Sid":"anyone","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"` + r.ARN + `"}]}`
				q.json(200, map[string]any{"Policy": doc, "RevisionId": "1"})
				return
			}
		}
		q.fail(404, "ResourceNotFoundException", "The resource you requested does not exist.")
		return
	}
	if q.op != "ListFunctions" {
		q.fail(400, "UnknownOperationException", "the fake does not serve lambda "+q.op)
		return
	}
	lo, hi, next := s.page(len(fs), q.URL.Query().Get("Marker"))
	var out []map[string]any
	for _, r := range fs[lo:hi] {
		f := map[string]any{"FunctionName": r.ID, "FunctionArn": r.ARN, "Runtime": astr(r, "runtime"), "MemorySize": int(anum(r, "memory_mb"))}
		if lm := astr(r, "last_modified"); lm != "" {
			at, _ := time.Parse(time.RFC3339, lm)
			f["LastModified"] = at.UTC().Format("2006-01-02T15:04:05.000-0700")
		}
		out = append(out, f)
	}
	resp := map[string]any{"Functions": out}
	if next != "" {
		resp["NextMarker"] = next
	}
	q.json(200, resp)
}

// cloudwatch answers GetMetricData in rpcv2Cbor with one daily datapoint per
// query, read from the attr the metric stands for.
func (s *Server) cloudwatch(q *req) {
	if q.op != "GetMetricData" {
		q.fail(400, "InvalidAction", "the fake does not serve cloudwatch "+q.op)
		return
	}
	in, _ := q.cbor.(cbor.Map)
	qs, _ := in["MetricDataQueries"].(cbor.List)
	end := s.opts.Now
	if t, err := cbor.AsTime(in["EndTime"]); err == nil {
		end = t
	}
	var results cbor.List
	for _, x := range qs {
		m, _ := x.(cbor.Map)
		id, _ := m["Id"].(cbor.String)
		stat, _ := m["MetricStat"].(cbor.Map)
		metric, _ := stat["Metric"].(cbor.Map)
		name, _ := metric["MetricName"].(cbor.String)
		dims := map[string]string{}
		list, _ := metric["Dimensions"].(cbor.List)
		for _, d := range list {
			dm, _ := d.(cbor.Map)
			k, _ := dm["Name"].(cbor.String)
			v, _ := dm["Value"].(cbor.String)
			dims[string(k)] = string(v)
		}
		res := cbor.Map{"Id": id, "Label": name, "StatusCode": cbor.String("Complete"), "Timestamps": cbor.List{}, "Values": cbor.List{}}
		if v, ok := s.metric(q, string(name), dims); ok {
			res["Timestamps"] = cbor.List{&cbor.Tag{ID: 1, Value: cbor.Float64(float64(end.Add(-24 * time.Hour).Unix()))}}
			res["Values"] = cbor.List{cbor.Float64(v)}
		}
		results = append(results, res)
	}
	q.w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	q.w.Header().Set("Content-Type", "application/cbor")
	q.w.WriteHeader(200)
	q.w.Write(cbor.Encode(cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}))
}

// metric is the value of a metric of one resource over the window, from
// the attr a collector fills with it.
func (s *Server) metric(q *req, name string, dims map[string]string) (float64, bool) {
	find := func(typ, attr string, ok func(*inventory.Resource) bool) (float64, bool) {
		for _, r := range s.resources(q, typ) {
			if ok(r) && ahas(r, attr) {
				return anum(r, attr), true
			}
		}
		return 0, false
	}
	switch name {
	case "DatabaseConnections":
		if id, ok := dims["DBInstanceIdentifier"]; ok {
			return find("AWS::RDS::DBInstance", "connections_max", func(r *inventory.Resource) bool { return r.ID == id })
		}
		return find("AWS::RDS::DBCluster", "connections_max", func(r *inventory.Resource) bool { return r.ID == dims["DBClusterIdentifier"] })
	case "RequestCount", "NewFlowCount":
		return find("AWS::ElasticLoadBalancingV2::LoadBalancer", "request_count_14d", func(r *inventory.Resource) bool { return r.ID == dims["LoadBalancer"] })
	case "BytesOutToDestination":
		return find("AWS::EC2::NatGateway", "bytes_out_14d", func(r *inventory.Resource) bool { return r.ID == dims["NatGatewayId"] })
	case "BucketSizeBytes":
		if dims["StorageType"] != "StandardStorage" {
			return 0, false
		}
		return find("AWS::S3::Bucket", "size_bytes", func(r *inventory.Resource) bool { return r.ID == dims["BucketName"] })
	}
	return 0, false
}

// cloudfront serves the account's distributions from the home region:
// GET /2020-05-31/distribution lists, GET .../distribution/ID/config reads one.
func (s *Server) cloudfront(q *req) {
	var ds []*inventory.Resource
	for _, r := range s.byAccount[q.account] {
		if r.Type == "AWS::CloudFront::Distribution" {
			ds = append(ds, r)
		}
	}
	switch q.op {
	case "ListDistributions":
		lo, hi, next := s.page(len(ds), q.URL.Query().Get("Marker"))
		var b strings.Builder
		for _, r := range ds[lo:hi] {
			fmt.Fprintf(&b, "<DistributionSummary><Id>%s</Id><ARN>%s</ARN><Status>%s</Status><DomainName>%s.cloudfront.net</DomainName><Comment>%s</Comment><Enabled>%t</Enabled><WebACLId>%s</WebACLId></DistributionSummary>",
				r.ID, r.ARN, strings.ToUpper(r.State[:1])+r.State[1:], strings.ToLower(r.ID), esc(r.Name), abool(r, "enabled"), esc(astr(r, "web_acl_id")))
		}
		q.xml(200, fmt.Sprintf("<DistributionList><Marker>%s</Marker>%s<MaxItems>%d</MaxItems><IsTruncated>%t</IsTruncated><Quantity>%d</Quantity><Items>%s</Items></DistributionList>",
			q.URL.Query().Get("Marker"), opt("NextMarker", next), s.opts.PageSize, next != "", hi-lo, b.String()))
	case "GetDistributionConfig":
		id := strings.TrimSuffix(strings.TrimPrefix(q.URL.Path, "/2020-05-31/distribution/"), "/config")
		for _, r := range ds {
			if r.ID == id {
				q.xml(200, fmt.Sprintf("<DistributionConfig><CallerReference>%s</CallerReference><Comment>%s</Comment><Enabled>%t</Enabled><Logging><Enabled>%t</Enabled><IncludeCookies>false</IncludeCookies><Bucket>logs.s3.amazonaws.com</Bucket><Prefix>%s/</Prefix></Logging></DistributionConfig>",
					r.ID, esc(r.Name), abool(r, "enabled"), abool(r, "logging_enabled"), r.ID))
				return
			}
		}
		q.fail(404, "NoSuchDistribution", "The specified distribution does not exist.")
	default:
		q.fail(400, "InvalidAction", "the fake does not serve cloudfront "+q.op)
	}
}
