package delivery

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/steward-sre/steward/internal/i18n"
)

// Result is how a deployment ended.
type Result string

const (
	Success    Result = "success"
	Failure    Result = "failure"
	RolledBack Result = "rolled_back"
)

// ParseResult reads a result as written in import files and flags.
func ParseResult(s string) (Result, error) {
	switch r := Result(strings.ToLower(strings.TrimSpace(s))); r {
	case Success, Failure, RolledBack:
		return r, nil
	case "rolled-back", "rollback", "rolledback":
		return RolledBack, nil
	}
	return "", i18n.Say("delivery.err.result", s).Err()
}

// Deployment is one deployment of a service to an environment, from any
// tool. Finished is when it ended; Started may be unknown (zero).
type Deployment struct {
	ID          string    `json:"id"`
	Service     string    `json:"service"`
	Environment string    `json:"environment"`
	Started     time.Time `json:"started_at,omitzero"`
	Finished    time.Time `json:"finished_at"`
	Result      Result    `json:"result"`
	CommitSHA   string    `json:"commit_sha"`
	Version     string    `json:"version,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	Tool        string    `json:"tool,omitempty"`
	Link        string    `json:"link,omitempty"`
	// LeasedBy names who held the environment, when it was leased by
	// someone other than the deployer: the deploy is flagged.
	LeasedBy string `json:"leased_by,omitempty"`
}

// Commit is one commit of a service's main branch, with its first parent:
// the first-parent chain is the order in which changes reached main.
type Commit struct {
	Service     string    `json:"service"`
	SHA         string    `json:"sha"`
	ParentSHA   string    `json:"parent_sha,omitempty"`
	CommittedAt time.Time `json:"committed_at"`
}

// Change is one merged pull request. MergeSHA is the commit it made on
// main (a merge or a squash commit); FirstCommitAt is when its work began.
type Change struct {
	Service       string    `json:"service"`
	ID            string    `json:"id"`
	MergeSHA      string    `json:"merge_sha"`
	FirstCommitAt time.Time `json:"first_commit_at"`
	MergedAt      time.Time `json:"merged_at"`
}

// Incident is a failure in production. DeploymentID names the deployment
// that caused it when known; ResolvedAt is zero while it is open.
type Incident struct {
	ID           string    `json:"id"`
	Service      string    `json:"service"`
	CreatedAt    time.Time `json:"created_at"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	DeploymentID string    `json:"deployment_id,omitempty"`
}

// Data is a batch of delivery records: what an import reads, what the
// store keeps and what the Four Keys are computed from.
type Data struct {
	Deployments []Deployment `json:"deployments,omitempty"`
	Commits     []Commit     `json:"commits,omitempty"`
	Changes     []Change     `json:"changes,omitempty"`
	Incidents   []Incident   `json:"incidents,omitempty"`
}

// Len is the number of records.
func (d Data) Len() int {
	return len(d.Deployments) + len(d.Commits) + len(d.Changes) + len(d.Incidents)
}

// FieldError is a record whose field is wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr is field's error: what is wrong with it is a phrase, said in
// the reader's language, the field's name as it is written.
func fieldErr(field, key string, args ...any) error {
	return &FieldError{Field: field, Err: i18n.Say(key, args...).Err()}
}

// MaxTextLen bounds ids, names and links: they are printed in tables.
const MaxTextLen = 512

var shaRe = regexp.MustCompile(`^[0-9a-f]{4,64}$`)

// checkText refuses empty (when required), overlong and control-character
// values: they end up in terminal tables and file names of nobody's choice.
func checkText(field, v string, required bool) error {
	if v == "" {
		if required {
			return fieldErr(field, "delivery.err.required")
		}
		return nil
	}
	if len(v) > MaxTextLen {
		return fieldErr(field, "delivery.err.toolong", len(v), MaxTextLen)
	}
	if strings.TrimSpace(v) != v {
		return fieldErr(field, "delivery.err.spaces", v)
	}
	for _, r := range v {
		if r == unicode.ReplacementChar || unicode.IsControl(r) {
			return fieldErr(field, "delivery.err.control", v)
		}
	}
	return nil
}

func checkSHA(field, v string, required bool) error {
	if v == "" && !required {
		return nil
	}
	if !shaRe.MatchString(v) {
		return fieldErr(field, "delivery.err.sha", v)
	}
	return nil
}

func checkTime(field string, t time.Time, required bool) error {
	if t.IsZero() {
		if required {
			return fieldErr(field, "delivery.err.timereq")
		}
		return nil
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return fieldErr(field, "delivery.err.timerange", t.Format(time.RFC3339))
	}
	return nil
}

// Validate checks a deployment; errors are *FieldError naming the field.
func (d *Deployment) Validate() error {
	return firstErr(
		checkText("id", d.ID, true),
		checkText("service", d.Service, true),
		checkText("environment", d.Environment, true),
		checkTime("started_at", d.Started, false),
		checkTime("finished_at", d.Finished, true),
		checkResult(d.Result),
		checkSHA("commit_sha", d.CommitSHA, true),
		checkText("version", d.Version, false),
		checkText("actor", d.Actor, false),
		checkText("tool", d.Tool, false),
		checkText("link", d.Link, false),
		checkOrder("started_at", d.Started, d.Finished, "finished_at"),
	)
}

func checkResult(r Result) error {
	if _, err := ParseResult(string(r)); err != nil || r == "" {
		return fieldErr("result", "delivery.err.result", string(r))
	}
	return nil
}

func checkOrder(field string, first, then time.Time, thenField string) error {
	if !first.IsZero() && !then.IsZero() && then.Before(first) {
		return fieldErr(field, "delivery.err.order", first.Format(time.RFC3339), thenField, then.Format(time.RFC3339))
	}
	return nil
}

// Validate checks a commit.
func (c *Commit) Validate() error {
	return firstErr(
		checkText("service", c.Service, true),
		checkSHA("sha", c.SHA, true),
		checkSHA("parent_sha", c.ParentSHA, false),
		checkTime("committed_at", c.CommittedAt, true),
	)
}

// Validate checks a change.
func (c *Change) Validate() error {
	return firstErr(
		checkText("service", c.Service, true),
		checkText("id", c.ID, true),
		checkSHA("merge_sha", c.MergeSHA, true),
		checkTime("first_commit_at", c.FirstCommitAt, true),
		checkTime("merged_at", c.MergedAt, true),
		checkOrder("first_commit_at", c.FirstCommitAt, c.MergedAt, "merged_at"),
	)
}

// Validate checks an incident.
func (i *Incident) Validate() error {
	return firstErr(
		checkText("id", i.ID, true),
		checkText("service", i.Service, true),
		checkTime("created_at", i.CreatedAt, true),
		checkTime("resolved_at", i.ResolvedAt, false),
		checkText("deployment_id", i.DeploymentID, false),
		checkOrder("created_at", i.CreatedAt, i.ResolvedAt, "resolved_at"),
	)
}

// Validate checks every record and names the first bad one.
func (d *Data) Validate() error {
	for i := range d.Deployments {
		if err := d.Deployments[i].Validate(); err != nil {
			return fmt.Errorf("deployment %q: %w", d.Deployments[i].ID, err)
		}
	}
	for i := range d.Commits {
		if err := d.Commits[i].Validate(); err != nil {
			return fmt.Errorf("commit %q: %w", d.Commits[i].SHA, err)
		}
	}
	for i := range d.Changes {
		if err := d.Changes[i].Validate(); err != nil {
			return fmt.Errorf("change %q: %w", d.Changes[i].ID, err)
		}
	}
	for i := range d.Incidents {
		if err := d.Incidents[i].Validate(); err != nil {
			return fmt.Errorf("incident %q: %w", d.Incidents[i].ID, err)
		}
	}
	return nil
}

// firstErr is the first problem found: one clear message, not a list.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ShortSHA is a commit as people read it: its first 8 hex digits.
func ShortSHA(sha string) string {
	if len(sha) > 8 {
		return sha[:8]
	}
	return sha
}
