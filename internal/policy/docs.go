package policy

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// fieldDoc documents one key of a policy or fixture file.
type fieldDoc struct {
	Key, Doc, Example string
}

// policyFields documents the keys of a policy (policyYAML). A test holds
// the list to the struct, so a new key cannot go undocumented.
var policyFields = []fieldDoc{
	{"id", "Unique id, lower-case words joined by -. Configuration refers to it (policies.disable, params, severity).", "ebs-unattached"},
	{"title", "One line a person reads in lists and reports.", "Unattached EBS volume"},
	{"description", "Why it matters, in a few sentences (optional).", ""},
	{"types", "Resource types it is evaluated on (CloudFormation names); a resource of another type never meets it.", "[AWS::EC2::Volume]"},
	{"severity", "info, low, medium, high or critical; `--fail-on` gates on it.", "medium"},
	{"category", "naming, tagging, waste, idle, security, iac or cost.", "waste"},
	{"params", "Defaults that steward.yaml may override (policies.params.ID.NAME); read as params.NAME.", "{days: 7}"},
	{"where", "CEL expression over r, params and now; the resource is a finding when it is true.", "r.state == 'available' && age(r) > days(params.days)"},
	{"waste", "Optional CEL expression: US dollars recoverable per month (shown in the configured currency). waste and idle policies need one.", "price(r)"},
	{"message", "The finding's text, with ${expression} parts evaluated for each match.", "${r.id} is attached to nothing"},
	{"remediation", "How to fix it, in words; never promise an action steward does not have.", "Snapshot the volume, then delete it."},
	{"references", "Control ids it implements: Security Hub FSBP (S3.8) and CIS AWS Foundations (CIS 2.1.4).", "[RDS.3, CIS 2.3.1]"},
	{"actions", "What may be done about a finding: mark, notify, snapshot-then-delete, delete, tag, stop. With mark, `steward cleanup plan` tags the resource steward:marked-for=delete@DAY (policies.actions.grace_days later, default 7) and, once that day has passed and a newer scan still flags it, plans its delete (a snapshot first, waited for, with snapshot-then-delete) for `steward apply`; a resource no longer flagged is unmarked. mark needs delete or snapshot-then-delete in the same list.", "[mark, snapshot-then-delete]"},
	{"ja", "Japanese texts, shown to readers in Japanese (lang: ja, --lang ja, the dashboard's language) whatever language the scan ran in: title, description, message (with the same ${...} data as message) and remediation; a text left out is shown in English.", "{title: 未使用の EBS ボリューム, message: \"${r.id} はどこにもアタッチされていません\"}"},
}

// fixtureFields documents the keys of a NAME_test.yaml file (testFile).
var fixtureFields = []fieldDoc{
	{"now", "RFC 3339 time ages are measured against, so the file means the same every day.", "2026-03-01T00:00:00Z"},
	{"naming", "Naming template used instead of steward.yaml's.", "\"{system}-{env}-{role}\""},
	{"required", "Required tags used instead of steward.yaml's: key to allowed values (empty: any value; ranges like qa1..qa3).", "{env: [prod, stg], owner: []}"},
	{"required_on", "Limits a required key to some types (patterns), as tags.required_on does.", "{owner: [\"AWS::EC2::*\"]}"},
	{"exempt", "Types (patterns) no required tag applies to, as tags.exempt does.", "[AWS::RDS::DBSnapshot]"},
	{"resources", "Fixture resources: arn, type, id, name, account, region, state, created, tags, attrs, relations, monthly_cost.", "- {arn: \"arn:vol/a\", type: AWS::EC2::Volume, id: vol-a, state: available}"},
	{"cases", "One per policy: policy, match and no_match (ARNs), optional params, and message (ARN to the exact text expected).", "- {policy: ebs-unattached, match: [\"arn:vol/a\"], no_match: [\"arn:vol/b\"]}"},
}

// helperDoc documents one CEL function steward adds to the standard ones.
type helperDoc struct {
	Signature, Doc, Example string
}

// helperDocs documents every function env() declares; a test holds the
// two together.
var helperDocs = map[string]helperDoc{
	"age":                 {"age(r) -> duration", "Time since the resource was created; an error when its creation time is unknown (test has(r.created) first).", "age(r) > days(30)"},
	"since":               {"since(time) -> duration", "Time since an RFC 3339 attr or a timestamp; an empty or malformed time is an error, never zero.", "since(r.attrs.stopped_at) > days(params.days)"},
	"days":                {"days(n) -> duration", "n days as a duration.", "days(7)"},
	"in_days":             {"in_days(duration) -> int", "Whole days in a duration.", "in_days(age(r)) > 365"},
	"tag":                 {"tag(r, key) -> string", "The tag's value (keys match case-insensitively as a fallback); empty when absent.", "tag(r, 'env') == 'prod'"},
	"has_tag":             {"has_tag(r, key) -> bool", "Whether the tag is present with a non-blank value.", "!has_tag(r, 'Name')"},
	"aws_default":         {"aws_default(r) -> bool", "Whether AWS made the resource itself: a default VPC, default subnet or default security group.", "!aws_default(r) && size(missing_tags(r)) > 0"},
	"related":             {"related(r, kind) -> list of resources", "Resources r points at with relations of kind (attached-to, in-subnet, uses-sg ...).", "related(r, 'in-subnet').exists(s, s.attrs.public)"},
	"referrers":           {"referrers(r, kind) -> list of resources", "Resources that point at r with relations of kind.", "size(referrers(r, 'attached-to')) == 0"},
	"name_ok":             {"name_ok(r) -> bool", "Whether the name follows the naming rule (true for types the rule does not cover).", "r.name != '' && !name_ok(r)"},
	"name_problem":        {"name_problem(r) -> string", "Which part of the name breaks the naming rule and what it may be, in words; empty when the name follows it.", "name_problem(r)"},
	"tag_problems":        {"tag_problems(r) -> list of string", "Every required tag that is missing, empty or outside its allowed values, in words.", "tag_problems(r).join('; ')"},
	"missing_tags":        {"missing_tags(r) -> list of string", "Required tag keys that are absent or blank on r's type.", "size(missing_tags(r)) > 0"},
	"invalid_tags":        {"invalid_tags(r) -> list of string", "key=value of required tags whose value is not allowed.", "size(invalid_tags(r)) > 0"},
	"sum":                 {"sum(list) -> double", "Sum of a list of numbers.", "sum(referrers(r, 'attached-to').map(v, price(v)))"},
	"price":               {"price(r) -> double", "List price of the resource per month in US dollars (0 when it cannot be priced).", "price(r) > 100.0"},
	"gp3_savings":         {"gp3_savings(r) -> double", "Monthly saving of moving a gp2 volume to gp3, in US dollars.", "gp3_savings(r) > 0.0"},
	"generation_savings":  {"generation_savings(r) -> double", "Monthly saving of moving an instance (EC2 type or RDS class) to its current generation, when both are priced.", "generation_savings(r) > 0.0"},
	"previous_generation": {"previous_generation(type) -> bool", "Whether an EC2 instance type or RDS class is previous generation.", "previous_generation(r.attrs.instance_type)"},
	"current_generation":  {"current_generation(type) -> string", "The like-for-like current-generation type, or empty when none is priced.", "current_generation('m4.large')"},
	"world_open_ports":    {"world_open_ports(r, ports) -> list of int", "Which of the ports a security group opens to 0.0.0.0/0 or ::/0.", "world_open_ports(r, [22, 3389])"},
	"open_to_world":       {"open_to_world(r, ports) -> bool", "Whether a security group opens any of the ports to the internet.", "open_to_world(r, params.ports)"},
	"bytes_human":         {"bytes_human(n) -> string", "A byte count for people (1.5 GB).", "bytes_human(r.attrs.stored_bytes)"},
	"money":               {"money(usd) -> string", "US dollars converted and formatted in the configured currency.", "money(price(r))"},
}

// resourceFieldDocs documents the fields of r.
var resourceFieldDocs = map[string]string{
	"arn":          "string: the key of the resource",
	"account":      "string: 12-digit account id",
	"region":       "string: region, or global",
	"type":         "string: CloudFormation type name",
	"id":           "string: native id (i-0abc..., bucket name)",
	"name":         "string: Name tag or native name; empty when none",
	"state":        "string: lower-case state (running, stopped, available ...)",
	"tags":         "map of string to string",
	"created":      "timestamp; test has(r.created) first",
	"attrs":        "map: the type's attributes below; test has(r.attrs.x) first",
	"relations":    "list of {kind, target}",
	"managed_by":   "{kind: terraform|cloudformation|'', ref, source}",
	"creator":      "{principal, user_agent, via, at} from CloudTrail; test has(r.creator) first",
	"monthly_cost": "double: the collector's estimate in US dollars, 0 when unknown",
}

// Reference is the policy authoring reference (docs/policies.md): the
// policy and fixture schemas, every CEL helper, the fields of r, every
// resource type's attributes and the built-in policies. It is generated
// from the code, so it cannot drift from what steward accepts.
func Reference() (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
	}

	w("# Writing policies\n\n")
	w("<!-- Generated by `go test ./internal/policy -run TestReferenceIsCurrent -update`; do not edit. -->\n\n")
	w("A policy is YAML with CEL expressions. Put your files in a folder, list it in steward.yaml\n")
	w("(`policies: {paths: [./policies]}`), and keep a `NAME_test.yaml` fixture next to each\n")
	w("`NAME.yaml`: `steward policy test ./policies` runs them. `steward policy new NAME` writes a\n")
	w("skeleton of both; `steward policy show ID` prints a built-in policy to start from.\n\n")
	w("```yaml\npack: mine\npolicies:\n  - id: ebs-unattached\n    title: Unattached EBS volume\n    types: [AWS::EC2::Volume]\n")
	w("    severity: medium\n    category: waste\n    params: {days: 7}\n    where: r.state == 'available' && age(r) > days(params.days)\n")
	w("    waste: price(r)\n    message: \"${r.id} is attached to nothing; ${money(price(r))}/month\"\n")
	w("    remediation: Snapshot the volume if its data may be needed, then delete it.\n```\n\n")

	w("## Policy keys\n\n| key | meaning | example |\n|---|---|---|\n")
	for _, f := range policyFields {
		w("| `%s` | %s | %s |\n", f.Key, cell(f.Doc), code(f.Example))
	}

	w("\n## Fixture files (NAME_test.yaml)\n\n| key | meaning | example |\n|---|---|---|\n")
	for _, f := range fixtureFields {
		w("| `%s` | %s | %s |\n", f.Key, cell(f.Doc), code(f.Example))
	}

	w("\n## Expressions\n\nCEL with the strings, math, lists, sets and bindings extensions. Variables: `r` (the\n")
	w("resource), `params` (the policy's parameters), `now` (the evaluation time). Each expression\n")
	w("has a cost limit: one that could run away (nested comprehensions over large lists) is refused.\n\n")
	w("### Fields of r\n\n| field | meaning |\n|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(resourceFieldDocs)) {
		w("| `r.%s` | %s |\n", k, cell(resourceFieldDocs[k]))
	}
	w("\n### Helpers\n\n| function | what it returns | example |\n|---|---|---|\n")
	for _, k := range slices.Sorted(maps.Keys(helperDocs)) {
		h := helperDocs[k]
		w("| `%s` | %s | %s |\n", h.Signature, cell(h.Doc), code(h.Example))
	}

	w("\n## Resource types and their attributes\n\nA collector that cannot read an attribute leaves it out; test with `has(r.attrs.x)`.\n")
	for _, t := range inventory.TypeNames() {
		info, _ := inventory.Type(t)
		w("\n### %s\n\n", t)
		if len(info.Attrs) == 0 {
			w("No attributes beyond the fields of r.\n")
			continue
		}
		w("| attribute | meaning |\n|---|---|\n")
		for _, k := range slices.Sorted(maps.Keys(info.Attrs)) {
			w("| `%s` | %s |\n", k, cell(info.Attrs[k]))
		}
	}

	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		return "", err
	}
	w("\n## Built-in policies\n\n| id | category | severity | title | references |\n|---|---|---|---|---|\n")
	for _, p := range ps {
		w("| `%s` | %s | %s | %s | %s |\n", p.ID, p.Category, p.Severity, cell(p.Title), cell(strings.Join(p.References, ", ")))
	}
	return b.String(), nil
}

// Source returns the YAML of one built-in policy as its pack file writes
// it, from its "- id:" line to the next policy.
func Source(id string) (string, error) {
	ps, err := Load(context.Background(), nil, true)
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.ID == id {
			return SourceOf(p)
		}
	}
	return "", i18n.Say("policy.err.builtin", id).Err()
}

// SourceOf returns the lines of p's pack file that write it, from its
// "- id:" line to the next policy: the embedded file for a built-in policy,
// the user's file for one loaded from policies.paths.
func SourceOf(p *Policy) (string, error) {
	var data []byte
	var err error
	if name, ok := strings.CutPrefix(p.File, "builtin:"); ok {
		data, err = fs.ReadFile(BuiltinFS(), name)
	} else {
		data, err = os.ReadFile(p.File)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p.File, err)
	}
	lines := strings.Split(string(data), "\n")
	start := p.Line - 1
	if start < 0 || start >= len(lines) {
		return "", fmt.Errorf("policy %s: line %d is outside %s", p.ID, p.Line, p.File)
	}
	indent := len(lines[start]) - len(strings.TrimLeft(lines[start], " "))
	end := start + 1
	for end < len(lines) {
		l := lines[end]
		trimmed := strings.TrimLeft(l, " ")
		// The policy ends at the next list item at its indentation, or at a
		// key less indented than its "- id:" (the file's next top-level key).
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			in := len(l) - len(trimmed)
			if in < indent || (in == indent && strings.HasPrefix(trimmed, "- ")) {
				break
			}
		}
		end++
	}
	// Blank lines and comments before the next policy belong to it.
	for end > start+1 {
		if t := strings.TrimSpace(lines[end-1]); t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		end--
	}
	out := slices.Clone(lines[start:end])
	for i, l := range out {
		// A pack may share a types list through a YAML alias to an earlier
		// policy; shown alone the alias would not parse, so it is written out.
		if k, v, ok := strings.Cut(l, "types: *"); ok && strings.TrimSpace(k) == "" && !strings.ContainsAny(v, " #") {
			out[i] = k + "types: [" + strings.Join(p.Types, ", ") + "]"
		}
	}
	return strings.Join(out, "\n") + "\n", nil
}
