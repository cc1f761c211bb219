package delivery

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Level is a DORA performance level, or InsufficientData when there are
// too few events to grade.
type Level string

const (
	Elite            Level = "elite"
	High             Level = "high"
	Medium           Level = "medium"
	Low              Level = "low"
	InsufficientData Level = "insufficient data"
)

// The least events a figure needs before it is graded: below these a single
// deployment or incident would swing the level, and a person would be
// misled by it.
const (
	MinWindowDays   = 7 // deployment frequency
	MinChanges      = 3 // lead time
	MinDeployments  = 5 // change failure rate
	MinRecoveries   = 2 // failed deployment recovery time
	minutesPerDay   = 24 * 60
	minutesPerWeek  = 7 * minutesPerDay
	minutesPerMonth = 30 * minutesPerDay
)

// The levels are the DORA performance bands of the Accelerate State of
// DevOps reports (2021-2023; dora.dev): deploys on demand / between daily
// and weekly / between weekly and monthly / less often; lead time under a
// day / a day to a week / a week to a month / longer; change failure rate
// of the 2023 clusters, 5 / 10 / 15 %; recovery under an hour / under a day
// / a day to a week / longer. The 2023 report's low and medium clusters
// overlap, so each band here ends where the next begins, and lead and
// recovery time are graded on their median, as Apache DevLake does:
//
//	deployment frequency  elite >= 1/day   high >= 1/week  medium >= 1/month  low below
//	lead time (median)    elite < 1 day    high < 1 week   medium < 1 month   low above
//	change failure rate   elite <= 5 %     high <= 10 %    medium <= 15 %     low above
//	recovery (median)     elite < 1 hour   high < 1 day    medium < 1 week    low above
func frequencyLevel(perDay float64) Level {
	switch {
	case perDay >= 1:
		return Elite
	case perDay*7 >= 1:
		return High
	case perDay*30 >= 1:
		return Medium
	}
	return Low
}

func leadTimeLevel(minutes float64) Level {
	switch {
	case minutes < minutesPerDay:
		return Elite
	case minutes < minutesPerWeek:
		return High
	case minutes < minutesPerMonth:
		return Medium
	}
	return Low
}

func failureRateLevel(ratio float64) Level {
	switch {
	case ratio <= 0.05:
		return Elite
	case ratio <= 0.10:
		return High
	case ratio <= 0.15:
		return Medium
	}
	return Low
}

func recoveryLevel(minutes float64) Level {
	switch {
	case minutes < 60:
		return Elite
	case minutes < minutesPerDay:
		return High
	case minutes < minutesPerWeek:
		return Medium
	}
	return Low
}

// Production is the environment the Four Keys are about unless asked
// otherwise.
const Production = "production"

// SameEnvironment says whether two environment names are the same: case
// does not matter, and prod is production (both spellings are common).
func SameEnvironment(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "prod" {
			return Production
		}
		return s
	}
	return norm(a) == norm(b)
}

// Query picks what the Four Keys are computed over: deployments that
// finished in [From, To) to Environment, of Services (all when empty).
type Query struct {
	From, To    time.Time
	Services    []string
	Environment string
}

// Window is the period of a report.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Days float64   `json:"days"`
}

// Report is the Four Keys over one scope.
type Report struct {
	Window              Window       `json:"window"`
	Environment         string       `json:"environment"`
	Services            []string     `json:"services"`
	Deployments         int          `json:"deployments"`
	DeploymentFrequency Frequency    `json:"deployment_frequency"`
	LeadTime            LeadTime     `json:"lead_time"`
	ChangeFailureRate   FailureRate  `json:"change_failure_rate"`
	RecoveryTime        RecoveryTime `json:"recovery_time"`
	Explain             *Explanation `json:"explain,omitempty"`
}

// Frequency is how often the scope deployed successfully.
type Frequency struct {
	Successful int     `json:"successful"`
	PerDay     float64 `json:"per_day"`
	PerWeek    float64 `json:"per_week"`
	Level      Level   `json:"level"`
}

// LeadTime is from the first commit of each change to the successful
// deployment that shipped it. Medians are nil when there is no change.
type LeadTime struct {
	Changes       int      `json:"changes"`
	MedianMinutes *float64 `json:"median_minutes"`
	P90Minutes    *float64 `json:"p90_minutes"`
	Level         Level    `json:"level"`
}

// FailureRate is the share of deployments that failed, were rolled back or
// caused an incident.
type FailureRate struct {
	Ratio  *float64 `json:"ratio"`
	Failed int      `json:"failed"`
	Total  int      `json:"total"`
	Level  Level    `json:"level"`
}

// RecoveryTime is how long failed deployments took to recover from.
type RecoveryTime struct {
	Recoveries    int      `json:"recoveries"`
	Unrecovered   int      `json:"unrecovered"`
	MedianMinutes *float64 `json:"median_minutes"`
	Level         Level    `json:"level"`
}

// Explanation lists the records behind each figure.
type Explanation struct {
	Deployments []DeploymentUse `json:"deployments"`
	Changes     []ChangeUse     `json:"changes"`
	Incidents   []IncidentUse   `json:"incidents"`
	Recoveries  []Recovery      `json:"recoveries"`
	Notes       []string        `json:"notes,omitempty"`
}

// DeploymentUse is a deployment in the window: whether it counts as failed
// and why, and the changes it shipped.
type DeploymentUse struct {
	Deployment
	Failed  bool     `json:"failed"`
	Why     string   `json:"why,omitempty"`
	Changes []string `json:"changes,omitempty"`
}

// ChangeUse is one change shipped in the window and its lead time. Kind is
// "pull request" for a change from changes.csv, "commit" for a commit on
// main that no pull request made.
type ChangeUse struct {
	Service       string    `json:"service"`
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	SHA           string    `json:"sha"`
	FirstCommitAt time.Time `json:"first_commit_at"`
	DeploymentID  string    `json:"deployment_id"`
	DeployedAt    time.Time `json:"deployed_at"`
	LeadMinutes   float64   `json:"lead_minutes"`
}

// IncidentUse is an incident and the deployment it is laid at: Link is
// "explicit" (its deployment_id), "inferred" (the service's latest
// successful deployment before it) or "none".
type IncidentUse struct {
	Incident
	LinkedTo string `json:"linked_to,omitempty"`
	Link     string `json:"link"`
	Counted  bool   `json:"counted"`
}

// Recovery is the time from a failed deployment's failure to recovery:
// an incident's life, or for a failure with no incident the time to the
// service's next successful deployment. Minutes is nil while unrecovered.
type Recovery struct {
	DeploymentID string    `json:"deployment_id"`
	Via          string    `json:"via"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to,omitzero"`
	Minutes      *float64  `json:"minutes"`
}

// Compute works out the Four Keys of q from the records in d. It reads
// the whole history (the previous deployment of a service, or the one an
// incident is laid at, may lie before the window) but counts only
// deployments that finished in the window.
func Compute(d Data, q Query) Report {
	env := q.Environment
	if env == "" {
		env = Production
	}
	inScope := func(service string) bool { return len(q.Services) == 0 || slices.Contains(q.Services, service) }
	days := q.To.Sub(q.From).Hours() / 24
	rep := Report{
		Window:      Window{From: q.From.UTC(), To: q.To.UTC(), Days: round(days, 2)},
		Environment: env,
		Explain:     &Explanation{Deployments: []DeploymentUse{}, Changes: []ChangeUse{}, Incidents: []IncidentUse{}, Recoveries: []Recovery{}},
	}
	ex := rep.Explain
	note := func(format string, args ...any) { ex.Notes = append(ex.Notes, fmt.Sprintf(format, args...)) }

	// Every deployment of the scope to the environment, in time order.
	var all []Deployment
	services := map[string]bool{}
	for _, dep := range d.Deployments {
		if inScope(dep.Service) && SameEnvironment(dep.Environment, env) {
			all = append(all, dep)
			services[dep.Service] = true
		}
	}
	slices.SortStableFunc(all, func(a, b Deployment) int {
		if c := a.Finished.Compare(b.Finished); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for s := range services {
		rep.Services = append(rep.Services, s)
	}
	slices.Sort(rep.Services)
	if rep.Services == nil {
		rep.Services = []string{}
	}
	inWindow := func(t time.Time) bool { return !t.Before(q.From) && t.Before(q.To) }
	byID := map[string]int{}
	for i, dep := range all {
		byID[dep.ID] = i
	}
	// previousSuccess is the index of the latest successful deployment of
	// all[i]'s service before it, or -1; nextSuccess the first after it.
	previousSuccess := func(i int) int {
		for j := i - 1; j >= 0; j-- {
			if all[j].Service == all[i].Service && all[j].Result == Success {
				return j
			}
		}
		return -1
	}
	nextSuccess := func(i int) int {
		for j := i + 1; j < len(all); j++ {
			if all[j].Service == all[i].Service && all[j].Result == Success {
				return j
			}
		}
		return -1
	}

	hist := newHistory(d)
	// Changes shipped, with lead times.
	uses := map[int]*DeploymentUse{}
	var window []int
	for i, dep := range all {
		if !inWindow(dep.Finished) {
			continue
		}
		window = append(window, i)
		uses[i] = &DeploymentUse{Deployment: dep}
	}
	shippedBefore := map[string]bool{}
	var leads []float64
	for _, i := range window {
		dep := all[i]
		if dep.Result != Success {
			continue
		}
		rep.DeploymentFrequency.Successful++
		p := previousSuccess(i)
		if p < 0 {
			note("deployment %s: the first successful deployment of %s on record, so what it shipped cannot be told from an earlier one; no lead time from it", dep.ID, dep.Service)
			continue
		}
		shas, err := hist.shipped(dep.Service, dep.CommitSHA, all[p].CommitSHA)
		if err != nil {
			note("deployment %s: %v; no lead time from it", dep.ID, err)
			continue
		}
		for _, sha := range shas {
			cu := ChangeUse{Service: dep.Service, SHA: sha, DeploymentID: dep.ID, DeployedAt: dep.Finished}
			if ch, ok := hist.changes[dep.Service][sha]; ok {
				cu.ID, cu.Kind, cu.FirstCommitAt = ch.ID, "pull request", ch.FirstCommitAt
			} else {
				c := hist.commits[dep.Service][sha]
				cu.ID, cu.Kind, cu.FirstCommitAt = sha, "commit", c.CommittedAt
			}
			key := dep.Service + " " + cu.ID
			if shippedBefore[key] {
				continue
			}
			shippedBefore[key] = true
			cu.LeadMinutes = round(max(0, dep.Finished.Sub(cu.FirstCommitAt).Minutes()), 2)
			leads = append(leads, cu.LeadMinutes)
			ex.Changes = append(ex.Changes, cu)
			uses[i].Changes = append(uses[i].Changes, cu.ID)
		}
	}

	// Incidents, laid at a deployment.
	incidentsOf := map[int][]Incident{}
	for _, inc := range d.Incidents {
		if !inScope(inc.Service) {
			continue
		}
		iu := IncidentUse{Incident: inc, Link: "none"}
		at := -1
		if inc.DeploymentID != "" {
			if j, ok := byID[inc.DeploymentID]; ok {
				at, iu.Link = j, "explicit"
			} else if !slices.ContainsFunc(d.Deployments, func(x Deployment) bool { return x.ID == inc.DeploymentID }) {
				note("incident %s: deployment %s is not on record", inc.ID, inc.DeploymentID)
			} else {
				continue // caused by a deployment to another environment
			}
		} else {
			for j := len(all) - 1; j >= 0; j-- {
				if all[j].Service == inc.Service && all[j].Result == Success && !all[j].Finished.After(inc.CreatedAt) {
					at, iu.Link = j, "inferred"
					break
				}
			}
		}
		if at >= 0 {
			iu.LinkedTo = all[at].ID
			if _, ok := uses[at]; ok {
				iu.Counted = true
				incidentsOf[at] = append(incidentsOf[at], inc)
			}
		}
		if iu.Counted || inWindow(inc.CreatedAt) {
			ex.Incidents = append(ex.Incidents, iu)
		}
	}

	// Failures and recoveries.
	var recoveries []float64
	for _, i := range window {
		u := uses[i]
		var why []string
		if u.Result != Success {
			why = append(why, "result "+string(u.Result))
		}
		for _, inc := range incidentsOf[i] {
			why = append(why, "incident "+inc.ID)
		}
		u.Failed = len(why) > 0
		u.Why = strings.Join(why, ", ")
		rep.Deployments++
		if !u.Failed {
			continue
		}
		rep.ChangeFailureRate.Failed++
		add := func(r Recovery) {
			if r.Minutes != nil {
				recoveries = append(recoveries, *r.Minutes)
			} else {
				rep.RecoveryTime.Unrecovered++
			}
			ex.Recoveries = append(ex.Recoveries, r)
		}
		if incs := incidentsOf[i]; len(incs) > 0 {
			for _, inc := range incs {
				r := Recovery{DeploymentID: u.ID, Via: "incident " + inc.ID, From: inc.CreatedAt, To: inc.ResolvedAt}
				if !inc.ResolvedAt.IsZero() {
					r.Minutes = ptr(round(inc.ResolvedAt.Sub(inc.CreatedAt).Minutes(), 2))
				}
				add(r)
			}
			continue
		}
		r := Recovery{DeploymentID: u.ID, Via: "no successful deployment since", From: u.Finished}
		if n := nextSuccess(i); n >= 0 {
			r.Via, r.To = "next successful deployment "+all[n].ID, all[n].Finished
			r.Minutes = ptr(round(all[n].Finished.Sub(u.Finished).Minutes(), 2))
		}
		add(r)
	}
	for _, i := range window {
		ex.Deployments = append(ex.Deployments, *uses[i])
	}

	// The figures and their levels.
	f := &rep.DeploymentFrequency
	f.Level = InsufficientData
	if days > 0 {
		f.PerDay = round(float64(f.Successful)/days, 3)
		f.PerWeek = round(float64(f.Successful)/days*7, 3)
		if days >= MinWindowDays && len(all) > 0 {
			f.Level = frequencyLevel(float64(f.Successful) / days)
		}
	}
	lt := &rep.LeadTime
	lt.Changes, lt.Level = len(leads), InsufficientData
	if len(leads) > 0 {
		lt.MedianMinutes, lt.P90Minutes = ptr(round(median(leads), 2)), ptr(round(percentile(leads, 0.9), 2))
		if len(leads) >= MinChanges {
			lt.Level = leadTimeLevel(*lt.MedianMinutes)
		}
	}
	cfr := &rep.ChangeFailureRate
	cfr.Total, cfr.Level = rep.Deployments, InsufficientData
	if cfr.Total > 0 {
		cfr.Ratio = ptr(round(float64(cfr.Failed)/float64(cfr.Total), 4))
		if cfr.Total >= MinDeployments {
			cfr.Level = failureRateLevel(float64(cfr.Failed) / float64(cfr.Total))
		}
	}
	rt := &rep.RecoveryTime
	rt.Recoveries, rt.Level = len(recoveries), InsufficientData
	if len(recoveries) > 0 {
		rt.MedianMinutes = ptr(round(median(recoveries), 2))
		if len(recoveries) >= MinRecoveries {
			rt.Level = recoveryLevel(*rt.MedianMinutes)
		}
	}
	return rep
}

// median is the middle value, or the mean of the two middle values.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile is the nearest-rank percentile: the smallest value with at
// least p of the values at or below it.
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p * float64(len(s))))
	return s[max(rank, 1)-1]
}

func round(v float64, places int) float64 {
	m := math.Pow(10, float64(places))
	return math.Round(v*m) / m
}

func ptr[T any](v T) *T { return &v }

// history is each service's main-branch commits and the changes that made
// them, by sha.
type history struct {
	commits map[string]map[string]Commit
	changes map[string]map[string]Change
}

func newHistory(d Data) *history {
	h := &history{commits: map[string]map[string]Commit{}, changes: map[string]map[string]Change{}}
	for _, c := range d.Commits {
		if h.commits[c.Service] == nil {
			h.commits[c.Service] = map[string]Commit{}
		}
		h.commits[c.Service][c.SHA] = c
	}
	for _, c := range d.Changes {
		if h.changes[c.Service] == nil {
			h.changes[c.Service] = map[string]Change{}
		}
		h.changes[c.Service][c.MergeSHA] = c
	}
	return h
}

// chain is the first-parent chain from sha back to the root, or to stop
// (excluded) when it is on the way. A cycle (bad data) ends the walk.
func (h *history) chain(service, sha, stop string) (shas []string, reachedStop bool) {
	seen := map[string]bool{}
	for sha != "" && !seen[sha] {
		if sha == stop {
			return shas, true
		}
		c, ok := h.commits[service][sha]
		if !ok {
			break
		}
		seen[sha] = true
		shas = append(shas, sha)
		sha = c.ParentSHA
	}
	return shas, false
}

// shipped is the commits reachable from head and not from base on the
// service's main branch, newest first.
func (h *history) shipped(service, head, base string) ([]string, error) {
	if _, ok := h.commits[service][head]; !ok {
		return nil, fmt.Errorf("commit %s is not in the main-branch history of %s (import commits.csv)", head, service)
	}
	shas, reached := h.chain(service, head, base)
	if reached {
		return shas, nil
	}
	// base is not on head's first-parent chain (a redeploy of an older
	// commit, or a branch deploy): take away what base reaches.
	baseShas, _ := h.chain(service, base, "")
	if len(baseShas) == 0 {
		return nil, fmt.Errorf("commit %s of the previous deployment is not in the main-branch history of %s", base, service)
	}
	reachable := make(map[string]bool, len(baseShas))
	for _, s := range baseShas {
		reachable[s] = true
	}
	return slices.DeleteFunc(shas, func(s string) bool { return reachable[s] }), nil
}
