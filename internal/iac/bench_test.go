package iac

import (
	"encoding/json"
	"testing"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/inventory"
)

// BenchmarkAttribute matches a state holding every other resource of a
// generated estate of about 10,000 resources.
func BenchmarkAttribute(b *testing.B) {
	rs := demo.Generate(10000, 1, demoNow)
	cov := demo.Coverage(rs)
	st := &State{Source: "bench.tfstate"}
	for i := range rs {
		row, ok := byCFN[rs[i].Type]
		if !ok || i%2 == 1 {
			continue
		}
		st.Resources = append(st.Resources, StateResource{Address: row.tf + ".r", Type: row.tf, Provider: "provider.aws",
			Attrs: map[string]any{"id": rs[i].ID, "arn": rs[i].ARN}})
	}
	b.ReportAllocs()
	for b.Loop() {
		work := append([]inventory.Resource(nil), rs...)
		res := Attribute(Inputs{Resources: work, Coverage: cov, States: []*State{st}}, Options{Now: demoNow})
		if res.Total.Managed == 0 {
			b.Fatal("nothing managed")
		}
	}
	b.ReportMetric(float64(len(rs)), "resources")
}

// BenchmarkParseState parses a state of 5,000 instances.
func BenchmarkParseState(b *testing.B) {
	type inst struct {
		IndexKey   int            `json:"index_key"`
		Attributes map[string]any `json:"attributes"`
	}
	insts := make([]inst, 5000)
	for i := range insts {
		insts[i] = inst{i, map[string]any{"id": "i-0abc", "arn": "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-0abc", "tags": map[string]any{"Name": "web"}}}
	}
	data, err := json.Marshal(map[string]any{"version": 4, "terraform_version": "1.7.5", "resources": []map[string]any{{
		"mode": "managed", "type": "aws_instance", "name": "web", "provider": `provider["registry.terraform.io/hashicorp/aws"]`, "instances": insts}}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseState("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}
