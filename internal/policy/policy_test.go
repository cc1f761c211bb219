package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

const goodPolicy = `pack: custom
policies:
  - id: big-volume
    title: Big volume
    types: [AWS::EC2::Volume]
    severity: low
    category: cost
    params: {max_gb: 100}
    where: r.attrs.size_gb > params.max_gb
`

// TestBadInput checks that every kind of bad policy file is an error that
// names the file and line and says what is wrong.
func TestBadInput(t *testing.T) {
	tests := map[string]struct {
		src  string
		want string // substring of the error
	}{
		"malformed yaml": {
			src:  "pack: x\npolicies:\n  - id: [unclosed\n",
			want: "p.yaml:3",
		},
		"unknown field": {
			src:  strings.Replace(goodPolicy, "    severity: low", "    severity: low\n    sevrity: low", 1),
			want: "p.yaml:7",
		},
		"unknown type": {
			src:  strings.Replace(goodPolicy, "AWS::EC2::Volume", "AWS::EC2::Volum", 1),
			want: `p.yaml:5:13: policies[0].types[0]: unknown resource type "AWS::EC2::Volum"`,
		},
		"unknown severity": {
			src:  strings.Replace(goodPolicy, "severity: low", "severity: urgent", 1),
			want: `p.yaml:6:15: policies[0].severity: unknown severity "urgent" (valid: info, low, medium, high, critical)`,
		},
		"unknown category": {
			src:  strings.Replace(goodPolicy, "category: cost", "category: money", 1),
			want: `p.yaml:7:15: policies[0].category: unknown category "money"`,
		},
		"duplicate id": {
			src:  goodPolicy + "  - id: big-volume\n    title: again\n    types: [AWS::EC2::Volume]\n    severity: low\n    category: cost\n    where: 'true'\n",
			want: `p.yaml:10: policy id "big-volume" is already defined at p.yaml:3`,
		},
		"bad id": {
			src:  strings.Replace(goodPolicy, "id: big-volume", "id: Big_Volume", 1),
			want: `p.yaml:3:9: policies[0].id: "Big_Volume" is not a policy id`,
		},
		"missing where": {
			src:  strings.Replace(goodPolicy, "    where: r.attrs.size_gb > params.max_gb\n", "", 1),
			want: "where is required",
		},
		"no pack": {
			src:  strings.Replace(goodPolicy, "pack: custom", "", 1),
			want: "pack: is required",
		},
		"cel syntax": {
			src:  strings.Replace(goodPolicy, "r.attrs.size_gb > params.max_gb", "r.attrs.size_gb >", 1),
			want: "p.yaml:9: policy big-volume: where: Syntax error",
		},
		"cel unknown field of r": {
			src:  strings.Replace(goodPolicy, "r.attrs.size_gb > params.max_gb", "r.atrs.size_gb > 1", 1),
			want: "p.yaml:9: policy big-volume: where: undefined field 'atrs'",
		},
		"cel unknown attr": {
			src:  strings.Replace(goodPolicy, "r.attrs.size_gb > params.max_gb", "r.attrs.size_gib > 1", 1),
			want: `p.yaml:9: policy big-volume: where: r.attrs.size_gib: no type of this policy (AWS::EC2::Volume) has attribute "size_gib"`,
		},
		"cel unknown param": {
			src:  strings.Replace(goodPolicy, "r.attrs.size_gb > params.max_gb", "r.attrs.size_gb > params.max", 1),
			want: `params.max: the policy has no parameter "max"`,
		},
		"cel not bool": {
			src:  strings.Replace(goodPolicy, "r.attrs.size_gb > params.max_gb", "r.name", 1),
			want: "where: must be a bool expression, this one is string",
		},
		"cel error on a later block line": {
			src:  strings.Replace(goodPolicy, "    where: r.attrs.size_gb > params.max_gb\n", "    where: |\n      r.attrs.size_gb > 1 &&\n        nosuch(r)\n", 1),
			want: "p.yaml:11: policy big-volume: where: undeclared reference to 'nosuch'",
		},
		"message unclosed": {
			src:  goodPolicy + "    message: \"${r.id\"\n",
			want: "p.yaml:10: policy big-volume: message: ${ at byte 0 is never closed",
		},
		"message bad expression": {
			src:  goodPolicy + "    message: \"volume ${r.idd} is big\"\n",
			want: "p.yaml:10: policy big-volume: message: undefined field 'idd'",
		},
		"deeply nested": {
			src:  goodPolicy + "    params: {x: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}\n",
			want: "p.yaml:10: nested more than 100 levels deep",
		},
		"waste not a number": {
			src:  goodPolicy + "    waste: r.name\n",
			want: "p.yaml:10: policy big-volume: waste: must be a number of US dollars per month",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ps, err := Parse("p.yaml", []byte(tc.src))
			if err == nil {
				_, err = Compile(ps, testOptions())
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
}

// TestOverrides checks configuration's params, severity and disable, and
// that a typo in any of them is an error rather than a silent no-op.
func TestOverrides(t *testing.T) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		mod     func(*Options)
		wantErr string
		check   func(t *testing.T, e *Engine)
	}{
		"disable pack": {
			mod: func(o *Options) { o.Disable = []string{"security", "ebs-gp2"} },
			check: func(t *testing.T, e *Engine) {
				for _, p := range e.Policies() {
					if p.Pack == "security" || p.ID == "ebs-gp2" {
						t.Errorf("%s is still enabled", p.ID)
					}
				}
			},
		},
		"unknown disable":         {mod: func(o *Options) { o.Disable = []string{"nosuch"} }, wantErr: `policies.disable: "nosuch" is neither a policy id nor a pack name`},
		"unknown param policy":    {mod: func(o *Options) { o.Params = map[string]map[string]any{"nosuch": {"days": 1}} }, wantErr: "policies.params.nosuch: no policy has this id"},
		"unknown param name":      {mod: func(o *Options) { o.Params = map[string]map[string]any{"ebs-unattached": {"dayz": 1}} }, wantErr: `policies.params.ebs-unattached.dayz: policy ebs-unattached has no parameter "dayz" (it has: days)`},
		"unknown severity policy": {mod: func(o *Options) { o.Severity = map[string]string{"nosuch": "high"} }, wantErr: "policies.severity.nosuch: no policy has this id"},
		"severity and params": {
			mod: func(o *Options) {
				o.Severity = map[string]string{"ebs-unattached": "critical"}
				o.Params = map[string]map[string]any{"ebs-unattached": {"days": 60}}
			},
			check: func(t *testing.T, e *Engine) {
				now := e.opts.Now
				rs := []inventory.Resource{
					{ARN: "a", Account: "1", Type: "AWS::EC2::Volume", ID: "vol-a", State: "available", Created: now.Add(-41 * 24 * time.Hour)},
					{ARN: "b", Account: "1", Type: "AWS::EC2::Volume", ID: "vol-b", State: "available", Created: now.Add(-61 * 24 * time.Hour)},
				}
				fs, err := e.Evaluate(context.Background(), rs)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					if f.Policy == "ebs-unattached" {
						got = append(got, f.ARN+" "+f.Severity.String())
					}
				}
				if diff := cmp.Diff([]string{"b critical"}, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := testOptions()
			tc.mod(&o)
			e, err := Compile(ps, o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, e)
		})
	}
}

// TestEvaluate checks a whole finding: sort order, owner, money in the
// configured currency, message and related resources.
func TestEvaluate(t *testing.T) {
	ps, err := Parse("p.yaml", []byte(`pack: t
policies:
  - id: vol-free
    title: Free volume
    types: [AWS::EC2::Volume]
    severity: medium
    category: waste
    where: r.state == 'available'
    waste: r.monthly_cost
    message: "${r.id} (${r.attrs.size_gb} GB) free for ${age(r)}, ${money(r.monthly_cost)}"
  - id: inst-has-volumes
    title: Instance volumes
    types: [AWS::EC2::Instance]
    severity: high
    category: cost
    where: size(referrers(r, 'attached-to')) > 0
    message: "${referrers(r, 'attached-to').map(v, v.id)} on ${r.id}; first ${related(referrers(r, 'attached-to')[0], 'attached-to')[0].id}"
`))
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	o.Currency, o.Rate = "JPY", 150
	e, err := Compile(ps, o)
	if err != nil {
		t.Fatal(err)
	}
	now := o.Now
	rs := []inventory.Resource{
		{ARN: "v2", Account: "1", Region: "ap-northeast-1", Type: "AWS::EC2::Volume", ID: "vol-2", State: "available", Created: now.Add(-3 * 24 * time.Hour), MonthlyCost: 10, Attrs: inventory.AttrsOf(map[string]any{"size_gb": 100.0})},
		{ARN: "v1", Account: "1", Region: "ap-northeast-1", Type: "AWS::EC2::Volume", ID: "vol-1", Name: "shop-prod-data", State: "in-use", Relations: []inventory.Relation{{Kind: "attached-to", Target: "i1"}}},
		{ARN: "i1", Account: "1", Region: "ap-northeast-1", Type: "AWS::EC2::Instance", ID: "i-1", Tags: inventory.TagsOf(map[string]string{"owner": "sato"})},
	}
	got, err := e.Evaluate(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Finding{
		{Policy: "inst-has-volumes", Title: "Instance volumes", Category: "cost", Severity: finding.High, ARN: "i1", Type: "AWS::EC2::Instance",
			Account: "1", Region: "ap-northeast-1", Owner: "sato", OwnerSource: "tag", Currency: "JPY", Rate: 150, Message: "vol-1 on i-1; first i-1"},
		{Policy: "vol-free", Title: "Free volume", Category: "waste", Severity: finding.Medium, ARN: "v2", Type: "AWS::EC2::Volume",
			Account: "1", Region: "ap-northeast-1", Currency: "JPY", Rate: 150, MonthlyWaste: 1500, Message: "vol-2 (100 GB) free for 3 days, ¥1,500"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Evaluate(ctx, rs); err == nil {
		t.Error("a cancelled context did not stop the evaluation")
	}
}

func TestSplitMessage(t *testing.T) {
	tests := map[string]struct {
		in    string
		parts []string
		exprs []bool
	}{
		"plain":        {"no vars", []string{"no vars"}, []bool{false}},
		"one":          {"a ${r.id} b", []string{"a ", "r.id", " b"}, []bool{false, true, false}},
		"nested brace": {"${ {'a': 1}['a'] }!", []string{" {'a': 1}['a'] ", "!"}, []bool{true, false}},
		"quoted brace": {"${'}'}", []string{"'}'"}, []bool{true}},
		"dollar alone": {"$5 ${x}", []string{"$5 ", "x"}, []bool{false, true}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			parts, exprs, _, err := splitMessage(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.parts, parts); diff != "" {
				t.Errorf("parts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.exprs, exprs); diff != "" {
				t.Errorf("exprs (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(goodPolicy))
	f.Add([]byte("pack: x\npolicies:\n  - id: a1\n    title: t\n    types: [AWS::S3::Bucket]\n    severity: low\n    category: cost\n    where: \"true\"\n    message: \"${r.name} ${'}'}\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		// Whatever parses must compile or fail with an error, never panic.
		_, _ = Compile(ps, testOptions())
	})
}

func FuzzParseTestFile(f *testing.F) {
	for _, name := range []string{"waste_test.yaml", "security_test.yaml"} {
		data, err := builtinFS.ReadFile("packs/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseTestFile("fuzz_test.yaml", data)
		if err != nil {
			return
		}
		for i := range rs {
			if err := rs[i].Validate(); err != nil {
				t.Fatalf("ParseTestFile returned an invalid resource: %v", err)
			}
		}
	})
}

// TestEvaluateOrder checks that findings from several workers come out in
// SortFindings order: severity (highest first), policy id, then ARN, with
// a severity override moving a policy's findings.
func TestEvaluateOrder(t *testing.T) {
	ps, err := Parse("p.yaml", []byte(`pack: t
policies:
  - {id: b-low, title: B, types: ["AWS::EC2::Volume"], severity: low, category: waste, where: "true"}
  - {id: a-low, title: A, types: ["AWS::EC2::Volume"], severity: low, category: waste, where: "r.state == 'available'"}
  - {id: c-high, title: C, types: ["AWS::EC2::Volume"], severity: high, category: waste, where: "r.id.endsWith('7')"}
  - {id: d-medium, title: D, types: ["AWS::EC2::Volume"], severity: medium, category: waste, where: "r.id.endsWith('3')"}
`))
	if err != nil {
		t.Fatal(err)
	}
	var rs []inventory.Resource
	for i := range 3000 {
		// Descending ARNs, so resource order is never the sorted order.
		rs = append(rs, inventory.Resource{ARN: fmt.Sprintf("arn:v/%05d", 3000-i), Type: "AWS::EC2::Volume", ID: fmt.Sprintf("vol-%d", i), State: []string{"available", "in-use"}[i%2]})
	}
	tests := map[string]struct {
		severity map[string]string
		order    []string
	}{
		"as written":    {order: []string{"c-high", "d-medium", "a-low", "b-low"}},
		"with override": {severity: map[string]string{"b-low": "critical"}, order: []string{"b-low", "c-high", "d-medium", "a-low"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := testOptions()
			o.Workers, o.Severity = 4, tc.severity
			e, err := Compile(ps, o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(got)
			SortFindings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("not in SortFindings order (-want +got):\n%s", diff)
			}
			var order []string
			count := map[string]int{}
			for _, f := range got {
				if len(order) == 0 || order[len(order)-1] != f.Policy {
					order = append(order, f.Policy)
				}
				count[f.Policy]++
			}
			if diff := cmp.Diff(tc.order, order); diff != "" {
				t.Errorf("policy order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int{"a-low": 1500, "b-low": 3000, "c-high": 300, "d-medium": 300}, count); diff != "" {
				t.Errorf("findings per policy (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFoldedParams checks that params folded into expressions at compile
// time give the same findings as reading them, and that a parameter whose
// value cannot be folded still compiles and fails only at evaluation.
func TestFoldedParams(t *testing.T) {
	ps, err := Parse("p.yaml", []byte(`pack: t
policies:
  - id: vol-old
    title: Old volume
    types: ["AWS::EC2::Volume"]
    severity: low
    category: waste
    params: {days: 7, ports: [22, 80]}
    where: age(r) > days(params.days) && 80 in params.ports
    message: "${r.id} is older than ${days(params.days)} (ports ${params.ports})"
`))
	if err != nil {
		t.Fatal(err)
	}
	now := testOptions().Now
	rs := []inventory.Resource{
		{ARN: "old", Type: "AWS::EC2::Volume", ID: "vol-old", Created: now.Add(-10 * 24 * time.Hour)},
		{ARN: "new", Type: "AWS::EC2::Volume", ID: "vol-new", Created: now.Add(-3 * 24 * time.Hour)},
	}
	tests := map[string]struct {
		params map[string]map[string]any
		want   []string
	}{
		"defaults":       {want: []string{"old: vol-old is older than 7 days (ports 22, 80)"}},
		"override":       {params: map[string]map[string]any{"vol-old": {"days": 2}}, want: []string{"new: vol-new is older than 2 days (ports 22, 80)", "old: vol-old is older than 2 days (ports 22, 80)"}},
		"not a number":   {params: map[string]map[string]any{"vol-old": {"days": "soon"}}},
		"port not there": {params: map[string]map[string]any{"vol-old": {"ports": []any{22}}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := testOptions()
			o.Params = tc.params
			e, err := Compile(ps, o)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := e.Evaluate(context.Background(), rs)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.ARN+": "+f.Message)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFormat pins the text of money, sizes and durations in messages, so a
// faster formatter cannot change what people read.
func TestFormat(t *testing.T) {
	tests := map[string]struct {
		got, want string
	}{
		"usd":           {formatMoney(1234.345, "USD"), "$1,234.35"},
		"usd default":   {formatMoney(0, ""), "$0.00"},
		"usd negative":  {formatMoney(-3.5, "USD"), "-$3.50"},
		"jpy rounds":    {formatMoney(1499.5, "JPY"), "¥1,500"},
		"other":         {formatMoney(7.1, "EUR"), "7.10 EUR"},
		"bytes":         {bytesHuman(999), "999 B"},
		"kilobytes":     {bytesHuman(1000), "1.0 KB"},
		"terabytes":     {bytesHuman(1.5e12), "1.5 TB"},
		"beyond PB":     {bytesHuman(2e18), "2000.0 PB"},
		"zero":          {bytesHuman(0), "0 B"},
		"days":          {display(types.Duration{Duration: 50 * time.Hour}, i18n.EN), "2 days"},
		"hours":         {display(types.Duration{Duration: 47*time.Hour + 29*time.Second}, i18n.EN), "47h0m0s"},
		"whole double":  {display(types.Double(100), i18n.EN), "100"},
		"double":        {display(types.Double(2.345), i18n.EN), "2.35"},
		"list of ints":  {display(types.NewDynamicList(types.DefaultTypeAdapter, []int64{22, 3389}), i18n.EN), "22, 3389"},
		"timestamp day": {display(types.Timestamp{Time: time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)}, i18n.EN), "2026-03-01"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestOwnerAfterNameOK checks that the owner read from the name is the same
// whether or not a policy asked name_ok() first (which keeps its answer for
// the owner resolution).
func TestOwnerAfterNameOK(t *testing.T) {
	for _, where := range []string{"true", "name_ok(r) || true", "!name_ok(r) || true"} {
		t.Run(where, func(t *testing.T) {
			ps, err := Parse("p.yaml", []byte(`pack: t
policies:
  - {id: any, title: Any, types: ["AWS::EC2::Instance"], severity: low, category: naming, where: "`+where+`"}
`))
			if err != nil {
				t.Fatal(err)
			}
			e, err := Compile(ps, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			fs, err := e.Evaluate(context.Background(), []inventory.Resource{
				{ARN: "a", Type: "AWS::EC2::Instance", Name: "shop-prod-web-01"},
				{ARN: "b", Type: "AWS::EC2::Instance", Name: "Shop_Web", Origin: &inventory.Origin{Creator: &inventory.Creator{Principal: "sato"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, strings.Join([]string{f.ARN, f.Owner, f.System, f.Env, f.OwnerSource}, "/"))
			}
			want := []string{"a//shop/prod/naming", "b/sato///creator"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunTestsCompilesUntested: a policy whose expression does not compile
// fails policy test even when no test file covers it.
func TestRunTestsCompilesUntested(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(goodPolicy, "where: r.attrs.size_gb > params.max_gb", "where: r.attrs.size_gb >", 1)
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := RunTests(context.Background(), dir, testOptions())
	if err == nil || !strings.Contains(err.Error(), "p.yaml:9: policy big-volume: where: Syntax error") {
		t.Fatalf("RunTests = %v, want the syntax error at p.yaml:9", err)
	}
}

// Select is the policies Compile runs, overrides applied, in its order,
// and refuses the options Compile refuses.
func TestSelectIsWhatCompileRuns(t *testing.T) {
	ps, err := LoadFS(BuiltinFS(), "builtin:")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ps, func(p *Policy) bool { return p.ID == "ebs-unattached" })
	if i < 0 {
		t.Fatal("the test's policy ebs-unattached is not built in")
	}
	other := ps[slices.IndexFunc(ps, func(p *Policy) bool { return p.Pack != ps[i].Pack })].Pack
	opts := Options{Disable: []string{"rds-public", other}, Severity: map[string]string{"ebs-unattached": "critical"}}
	compileOpts := opts
	compileOpts.Now = time.Now()
	eng, err := Compile(ps, compileOpts)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := Select(ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	brief := func(ps []*Policy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID+":"+p.Severity.String())
		}
		return out
	}
	want := brief(eng.Policies())
	if diff := cmp.Diff(want, brief(sel)); diff != "" {
		t.Errorf("Select differs from Compile (-compile +select):\n%s", diff)
	}
	if len(want) >= len(ps) || !slices.Contains(want, "ebs-unattached:critical") || slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, "rds-public:") }) {
		t.Errorf("the overrides were not applied: %v", want)
	}
	if _, err := Select(ps, Options{Disable: []string{"no-such-policy"}}); err == nil {
		t.Error("Select took a disable of no policy")
	}
}
