//go:build gorules

package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"cel.dev/cel-go/common/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// This file is built only with the tag gorules, by the policy benchmark
// (bench/): steward itself runs policies as CEL and knows no other kind.

// GoRule is a policy's where, waste and message written as Go functions
// instead of CEL. An engine built with CompileGo runs them through exactly
// the same evaluation as CEL programs (type index, owner resolution,
// currency conversion, finding construction, sorting), so that comparing
// the two measures CEL itself and nothing around it.
type GoRule struct {
	// Where reports whether the resource is a problem.
	Where func(x *GoEnv, r *inventory.Resource) bool
	// Waste is the money recoverable per month in US dollars; nil when the
	// policy has no waste estimate.
	Waste func(x *GoEnv, r *inventory.Resource) float64
	// Message is the finding's text; it is called only for matches.
	Message func(x *GoEnv, r *inventory.Resource) string
}

// GoEnv is what a GoRule may read besides the resource: the evaluation's
// time and the relation indexes that related() and referrers() use.
type GoEnv struct {
	ev *evalState
	fn *funcs
}

// Now is the time ages are measured against.
func (x *GoEnv) Now() time.Time { return x.fn.now }

// Related returns the resources r points at with relations of kind, as
// related(r, kind) does.
func (x *GoEnv) Related(r *inventory.Resource, kind string) []*inventory.Resource {
	idx := x.ev.index()
	var out []*inventory.Resource
	for _, rel := range r.Relations {
		if rel.Kind != kind {
			continue
		}
		if i, ok := idx[rel.Target]; ok {
			out = append(out, &x.ev.rs[i])
		}
	}
	return out
}

// Referrers returns the resources that point at r with relations of kind,
// as referrers(r, kind) does.
func (x *GoEnv) Referrers(r *inventory.Resource, kind string) []*inventory.Resource {
	var out []*inventory.Resource
	for _, e := range x.ev.referrersOf(r.ARN) {
		if e.kind == kind {
			out = append(out, &x.ev.rs[e.from])
		}
	}
	return out
}

// Money prints US dollars in the configured currency, as money() does.
func (x *GoEnv) Money(usd float64) string { return formatMoney(usd*x.fn.rate, x.fn.currency) }

// CompileGo builds an engine whose policies keep their metadata (title,
// severity, category, remediation, overrides) but are evaluated by the Go
// functions in rules, keyed by policy id, instead of their CEL expressions.
// Every policy needs a rule with Where and Message, and a Waste exactly
// when the policy has a waste expression; a rule for no policy is an error.
func CompileGo(ps []*Policy, rules map[string]GoRule, opts Options) (*Engine, error) {
	opts, fn, log, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	ps, err = applyOverrides(ps, opts)
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, fn: fn, log: log, byType: map[string][]*compiled{}, owners: newOwners(opts)}
	envs := newCelEnvs(fn)
	var errs []error
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.ID] = true
		g, ok := rules[p.ID]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("policy %s: no Go rule", p.ID))
			continue
		case g.Where == nil || g.Message == nil:
			errs = append(errs, fmt.Errorf("policy %s: Go rule needs Where and Message", p.ID))
			continue
		case (g.Waste == nil) != (p.Waste == ""):
			errs = append(errs, fmt.Errorf("policy %s: Go rule must have a Waste exactly when the policy has a waste expression", p.ID))
			continue
		}
		// The messages in other languages are CEL in both engines: the
		// comparison is of where, waste and the English message.
		trs, err := compileTranslations(envs, p, nil, 0)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.add(&compiled{p: p, sev: p.Severity, twin: twin{rule: &g}, translations: trs,
			params: types.DefaultTypeAdapter.NativeToValue(p.Params)})
	}
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		if !seen[id] {
			errs = append(errs, fmt.Errorf("Go rule %s: no policy has this id", id))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.rank()
	return e, nil
}

// twin is a policy's Go rule in an engine built by CompileGo; an engine
// built by Compile leaves it empty and runs CEL.
type twin struct{ rule *GoRule }

type twinEnv = *GoEnv

func newTwinEnv(ev *evalState, fn *funcs) *GoEnv { return &GoEnv{ev: ev, fn: fn} }

func (t twin) where(x *GoEnv, r *inventory.Resource) (match, ok bool) {
	if t.rule == nil {
		return false, false
	}
	return t.rule.Where(x, r), true
}

func (t twin) waste(x *GoEnv, r *inventory.Resource) (usd float64, ok bool) {
	if t.rule == nil || t.rule.Waste == nil {
		return 0, false
	}
	return t.rule.Waste(x, r), true
}

func (t twin) message(x *GoEnv, r *inventory.Resource) (string, bool) {
	if t.rule == nil {
		return "", false
	}
	return t.rule.Message(x, r), true
}
