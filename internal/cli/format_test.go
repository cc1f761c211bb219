package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// Commands that print rows share one --format convention and one
// renderer: policy list in every format it takes.
func TestPolicyListFormats(t *testing.T) {
	run := func(t *testing.T, format string) string {
		t.Helper()
		env, out, errb := testEnv()
		if code := Main(context.Background(), []string{"policy", "list", "--format", format}, env); code != 0 {
			t.Fatalf("policy list --format %s: exit %d: %s", format, code, errb)
		}
		return out.String()
	}
	var rows []policyRow
	if err := json.Unmarshal([]byte(run(t, "json")), &rows); err != nil || len(rows) < 10 {
		t.Fatalf("json: %d rows, %v", len(rows), err)
	}
	recs, err := csv.NewReader(strings.NewReader(run(t, "csv"))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(recs) != len(rows)+1 || strings.Join(recs[0], ",") != "ID,PACK,CATEGORY,SEVERITY,TITLE" {
		t.Errorf("csv: %d records, header %v; want %d and the table's columns", len(recs), recs[0], len(rows)+1)
	}
	md := run(t, "markdown")
	n := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") {
			n++
		}
	}
	if n != len(rows)+1 || !strings.Contains(md, "|---|---|---|---|---|") {
		t.Errorf("markdown: %d table rows, want %d:\n%s", n, len(rows)+1, md)
	}
	table := run(t, "table")
	if lines := strings.Count(table, "\n"); lines != len(rows)+1 {
		t.Errorf("piped table: %d lines, want one per policy and a header", lines)
	}
	env, _, _ := testEnv()
	if code := Main(context.Background(), []string{"policy", "list", "--json"}, env); code != ExitUsage {
		t.Errorf("policy list --json: exit %d, want %d (the flag is --format json)", code, ExitUsage)
	}
}
