package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefault(t *testing.T) {
	c := Default()
	if got, want := c.Naming.Template, "{system}-{env}-{role}"; got != want {
		t.Errorf("template = %q, want %q", got, want)
	}
	envs := c.Tags.Required["env"]
	if len(envs) != 13 || envs[3] != "qa1" || envs[12] != "qa10" {
		t.Errorf("env values = %v, want prod stg dev qa1..qa10 expanded", envs)
	}
	if !c.NamingRule().Match("shop-qa3-web") || c.NamingRule().Match("shop-production-web") {
		t.Errorf("default naming rule must take env's allowed values")
	}
	if c.Currency.Code != "USD" || c.Currency.Rate != 1 {
		t.Errorf("currency = %+v, want USD at 1", c.Currency)
	}
}

func TestParse(t *testing.T) {
	src := `
accounts:
  - id: "111111111111"
    name: dev
    profile: dev
  - role_arn: arn:aws:iam::333333333333:role/steward-read
    external_id: x
regions: [ap-northeast-1, us-east-1]
naming:
  template: "{system}-{env}-{role}"
tags:
  required:
    env: [prod, dev, qa1..qa3]
    owner: []
currency:
  code: JPY
  rate: 150
policies:
  paths: [policies/]
  params:
    ec2-stopped-long: {days: 30}
  severity:
    s3-no-encryption: critical
lang: ja
`
	c, err := Parse("steward.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"env": {"prod", "dev", "qa1", "qa2", "qa3"}, "owner": nil}
	if diff := cmp.Diff(want, c.Tags.Required); diff != "" {
		t.Errorf("required tags (-want +got):\n%s", diff)
	}
	if len(c.Accounts) != 2 || c.Accounts[1].ExternalID != "x" {
		t.Errorf("accounts = %+v", c.Accounts)
	}
	if c.Currency.ToCurrency(2) != 300 {
		t.Errorf("2 USD in JPY = %v, want 300", c.Currency.ToCurrency(2))
	}
	if got := c.Policies.Params["ec2-stopped-long"]["days"]; got != uint64(30) {
		t.Errorf("params = %#v", got)
	}
	if c.Tags.OwnerKey != "owner" || c.Lang != "ja" {
		t.Errorf("defaults not applied: %+v", c.Tags)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		src  string
		want string // the whole error, file:line:col: field: message
	}{
		"unknown key":    {"regions: [ap-northeast-1]\nregoins: [us-east-1]\n", `steward.yaml:2:1: unknown field "regoins"`},
		"bad region":     {"regions:\n  - ap-northeast-1\n  - tokyo\n", `steward.yaml:3:5: regions[1]: "tokyo" is not an AWS region name (e.g. ap-northeast-1)`},
		"bad account":    {"accounts:\n  - id: 1234\n", `steward.yaml:2:9: accounts[0].id: "1234" is not a 12-digit AWS account id`},
		"empty account":  {"accounts:\n  - name: x\n", `steward.yaml:2:9: accounts[0]: an account needs an id, a profile or a role_arn`},
		"bad role":       {"accounts:\n  - role_arn: arn:aws:iam::1:user/x\n", `steward.yaml:2:15: accounts[0].role_arn: "arn:aws:iam::1:user/x" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`},
		"currency":       {"currency:\n  code: EUR\n", `steward.yaml:2:9: currency.code: "EUR" is not a supported currency (valid: USD, JPY)`},
		"jpy needs rate": {"currency: {code: JPY}\n", `steward.yaml:1:11: currency.rate: JPY needs a rate in JPY per US dollar, e.g. rate: 150`},
		"jpy rate nan":   {"currency: {code: JPY, rate: .nan}\n", `steward.yaml:1:29: currency.rate: JPY needs a rate in JPY per US dollar, e.g. rate: 150`},
		"bad range":      {"tags:\n  required:\n    env: [qa1..dev3]\n", `steward.yaml:3:10: tags.required.env: "qa1..dev3" is not a range; write it as prefix1..prefix10 (e.g. qa1..qa10)`},
		"bad template":   {"naming:\n  template: fixed\n", `steward.yaml:2:13: naming.template: template "fixed" has no {field} placeholders (e.g. {system}-{env}-{role})`},
		"both rules":     {"naming:\n  template: \"{a}\"\n  regex: x\n", `steward.yaml:3:10: naming.regex: set either template or regex, not both`},
		"bad severity":   {"policies:\n  severity:\n    x: urgent\n", `steward.yaml:3:8: policies.severity.x: "urgent" is not a severity (valid: info, low, medium, high, critical)`},
		"wrong type":     {"regions: ap-northeast-1\n", `steward.yaml:1:10: string was used where sequence is expected`},
		"org needs role": {"organization: {external_id: x}\n", `steward.yaml:1:15: organization.role_name: is required with organization (the role to assume in each member account, e.g. OrganizationAccountAccessRole)`},
		"lang":           {"lang: fr\n", `steward.yaml:1:7: lang: "fr" is not supported (valid: en, ja)`},
		"events queue not a URL": {"serve:\n  events:\n    queue_url: steward-events\n",
			`steward.yaml:3:16: serve.events.queue_url: "steward-events" is not an SQS queue URL (e.g. https://sqs.ap-northeast-1.amazonaws.com/123456789012/steward-events)`},
		"events queue an ARN": {"serve:\n  events: {queue_url: \"arn:aws:sqs:ap-northeast-1:123456789012:q\"}\n",
			`steward.yaml:2:23: serve.events.queue_url: "arn:aws:sqs:ap-northeast-1:123456789012:q" is not an SQS queue URL (e.g. https://sqs.ap-northeast-1.amazonaws.com/123456789012/steward-events)`},
		"events region": {"serve:\n  events:\n    queue_url: https://sqs.ap-northeast-1.amazonaws.com/123456789012/q\n    region: tokyo\n",
			`steward.yaml:4:13: serve.events.region: "tokyo" is not an AWS region name (e.g. ap-northeast-1)`},
		"required_on unknown key": {"tags:\n  required: {env: []}\n  required_on:\n    owner: [AWS::EC2::Instance]\n",
			`steward.yaml:4:12: tags.required_on.owner: "owner" is not a key of tags.required (required: env)`},
		"required_on unknown type": {"tags:\n  required: {owner: []}\n  required_on:\n    owner: [AWS::EC2::Instance, AWS::EC2::Instances]\n",
			`steward.yaml:4:33: tags.required_on.owner[1]: "AWS::EC2::Instances" names no resource type steward collects (type names are CloudFormation's, e.g. AWS::EC2::Volume, AWS::RDS::DBSnapshot, AWS::Logs::LogGroup)`},
		"exempt bad pattern": {"tags:\n  exempt: [\"AWS::RDS::[\"]\n",
			`steward.yaml:2:12: tags.exempt[0]: "AWS::RDS::[" is not a valid type pattern (e.g. AWS::EC2::* or AWS::RDS::DBSnapshot)`},
		"external id without role": {"accounts:\n  - profile: dev\n    external_id: x\n",
			`steward.yaml:3:18: accounts[0].external_id: is set without role_arn; an external id is only used to assume a role (add role_arn, or remove external_id)`},
		"deep nesting": {"regions: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
			`steward.yaml:1: nested more than 100 levels deep; steward's files need far fewer (is the file generated or damaged?)`},
		// A huge value is quoted by its start only.
		"long template": {"naming:\n  template: " + strings.Repeat("x", 1<<20) + "\n",
			`steward.yaml:2:13: naming.template: template "` + strings.Repeat("x", 120) + `"... (1048576 bytes) has no {field} placeholders (e.g. {system}-{env}-{role})`},
		"long region": {"regions: [" + strings.Repeat("r", 1<<20) + "]\n",
			`steward.yaml:1:11: regions[0]: "` + strings.Repeat("r", 120) + `"... (1048576 bytes) is not an AWS region name (e.g. ap-northeast-1)`},
		"team no services":     {"teams:\n  team-api: {}\n", `steward.yaml:2:13: teams.team-api.services: a team needs at least one service (the names deployments are recorded under)`},
		"team unknown key":     {"teams:\n  team-api:\n    service: [api]\n", `steward.yaml:3:5: unknown field "service"`},
		"service in two teams": {"teams:\n  a:\n    services: [api]\n  b:\n    services: [web, api]\n", `steward.yaml:5:21: teams.b.services[1]: service "api" is already in team a; a service belongs to one team`},
		"bad team name":        {"teams:\n  \"team api\":\n    services: [api]\n", `steward.yaml:3:13: teams.team api: "team api" is not a team name (letters, digits, _ . -; at most 64, e.g. team-api)`},
		"bad exclude":          {"policies:\n  actions:\n    exclude: [\"arn:[x\"]\n", `steward.yaml:3:15: policies.actions.exclude[0]: "arn:[x": syntax error in pattern`},
		"exclude tag":          {"policies:\n  actions:\n    exclude: [\"tag:=x\"]\n", `steward.yaml:3:15: policies.actions.exclude[0]: "tag:=x": want tag:KEY=VALUE`},
		"max changes":          {"policies:\n  actions:\n    max_changes: -1\n", `steward.yaml:3:18: policies.actions.max_changes: -1: want 1 or more (the most changes one apply makes; default 20)`},
		"serve interval":       {"serve:\n  scan_every: 30s\n", `steward.yaml:2:15: serve.scan_every: "30s": want a duration of a minute or more such as 30m or 6h, or 0 to turn the job off`},
		"serve listen":         {"serve:\n  listen: localhost\n", `steward.yaml:2:11: serve.listen: "localhost" is not host:port (e.g. 127.0.0.1:8080 or :8080)`},
		"token in clear":       {"serve:\n  auth:\n    tokens:\n      - {name: ci, sha256: stw_secret, role: operator}\n", `steward.yaml:4:28: serve.auth.tokens[0].sha256: want sha256: and 64 lower-case hex digits (the hash ` + "`steward token new`" + ` prints), not the token itself`},
		"user role":            {"serve:\n  auth:\n    users:\n      ops@example.com: root\n", `steward.yaml:4:22: serve.auth.users.ops@example.com: "root" is not a role (valid: viewer, operator, admin)`},
		"oidc without url":     {"serve:\n  auth:\n    oidc: {issuer: https://accounts.google.com, client_id: x}\n    domains: {example.com: viewer}\n", `steward.yaml:3:9: serve.auth: public_url is required with oidc: the provider sends people back to PUBLIC_URL/auth/callback`},
		"oidc nobody":          {"serve:\n  auth:\n    public_url: https://s.example.com\n    oidc: {issuer: https://accounts.google.com, client_id: x}\n", `steward.yaml:4:11: serve.auth.oidc: nobody could log in: give roles in serve.auth.users or serve.auth.domains`},
		"slack user":           {"slack:\n  users:\n    hanako: hanako@example.com\n", `steward.yaml:3:13: slack.users.hanako: "hanako" is not a Slack user id (U0123ABCD: the member id in the profile, not the display name)`},
		"slack secret in file": {"slack:\n  signing_secret_env: 8f14e45fceea167a\n", `steward.yaml:2:23: slack.signing_secret_env: "8f14e45fceea167a" is not an environment variable name (the secret itself never goes in steward.yaml)`},
		"slack admin default":  {"slack:\n  default_role: admin\n", `steward.yaml:2:17: slack.default_role: "admin": want none, viewer or operator (admin is given by name only)`},
		"team channel":         {"teams:\n  shop:\n    services: [api]\n    slack_channel: Shop Team\n", `steward.yaml:4:20: teams.shop.slack_channel: "Shop Team" is not a channel (#name in lower case, or an id such as C0123ABCD)`},
		"webhook url":          {"notify:\n  webhook_url: hooks.example.com/x\n", `steward.yaml:2:16: notify.webhook_url: "hooks.example.com/x" is not an http(s) URL`},
		"ecs timeout":          {"policies:\n  actions:\n    ecs_start_timeout: 10\n", `steward.yaml:3:24: policies.actions.ecs_start_timeout: "10" is not a positive duration (e.g. 90s, 10m, 1h)`},
		"db timeout too long":  {"policies:\n  actions:\n    db_start_timeout: 5h\n", `steward.yaml:3:23: policies.actions.db_start_timeout: 5h is over the most of 2h0m0s`},
		"bastion no service":   {"bastion:\n  cluster: ops\n  database: {host: db, port: 5432}\n", `steward.yaml:2:10: bastion.service: is required: the ECS service of the bastion`},
		"bastion bad account":  {"bastion:\n  cluster: ops\n  service: bastion\n  account: 1234\n  database: {host: db, port: 5432}\n", `steward.yaml:4:12: bastion.account: "1234" is not a 12-digit AWS account id`},
		"bastion bad port":     {"bastion:\n  cluster: ops\n  service: bastion\n  database:\n    host: db.example.com\n    port: 70000\n", `steward.yaml:6:11: bastion.database.port: 70000: want a port from 1 to 65535 (5432 for PostgreSQL, 3306 for MySQL)`},
		"bastion no host":      {"bastion:\n  cluster: ops\n  service: bastion\n  database:\n    port: 5432\n", `steward.yaml:5:9: bastion.database.host: is required: the database host the port forwarding reaches (e.g. the Aurora cluster endpoint)`},
		"bastion host shell":   {"bastion:\n  cluster: ops\n  service: bastion\n  database:\n    host: \"db;rm -rf /\"\n    port: 5432\n", `steward.yaml:5:11: bastion.database.host: "db;rm -rf /" is not a host name`},
		"bastion ttl":          {"bastion:\n  cluster: ops\n  service: bastion\n  default_ttl: 9h\n  database: {host: db, port: 5432}\n", `steward.yaml:4:16: bastion.default_ttl: 9h is over the most of 8h0m0s`},
		"bastion unknown key":  {"bastion:\n  cluster: ops\n  services: bastion\n", `steward.yaml:3:3: unknown field "services"`},
		"retention negative":   {"retention:\n  scans: -1\n", `steward.yaml:2:10: retention.scans: -1 is negative: keep at least 1 scan, or 0 for no limit by count`},
		"retention days":       {"retention:\n  days: -7\n", `steward.yaml:2:9: retention.days: -7 is negative: keep at least 1 day of scans, or 0 for no limit by age`},
		"retention duration":   {"retention:\n  days: 30d\n", `steward.yaml:2:9: "30d" is not a whole number`},
		"aggregator arn": {"config_aggregator: arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-x\n",
			`steward.yaml:1:20: config_aggregator: "arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-x" is not an AWS Config aggregator name (letters, digits, _ and -, at most 256; the name, not the ARN)`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("steward.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestTeams(t *testing.T) {
	c, err := Parse("steward.yaml", []byte("teams:\n  team-api:\n    services: [api, auth]\n  team-shop:\n    services: [shop]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c.TeamServices("team-api")
	if diff := cmp.Diff([]string{"api", "auth"}, got); !ok || diff != "" {
		t.Errorf("TeamServices(team-api) = %v, %v (-want +got):\n%s", got, ok, diff)
	}
	if _, ok := c.TeamServices("team-none"); ok {
		t.Errorf("TeamServices(team-none) found a team")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Load of a missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(p, []byte("# defaults only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Naming.Template == "" {
		t.Error("a comment-only file must get the defaults")
	}
}

// TestLoadRefusesHostileFiles: Load reads no more than the YAML limit, so a
// device or a huge file is refused before it fills memory.
func TestLoadRefusesHostileFiles(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", 5<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, path := range paths {
		_, err := Load(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), path+": is larger than the 4 MiB") {
			t.Errorf("Load(context.Background(), %s) = %v, want it refused as too large", path, err)
		}
	}
}

func TestExpandValues(t *testing.T) {
	got, err := ExpandValues([]string{"prod", "qa8..qa10", "9..10"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"prod", "qa8", "qa9", "qa10", "9", "10"}, got); diff != "" {
		t.Error(diff)
	}
	if _, err := ExpandValues([]string{"qa10..qa1"}); err == nil {
		t.Error("a descending range must be an error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("regions: [ap-northeast-1]\ntags: {required: {env: [qa1..qa3]}}\n"))
	f.Add([]byte("naming: {regex: '(?P<a>x)'}\ncurrency: {code: JPY, rate: 150}\n"))
	f.Add([]byte("bastion: {cluster: ops, service: b, max_ttl: 2h, database: {host: db, port: 5432}}\npolicies: {actions: {ecs_start_timeout: 3m}}\n"))
	f.Add([]byte("environments: {qa1..qa3: {idle_stop_after: 2h}, stg: {tags: {env: stg}, systems: [shop]}}\nleases: {default_duration: 1d2h, remind_before: off, environments: [qa*]}\nenv_diff: {parameters: [instance_class], required_types: [AWS::CloudWatch::*]}\n"))
	f.Add([]byte("serve: {events: {queue_url: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/q', region: us-east-1}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a parsed config must validate again: %v", err)
		}
	})
}

func TestCostSection(t *testing.T) {
	src := "cost:\n  budgets:\n    - {system: shop, monthly: 1234.56}\n  anomaly:\n    score: 3\n"
	c, err := Parse("steward.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Cost.Budgets[0].Monthly.String(); got != "1234.56" {
		t.Errorf("budget = %s, want the exact 1234.56", got)
	}
	if c.Cost.Anomaly.Score != 3 || c.Cost.Anomaly.WindowDays != 56 {
		t.Errorf("anomaly = %+v, want score 3 and the default window", c.Cost.Anomaly)
	}
	_, err = Parse("steward.yaml", []byte("cost:\n  anomaly:\n    window_days: 7\n"))
	if want := `steward.yaml:3:18: cost.anomaly.window_days: 7 is too short, use at least 14`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestPolicyPathsRelativeToConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(p, []byte("policies:\n  paths: [policies, missing]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(context.Background(), p)
	want := p + ":2:21: policies.paths[1]: " + filepath.Join(dir, "missing") + " does not exist (paths are relative to the config file's folder)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
	if err := os.WriteFile(p, []byte("policies:\n  paths: [policies]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policies.Paths[0]; got != filepath.Join(dir, "policies") {
		t.Errorf("path = %q, want it under the config's folder", got)
	}
}

func TestConfigAggregator(t *testing.T) {
	tests := map[string]struct {
		src  string
		want string
	}{
		"named":   {"config_aggregator: org-all_1\n", "org-all_1"},
		"not set": {"regions: [ap-northeast-1]\n", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("steward.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c.ConfigAggregator); diff != "" {
				t.Errorf("config_aggregator (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	tests := map[string]struct {
		src  string
		want Retention
	}{
		"both":    {"retention:\n  scans: 30\n  days: 90\n", Retention{Scans: 30, Days: 90}},
		"scans":   {"retention: {scans: 10}\n", Retention{Scans: 10}},
		"not set": {"regions: [ap-northeast-1]\n", Retention{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("steward.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c.Retention); diff != "" {
				t.Errorf("retention (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionsSection(t *testing.T) {
	c, err := Parse("steward.yaml", []byte("policies:\n  actions:\n    exclude: [\"arn:aws:rds:*\", \"tag:team=data\"]\n    max_changes: 5\nnotify:\n  webhook_url: https://hooks.example.com/x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Policies.Actions.MaxChanges != 5 || len(c.Policies.Actions.Exclude) != 2 || c.Notify.WebhookURL != "https://hooks.example.com/x" {
		t.Errorf("actions %+v notify %+v", c.Policies.Actions, c.Notify)
	}
	if d := Default(); d.Policies.Actions.MaxChanges != 20 || d.Policies.Actions.GraceDays != 7 {
		t.Errorf("default max_changes %d, grace_days %d; want 20, 7", d.Policies.Actions.MaxChanges, d.Policies.Actions.GraceDays)
	}
	c, err = Parse("steward.yaml", []byte("policies:\n  actions:\n    grace_days: 14\n"))
	if err != nil || c.Policies.Actions.GraceDays != 14 {
		t.Errorf("grace_days 14: %+v, %v", c.Policies.Actions, err)
	}
	for _, bad := range []string{"-1", "4000"} {
		_, err := Parse("steward.yaml", []byte("policies:\n  actions:\n    grace_days: "+bad+"\n"))
		if err == nil || !strings.Contains(err.Error(), "steward.yaml:3:17: policies.actions.grace_days: "+bad+": want 1 to 3650") {
			t.Errorf("grace_days %s: %v", bad, err)
		}
	}
}

func TestServeSection(t *testing.T) {
	c, err := Parse("steward.yaml", []byte("serve:\n  listen: :9090\n  scan_every: 2h\n  schedule_every: \"0\"\n  cost_ingest: [s3://bills/cur/]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := ServeInterval(c.Serve.ScanEvery, DefaultScanEvery); d != 2*time.Hour {
		t.Errorf("scan_every %v, want 2h", d)
	}
	if d, _ := ServeInterval(c.Serve.ScheduleEvery, DefaultScheduleEvery); d != 0 {
		t.Errorf("schedule_every %v, want 0 (off)", d)
	}
	if d, _ := ServeInterval(c.Serve.CostEvery, DefaultCostEvery); d != DefaultCostEvery {
		t.Errorf("cost_every %v, want the default", d)
	}
	if c.Serve.Listen != ":9090" || len(c.Serve.CostIngest) != 1 {
		t.Errorf("serve %+v", c.Serve)
	}
}

func TestServeEvents(t *testing.T) {
	tests := map[string]struct {
		src, region string
	}{
		"region from the URL":    {"queue_url: https://sqs.ap-northeast-1.amazonaws.com/123456789012/steward-events", "ap-northeast-1"},
		"legacy host":            {"queue_url: https://eu-west-1.queue.amazonaws.com/123456789012/q", "eu-west-1"},
		"region given":           {"queue_url: https://sqs.ap-northeast-1.amazonaws.com/123456789012/q\n    region: us-east-1", "us-east-1"},
		"an emulator: no region": {"queue_url: http://127.0.0.1:5000/123456789012/q", ""},
		"fifo":                   {"queue_url: https://sqs.us-west-2.amazonaws.com/123456789012/q.fifo", "us-west-2"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("steward.yaml", []byte("serve:\n  events:\n    "+tc.src+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Serve.Events.QueueRegion(); got != tc.region {
				t.Errorf("region = %q, want %q", got, tc.region)
			}
		})
	}
}

func TestBastionAndWaits(t *testing.T) {
	c, err := Parse("steward.yaml", []byte("policies:\n  actions:\n    ecs_start_timeout: 3m\nbastion:\n  cluster: ops\n  service: bastion\n  region: ap-northeast-1\n  max_ttl: 4h\n  database:\n    host: shop-dev.cluster-x.ap-northeast-1.rds.amazonaws.com\n    port: 5432\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Policies.Actions.ECSWait(); got != 3*time.Minute {
		t.Errorf("ecs wait %s, want 3m", got)
	}
	if got := c.Policies.Actions.DBWait(); got != DefaultDBStartTimeout {
		t.Errorf("db wait %s, want the default", got)
	}
	b := c.Bastion
	if b.MaxTTLDuration() != 4*time.Hour || b.DefaultTTLDuration() != time.Hour || b.Database.LocalPort != 5432 {
		t.Errorf("bastion = %+v", b)
	}
	if got := b.ARN("111111111111", "ap-northeast-1"); got != "arn:aws:ecs:ap-northeast-1:111111111111:service/ops/bastion" {
		t.Errorf("ARN = %s", got)
	}
	if d := Default(); d.Bastion != nil || d.Policies.Actions.ECSWait() != DefaultECSStartTimeout {
		t.Errorf("defaults: bastion %+v, ecs wait %s", d.Bastion, d.Policies.Actions.ECSWait())
	}
}

func TestServeDigest(t *testing.T) {
	tests := map[string]struct {
		yaml    string
		day     time.Weekday
		minute  int
		on      bool
		wantErr string
	}{
		"default":    {yaml: "", day: time.Monday, minute: 9 * 60, on: true},
		"friday":     {yaml: "serve:\n  digest: fri 17:30\n", day: time.Friday, minute: 17*60 + 30, on: true},
		"off":        {yaml: "serve:\n  digest: \"off\"\n"},
		"no time":    {yaml: "serve:\n  digest: mon\n", wantErr: "serve.digest"},
		"bad day":    {yaml: "serve:\n  digest: someday 09:00\n", wantErr: "is not a day"},
		"bad time":   {yaml: "serve:\n  digest: mon 9am\n", wantErr: "HH:MM"},
		"end of day": {yaml: "serve:\n  digest: mon 24:00\n", wantErr: "HH:MM"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("steward.yaml", []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			day, minute, on, err := c.Serve.DigestTime()
			if err != nil || day != tc.day || minute != tc.minute || on != tc.on {
				t.Errorf("DigestTime = %v %d %v %v, want %v %d %v", day, minute, on, err, tc.day, tc.minute, tc.on)
			}
		})
	}
}
