package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

func TestJSONShape(t *testing.T) {
	var got struct {
		Generated time.Time `json:"generated"`
		Scan      struct {
			ID        string               `json:"id"`
			Source    string               `json:"source"`
			Started   time.Time            `json:"started"`
			Finished  time.Time            `json:"finished"`
			Complete  bool                 `json:"complete"`
			Resources int                  `json:"resources"`
			APICalls  map[string]int       `json:"api_calls"`
			Coverage  []inventory.Coverage `json:"coverage"`
			Gaps      []inventory.Coverage `json:"gaps"`
		} `json:"scan"`
		Summary  Summary          `json:"summary"`
		Findings []map[string]any `json:"findings"`
	}
	out := render(t, FormatJSON, loadFixture(t), Options{})
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatal("output holds more than one JSON value")
	}

	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	if diff := cmp.Diff(at("2025-06-02T03:03:00Z"), got.Generated); diff != "" {
		t.Errorf("generated (-want +got):\n%s", diff)
	}
	scanFields := []struct {
		name      string
		want, got any
	}{
		{"id", "scan-20250602-0300", got.Scan.ID},
		{"source", "aws", got.Scan.Source},
		{"started", at("2025-06-02T03:00:00Z"), got.Scan.Started},
		{"finished", at("2025-06-02T03:02:41Z"), got.Scan.Finished},
		{"complete", false, got.Scan.Complete},
		{"resources", 412, got.Scan.Resources},
		{"api_calls", map[string]int{"ec2": 120, "rds": 14, "s3": 60}, got.Scan.APICalls},
		{"len(coverage)", 6, len(got.Scan.Coverage)},
		{"coverage[0]", inventory.Coverage{Account: "111122223333", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 210}, got.Scan.Coverage[0]},
		{"gaps", []inventory.Coverage{
			{Account: "222233334444", Region: "ap-east-1", Service: "ec2", ErrorKind: "opt-in-required"},
			{Account: "222233334444", Region: "us-east-1", Service: "rds", ErrorKind: "access-denied", Error: "rds:DescribeDBInstances denied by SCP"},
		}, got.Scan.Gaps},
	}
	for _, f := range scanFields {
		if diff := cmp.Diff(f.want, f.got); diff != "" {
			t.Errorf("scan.%s (-want +got):\n%s", f.name, diff)
		}
	}

	wantSummary := Summary{
		Total:           8,
		BySeverity:      map[string]int{"critical": 1, "high": 2, "medium": 3, "low": 1, "info": 1},
		ByCategory:      map[string]int{"security": 3, "waste": 2, "idle": 1, "tagging": 2, "naming": 0, "iac": 0, "cost": 0},
		MonthlyWaste:    50.19, // 40.96 + 8 + 1.234 rounded to cents; the JPY finding is apart
		Currency:        "USD",
		OtherCurrencies: map[string]float64{"JPY": 6800},
	}
	if diff := cmp.Diff(wantSummary, got.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	// Worst first, then by policy, account, region and ARN.
	var order []string
	for _, f := range got.Findings {
		order = append(order, f["severity"].(string)+" "+f["policy"].(string)+" "+f["arn"].(string))
	}
	wantOrder := []string{
		"critical s3-bucket-public arn:aws:s3:::prod-assets",
		"high iam-user-no-mfa arn:aws:iam::111122223333:user/ci-deployer",
		"high rds-unencrypted arn:aws:rds:ap-northeast-1:111122223333:db:legacy-db",
		"medium ebs-volume-unattached arn:aws:ec2:ap-northeast-1:111122223333:volume/vol-0a1b2c3d",
		"medium ebs-volume-unattached arn:aws:ec2:us-east-1:222233334444:volume/vol-0ffee",
		"medium nat-gateway-idle arn:aws:ec2:ap-northeast-1:111122223333:natgateway/nat-0abc",
		"low tag-owner-missing arn:aws:ec2:us-east-1:222233334444:instance/i-0123456789abcdef0",
		"info tag-owner-missing arn:aws:logs:ap-northeast-1:111122223333:log-group:/aws/lambda/old-fn",
	}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("finding order (-want +got):\n%s", diff)
	}
	for i, f := range got.Findings {
		for _, key := range []string{"policy", "category", "severity", "arn", "type", "account", "region", "name", "owner", "monthly_waste", "currency", "message"} {
			if _, ok := f[key]; !ok {
				t.Errorf("findings[%d] lacks %q", i, key)
			}
		}
	}
	// An empty currency on a finding is the report's currency.
	if got, want := got.Findings[7]["currency"], "USD"; got != want {
		t.Errorf("findings[7].currency = %v, want %v", got, want)
	}
}

func TestJSONEmpty(t *testing.T) {
	out := render(t, FormatJSON, &Report{}, Options{})
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"generated": nil,
		"scan":      nil,
		"findings":  []any{},
		"summary": map[string]any{
			"total":         0.0,
			"monthly_waste": 0.0,
			"currency":      "USD",
			"by_severity":   map[string]any{"critical": 0.0, "high": 0.0, "medium": 0.0, "low": 0.0, "info": 0.0},
			"by_category":   map[string]any{"naming": 0.0, "tagging": 0.0, "waste": 0.0, "idle": 0.0, "security": 0.0, "iac": 0.0, "cost": 0.0},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("empty report (-want +got):\n%s", diff)
	}
}

func TestCSVParsesBack(t *testing.T) {
	rep := loadFixture(t)
	out := render(t, FormatCSV, rep, Options{})
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if diff := cmp.Diff(csvTitles(), records[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if got, want := len(records)-1, len(rep.Findings); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	col := make(map[string]int)
	for i, h := range records[0] {
		col[h] = i
	}
	tests := map[string]struct {
		row  int
		want map[string]string
	}{
		"first is the worst": {0, map[string]string{
			"policy": "s3-bucket-public", "severity": "critical", "arn": "arn:aws:s3:::prod-assets",
			"monthly_waste": "0.00", "currency": "USD", "first_seen": "2025-05-30T03:00:00Z",
		}},
		"global resource keeps an empty region": {1, map[string]string{"region": "", "type": "AWS::IAM::User"}},
		"Japanese name survives":                {3, map[string]string{"name": "検証用ボリューム", "monthly_waste": "40.96", "system": "billing", "env": "qa3"}},
		"yen have no decimals":                  {5, map[string]string{"monthly_waste": "6800", "currency": "JPY"}},
		"formula is defused":                    {6, map[string]string{"name": `'=HYPERLINK("http://x")`, "message": "no owner, system or env tag; created in the console by alice"}},
		"currency filled in":                    {7, map[string]string{"currency": "USD", "monthly_waste": "1.23", "first_seen": ""}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := make(map[string]string)
			for k := range tt.want {
				got[k] = records[tt.row+1][col[k]]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("row %d (-want +got):\n%s", tt.row, diff)
			}
		})
	}
}

// sarifDoc is the part of SARIF that GitHub code scanning requires, decoded
// independently of the writer's types so the test checks the wire format.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Properties       struct {
						Category         string   `json:"category"`
						SecuritySeverity string   `json:"security-severity"`
						Tags             []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation *struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
					Kind               string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFRequired(t *testing.T) {
	rep := loadFixture(t)
	var doc sarifDoc
	if err := json.Unmarshal(render(t, FormatSARIF, rep, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != sarifSchema || doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("$schema %q, version %q, %d runs; want %q, 2.1.0, 1 run", doc.Schema, doc.Version, len(doc.Runs), sarifSchema)
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "steward" {
		t.Errorf("driver name %q, want steward", run.Tool.Driver.Name)
	}
	// Every evaluated policy is a rule (guardduty-disabled found nothing), and
	// a finding's policy the caller did not describe gets one too.
	var ids []string
	ruleIDs := make(map[string]int)
	for i, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
		ruleIDs[r.ID] = i
		if r.Name == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" {
			t.Errorf("rule %s lacks name, shortDescription, fullDescription or help: %+v", r.ID, r)
		}
		isSecurity := r.Properties.Category == "security"
		if isSecurity != (r.Properties.SecuritySeverity != "") {
			t.Errorf("rule %s (category %s) has security-severity %q", r.ID, r.Properties.Category, r.Properties.SecuritySeverity)
		}
		if isSecurity && !strings.Contains(strings.Join(r.Properties.Tags, ","), "security") {
			t.Errorf("security rule %s is not tagged security: %v", r.ID, r.Properties.Tags)
		}
	}
	wantIDs := []string{"ebs-volume-unattached", "guardduty-disabled", "iam-user-no-mfa", "nat-gateway-idle", "rds-unencrypted", "s3-bucket-public", "tag-owner-missing"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("rule ids (-want +got):\n%s", diff)
	}
	s3 := run.Tool.Driver.Rules[ruleIDs["s3-bucket-public"]]
	if s3.Properties.SecuritySeverity != "9.5" || s3.HelpURI != "https://steward.example/policies/s3-bucket-public" ||
		!strings.Contains(s3.Help.Markdown, "access-control-block-public-access") {
		t.Errorf("s3-bucket-public rule: %+v", s3)
	}

	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results, want %d", len(run.Results), len(rep.Findings))
	}
	uriRE := regexp.MustCompile(`^aws/[0-9]{12}/[a-z0-9-]+/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$`)
	levels := map[string]string{}
	seen := map[string]bool{}
	for i, r := range run.Results {
		if r.RuleID == "" || r.Message.Text == "" {
			t.Errorf("results[%d] lacks ruleId or message", i)
		}
		if got := run.Tool.Driver.Rules[r.RuleIndex].ID; got != r.RuleID {
			t.Errorf("results[%d] ruleIndex points at %s, ruleId is %s", i, got, r.RuleID)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("results[%d] has %d locations, want 1", i, len(r.Locations))
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation == nil || loc.PhysicalLocation.Region == nil {
			t.Fatalf("results[%d] lacks physicalLocation.artifactLocation or region", i)
		}
		if uri := loc.PhysicalLocation.ArtifactLocation.URI; !uriRE.MatchString(uri) {
			t.Errorf("results[%d] uri %q is not aws/<account>/<region>/<type>", i, uri)
		}
		if loc.PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("results[%d] startLine %d, want >= 1", i, loc.PhysicalLocation.Region.StartLine)
		}
		if len(loc.LogicalLocations) != 1 || !strings.HasPrefix(loc.LogicalLocations[0].FullyQualifiedName, "arn:aws:") {
			t.Errorf("results[%d] logical locations %+v, want the ARN", i, loc.LogicalLocations)
		}
		fp := r.PartialFingerprints[fingerprintKey]
		if len(fp) != 32 || seen[fp] {
			t.Errorf("results[%d] fingerprint %q is missing, malformed or repeated", i, fp)
		}
		seen[fp] = true
		levels[r.RuleID+"/"+r.Level] = r.Level
	}
	for _, want := range []string{"s3-bucket-public/error", "rds-unencrypted/error", "ebs-volume-unattached/warning", "tag-owner-missing/note"} {
		if _, ok := levels[want]; !ok {
			t.Errorf("no result with rule/level %s; have %v", want, levels)
		}
	}
	if got := run.Results[1].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "aws/111122223333/global/AWS::IAM::User" {
		t.Errorf("IAM user uri = %q, want the global pseudo-region", got)
	}
}

func TestSARIFLevel(t *testing.T) {
	tests := map[finding.Severity]string{
		finding.Critical: "error", finding.High: "error", finding.Medium: "warning", finding.Low: "note", finding.Info: "note",
	}
	for sev, want := range tests {
		if got := sarifLevel(sev); got != want {
			t.Errorf("sarifLevel(%s) = %q, want %q", sev, got, want)
		}
	}
}

func TestFingerprintStable(t *testing.T) {
	a := Fingerprint("s3-bucket-public", "arn:aws:s3:::b")
	tests := map[string]struct {
		policy, arn string
		same        bool
	}{
		"same identity":   {"s3-bucket-public", "arn:aws:s3:::b", true},
		"other resource":  {"s3-bucket-public", "arn:aws:s3:::c", false},
		"other policy":    {"s3-bucket-logging", "arn:aws:s3:::b", false},
		"no concat clash": {"s3-bucket-publicarn:aws:s3:::", "b", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Fingerprint(tt.policy, tt.arn) == a; got != tt.same {
				t.Errorf("equal = %v, want %v", got, tt.same)
			}
		})
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("fingerprint %q is not 32 hex digits", a)
	}
}

func TestRuleName(t *testing.T) {
	tests := map[string]string{
		"s3-bucket-public":   "S3BucketPublic",
		"iam_user.no-mfa":    "IamUserNoMfa",
		"":                   "Policy",
		"already":            "Already",
		"team/custom-policy": "TeamCustomPolicy",
	}
	for in, want := range tests {
		if got := ruleName(in); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExceedsThreshold(t *testing.T) {
	resolved := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	fs := []finding.Finding{
		{Policy: "a", Severity: finding.Medium},
		{Policy: "b", Severity: finding.Critical, ResolvedAt: &resolved},
	}
	tests := map[string]struct {
		findings []finding.Finding
		sev      finding.Severity
		want     bool
	}{
		"none":                         {nil, finding.Info, false},
		"below":                        {fs, finding.High, false},
		"equal":                        {fs, finding.Medium, true},
		"above":                        {fs, finding.Low, true},
		"resolved critical is ignored": {fs, finding.Critical, false},
		"info threshold":               {fs[:1], finding.Info, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ExceedsThreshold(tt.findings, tt.sev); got != tt.want {
				t.Errorf("ExceedsThreshold(%s) = %v, want %v", tt.sev, got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := map[string]struct {
		format string
		rep    *Report
		want   string
	}{
		"unknown format": {"xml", &Report{}, `unknown format "xml" (valid: table, json, csv, sarif, markdown)`},
		"nil report":     {"json", nil, "render json: report is nil"},
		"bad group":      {"table", &Report{GroupBy: "team"}, `render table: unknown group-by "team" (valid: category, severity, policy, owner, system, env, account)`},
		"bad currency":   {"csv", &Report{Currency: "dollars"}, `render csv: report currency: "DOLLARS" is not an ISO 4217 code (three letters, like USD or JPY)`},
		"NaN waste": {"json", &Report{Findings: []finding.Finding{{}, {Policy: "p", ARN: "arn:x", MonthlyWaste: math.NaN()}}},
			`render json: findings[1] (policy "p", arn "arn:x"): monthly_waste is NaN, want a number between -1e+12 and 1e+12`},
		"huge waste": {"csv", &Report{Findings: []finding.Finding{{Policy: "p", ARN: "arn:x", MonthlyWaste: 1e308}}},
			`render csv: findings[0] (policy "p", arn "arn:x"): monthly_waste is 1e+308, want a number between -1e+12 and 1e+12`},
		"bad finding currency": {"sarif", &Report{Findings: []finding.Finding{{Policy: "p", ARN: "arn:x", Currency: "¥"}}},
			`render sarif: findings[0] (policy "p", arn "arn:x"): currency: "¥" is not an ISO 4217 code (three letters, like USD or JPY)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, tt.format, tt.rep, Options{})
			if err == nil {
				t.Fatalf("no error; output:\n%s", buf.String())
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupOrder(t *testing.T) {
	fs := []finding.Finding{
		{Policy: "p1", Severity: finding.Low, Category: finding.Tagging, Owner: "zoe", Account: "2", Env: "qa"},
		{Policy: "p2", Severity: finding.High, Category: finding.Security, Owner: "", Account: "1", Env: "prod"},
		{Policy: "p3", Severity: finding.Low, Category: finding.Waste, Owner: "al", Account: "1"},
		{Policy: "p4", Severity: finding.Medium, Category: finding.Waste, Owner: "zoe", Account: "2", System: "web"},
	}
	finding.SortWorstFirst(fs)
	tests := map[string][]string{
		GroupCategory: {"security", "waste", "tagging"},
		GroupSeverity: {"high", "medium", "low"},
		GroupOwner:    {"(no owner)", "zoe", "al"},
		GroupAccount:  {"1", "2"},
		GroupEnv:      {"prod", "(no env)", "qa"},
		GroupSystem:   {"(no system)", "web"},
		GroupPolicy:   {"p2", "p4", "p1", "p3"},
	}
	for by, want := range tests {
		t.Run(by, func(t *testing.T) {
			var got []string
			n := 0
			for _, g := range groupFindings(fs, by, i18n.EN) {
				got = append(got, g.key)
				n += len(g.findings)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if n != len(fs) {
				t.Errorf("groups hold %d findings, want %d", n, len(fs))
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(strings.ToUpper(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", strings.ToUpper(f), got, err)
		}
	}
	if got, err := ParseGroupBy(""); err != nil || got != GroupCategory {
		t.Errorf("ParseGroupBy(\"\") = %q, %v; want the category default", got, err)
	}
}

func csvTitles() []string {
	out := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		out[i] = c.Title
	}
	return out
}
