package config

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// Environment says which resources make a named environment (by default,
// those whose env tag is its name) and how it is run when nobody leases
// it. A key may be a range, qa1..qa10, for ten environments alike.
type Environment struct {
	// Tags that every resource of the environment carries; replaces the
	// default env tag match (e.g. {env: qa3, system: shop}).
	Tags map[string]string `yaml:"tags"`
	// Systems narrows the environment to these system tag values.
	Systems []string `yaml:"systems"`
	// Resources adds resources by ARN or name.
	Resources []string `yaml:"resources"`
	// IdleStopAfter stops its resources once it has had no lease and no
	// deploy this long (e.g. 4h); empty never does.
	IdleStopAfter string `yaml:"idle_stop_after"`
}

// Leases tunes environment leases.
type Leases struct {
	// DefaultDuration is a claim's length without --for (default 4h).
	DefaultDuration string `yaml:"default_duration"`
	// MaxDuration is the longest a lease may run from now (default 7d).
	MaxDuration string `yaml:"max_duration"`
	// RemindBefore is how long before its end a holder is reminded, at
	// schedule run (default 30m; off for none).
	RemindBefore string `yaml:"remind_before"`
	// ClaimOnDeploy is the lease a deploy to an unleased environment
	// makes for its deployer (default 4h; off for none).
	ClaimOnDeploy string `yaml:"claim_on_deploy"`
	// Environments are globs of the environments that may be leased
	// (default qa*, dev*).
	Environments []string `yaml:"environments"`
	// RefuseForeignDeploys makes the server's deploy check
	// (POST /api/deployments/check) refuse a deploy to an environment
	// someone else holds; by default it is allowed and flagged.
	RefuseForeignDeploys bool `yaml:"refuse_foreign_deploys"`
}

// EnvDiff tunes steward env diff. Each list given replaces the default.
type EnvDiff struct {
	// Parameters are attrs expected to differ (sizes, counts, classes).
	Parameters []string `yaml:"parameters"`
	// Drift are attrs that must not differ (versions, encryption, public
	// access, logging, retention).
	Drift []string `yaml:"drift"`
	// RequiredTypes are types whose absence on one side is drift (alarms).
	RequiredTypes []string `yaml:"required_types"`
	// IgnoreTypes are not compared at all.
	IgnoreTypes []string `yaml:"ignore_types"`
	// MatchTags are tag keys naming a resource's role in every environment.
	MatchTags []string `yaml:"match_tags"`
}

var envName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// validateEnvironments checks environments:, leases: and env_diff: and
// keeps what they mean as env values.
func (c *Config) validateEnvironments(f *yamlfile.File) error {
	c.envDefs = nil
	seen := map[string]string{}
	for _, key := range sortedKeys(c.Environments) {
		field := "environments." + key
		names, err := ExpandValues([]string{key})
		if err != nil {
			return f.Wrap(field, err)
		}
		e := c.Environments[key]
		var idle time.Duration
		if e.IdleStopAfter != "" {
			if idle, err = env.ParseDuration(e.IdleStopAfter); err != nil {
				return f.Wrap(field+".idle_stop_after", err)
			}
		}
		for k, v := range e.Tags {
			if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return f.Say(field+".tags", "config.env.tag")
			}
		}
		if len(e.Tags) > 0 && len(names) > 1 {
			return f.Say(field+".tags", "config.env.rangetags")
		}
		for i, s := range e.Systems {
			if strings.TrimSpace(s) == "" {
				return f.Say(fmt.Sprintf("%s.systems[%d]", field, i), "config.empty")
			}
		}
		for i, s := range e.Resources {
			if strings.TrimSpace(s) == "" {
				return f.Say(fmt.Sprintf("%s.resources[%d]", field, i), "config.env.emptyresource")
			}
		}
		for _, n := range names {
			if !envName.MatchString(n) {
				return f.Say(field, "config.env.name", n)
			}
			if other, dup := seen[n]; dup {
				return f.Say(field, "config.env.dup", n, other)
			}
			seen[n] = key
			c.envDefs = append(c.envDefs, env.Definition{Name: n, Tags: e.Tags, Systems: e.Systems, Resources: e.Resources, IdleStopAfter: idle})
		}
	}
	p := env.DefaultPolicy()
	durations := []struct {
		field, v string
		to       *time.Duration
		canOff   bool
	}{
		{"leases.default_duration", c.Leases.DefaultDuration, &p.Default, false},
		{"leases.max_duration", c.Leases.MaxDuration, &p.Max, false},
		{"leases.remind_before", c.Leases.RemindBefore, &p.RemindBefore, true},
		{"leases.claim_on_deploy", c.Leases.ClaimOnDeploy, &p.OnDeploy, true},
	}
	for _, d := range durations {
		switch {
		case d.v == "":
		case d.canOff && (d.v == "off" || d.v == "0"):
			*d.to = 0
		default:
			v, err := env.ParseDuration(d.v)
			if err != nil {
				if p, ok := i18n.PhraseOf(err); ok && d.canOff {
					return f.Say(d.field, "config.oroff", p)
				}
				return f.Wrap(d.field, err)
			}
			*d.to = v
		}
	}
	if p.Default > p.Max {
		return f.Say("leases.default_duration", "config.lease.max", env.FormatDuration(p.Default), env.FormatDuration(p.Max))
	}
	if p.OnDeploy > p.Max {
		return f.Say("leases.claim_on_deploy", "config.lease.max", env.FormatDuration(p.OnDeploy), env.FormatDuration(p.Max))
	}
	if c.Leases.Environments != nil {
		p.Leasable = c.Leases.Environments
	}
	for i, g := range p.Leasable {
		if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
			return f.Say(fmt.Sprintf("leases.environments[%d]", i), "config.lease.glob", g)
		}
	}
	c.leasePolicy = p

	o := env.DefaultDiffOptions()
	lists := []struct {
		field string
		v     []string
		to    *[]string
		types bool
	}{
		{"env_diff.parameters", c.EnvDiff.Parameters, &o.Parameters, false},
		{"env_diff.drift", c.EnvDiff.Drift, &o.Drift, false},
		{"env_diff.required_types", c.EnvDiff.RequiredTypes, &o.RequiredTypes, true},
		{"env_diff.ignore_types", c.EnvDiff.IgnoreTypes, &o.IgnoreTypes, true},
		{"env_diff.match_tags", c.EnvDiff.MatchTags, &o.MatchTags, false},
	}
	for _, l := range lists {
		if l.v == nil {
			continue
		}
		for i, s := range l.v {
			if strings.TrimSpace(s) == "" {
				return f.Say(fmt.Sprintf("%s[%d]", l.field, i), "config.empty")
			}
			if _, err := path.Match(s, ""); l.types && err != nil {
				return f.Say(fmt.Sprintf("%s[%d]", l.field, i), "config.typename", s)
			}
		}
		*l.to = slices.Clone(l.v)
	}
	for _, k := range o.Parameters {
		if slices.Contains(o.Drift, k) {
			return f.Say("env_diff.parameters", "config.envdiff.both", k)
		}
	}
	c.diffOptions = o
	return nil
}

// EnvDefinitions are the environments of environments:, ranges expanded.
func (c *Config) EnvDefinitions() []env.Definition { return slices.Clone(c.envDefs) }

// LeasePolicy is leases: with its defaults.
func (c *Config) LeasePolicy() env.Policy { return c.leasePolicy }

// EnvDiffOptions are env_diff:'s lists with their defaults (keys and
// naming rule filled from tags: and naming:).
func (c *Config) EnvDiffOptions() env.DiffOptions {
	o := c.diffOptions
	o.Keys = env.Keys{Env: c.Tags.EnvKey, System: c.Tags.SystemKey}
	o.Naming = c.rule
	return o
}
