package iac

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/golden"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"

	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/inventory"
)

// demoNow fixes the demo estate's clock for the fixtures.
var demoNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// demoStates builds the Terraform states the demo estate would have: prod's
// shop and api systems and its platform network, with two instances
// deleted by hand since (missing), the api's first security group also in
// the platform state (declared twice), and everything else unmanaged.
func demoStates(rs []inventory.Resource) map[string][]byte {
	type inst struct {
		module, typ, name string
		key               any
		attrs             map[string]any
	}
	files := map[string][]inst{}
	counts := map[string]int{}
	var firstAPISG *inventory.Resource
	for i := range rs {
		r := &rs[i]
		row, ok := byCFN[r.Type]
		system, _ := r.Tag("system")
		if !ok || r.Account != demo.ProdAccount || (system != "shop" && system != "api" && system != "platform") || isDefault(r) {
			continue
		}
		file := system + "-prod.tfstate"
		attrs := map[string]any{"id": r.ID, "arn": r.ARN}
		if strings.HasPrefix(row.importIDOf(r.ARN, r.ID), "arn:") || r.Type == "AWS::ECS::Service" || r.Type == "AWS::ECS::Cluster" {
			attrs["id"] = r.ARN
		}
		if len(r.Tags) > 0 {
			tags := map[string]any{}
			for k, v := range r.Tags {
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
			in.name = suggestName(&Entry{Name: r.Name, ID: r.ID, Tags: r.Tags})
		}
		if r.Type == "AWS::EC2::SecurityGroup" && system == "api" && firstAPISG == nil {
			firstAPISG = r
			dup := in
			dup.module, dup.name, dup.key = "", "api_legacy", nil
			files["platform-prod.tfstate"] = append(files["platform-prod.tfstate"], dup)
		}
		files[file] = append(files[file], in)
	}
	for _, id := range []string{"i-0deleted00000001", "i-0deleted00000002"} {
		files["shop-prod.tfstate"] = append(files["shop-prod.tfstate"], inst{typ: "aws_instance", name: "batch_worker", key: id, attrs: map[string]any{
			"id": id, "arn": "arn:aws:ec2:ap-northeast-1:" + demo.ProdAccount + ":instance/" + id, "tags": map[string]any{"system": "shop", "env": "prod"},
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
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			panic(err)
		}
		out[file] = append(b, '\n')
	}
	return out
}

func TestDemoStates(t *testing.T) {
	got := demoStates(demo.Estate(demoNow))
	if len(got) != 3 {
		t.Fatalf("demo states = %d files, want 3 (shop, api, platform)", len(got))
	}
	for file, data := range got {
		golden.Check(t, filepath.Join("testdata", "demo", file), data)
	}
}

// TestDemoReport runs `steward iac` on the demo estate and its states and
// checks every format against golden files.
func TestDemoReport(t *testing.T) {
	tests := map[string]RunOptions{
		"table":        {Format: "table"},
		"table-80":     {Format: "table", Width: 80},
		"json":         {Format: "json"},
		"imports-api":  {Format: "imports", Import: ImportFilter{System: "api"}},
		"ja-table-80":  {Format: "table", Width: 80, Lang: i18n.JA},
		"ja-table-160": {Format: "table", Width: 160, Lang: i18n.JA},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			o.Source, o.Now, o.States = demo.New(demoNow), demoNow, []string{"testdata/demo/*.tfstate"}
			var buf bytes.Buffer
			out, err := Run(context.Background(), o, &buf)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", "demo-"+name+".txt"), buf.Bytes())
			for _, line := range strings.Split(buf.String(), "\n") {
				if o.Width > 0 && table.Width(line) > o.Width {
					t.Errorf("line of %d columns at width %d: %q", table.Width(line), o.Width, line)
				}
			}
			if o.Lang == i18n.JA && o.Format == "table" {
				for _, want := range []string{"IaC カバレッジ: ", "管理下", "管理外（", "アカウントに実体なし（", "二重に宣言されたリソース（1件）", "作成者"} {
					if !strings.Contains(buf.String(), want) {
						t.Errorf("no %q in the Japanese table", want)
					}
				}
			}
			res := out.Result
			if len(res.Missing) != 2 || len(res.Duplicates) != 1 || len(out.Problems) != 0 {
				t.Errorf("missing %d, duplicates %d, problems %v; want 2, 1, none", len(res.Missing), len(res.Duplicates), out.Problems)
			}
			// Coverage reproduces by hand from the lists.
			m, u, x := len(res.Managed), len(res.Unmanaged), len(res.Missing)
			if want := fmt.Sprintf("%.1f", 100*float64(m)/float64(m+u+x)); want != fmt.Sprintf("%.1f", res.Total.Percent) {
				t.Errorf("coverage %.1f, by hand %s", res.Total.Percent, want)
			}
		})
	}
}

// TestDemoJSONSameInEveryLanguage: JSON is read by programs; it does
// not change with the language.
func TestDemoJSONSameInEveryLanguage(t *testing.T) {
	out := map[i18n.Lang]string{}
	for _, lang := range []i18n.Lang{i18n.EN, i18n.JA} {
		o := RunOptions{Format: "json", Lang: lang, Source: demo.New(demoNow), Now: demoNow, States: []string{"testdata/demo/*.tfstate"}}
		var buf bytes.Buffer
		if _, err := Run(context.Background(), o, &buf); err != nil {
			t.Fatal(err)
		}
		out[lang] = buf.String()
	}
	if len(out[i18n.EN]) < 1000 || out[i18n.EN] != out[i18n.JA] {
		t.Error("iac JSON changes with the language")
	}
}
