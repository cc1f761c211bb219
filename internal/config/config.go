// Package config owns steward.yaml: its schema, strict loading, defaults and
// validation with messages that name the file, line and field. It knows
// nothing of AWS, policies or the store; other packages receive the values
// they need, not the Config. The cost section's types belong to package
// costconfig, a leaf of package cost; config only places and checks them.
package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/steward-sre/steward/internal/action/guard"
	"github.com/steward-sre/steward/internal/cost/costconfig"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/quote"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// Config is the content of steward.yaml.
type Config struct {
	// Accounts to scan. Empty means the account of the default credentials.
	Accounts []Account `yaml:"accounts"`
	// Organization, when set, discovers accounts with AWS Organizations.
	Organization *Organization `yaml:"organization"`
	// Regions to scan. Empty means every enabled region.
	Regions []string `yaml:"regions"`
	// ConfigAggregator names an AWS Config aggregator in the account and
	// default region of the first credentials; when set, resources it
	// records are read from it in bulk instead of service by service.
	ConfigAggregator string   `yaml:"config_aggregator"`
	Naming           Naming   `yaml:"naming"`
	Tags             Tags     `yaml:"tags"`
	Currency         Currency `yaml:"currency"`
	// Store is a path to the SQLite database (or a DSN). Empty: the user's
	// data directory.
	Store    string   `yaml:"store"`
	Policies Policies `yaml:"policies"`
	// Lang is the language of output for people: en or ja. Empty lets
	// --lang, STEWARD_LANG and the locale decide (see i18n.Select); the
	// first two win over it.
	Lang string `yaml:"lang"`
	// Cost holds budgets, virtual tags and anomaly tuning.
	Cost costconfig.Config `yaml:"cost"`
	// TimeZone is the default zone of schedules, offhours tags and office
	// hours: an IANA name such as Asia/Tokyo.
	TimeZone string `yaml:"time_zone"`
	// Schedules are named off-hours schedules, by name.
	Schedules map[string]Schedule `yaml:"schedules"`
	// Teams maps a team name to the services it answers for, for the Four
	// Keys by team.
	Teams map[string]Team `yaml:"teams"`
	// Notify says where run summaries go.
	Notify Notify `yaml:"notify"`

	file      *yamlfile.File
	rule      naming.Rule
	schedules *schedule.Resolver
}

// Schedule is a named off-hours schedule: when the resources that follow
// it are on. Holidays and closed days are off all day.
type Schedule struct {
	// Windows are when resources are on, e.g. "mon-fri 09:00-20:00".
	Windows []string `yaml:"windows"`
	// TimeZone of the windows (default: the top-level time_zone).
	TimeZone string `yaml:"time_zone"`
	// Holidays are the public holidays off all day: jp, us or none
	// (default none).
	Holidays string `yaml:"holidays"`
	// Closed are more days off every year, as MM-DD.
	Closed []string `yaml:"closed"`
	// Enforced: every run puts resources back in the scheduled state, even
	// after a manual change.
	Enforced bool `yaml:"enforced"`
	// Env and System are globs of the env and system tags of the
	// resources that follow the schedule (both must match when both are
	// given). A resource tagged steward:schedule=NAME follows it too.
	Env    []string `yaml:"env"`
	System []string `yaml:"system"`
}

// Team is a team and the services (deployment service names) it answers
// for. A service belongs to one team at most.
type Team struct {
	Services []string `yaml:"services"`
}

// TeamServices returns the services of a team, and false when the
// configuration has no such team.
func (c *Config) TeamServices(team string) ([]string, bool) {
	t, ok := c.Teams[team]
	return t.Services, ok
}

// teamName is what a team may be called.
var teamName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (c *Config) validateTeams(f *yamlfile.File) error {
	teamOf := map[string]string{}
	for _, name := range sortedKeys(c.Teams) {
		field := "teams." + name
		if !teamName.MatchString(name) {
			return f.Errorf(field, "%q is not a team name (letters, digits, _ . -; at most 64, e.g. team-api)", name)
		}
		svcs := c.Teams[name].Services
		if len(svcs) == 0 {
			return f.Errorf(field+".services", "a team needs at least one service (the names deployments are recorded under)")
		}
		for i, s := range svcs {
			if strings.TrimSpace(s) == "" {
				return f.Errorf(fmt.Sprintf("%s.services[%d]", field, i), "is empty")
			}
			if other, dup := teamOf[s]; dup {
				return f.Errorf(fmt.Sprintf("%s.services[%d]", field, i), "service %q is already in team %s; a service belongs to one team", s, other)
			}
			teamOf[s] = name
		}
	}
	return nil
}

// Account is one AWS account to scan and how to reach it.
type Account struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Profile     string `yaml:"profile"`
	RoleARN     string `yaml:"role_arn"`
	ExternalID  string `yaml:"external_id"`
	SessionName string `yaml:"session_name"`
}

// Organization discovers member accounts and assumes RoleName in each.
type Organization struct {
	RoleName   string `yaml:"role_name"`
	ExternalID string `yaml:"external_id"`
}

// Naming is the naming rule: a template or a regex, and the types it binds.
type Naming struct {
	Template string `yaml:"template"`
	Regex    string `yaml:"regex"`
	// Types the rule applies to; empty means every type that has a name.
	Types []string `yaml:"types"`
}

// Tags says which tags every resource must carry and which keys say who
// owns it.
type Tags struct {
	// Required maps a tag key to its allowed values; an empty list allows
	// any non-empty value. Values may use ranges: qa1..qa10.
	Required map[string][]string `yaml:"required"`
	// RequiredOn limits a required key to some resource types, as type
	// names or patterns (AWS::EC2::*); a key it does not list is required
	// on every taggable type.
	RequiredOn map[string][]string `yaml:"required_on"`
	// Exempt lists resource types (names or patterns) that no required tag
	// applies to, e.g. AWS::RDS::DBSnapshot.
	Exempt []string `yaml:"exempt"`
	// OwnerKey, SystemKey and EnvKey name the tags that say who owns a
	// resource (defaults: owner, system, env).
	OwnerKey  string `yaml:"owner_key"`
	SystemKey string `yaml:"system_key"`
	EnvKey    string `yaml:"env_key"`
	// ScheduleKey names the schedule a resource follows (default
	// steward:schedule); OffhoursKey holds a Cloud Custodian offhours
	// schedule (default maid_offhours).
	ScheduleKey string `yaml:"schedule_key"`
	OffhoursKey string `yaml:"offhours_key"`
}

// Currency is how money is shown. Prices are kept in USD; Rate converts.
// The codes accepted are those of package money.
type Currency struct {
	Code string  `yaml:"code"` // USD or JPY
	Rate float64 `yaml:"rate"` // units of Code per USD (1 for USD)
}

// Policies says which policy files to load and how to tune the built-ins.
type Policies struct {
	// Paths are files or folders of policy YAML, added to the built-in packs.
	Paths []string `yaml:"paths"`
	// Disable lists policy ids (or pack names) not to evaluate.
	Disable []string `yaml:"disable"`
	// NoBuiltin turns the embedded packs off.
	NoBuiltin bool `yaml:"no_builtin"`
	// Params overrides a policy's parameters: policy id -> name -> value.
	Params map[string]map[string]any `yaml:"params"`
	// Severity overrides a policy's severity: policy id -> severity.
	Severity map[string]string `yaml:"severity"`
	// Actions limits what steward may change.
	Actions Actions `yaml:"actions"`
}

// Actions limits the changes steward makes (schedules, apply, undo).
type Actions struct {
	// Exclude names resources no action touches: ARN or name globs, or
	// tag:KEY=VALUE. Resources tagged steward:protect=true are excluded too.
	Exclude []string `yaml:"exclude"`
	// MaxChanges is the blast-radius cap: the most changes one apply makes
	// (default 20); a plan with more is refused whole.
	MaxChanges int `yaml:"max_changes"`
	// GraceDays is how long a resource marked for deletion (steward
	// cleanup plan) waits before a plan may delete it (default 7).
	GraceDays int `yaml:"grace_days"`
}

// Notify says where run summaries go.
type Notify struct {
	// WebhookURL receives each schedule run's summary as JSON (POST).
	WebhookURL string `yaml:"webhook_url"`
}

// DefaultEnvs are the env values allowed when the config says nothing.
var DefaultEnvs = []string{"prod", "stg", "dev", "qa1..qa10"}

// Default returns the configuration used when there is no steward.yaml.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		panic(fmt.Sprintf("config: defaults do not validate: %v", err))
	}
	return c
}

func (c *Config) applyDefaults() {
	if c.Naming.Template == "" && c.Naming.Regex == "" {
		c.Naming.Template = "{system}-{env}-{role}"
	}
	if c.Tags.Required == nil {
		c.Tags.Required = map[string][]string{
			"env":    slices.Clone(DefaultEnvs),
			"system": nil,
			"owner":  nil,
		}
	}
	if c.Tags.OwnerKey == "" {
		c.Tags.OwnerKey = "owner"
	}
	if c.Tags.SystemKey == "" {
		c.Tags.SystemKey = "system"
	}
	if c.Tags.EnvKey == "" {
		c.Tags.EnvKey = "env"
	}
	if c.Currency.Code == "" {
		c.Currency.Code = "USD"
	}
	if c.Currency.Rate == 0 && c.Currency.Code == "USD" {
		c.Currency.Rate = 1
	}
	if c.Tags.ScheduleKey == "" {
		c.Tags.ScheduleKey = schedule.DefaultScheduleKey
	}
	if c.Tags.OffhoursKey == "" {
		c.Tags.OffhoursKey = schedule.DefaultOffhoursKey
	}
	if c.Policies.Actions.MaxChanges == 0 {
		c.Policies.Actions.MaxChanges = guard.DefaultMaxChanges
	}
	if c.Policies.Actions.GraceDays == 0 {
		c.Policies.Actions.GraceDays = guard.DefaultGraceDays
	}
	if c.TimeZone != "" && c.Cost.Recommend.OfficeHours.TimeZone == "" {
		c.Cost.Recommend.OfficeHours.TimeZone = c.TimeZone
	}
	c.Cost.Defaults()
}

// Load reads, defaults and validates a configuration file. Relative policy
// paths are taken from the file's folder, as people expect of a config kept
// in a repository next to its policies, and must exist.
func Load(ctx context.Context, path string) (*Config, error) {
	data, err := yamlfile.ReadFile(ctx, path)
	if err != nil {
		var ye *yamlfile.Error
		if errors.As(err, &ye) {
			return nil, err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config %s does not exist (run without --config to use the defaults)", path)
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for i, p := range c.Policies.Paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Stat(p); err != nil {
			return nil, c.file.Errorf(fmt.Sprintf("policies.paths[%d]", i), "%s does not exist (paths are relative to the config file's folder)", p)
		}
		c.Policies.Paths[i] = p
	}
	return c, nil
}

// Parse decodes, defaults and validates configuration from data; name is
// used in error messages.
func Parse(name string, data []byte) (*Config, error) {
	c := &Config{}
	f, err := yamlfile.Decode(name, data, c)
	if err != nil {
		return nil, err
	}
	c.file = f
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
	roleARN   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
	// aggregatorName is what AWS Config accepts as an aggregator name.
	aggregatorName = regexp.MustCompile(`^[\w-]{1,256}$`)
)

// Validate checks every field and returns the first problem, naming the
// field and the fix.
func (c *Config) Validate() error {
	f := c.file
	if f == nil {
		f = &yamlfile.File{Name: "steward.yaml (defaults)"}
	}
	seen := map[string]bool{}
	for i, a := range c.Accounts {
		field := fmt.Sprintf("accounts[%d]", i)
		if a.ID != "" && !accountID.MatchString(a.ID) {
			return f.Errorf(field+".id", "%q is not a 12-digit AWS account id", a.ID)
		}
		if a.RoleARN != "" && !roleARN.MatchString(a.RoleARN) {
			return f.Errorf(field+".role_arn", "%q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", a.RoleARN)
		}
		if a.ExternalID != "" && a.RoleARN == "" {
			// An external id is sent only when assuming a role; without
			// one it would be silently ignored.
			return f.Errorf(field+".external_id", "is set without role_arn; an external id is only used to assume a role (add role_arn, or remove external_id)")
		}
		if a.ID == "" && a.Profile == "" && a.RoleARN == "" {
			return f.Errorf(field, "an account needs an id, a profile or a role_arn")
		}
		key := a.ID + "|" + a.Profile + "|" + a.RoleARN
		if seen[key] {
			return f.Errorf(field, "account listed twice")
		}
		seen[key] = true
	}
	if c.Organization != nil && c.Organization.RoleName == "" {
		return f.Errorf("organization.role_name", "is required with organization (the role to assume in each member account, e.g. OrganizationAccountAccessRole)")
	}
	if c.ConfigAggregator != "" && !aggregatorName.MatchString(c.ConfigAggregator) {
		return f.Errorf("config_aggregator", "%q is not an AWS Config aggregator name (letters, digits, _ and -, at most 256; the name, not the ARN)", c.ConfigAggregator)
	}
	for i, r := range c.Regions {
		if !regionRe.MatchString(r) {
			return f.Errorf(fmt.Sprintf("regions[%d]", i), "%q is not an AWS region name (e.g. ap-northeast-1)", r)
		}
	}
	allowed := map[string][]string{}
	for _, key := range sortedKeys(c.Tags.Required) {
		vals, err := ExpandValues(c.Tags.Required[key])
		if err != nil {
			return f.Errorf("tags.required."+key, "%v", err)
		}
		allowed[key] = vals
	}
	c.Tags.Required = allowed
	for _, key := range sortedKeys(c.Tags.RequiredOn) {
		field := "tags.required_on." + key
		if _, ok := allowed[key]; !ok {
			return f.Errorf(field, "%q is not a key of tags.required (required: %s)", key, strings.Join(sortedKeys(allowed), ", "))
		}
		for i, pat := range c.Tags.RequiredOn[key] {
			if err := checkTypePattern(pat); err != nil {
				return f.Errorf(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			}
		}
	}
	for i, pat := range c.Tags.Exempt {
		if err := checkTypePattern(pat); err != nil {
			return f.Errorf(fmt.Sprintf("tags.exempt[%d]", i), "%v", err)
		}
	}
	// A naming field that is also a required tag takes the tag's allowed
	// values, so "{system}-{env}-{role}" rejects shop-production-web when
	// env allows prod, stg and dev only.
	rule, err := naming.Compile(c.Naming.Template, c.Naming.Regex, allowed)
	if err != nil {
		field := "naming.template"
		if c.Naming.Regex != "" {
			field = "naming.regex"
		}
		return f.Errorf(field, "%v", err)
	}
	c.rule = rule
	cur, err := money.Lookup(c.Currency.Code)
	if err != nil {
		return f.Errorf("currency.code", "%v", err)
	}
	c.Currency.Code = cur.Code
	switch {
	case cur.Code == money.USD:
		if c.Currency.Rate != 1 && c.Currency.Rate != 0 {
			return f.Errorf("currency.rate", "must be 1 (or unset) for USD, got %v", c.Currency.Rate)
		}
		c.Currency.Rate = 1
	case !(c.Currency.Rate > 0) || math.IsInf(c.Currency.Rate, 0):
		return f.Errorf("currency.rate", "%s needs a rate in %s per US dollar, e.g. rate: 150", cur.Code, cur.Code)
	}
	switch c.Lang {
	case "", "en", "ja": // empty: --lang, STEWARD_LANG or the locale decide
	default:
		return f.Errorf("lang", "%q is not supported (valid: en, ja)", c.Lang)
	}
	if err := c.validateSchedules(f); err != nil {
		return err
	}
	if err := c.validateTeams(f); err != nil {
		return err
	}
	if err := c.Cost.Validate(); err != nil {
		var fe *costconfig.FieldError
		if errors.As(err, &fe) {
			return f.Errorf(fe.Field, "%v", fe.Err)
		}
		return f.Errorf("cost", "%v", err)
	}
	for _, id := range sortedKeys(c.Policies.Severity) {
		switch strings.ToLower(c.Policies.Severity[id]) {
		case "info", "low", "medium", "high", "critical":
		default:
			return f.Errorf("policies.severity."+id, "%q is not a severity (valid: info, low, medium, high, critical)", c.Policies.Severity[id])
		}
	}
	for i, p := range c.Policies.Actions.Exclude {
		if err := guard.CheckPattern(p); err != nil {
			return f.Errorf(fmt.Sprintf("policies.actions.exclude[%d]", i), "%v", err)
		}
	}
	if c.Policies.Actions.MaxChanges < 1 {
		return f.Errorf("policies.actions.max_changes", "%d: want 1 or more (the most changes one apply makes; default %d)", c.Policies.Actions.MaxChanges, guard.DefaultMaxChanges)
	}
	if g := c.Policies.Actions.GraceDays; g < 1 || g > 3650 {
		return f.Errorf("policies.actions.grace_days", "%d: want 1 to 3650 (days a resource marked for deletion waits; default %d)", g, guard.DefaultGraceDays)
	}
	if u := c.Notify.WebhookURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return f.Errorf("notify.webhook_url", "%q is not an http(s) URL", u)
		}
	}
	return nil
}

// scheduleName is what a schedule may be called: it is written as a tag
// value.
var scheduleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/+=@-]{0,127}$`)

// validateSchedules compiles the named schedules and the tag keys.
func (c *Config) validateSchedules(f *yamlfile.File) error {
	if c.TimeZone != "" {
		if _, err := schedule.LoadZone(c.TimeZone); err != nil {
			return f.Errorf("time_zone", "%v", err)
		}
	}
	if c.Tags.ScheduleKey == c.Tags.OffhoursKey {
		field := "tags.offhours_key"
		if c.Tags.OffhoursKey == schedule.DefaultOffhoursKey {
			field = "tags.schedule_key"
		}
		return f.Errorf(field, "schedule_key and offhours_key are both %q; use two keys", c.Tags.OffhoursKey)
	}
	r := &schedule.Resolver{
		ScheduleKey: c.Tags.ScheduleKey,
		OffhoursKey: c.Tags.OffhoursKey,
		Offhours:    schedule.DefaultOffhours(c.TimeZone),
	}
	for _, name := range sortedKeys(c.Schedules) {
		field := "schedules." + name
		if !scheduleName.MatchString(name) {
			return f.Errorf(field, "%q is not a schedule name (letters, digits and _ . : / + = @ -, as a tag value allows; e.g. office-hours)", name)
		}
		sc := c.Schedules[name]
		tz := sc.TimeZone
		if tz == "" {
			tz = c.TimeZone
		}
		s, err := schedule.Compile(schedule.Spec{
			Name: name, Windows: sc.Windows, TimeZone: tz, Holidays: sc.Holidays, Closed: sc.Closed,
			Enforced: sc.Enforced, Env: sc.Env, System: sc.System,
		})
		var fe *schedule.FieldError
		if errors.As(err, &fe) {
			if fe.Field != "name" {
				field += "." + fe.Field
			}
			return f.Errorf(field, "%v", fe.Err)
		}
		if err != nil {
			return f.Errorf(field, "%v", err)
		}
		r.Named = append(r.Named, s)
	}
	c.schedules = r
	return nil
}

// ScheduleResolver says which schedule a resource follows: the named
// schedules and the tag keys of this configuration.
func (c *Config) ScheduleResolver() *schedule.Resolver { return c.schedules }

// NamingRule is the compiled naming rule.
func (c *Config) NamingRule() naming.Rule { return c.rule }

// File returns the decoded file, so later checks (policy ids in
// policies.params, say) can point at the line; nil for defaults.
func (c *Config) File() *yamlfile.File { return c.file }

var rangeRe = regexp.MustCompile(`^([a-z_-]*?)([0-9]+)\.\.([a-z_-]*?)([0-9]+)$`)

// ExpandValues expands ranges such as qa1..qa10 into qa1, qa2 ... qa10.
func ExpandValues(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		if !strings.Contains(v, "..") {
			out = append(out, v)
			continue
		}
		m := rangeRe.FindStringSubmatch(v)
		if m == nil || m[1] != m[3] {
			return nil, fmt.Errorf("%s is not a range; write it as prefix1..prefix10 (e.g. qa1..qa10)", quote.Value(v))
		}
		lo, _ := strconv.Atoi(m[2])
		hi, _ := strconv.Atoi(m[4])
		if lo > hi || hi-lo > 1000 {
			return nil, fmt.Errorf("range %s must go up, by at most 1000 values", quote.Value(v))
		}
		for n := lo; n <= hi; n++ {
			out = append(out, m[1]+strconv.Itoa(n))
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ToCurrency converts a USD amount to the configured currency.
func (c Currency) ToCurrency(usd float64) float64 { return usd * c.Rate }

// checkTypePattern accepts a resource type name or a pattern (path.Match
// syntax: AWS::EC2::*) that names at least one type steward collects.
func checkTypePattern(pat string) error {
	if _, err := path.Match(pat, ""); err != nil {
		return fmt.Errorf("%q is not a valid type pattern (e.g. AWS::EC2::* or AWS::RDS::DBSnapshot)", pat)
	}
	for _, t := range inventory.TypeNames() {
		if ok, _ := path.Match(pat, t); ok {
			return nil
		}
	}
	return fmt.Errorf("%q names no resource type steward collects (type names are CloudFormation's, e.g. AWS::EC2::Volume, AWS::RDS::DBSnapshot, AWS::Logs::LogGroup)", pat)
}
