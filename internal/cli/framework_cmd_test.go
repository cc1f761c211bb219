package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoFramework runs the demo judged by FSBP: the JSON carries the
// framework next to the findings, every catalogued control appears, and a
// control's findings are those of the policies that check it.
func TestDemoFramework(t *testing.T) {
	env, out, errb := testEnv()
	if code := Main(context.Background(), []string{"demo", "--no-store", "--framework", "fsbp", "-f", "json"}, env); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var got struct {
		Findings []struct {
			Policy string `json:"policy"`
		} `json:"findings"`
		Framework struct {
			ID       string   `json:"id"`
			Score    *float64 `json:"score"`
			Passed   int      `json:"passed"`
			Failed   int      `json:"failed"`
			Controls []struct {
				ID       string `json:"id"`
				Status   string `json:"status"`
				Reason   string `json:"reason"`
				Findings int    `json:"findings"`
			} `json:"controls"`
		} `json:"framework"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	fw := got.Framework
	if fw.ID != "fsbp" || len(fw.Controls) != 113 || fw.Score == nil {
		t.Fatalf("framework %s with %d controls, score %v", fw.ID, len(fw.Controls), fw.Score)
	}
	if want := float64(fw.Passed) / float64(fw.Passed+fw.Failed); *fw.Score != want {
		t.Errorf("score %v, want passed/(passed+failed) = %v", *fw.Score, want)
	}
	byPolicy := map[string]int{}
	for _, f := range got.Findings {
		byPolicy[f.Policy]++
	}
	status := map[string]string{}
	for _, c := range fw.Controls {
		status[c.ID] = c.Status
		switch c.ID {
		case "S3.8":
			if c.Status != "failed" || c.Findings != byPolicy["s3-public-access-block"] || c.Findings == 0 {
				t.Errorf("S3.8 = %+v, want failed with the %d findings of s3-public-access-block", c, byPolicy["s3-public-access-block"])
			}
		case "KMS.3":
			if c.Status != "not_checked" || !strings.Contains(c.Reason, "does not collect") {
				t.Errorf("KMS.3 = %+v", c)
			}
		case "S3.12":
			if c.Status != "failed" || c.Findings != byPolicy["s3-acl-in-use"] || c.Findings == 0 {
				t.Errorf("S3.12 = %+v, want failed with the %d findings of s3-acl-in-use", c, byPolicy["s3-acl-in-use"])
			}
		}
	}
	// The demo's default security groups allow nothing and its repositories
	// scan on push: checked, with resources, and no findings.
	for _, id := range []string{"EC2.2", "ECR.1"} {
		if status[id] != "passed" {
			t.Errorf("%s = %s, want passed", id, status[id])
		}
	}
}

func TestFrameworkOutputs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(cfg, []byte("policies:\n  disable: [cloudfront-no-logging]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args []string
		code int
		has  []string
	}{
		"csv is the controls": {args: []string{"demo", "--no-store", "--framework", "cis", "-f", "csv"}, code: ExitOK,
			has: []string{"CONTROL,SEVERITY,STATUS,FINDINGS,TITLE,REASON\n", "CIS 1.5,critical,failed,1,"}},
		"markdown has both": {args: []string{"demo", "--no-store", "--framework", "fsbp", "-f", "markdown"}, code: ExitOK,
			has: []string{"| CONTROL | SEVERITY | STATUS | FINDINGS | TITLE | REASON |", "score "}},
		"sarif refused":   {args: []string{"demo", "--no-store", "--framework", "fsbp", "-f", "sarif"}, code: ExitUsage},
		"unknown refused": {args: []string{"demo", "--no-store", "--framework", "pci"}, code: ExitUsage},
		"list":            {args: []string{"frameworks", "list", "-f", "csv"}, code: ExitOK, has: []string{"fsbp,AWS Foundational Security Best Practices,v1.0.0,113,99,99,88%"}},
		"show":            {args: []string{"frameworks", "show", "fsbp"}, code: ExitOK, has: []string{"checked by sg-default-allows-traffic", "not checked: steward does not collect the data: KMS keys"}},
		"show disabled":   {args: []string{"-c", cfg, "frameworks", "show", "fsbp", "-f", "csv"}, code: ExitOK, has: []string{"CloudFront.5,medium,not checked: policy cloudfront-no-logging disabled,"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			env, out, errb := testEnv()
			if code := Main(context.Background(), tc.args, env); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errb)
			}
			for _, s := range tc.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}
