package env

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
)

// Definition says which resources make an environment. With no Tags,
// Systems or Resources, an environment is the resources whose env tag is
// its name.
type Definition struct {
	Name string
	// Tags must all match (case-insensitive keys); nil means the env tag
	// equal to Name.
	Tags map[string]string
	// Systems narrows to these system tag values.
	Systems []string
	// Resources adds resources by ARN or name, tagged or not.
	Resources []string
	// IdleStopAfter stops the environment's resources once it has been
	// unleased this long (no lease, no deploy); 0 never does.
	IdleStopAfter time.Duration
}

// Keys are the tag keys of the configuration.
type Keys struct{ Env, System string }

// Has reports whether r belongs to d.
func (d Definition) Has(r *inventory.Resource, keys Keys) bool {
	if slices.Contains(d.Resources, r.ARN) || (r.Name != "" && slices.Contains(d.Resources, r.Name)) {
		return true
	}
	tags := d.Tags
	if tags == nil {
		tags = map[string]string{keys.Env: d.Name}
	}
	for k, v := range tags {
		got, ok := r.Tag(k)
		if !ok || got != v {
			return false
		}
	}
	if len(d.Systems) > 0 {
		sys, _ := r.Tag(keys.System)
		if !slices.Contains(d.Systems, sys) {
			return false
		}
	}
	return true
}

// Members are the resources of rs that belong to d.
func (d Definition) Members(rs []inventory.Resource, keys Keys) []inventory.Resource {
	var out []inventory.Resource
	for i := range rs {
		if d.Has(&rs[i], keys) {
			out = append(out, rs[i])
		}
	}
	return out
}

// EnvValue is the env tag value d selects, or its name.
func (d Definition) EnvValue(keys Keys) string {
	if v, ok := d.Tags[keys.Env]; ok {
		return v
	}
	return d.Name
}

// Definitions are the environments: the configured ones, then one per env
// value in known (the allowed values of the env tag) or, when known is
// empty, per env tag value in the inventory, sorted as people count.
func Definitions(configured []Definition, known []string, rs []inventory.Resource, keys Keys) []Definition {
	byName := map[string]Definition{}
	for _, d := range configured {
		byName[d.Name] = d
	}
	names := slices.Clone(known)
	if len(names) == 0 {
		seen := map[string]bool{}
		for i := range rs {
			if v, ok := rs[i].Tag(keys.Env); ok && v != "" && !seen[v] {
				seen[v] = true
				names = append(names, v)
			}
		}
	}
	for _, n := range names {
		if _, ok := byName[n]; !ok {
			byName[n] = Definition{Name: n}
		}
	}
	out := make([]Definition, 0, len(byName))
	for _, d := range byName {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Definition) int { return CompareNatural(a.Name, b.Name) })
	return out
}

// PowerOf says whether a resource that can be stopped is on or off in the
// inventory; false for a resource that does not run (a bucket, a volume)
// or whose state says neither.
func PowerOf(r *inventory.Resource) (schedule.State, bool) {
	switch r.Type {
	case "AWS::EC2::Instance":
		switch r.State {
		case "running", "pending":
			return schedule.On, true
		case "stopped", "stopping":
			return schedule.Off, true
		}
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
		if r.Type == "AWS::RDS::DBInstance" {
			if c, _ := r.Attrs.Value("cluster_id").(string); c != "" {
				return "", false // its cluster says
			}
		}
		switch r.State {
		case "available", "starting", "backing-up", "modifying":
			return schedule.On, true
		case "stopped", "stopping":
			return schedule.Off, true
		}
	case "AWS::ECS::Service":
		if n, ok := r.Attrs.Value("desired_count").(float64); ok {
			return onIf(n > 0), true
		}
	case "AWS::AutoScaling::AutoScalingGroup":
		if n, ok := r.Attrs.Value("desired_capacity").(float64); ok {
			return onIf(n > 0), true
		}
	}
	return "", false
}

func onIf(b bool) schedule.State {
	if b {
		return schedule.On
	}
	return schedule.Off
}

// States of an environment.
const (
	Running = "running"
	Stopped = "stopped"
	Partly  = "partly running"
	Empty   = "no resources"
	Static  = "nothing to run" // resources, none of which runs
)

// Row is one environment on the board.
type Row struct {
	Name string `json:"name"`
	// State is running, stopped, partly running, nothing to run or no
	// resources, from the inventory.
	State     string `json:"state"`
	Resources int    `json:"resources"`
	Running   int    `json:"running"`
	Stopped   int    `json:"stopped"`
	// Schedules are the schedules its resources follow and what each wants
	// now: "office-hours: off".
	Schedules []string `json:"schedules,omitempty"`
	// Hold is what a schedule run does instead of the schedules: keep it
	// on (leased) or stop it (idle).
	Hold       *Hold                `json:"hold,omitempty"`
	Lease      *Lease               `json:"lease,omitempty"`
	LastDeploy *delivery.Deployment `json:"last_deploy,omitempty"`
	Leasable   bool                 `json:"leasable"`
}

// BoardInput is what the board is made of.
type BoardInput struct {
	Definitions []Definition
	Resources   []inventory.Resource
	Keys        Keys
	Resolver    *schedule.Resolver
	Live        map[string]Lease
	// History is every lease, ended ones too, for idle time.
	History     []Lease
	Deployments []delivery.Deployment
	Policy      Policy
	Now         time.Time
	// Lang is the language of whoever plans: a hold's Why is written in
	// it, since a schedule run's plan keeps it.
	Lang i18n.Lang
}

// Board is one row per environment.
func Board(in BoardInput) []Row {
	last := lastDeploys(in.Deployments)
	holds := Holds(in)
	rows := make([]Row, 0, len(in.Definitions))
	for _, d := range in.Definitions {
		row := Row{Name: d.Name, Leasable: in.Policy.CanLease(d.Name)}
		sched := map[string]bool{}
		for _, r := range d.Members(in.Resources, in.Keys) {
			row.Resources++
			if p, ok := PowerOf(&r); ok {
				if p == schedule.On {
					row.Running++
				} else {
					row.Stopped++
				}
			}
			if in.Resolver == nil {
				continue
			}
			m, err := in.Resolver.For(target(&r, in.Keys))
			if err == nil && m.Schedule != nil {
				sched[m.Schedule.Name()+": "+string(m.Schedule.Eval(in.Now).State)] = true
			}
			if h, ok := holds[r.ARN]; ok && row.Hold == nil && (m.Schedule != nil || h.Unscheduled) {
				row.Hold = &h
			}
		}
		for s := range sched {
			row.Schedules = append(row.Schedules, s)
		}
		sort.Strings(row.Schedules)
		switch {
		case row.Resources == 0:
			row.State = Empty
		case row.Running+row.Stopped == 0:
			row.State = Static
		case row.Stopped == 0:
			row.State = Running
		case row.Running == 0:
			row.State = Stopped
		default:
			row.State = Partly
		}
		if l, ok := in.Live[d.Name]; ok {
			row.Lease = &l
		}
		if dep, ok := last[d.EnvValue(in.Keys)]; ok {
			row.LastDeploy = &dep
		} else if dep, ok := last[d.Name]; ok {
			row.LastDeploy = &dep
		}
		rows = append(rows, row)
	}
	return rows
}

func lastDeploys(ds []delivery.Deployment) map[string]delivery.Deployment {
	out := map[string]delivery.Deployment{}
	for _, d := range ds {
		if cur, ok := out[d.Environment]; !ok || d.Finished.After(cur.Finished) {
			out[d.Environment] = d
		}
	}
	return out
}

func target(r *inventory.Resource, keys Keys) schedule.Target {
	e, _ := r.Tag(keys.Env)
	s, _ := r.Tag(keys.System)
	return schedule.Target{Tags: r.Tags.Map(), Env: e, System: s}
}

// Hold is what a schedule run wants of a resource instead of (or without)
// its schedule.
type Hold struct {
	// Status is the state wanted and since when: a lease wants on since
	// it began; an idle environment wants off since it became idle.
	Status schedule.Status `json:"status"`
	Why    string          `json:"why"`
	// Unscheduled: the hold applies to a resource that follows no
	// schedule too (idle stop does; a lease only overrides a schedule).
	Unscheduled bool `json:"unscheduled,omitempty"`
}

// Holds are, by ARN, the resources a schedule run must treat otherwise
// than their schedule says: those of a leased environment stay on until
// the lease ends; those of an unleased environment with IdleStopAfter
// are stopped once it has been idle that long (idle since the later of
// its last lease's end, its last deploy, and its newest resource's
// creation).
func Holds(in BoardInput) map[string]Hold {
	out := map[string]Hold{}
	lastLease := map[string]time.Time{}
	for _, l := range in.History {
		end := l.Ended
		if end.IsZero() {
			end = l.Until
		}
		if end.After(lastLease[l.Environment]) {
			lastLease[l.Environment] = end
		}
	}
	deploys := lastDeploys(in.Deployments)
	for _, d := range in.Definitions {
		members := d.Members(in.Resources, in.Keys)
		if l, ok := in.Live[d.Name]; ok && l.Live(in.Now) {
			why := in.Lang.T("env.why.leased", l.Holder, l.Until.Format(time.RFC3339))
			for _, r := range members {
				if _, ok := PowerOf(&r); ok {
					out[r.ARN] = Hold{Status: schedule.Status{State: schedule.On, Since: l.Start}, Why: why}
				}
			}
			continue
		}
		if d.IdleStopAfter <= 0 {
			continue
		}
		since := lastLease[d.Name]
		if dep, ok := deploys[d.EnvValue(in.Keys)]; ok && dep.Finished.After(since) {
			since = dep.Finished
		}
		for _, r := range members {
			if r.Created.After(since) {
				since = r.Created
			}
		}
		if since.IsZero() || in.Now.Sub(since) < d.IdleStopAfter {
			continue
		}
		stopAt := since.Add(d.IdleStopAfter)
		why := in.Lang.T("env.why.idle", since.Format(time.RFC3339), FormatDuration(d.IdleStopAfter))
		for _, r := range members {
			if _, ok := PowerOf(&r); ok {
				out[r.ARN] = Hold{Status: schedule.Status{State: schedule.Off, Since: stopAt}, Why: why, Unscheduled: true}
			}
		}
	}
	return out
}

// ScheduleText joins a row's schedules for a table cell.
func (r Row) ScheduleText() string { return strings.Join(r.Schedules, ", ") }

// HolderText is a lease's holder as a person reads it, saying when the
// lease was made by a deploy.
func HolderText(l *Lease, lang i18n.Lang) string {
	if l.Via == ViaDeploy {
		return lang.T("env.holder.deploy", l.Holder)
	}
	return l.Holder
}
