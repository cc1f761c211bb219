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
	"maps"
	"math"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action/guard"
	"github.com/steward-sre/steward/internal/cost/costconfig"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/i18n"
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
	Store string `yaml:"store"`
	// Retention says how many old scans the store keeps (steward store
	// prune, and steward serve after each scan).
	Retention Retention `yaml:"retention"`
	Policies  Policies  `yaml:"policies"`
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
	// Serve says what `steward serve` runs and how often.
	Serve Serve `yaml:"serve"`
	// Slack is the Slack app: its secrets (by environment variable) and
	// who is who.
	Slack Slack `yaml:"slack"`
	// Environments define environments beyond one per env tag value.
	Environments map[string]Environment `yaml:"environments"`
	// Leases tunes environment leases.
	Leases Leases `yaml:"leases"`
	// EnvDiff tunes steward env diff.
	EnvDiff EnvDiff `yaml:"env_diff"`
	// Bastion is the ECS service `steward bastion up` scales from 0 to 1
	// to reach a database.
	Bastion *Bastion `yaml:"bastion"`

	file        *yamlfile.File
	rule        naming.Rule
	schedules   *schedule.Resolver
	envDefs     []env.Definition
	leasePolicy env.Policy
	diffOptions env.DiffOptions
}

// Retention keeps the latest Scans scans and every scan of the last Days
// days; the others are pruned, keeping the history of what changed in
// them. 0 turns a rule off; with both 0 (the default) every scan is kept.
type Retention struct {
	Scans int `yaml:"scans"`
	Days  int `yaml:"days"`
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
	// SlackChannel receives the team's digests and notices (#team-shop).
	SlackChannel string `yaml:"slack_channel"`
}

// TeamOf is the team that answers for a system or a service: the team of
// that name, else the first team (by name) whose services include it;
// empty for none.
func (c *Config) TeamOf(name string) string {
	if name == "" {
		return ""
	}
	names := slices.Sorted(maps.Keys(c.Teams))
	for _, t := range names {
		if strings.EqualFold(t, name) {
			return t
		}
	}
	for _, t := range names {
		if slices.Contains(c.Teams[t].Services, name) {
			return t
		}
	}
	return ""
}

// SlackChannelOf is where a team's notices go: its slack_channel, else
// slack.channel (also for no team).
func (c *Config) SlackChannelOf(team string) string {
	if t, ok := c.Teams[team]; ok && t.SlackChannel != "" {
		return t.SlackChannel
	}
	return c.Slack.Channel
}

// Slack configures the Slack app. The signing secret and bot token are
// read from environment variables, never from steward.yaml.
type Slack struct {
	// SigningSecretEnv names the variable holding the app's signing
	// secret (default STEWARD_SLACK_SIGNING_SECRET).
	SigningSecretEnv string `yaml:"signing_secret_env"`
	// BotTokenEnv names the variable holding the bot token, xoxb-...
	// (default STEWARD_SLACK_BOT_TOKEN).
	BotTokenEnv string `yaml:"bot_token_env"`
	// Users maps Slack user ids (U0123ABCD) to the e-mail address whose
	// role serve.auth gives.
	Users map[string]string `yaml:"users"`
	// DefaultRole is the role of a Slack user not in Users: none (the
	// default: they are asked to be added), viewer or operator.
	DefaultRole string `yaml:"default_role"`
	// Channel receives what belongs to no team: schedule run summaries,
	// bastion audit posts (#sre).
	Channel string `yaml:"channel"`
	// SocketMode takes commands and button presses over a WebSocket the
	// server opens to Slack, for a server with no public address.
	SocketMode bool `yaml:"socket_mode"`
	// AppTokenEnv names the variable holding the app-level token Socket
	// Mode connects with, xapp-... (default STEWARD_SLACK_APP_TOKEN).
	AppTokenEnv string `yaml:"app_token_env"`
}

// AppToken reads the app-level token from its environment variable.
func (s Slack) AppToken(getenv func(string) string) string {
	name := s.AppTokenEnv
	if name == "" {
		name = DefaultSlackAppTokenEnv
	}
	return getenv(name)
}

// MemberOf is the Slack member id slack.users maps to a person's
// address; empty when none does.
func (s Slack) MemberOf(email string) string {
	for id, e := range s.Users {
		if strings.EqualFold(e, email) {
			return id
		}
	}
	return ""
}

// BotToken reads the bot token from its environment variable; empty
// when Slack is not set up.
func (s Slack) BotToken(getenv func(string) string) string {
	name := s.BotTokenEnv
	if name == "" {
		name = DefaultSlackBotTokenEnv
	}
	return getenv(name)
}

// Defaults of Slack's environment variable names.
const (
	DefaultSlackSigningSecretEnv = "STEWARD_SLACK_SIGNING_SECRET"
	DefaultSlackBotTokenEnv      = "STEWARD_SLACK_BOT_TOKEN"
	DefaultSlackAppTokenEnv      = "STEWARD_SLACK_APP_TOKEN"
)

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
			return f.Say(field, "config.team.name", name)
		}
		svcs := c.Teams[name].Services
		if len(svcs) == 0 {
			return f.Say(field+".services", "config.team.noservice")
		}
		for i, s := range svcs {
			if strings.TrimSpace(s) == "" {
				return f.Say(fmt.Sprintf("%s.services[%d]", field, i), "config.empty")
			}
			if other, dup := teamOf[s]; dup {
				return f.Say(fmt.Sprintf("%s.services[%d]", field, i), "config.team.dupservice", s, other)
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
	// ECSStartTimeout is how long a start waits for an ECS service to run
	// its desired count (a Go duration, default 10m); DBStartTimeout for
	// a database to be available (default 15m).
	ECSStartTimeout string `yaml:"ecs_start_timeout"`
	DBStartTimeout  string `yaml:"db_start_timeout"`

	ecsWait, dbWait time.Duration
}

// ECSWait is how long a start waits for an ECS service.
func (a Actions) ECSWait() time.Duration { return a.ecsWait }

// DBWait is how long a start waits for a database.
func (a Actions) DBWait() time.Duration { return a.dbWait }

// Default start timeouts.
const (
	DefaultECSStartTimeout = 10 * time.Minute
	DefaultDBStartTimeout  = 15 * time.Minute
)

// Bastion is the ECS service kept at 0 that `steward bastion up` scales
// to 1 for a while, and the database it reaches.
type Bastion struct {
	Cluster string `yaml:"cluster"`
	Service string `yaml:"service"`
	// Account and Region of the service; each may be left out when
	// steward.yaml names only one.
	Account string `yaml:"account"`
	Region  string `yaml:"region"`
	// MaxTTL is the longest --ttl allowed (default 8h); DefaultTTL the
	// --ttl when none is given (default 1h).
	MaxTTL     string          `yaml:"max_ttl"`
	DefaultTTL string          `yaml:"default_ttl"`
	Database   BastionDatabase `yaml:"database"`

	maxTTL, defaultTTL time.Duration
}

// BastionDatabase is where the port forwarding through the bastion goes.
type BastionDatabase struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// LocalPort is the port on the user's machine (default: Port).
	LocalPort int `yaml:"local_port"`
}

// MaxTTLDuration is the longest lease.
func (b *Bastion) MaxTTLDuration() time.Duration { return b.maxTTL }

// DefaultTTLDuration is the lease when --ttl is not given.
func (b *Bastion) DefaultTTLDuration() time.Duration { return b.defaultTTL }

// ARN is the bastion service's ARN in account and region.
func (b *Bastion) ARN(account, region string) string {
	return "arn:aws:ecs:" + region + ":" + account + ":service/" + b.Cluster + "/" + b.Service
}

// Notify says where run summaries go.
type Notify struct {
	// WebhookURL receives each schedule run's summary as JSON (POST).
	WebhookURL string `yaml:"webhook_url"`
}

// Serve says what `steward serve` runs by itself and how often. Intervals
// are Go durations (30m, 6h); "0" turns a job off.
type Serve struct {
	// Listen is the address to answer on (default 127.0.0.1:8080).
	Listen string `yaml:"listen"`
	// ScanEvery is the interval between scans of the configured accounts
	// (default 6h).
	ScanEvery string `yaml:"scan_every"`
	// ScheduleEvery is the interval between schedule runs: off-hours stops
	// and starts, overrides and leases that end (default 5m).
	ScheduleEvery string `yaml:"schedule_every"`
	// CostIngest lists billing export paths or s3:// prefixes ingested
	// every CostEvery (default 24h); empty: no cost job.
	CostIngest []string `yaml:"cost_ingest"`
	CostEvery  string   `yaml:"cost_every"`
	// Digest is when each team's weekly digest of new findings and waste
	// goes to its Slack channel: a day and a time in time_zone ("mon
	// 09:00", the default), or "off".
	Digest string `yaml:"digest"`
	// Auth says who may read the pages and API and press their buttons.
	Auth Auth `yaml:"auth"`
	// Events, when set, is the SQS queue an EventBridge rule sends
	// resource changes to: the resources they name are read again at once
	// instead of at the next scan.
	Events *Events `yaml:"events"`
}

// Events is the SQS queue of EventBridge events. It is read with the
// credentials the scans use (the first profile, or the default chain with
// the first account's role assumed).
type Events struct {
	// QueueURL is the queue's URL, as SQS gives it.
	QueueURL string `yaml:"queue_url"`
	// Region is the queue's region; empty: the one in the queue URL
	// (sqs.REGION.amazonaws.com), else the credentials' own.
	Region string `yaml:"region"`
}

// sqsHost is an SQS endpoint's host name: sqs.REGION.amazonaws.com (or
// the legacy REGION.queue.amazonaws.com).
var sqsHost = regexp.MustCompile(`^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$`)

// QueueRegion is the queue's region: Region, or the one its URL names;
// empty when neither says.
func (e *Events) QueueRegion() string {
	if e.Region != "" {
		return e.Region
	}
	u, err := url.Parse(e.QueueURL)
	if err != nil {
		return ""
	}
	if m := sqsHost.FindStringSubmatch(u.Hostname()); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// queuePath is an SQS queue URL's path: /ACCOUNT/NAME.
var queuePath = regexp.MustCompile(`^/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$`)

func (c *Config) validateEvents(f *yamlfile.File) error {
	e := c.Serve.Events
	if e == nil {
		return nil
	}
	u, err := url.Parse(e.QueueURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !queuePath.MatchString(u.Path) {
		return f.Say("serve.events.queue_url", "config.events.queue", e.QueueURL)
	}
	if e.Region != "" && !regionRe.MatchString(e.Region) {
		return f.Say("serve.events.region", "config.region", e.Region)
	}
	return nil
}

// Auth is the server's login and roles. People log in with OIDC;
// machines send an API token. A role is viewer (read), operator (leases,
// overrides, bastion, schedule runs) or admin (actions that delete).
type Auth struct {
	// PublicURL is where people reach the server (https://steward.example.com):
	// the OIDC redirect is made from it and cookies are Secure under https.
	PublicURL string `yaml:"public_url"`
	OIDC      *OIDC  `yaml:"oidc"`
	// Users gives a role to a person by e-mail address.
	Users map[string]string `yaml:"users"`
	// Domains gives a role to everyone whose verified address is in a
	// domain (example.co.jp: viewer).
	Domains map[string]string `yaml:"domains"`
	// Tokens are API tokens for machines, kept as their SHA-256 only
	// (`steward token new` makes one).
	Tokens []Token `yaml:"tokens"`
	// SessionKeyEnv names the environment variable holding the key that
	// signs login cookies (32 bytes or more; default STEWARD_SESSION_KEY).
	// Without it a key is made at start and logins end with the process.
	SessionKeyEnv string `yaml:"session_key_env"`
}

// OIDC is an OpenID Connect provider: Google Workspace, Okta, GitHub
// through an OIDC bridge, Entra ID, Keycloak...
type OIDC struct {
	Issuer   string `yaml:"issuer"`
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv names the environment variable holding the client
	// secret (default STEWARD_OIDC_CLIENT_SECRET); the secret is never
	// written in steward.yaml.
	ClientSecretEnv string `yaml:"client_secret_env"`
}

// Token is one API token: a name for the logs, the SHA-256 of the token
// (sha256:HEX) and its role.
type Token struct {
	Name   string `yaml:"name"`
	SHA256 string `yaml:"sha256"`
	Role   string `yaml:"role"`
}

// Roles, from least to most allowed.
var Roles = []string{"viewer", "operator", "admin"}

// Defaults of Auth's environment variable names.
const (
	DefaultSessionKeyEnv = "STEWARD_SESSION_KEY"
	DefaultOIDCSecretEnv = "STEWARD_OIDC_CLIENT_SECRET"
)

// Configured says whether anyone can log in: through OIDC or a token.
func (a Auth) Configured() bool { return a.OIDC != nil || len(a.Tokens) > 0 }

// ServeInterval parses one of Serve's intervals: the default when empty, 0
// when the job is off.
func ServeInterval(v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		return 0, i18n.Say("config.interval", v).Err()
	}
	return d, nil
}

// DefaultDigest is when the weekly digests go out.
const DefaultDigest = "mon 09:00"

// DigestTime is when in the week serve.digest sends the digests; ok is
// false when they are off.
func (s Serve) DigestTime() (day time.Weekday, minute int, ok bool, err error) {
	v := strings.TrimSpace(s.Digest)
	if v == "" {
		v = DefaultDigest
	}
	if strings.EqualFold(v, "off") {
		return 0, 0, false, nil
	}
	d, c, found := strings.Cut(v, " ")
	if !found {
		return 0, 0, false, i18n.Say("config.digest", s.Digest).Err()
	}
	if day, err = schedule.ParseWeekday(d); err != nil {
		return 0, 0, false, err
	}
	if minute, err = schedule.ParseClock(strings.TrimSpace(c)); err != nil || minute >= 24*60 {
		return 0, 0, false, i18n.Say("config.clock", c).Err()
	}
	return day, minute, true, nil
}

// Serve's default intervals.
const (
	DefaultScanEvery     = 6 * time.Hour
	DefaultScheduleEvery = 5 * time.Minute
	DefaultCostEvery     = 24 * time.Hour
)

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

// FileLang is the lang a configuration file asks for, read on its own, so
// that the errors of a file Load refuses can still be said in the language
// it names; empty when the file cannot be read, is not YAML or names no
// supported language.
func FileLang(ctx context.Context, path string) string {
	data, err := yamlfile.ReadFile(ctx, path)
	if err != nil {
		return ""
	}
	var m map[string]any
	if _, err := yamlfile.Decode(path, data, &m); err != nil {
		return ""
	}
	switch l, _ := m["lang"].(string); l {
	case "en", "ja":
		return l
	}
	return ""
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
			return nil, i18n.Say("config.missing", path).Err()
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
			return nil, c.file.Say(fmt.Sprintf("policies.paths[%d]", i), "config.policypath", p)
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
			return f.Say(field+".id", "config.account.id", a.ID)
		}
		if a.RoleARN != "" && !roleARN.MatchString(a.RoleARN) {
			return f.Say(field+".role_arn", "config.account.role", a.RoleARN)
		}
		if a.ExternalID != "" && a.RoleARN == "" {
			// An external id is sent only when assuming a role; without
			// one it would be silently ignored.
			return f.Say(field+".external_id", "config.account.extid")
		}
		if a.ID == "" && a.Profile == "" && a.RoleARN == "" {
			return f.Say(field, "config.account.empty")
		}
		key := a.ID + "|" + a.Profile + "|" + a.RoleARN
		if seen[key] {
			return f.Say(field, "config.account.dup")
		}
		seen[key] = true
	}
	if c.Organization != nil && c.Organization.RoleName == "" {
		return f.Say("organization.role_name", "config.org.role")
	}
	if c.ConfigAggregator != "" && !aggregatorName.MatchString(c.ConfigAggregator) {
		return f.Say("config_aggregator", "config.aggregator", c.ConfigAggregator)
	}
	if c.Retention.Scans < 0 {
		return f.Say("retention.scans", "config.retention.scans", c.Retention.Scans)
	}
	if c.Retention.Days < 0 {
		return f.Say("retention.days", "config.retention.days", c.Retention.Days)
	}
	for i, r := range c.Regions {
		if !regionRe.MatchString(r) {
			return f.Say(fmt.Sprintf("regions[%d]", i), "config.region", r)
		}
	}
	allowed := map[string][]string{}
	for _, key := range sortedKeys(c.Tags.Required) {
		vals, err := ExpandValues(c.Tags.Required[key])
		if err != nil {
			return f.Wrap("tags.required."+key, err)
		}
		allowed[key] = vals
	}
	c.Tags.Required = allowed
	for _, key := range sortedKeys(c.Tags.RequiredOn) {
		field := "tags.required_on." + key
		if _, ok := allowed[key]; !ok {
			return f.Say(field, "config.tags.requiredon", key, strings.Join(sortedKeys(allowed), ", "))
		}
		for i, pat := range c.Tags.RequiredOn[key] {
			if err := checkTypePattern(pat); err != nil {
				return f.Wrap(fmt.Sprintf("%s[%d]", field, i), err)
			}
		}
	}
	for i, pat := range c.Tags.Exempt {
		if err := checkTypePattern(pat); err != nil {
			return f.Wrap(fmt.Sprintf("tags.exempt[%d]", i), err)
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
		return f.Wrap(field, err)
	}
	c.rule = rule
	cur, err := money.Lookup(c.Currency.Code)
	if err != nil {
		return f.Say("currency.code", "config.currency", c.Currency.Code, strings.Join(money.Codes(), ", "))
	}
	c.Currency.Code = cur.Code
	switch {
	case cur.Code == money.USD:
		if c.Currency.Rate != 1 && c.Currency.Rate != 0 {
			return f.Say("currency.rate", "config.currency.usdrate", c.Currency.Rate)
		}
		c.Currency.Rate = 1
	case !(c.Currency.Rate > 0) || math.IsInf(c.Currency.Rate, 0):
		return f.Say("currency.rate", "config.currency.rate", cur.Code, cur.Code)
	}
	switch c.Lang {
	case "", "en", "ja": // empty: --lang, STEWARD_LANG or the locale decide
	default:
		return f.Say("lang", "config.lang", c.Lang)
	}
	if err := c.validateSchedules(f); err != nil {
		return err
	}
	if err := c.validateTeams(f); err != nil {
		return err
	}
	if err := c.validateEnvironments(f); err != nil {
		return err
	}
	if err := c.Cost.Validate(); err != nil {
		var fe *costconfig.FieldError
		if errors.As(err, &fe) {
			return f.Wrap(fe.Field, fe.Err)
		}
		return f.Wrap("cost", err)
	}
	for _, id := range sortedKeys(c.Policies.Severity) {
		switch strings.ToLower(c.Policies.Severity[id]) {
		case "info", "low", "medium", "high", "critical":
		default:
			return f.Say("policies.severity."+id, "config.severity", c.Policies.Severity[id])
		}
	}
	for i, p := range c.Policies.Actions.Exclude {
		if err := guard.CheckPattern(p); err != nil {
			return f.Wrap(fmt.Sprintf("policies.actions.exclude[%d]", i), err)
		}
	}
	if err := c.validateActionWaits(f); err != nil {
		return err
	}
	if err := c.validateBastion(f); err != nil {
		return err
	}
	if c.Policies.Actions.MaxChanges < 1 {
		return f.Say("policies.actions.max_changes", "config.maxchanges", c.Policies.Actions.MaxChanges, guard.DefaultMaxChanges)
	}
	for _, iv := range []struct {
		field, v string
		def      time.Duration
	}{{"serve.scan_every", c.Serve.ScanEvery, DefaultScanEvery}, {"serve.schedule_every", c.Serve.ScheduleEvery, DefaultScheduleEvery}, {"serve.cost_every", c.Serve.CostEvery, DefaultCostEvery}} {
		if _, err := ServeInterval(iv.v, iv.def); err != nil {
			return f.Wrap(iv.field, err)
		}
	}
	if _, _, _, err := c.Serve.DigestTime(); err != nil {
		return f.Wrap("serve.digest", err)
	}
	if err := c.validateAuth(f); err != nil {
		return err
	}
	if err := c.validateSlack(f); err != nil {
		return err
	}
	if err := c.validateEvents(f); err != nil {
		return err
	}
	if a := c.Serve.Listen; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return f.Say("serve.listen", "config.listen", a)
		}
	}
	if g := c.Policies.Actions.GraceDays; g < 1 || g > 3650 {
		return f.Say("policies.actions.grace_days", "config.gracedays", g, guard.DefaultGraceDays)
	}
	if u := c.Notify.WebhookURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return f.Say("notify.webhook_url", "config.url", u)
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
			return f.Wrap("time_zone", err)
		}
	}
	if c.Tags.ScheduleKey == c.Tags.OffhoursKey {
		field := "tags.offhours_key"
		if c.Tags.OffhoursKey == schedule.DefaultOffhoursKey {
			field = "tags.schedule_key"
		}
		return f.Say(field, "config.tags.samekey", c.Tags.OffhoursKey)
	}
	r := &schedule.Resolver{
		ScheduleKey: c.Tags.ScheduleKey,
		OffhoursKey: c.Tags.OffhoursKey,
		Offhours:    schedule.DefaultOffhours(c.TimeZone),
	}
	for _, name := range sortedKeys(c.Schedules) {
		field := "schedules." + name
		if !scheduleName.MatchString(name) {
			return f.Say(field, "config.schedule.name", name)
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
			return f.Wrap(field, fe.Err)
		}
		if err != nil {
			return f.Wrap(field, err)
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
			return nil, i18n.Say("config.range", quote.Value(v)).Err()
		}
		lo, _ := strconv.Atoi(m[2])
		hi, _ := strconv.Atoi(m[4])
		if lo > hi || hi-lo > 1000 {
			return nil, i18n.Say("config.range.up", quote.Value(v)).Err()
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
		return i18n.Say("config.typepattern", pat).Err()
	}
	for _, t := range inventory.TypeNames() {
		if ok, _ := path.Match(pat, t); ok {
			return nil
		}
	}
	return i18n.Say("config.typepattern.none", pat).Err()
}

var (
	tokenHash  = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	emailish   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	domainish  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

func validRole(r string) bool { return slices.Contains(Roles, r) }

// validateAuth checks serve.auth.
func (c *Config) validateAuth(f *yamlfile.File) error {
	a := &c.Serve.Auth
	if a.PublicURL != "" {
		u, err := url.Parse(a.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return f.Say("serve.auth.public_url", "config.url", a.PublicURL)
		}
	}
	if a.SessionKeyEnv != "" && !envVarName.MatchString(a.SessionKeyEnv) {
		return f.Say("serve.auth.session_key_env", "config.envname", a.SessionKeyEnv)
	}
	if o := a.OIDC; o != nil {
		u, err := url.Parse(o.Issuer)
		if err != nil || u.Scheme != "https" && !(u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")) || u.Host == "" {
			return f.Say("serve.auth.oidc.issuer", "config.oidc.issuer", o.Issuer)
		}
		if o.ClientID == "" {
			return f.Say("serve.auth.oidc", "config.oidc.clientid")
		}
		if o.ClientSecretEnv != "" && !envVarName.MatchString(o.ClientSecretEnv) {
			return f.Say("serve.auth.oidc.client_secret_env", "config.envname", o.ClientSecretEnv)
		}
		if a.PublicURL == "" {
			return f.Say("serve.auth", "config.oidc.publicurl")
		}
		if len(a.Users) == 0 && len(a.Domains) == 0 {
			return f.Say("serve.auth.oidc", "config.oidc.nobody")
		}
	}
	roleList := strings.Join(Roles, ", ")
	for _, e := range sortedKeys(a.Users) {
		if !emailish.MatchString(e) {
			return f.Say("serve.auth.users."+e, "config.email", e)
		}
		if !validRole(a.Users[e]) {
			return f.Say("serve.auth.users."+e, "config.role", a.Users[e], roleList)
		}
	}
	for _, d := range sortedKeys(a.Domains) {
		if !domainish.MatchString(d) {
			return f.Say("serve.auth.domains."+d, "config.domain", d)
		}
		if !validRole(a.Domains[d]) {
			return f.Say("serve.auth.domains."+d, "config.role", a.Domains[d], roleList)
		}
	}
	seen := map[string]bool{}
	for i, t := range a.Tokens {
		field := fmt.Sprintf("serve.auth.tokens[%d]", i)
		switch {
		case t.Name == "":
			return f.Say(field, "config.token.name")
		case seen[t.Name]:
			return f.Say(field+".name", "config.twice", t.Name)
		case !tokenHash.MatchString(t.SHA256):
			return f.Say(field+".sha256", "config.token.hash")
		case !validRole(t.Role):
			return f.Say(field+".role", "config.role", t.Role, roleList)
		}
		seen[t.Name] = true
	}
	return nil
}

// positiveDuration reads a duration setting; empty is def.
func positiveDuration(f *yamlfile.File, field, v string, def, most time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, f.Say(field, "config.duration", v)
	}
	if most > 0 && d > most {
		return 0, f.Say(field, "config.duration.max", v, most)
	}
	return d, nil
}

func (c *Config) validateActionWaits(f *yamlfile.File) error {
	a := &c.Policies.Actions
	var err error
	if a.ecsWait, err = positiveDuration(f, "policies.actions.ecs_start_timeout", a.ECSStartTimeout, DefaultECSStartTimeout, 2*time.Hour); err != nil {
		return err
	}
	if a.dbWait, err = positiveDuration(f, "policies.actions.db_start_timeout", a.DBStartTimeout, DefaultDBStartTimeout, 2*time.Hour); err != nil {
		return err
	}
	return nil
}

var (
	slackUserID  = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	slackChannel = regexp.MustCompile(`^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,20})$`)
)

// validateSlack checks the slack section and the teams' channels.
func (c *Config) validateSlack(f *yamlfile.File) error {
	sl := &c.Slack
	for field, v := range map[string]string{"slack.signing_secret_env": sl.SigningSecretEnv, "slack.bot_token_env": sl.BotTokenEnv, "slack.app_token_env": sl.AppTokenEnv} {
		if v != "" && !envVarName.MatchString(v) {
			return f.Say(field, "config.secretenv", v)
		}
	}
	for _, id := range sortedKeys(sl.Users) {
		if !slackUserID.MatchString(id) {
			return f.Say("slack.users."+id, "config.slack.user", id)
		}
		if !emailish.MatchString(sl.Users[id]) {
			return f.Say("slack.users."+id, "config.email", sl.Users[id])
		}
	}
	switch sl.DefaultRole {
	case "", "none", "viewer", "operator":
	default:
		return f.Say("slack.default_role", "config.slack.role", sl.DefaultRole)
	}
	if sl.Channel != "" && !slackChannel.MatchString(sl.Channel) {
		return f.Say("slack.channel", "config.slack.channel", sl.Channel)
	}
	for _, name := range sortedKeys(c.Teams) {
		if ch := c.Teams[name].SlackChannel; ch != "" && !slackChannel.MatchString(ch) {
			return f.Say("teams."+name+".slack_channel", "config.slack.channel", ch)
		}
	}
	return nil
}

var ecsNameRule = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

func (c *Config) validateBastion(f *yamlfile.File) error {
	b := c.Bastion
	if b == nil {
		return nil
	}
	for _, fl := range []struct{ field, v string }{{"bastion.cluster", b.Cluster}, {"bastion.service", b.Service}} {
		if fl.v == "" {
			return f.Say(fl.field, "config.bastion.ecs", strings.TrimPrefix(fl.field, "bastion."))
		}
		if !ecsNameRule.MatchString(fl.v) {
			return f.Say(fl.field, "config.bastion.ecsname", fl.v)
		}
	}
	if b.Account != "" && !accountID.MatchString(b.Account) {
		return f.Say("bastion.account", "config.account.id", b.Account)
	}
	if b.Region != "" && !regionRe.MatchString(b.Region) {
		return f.Say("bastion.region", "config.bastion.region", b.Region)
	}
	var err error
	if b.maxTTL, err = positiveDuration(f, "bastion.max_ttl", b.MaxTTL, 8*time.Hour, 7*24*time.Hour); err != nil {
		return err
	}
	if b.defaultTTL, err = positiveDuration(f, "bastion.default_ttl", b.DefaultTTL, time.Hour, b.maxTTL); err != nil {
		return err
	}
	if b.defaultTTL > b.maxTTL {
		return f.Say("bastion.default_ttl", "config.bastion.ttl", b.defaultTTL, b.maxTTL)
	}
	d := &b.Database
	if d.Host == "" {
		return f.Say("bastion.database.host", "config.bastion.host")
	}
	if strings.ContainsAny(d.Host, " \t\n\"'`$;|&") {
		return f.Say("bastion.database.host", "config.hostname", d.Host)
	}
	if d.Port < 1 || d.Port > 65535 {
		return f.Say("bastion.database.port", "config.bastion.port", d.Port)
	}
	if d.LocalPort == 0 {
		d.LocalPort = d.Port
	}
	if d.LocalPort < 1 || d.LocalPort > 65535 {
		return f.Say("bastion.database.local_port", "config.port", d.LocalPort)
	}
	return nil
}
