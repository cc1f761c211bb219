// Package costconfig is the cost section of steward.yaml: budgets, virtual
// tags, anomaly tuning and the settings of recommendations (office hours,
// production envs). It is plain data with its defaults and a validation
// that names the field, so package config can place and check it without
// importing the bill readers, the AWS SDK and Parquet that package cost
// needs. It knows nothing of bills.
package costconfig

import (
	"fmt"
	"path"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/money"
)

// Config is the cost section of steward.yaml (under `cost:`).
type Config struct {
	// Budgets are monthly limits per system and/or env.
	Budgets []Budget `yaml:"budgets"`
	// VirtualTags attribute spend no tag can carry (shared NAT traffic,
	// support fees) by rules over account, service, usage type, resource.
	VirtualTags []VirtualTag `yaml:"virtual_tags"`
	Anomaly     Anomaly      `yaml:"anomaly"`
	// Recommend tunes recommendations: office hours, production envs,
	// the Fargate Spot discount.
	Recommend RecommendConfig `yaml:"recommend"`
	// MaxSkipped is the share of a bill file's lines that may be
	// unreadable (bad cost or date) before `cost ingest` stores nothing,
	// as a percentage (default 1%); see MaxSkippedShare.
	MaxSkipped string `yaml:"max_skipped"`
}

// Budget is a monthly limit. System and Env may each be empty (any); at
// least one must be set. Amount is in the display currency.
type Budget struct {
	System  string       `yaml:"system"`
	Env     string       `yaml:"env"`
	Monthly money.Amount `yaml:"monthly"`
}

// VirtualTag sets system, env and owner on spend matching every given
// glob (path.Match syntax; an empty field matches anything).
type VirtualTag struct {
	Account   string `yaml:"account"`
	Service   string `yaml:"service"`
	UsageType string `yaml:"usage_type"`
	Resource  string `yaml:"resource"`
	System    string `yaml:"system"`
	Env       string `yaml:"env"`
	Owner     string `yaml:"owner"`
}

// Anomaly tunes anomaly detection.
type Anomaly struct {
	// WindowDays of history form the baseline (default 56: eight of each weekday).
	WindowDays int `yaml:"window_days"`
	// MinHistoryDays before any anomaly is reported (default 21).
	MinHistoryDays int `yaml:"min_history_days"`
	// Score is how many robust deviations above expected a day must be (default 4).
	Score float64 `yaml:"score"`
	// MinImpact per day, in the bill's currency, below which a rise is noise (default 1).
	MinImpact money.Amount `yaml:"min_impact"`
	// FailImpact: `steward cost check` fails on an anomaly whose total impact
	// is at least this (default: any reported anomaly).
	FailImpact money.Amount `yaml:"fail_impact"`
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.Anomaly.WindowDays == 0 {
		c.Anomaly.WindowDays = 56
	}
	if c.Anomaly.MinHistoryDays == 0 {
		c.Anomaly.MinHistoryDays = 21
	}
	if c.Anomaly.Score == 0 {
		c.Anomaly.Score = 4
	}
	if c.Anomaly.MinImpact.IsZero() {
		c.Anomaly.MinImpact = money.MustParse("1")
	}
	c.Recommend.defaults()
	if c.MaxSkipped == "" {
		c.MaxSkipped = DefaultMaxSkipped.String()
	}
}

// FieldError is a problem with one field of the cost section; Field is
// its path in steward.yaml (cost.budgets[0].monthly), so the caller can
// point at the line.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate names the field and the fix.
func (c *Config) Validate() error {
	if _, err := ParsePercent(c.MaxSkipped); err != nil && c.MaxSkipped != "" {
		return &FieldError{Field: "cost.max_skipped", Err: err}
	}
	for i, b := range c.Budgets {
		if b.System == "" && b.Env == "" {
			return &FieldError{Field: fmt.Sprintf("cost.budgets[%d]", i), Err: i18n.Say("cost.cfg.budget.scope").Err()}
		}
		if b.Monthly.Sign() <= 0 {
			return &FieldError{Field: fmt.Sprintf("cost.budgets[%d].monthly", i), Err: i18n.Say("cost.cfg.budget.monthly").Err()}
		}
	}
	for i, v := range c.VirtualTags {
		for _, g := range []struct{ name, glob string }{{"account", v.Account}, {"service", v.Service}, {"usage_type", v.UsageType}, {"resource", v.Resource}} {
			if _, err := path.Match(g.glob, ""); err != nil {
				return &FieldError{Field: fmt.Sprintf("cost.virtual_tags[%d].%s", i, g.name), Err: fmt.Errorf("%q is not a glob: %w", g.glob, err)}
			}
		}
		if v.System == "" && v.Env == "" && v.Owner == "" {
			return &FieldError{Field: fmt.Sprintf("cost.virtual_tags[%d]", i), Err: i18n.Say("cost.cfg.vtag.scope").Err()}
		}
	}
	a := c.Anomaly
	switch {
	case a.WindowDays < 14:
		return &FieldError{Field: "cost.anomaly.window_days", Err: i18n.Say("cost.cfg.anomaly.window", a.WindowDays).Err()}
	case a.MinHistoryDays < 7 || a.MinHistoryDays > a.WindowDays:
		return &FieldError{Field: "cost.anomaly.min_history_days", Err: i18n.Say("cost.cfg.anomaly.history", a.MinHistoryDays, a.WindowDays).Err()}
	case a.Score <= 0:
		return &FieldError{Field: "cost.anomaly.score", Err: i18n.Say("cost.cfg.anomaly.score").Err()}
	}
	return c.Recommend.validate()
}
