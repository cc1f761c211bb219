package demo

import (
	"time"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
)

// demoLease is one lease of the QA board, in hours from now.
type demoLease struct {
	env, holder, purpose, branch, via string
	from, until                       float64 // hours from now
	end                               string  // "" while live, else released, expired or stolen
	endedBy                           string
	ended                             float64
}

// qaLeases are who used qa1..qa10 in the last week and who holds what
// now: five held (one by a deploy, one ending within the reminder lead
// time, one stolen earlier for a hotfix), five free.
var qaLeases = []demoLease{
	{"qa1", "alice", "PR #123 payment QA", "feature/payment-v2", env.ViaClaim, -2, 2, "", "", 0},
	{"qa2", "bob", "PR #118 coupon codes", "feature/coupons", env.ViaClaim, -150, -146, env.EndReleased, "bob", -147},
	{"qa3", "alice", "PR #127 search facets", "feature/facets", env.ViaClaim, -30, -4, env.EndStolen, "carol", -26},
	{"qa3", "carol", "hotfix verification: order totals", "hotfix/order-total", env.ViaSteal, -26, 6, "", "", 0},
	{"qa4", "dave", "deploy shop 3f9c2a1", "", env.ViaDeploy, -3.5, 0.4, "", "", 0},
	{"qa6", "erin", "load test before the sale", "perf/sale-2026", env.ViaClaim, -20, 48, "", "", 0},
	{"qa7", "frank", "PR #112 auth token rotation", "feature/token-rotation", env.ViaClaim, -28, -20, env.EndExpired, "steward", -20},
	{"qa8", "gina", "PR #140 batch retry", "feature/batch-retry", env.ViaClaim, -1, 3, "", "", 0},
	{"qa9", "bob", "PR #121 shipping labels", "feature/labels", env.ViaClaim, -74, -70, env.EndReleased, "bob", -71},
}

// Leases are the demo board's leases with their history, one change per
// environment, as of now (to the second).
func Leases(now time.Time) []env.Change {
	now = now.UTC().Truncate(time.Second)
	at := func(h float64) time.Time { return now.Add(time.Duration(h * float64(time.Hour))) }
	byEnv := map[string]*env.Change{}
	var order []string
	for _, d := range qaLeases {
		l := env.Lease{ID: d.env + "@" + at(d.from).Format("20060102T150405Z"), Environment: d.env, Holder: d.holder, Purpose: d.purpose,
			Branch: d.branch, Start: at(d.from), Until: at(d.until), Via: d.via}
		ch := byEnv[d.env]
		if ch == nil {
			ch = &env.Change{}
			byEnv[d.env] = ch
			order = append(order, d.env)
		}
		ch.Events = append(ch.Events, env.Event{At: l.Start, Environment: l.Environment, LeaseID: l.ID, Kind: env.EventClaimed, Actor: l.Holder,
			Detail: "until " + l.Until.Format(time.RFC3339) + ": " + l.Purpose})
		if d.end != "" {
			l.Ended, l.EndReason, l.EndedBy = at(d.ended), d.end, d.endedBy
			kind := map[string]string{env.EndReleased: env.EventReleased, env.EndExpired: env.EventExpired, env.EndStolen: env.EventStolen}[d.end]
			ev := env.Event{At: l.Ended, Environment: l.Environment, LeaseID: l.ID, Kind: kind, Actor: d.endedBy}
			if d.end == env.EndStolen {
				ev.Detail = "from " + l.Holder + ": production order totals wrong, verifying the hotfix"
			}
			ch.Events = append(ch.Events, ev)
		}
		ch.Leases = append(ch.Leases, l)
	}
	out := make([]env.Change, 0, len(order))
	for _, e := range order {
		out = append(out, *byEnv[e])
	}
	return out
}

// QADeployments are the deploys to the QA environments behind the
// board: qa4's lease was made by its deploy; gina's qa8 got a deploy from
// someone else while she held it, flagged on the record.
func QADeployments(now time.Time) []delivery.Deployment {
	now = now.UTC().Truncate(time.Second)
	at := func(h float64) time.Time { return now.Add(time.Duration(h * float64(time.Hour))) }
	return []delivery.Deployment{
		{ID: "qa-demo-1", Service: "shop", Environment: "qa1", Finished: at(-1.5), Result: delivery.Success, CommitSHA: "a1c4e9f2d7b3", Actor: "alice", Tool: "ecspresso"},
		{ID: "qa-demo-2", Service: "shop", Environment: "qa3", Finished: at(-25), Result: delivery.Success, CommitSHA: "77d0b1e5aa21", Actor: "carol", Tool: "genova"},
		{ID: "qa-demo-3", Service: "shop", Environment: "qa4", Finished: at(-3.5), Result: delivery.Success, CommitSHA: "3f9c2a1b8e04", Actor: "dave", Tool: "ecspresso"},
		{ID: "qa-demo-4", Service: "batch", Environment: "qa8", Finished: at(-0.5), Result: delivery.Failure, CommitSHA: "c0ffee12ab34", Actor: "sato", Tool: "genova", LeasedBy: "gina"},
		{ID: "qa-demo-5", Service: "api", Environment: "qa6", Finished: at(-19), Result: delivery.Success, CommitSHA: "5e5e1a2b3c4d", Actor: "erin", Tool: "cli"},
	}
}
