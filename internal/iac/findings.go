package iac

import (
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
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
// left out: the unread state may manage those resources. Messages and
// remediation are in lang.
func Findings(res *Result, lang i18n.Lang) []finding.Finding {
	var out []finding.Finding
	base := func(e *Entry) finding.Finding {
		owner := e.Tags["owner"]
		src := ""
		if owner != "" {
			src = "tag"
		}
		f := finding.Finding{
			Category: finding.IaC, ARN: e.ARN, Type: e.Type, Account: e.Account, Region: e.Region,
			Name: e.Name, Owner: owner, OwnerSource: src, System: e.System, Env: e.Env, Currency: "USD",
		}
		if e.Creator != nil {
			f.Creator = e.Creator.Principal
		}
		return f
	}
	if !res.Partial() {
		for i := range res.Unmanaged {
			e := &res.Unmanaged[i]
			f := base(e)
			f.Policy, f.Title, f.Severity = PolicyUnmanaged, "Resource not managed by any IaC", finding.Low
			how := lang.T("iac.f.creator.unknown")
			if c := e.Creator; c != nil && (c.Principal != "" || c.Via != "") {
				switch {
				case c.Principal != "" && c.Via != "":
					how = lang.T("iac.f.creator.byvia", c.Principal, c.Via)
				case c.Principal != "":
					how = lang.T("iac.f.creator.by", c.Principal)
				default:
					how = lang.T("iac.f.creator.via", c.Via)
				}
			}
			f.Message = lang.T("iac.f.unmanaged", e.ARN, how)
			f.Remediation = lang.T("iac.f.unmanaged.fix")
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
		f.Message = lang.T("iac.f.duplicate", d.ARN, len(d.Places), strings.Join(places, "; "))
		f.Remediation = lang.T("iac.f.duplicate.fix")
		out = append(out, f)
	}
	for i := range res.Missing {
		e := &res.Missing[i]
		f := base(e)
		f.Policy, f.Title, f.Severity = PolicyMissing, "State resource missing in the account", finding.Medium
		f.Message = lang.T("iac.f.missing", e.Address, e.StateFile)
		f.Remediation = lang.T("iac.f.missing.fix")
		out = append(out, f)
	}
	return out
}
