package framework

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/report/table"
)

func TestCatalogue(t *testing.T) {
	fws, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if got := IDs(); !cmp.Equal(got, []string{"fsbp", "cis"}) {
		t.Errorf("IDs() = %v", got)
	}
	for _, fw := range fws {
		seen := map[string]bool{}
		for _, c := range fw.Controls {
			if !IsControlID(c.ID) || seen[c.ID] {
				t.Errorf("%s: control %q malformed or repeated", fw.ID, c.ID)
			}
			seen[c.ID] = true
		}
	}
	fsbp, err := Get("FSBP")
	if err != nil {
		t.Fatal(err)
	}
	// Controls of services steward collects that the standard lists; a
	// catalogue that lost one would quietly raise the coverage figure.
	for _, id := range []string{"S3.1", "S3.13", "EC2.2", "EC2.25", "RDS.25", "ELB.14", "IAM.21", "KMS.3", "Lambda.5", "ECS.12", "ECR.3", "CloudTrail.5", "Config.1", "GuardDuty.1", "CloudFront.12"} {
		if !seen(fsbp, id) {
			t.Errorf("fsbp lacks %s", id)
		}
	}
	_, err = Get("pci")
	p, ok := i18n.PhraseOf(err)
	if want := `unknown framework "pci" (valid: fsbp, cis)`; err == nil || err.Error() != want || !ok {
		t.Errorf("Get(pci) error = %v, want %s said as a phrase", err, want)
	}
	if got, want := p.In(i18n.JA), `"pci" というフレームワークはありません（指定できる値: fsbp, cis）`; got != want {
		t.Errorf("Get(pci) in Japanese = %s, want %s", got, want)
	}
}

func seen(fw *Framework, id string) bool {
	for _, c := range fw.Controls {
		if c.ID == id {
			return true
		}
	}
	return false
}

func TestParseRejects(t *testing.T) {
	tests := map[string]struct{ yaml, want string }{
		"bad fsbp id": {`frameworks: [{id: fsbp, name: F, controls: [{id: s3-1, title: T, severity: low, types: ["AWS::S3::Bucket"]}]}]`, `control id "s3-1"`},
		"bad cis id":  {`frameworks: [{id: cis, name: C, controls: [{id: "1.4", title: T, severity: low, types: ["AWS::S3::Bucket"]}]}]`, `control id "1.4"`},
		"repeated": {`frameworks: [{id: fsbp, name: F, controls: [{id: S3.1, title: T, severity: low, types: ["AWS::S3::Bucket"]},
			{id: S3.1, title: U, severity: low, types: ["AWS::S3::Bucket"]}]}]`, "S3.1 listed twice"},
		"no severity":      {`frameworks: [{id: fsbp, name: F, controls: [{id: S3.1, title: T, types: ["AWS::S3::Bucket"]}]}]`, "severity must be"},
		"uncollected type": {`frameworks: [{id: fsbp, name: F, controls: [{id: KMS.3, title: T, severity: low, types: ["AWS::KMS::Key"]}]}]`, "AWS::KMS::Key is not collected"},
		"unknown key":      {`frameworks: [{id: fsbp, name: F, controls: [{id: S3.1, titel: T}]}]`, "titel"},
		"missing title":    {`frameworks: [{id: fsbp, name: F, controls: [{id: S3.1, severity: low, types: ["AWS::S3::Bucket"]}]}]`, "title is required"},
		"bad cis control":  {`frameworks: [{id: cis, name: C, controls: [{id: "CIS 1.4", control: iam-4, title: T, severity: low, types: ["AWS::S3::Bucket"]}]}]`, `"iam-4"`},
		"framework twice":  {`frameworks: [{id: fsbp, name: F, controls: [{id: S3.1, title: T, severity: low, types: ["AWS::S3::Bucket"]}]}, {id: fsbp, name: F, controls: [{id: S3.1, title: T, severity: low, types: ["AWS::S3::Bucket"]}]}]`, "listed twice"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	fw := &Framework{ID: "fsbp", Name: "F", Controls: []Control{
		{ID: "S3.1", Title: "bpa", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}},
		{ID: "S3.4", Title: "enc", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}},
		{ID: "RDS.3", Title: "rds", Severity: finding.Medium, Types: []string{"AWS::RDS::DBInstance"}},
		{ID: "ECR.1", Title: "ecr", Severity: finding.High, Types: []string{"AWS::ECR::Repository"}},
		{ID: "S3.9", Title: "log", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}},
		{ID: "S3.5", Title: "ssl", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}, Missing: "bucket policy statements"},
		{ID: "GuardDuty.1", Title: "gd", Severity: finding.High, Types: []string{"Steward::Account::Region"}, Services: []string{"guardduty"}},
	}}
	ps := []PolicyRef{
		{ID: "bpa", References: []string{"S3.1"}, Builtin: true, Enabled: true},
		{ID: "bpa2", References: []string{"S3.1"}, Builtin: true, Enabled: true},
		{ID: "enc", References: []string{"S3.4"}, Builtin: true, Enabled: true},
		{ID: "rds", References: []string{"RDS.3"}, Builtin: true, Enabled: true},
		{ID: "ecr", References: []string{"ECR.1"}, Builtin: true, Enabled: true},
		{ID: "log", References: []string{"S3.9"}, Builtin: true, Enabled: false},
		{ID: "mine", References: []string{"S3.5"}, Builtin: false, Enabled: true},
		{ID: "gd", References: []string{"GuardDuty.1"}, Builtin: true, Enabled: true},
	}
	s := &inventory.Scan{Coverage: []inventory.Coverage{
		{Account: "1", Region: "eu-west-1", Service: "s3", OK: true},
		{Account: "1", Region: "eu-west-1", Service: "rds", OK: true},
		{Account: "1", Region: "eu-west-1", Service: "guardduty", OK: true},
		{Account: "1", Region: "us-east-1", Service: "guardduty", OK: false, ErrorKind: "access-denied"},
	}}
	rs := []inventory.Resource{{Type: "AWS::S3::Bucket"}, {Type: "Steward::Account::Region"}}
	fs := []finding.Finding{{Policy: "bpa"}, {Policy: "bpa2"}, {Policy: "bpa"}}
	got := Evaluate(fw, ps, s, rs, fs)
	want := []ControlResult{
		{ID: "S3.1", Title: "bpa", Severity: finding.Medium, Status: Failed, Findings: 3, Policies: []string{"bpa", "bpa2"}},
		{ID: "S3.4", Title: "enc", Severity: finding.Medium, Status: Passed, Policies: []string{"enc"}},
		{ID: "RDS.3", Title: "rds", Severity: finding.Medium, Status: NotApplicable, Reason: "no resource of its types", Policies: []string{"rds"}},
		{ID: "ECR.1", Title: "ecr", Severity: finding.High, Status: NotChecked, Reason: "coverage gap: ecr not read by this scan", Policies: []string{"ecr"}},
		{ID: "S3.9", Title: "log", Severity: finding.Medium, Status: NotChecked, Reason: "policy log disabled"},
		{ID: "S3.5", Title: "ssl", Severity: finding.Medium, Status: NotChecked, Reason: "steward does not collect the data: bucket policy statements"},
		{ID: "GuardDuty.1", Title: "gd", Severity: finding.High, Status: NotChecked, Reason: "coverage gap: guardduty not read in 1/us-east-1 (access-denied)", Policies: []string{"gd"}},
	}
	// The reasons' phrases say the same in another language; the English
	// words are compared here, the Japanese in TestReasonsJapanese.
	if diff := cmp.Diff(want, got.Controls, cmpopts.IgnoreFields(ControlResult{}, "ReasonPhrase")); diff != "" {
		t.Errorf("controls (-want +got):\n%s", diff)
	}
	for _, c := range got.Controls {
		if c.Reason != "" && c.ReasonPhrase.In(i18n.EN) != c.Reason {
			t.Errorf("%s: phrase says %q, reason %q", c.ID, c.ReasonPhrase.In(i18n.EN), c.Reason)
		}
	}
	if got.Score == nil || *got.Score != 0.5 || got.Passed != 1 || got.Failed != 1 || got.NotAppl != 1 || got.Unknown != 4 {
		t.Errorf("score %v passed %d failed %d n/a %d not checked %d", got.Score, got.Passed, got.Failed, got.NotAppl, got.Unknown)
	}
	if empty := Evaluate(fw, nil, s, rs, nil); empty.Score != nil {
		t.Errorf("score with nothing decided = %v, want null", *empty.Score)
	}
	if c := CoverageOf(Map(fw, ps)); c != (Coverage{Controls: 7, Decidable: 6, Checked: 5}) {
		t.Errorf("coverage = %+v", c)
	}
}

// TestPassNeedsData: a control passes only when the scan holds the data its
// policies read; a source that records none of it leaves the control not
// checked.
func TestPassNeedsData(t *testing.T) {
	fw := &Framework{ID: "fsbp", Name: "F", Controls: []Control{
		{ID: "RDS.8", Title: "dp", Severity: finding.Low, Types: []string{"AWS::RDS::DBInstance"}},
	}}
	ps := []PolicyRef{{ID: "dp", References: []string{"RDS.8"}, Builtin: true, Enabled: true, Attrs: attrsRead("has(r.attrs.deletion_protection) && r.attrs.deletion_protection == false")}}
	s := &inventory.Scan{Coverage: []inventory.Coverage{{Account: "1", Region: "r", Service: "rds", OK: true}}}
	tests := map[string]struct {
		attrs  map[string]any
		status Status
		reason string
	}{
		"recorded":     {attrs: map[string]any{"deletion_protection": true}, status: Passed},
		"not recorded": {attrs: map[string]any{"engine": "mysql"}, status: NotChecked, reason: "this source does not record deletion_protection"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Evaluate(fw, ps, s, []inventory.Resource{{Type: "AWS::RDS::DBInstance", Attrs: inventory.AttrsOf(tc.attrs)}}, nil).Controls[0]
			if got.Status != tc.status || got.Reason != tc.reason {
				t.Errorf("status %s (%q), want %s (%q)", got.Status, got.Reason, tc.status, tc.reason)
			}
		})
	}
}

// TestReasonsJapanese: why a control is not checked reads in the reader's
// language in the mapping and in a scan's result; JSON keeps English.
func TestReasonsJapanese(t *testing.T) {
	fw := &Framework{ID: "fsbp", Name: "F", Controls: []Control{
		{ID: "S3.5", Title: "ssl", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}, Missing: "bucket policy statements"},
		{ID: "S3.9", Title: "log", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}},
		{ID: "S3.1", Title: "bpa", Severity: finding.Medium, Types: []string{"AWS::S3::Bucket"}},
	}}
	ps := []PolicyRef{
		{ID: "log", References: []string{"S3.9"}, Builtin: true, Enabled: false},
		{ID: "bpa", References: []string{"S3.1"}, Builtin: true, Enabled: true},
	}
	tests := map[string]struct {
		in   func(i18n.Lang) string
		want []string
	}{
		"mapping": {func(l i18n.Lang) string {
			var b strings.Builder
			if err := table.Render(&b, table.FormatTable, MappingTable(fw, Map(fw, ps), l), table.Options{}); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, []string{"未チェック: steward が収集していないデータが必要: bucket policy statements", "未チェック: ポリシー log が無効"}},
		"result": {func(l i18n.Lang) string {
			var b strings.Builder
			if err := table.Render(&b, table.FormatTable, Evaluate(fw, ps, nil, nil, nil).Table(l), table.Options{}); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, []string{"スキャンの取得範囲が記録されていない", "ポリシー log が無効"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ja := tc.in(i18n.JA)
			for _, w := range tc.want {
				if !strings.Contains(ja, w) {
					t.Errorf("no %q in:\n%s", w, ja)
				}
			}
			for _, english := range []string{"does not collect", "disabled", "coverage"} {
				if strings.Contains(ja, english) {
					t.Errorf("English %q in:\n%s", english, ja)
				}
			}
		})
	}
}
