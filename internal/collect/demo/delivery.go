package demo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
)

// deliveryDays is how much delivery history the demo has: a quarter.
const deliveryDays = 91

// pipeline is how one demo service ships: the tool that deploys it, how
// many pull requests a working day merges, how likely a working day
// deploys, and how often a deployment goes wrong.
type pipeline struct {
	service, tool, actor string
	mergesPerDay         float64
	deployChance         float64
	failChance           float64 // the deploy fails and is retried
	rollbackChance       float64 // the deploy goes out and is rolled back
	incidentChance       float64 // a successful deploy causes an incident
	maxLeadHours         float64 // first commit to merge
}

// pipelines are the five systems of the estate, deployed by three tools:
// ecspresso from GitHub Actions, CodeDeploy blue/green and the genova
// Slack bot. api ships small and often; batch rarely and in bulk.
var pipelines = []pipeline{
	{"api", "ecspresso", "github-actions[bot]", 3, 0.9, 0.04, 0.02, 0.03, 30},
	{"shop", "ecspresso", "github-actions[bot]", 2, 0.7, 0.05, 0.03, 0.04, 48},
	{"auth", "codedeploy", "codepipeline", 1, 0.5, 0.03, 0.05, 0.05, 72},
	{"search", "codedeploy", "codepipeline", 0.8, 0.3, 0.08, 0.04, 0.08, 120},
	{"batch", "genova", "sato", 0.6, 0.2, 0.12, 0.05, 0.15, 200},
}

// Delivery is the demo estate's delivery history: three months up to the
// start of now's day (UTC) of squash-merged pull requests on each service's
// main branch, deployments to stg and prod, a few failures, rollbacks and
// incidents (some naming their deployment, some not, one still open).
// The same day gives the same history.
func Delivery(now time.Time) delivery.Data {
	end := now.UTC().Truncate(24 * time.Hour)
	start := end.AddDate(0, 0, -deliveryDays)
	var d delivery.Data
	for _, p := range pipelines {
		p.history(&d, start, end)
	}
	// The latest incident is still being worked on.
	latest := -1
	for i, inc := range d.Incidents {
		if latest < 0 || inc.CreatedAt.After(d.Incidents[latest].CreatedAt) {
			latest = i
		}
	}
	if latest >= 0 {
		d.Incidents[latest].ResolvedAt = time.Time{}
	}
	slices.SortFunc(d.Deployments, func(a, b delivery.Deployment) int { return a.Finished.Compare(b.Finished) })
	return d
}

func (p pipeline) history(d *delivery.Data, start, end time.Time) {
	seed := hexID("delivery", p.service)
	n, _ := strconv.ParseUint(seed, 16, 64)
	rng := rand.New(rand.NewPCG(n, 0x5eed))
	minutes := func(lo, hi float64) time.Duration {
		return time.Duration((lo + rng.Float64()*(hi-lo)) * float64(time.Minute))
	}

	sha := func(parts ...string) string {
		return hexID(append([]string{p.service}, parts...)...) + hexID(parts...)[:8]
	}
	root := sha("root")
	d.Commits = append(d.Commits, delivery.Commit{Service: p.service, SHA: root, CommittedAt: start.Add(-24 * time.Hour)})
	head, deployed := root, root
	prNum := 100
	deployNum := 0
	deploy := func(env, commit string, at time.Time, result delivery.Result) delivery.Deployment {
		deployNum++
		id := p.service + "-" + env + "-" + strconv.Itoa(deployNum)
		dep := delivery.Deployment{
			ID: id, Service: p.service, Environment: env, Started: at.Add(-minutes(4, 15)), Finished: at,
			Result: result, CommitSHA: commit, Version: p.service + ":" + commit[:7], Actor: p.actor, Tool: p.tool, Link: p.link(id),
		}
		d.Deployments = append(d.Deployments, dep)
		return dep
	}
	// What ran in prod when the history begins: the base the first
	// deployment's changes are told from.
	deploy("prod", root, start.Add(-12*time.Hour), delivery.Success)
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		// Working days in Tokyo: 09:00-18:00 JST is 00:00-09:00 UTC.
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		merges := int(p.mergesPerDay)
		if rng.Float64() < p.mergesPerDay-float64(merges) {
			merges++
		}
		at := day.Add(minutes(30, 240))
		for range merges {
			prNum++
			id := "#" + strconv.Itoa(prNum)
			c := delivery.Commit{Service: p.service, SHA: sha("pr", id), ParentSHA: head, CommittedAt: at}
			d.Commits = append(d.Commits, c)
			d.Changes = append(d.Changes, delivery.Change{
				Service: p.service, ID: id, MergeSHA: c.SHA, MergedAt: at,
				FirstCommitAt: at.Add(-minutes(60, p.maxLeadHours*60)),
			})
			head = c.SHA
			at = at.Add(minutes(10, 90))
		}
		// Now and then someone pushes a fix straight to main.
		if rng.Float64() < 0.1 {
			c := delivery.Commit{Service: p.service, SHA: sha("push", day.Format(time.DateOnly)), ParentSHA: head, CommittedAt: at}
			d.Commits = append(d.Commits, c)
			head = c.SHA
			at = at.Add(minutes(5, 30))
		}
		if head == deployed || rng.Float64() >= p.deployChance {
			continue
		}
		// stg first, prod in the afternoon.
		if afternoon := day.Add(5 * time.Hour); at.Before(afternoon) {
			at = afternoon
		}
		at = at.Add(minutes(10, 60))
		deploy("stg", head, at, delivery.Success)
		at = at.Add(minutes(30, 120))
		switch r := rng.Float64(); {
		case r < p.failChance:
			deploy("prod", head, at, delivery.Failure)
			at = at.Add(minutes(20, 180))
		case r < p.failChance+p.rollbackChance:
			deploy("prod", head, at, delivery.RolledBack)
			at = at.Add(minutes(5, 40))
			deploy("prod", deployed, at, delivery.Success) // the rollback
			continue
		}
		dep := deploy("prod", head, at, delivery.Success)
		deployed = head
		if rng.Float64() < p.incidentChance {
			inc := delivery.Incident{
				ID: "INC-" + p.service + "-" + strconv.Itoa(len(d.Incidents)+1), Service: p.service,
				CreatedAt: at.Add(minutes(20, 360)),
			}
			inc.ResolvedAt = inc.CreatedAt.Add(minutes(25, 600))
			// Half of the incidents name their deployment; the others are
			// laid at the latest one before them.
			if len(d.Incidents)%2 == 0 {
				inc.DeploymentID = dep.ID
			}
			d.Incidents = append(d.Incidents, inc)
		}
	}
}

// link is where a person would look at the deployment in its tool.
func (p pipeline) link(id string) string {
	switch p.tool {
	case "ecspresso":
		return "https://github.com/hanamaru/" + p.service + "/actions/runs/" + hexID(id)[:10]
	case "codedeploy":
		return "https://console.aws.amazon.com/codesuite/codedeploy/deployments/d-" + hexID(id)[:9]
	}
	return "https://hanamaru.slack.com/archives/C0DEPLOY/p" + hexID(id)[:12]
}
