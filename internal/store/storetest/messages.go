package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// testMessages: a finding's message in its other languages comes back from
// every read of the findings, so each reader can be shown their own; a
// finding saved with one message only (as steward saved them before it
// kept others) comes back with that message for every language.
func testMessages(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	acct := "111111111111"
	a, b := instance(acct, "us-east-1", "i-a"), instance(acct, "us-east-1", "i-b")
	fa, fb := find("p", a), find("p", b)
	fa.Messages = finding.Messages{JA: "p が i-a に（日本語）"}
	save(t, s, scan("s1", 1, ok(acct, "us-east-1", "ec2")), []inventory.Resource{a, b}, []finding.Finding{fa, fb})

	page, err := s.FindingPage(ctx, "s1", store.FindingQuery{Sort: "severity", Limit: 10})
	if err != nil {
		t.Fatalf("FindingPage: %v", err)
	}
	res, err := s.ResourceFindings(ctx, "s1", a.ARN)
	if err != nil {
		t.Fatalf("ResourceFindings: %v", err)
	}
	all, err := s.Findings(ctx, "s1")
	if err != nil {
		t.Fatalf("Findings: %v", err)
	}
	for name, fs := range map[string][]finding.Finding{"Findings": all, "FindingPage": page.Findings, "ResourceFindings": res} {
		got := map[string]string{}
		for _, f := range fs {
			got[f.ARN+" en"], got[f.ARN+" ja"] = f.MessageIn(i18n.EN), f.MessageIn(i18n.JA)
		}
		want := map[string]string{a.ARN + " en": fa.Message, a.ARN + " ja": "p が i-a に（日本語）"}
		if name != "ResourceFindings" {
			want[b.ARN+" en"], want[b.ARN+" ja"] = fb.Message, fb.Message
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: messages by language (-want +got):\n%s", name, diff)
		}
	}
}
