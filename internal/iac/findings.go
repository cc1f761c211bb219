package iac

import (
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
)

// Policy ids of the iac category.
const (
	PolicyUnmanaged = "iac-unmanaged-resource"
	PolicyDuplicate = "iac-resource-in-two-states"
	PolicyMissing   = "iac-state-resource-missing"
)

// Findings turns a result into iac findings: one per unmanaged resource,
// per resource declared in two places, and per state resource missing in
// the account. When an IaC source could not be read, unmanaged findings are
// left out: the unread state may manage those resources.
func Findings(res *Result) []finding.Finding {
	var out []finding.Finding
	base := func(e *Entry) finding.Finding {
		owner := e.Tags["owner"]
		src := ""
		if owner != "" {
			src = "tag"
		}
		return finding.Finding{
			Category: finding.IaC, ARN: e.ARN, Type: e.Type, Account: e.Account, Region: e.Region,
			Name: e.Name, Owner: owner, OwnerSource: src, System: e.System, Env: e.Env, Currency: "USD",
		}
	}
	if !res.Partial() {
		for i := range res.Unmanaged {
			e := &res.Unmanaged[i]
			f := base(e)
			f.Policy, f.Title, f.Severity = PolicyUnmanaged, "Resource not managed by any IaC", finding.Low
			how := "creator unknown"
			if c := e.Creator; c != nil && (c.Principal != "" || c.Via != "") {
				how = "created"
				if c.Principal != "" {
					how += " by " + c.Principal
				}
				if c.Via != "" {
					how += " via " + c.Via
				}
			}
			f.Message = fmt.Sprintf("%s is in no Terraform state or CloudFormation stack (%s)", e.ARN, how)
			f.Remediation = "Import it into Terraform (`steward iac --import` prints the import block), or delete it if nobody needs it."
			out = append(out, f)
		}
	}
	for _, d := range res.Duplicates {
		places := make([]string, len(d.Places))
		for i, p := range d.Places {
			places[i] = p.StateFile + " " + p.Address
		}
		e := Entry{ARN: d.ARN, Type: d.Type, Account: d.Account, Region: d.Region, System: d.System}
		f := base(&e)
		f.Policy, f.Title, f.Severity = PolicyDuplicate, "Resource declared in two IaC states", finding.High
		f.Message = fmt.Sprintf("%s is declared in %d places: %s", d.ARN, len(d.Places), strings.Join(places, "; "))
		f.Remediation = "Keep it in one state: `terraform state rm` it from the others (or remove it from the other stack with DeletionPolicy: Retain)."
		out = append(out, f)
	}
	for i := range res.Missing {
		e := &res.Missing[i]
		f := base(e)
		f.Policy, f.Title, f.Severity = PolicyMissing, "State resource missing in the account", finding.Medium
		f.Message = fmt.Sprintf("%s in %s is not in the account: deleted by hand, or the state is stale", e.Address, e.StateFile)
		f.Remediation = "Run `terraform plan` for that state: re-create it with apply, or drop it with `terraform state rm` if it is gone for good."
		out = append(out, f)
	}
	return out
}
