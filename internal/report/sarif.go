package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"

	"github.com/steward-sre/steward/internal/report/table"
)

// SARIF 2.1.0, in the subset GitHub code scanning reads. Findings are cloud
// resources, not files, so each result carries the ARN as a logical location
// and a stable pseudo-path (aws/<account>/<region>/<type>) as the physical
// location code scanning requires to display an alert.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// fingerprintKey names steward's partial fingerprint; bump the version
	// if the hashed fields ever change, so old alerts are not matched wrongly.
	fingerprintKey = "stewardFinding/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool           `json:"tool"`
	Results    []sarifResult       `json:"results"`
	Properties *sarifRunProperties `json:"properties,omitempty"`
}

type sarifRunProperties struct {
	ScanID   string `json:"scanId,omitempty"`
	Source   string `json:"source,omitempty"`
	Complete bool   `json:"complete"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifHelp          `json:"help"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Category string `json:"category"`
	Severity string `json:"severity"`
	// SecuritySeverity is the CVSS-like score GitHub ranks security alerts
	// by (critical above 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9).
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Account      string  `json:"account"`
	Region       string  `json:"region"`
	Type         string  `json:"type"`
	Owner        string  `json:"owner,omitempty"`
	System       string  `json:"system,omitempty"`
	Env          string  `json:"env,omitempty"`
	MonthlyWaste float64 `json:"monthlyWaste,omitempty"`
	Currency     string  `json:"currency,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	// Region is required by code scanning; a resource has no lines, so
	// every result points at line 1 of its pseudo-file.
	Region sarifRegion `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// sarifLevel maps severities to SARIF levels: only what should block a
// merge is an error.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	}
	return "note"
}

var securitySeverity = map[finding.Severity]string{
	finding.Critical: "9.5",
	finding.High:     "8.0",
	finding.Medium:   "5.5",
	finding.Low:      "2.0",
}

func renderSARIF(w io.Writer, v *view) error {
	rules, index := sarifRules(v)
	results := make([]sarifResult, 0, len(v.findings))
	for i := range v.findings {
		f := &v.findings[i]
		results = append(results, sarifResult{
			RuleID:    f.Policy,
			RuleIndex: index[f.Policy],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: sarifMessage(f)},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: sarifArtifactLocation{URI: artifactURI(f)},
					Region:           sarifRegion{StartLine: 1},
				},
				LogicalLocations: []sarifLogicalLocation{{
					Name:               resourceLabel(f, i18n.EN),
					FullyQualifiedName: f.ARN,
					Kind:               "resource",
				}},
			}},
			PartialFingerprints: map[string]string{fingerprintKey: Fingerprint(f.Policy, f.ARN)},
			Properties: sarifResultProps{
				Account: f.Account, Region: regionLabel(f.Region, i18n.EN), Type: f.Type,
				Owner: f.Owner, System: f.System, Env: f.Env,
				MonthlyWaste: f.MonthlyWaste, Currency: wasteCurrency(f),
			},
		})
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "steward",
			InformationURI: "https://github.com/steward-sre/steward",
			Version:        v.rep.ToolVersion,
			Rules:          rules,
		}},
		Results: results,
	}
	if s := v.rep.Scan; s != nil {
		run.Properties = &sarifRunProperties{ScanID: s.ID, Source: s.Source, Complete: s.Complete()}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules lists every evaluated policy, plus any policy a finding names
// that the caller did not describe (so every result has its rule), by id.
func sarifRules(v *view) ([]sarifRule, map[string]int) {
	infos := make(map[string]PolicyInfo)
	for _, p := range v.rep.Policies {
		if p.ID != "" {
			infos[p.ID] = p
		}
	}
	for _, f := range v.findings {
		if _, ok := infos[f.Policy]; !ok {
			infos[f.Policy] = PolicyInfo{
				ID: f.Policy, Title: f.Title, Category: f.Category, Severity: f.Severity,
				Remediation: f.Remediation, References: f.References,
			}
		}
	}
	ids := sortedKeys(infos)
	rules := make([]sarifRule, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		rules[i] = sarifRuleOf(infos[id])
	}
	return rules, index
}

func sarifRuleOf(p PolicyInfo) sarifRule {
	title := cmp.Or(p.Title, p.ID)
	help := cmp.Or(p.Remediation, "No remediation is documented for this policy.")
	md := help
	if len(p.References) > 0 {
		md += "\n\nReferences:\n"
		for _, r := range p.References {
			md += "\n- " + r
		}
	}
	tags := []string{"steward", string(p.Category)}
	props := sarifRuleProps{Category: string(p.Category), Severity: p.Severity.String()}
	if p.Category == finding.Security {
		// GitHub reads security-severity only on rules tagged "security".
		tags = append(tags, "security")
		props.SecuritySeverity = securitySeverity[p.Severity]
	}
	props.Tags = slices.Compact(slices.Sorted(slices.Values(tags)))
	return sarifRule{
		ID:                   p.ID,
		Name:                 ruleName(p.ID),
		ShortDescription:     sarifText{Text: title},
		FullDescription:      sarifText{Text: cmp.Or(p.Description, title)},
		Help:                 sarifHelp{Text: help, Markdown: md},
		HelpURI:              p.HelpURI,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(p.Severity)},
		Properties:           props,
	}
}

// ruleName turns a policy id (s3-bucket-public) into the PascalCase
// identifier SARIF expects for a rule name (S3BucketPublic).
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		switch {
		case r == '-' || r == '_' || r == '.' || r == ' ' || r == '/':
			upper = true
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "Policy"
	}
	return b.String()
}

func sarifMessage(f *finding.Finding) string {
	msg := cmp.Or(f.Message, f.Title, f.Policy)
	return msg + " (resource " + cmp.Or(f.ARN, resourceLabel(f, i18n.EN)) + ")"
}

// artifactURI is the pseudo-path of a finding's resource. It must stay the
// same across runs: code scanning matches alerts by path and fingerprint.
func artifactURI(f *finding.Finding) string {
	seg := func(s, empty string) string {
		if s == "" {
			return empty
		}
		return url.PathEscape(table.Terminal(s))
	}
	return "aws/" + seg(f.Account, "unknown-account") + "/" + seg(f.Region, "global") + "/" + seg(f.Type, "unknown-type")
}

func wasteCurrency(f *finding.Finding) string {
	if f.MonthlyWaste == 0 {
		return ""
	}
	return f.Currency
}

// Fingerprint is a stable hash of a finding's identity (policy and ARN),
// the same on every run, for tools that deduplicate across runs.
func Fingerprint(policy, arn string) string {
	sum := sha256.Sum256([]byte(policy + "\x00" + arn))
	return hex.EncodeToString(sum[:16])
}
