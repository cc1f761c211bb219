package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// benchReport is an estate-sized report: n findings over 3 accounts,
// 4 regions and 7 categories, with 48 coverage rows.
func benchReport(n int) *Report {
	rep := &Report{Scan: &inventory.Scan{ID: "bench", Source: "demo", Resources: n}, Currency: "USD"}
	for a := range 3 {
		for r := range 4 {
			for s := range 4 {
				rep.Scan.Coverage = append(rep.Scan.Coverage, inventory.Coverage{
					Account: fmt.Sprintf("%012d", a), Region: fmt.Sprintf("region-%d", r), Service: fmt.Sprintf("svc%d", s), OK: (a+r+s)%7 != 0,
				})
			}
		}
	}
	for i := range n {
		rep.Findings = append(rep.Findings, finding.Finding{
			Policy:   fmt.Sprintf("policy-%02d", i%40),
			Category: finding.Categories[i%len(finding.Categories)],
			Severity: finding.Severity(i % 5),
			ARN:      fmt.Sprintf("arn:aws:ec2:region-%d:%012d:volume/vol-%08x", i%4, i%3, i),
			Type:     "AWS::EC2::Volume", Account: fmt.Sprintf("%012d", i%3), Region: fmt.Sprintf("region-%d", i%4),
			Name: fmt.Sprintf("volume-%d", i), Owner: fmt.Sprintf("team-%d", i%9),
			MonthlyWaste: float64(i%100) * 1.25, Message: "100 GiB gp3 volume unattached for 12 days",
		})
	}
	for p := range 40 {
		rep.Policies = append(rep.Policies, PolicyInfo{ID: fmt.Sprintf("policy-%02d", p), Title: "t", Category: finding.Security, Severity: finding.High})
	}
	return rep
}

func BenchmarkRender(b *testing.B) {
	rep := benchReport(10_000)
	for _, format := range Formats() {
		for _, tty := range []bool{false, true} {
			if tty && format != FormatTable {
				continue
			}
			name := format
			if tty {
				name += "-tty"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := Render(io.Discard, format, rep, Options{TTY: tty, Width: 120}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
