package action

import (
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/owner"
	"github.com/steward-sre/steward/internal/schedule"
)

// PolicyScheduleTag is the finding on a resource whose schedule steward
// cannot tell: a maid_offhours value Cloud Custodian's parser rejects, a
// schedule tag naming no schedule, or two schedules matching it. Such a
// resource follows no schedule (it runs around the clock), so the scan
// says so rather than leave it silently unscheduled.
const PolicyScheduleTag = "schedule-tag-invalid"

// ScheduleFindings checks the schedule of every resource that carries a
// schedule or offhours tag, and of every resource steward can stop and
// start (two schedules may match its env or system). Its texts are
// English, with the message in every other language too (see
// finding.Messages).
func ScheduleFindings(rs []inventory.Resource, res *schedule.Resolver, keys owner.Keys) []finding.Finding {
	keys = keys.WithDefaults()
	var out []finding.Finding
	for i := range rs {
		r := &rs[i]
		_, sched := r.Tag(orDefault(res.ScheduleKey, schedule.DefaultScheduleKey))
		_, off := r.Tag(orDefault(res.OffhoursKey, schedule.DefaultOffhoursKey))
		if !sched && !off && !isTarget(r.Type) {
			continue
		}
		env, system := owner.ResourceTagValue(r, keys.Env), owner.ResourceTagValue(r, keys.System)
		_, err := res.For(schedule.Target{Tags: r.Tags.Map(), Env: env, System: system})
		if err == nil {
			continue
		}
		message := func(lang i18n.Lang) string {
			var why any = err
			if p, ok := i18n.PhraseOf(err); ok {
				why = p.In(lang)
			}
			return lang.T("finding.schedule.message", why)
		}
		var msgs finding.Messages
		for _, lang := range i18n.Langs[1:] {
			msgs.Set(lang, message(lang))
		}
		o := owner.ResourceTagValue(r, keys.Owner)
		src := ""
		if o != "" {
			src = "tag"
		}
		out = append(out, finding.Finding{
			Policy: PolicyScheduleTag, Title: i18n.EN.T("finding.schedule.title"), Category: finding.Tagging, Severity: finding.Medium,
			ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Name: r.Name,
			Owner: o, OwnerSource: src, System: system, Env: env, Currency: "USD",
			Message: message(i18n.EN), Messages: msgs, Remediation: i18n.EN.T("finding.schedule.remediation"),
		})
	}
	return out
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
